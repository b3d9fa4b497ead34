r"""Per-example loss, gradient and Hessian measures as differentiable functions of the input, batched.

Draft, "Adversarial poisons with irregular gradients": the attack wants a point :math:`z` whose per-example
Hessian :math:`H_z = \nabla^2_\theta L(z, \theta)` is large. Three measures of :math:`H_z`, all computed
from Hessian-vector products (forward-over-reverse, ``jvp`` of ``grad``) and never the matrix:

* ``spectral``: :math:`\|H_z\|_2 = |v^\top H_z v|` at the eigenvector :math:`v` of largest |eigenvalue|, found
  by power iteration (``power_iters`` products, detached). By the envelope (Danskin) theorem the input
  gradient of :math:`\lambda_{\max}(H_z)` is :math:`v^\top (\partial_x H_z) v` with :math:`v` held fixed, so
  :math:`(v^\top H_z v)^2` differentiated at fixed :math:`v` gives the gradient of :math:`\|H_z\|_2^2`.
* ``trace``: Hutchinson, :math:`\operatorname{tr} H_z = E[r^\top H_z r]` over Rademacher probes :math:`r` (the
  draft's pitfall: "maximize the sum of its eigenvalues").
* ``diagonal``: :math:`\|\operatorname{diag} H_z\|_2` with :math:`\operatorname{diag} H_z = E[r \odot H_z r]`
  (the draft's "Alternative").

``probes`` may be the scaled standard basis :math:`\sqrt p\, e_k` (:func:`hessian_probes` with ``exact=True``;
like Rademacher probes, :math:`E[r r^\top] = I`): the trace and diagonal are then exact, which is how the tests compare with the closed forms of linear regression
(:math:`H_z = x x^\top`: spectral norm = trace = :math:`|x|^2`, diagonal norm :math:`(\sum_i x_i^4)^{1/2}`).

Computing the input gradient of a Hessian measure is third-order automatic differentiation: ``grad`` (in
the input) of ``jvp`` (in the parameters) of ``grad`` (in the parameters). Per-example functions are
vectorised over the poisons with ``vmap``; BatchNorm must use running statistics (``bn_mode="eval"``).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor
from torch.func import grad, jvp, vmap

from empirical.functional import Objective, Tree, tensor_sum, tree_dot
from empirical.per_example import _check

__all__ = [
    "MEASURES",
    "hessian_probes",
    "example_loss",
    "input_gradients",
    "top_eigenvectors",
    "measure_values",
    "per_example_summary",
]

MEASURES = ("spectral", "trace", "diagonal")


def example_loss(objective: Objective, params: Mapping[str, Tensor], x: Tensor, y: Tensor) -> Tensor:
    """L(z, theta) of one example ``(x, y)`` (no batch dimension)."""
    return objective.loss(params, (x.unsqueeze(0), y.unsqueeze(0)))


def input_gradients(objective: Objective, params: Mapping[str, Tensor], inputs: Tensor, targets: Tensor) -> Tensor:
    r"""Per-example :math:`\nabla_x l(h_\theta(x), y)`, shape of ``inputs`` (``vmap`` of ``grad``)."""
    _check(objective, params, inputs, targets)
    params = {name: value.detach() for name, value in params.items()}
    return vmap(grad(lambda x, y: example_loss(objective, params, x, y)))(inputs, targets)


def _param_grad(objective: Objective, params: Tree, x: Tensor, y: Tensor) -> Tree:
    return grad(lambda p: example_loss(objective, p, x, y))(params)


def _hvp(objective: Objective, params: Tree, x: Tensor, y: Tensor, vector: Tree) -> Tree:
    return jvp(lambda p: _param_grad(objective, p, x, y), (params,), (vector,))[1]


def hessian_probes(
    params: Mapping[str, Tensor], count: int, generator: torch.Generator | None = None, exact: bool = False
) -> list[Tree]:
    """Rademacher probe trees for Hutchinson, or (``exact=True``) the scaled basis sqrt(p) e_k (exact, small models)."""
    if exact:
        size = sum(value.numel() for value in params.values())
        probes = []
        for column in range(size):
            flat = torch.zeros(size, dtype=next(iter(params.values())).dtype)
            flat[column] = size**0.5  # sqrt(p) e_k: E[r r^T] = I over the p probes, so the estimates are exact
            probes.append(_unflat(flat, params))
        return probes
    if count < 1:
        raise ValueError(f"probe count must be >= 1, got {count}")
    return [
        {
            name: torch.sign(torch.randn(value.shape, generator=generator, dtype=torch.float64)).to(value)
            for name, value in params.items()
        }
        for _ in range(count)
    ]


def _unflat(flat: Tensor, like: Mapping[str, Tensor]) -> Tree:
    out, start = {}, 0
    for name, value in like.items():
        out[name] = flat[start : start + value.numel()].view_as(value).to(value)
        start += value.numel()
    return out


def top_eigenvectors(
    objective: Objective,
    params: Mapping[str, Tensor],
    inputs: Tensor,
    targets: Tensor,
    iters: int = 20,
    generator: torch.Generator | None = None,
) -> Tree:
    """Unit eigenvectors of largest |eigenvalue| of each per-example Hessian, by ``iters`` power iterations.

    Returns a tree with a leading poison dimension (detached). Convergence is at rate
    :math:`|\\mu_2 / \\mu_1|` per product; the spectral *value* used by the attack is the Rayleigh quotient.
    """
    _check(objective, params, inputs, targets)
    params = {name: value.detach() for name, value in params.items()}
    inputs, count = inputs.detach(), inputs.shape[0]
    vectors = {
        name: torch.randn((count, *value.shape), generator=generator, dtype=torch.float64).to(value)
        for name, value in params.items()
    }
    product = vmap(lambda x, y, v: _hvp(objective, params, x, y, v), in_dims=(0, 0, 0))
    for _ in range(max(1, iters)):
        vectors = _normalise(vectors)
        vectors = {name: value.detach() for name, value in product(inputs, targets, vectors).items()}
    return _normalise(vectors)


def _normalise(batched: Tree) -> Tree:
    squared = tensor_sum(value.reshape(value.shape[0], -1).pow(2).sum(dim=1) for value in batched.values())
    norm = squared.sqrt().clamp_min(torch.finfo(squared.dtype).tiny)
    return {name: value / norm.view(-1, *([1] * (value.ndim - 1))) for name, value in batched.items()}


def measure_values(
    objective: Objective,
    params: Tree,
    x: Tensor,
    y: Tensor,
    measure: str,
    eigenvector: Tree | None = None,
    probes: list[Tree] | None = None,
) -> dict[str, Tensor]:
    r"""For one example: loss, squared gradient norm and the chosen Hessian measure (differentiable in ``x``).

    ``spectral`` needs ``eigenvector`` (unit, fixed), ``trace``/``diagonal`` need ``probes``.
    """
    if measure not in MEASURES:
        raise ValueError(f"Hessian measure must be one of {MEASURES}, got {measure!r}")
    gradient = _param_grad(objective, params, x, y)
    out = {"loss": example_loss(objective, params, x, y), "grad_sq": tree_dot(gradient, gradient)}
    if measure == "spectral":
        if eigenvector is None:
            raise ValueError("the spectral measure needs the top eigenvector (top_eigenvectors)")
        out["hessian"] = tree_dot(eigenvector, _hvp(objective, params, x, y, eigenvector)).abs()
    else:
        if not probes:
            raise ValueError(f"the {measure} measure needs Hutchinson probes (hessian_probes)")
        products = [_hvp(objective, params, x, y, probe) for probe in probes]
        if measure == "trace":
            out["hessian"] = tensor_sum(tree_dot(r, h) for r, h in zip(probes, products)) / len(probes)
        else:
            diagonal = {
                name: tensor_sum(r[name] * h[name] for r, h in zip(probes, products)) / len(probes) for name in params
            }
            out["hessian"] = tree_dot(diagonal, diagonal).sqrt()
    return out


def per_example_summary(
    objective: Objective,
    params: Mapping[str, Tensor],
    inputs: Tensor,
    targets: Tensor,
    measure: str = "spectral",
    probes: list[Tree] | None = None,
    power_iters: int = 20,
    generator: torch.Generator | None = None,
) -> dict[str, Tensor]:
    """Batched loss, gradient norm and Hessian measure of every example (detached), one measure at a time."""
    _check(objective, params, inputs, targets)
    params = {name: value.detach() for name, value in params.items()}
    eigen = (
        top_eigenvectors(objective, params, inputs, targets, power_iters, generator) if measure == "spectral" else None
    )

    def one(x, y, v):
        return measure_values(objective, params, x, y, measure, v, probes)

    if eigen is None:
        values = vmap(lambda x, y: one(x, y, None))(inputs, targets)
    else:
        values = vmap(one)(inputs, targets, eigen)
    return {
        "loss": values["loss"].detach(),
        "grad_norm": values["grad_sq"].detach().sqrt(),
        measure: values["hessian"].detach(),
    }
