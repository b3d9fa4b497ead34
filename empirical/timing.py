"""Wall-clock timing for the benchmarks: best of several runs (the machine may be shared), synchronised on CUDA."""

from __future__ import annotations

import time
from typing import Any, Callable

import torch

__all__ = ["best_of"]


def best_of(repeats: int, function: Callable[[], Any], warmup: int = 1) -> tuple[float, Any]:
    """Shortest wall time in seconds of ``repeats`` calls after ``warmup`` calls, and the last result."""
    result = None
    for _ in range(warmup):
        result = function()
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        result = function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times), result
