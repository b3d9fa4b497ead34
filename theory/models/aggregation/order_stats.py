r"""What a stored median lets one unlearn, and the order statistics that suffice.

Draft, "Poisoned batches" (with median aggregation in place of the mean): to undo a batch's step exactly
one needs the batch's aggregate *without* the forgotten points. For the mean it follows from the stored mean
and the forgotten gradients (batch-weighted-decomposition). For the coordinate-wise median it does not
(lemma median-removal-not-from-median): the new median depends on order statistics next to the median.

Per coordinate, a batch :math:`x_{(1)} \le \dots \le x_{(n)}` loses :math:`r < n` of its points; the
:math:`m = n - r` left have the median of their ranks :math:`\lceil m/2 \rceil` and :math:`\lfloor m/2\rfloor + 1`,
and a point of rank :math:`k` among those left has rank in :math:`[k, k + r]` in the batch. So the
**window** of batch ranks :math:`a = \lceil m/2 \rceil` to :math:`b = \lfloor m/2 \rfloor + 1 + r` — :math:`r + 1`
values when :math:`m` is odd, :math:`r + 2` when even — and the removed values determine the new median
(:func:`median_after_removal`); each rank of the window is the new median's for some removal of :math:`r`
points (remove :math:`c` points from the bottom and :math:`r - c` from the top, :math:`c = 0..r`), so no
smaller set of ranks does (lemma median-window-suffices).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["window_ranks", "median_window", "median_after_removal", "window_ranks_used"]


def window_ranks(n: int, removals: int) -> tuple[int, int]:
    """1-based batch ranks ``(a, b)`` of the window needed to remove ``removals`` of ``n`` points."""
    if not 0 <= removals < n:
        raise ValueError(f"removals must be in [0, n - 1] for a batch of n = {n}, got {removals}")
    m = n - removals
    return (m + 1) // 2, m // 2 + 1 + removals


def median_window(batch: Any, removals: int) -> Any:
    """The window of order statistics ``(..., b - a + 1, P)`` of a ``(..., n, P)`` batch (coordinate-wise)."""
    a, b = window_ranks(batch.shape[-2], removals)
    return np.sort(batch, axis=-2)[..., a - 1 : b, :]


def median_after_removal(window: Sequence[Any], n: int, removed: Sequence[Any]) -> Any:
    """The median of one coordinate after removing the values ``removed`` from a batch of ``n`` values,
    from the batch's window (sorted, ranks ``window_ranks(n, len(removed))``) alone.

    A removed value strictly inside ``[window[0], window[-1]]`` is in the window (every batch value there has a
    window rank); one equal to an end is removed from the window while a copy is left there (equal values are
    interchangeable), else it is a copy below or above; the points below shift the ranks. Works with floats, ``Fraction`` or ``mpf``.
    """
    r = len(removed)
    a, b = window_ranks(n, r)
    values = sorted(window)
    if len(values) != b - a + 1:
        raise ValueError(f"the window for n = {n}, r = {r} holds {b - a + 1} values, got {len(values)}")
    low, high = values[0], values[-1]
    below = 0
    for z in removed:
        if z in values:
            values.remove(z)
        elif low < z < high:
            raise ValueError(f"removed value {z!r} lies inside the window but is not in it: not a batch value")
        elif z <= low:  # equal to the low end once its window copies are gone: a copy below the window
            below += 1
    m = n - r
    first = a - below  # batch-rank a is rank a - below among the points left
    lower = values[(m + 1) // 2 - first]
    upper = values[m // 2 + 1 - first]
    return (lower + upper) / 2


def window_ranks_used(n: int, removals: int) -> set[int]:
    """The batch ranks that are a lower or upper median of what is left after removing ``c`` points from the
    bottom and ``removals - c`` from the top, over ``c = 0..removals``: the whole window (necessity)."""
    m = n - removals
    used = set()
    for c in range(removals + 1):
        used |= {(m + 1) // 2 + c, m // 2 + 1 + c}
    return used
