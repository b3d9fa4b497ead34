"""Readings and premises: a stored counterexample must meet the premises of the statement it refutes (a case
outside them refutes nothing), and each claim with several readings names them."""

from __future__ import annotations

import pytest

from theory.checking.registry import SympyProof, registry

REFUTED = [lemma for lemma in registry().values() if lemma.counterexample is not None]


@pytest.mark.parametrize("lemma", REFUTED, ids=[lemma.id for lemma in REFUTED])
def test_stored_counterexample_meets_the_premises(lemma):
    check = lemma.check(lemma.counterexample.check)
    assert not isinstance(check, SympyProof)
    outcome = check.predicate(lemma.counterexample.case)
    assert outcome.premises_met, f"{lemma.id}: the stored counterexample is outside the premises ({outcome.detail})"
    assert not outcome.holds, f"{lemma.id}: the stored counterexample no longer breaks the statement ({outcome.detail})"


@pytest.mark.parametrize("claim, expected", [
    ("lr-inverse-small-shift", {"lr-inverse-small-shift": "refuted", "lr-inverse-small-shift-operator": "holds"}),
    ("neumann-converges-small-shift", {"neumann-converges-small-shift": "refuted",
                                       "neumann-converges-small-shift-operator": "holds"}),
    ("ga-not-inverse", {"ga-not-inverse": "holds", "ga-not-inverse-linear": "holds"}),
    ("gradient-insufficient", {"gradient-insufficient": "refuted", "gradient-insufficient-value": "holds"}),
    ("ga-small-loss", {"ga-small-loss": "holds", "ga-small-loss-across-points": "refuted"}),
    ("brouwer-discontinuous", {"brouwer-discontinuous": "refuted", "brouwer-discontinuous-some-model": "holds"}),
    ("lr-gradient-projection", {"lr-gradient-projection": "refuted", "lr-gradient-projection-geometry": "holds"}),
    ("poison-gradient-unknowable", {"poison-gradient-unknowable": "refuted",
                                    "poison-gradient-unknowable-no-checkpoint": "holds"}),
    ("banach-not-contraction", {"banach-not-contraction": "holds", "banach-not-contraction-likely": "open"}),
    ("pathway-regularizer", {"pathway-regularizer": "holds", "pathway-regularizer-psi": "refuted",
                             "pathway-regularizer-networks": "open"}),
])
def test_each_reading_is_its_own_lemma(claim, expected):
    """The readings the review asked for exist under one claim key; 'refuted' ones store a counterexample, 'holds'
    ones have checks and none, 'open' ones have no checks (the statuses themselves are test_lemmas' business)."""
    lemmas = {lemma.id: lemma for lemma in registry().values() if lemma.claim_key == claim}
    assert set(expected) <= set(lemmas), f"claim {claim}: missing readings {set(expected) - set(lemmas)}"
    for lemma_id, verdict in expected.items():
        lemma = lemmas[lemma_id]
        assert lemma.reading and lemma.as_written
        if verdict == "refuted":
            assert lemma.counterexample is not None
        elif verdict == "holds":
            assert lemma.counterexample is None and lemma.checks
        else:
            assert not lemma.checks
