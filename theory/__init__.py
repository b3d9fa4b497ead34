"""The lemma registry of the draft and the exact checks behind each lemma's status.

Parts (each package's ``__init__`` says what it holds and what it may import):

* :mod:`theory.lemmas` -- the claims of the draft, one module per section, registered on import;
* :mod:`theory.checking` -- the engine: registry, strategies, oracle, error model, guards, statuses, ``verify``;
* :mod:`theory.models` -- the mathematics the lemmas are about: linear and logistic regression steps, second-order
  forms, inversion bounds, robust aggregation (numpy, mpmath and torch);
* :mod:`theory.paper` -- what a reader sees: catalog and LaTeX exports, ``cite-check``, the annotated draft,
  the claims inventory, the lemma graph;
* :mod:`theory.support` -- run support: provenance, input validation, the paper figure style;
* :mod:`theory.threads` -- the thread policy that every entry point applies first;
* :mod:`theory.cli` -- ``python -m theory``.

Layering inside ``theory``: ``support`` and ``threads`` import nothing of ``theory``'s; ``models`` imports
``support``; ``checking`` imports ``models`` and ``support``; ``lemmas`` imports ``checking``, ``models`` and
``support``; ``paper`` may import all of them; ``cli`` imports everything. No package imports ``sims``,
``empirical`` or torch at module level (``tests/test_architecture.py`` checks it).
"""
