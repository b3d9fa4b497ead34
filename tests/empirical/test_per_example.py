"""Per-example gradients by vmap against the Python loop, and their mean against the batch gradient."""

from __future__ import annotations

import pytest
import torch

from empirical.functional import flatten
from empirical.per_example import per_example_gradients, per_example_gradients_loop
from theory.checking.error_model import UNIT_ROUNDOFF


@pytest.mark.parametrize("chunk_size", [None, 3])
def test_vmap_matches_loop(mlp_setup, chunk_size):
    """Same operations on the same numbers, batched: they agree to rounding of the largest dot products
    (fan-in 64 of the first layer), gamma_64 times the gradient's magnitude."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(list(range(7)))
    fast = per_example_gradients(objective, params, x, y, chunk_size=chunk_size)
    slow = per_example_gradients_loop(objective, params, x, y)
    for name in params:
        assert fast[name].shape == (7, *params[name].shape)
        scale = float(slow[name].abs().max())
        assert torch.allclose(fast[name], slow[name], rtol=0, atol=8 * 64 * UNIT_ROUNDOFF * scale)


def test_mean_of_per_example_gradients_is_the_batch_gradient(mlp_setup):
    """lemma batch-mean-step: the mean-aggregated batch gradient is the mean of the per-example ones."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(list(range(10)))
    per = per_example_gradients(objective, params, x, y)
    mean = flatten({k: v.mean(dim=0) for k, v in per.items()})
    batch = flatten(objective.gradient(params, (x, y)))
    assert torch.allclose(
        mean, batch, rtol=0, atol=8 * 64 * UNIT_ROUNDOFF * float(batch.abs().max() + mean.abs().max())
    )


def test_train_mode_batchnorm_is_refused(cnn_setup):
    from empirical.functional import Objective, split_state

    params, frozen = split_state(cnn_setup.model)
    objective = Objective(cnn_setup.model, "classification", frozen, bn_mode="train")
    x, y = cnn_setup.batch([0, 1])
    with pytest.raises(ValueError, match="bn_mode='eval'"):
        per_example_gradients(objective, params, x, y)
    with pytest.raises(ValueError, match="batch size"):
        per_example_gradients(cnn_setup.objective()[0], params, x, y[:1])
