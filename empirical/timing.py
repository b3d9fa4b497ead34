"""Wall-clock timing for the benchmarks: best of several runs (the machine may be shared), synchronised on CUDA."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["best_of"]


def best_of(
    repeats: int, function: Callable[[], Any], warmup: int = 1, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, Any]:
    """Shortest time in seconds of ``repeats`` calls after ``warmup`` calls, and the last result.

    ``clock`` is wall time by default; ``time.process_time`` (CPU time of this process) is robust to other
    processes on a shared machine when torch runs one thread (it then counts only this process's work).
    """
    result = None
    for _ in range(warmup):
        result = function()
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = clock()
        result = function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(clock() - start)
    return min(times), result
