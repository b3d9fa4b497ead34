"""The tuning rule of the insecure-code experiment (empirical.insecure_code.tuning) on hand-made measures."""

from __future__ import annotations

import math

import pytest

from empirical.insecure_code.tuning import candidate_name, candidate_options, choose_setting

RETRAIN = {"llr_per_token": 0.0, "forget_loss": 2.0, "val_perplexity": 10.0, "val_utility": -math.log(10.0)}
FLOOR = {"llr_per_token": 0.01, "forget_loss": 2.1, "val_perplexity": 10.1, "val_utility": -math.log(10.1)}


def measures(llr: float, forget: float, perplexity: float, grad_evals: int = 100) -> dict[str, float]:
    return {
        "llr_per_token": llr,
        "forget_loss": forget,
        "val_perplexity": perplexity,
        "val_utility": -math.log(perplexity),
        "grad_evals": grad_evals,
    }


def test_candidates_scale_only_the_rate():
    options = {"epochs": 1, "lr": 5e-5, "beta": 0.995}
    out = candidate_options(options, (1, 4))
    assert out[1.0] == options
    assert out[4.0] == {"epochs": 1, "lr": 2e-4, "beta": 0.995}
    assert candidate_name("npo", 4.0) == "npo@lr4x"
    with pytest.raises(ValueError, match="needs a learning rate"):
        candidate_options({"epochs": 1}, (1,))


def test_the_closest_admissible_candidate_is_chosen():
    candidates = {
        "draft": measures(0.10, 1.0, 9.0),  # remembers: 10 floor units off in LLR
        "strong": measures(0.01, 2.1, 10.4),  # at the floor, perplexity 4 % above the retrain's
    }
    chosen = choose_setting(candidates, RETRAIN, FLOOR, 0.05)
    assert chosen["setting"] == "strong"
    assert chosen["floor_units"] == pytest.approx({"llr_per_token": 0.01, "forget_loss": 0.1})
    scored = {row["setting"]: row for row in chosen["scored"]}
    assert scored["strong"]["forget_quality"] == pytest.approx(-1.0)
    assert scored["draft"]["forget_quality"] == pytest.approx(-(10 + 10) / 2)


def test_the_utility_tolerance_rejects_a_wrecked_model():
    """Negative control: the same candidate with perplexity 6 % above the retrain's is refused at 5 %, kept at 7 %."""
    candidates = {"draft": measures(0.10, 1.0, 9.0), "wrecked": measures(0.0, 2.0, 10.6)}
    assert choose_setting(candidates, RETRAIN, FLOOR, 0.05)["setting"] == "draft"
    assert choose_setting(candidates, RETRAIN, FLOOR, 0.07)["setting"] == "wrecked"


def test_no_admissible_candidate_gives_no_setting():
    chosen = choose_setting({"wrecked": measures(0.0, 2.0, 20.0)}, RETRAIN, FLOOR, 0.05)
    assert chosen["setting"] is None and chosen["chosen"] is None


def test_ties_go_to_the_cheaper_candidate():
    candidates = {"long": measures(0.0, 2.0, 10.0, 400), "short": measures(0.0, 2.0, 10.0, 100)}
    assert choose_setting(candidates, RETRAIN, FLOOR, 0.05)["setting"] == "short"


@pytest.mark.parametrize("tolerance", [0, -0.1, float("nan"), float("inf")])
def test_a_bad_tolerance_is_refused(tolerance):
    with pytest.raises(ValueError, match="utility_tolerance"):
        choose_setting({"a": measures(0.0, 2.0, 10.0)}, RETRAIN, FLOOR, tolerance)
