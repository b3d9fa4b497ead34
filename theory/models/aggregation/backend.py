"""Two thin array backends (numpy and torch) with the few operations the aggregators need.

The aggregators of :mod:`theory.models.aggregation.robust` are written once against this interface, so that
``sims`` (numpy, stacked trajectories) and ``empirical`` (torch per-example gradients from ``vmap``) run the
same code. numpy and torch agree on most names; they differ on ``sort`` (torch returns values and indices),
``take_along_axis`` (torch: ``take_along_dim``), keyword ``axis``/``dim`` and stable ``argsort``. Torch is
never imported here: a tensor is recognised by its type's module, so ``sims`` stays torch-free. numpy object
arrays of ``mpmath.mpf`` run through the numpy backend too (the lemmas evaluate the aggregators at 60 digits):
the few ufuncs that have no object loop (``sqrt``, ``isfinite``, ``finfo``) go through mpmath there.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

__all__ = ["Backend", "backend_of", "NUMPY"]


class Backend:
    """numpy operations; :class:`_Torch` overrides those whose torch spelling differs."""

    name = "numpy"

    def asarray_like(self, values: Any, like: Any) -> Any:
        return np.asarray(values, dtype=like.dtype)

    def sort(self, x: Any, axis: int) -> Any:
        return np.sort(x, axis=axis)

    def argsort(self, x: Any, axis: int) -> Any:
        return np.argsort(x, axis=axis, kind="stable")

    def take_along(self, x: Any, index: Any, axis: int) -> Any:
        return np.take_along_axis(x, index, axis=axis)

    # np.asarray: on object arrays a full reduction returns a bare mpf, which cannot be indexed with [..., None]
    def mean(self, x: Any, axis: int) -> Any:
        return np.asarray(x.mean(axis=axis))

    def sum(self, x: Any, axis: int, keepdims: bool = False) -> Any:
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def sqrt(self, x: Any) -> Any:
        if np.asarray(x).dtype == object:
            return np.vectorize(mpmath.sqrt, otypes=[object])(x)
        return np.sqrt(x)

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        return np.asarray(np.where(condition, a, b))

    def maximum(self, x: Any, value: float) -> Any:
        return np.asarray(np.maximum(x, value))

    def minimum(self, x: Any, value: float) -> Any:
        return np.asarray(np.minimum(x, value))

    def _finite(self, x: Any) -> Any:
        if x.dtype == object:
            return np.vectorize(lambda v: bool(mpmath.isfinite(v)), otypes=[bool])(x)
        return np.isfinite(x)

    def all_finite(self, x: Any) -> bool:
        return bool(self._finite(x).all())

    def count_nonfinite(self, x: Any) -> int:
        return int((~self._finite(x)).sum())

    def swap_last(self, x: Any) -> Any:
        return np.swapaxes(x, -1, -2)

    def eye_like(self, n: int, like: Any) -> Any:
        return np.eye(n, dtype=bool)

    def max_all(self, x: Any) -> float:
        return float(np.max(x)) if x.size else 0.0

    def expand_index(self, index: Any, shape: tuple) -> Any:
        return np.broadcast_to(index, shape)

    def copy(self, x: Any) -> Any:
        return np.array(x, copy=True)

    def amax(self, x: Any, axis: int) -> Any:
        return np.asarray(np.max(x, axis=axis))

    def arange_like(self, n: int, like: Any) -> Any:
        return np.arange(n)

    def tiny(self, x: Any) -> Any:
        """The smallest positive normal number of ``x``'s dtype (a safe floor for divisions)."""
        return mpmath.mpf(2) ** -10000 if x.dtype == object else float(np.finfo(x.dtype).tiny)

    def unit_roundoff(self, x: Any) -> Any:
        return mpmath.mp.eps / 2 if x.dtype == object else float(np.finfo(x.dtype).eps) / 2


class _Torch(Backend):
    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch

    def asarray_like(self, values: Any, like: Any) -> Any:
        return self.torch.as_tensor(values, dtype=like.dtype, device=like.device)

    def sort(self, x: Any, axis: int) -> Any:
        return self.torch.sort(x, dim=axis).values

    def argsort(self, x: Any, axis: int) -> Any:
        return self.torch.argsort(x, dim=axis, stable=True)

    def take_along(self, x: Any, index: Any, axis: int) -> Any:
        return self.torch.take_along_dim(x, index, dim=axis)

    def mean(self, x: Any, axis: int) -> Any:
        return x.mean(dim=axis)

    def sum(self, x: Any, axis: int, keepdims: bool = False) -> Any:
        return x.sum(dim=axis, keepdim=keepdims)

    def sqrt(self, x: Any) -> Any:
        return self.torch.sqrt(x)

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        return self.torch.where(condition, a, b)

    def maximum(self, x: Any, value: float) -> Any:
        return self.torch.clamp(x, min=value)

    def minimum(self, x: Any, value: float) -> Any:
        return self.torch.clamp(x, max=value)

    def all_finite(self, x: Any) -> bool:
        return bool(self.torch.isfinite(x).all())

    def count_nonfinite(self, x: Any) -> int:
        return int((~self.torch.isfinite(x)).sum())

    def swap_last(self, x: Any) -> Any:
        return x.transpose(-1, -2)

    def eye_like(self, n: int, like: Any) -> Any:
        return self.torch.eye(n, dtype=self.torch.bool, device=like.device)

    def max_all(self, x: Any) -> float:
        return float(x.max()) if x.numel() else 0.0

    def expand_index(self, index: Any, shape: tuple) -> Any:
        return index.expand(shape)

    def copy(self, x: Any) -> Any:
        return x.clone()

    def amax(self, x: Any, axis: int) -> Any:
        return x.amax(dim=axis)

    def arange_like(self, n: int, like: Any) -> Any:
        return self.torch.arange(n, device=like.device)

    def tiny(self, x: Any) -> float:
        return float(self.torch.finfo(x.dtype).tiny)

    def unit_roundoff(self, x: Any) -> float:
        return float(self.torch.finfo(x.dtype).eps) / 2


NUMPY = Backend()
_TORCH: list[_Torch] = []


def backend_of(x: Any) -> Backend:
    """The backend of an array: torch for a ``torch.Tensor``, numpy for anything else."""
    if type(x).__module__.split(".")[0] == "torch":
        if not _TORCH:
            _TORCH.append(_Torch())
        return _TORCH[0]
    return NUMPY
