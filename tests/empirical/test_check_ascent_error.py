"""ascent-error: the torch.func measurement against theory's closed form (linear) and on a network."""

from __future__ import annotations

import numpy as np
import pytest

import theory.models.linear_regression as lr_theory
from empirical.checks import CHECKS, resolve_settings
from empirical.checks.ascent_error import ascent_error, ascent_error_prediction
from empirical.functional import flatten
from tests.empirical.empirical_tolerances import chain_tolerance


@pytest.mark.parametrize("lr", [1e-3, 0.1, 0.9])
def test_linear_model_reproduces_ga_linear_error(linear_setup, lr):
    """theta2 - theta0 = -lr^2 r |x|^2 x (lemma ga-linear-error) to float64 rounding, through torch.func."""
    objective, params = linear_setup.objective()
    batch = linear_setup.batch([3])
    measured = flatten(ascent_error(objective, params, batch, lr)).numpy()
    theta0 = flatten(params).numpy()
    x, y = batch[0][0].numpy(), float(batch[1][0])
    expected = lr_theory.ascent_error_closed_form(theta0, x, y, lr)
    theta1 = lr_theory.descent_step(theta0, x, y, lr)
    closed_magnitude = lr**2 * (np.abs(theta0 * x).sum() + abs(y)) * (x @ x) * np.abs(x).max()
    tolerance = chain_tolerance([(theta0, x, y), (theta1, x, y)], lr, closed_magnitude)
    assert np.abs(measured - expected).max() <= tolerance


def test_prediction_is_exact_for_the_quadratic_loss(linear_setup):
    """-H g from one HVP equals -|x|^2 r x, so lr^2 * prediction = theory's closed form."""
    objective, params = linear_setup.objective()
    batch = linear_setup.batch([5])
    unit = flatten(ascent_error_prediction(objective, params, batch, linear_setup.hvp(objective, params, batch)))
    x, y = batch[0][0].numpy(), float(batch[1][0])
    expected = lr_theory.ascent_error_closed_form(flatten(params).numpy(), x, y, 1.0)
    magnitude = (np.abs(flatten(params).numpy() * x).sum() + abs(y)) * (x @ x) * np.abs(x).max()
    assert np.abs(unit.numpy() - expected).max() <= chain_tolerance(
        [(flatten(params).numpy(), x, y)], 1.0, 4 * magnitude
    )


def test_network_error_scales_as_lr_squared(mlp_setup):
    """On a tanh MLP the error tends to -lr^2 H g: fitted exponent 2 and ratio 1 where the prediction holds.

    Between two grid points a decade apart with deviation < 0.1, log|E| moves by 2 decades up to a relative
    deviation factor in [0.9, 1.1], so the exponent lies within 2 +- log10(1.1/0.9) (0.087).
    """
    check = CHECKS["ascent-error"]
    rows = check.run(mlp_setup, resolve_settings(check, {"n_points": 2, "lr_min": 1e-6, "lr_max": 10.0, "n_lrs": 8}))
    summaries = {r.params["metric"]: r.metrics["value"] for r in rows if r.role == "summary"}
    assert {r.params["lemma_id"] for r in rows} == {"ascent-error-logistic"}
    assert abs(summaries["median_exponent"] - 2) <= np.log10(1.1 / 0.9)
    assert abs(summaries["median_ratio_smallest_clean_lr"] - 1) < 0.1
    clean = [r for r in rows if r.role == "measurement" and r.metrics["deviation"] < 0.1]
    assert clean, "the prediction holds at no learning rate"
    assert 1e-6 <= summaries["median_lr_valid_min"] <= summaries["median_lr_valid_max"] <= 10.0
