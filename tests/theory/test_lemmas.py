"""pytest as the proof-checker: one case per lemma of the registry, with the lemma id as test id.

``pytest -k ga-linear-error`` checks one lemma. A lemma passes when its checks reproduce what the
registry states: a refuted claim passes when its stored counterexample still breaks it; a lemma
meant to hold fails as soon as a check breaks it (the message carries the shrunk counterexample
to store) or a sympy proof does not go through.
"""

from __future__ import annotations

import pytest

from theory.checking.registry import registry
from theory.checking.status import evaluate

LEMMAS = list(registry().values())


@pytest.mark.parametrize("lemma", LEMMAS, ids=[lemma.id for lemma in LEMMAS])
def test_lemma(lemma):
    verdict = evaluate(lemma)
    assert verdict.ok, "\n".join(verdict.problems)
    if lemma.counterexample is not None:
        assert verdict.status == "refuted" and verdict.evidence[0]["reproduced"]
    elif not lemma.checks:
        assert verdict.status == "open"
    else:
        assert verdict.status in ("proved", "verified"), verdict
