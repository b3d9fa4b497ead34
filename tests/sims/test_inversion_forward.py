"""The inversion sweep's forward contraction: for a batch (B > 1) the measured gradient-norm ratio over a few
repeated steps is predicted exactly by applying I - lr A_B to the first gradient, not by the slowest mode (its
many-step limit), which docs/sims/inversion.png once drew as the B=4 prediction and which missed the
measurements."""

from __future__ import annotations

from sims.registry import get_sweep


def test_the_b4_forward_contraction_matches_its_prediction_and_lies_below_the_slowest_mode():
    sweep = get_sweep("inversion")
    values = sweep.resolve(
        {"lr_Ls": "0.5,1.5", "terms_list": "3", "batch_sizes": "4", "n_points": "4", "models": "linear", "seeds": "1"}
    )
    for cell in sweep.cells(values):
        metrics = sweep.cell(cell)
        measured, predicted = metrics["forward_contraction"], metrics["predicted_forward_contraction"]
        assert abs(measured - predicted) <= 1e-9 * max(1.0, measured), (cell, measured, predicted)
        # the asymptotic rate is an upper bound here, and a different number: it does not predict 5 steps
        assert metrics["slowest_mode_contraction"] > predicted + 0.05, metrics
