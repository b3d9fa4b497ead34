"""The checking engine: the lemma registry and everything that derives a lemma's status.

* :mod:`~theory.checking.registry` -- :class:`Lemma`, checks and outcomes, the registry itself;
* :mod:`~theory.checking.building_blocks` -- symbolic vectors, exact cases and comparisons shared by the lemmas;
* :mod:`~theory.checking.strategies`, :mod:`~theory.checking.profiles` -- Hypothesis strategies and profiles;
* :mod:`~theory.checking.oracle`, :mod:`~theory.checking.error_model` -- the 60-digit oracle and the float64 error
  model that turns a float disagreement into "implementation problem" rather than "refuted";
* :mod:`~theory.checking.formulas` -- the draft's formulas the oracle and the proofs judge with (never the
  implementation they judge), and the comparison of the implementation with them;
* :mod:`~theory.checking.guards` -- vacuity and implementation guards, and the perturbation mode of the negative
  controls;
* :mod:`~theory.checking.inversion_bounds` -- error models and exact references of the three ways to invert one
  step (draft, "Inverting a single gradient step is hard");
* :mod:`~theory.checking.status`, :mod:`~theory.checking.verify` -- statuses derived by running the checks, and
  the verification record;
* :mod:`~theory.checking.links` -- which sweeps and checks measure a lemma (reads ``sims`` and ``empirical``
  lazily, when they are installed: the one upward import, inside functions).

May import :mod:`theory.models` and :mod:`theory.support`; imports nothing of :mod:`theory.paper`.
"""
