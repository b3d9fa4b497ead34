r"""One-pass coordinate-wise median estimates whose memory is fixed before the run.

Draft, opening notes: "Efficient streaming median: good explanation [here](https://arxiv.org/pdf/1802.10116)".
An exact one-pass median needs memory growing with the stream (Munro & Paterson 1980; lemma
exact-streaming-median-memory: the state must determine the sorted first half). Two bounded-memory
estimates of the coordinate-wise median of a stream of gradients :math:`x_1, x_2, \dots \in \mathbb R^P`:

:class:`HistogramMedian`
    ``bins`` equal bins of width :math:`w = (h - l)/K` on a range :math:`[l, h]` stated before the run, plus
    an underflow and an overflow count per coordinate: :math:`8P(K + 2) + 8` bytes (int64), whatever the
    number :math:`n` of gradients. The lower and upper medians :math:`x_{(\lceil n/2 \rceil)}`,
    :math:`x_{(\lfloor n/2\rfloor + 1)}` lie in bins known exactly from the cumulative counts; the estimate
    is the average of those bins' centres. **Bound**: when both medians lie in :math:`[l, h]`
    (``in_range``), :math:`|\hat m - m| \le w/2` in exact arithmetic; in floating point the bin index
    :math:`\lfloor (x - l)/w \rfloor` can be off by one for :math:`x` within a few ulps of a bin edge, so the
    stated bound is :meth:`HistogramMedian.error_bound`, :math:`w/2 + 16u\,(|l| + |h|)`, ``u`` the unit roundoff.
    Outside the range the estimate is clamped to :math:`l` or :math:`h` and carries no bound.

:class:`StochasticMedian`
    Robbins-Monro stochastic approximation of the median, :math:`m_{t+1} = m_t + \gamma_t\,\mathrm{sign}(x_t - m_t)`,
    :math:`\gamma_t = c/\sqrt t` (the median minimises :math:`E|x - m|`, whose subgradient is
    :math:`-E\,\mathrm{sign}(x - m)`); the one-value "Frugal" streaming quantiles of Ma, Muthukrishnan &
    Sandler (2013) are its discrete cousin. :math:`8P + 8` bytes. **No worst-case bound**: for i.i.d. draws
    with a density positive at the median it converges almost surely (Robbins & Monro 1951), at rate
    :math:`O(t^{-1/4})` with these steps; an adversarial order (sorted stream) defeats it. Measured only.

``exact_median_bytes(n, P)`` is the exact median's memory, :math:`8nP` (it keeps every gradient).
"""

from __future__ import annotations

import numpy as np

from theory.support.validation import check_positive_int

__all__ = ["HistogramMedian", "StochasticMedian", "exact_median_bytes"]


def exact_median_bytes(n_gradients: int, n_params: int) -> int:
    """Bytes the exact coordinate-wise median keeps: every gradient in float64."""
    return 8 * n_gradients * n_params


def _rows(values, n_params: int, name: str) -> np.ndarray:
    rows = np.asarray(values, dtype=np.float64)
    rows = rows[None, :] if rows.ndim == 1 else rows
    if rows.ndim != 2 or rows.shape[1] != n_params:
        raise ValueError(
            f"{name}.update expects gradients of shape (b, {n_params}) or ({n_params},), got {np.shape(values)}"
        )
    if not np.isfinite(rows).all():
        raise ValueError(
            f"{name}.update: {int((~np.isfinite(rows)).sum())} NaN or infinite gradient entries; "
            "fix the run that produced them"
        )
    return rows


