r"""Influence functions on networks: a damped conjugate-gradient inverse-HVP and Koh & Liang's perturbation influence.

Draft, "Adversarial data poisoning via influence functions" (Koh & Liang 2017, eq. 2 and section 5.2):

.. math::
    \mathcal I_{\mathrm{up,params}}(z) = -H_\theta^{-1} \nabla_\theta L(z, \theta), \qquad
    \mathcal I_{\mathrm{pert,loss}}(z, z_{\mathrm{test}})^\top =
        -\nabla_\theta L(z_{\mathrm{test}}, \theta)^\top H_\theta^{-1} \nabla_x \nabla_\theta L(z, \theta),

with :math:`H_\theta = \frac1n \sum_i \nabla^2_\theta L(z_i, \theta)` the training-loss Hessian. A network's
Hessian is indefinite, so (as Koh & Liang do) we solve the *damped* system :math:`(H + \lambda I) s = b` by
conjugate gradient on :class:`empirical.hvp.HessianVectorProduct`; CG is only guaranteed for
:math:`H + \lambda I \succ 0`, so every solve reports its relative residual
:math:`\|(H + \lambda I) s - b\| / \|b\|` (one extra product), the iterations and the products spent.
(LiSSA would be the stochastic alternative; CG is deterministic and its residual is exact.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import grad, vmap

from empirical.functional import Batch, Objective, Tree, flatten, unflatten
from empirical.hvp import HessianVectorProduct
from empirical.poisoning.measures import example_loss

__all__ = ["InverseHVP", "inverse_hvp", "perturbation_influence"]


@dataclass(frozen=True)
class InverseHVP:
    """The solution ``s`` of ``(H + damping I) s = b`` and what it cost."""

    solution: Tree
    residual: float
    iterations: int
    hvps: int
    damping: float
    converged: bool


def inverse_hvp(
    objective: Objective,
    params: Mapping[str, Tensor],
    batch: Batch,
    vector: Mapping[str, Tensor],
    damping: float = 0.01,
    tol: float = 1e-6,
    max_iter: int = 100,
    hvp_mode: str = "auto",
) -> InverseHVP:
    """Damped conjugate gradient on the HVP of ``L(batch, .)`` at ``params`` (module docstring)."""
    if damping < 0:
        raise ValueError(f"damping must be >= 0, got {damping}")
    params = {name: value.detach() for name, value in params.items()}
    product = HessianVectorProduct(objective, params, batch, mode=hvp_mode)

    def apply(flat: Tensor) -> Tensor:
        return product.flat(flat).detach() + damping * flat

    b = flatten({name: vector[name] for name in params}).detach()
    norm_b = float(b.norm())
    if norm_b == 0:
        return InverseHVP(unflatten(torch.zeros_like(b), params), 0.0, 0, 0, damping, True)
    x = torch.zeros_like(b)
    r, p = b.clone(), b.clone()
    rr = r @ r
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is read after the loop)
        ap = apply(p)
        curvature = p @ ap
        if curvature <= 0:  # H + damping I is not positive definite along p: CG's guarantee is gone
            break
        alpha = rr / curvature
        x = x + alpha * p
        r = r - alpha * ap
        new_rr = r @ r
        if float(new_rr.sqrt()) <= tol * norm_b:
            break
        p = r + (new_rr / rr) * p
        rr = new_rr
    residual = float((apply(x) - b).norm()) / norm_b
    return InverseHVP(unflatten(x, params), residual, iterations, product.calls, damping, residual <= tol)


def perturbation_influence(
    objective: Objective,
    params: Mapping[str, Tensor],
    inputs: Tensor,
    targets: Tensor,
    inverse_test_gradient: Mapping[str, Tensor],
) -> Tensor:
    r"""Per-example :math:`\mathcal I_{\mathrm{pert,loss}}(z, z_{\mathrm{test}})`, shape of ``inputs``.

    With :math:`s = H^{-1} \nabla_\theta L(z_{\mathrm{test}})` precomputed, it is
    :math:`-\nabla_x \langle \nabla_\theta L(z, \theta), s\rangle` (a mixed second derivative, ``vmap``-ed).
    """
    params = {name: value.detach() for name, value in params.items()}
    s = {name: inverse_test_gradient[name].detach() for name in params}

    def score(x: Tensor, y: Tensor) -> Tensor:
        gradient = grad(lambda p: example_loss(objective, p, x, y))(params)
        return -sum((gradient[name] * s[name]).sum() for name in params)

    return vmap(grad(score))(inputs, targets)
