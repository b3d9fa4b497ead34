"""The functional core: trees, the step map, BatchNorm modes, the linear model against theory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import theory.models.linear_regression as lr_theory
from empirical.functional import (
    Objective,
    batchnorm_mode,
    flatten,
    split_state,
    task_loss,
    tree_add,
    tree_cosine,
    tree_dot,
    tree_like,
    unflatten,
)
from empirical.models import SmallCNN
from tests.empirical.empirical_tolerances import chain_tolerance
from theory.checking.error_model import UNIT_ROUNDOFF


def test_flatten_unflatten_round_trip(mlp_setup):
    _, params = mlp_setup.objective()
    vector = flatten(params)
    back = unflatten(vector, params)
    assert list(back) == list(params)
    assert all(torch.equal(back[k], params[k]) for k in params)
    with pytest.raises(ValueError, match="flat"):
        unflatten(vector[:-1], params)


def test_tree_algebra_matches_flat_vectors(mlp_setup):
    _, params = mlp_setup.objective()
    other = tree_like(params, torch.Generator().manual_seed(0))
    a, b = flatten(params), flatten(other)
    assert torch.equal(flatten(tree_add(params, other, alpha=-0.5)), a - 0.5 * b)
    p = a.numel()
    magnitude = float((a.abs() * b.abs()).sum())
    assert abs(float(tree_dot(params, other)) - float(a @ b)) <= 2 * p * UNIT_ROUNDOFF * magnitude
    assert float(tree_cosine(params, params)) == pytest.approx(1.0, abs=4 * p * UNIT_ROUNDOFF)
    assert torch.isnan(tree_cosine(params, {k: 0 * v for k, v in params.items()}))
    signs = tree_like(params, torch.Generator().manual_seed(1), kind="rademacher")
    assert set(torch.unique(flatten(signs)).tolist()) <= {-1.0, 1.0}


def test_step_is_theta_minus_lr_autograd_gradient(mlp_setup):
    """Phi_B = theta - lr g_B with g_B from torch.func equal to the one of torch.autograd on the module."""
    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch([0, 1, 2, 3])
    model = mlp_setup.model
    model.zero_grad()
    task_loss(model(batch[0]), batch[1], "classification").backward()
    reference = {name: p.grad for name, p in model.named_parameters()}
    stepped = objective.step(params, batch, 0.1)
    for name in params:
        magnitude = float(reference[name].abs().max())
        assert torch.allclose(
            stepped[name],
            params[name] - 0.1 * reference[name],
            rtol=0,
            atol=64 * UNIT_ROUNDOFF * (float(params[name].abs().max()) + magnitude),
        )
    ascent = objective.step(params, batch, 0.1, ascent=True)
    total, twice = flatten(tree_add(ascent, stepped)), 2 * flatten(params)
    step_size = 0.1 * float(flatten(reference).abs().max())
    assert torch.allclose(total, twice, rtol=0, atol=4 * UNIT_ROUNDOFF * (float(twice.abs().max()) + step_size))
    with pytest.raises(ValueError, match="learning rate"):
        objective.step(params, batch, 0.0)


def test_linear_gradient_and_step_match_theory(linear_setup):
    objective, params = linear_setup.objective()
    theta = flatten(params).numpy()
    x, y = linear_setup.batch([2])
    measured = flatten(objective.step(params, (x, y), 0.3)).numpy()
    expected = lr_theory.descent_step(theta, x[0].numpy(), float(y[0]), 0.3)
    assert np.abs(measured - expected).max() <= chain_tolerance([(theta, x[0].numpy(), float(y[0]))], 0.3, 0.0)


def test_bn_modes_use_batch_or_running_statistics():
    torch.manual_seed(0)
    model = SmallCNN(10, in_channels=1, channels=3, batchnorm=True).double()
    with torch.no_grad():  # non-trivial running statistics
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(0.5, 2)
    x = torch.randn(6, 1, 8, 8, dtype=torch.float64)
    running = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    params, frozen = split_state(model)
    model.train()
    train_reference = model(x)  # batch statistics (this call updates the running stats of the module)
    model.load_state_dict({**model.state_dict(), **running})
    model.eval()
    eval_reference = model(x)
    for mode, reference in (("train", train_reference), ("eval", eval_reference)):
        out = Objective(model, "classification", frozen, bn_mode=mode).outputs(params, x)
        assert torch.equal(
            out, reference
        )  # the same kernels on the same tensors: bitwise equal, no rounding model needed
    assert all(torch.equal(frozen[k], running[k]) for k in running)  # functional calls never update buffers
    assert model.training is False
    with pytest.raises(ValueError, match="bn_mode"):
        with batchnorm_mode(model, "test"):
            pass


def test_objective_validates_its_arguments(mlp_setup):
    _, params = mlp_setup.objective()
    with pytest.raises(ValueError, match="task"):
        Objective(mlp_setup.model, "ranking", {}, bn_mode="eval")
    with pytest.raises(ValueError, match="bn_mode"):
        Objective(mlp_setup.model, "classification", {}, bn_mode="train-mode")
    with pytest.raises(ValueError, match="empty"):
        split_state(mlp_setup.model, trainable=lambda name: False)