class HistogramMedian:
    """Fixed-bin per-coordinate histogram on ``[low, high]`` (module docstring)."""

    def __init__(self, n_params: int, low: float, high: float, bins: int = 1024) -> None:
        self.n_params = check_positive_int(n_params, "n_params")
        self.bins = check_positive_int(bins, "bins")
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"the histogram range needs finite low < high, got [{low}, {high}]")
        self.low, self.high = float(low), float(high)
        self.width = (self.high - self.low) / self.bins
        self.counts = np.zeros((self.n_params, self.bins + 2), dtype=np.int64)  # [under, bins..., over]
        self.n = 0

    @staticmethod
    def memory_bytes(n_params: int, bins: int) -> int:
        """Bytes of the state, known before the run: int64 counts ``P (K + 2)`` and the count ``n``."""
        return 8 * n_params * (bins + 2) + 8

    @property
    def nbytes(self) -> int:
        return self.counts.nbytes + 8

    def error_bound(self) -> float:
        """:math:`w/2 + 16u(|l| + |h|)`: the bound on ``|estimate - median|`` where ``in_range`` holds."""
        u = np.finfo(np.float64).eps / 2
        return self.width / 2 + 16 * u * (abs(self.low) + abs(self.high))

    def update(self, gradients) -> HistogramMedian:
        """Add ``(b, P)`` gradients (or one ``(P,)``): one ``bincount`` over ``b P`` entries."""
        rows = _rows(gradients, self.n_params, "HistogramMedian")
        index = np.floor((rows - self.low) / self.width).astype(np.int64) + 1
        index = np.clip(index, 1, self.bins)
        index = np.where(rows < self.low, 0, np.where(rows > self.high, self.bins + 1, index))
        flat = index + (self.bins + 2) * np.arange(self.n_params)[None, :]
        self.counts += np.bincount(flat.ravel(), minlength=self.counts.size).reshape(self.counts.shape)
        self.n += rows.shape[0]
        return self

    def _bin_of_rank(self, cumulative: np.ndarray, rank: int) -> np.ndarray:
        return np.argmax(cumulative >= rank, axis=1)

    def _centre(self, slot: np.ndarray) -> np.ndarray:
        centre = self.low + (slot - 0.5) * self.width
        return np.where(slot == 0, self.low, np.where(slot == self.bins + 1, self.high, centre))

    def estimate(self) -> np.ndarray:
        """The median estimate ``(P,)``: average of the centres of the lower and upper medians' bins."""
        if self.n == 0:
            raise ValueError("HistogramMedian.estimate: no gradient has been added yet")
        cumulative = np.cumsum(self.counts, axis=1)
        lower = self._bin_of_rank(cumulative, (self.n + 1) // 2)
        upper = self._bin_of_rank(cumulative, self.n // 2 + 1)
        return 0.5 * (self._centre(lower) + self._centre(upper))

    def in_range(self) -> np.ndarray:
        """Per coordinate: both medians inside ``[low, high]`` (where the error bound holds)."""
        cumulative = np.cumsum(self.counts, axis=1)
        slots = [self._bin_of_rank(cumulative, rank) for rank in ((self.n + 1) // 2, self.n // 2 + 1)]
        return np.logical_and.reduce([(s >= 1) & (s <= self.bins) for s in slots])


class StochasticMedian:
    """Robbins-Monro median, :math:`m \\leftarrow m + (c/\\sqrt t)\\,\\mathrm{sign}(x - m)` (module docstring)."""

    def __init__(self, n_params: int, step: float = 1.0, start=0.0) -> None:
        self.n_params = check_positive_int(n_params, "n_params")
        if not (np.isfinite(step) and step > 0):
            raise ValueError(f"step must be finite and > 0, got {step!r}")
        self.step = float(step)
        self.m = np.array(np.broadcast_to(np.asarray(start, dtype=np.float64), (self.n_params,)))  # a scalar or (P,)
        self.n = 0

    @staticmethod
    def memory_bytes(n_params: int) -> int:
        return 8 * n_params + 8

    @property
    def nbytes(self) -> int:
        return self.m.nbytes + 8

    def update(self, gradients) -> StochasticMedian:
        for row in _rows(gradients, self.n_params, "StochasticMedian"):
            self.n += 1
            self.m += self.step / np.sqrt(self.n) * np.sign(row - self.m)
        return self

    def estimate(self) -> np.ndarray:
        if self.n == 0:
            raise ValueError("StochasticMedian.estimate: no gradient has been added yet")
        return self.m.copy()
