"""commutator: theory's closed form through torch.func (linear), and the second-order law on a network."""

from __future__ import annotations

import numpy as np
import pytest

import theory.models.linear_regression as lr_theory
from empirical.checks import CHECKS, resolve_settings
from empirical.checks.commutator import commutator, commutator_prediction, draw_pairs
from empirical.functional import flatten
from tests.empirical.empirical_tolerances import chain_tolerance


@pytest.mark.parametrize("lr", [1e-2, 0.5])
def test_linear_model_reproduces_lr_commutator_formula(linear_setup, lr):
    """Phi_B Phi_A - Phi_A Phi_B = lr^2 (x_A.x_B)(r_A x_B - r_B x_A) (lemma lr-commutator-formula)."""
    objective, params = linear_setup.objective()
    za, zb = linear_setup.batch([1]), linear_setup.batch([7])
    measured = flatten(commutator(objective, params, za, zb, lr)).numpy()
    theta = flatten(params).numpy()
    (xa, ya), (xb, yb) = ((z[0][0].numpy(), float(z[1][0])) for z in (za, zb))
    expected = lr_theory.commutator_closed_form(theta, xb, yb, xa, ya, lr)  # z = B applied last
    states = [
        (theta, xa, ya),
        (lr_theory.descent_step(theta, xa, ya, lr), xb, yb),
        (theta, xb, yb),
        (lr_theory.descent_step(theta, xb, yb, lr), xa, ya),
    ]
    closed = (
        lr**2
        * abs(xa @ xb)
        * (np.abs(theta * xa).sum() + abs(ya) + np.abs(theta * xb).sum() + abs(yb))
        * max(np.abs(xa).max(), np.abs(xb).max())
        + lr**2 * np.abs(xa * xb).sum()
    )
    assert np.abs(measured - expected).max() <= chain_tolerance(states, lr, closed)
    unit = commutator_prediction(
        objective, params, za, zb, linear_setup.hvp(objective, params, za), linear_setup.hvp(objective, params, zb)
    )
    assert np.abs(lr**2 * flatten(unit).numpy() - expected).max() <= chain_tolerance(states, lr, 4 * closed)


def test_pairs_respect_the_class_constraint():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    for a, b in draw_pairs(labels, 5, seed=0, same_class=False):
        assert labels[a] != labels[b]
    for a, b in draw_pairs(labels, 5, seed=0, same_class=True):
        assert labels[a] == labels[b] and a != b
    with pytest.raises(ValueError, match="could not draw"):
        draw_pairs(np.zeros(4), 2, seed=0, same_class=False)


def test_network_commutator_is_second_order(mlp_setup):
    check = CHECKS["commutator"]
    rows = check.run(mlp_setup, resolve_settings(check, {"n_pairs": 2, "lr_min": 1e-6, "lr_max": 10.0, "n_lrs": 8}))
    summaries = {r.params["metric"]: r.metrics["value"] for r in rows if r.role == "summary"}
    assert {r.params["lemma_id"] for r in rows} == {"commutator-logistic"}
    assert abs(summaries["median_exponent"] - 2) <= np.log10(1.1 / 0.9)  # see test_check_ascent_error
    assert abs(summaries["median_ratio_smallest_clean_lr"] - 1) < 0.1
