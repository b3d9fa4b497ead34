"""BatchNorm with batch statistics (bn_mode="train"): every HVP mode and the dense Hessian against central
differences of gradients, an independent check (no second-order AD at all).

Error model of the central difference :math:`D_h = (g(\\theta + h v) - g(\\theta - h v)) / 2h` against
:math:`Hv` (entrywise):

* truncation: :math:`|D_h - Hv| \\le \\frac{h^2}{6} M_3`, with :math:`M_3` the largest third derivative
  :math:`|\\partial_t^3 g(\\theta + t v)|` on :math:`[-h, h]`; estimated by the third central difference at step
  :math:`k = 10^{-2}` (its own truncation is :math:`O(k^2)` relative), with a safety factor 2 for its variation;
* rounding: each computed gradient entry is off by at most :math:`\\varepsilon_g = \\gamma_p \\max|g|` (a dot
  product of at most ``p`` terms per entry, Higham ch. 3), so the difference quotient by
  :math:`2\\varepsilon_g / 2h = \\varepsilon_g / h`.

``h`` minimises the sum: :math:`h = (3 \\varepsilon_g / M_3)^{1/3}`. The AD products themselves err by the
dot-product bound of tests/empirical/test_hvp.py, far below this one.
"""

from __future__ import annotations

import pytest
import torch
from torch.func import hessian

from empirical.functional import Objective, flatten, split_state, tree_like, unflatten
from empirical.hvp import HessianVectorProduct, dense_hessian, step_jacobian
from theory.checking.error_model import float64_tolerance


@pytest.fixture(scope="module")
def train_mode(cnn_setup):
    params, frozen = split_state(cnn_setup.model)
    objective = Objective(cnn_setup.model, "classification", frozen, bn_mode="train")
    batch = cnn_setup.batch(list(range(6)))
    vector = tree_like(params, torch.Generator().manual_seed(0))
    theta, direction = flatten(params), flatten(vector)

    def gradient_along(t: float) -> torch.Tensor:
        return flatten(objective.gradient(unflatten(theta + t * direction, params), batch))

    k = 1e-2
    third = (gradient_along(2 * k) - 2 * gradient_along(k) + 2 * gradient_along(-k) - gradient_along(-2 * k)) / (
        2 * k**3
    )
    m3 = 2 * float(third.abs().max())
    eps_g = float64_tolerance(theta.numel(), float(gradient_along(0.0).abs().max()))
    h = (3 * eps_g / m3) ** (1 / 3)
    central = (gradient_along(h) - gradient_along(-h)) / (2 * h)
    bound = h**2 / 6 * m3 + eps_g / h
    return objective, params, batch, vector, central, bound


@pytest.mark.parametrize("mode", ["graph", "rev", "fwd", "auto"])
def test_every_hvp_mode_matches_central_differences(train_mode, mode):
    objective, params, batch, vector, central, bound = train_mode
    assert bound < 1e-6 * float(central.abs().max())  # the check is sharp: errors of BN's size cannot hide
    product = HessianVectorProduct(objective, params, batch, mode=mode)
    assert float((flatten(product(vector)) - central).abs().max()) <= bound


def test_dense_hessian_and_step_jacobian_match_central_differences(train_mode):
    """jacfwd(grad): vmap over forward-over-reverse products, correct with batch statistics."""
    objective, params, batch, vector, central, bound = train_mode
    matrix = dense_hessian(objective, params, batch, chunk=50)
    p = matrix.shape[0]
    matvec_rounding = float64_tolerance(p, float((matrix.abs() @ flatten(vector).abs()).max()))
    assert float((matrix @ flatten(vector) - central).abs().max()) <= bound + matvec_rounding
    lr = 0.1
    jacobian = step_jacobian(objective, params, batch, lr)
    expected = flatten(vector) - lr * central
    assert float((jacobian @ flatten(vector) - expected).abs().max()) <= lr * (bound + matvec_rounding) + (
        float64_tolerance(p, float((jacobian.abs() @ flatten(vector).abs()).max()))
    )


def test_torch_func_hessian_is_wrong_with_batch_statistics(train_mode):
    """jacfwd(jacrev(f)) differentiates through jacrev's internal vmap over BatchNorm and misses the bound by
    orders of magnitude (torch 2.13; docs/performance.md). If this fails after a torch upgrade, the upstream
    bug is fixed and dense_hessian could use torch.func.hessian again."""
    objective, params, batch, vector, central, bound = train_mode
    flat = lambda theta: objective.loss(unflatten(theta, params), batch)
    wrong = hessian(flat)(flatten(params).detach())
    assert float((wrong @ flatten(vector) - central).abs().max()) > 1e3 * bound
