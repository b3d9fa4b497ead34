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
    settings = resolve_settings(check, {"n_train": 48, "batch_size": 8, "epochs": 1, "poison_fraction": 0.25, "lr": 0.1})
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
