"""HVPs: forward-over-reverse = reverse-over-reverse = dense Hessian times v; the fallback; step Jacobians."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import theory.linear_regression as lr_theory
from empirical.functional import Objective, flatten, split_state, tree_like
from empirical.hvp import HessianVectorProduct, dense_hessian, step_jacobian
from theory.error_model import UNIT_ROUNDOFF, float64_tolerance


def _error_bound(hessian: torch.Tensor, vector: torch.Tensor, depth: int) -> float:
    """gamma_depth * max_i (|H| |v|)_i, per layer of the network (3 layers), the dot-product error model."""
    return float64_tolerance(depth, 3 * float((hessian.abs() @ vector.abs()).max()))


def test_fwd_rev_and_dense_agree(mlp_setup):
    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch(list(range(5)))
    vector = tree_like(params, torch.Generator().manual_seed(0))
    hessian = dense_hessian(objective, params, batch)
    p = hessian.shape[0]
    assert torch.allclose(hessian, hessian.T, rtol=0, atol=float64_tolerance(p, float(hessian.abs().max()) * 3))
    dense = hessian @ flatten(vector)
    bound = _error_bound(hessian, flatten(vector), p)
    for mode in ("fwd", "rev", "auto"):
        product = HessianVectorProduct(objective, params, batch, mode=mode)
        assert float((flatten(product(vector)) - dense).abs().max()) <= bound
        assert product.mode_used == ("fwd" if mode == "auto" else mode)
    with pytest.raises(ValueError, match="mode"):
        HessianVectorProduct(objective, params, batch, mode="backward")


class _NoForwardMode(torch.autograd.Function):
    """tanh with a backward (twice differentiable) but no forward-mode rule, like a fused attention kernel."""

    @staticmethod
    def forward(x):
        return torch.tanh(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(4, 5), torch.nn.Linear(5, 3)

    def forward(self, x):
        return self.b(_NoForwardMode.apply(self.a(x)))


def test_auto_falls_back_to_reverse_over_reverse():
    torch.manual_seed(0)
    net = _Net().double()
    params, frozen = split_state(net)
    objective = Objective(net, "classification", frozen, bn_mode="eval")
    batch = (torch.randn(6, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2]))
    vector = tree_like(params, torch.Generator().manual_seed(1))
    product = HessianVectorProduct(objective, params, batch, mode="auto")
    with pytest.warns(RuntimeWarning, match="falling back"):
        out = product(vector)
    assert product.mode_used == "rev"
    hessian = dense_hessian_by_rev(objective, params, batch)
    assert float((flatten(out) - hessian @ flatten(vector)).abs().max()) <= _error_bound(hessian, flatten(vector), 64)
    with pytest.raises(RuntimeError):
        HessianVectorProduct(objective, params, batch, mode="fwd")(vector)


def dense_hessian_by_rev(objective, params, batch):
    """Columns H e_i by reverse-over-reverse (torch.func.hessian uses forward mode)."""
    product = HessianVectorProduct(objective, params, batch, mode="rev")
    from empirical.functional import unflatten

    eye = torch.eye(sum(v.numel() for v in params.values()), dtype=torch.float64)
    return torch.stack([flatten(product(unflatten(e, params))) for e in eye], dim=1)


def test_step_jacobian_is_identity_minus_lr_hessian(linear_setup, mlp_setup):
    objective, params = linear_setup.objective()
    batch = linear_setup.batch([0])
    x = batch[0][0].numpy()
    jacobian = step_jacobian(objective, params, batch, 0.2).numpy()
    expected = np.eye(x.size) - 0.2 * lr_theory.hessian(x)
    assert np.abs(jacobian - expected).max() <= float64_tolerance(4, 1 + 0.2 * np.abs(x).max() ** 2)
    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch([0, 1])
    reverse = step_jacobian(objective, params, batch, 0.1, mode="rev")
    forward = step_jacobian(objective, params, batch, 0.1, mode="fwd")
    hessian = dense_hessian(objective, params, batch)
    identity = torch.eye(hessian.shape[0], dtype=torch.float64)
    magnitude = 0.1 * 3 * float(hessian.abs().max()) * hessian.shape[0] ** 0.5
    bound = float64_tolerance(hessian.shape[0], magnitude) + 4 * UNIT_ROUNDOFF
    assert float((reverse - forward).abs().max()) <= bound
    assert float((reverse - (identity - 0.1 * hessian)).abs().max()) <= bound


def test_batchnorm_train_mode_hessian_differs_from_eval_mode(cnn_setup):
    """bn_mode is the Hessian measured: with batch statistics (train) the two HVP orders and the dense Hessian
    (built without vmap, which is wrong there) agree, and differ from the running-statistics (eval) Hessian."""
    from empirical.functional import Objective, split_state

    params, frozen = split_state(cnn_setup.model)
    batch = cnn_setup.batch(list(range(6)))
    vector = tree_like(params, torch.Generator().manual_seed(2))
    products = {}
    for mode in ("train", "eval"):
        objective = Objective(cnn_setup.model, "classification", frozen, bn_mode=mode)
        forward = flatten(HessianVectorProduct(objective, params, batch, mode="fwd")(vector))
        reverse = flatten(HessianVectorProduct(objective, params, batch, mode="rev")(vector))
        hessian = dense_hessian(objective, params, batch)
        bound = _error_bound(hessian, flatten(vector), hessian.shape[0])
        assert float((forward - reverse).abs().max()) <= 2 * bound
        assert float((forward - hessian @ flatten(vector)).abs().max()) <= 2 * bound
        assert float((hessian - hessian.T).abs().max()) <= 2 * bound
        products[mode] = forward
    assert float((products["train"] - products["eval"]).abs().max()) > 1e-3 * float(products["eval"].abs().max())
    assert all(torch.equal(frozen[k], v) for k, v in split_state(cnn_setup.model)[1].items())

