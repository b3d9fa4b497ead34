r"""The lemma registry: every claim of the draft, and every lemma the package adds, with its checks.

A :class:`Lemma` is data: an id (also its LaTeX label ``lem:<id>`` and its pytest id), a title, a
LaTeX statement, the draft section it comes from, its assumptions, the lemmas it uses, its checks
and, for a claim that a check refuted, the shrunk counterexample and the lemma that corrects it.
An as-written lemma also carries ``quote``, the draft's own words verbatim (whitespace may differ);
a claim with several natural readings is one lemma per reading, each naming its ``reading`` and
sharing one ``claim`` key, so that the catalog can show the readings side by side.
Its *status* is never written down: :func:`theory.checking.status.evaluate` derives it by running the checks.

Statuses (see ``docs/authors-guide.md``):

``proved``
    sympy established the statement in every size it quantifies over: every proof that is not a
    cross-check declares a :class:`Coverage` made by :func:`every_size` (vector-symbolic, an induction
    checked by sympy, or identities that hold for symbolic dimension), and every proof's negative
    control was rejected.
``verified``
    sympy established it at the fixed sizes its proofs declare (:func:`fixed_sizes`: "p <= 4",
    "n = 2 in R^3"), or Hypothesis found no counterexample and an mpmath high-precision evaluation agrees.
``refuted``
    a check found a counterexample (stored here, reproduced on every run); ``corrected_by`` names
    the corrected statement, which is its own lemma.
``open``
    stated, not checkable here (e.g. needs a neural network: :mod:`empirical` measures it).

The model is leanblueprint's (label, ``\uses``, status) and scikit-learn's ``parametrize_with_checks``
(a registry turned into pytest cases with readable ids).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis.strategies import SearchStrategy

__all__ = [
    "Outcome",
    "Coverage",
    "every_size",
    "fixed_sizes",
    "SympyProof",
    "PropertyCheck",
    "OracleCheck",
    "Counterexample",
    "Lemma",
    "register",
    "registry",
    "get",
    "LEMMA_ID_PATTERN",
]

LEMMA_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

Case = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """Result of a predicate on one case.

    ``holds`` says whether the statement held on the case; ``score`` is how close the case came to
    breaking it (error over tolerance: > 1 means broken), which Hypothesis' ``target()`` climbs.
    ``premises_met`` is False when the case violates a premise of the statement or is degenerate
    (all-zero vectors, say): such a case neither supports nor refutes the statement, and the
    vacuity guard counts only cases whose premises were met.
    """

    holds: bool
    score: float = 0.0
    detail: str = ""
    premises_met: bool = True


@dataclass(frozen=True)
class Coverage:
    """The sizes a symbolic check covers, in words ("all p", "p <= 4", "n = 2 in R^3"), and whether that is
    every size the statement quantifies over (only then can the lemma be ``proved``)."""

    text: str
    every_size: bool

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a coverage needs words saying which sizes it covers")


def every_size(text: str) -> Coverage:
    """Coverage of a proof symbolic in every quantified size; ``text`` says which and why ("all p: two
    vectors span at most two dimensions", "all T >= m >= 1: induction")."""
    return Coverage(text, True)


def fixed_sizes(text: str) -> Coverage:
    """Coverage of a proof at fixed sizes ("p <= 4", "n = 2 in R^3"): it verifies, it does not prove."""
    return Coverage(text, False)


@dataclass(frozen=True)
class SympyProof:
    """A symbolic proof: ``prove()`` returns True when sympy establishes the identity.

    ``description`` says exactly what was proved; ``coverage`` which sizes (:func:`every_size` or
    :func:`fixed_sizes`): it decides between ``proved`` and ``verified``. A ``cross_check`` re-derives
    what another proof of the lemma establishes (a special case, an instance): its coverage does not
    limit the lemma's.

    Negative control (:mod:`theory.checking.guards`): the engine re-runs ``prove()`` in perturbation mode,
    where the decision points of :mod:`theory.checking.building_blocks` decide perturbed identities, and the
    proof must return False. A proof written as a multi-step argument whose conclusions do not pass
    through those points gives ``negative_control`` instead: the same argument on a perturbed statement,
    which must return False.
    """

    name: str
    prove: Callable[[], bool]
    description: str
    coverage: Coverage | None = None
    cross_check: bool = False
    negative_control: Callable[[], bool] | None = None
    kind: str = field(default="sympy", init=False)


@dataclass(frozen=True)
class PropertyCheck:
    """A property fuzzed by Hypothesis: ``predicate(case)`` on cases drawn from ``strategy``.

    ``ranges`` documents what the strategy draws (it is copied into the evidence); ``oracle`` is
    True when the predicate evaluates the statement with mpmath (so a pass counts as mpmath
    agreement); ``examples`` are regression cases run before the random ones (``@example``).

    Negative control: the engine re-runs ``predicate`` on cases that supported the statement in
    perturbation mode (:mod:`theory.checking.guards`), where its statement comparisons
    (:func:`theory.checking.building_blocks.compare`, ``distinct``) decide a perturbed statement; the
    outcome must break. A predicate whose verdict does not pass through them gives ``negative_control``:
    the same evaluation of a perturbed statement, which must break on those cases.
    """

    name: str
    strategy: SearchStrategy
    predicate: Callable[[Case], Outcome]
    ranges: str
    oracle: bool = True
    examples: tuple[Case, ...] = ()
    negative_control: Callable[[Case], Outcome] | None = None
    kind: str = field(default="hypothesis", init=False)


@dataclass(frozen=True)
class OracleCheck:
    """An mpmath evaluation on chosen hard cases (near singularities, tiny learning rates); its negative
    control is a :class:`PropertyCheck`'s."""

    name: str
    cases: Callable[[], Iterable[Case]]
    predicate: Callable[[Case], Outcome]
    description: str
    negative_control: Callable[[Case], Outcome] | None = None
    kind: str = field(default="mpmath", init=False)


@dataclass(frozen=True)
class Counterexample:
    """The shrunk counterexample of a refuted claim: the case, and the check that it breaks."""

    check: str
    case: Case
    found_by: str = "hypothesis"


Check = SympyProof | PropertyCheck | OracleCheck


@dataclass(frozen=True)
class Lemma:
    """One statement of the registry (see the module docstring for the meaning of each field)."""

    id: str
    title: str
    statement: str
    source: str
    as_written: bool
    checks: tuple[Check, ...] = ()
    assumptions: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    corrected_by: tuple[str, ...] = ()
    counterexample: Counterexample | None = None
    interpretation: str = ""
    quote: str = ""
    reading: str = ""
    claim: str = ""
    #: this reading strengthens the draft's words (every noise, every model, a ranking the draft does not state);
    #: it never drives the claim's headline verdict (:func:`theory.paper.claims.headline`)
    strengthened: bool = False

    def __post_init__(self) -> None:
        if not LEMMA_ID_PATTERN.match(self.id):
            raise ValueError(f"lemma id must be lowercase words joined by '-', got {self.id!r}")
        names = [check.name for check in self.checks]
        if len(names) != len(set(names)):
            raise ValueError(f"lemma {self.id}: check names must be unique, got {names}")
        if self.counterexample is not None and self.counterexample.check not in names:
            raise ValueError(f"lemma {self.id}: counterexample names unknown check {self.counterexample.check!r}")
        if self.counterexample is not None and not self.corrected_by:
            raise ValueError(f"lemma {self.id}: a refuted claim must name its corrected lemma in corrected_by")

    @property
    def claim_key(self) -> str:
        """The claim this lemma is a reading of: ``claim`` when set, else its own id."""
        return self.claim or self.id

    @property
    def label(self) -> str:
        """The LaTeX label of the lemma: ``lem:<id>``."""
        return f"lem:{self.id}"

    def check(self, name: str) -> Check:
        """The check called ``name``."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"lemma {self.id} has no check {name!r}; it has {[c.name for c in self.checks]}")


_REGISTRY: dict[str, Lemma] = {}


def register(*lemmas: Lemma) -> None:
    """Add lemmas to the registry; an id may be registered once."""
    for lemma in lemmas:
        if lemma.id in _REGISTRY:
            raise ValueError(f"lemma id {lemma.id!r} is registered twice")
        _REGISTRY[lemma.id] = lemma


def registry() -> dict[str, Lemma]:
    """All lemmas, in registration order (the draft's order), after loading :mod:`theory.lemmas`."""
    import theory.lemmas  # noqa: F401  (registers on import)

    return dict(_REGISTRY)


def get(lemma_id: str) -> Lemma:
    """The lemma with this id, or a ``KeyError`` listing close matches."""
    lemmas = registry()
    if lemma_id not in lemmas:
        import difflib

        close = difflib.get_close_matches(lemma_id, lemmas, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `python -m theory list` shows all ids"
        raise KeyError(f"unknown lemma id {lemma_id!r}{hint}")
    return lemmas[lemma_id]
