"""sims' SGD aggregates through theory.models.aggregation: masked batches equal the aggregate of the used examples."""

from __future__ import annotations

import numpy as np
import pytest

from sims.engines import AGGREGATES, aggregate_gradients, make_model, make_schedule, run_sgd
from theory.models.aggregation import aggregate


@pytest.mark.parametrize(
    "name", ["median", "trimmed_mean:0.2", "mean_around_median", "geometric_median", "krum:0.1", "multi_krum"]
)
def test_masked_rows_use_only_their_examples(name):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 8, 3))
    weights = np.ones((5, 8))
    weights[1, 6:] = 0.0
    weights[2, ::2] = 0.0
    weights[3] = 0.0  # no example: no step
    out = aggregate_gradients(grads, weights, name)
    for t in range(5):
        used = weights[t] != 0
        expected = aggregate(grads[t][used][None], name)[0] if used.any() else np.zeros(3)
        assert np.array_equal(out[t], expected)


@pytest.mark.parametrize("name", [a for a in AGGREGATES if a != "sum"])
def test_every_aggregator_trains(name):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    model = make_model("linear", 3)
    schedule = make_schedule(40, 2, 1, 7, rng)  # 40 = 5 * 7 + 5: one partial batch per epoch
    run = run_sgd(model, X, y, np.zeros((2, 3)), schedule, 0.05, name)
    assert np.isfinite(run.theta).all() and np.abs(run.theta).max() > 0


def test_unknown_aggregate_error():
    with pytest.raises(ValueError, match="aggregate must be one of"):
        aggregate_gradients(np.zeros((1, 2, 1)), np.ones((1, 2)), "average")
