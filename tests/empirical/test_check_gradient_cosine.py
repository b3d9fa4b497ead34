"""gradient-cosine (Experiment 1): collinear gradients in linear regression; a network run."""

from __future__ import annotations

import math

from empirical.checks import CHECKS, resolve_settings
from theory.checking.error_model import UNIT_ROUNDOFF

SETTINGS = {
    "pretrain_epochs": [0, 1],
    "interleaved": [1, 3],
    "n_points": 2,
    "steps_per_epoch": 2,
    "train_batch_size": 16,
    "batch_size": 8,
}


def test_linear_gradients_stay_collinear(linear_setup):
    """ga-collinear: g_z(theta) = r x for every theta, so |cos(g_z(theta0), g_z(theta1))| = 1 whatever the
    steps in between. A cosine of two float64 vectors of length p errs by at most ~ (2p + 10) u."""
    check = CHECKS["gradient-cosine"]
    weights = {k: v.clone() for k, v in linear_setup.model.state_dict().items()}
    rows = check.run(linear_setup, resolve_settings(check, SETTINGS))
    measured = [r for r in rows if r.role == "measurement"]
    assert len(measured) == 2 * 2 * 2
    p = linear_setup.data.train_x.shape[1]
    for row in measured:
        assert abs(abs(row.metrics["cosine"]) - 1) <= (2 * p + 10) * UNIT_ROUNDOFF
        assert row.metrics["random_cosine_scale"] == 1 / math.sqrt(p)
    # the model is restored after pretraining inside the check
    assert all((linear_setup.model.state_dict()[k] == v).all() for k, v in weights.items())


def test_network_cosines_are_recorded_per_epoch_and_k(mlp_setup):
    check = CHECKS["gradient-cosine"]
    rows = check.run(mlp_setup, resolve_settings(check, SETTINGS))
    keys = {(r.params["pretrain_epochs"], r.params["interleaved"]) for r in rows if r.role == "measurement"}
    assert keys == {(0, 1), (0, 3), (1, 1), (1, 3)}
    assert all(-1 <= r.metrics["cosine"] <= 1 for r in rows if r.role == "measurement")
    key = [r for r in rows if r.role == "summary" and r.metrics["key"]]
    assert len(key) == 1 and key[0].params["metric"] == "median_cosine_pretrained_1_after_3"
