"""hard-points: the exact ties of lemma hard-kinds-linear, and Spearman correlations on a network."""

from __future__ import annotations

import numpy as np

from empirical.checks import CHECKS, resolve_settings
from empirical.checks.hard_points import QUANTITIES
from theory.checking.error_model import float64_tolerance


def test_linear_hard_kinds_are_tied(linear_setup):
    """|g|^2 = 2 L |H| and ascent error = lr^2 |H| |g| (|H| = |x|^2), up to Lanczos tol and rounding."""
    tol = 1e-12
    check = CHECKS["hard-points"]
    rows = check.run(linear_setup, resolve_settings(check, {"n_points": 6, "lanczos_tol": tol, "lr": 0.1}))
    p = linear_setup.data.train_x.shape[1]
    for row in (r for r in rows if r.role == "measurement"):
        m = row.metrics
        assert row.params["lemma_id"] == "hard-kinds-linear" and row.params["kind"] == "clean"
        relative = tol + float64_tolerance(4 * p + 20, 1.0)
        assert abs(m["grad_norm"] ** 2 - 2 * m["loss"] * m["hessian_norm"]) <= relative * m["grad_norm"] ** 2
        expected = 0.1**2 * m["hessian_norm"] * m["grad_norm"]
        assert abs(m["ascent_error"] - expected) <= relative * expected + float64_tolerance(4 * p + 20, 1.0)


def test_network_correlations_are_spearman_of_the_rows(mlp_setup):
    from scipy.stats import spearmanr

    check = CHECKS["hard-points"]
    rows = check.run(mlp_setup, resolve_settings(check, {"n_points": 6, "lanczos_tol": 1e-3}))
    measured = [r for r in rows if r.role == "measurement"]
    assert [r.params["kind"] for r in measured] == ["clean", "fgsm"] * 3
    summaries = {r.params["metric"]: r.metrics["value"] for r in rows if r.role == "summary"}
    values = {q: [r.metrics[q] for r in measured] for q in QUANTITIES}
    expected = spearmanr(values["loss"], values["ascent_error"]).statistic
    assert summaries["spearman_loss_vs_ascent_error"] == expected
    assert summaries["min_spearman_between_hard_kinds"] == min(
        spearmanr(values[a], values[b]).statistic
        for a, b in (("loss", "grad_norm"), ("loss", "hessian_norm"), ("grad_norm", "hessian_norm"))
    )
    # FGSM points stay in the valid range [0, 1] of digits and are never easier than... (no claim): only finite
    assert all(np.isfinite(r.metrics[q]) for r in measured for q in QUANTITIES)
