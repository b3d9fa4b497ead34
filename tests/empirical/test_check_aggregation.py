"""aggregation: every aggregator trains the small CNN on label flips; rewind-replay is exact."""

from __future__ import annotations

import numpy as np
import torch

from empirical.checks import CHECKS, resolve_settings
from empirical.checks.aggregation import label_flips


def test_label_flips_flip_exactly_the_mask():
    targets = torch.arange(20) % 10
    flipped, mask = label_flips(targets, 0.25, 10, seed=0)
    assert mask.sum() == 5
    assert torch.equal(flipped[torch.from_numpy(mask)], (targets[torch.from_numpy(mask)] + 1) % 10)
    assert torch.equal(flipped[torch.from_numpy(~mask)], targets[torch.from_numpy(~mask)])


def test_every_aggregator_and_exact_rewind(cnn_setup):
    check = CHECKS["aggregation"]
    settings = resolve_settings(
        check, {"n_train": 48, "batch_size": 8, "epochs": 1, "poison_fraction": 0.25, "lr": 0.1}
    )
    rows = check.run(cnn_setup, settings)
    measured = [row for row in rows if row.role == "measurement"]
    assert [row.params["aggregator"] for row in measured] == settings["aggregators"]
    for row in measured:
        m = row.metrics
        assert np.isfinite(list(m.values())).all()
        # rewind-replay repeats retraining's operations from the checkpoint before the first poisoned step
        assert m["distance_rewind_replay"] == 0.0, row.params
        assert 0 < m["cost_rewind_replay"] <= 1 and m["cost_amnesiac"] == 0 and m["trace"] > 0
    summaries = {row.params["metric"]: row.metrics["value"] for row in rows if row.role == "summary"}
    assert summaries["trace_over_mean_mean"] == 1.0 and summaries["max_distance_rewind_replay"] == 0.0


def test_aggregators_are_compared_at_equal_training_loss(mlp_setup):
    """Each aggregator trains to the loss the mean reaches in `epochs` epochs on clean data: the mean itself, on the
    same seeded orders, reaches it in exactly `epochs` epochs (the comparison point is where it should be), and every
    aggregator gets a row with and without flips."""
    check = CHECKS["aggregation"]
    settings = resolve_settings(
        check,
        {
            "n_train": 64,
            "batch_size": 8,
            "epochs": 2,
            "poison_fraction": 0.25,
            "lr": 0.5,
            "max_epochs": 4,
            "aggregators": ["mean", "median"],
        },
    )
    rows = check.run(mlp_setup, settings)
    equal = {row.params["aggregator"]: row.metrics for row in rows if row.params.get("role") == "equal-loss"}
    assert set(equal) == {"mean", "median"}
    assert equal["mean"]["epochs_clean"] == 2 and equal["mean"]["reached_clean"] == 1.0
    for metrics in equal.values():
        assert 0 <= metrics["epochs_flipped"] <= 4 and np.isfinite(metrics["flip_accuracy_drop"])
    assert not any(
        row.params.get("role") == "equal-loss" for row in check.run(mlp_setup, {**settings, "max_epochs": 0})
    )
