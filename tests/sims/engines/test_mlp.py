"""The torch.func network engine (sims.engines.mlp) against a per-example autograd loop on an nn.Module."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sims.engines import make_schedule, run_sgd
from sims.engines.mlp import MLP
from tests.sims.reference import engine_tolerance, slow_sgd
from theory.checking.error_model import gamma


def _module_from_flat(net: MLP, flat) -> torch.nn.Module:
    """An independent nn.Module holding the flat parameters (no torch.func involved)."""
    module = torch.nn.Sequential(
        torch.nn.Linear(net.d, net.hidden), torch.nn.Tanh(), torch.nn.Linear(net.hidden, net.classes)
    ).double()
    torch.nn.utils.vector_to_parameters(torch.tensor(flat, dtype=torch.float64), module.parameters())
    return module


def _reference_functions(net: MLP):
    def loss_of(flat, x, y):
        module = _module_from_flat(net, flat)
        logits = module(torch.tensor(x, dtype=torch.float64)[None])
        return module, torch.nn.functional.cross_entropy(logits, torch.tensor([int(y)]))

    def grad_fn(flat, x, y):
        module, loss = loss_of(flat, x, y)
        grads = torch.autograd.grad(loss, list(module.parameters()))
        return torch.cat([g.reshape(-1) for g in grads]).tolist()

    def hess_norm(flat, x, y):
        matrix = torch.autograd.functional.hessian(
            lambda v: _flat_loss(net, v, x, y), torch.tensor(flat, dtype=torch.float64)
        )
        return float(torch.linalg.matrix_norm(matrix, ord=2))

    return grad_fn, hess_norm


def _flat_loss(net: MLP, vector, x, y):
    sizes = [net.d * net.hidden, net.hidden, net.hidden * net.classes, net.classes]
    w1, b1, w2, b2 = torch.split(vector, sizes)
    hidden = torch.tanh(w1.reshape(net.hidden, net.d) @ torch.tensor(x, dtype=torch.float64) + b1)
    logits = w2.reshape(net.classes, net.hidden) @ hidden + b2
    return torch.nn.functional.cross_entropy(logits[None], torch.tensor([int(y)]))


@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_mlp_engine_matches_autograd_loop(aggregate):
    rng = np.random.default_rng(11)
    d, hidden, classes, n, T = 5, 4, 3, 10, 3
    X = rng.standard_normal((n, d)) / 2
    y = rng.integers(0, classes, size=n).astype(float)
    net = MLP(d, hidden, classes)
    theta0 = net.init(T, rng)
    schedule = make_schedule(n, T, 1, 3, rng).without(rng.random(n) < 0.2)
    lr = np.array([0.1, 0.3, 0.5])
    engine = run_sgd(net, X, y, theta0, schedule, lr, aggregate).theta
    grad_fn, hess_norm = _reference_functions(net)
    slow, mags, lips = slow_sgd(grad_fn, hess_norm, X, y, theta0, schedule.indices, schedule.weights, lr, aggregate)
    # depth of one step: forward and backward dot products of lengths d, hidden, classes (x4 for the
    # tanh / softmax evaluations and the chain rule), plus the aggregation over the batch
    depth = 4 * (d + hidden + classes) + schedule.batch_size + 4
    tol = engine_tolerance(mags, lips, depth, net.n_params)
    err = np.linalg.norm(engine - slow, axis=1)
    assert np.all(err <= tol), (err, tol)


def test_mlp_per_example_and_hvp_against_autograd():
    rng = np.random.default_rng(5)
    net = MLP(4, 3, 3)
    theta = net.init(2, rng)
    X = rng.standard_normal((2, 4))
    y = np.array([0.0, 2.0])
    v = rng.standard_normal((2, net.n_params))
    hvp = net.hessian_vector(theta, X, y, v)
    for t in range(2):
        matrix = torch.autograd.functional.hessian(lambda w: _flat_loss(net, w, X[t], y[t]), torch.tensor(theta[t]))
        expected = (matrix @ torch.tensor(v[t])).numpy()
        # Hessian entries carry rounding of depth ~4(d + hidden + classes); the product adds P terms
        bound = gamma(4 * (4 + 3 + 3) + net.n_params) * (np.abs(matrix.numpy()) @ np.abs(v[t])) * 2
        assert np.all(np.abs(hvp[t] - expected) <= bound)
