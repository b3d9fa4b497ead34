"""The aggregation sweeps against their lemmas: measured efficiency, exact rewind-replay, streaming bound."""

from __future__ import annotations

import numpy as np

from sims.registry import get_sweep


def _one(name, overrides):
    sweep = get_sweep(name)
    return [(cell, sweep.cell(dict(cell))) for cell in sweep.cells(sweep.resolve({**overrides, "seeds": "1"}))]


def test_median_efficiency_matches_the_lemma():
    """Measured Var(mean)/Var(median) within 4 standard errors of the exact value (mpmath / grid integral)."""
    for cell, metrics in _one(
        "aggregator-efficiency",
        {"aggregators": "median,mean", "batch_sizes": "3,8,33", "steps": "2", "n_traj": "2", "n_draws": "4000"},
    ):
        if cell["aggregator"] == "median" and np.isfinite(metrics["efficiency_predicted"]):
            gap = abs(metrics["efficiency"] - metrics["efficiency_predicted"])
            assert gap <= 4 * metrics["efficiency_sampling_error"], (cell, metrics)
        if cell["aggregator"] == "mean":
            assert abs(metrics["efficiency"] - 1) <= 4 * metrics["efficiency_sampling_error"]


def test_rewind_replay_is_exact_for_every_aggregator():
    for cell, metrics in _one("aggregator-poisoning", {"poison_fractions": "0.2", "n_samples": "40", "n_traj": "2"}):
        assert metrics["distance_rewind_replay"] == 0.0, cell["aggregator"]  # same operations as retraining
        assert 0 < metrics["cost_rewind_replay"] <= 1 and metrics["cost_amnesiac"] == 0


def test_streaming_histogram_within_its_bound_and_memory_fixed():
    results = _one("streaming-median", {"n_gradients_list": "10,1000", "bins_list": "16", "dim": "5"})
    for _cell, metrics in results:
        assert metrics["in_range_share"] == 1.0 and metrics["histogram_error"] <= metrics["histogram_bound"]
    assert len({metrics["histogram_bytes"] for _, metrics in results}) == 1
    exact = {cell["n_gradients"]: metrics["exact_bytes"] for cell, metrics in results}
    assert exact[1000] == 100 * exact[10] == 8 * 1000 * 5
