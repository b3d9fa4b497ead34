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


@pytest.mark.parametrize(
    "claim, expected",
    [
        ("lr-inverse-small-shift", {"lr-inverse-small-shift": "refuted", "lr-inverse-small-shift-operator": "holds"}),
        (
            "neumann-converges-small-shift",
            {"neumann-converges-small-shift": "refuted", "neumann-converges-small-shift-operator": "refuted"},
        ),
        ("ga-not-inverse", {"ga-not-inverse": "holds", "ga-not-inverse-linear": "holds"}),
        ("gradient-insufficient", {"gradient-insufficient": "refuted", "gradient-insufficient-value": "holds"}),
        (
            "ga-small-loss",
            {"ga-small-loss": "holds", "ga-small-loss-across-points": "refuted", "ga-small-loss-any-step": "refuted"},
        ),
        ("brouwer-discontinuous", {"brouwer-discontinuous": "refuted", "brouwer-discontinuous-some-model": "holds"}),
        ("lr-gradient-projection", {"lr-gradient-projection": "refuted", "lr-gradient-projection-geometry": "refuted"}),
        (
            "poison-gradient-unknowable",
            {"poison-gradient-unknowable": "refuted", "poison-gradient-unknowable-no-checkpoint": "holds"},
        ),
        ("banach-not-contraction", {"banach-not-contraction": "holds", "banach-not-contraction-likely": "open"}),
        (
            "pathway-regularizer",
            {
                "pathway-regularizer": "refuted",
                "pathway-regularizer-psi": "refuted",
                "pathway-regularizer-networks": "open",
            },
        ),
        (
            "omniscient-defender",
            {
                "omniscient-defender-generic-start": "holds",
                "omniscient-defender-training-rate": "refuted",
                "omniscient-defender-chosen-rates": "refuted",
                "omniscient-defender-networks": "open",
            },
        ),
        ("median-suboptimality", {"median-suboptimal": "holds", "median-suboptimal-any-noise": "refuted"}),
        ("efficient-streaming-median", {"streaming-median-histogram": "holds", "streaming-median-exact": "refuted"}),
        (
            "delta-influence-attacker-cost",
            {"delta-influence-attacker-cost": "holds", "delta-influence-attacker-cost-any-attack": "refuted"},
        ),
        (
            "delta-influence-inverse-hvp",
            {"delta-influence-inverse-hvp-lissa": "holds", "delta-influence-inverse-hvp-cg": "refuted"},
        ),
        (
            "nonsmooth-networks",
            {"irregular-targets-need-curvature": "holds", "irregular-targets-need-nondifferentiable": "refuted"},
        ),
        (
            "loss-gradient-similarity",
            {"loss-gradient-same-order-fixed-input": "holds", "loss-gradient-same-maximiser-over-inputs": "refuted"},
        ),
        ("orthogonal-craft-equation", {"orthogonal-craft-notation": "holds", "orthogonal-craft-equation": "refuted"}),
    ],
)
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


# ----------------------------------------------------------------------------- charitable first (issue 19, item 5)
#: claim key -> the reading that must give its headline, and the strengthened readings that must not.
HEADLINES = {
    "gradient-insufficient": ("gradient-insufficient-value", {"gradient-insufficient"}),
    "median-suboptimality": ("median-suboptimal", {"median-suboptimal-any-noise"}),
    "efficient-streaming-median": ("streaming-median-histogram", {"streaming-median-exact"}),
    "brouwer-discontinuous": ("brouwer-discontinuous-some-model", {"brouwer-discontinuous"}),
    "ga-small-loss": ("ga-small-loss", {"ga-small-loss-across-points"}),
    "omniscient-defender": ("omniscient-defender-generic-start", {"omniscient-defender-training-rate"}),
    "delta-influence-attacker-cost": ("delta-influence-attacker-cost", {"delta-influence-attacker-cost-any-attack"}),
}


@pytest.mark.parametrize("claim", sorted(HEADLINES))
def test_strengthened_readings_never_give_the_headline(claim):
    from theory.paper.claims import headlines

    expected, strengthened = HEADLINES[claim]
    lemmas = registry()
    assert headlines()[claim][0] == expected
    assert all(lemmas[lemma_id].strengthened for lemma_id in strengthened)
    assert not lemmas[expected].strengthened


def test_every_claim_has_a_charitable_reading_and_strengthened_ones_are_readings():
    from theory.paper.claims import _claim_groups, headline

    for lemmas in _claim_groups().values():
        head = headline(lemmas)  # raises when every reading is strengthened
        assert not registry()[head].strengthened
        for lemma in lemmas:
            if lemma.strengthened:
                assert lemma.as_written and lemma.reading and len(lemmas) > 1, (
                    f"{lemma.id}: a strengthened reading is one reading of an as-written claim beside a charitable one"
                )


def test_headline_skips_a_strengthened_first_reading():
    from theory.checking.registry import Lemma
    from theory.paper.claims import headline

    strong = Lemma("zz-strong", "t", "s", "src", True, quote="q", claim="zz", reading="every model", strengthened=True)
    plain = Lemma("zz-plain", "t", "s", "src", True, quote="q", claim="zz", reading="some model")
    assert headline([strong, plain]) == "zz-plain"
    with pytest.raises(ValueError, match="every reading is strengthened"):
        headline([strong])


# ----------------------------------------------------------------------------- hidden premises (issue 19, item 3)
@pytest.mark.parametrize(
    "lemma_id, check",
    [
        ("psi-lipschitz-any-lr", "modulus-unsigned"),
        ("psi-contraction-iff-any-lr", "criterion-unsigned"),
        ("neumann-converges-iff-any-lr", "criterion-unsigned"),
    ],
)
def test_the_fuzzer_finds_the_hidden_sign_premise(lemma_id, check):
    """Drawing lr from the draft's lambda in R, the fuzzer breaks the statements that left lr > 0 unsaid, without
    their stored @example; the found case has lr < 0."""
    import dataclasses

    from theory.checking.status import run_check

    record = run_check(dataclasses.replace(registry()[lemma_id].check(check), examples=()))
    assert not record["passed"] and record["failing"]["case"]["lr"] < 0, record


def test_signed_premise_lemmas_state_the_domain():
    for lemma_id in ("psi-lipschitz", "psi-contraction-iff", "neumann-converges-iff", "ascent-exact-rate"):
        lemma = registry()[lemma_id]
        assert any("lr in R" in assumption for assumption in lemma.assumptions), lemma_id
    assert any("mu* < 0" in assumption for assumption in registry()["ascent-exact-rate"].assumptions)
    assert any("copysign" in assumption for assumption in registry()["gus-fgsm-variant-null"].assumptions)


def test_every_lemma_states_its_domain():
    """Issue 19, item 3: premises explicit. Every lemma lists its assumptions (the model, the sign of lr, non-zero
    vectors, ...); a statement involving the learning rate says which values of lr it covers."""
    missing = [lemma.id for lemma in registry().values() if not lemma.assumptions]
    assert not missing, f"lemmas without assumptions: {missing}"
    import re

    rate = re.compile(r"\\lambda(?!_)")  # the learning rate, not lambda_min(H)
    mentions_rate = [lemma for lemma in registry().values() if rate.search(lemma.statement) and lemma.checks]
    unsaid = [
        lemma.id
        for lemma in mentions_rate
        if not any("lr" in assumption or "rate" in assumption for assumption in lemma.assumptions)
    ]
    assert not unsaid, f"statements with lr whose assumptions do not say which lr: {unsaid}"
