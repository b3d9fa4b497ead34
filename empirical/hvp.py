r"""Hessian-vector products and Jacobians of step maps.

The Hessian :math:`H_B(\theta) = \nabla^2_\theta L(B, \theta)` enters every second-order statement of the
draft's lemmas (ascent-error-logistic: :math:`\theta_2 - \theta_0 = -\lambda^2 H g + O(\lambda^3)`;
commutator-logistic: :math:`\lambda^2 (H_B g_A - H_A g_B)`; psi-contraction-iff: the Jacobian of
:math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)` is :math:`\lambda H_z`). We never form :math:`H`
for real networks; we apply it to a vector. :class:`HessianVectorProduct` is an operator at a *fixed*
point :math:`\theta` and batch :math:`B` (Lanczos, Hutchinson and the inversion checks apply it tens to
hundreds of times at one point), with three modes:

* ``"graph"`` (reverse-over-reverse, gradient graph kept): :math:`g = \nabla_\theta L` is computed once with
  ``torch.autograd.grad(create_graph=True)``; each product is one more backward pass through that graph,
  :math:`Hv = \nabla_\theta (g \cdot v)` (``grad(g, theta, grad_outputs=v, retain_graph=True)``). The first
  product costs a gradient plus a double-backward pass, every later one only the double-backward pass.
  Memory: the forward activations *and* the first backward's saved tensors stay alive as long as the
  operator does (about 2-3x the activation memory of one gradient, held).
* ``"rev"`` (reverse-over-reverse through ``torch.func.vjp`` of ``grad``): the same products through
  torch.func's transforms; its ``vjp`` closure also keeps the graph for the operator's life.
* ``"fwd"`` (forward-over-reverse): :math:`Hv = \partial_\epsilon\, g(\theta + \epsilon v)|_0`, a ``jvp``
  of ``grad``: every product reruns the forward and backward pass with tangents (measured 3-7x a gradient
  on CPU, against 1-2x for ``"graph"``: ``benchmarks/bench_empirical_hvp.py``), but *nothing* outlives a
  product. It is the mode to pick when the held graph does not fit (a large model at a large batch on a
  small GPU), or for a single product at a point (no reuse to amortise the graph).

``mode="auto"`` (the default) is ``"graph"``, the fastest at a fixed point on every model measured; when a
kernel has no double-backward rule it falls back, once and with a warning, to ``"fwd"``. ``mode_used``
says which mode ran, and the checks record it beside their results. Attention kernels without forward-mode
derivatives (SDPA on CPU) work in ``"graph"`` and ``"rev"``; fused kernels without second derivatives at
all need ``attn_implementation="eager"``.

For small models, :func:`dense_hessian` and :func:`step_jacobian` give the full matrices:
:math:`D\Phi_z = I - \lambda H_z`.

BatchNorm with batch statistics (``bn_mode="train"``). Each example's output depends on the whole batch
through the batch mean and variance. The HVPs above are right there (tested against finite differences of
gradients). What goes wrong is ``torch.func.hessian`` = ``jacfwd(jacrev(f))``: differentiating *through*
``jacrev``'s internal ``vmap`` over BatchNorm gives wrong, asymmetric matrices, and nested forward mode
(``jvp`` of ``jvp``) is wrong even without any ``vmap`` (upstream: see docs/performance.md, "BatchNorm").
Vectorising the *outer* derivative is fine: :func:`dense_hessian` uses ``vmap`` over basis vectors of the
forward-over-reverse product, i.e. ``jacfwd(grad(f))``, for every model.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Mapping

import torch
from torch import Tensor
from torch.func import grad, jacfwd, jacrev, jvp, vjp

from empirical.functional import Batch, Objective, Tree, flatten, unflatten
from theory.support.validation import check_learning_rate

__all__ = [
    "HVP_MODES",
    "HessianVectorProduct",
    "dense_hessian",
    "dense_hessian_bytes",
    "step_jacobian",
    "DENSE_HESSIAN_BUDGET_BYTES",
    "COLUMN_ACTIVATION_FACTOR",
    "FIXED_ACTIVATION_FACTOR",
    "DENSE_HESSIAN_OVERHEAD_BYTES",
    "DEFAULT_MAX_CHUNK",
    "activation_bytes",
    "default_dense_chunk",
]

HVP_MODES = ("auto", "graph", "rev", "fwd")

#: Memory :func:`dense_hessian` may use by default: 2 GiB (the matrix plus one chunk of products).
DENSE_HESSIAN_BUDGET_BYTES = 2 * 1024**3

#: Bytes one column in flight of :func:`dense_hessian` holds, in units of one gradient's activations ``A``,
#: and the bytes held whatever the chunk (the primal forward and backward inside ``jvp``, the backward's
#: temporaries). Measured, not derived: the growth of the process's peak resident memory was
#: ``a + b c`` for ``c`` columns at a time with ``b`` = 4 A (tanh MLP, 300 digits) and 5-9.6 A, ``a`` = 24-30 A
#: (small CNN with batch-statistics BatchNorm, 100-600 digits, chunks of 8 and 32). 12 and 32 cover every
#: measurement (``benchmarks/bench_dense_hessian.py`` prints the estimate beside the measured peak;
#: tests/empirical/test_hvp.py checks the bound in a fresh process).
COLUMN_ACTIVATION_FACTOR = 12
FIXED_ACTIVATION_FACTOR = 32

#: Bytes the first vectorised product adds whatever the model (torch.func's transforms, the allocator's
#: arenas): measured 12-16 MiB beyond the terms above on the MLP and the small CNN at 4-20 examples.
DENSE_HESSIAN_OVERHEAD_BYTES = 32 * 2**20

#: Largest default chunk: beyond ~32 columns the vmapped products leave the cache and get slower per column
#: (small CNN, 300 digits: 20 s at 32 columns, 30 s at 64).
DEFAULT_MAX_CHUNK = 32


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:160] if str(error) else type(error).__name__


class HessianVectorProduct:
    """``v -> H_B(theta) v`` at a fixed point ``theta`` and batch ``B`` (trees in, trees out); see the module.

    ``calls`` counts the products; ``mode_used`` is ``"graph"``, ``"rev"`` or ``"fwd"`` once one has run.
    :meth:`release` drops a held graph (the operator still works, rebuilding it on the next product).
    """

    def __init__(self, objective: Objective, params: Mapping[str, Tensor], batch: Batch, mode: str = "auto") -> None:
        if mode not in HVP_MODES:
            raise ValueError(f"mode must be one of {HVP_MODES}, got {mode!r}")
        check_batch(objective, params, batch)
        self.objective, self.params, self.batch = objective, dict(params), batch
        self.mode, self.mode_used = mode, None if mode == "auto" else mode
        self.calls = 0
        self._gradient: Callable[[Tree], Tree] = lambda p: grad(objective.loss)(p, batch)
        self._vjp_fn: Callable | None = None
        self._graph: tuple[list[Tensor], tuple[Tensor, ...]] | None = None

    # -- the three products
    def _forward_over_reverse(self, vector: Tree) -> Tree:
        return jvp(self._gradient, (self.params,), (vector,))[1]

    def _reverse_over_reverse(self, vector: Tree) -> Tree:
        if self._vjp_fn is None:  # one backward graph, reused for every product
            # ignore: without has_aux vjp returns a pair; its stub unions in the triple of has_aux=True
            _, self._vjp_fn = vjp(self._gradient, self.params)  # type: ignore[misc]
        return self._vjp_fn(vector)[0]

    def _build_graph(self) -> tuple[list[Tensor], tuple[Tensor, ...]]:
        leaves = [value.detach().requires_grad_(True) for value in self.params.values()]
        with torch.enable_grad():
            loss = self.objective.loss(dict(zip(self.params, leaves)), self.batch)
            gradient = torch.autograd.grad(loss, leaves, create_graph=True)
        return leaves, gradient

    def _retained_graph(self, vector: Tree) -> Tree:
        if self._graph is None:
            self._graph = self._build_graph()
        leaves, gradient = self._graph
        outputs = [vector[name].to(g.dtype) for name, g in zip(self.params, gradient)]
        with torch.enable_grad():
            products = torch.autograd.grad(gradient, leaves, grad_outputs=outputs, retain_graph=True, allow_unused=True)
        return {
            name: torch.zeros_like(value) if product is None else product.detach()
            for (name, value), product in zip(self.params.items(), products)
        }

    def release(self) -> None:
        """Free the held gradient graph (``"graph"`` / ``"rev"``)."""
        self._graph, self._vjp_fn = None, None

    def __call__(self, vector: Mapping[str, Tensor]) -> Tree:
        missing = [name for name in self.params if name not in vector]
        if missing:
            raise ValueError(
                f"the vector lacks parameter(s) {missing[:3]} of the {len(self.params)} the HVP is taken "
                "over; give a tree with the same keys as params (or use .flat on a flat vector)"
            )
        vector = {name: vector[name] for name in self.params}
        self.calls += 1
        if self.mode_used == "graph":
            return self._retained_graph(vector)
        if self.mode_used == "rev":
            return self._reverse_over_reverse(vector)
        if self.mode_used == "fwd":
            return self._forward_over_reverse(vector)
        try:  # auto, first product: the retained graph, else forward-over-reverse
            out = self._retained_graph(vector)
            self.mode_used = "graph"
            return out
        except (RuntimeError, NotImplementedError) as error:
            self._graph = None
            warnings.warn(
                f"reverse-over-reverse HVP failed ({_first_line(error)}); falling back to forward-over-reverse",
                RuntimeWarning,
                stacklevel=2,
            )
            self.mode_used = "fwd"
            try:
                return self._forward_over_reverse(vector)
            except (RuntimeError, NotImplementedError) as second:
                raise RuntimeError(
                    "neither reverse-over-reverse nor forward-over-reverse HVPs work for this model "
                    f"({_first_line(second)}); fused attention kernels (SDPA, flash) have no second "
                    'derivatives: build transformers models with attn_implementation="eager"'
                ) from second

    def flat(self, vector: Tensor) -> Tensor:
        """The product on flat vectors (the parameter order of ``params``)."""
        return flatten(self(unflatten(vector, self.params)))


def check_batch(objective: Objective, params: Mapping[str, Tensor], batch: Batch, what: str = "batch") -> None:
    """``ValueError`` unless ``batch`` is ``(inputs, targets)`` sharing a non-zero leading size that the model
    accepts (one forward pass on its first two examples, BatchNorm in eval mode so that no running statistic
    changes), so that a wrong shape is named here instead of surfacing as a RuntimeError deep inside autograd."""
    try:
        inputs, targets = batch
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair (inputs, targets), got {type(batch).__name__}") from None
    shapes = [tuple(getattr(tensor, "shape", ())) for tensor in (inputs, targets)]
    if (
        not all(isinstance(tensor, Tensor) for tensor in (inputs, targets))
        or not all(shapes)
        or shapes[0][0] != shapes[1][0]
        or shapes[0][0] == 0
    ):
        raise ValueError(
            f"{what}: inputs and targets must be tensors sharing a non-zero leading batch size, got "
            f"shapes {shapes[0]} and {shapes[1]}"
        )
    probe = copy.copy(objective)  # BatchNorm in eval mode: the probe never updates running statistics
    probe.bn_mode = "eval"
    try:
        with torch.no_grad():
            probe.loss({name: value.detach() for name, value in params.items()}, (inputs[:2], targets[:2]))
    except (RuntimeError, IndexError, TypeError) as error:
        raise ValueError(
            f"{what} of shapes {shapes[0]} and {shapes[1]} does not fit the model "
            f"({_first_line(error)}); give inputs and targets shaped like the training data"
        ) from None


def _flat_function(
    function: Callable[[Tree], Tensor | Tree], params: Mapping[str, Tensor]
) -> Callable[[Tensor], Tensor]:
    like = {name: value for name, value in params.items()}

    def flat(vector: Tensor) -> Tensor:
        out = function(unflatten(vector, like))
        return out if isinstance(out, Tensor) else flatten(out)

    return flat


def activation_bytes(objective: Objective, params: Mapping[str, Tensor], batch: Batch) -> int:
    """Bytes autograd saves for the backward pass of one loss evaluation (measured by one forward pass with
    ``saved_tensors_hooks``): the activation memory of one gradient at this batch."""
    total = 0

    def pack(tensor: Tensor) -> Tensor:
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    leaves = {name: value.detach().requires_grad_(True) for name, value in params.items()}
    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        objective.loss(leaves, batch)
    return total


def dense_hessian_bytes(num_params: int, itemsize: int, chunk: int, activations: int) -> int:
    r"""Memory estimate of :func:`dense_hessian` in bytes: the ``p x p`` result, the basis block, its products and
    tangent copies of the parameters (``4 p chunk`` entries), and ``chunk`` forward-over-reverse products in
    flight, each holding ``k = COLUMN_ACTIVATION_FACTOR`` times the activations ``A`` of one gradient, plus
    ``k0 = FIXED_ACTIVATION_FACTOR`` times ``A`` whatever the chunk, and a constant ``O`` (measured, see the
    constants): :math:`\text{itemsize}\,(p^2 + 4 p c) + (k c + k_0) A + O`."""
    return (
        itemsize * (num_params * num_params + 4 * num_params * chunk)
        + (COLUMN_ACTIVATION_FACTOR * chunk + FIXED_ACTIVATION_FACTOR) * activations
        + DENSE_HESSIAN_OVERHEAD_BYTES
    )


def default_dense_chunk(
    num_params: int, itemsize: int, activations: int, budget_bytes: int = DENSE_HESSIAN_BUDGET_BYTES
) -> int:
    """The chunk :func:`dense_hessian` uses by default: the most columns at a time (at most
    ``DEFAULT_MAX_CHUNK`` and ``num_params``) whose :func:`dense_hessian_bytes` fit ``budget_bytes``; 1 when none
    fits (the call then refuses)."""
    spare = (
        budget_bytes
        - itemsize * num_params * num_params
        - FIXED_ACTIVATION_FACTOR * activations
        - DENSE_HESSIAN_OVERHEAD_BYTES
    )
    per_column = 4 * num_params * itemsize + COLUMN_ACTIVATION_FACTOR * activations
    return int(max(1, min(num_params, DEFAULT_MAX_CHUNK, spare // max(1, per_column))))


def dense_hessian(
    objective: Objective,
    params: Mapping[str, Tensor],
    batch: Batch,
    *,
    chunk: int | None = None,
    budget_bytes: int = DENSE_HESSIAN_BUDGET_BYTES,
) -> Tensor:
    r"""The full ``(p, p)`` Hessian of ``L(B, .)`` at ``params`` (small models only).

    Columns :math:`H e_i` by forward-over-reverse products vectorised over ``chunk`` basis vectors at a time
    (``vmap`` of ``jvp(grad)``, i.e. ``jacfwd(grad(f))``; correct with BatchNorm batch statistics too, see the
    module docstring). The memory is estimated before any product (:func:`dense_hessian_bytes`, with the
    activations measured by :func:`activation_bytes`); ``chunk`` defaults to :func:`default_dense_chunk`, the
    largest block (at most ``DEFAULT_MAX_CHUNK`` columns) that fits ``budget_bytes``, and when even one column
    does not fit, the call is refused with a one-line ``MemoryError`` naming the sizes.
    """
    check_batch(objective, params, batch)
    like = next(iter(params.values()))
    size = sum(value.numel() for value in params.values())
    itemsize = like.element_size()
    activations = activation_bytes(objective, params, batch)
    if chunk is None:
        chunk = default_dense_chunk(size, itemsize, activations, budget_bytes)
    elif not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    needed = dense_hessian_bytes(size, itemsize, chunk, activations)
    if needed > budget_bytes:
        raise MemoryError(
            f"dense_hessian of {size:,} parameters ({chunk} columns at a time, {activations / 1024**2:.1f} "
            f"MiB of activations per product) needs about {needed / 1024**3:.2f} GiB, over the budget of "
            f"{budget_bytes / 1024**3:.2f} GiB: use HVPs (empirical.spectrum), a smaller batch, or a "
            "larger budget_bytes"
        )
    product = HessianVectorProduct(objective, params, batch, mode="fwd")
    flat_params = {name: value.detach() for name, value in params.items()}

    def column(basis: Tensor) -> Tensor:
        return flatten(jvp(product._gradient, (flat_params,), (unflatten(basis, flat_params),))[1])

    columns = torch.vmap(column)
    out = torch.empty((size, size), dtype=like.dtype, device=like.device)
    for start in range(0, size, chunk):
        stop = min(size, start + chunk)
        basis = torch.zeros((stop - start, size), dtype=like.dtype, device=like.device)
        basis[torch.arange(stop - start), torch.arange(start, stop)] = 1
        out[:, start:stop] = columns(basis).T
    return out


def step_jacobian(
    objective: Objective, params: Mapping[str, Tensor], batch: Batch, lr: float, mode: str = "rev"
) -> Tensor:
    r"""The ``(p, p)`` Jacobian of the step map :math:`\Phi_B`, equal to :math:`I - \lambda H_B` (small models).

    ``mode="rev"`` uses ``jacrev`` (p backward passes, vectorised), ``"fwd"`` ``jacfwd``.
    """
    lr = check_learning_rate(lr)
    if mode not in ("rev", "fwd"):
        raise ValueError(f"mode must be 'rev' or 'fwd', got {mode!r}")
    check_batch(objective, params, batch)
    if objective.bn_mode == "train" and objective.has_batchnorm:  # jacrev of a grad: wrong there (module doc)
        hessian_matrix = dense_hessian(objective, params, batch)
        identity = torch.eye(hessian_matrix.shape[0], dtype=hessian_matrix.dtype, device=hessian_matrix.device)
        return identity - lr * hessian_matrix
    flat = _flat_function(lambda p: objective.step(p, batch, lr), params)
    return (jacrev if mode == "rev" else jacfwd)(flat)(flatten(params).detach())
