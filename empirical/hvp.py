r"""Hessian-vector products and Jacobians of step maps.

The Hessian :math:`H_B(\theta) = \nabla^2_\theta L(B, \theta)` enters every second-order statement of the
draft's lemmas (ascent-error-logistic: :math:`\theta_2 - \theta_0 = -\lambda^2 H g + O(\lambda^3)`;
commutator-logistic: :math:`\lambda^2 (H_B g_A - H_A g_B)`; psi-contraction-iff: the Jacobian of
:math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)` is :math:`\lambda H_z`). We never form :math:`H`
for real networks; we apply it to a vector:

* forward-over-reverse: :math:`Hv = \partial_\epsilon\, g(\theta + \epsilon v)|_0`, a ``jvp`` of ``grad``
  (one forward-mode pass over the backward graph, the cheapest; field notes: ~2-3x a gradient);
* reverse-over-reverse: :math:`Hv = \nabla_\theta (g(\theta) \cdot v)`, a ``vjp`` of ``grad``; works
  wherever double backward does, e.g. attention kernels without forward-mode AD (SDPA).

``mode="auto"`` tries forward-over-reverse and falls back to reverse-over-reverse, for good, on the first
``RuntimeError``/``NotImplementedError`` (a kernel without a forward-mode derivative).

For small models, :func:`dense_hessian` and :func:`step_jacobian` give the full matrices
(``torch.func.hessian``, ``jacrev``/``jacfwd``): :math:`D\Phi_z = I - \lambda H_z`.
"""

from __future__ import annotations

import warnings
from typing import Callable, Mapping

import torch
from torch import Tensor
from torch.func import grad, hessian, jacfwd, jacrev, jvp, vjp

from empirical.functional import Batch, Objective, Tree, flatten, unflatten
from theory.validation import check_learning_rate

__all__ = ["HVP_MODES", "HessianVectorProduct", "dense_hessian", "step_jacobian"]

HVP_MODES = ("auto", "fwd", "rev")


class HessianVectorProduct:
    """``v -> H_B(theta) v`` at a fixed point ``theta`` and batch ``B`` (trees in, trees out).

    ``calls`` counts the products; ``mode_used`` is ``"fwd"`` or ``"rev"`` once one has run.
    """

    def __init__(self, objective: Objective, params: Mapping[str, Tensor], batch: Batch, mode: str = "auto") -> None:
        if mode not in HVP_MODES:
            raise ValueError(f"mode must be one of {HVP_MODES}, got {mode!r}")
        self.objective, self.params, self.batch = objective, dict(params), batch
        self.mode, self.mode_used = mode, None if mode == "auto" else mode
        self.calls = 0
        self._gradient: Callable[[Tree], Tree] = lambda p: grad(objective.loss)(p, batch)
        self._vjp_fn: Callable | None = None

    def _forward_over_reverse(self, vector: Tree) -> Tree:
        return jvp(self._gradient, (self.params,), (vector,))[1]

    def _reverse_over_reverse(self, vector: Tree) -> Tree:
        if self._vjp_fn is None:  # one backward graph, reused for every product
            _, self._vjp_fn = vjp(self._gradient, self.params)
        return self._vjp_fn(vector)[0]

    def __call__(self, vector: Mapping[str, Tensor]) -> Tree:
        vector = {name: vector[name] for name in self.params}
        self.calls += 1
        if self.mode_used == "rev":
            return self._reverse_over_reverse(vector)
        if self.mode_used == "fwd":
            return self._forward_over_reverse(vector)
        try:
            out = self._forward_over_reverse(vector)
            self.mode_used = "fwd"
            return out
        except (RuntimeError, NotImplementedError) as error:
            warnings.warn(f"forward-over-reverse HVP failed ({str(error).splitlines()[0][:160]}); "
                          "falling back to reverse-over-reverse", RuntimeWarning, stacklevel=2)
            self.mode_used = "rev"
            try:
                return self._reverse_over_reverse(vector)
            except RuntimeError as second:
                raise RuntimeError(
                    "neither forward-over-reverse nor reverse-over-reverse HVPs work for this model "
                    f"({str(second).splitlines()[0][:160]}); fused attention kernels (SDPA, flash) have no second "
                    'derivatives: build transformers models with attn_implementation="eager"') from second

    def flat(self, vector: Tensor) -> Tensor:
        """The product on flat vectors (the parameter order of ``params``)."""
        return flatten(self(unflatten(vector, self.params)))


def _flat_function(function: Callable[[Tree], Tensor | Tree], params: Mapping[str, Tensor]) -> Callable[[Tensor], Tensor]:
    like = {name: value for name, value in params.items()}

    def flat(vector: Tensor) -> Tensor:
        out = function(unflatten(vector, like))
        return out if isinstance(out, Tensor) else flatten(out)

    return flat


def _vmap_is_wrong(objective: Objective) -> bool:
    """``vmap`` over BatchNorm with batch statistics (``bn_mode="train"``) gives wrong Hessians (measured: an
    asymmetric matrix off by 0.7 in max norm on a small CNN), so those are built without ``vmap``."""
    return objective.bn_mode == "train" and objective.has_batchnorm


def dense_hessian(objective: Objective, params: Mapping[str, Tensor], batch: Batch) -> Tensor:
    """The full ``(p, p)`` Hessian of ``L(B, .)`` at ``params`` (small models only).

    ``torch.func.hessian`` (``jacfwd`` of ``jacrev``, vectorised by ``vmap``), except for BatchNorm with batch
    statistics, where the columns are reverse-over-reverse HVPs with the unit vectors, one at a time.
    """
    if _vmap_is_wrong(objective):
        product = HessianVectorProduct(objective, params, batch, mode="rev")
        eye = torch.eye(sum(v.numel() for v in params.values()), dtype=next(iter(params.values())).dtype,
                        device=next(iter(params.values())).device)
        return torch.stack([product.flat(column) for column in eye], dim=1)
    flat = _flat_function(lambda p: objective.loss(p, batch), params)
    return hessian(flat)(flatten(params).detach())


def step_jacobian(objective: Objective, params: Mapping[str, Tensor], batch: Batch, lr: float,
                  mode: str = "rev") -> Tensor:
    r"""The ``(p, p)`` Jacobian of the step map :math:`\Phi_B`, equal to :math:`I - \lambda H_B` (small models).

    ``mode="rev"`` uses ``jacrev`` (p backward passes, vectorised), ``"fwd"`` ``jacfwd``.
    """
    lr = check_learning_rate(lr)
    if mode not in ("rev", "fwd"):
        raise ValueError(f"mode must be 'rev' or 'fwd', got {mode!r}")
    if _vmap_is_wrong(objective):  # D Phi = I - lr H, H built without vmap
        hessian_matrix = dense_hessian(objective, params, batch)
        identity = torch.eye(hessian_matrix.shape[0], dtype=hessian_matrix.dtype, device=hessian_matrix.device)
        return identity - lr * hessian_matrix
    flat = _flat_function(lambda p: objective.step(p, batch, lr), params)
    return (jacrev if mode == "rev" else jacfwd)(flat)(flatten(params).detach())
