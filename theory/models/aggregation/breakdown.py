r"""Breakdown points of the aggregators: how many corrupted gradients each one survives, with constructions.

A batch holds :math:`n - a` honest gradients of norm at most :math:`R` (per coordinate in
:math:`[\ell_j, u_j]`, width :math:`D_j = u_j - \ell_j`) and :math:`a` corrupted ones, anywhere. The aggregator
*survives* :math:`a` corruptions when its output stays within a bound that depends on the honest points only;
it *breaks* when some placement of the :math:`a` points drives the output to infinity. Its breakdown point is
:math:`f^*(n)/n`, :math:`f^*` the most corruptions it survives (Donoho & Huber 1983). With
:math:`f = \lfloor \beta n \rfloor` the aggregator's parameter:

=====================  =====================================  ===============================================
aggregator             survives :math:`a \le`, with the bound  breaks at (construction: all at :math:`M u`)
=====================  =====================================  ===============================================
mean                   0                                       :math:`a = 1`
median                 :math:`\lfloor (n-1)/2 \rfloor`;        :math:`a = \lfloor (n-1)/2 \rfloor + 1`
                       :math:`A_j \in [\ell_j, u_j]`
trimmed mean           :math:`f`; :math:`A_j \in [\ell_j, u_j]`  :math:`a = f + 1`
mean-around-median     :math:`f`;                               :math:`a = f + 1`
                       :math:`A_j \in [\ell_j - D_j, u_j + D_j]`
geometric median       :math:`\lfloor (n-1)/2 \rfloor`;        :math:`a = \lfloor (n-1)/2 \rfloor + 1`
                       :math:`|A| \le (2(n-a)R + \epsilon)/(n-2a)`  (honest points not collinear when :math:`n` even)
Krum, Multi-Krum       :math:`f` (needs :math:`n - 2f - 2 > 0`);  :math:`a = n - f - 1` (first in the batch:
                       :math:`|A| \le R(1 + 2\sqrt{n-f-2})`      ties go to the lowest index)
=====================  =====================================  ===============================================

Proofs. *Median, trimmed mean*: at most :math:`a \le f` values of a coordinate are corrupted, so every order
statistic of rank :math:`f+1..n-f` is bracketed by honest values. *Mean-around-median*: its median is
bracketed as above, and the :math:`n - a \ge n - f` honest values lie within :math:`D_j` of it, so every kept
value does too. *Geometric median* (:math:`g(y) = \sum_i |x_i - y|`): for :math:`|y| = t`, honest terms exceed
their value at 0 by at least :math:`t - 2R`, corrupted ones fall by at most :math:`t`, so
:math:`g(y) - g(0) \ge (n - 2a)t - 2(n - a)R`; an output with certificate :math:`g(y) - g^* \le \epsilon`
(:func:`~theory.models.aggregation.robust.weiszfeld`) has :math:`t \le (2(n-a)R + \epsilon)/(n - 2a)`; for
:math:`a \ge n/2` a cluster of :math:`a` points at :math:`Mu` is a minimiser (:math:`r \le \eta` there).
*Krum* (Blanchard et al. 2017, Prop. 1 in deterministic form): an honest point's :math:`k = n - f - 2`
nearest can all be honest (:math:`n - a - 1 \ge k`), so the best score is at most :math:`k(2R)^2`; the selected
point's :math:`k` nearest hold at least :math:`k - a \ge n - 2f - 2 > 0` honest ones, so it lies within
:math:`2R\sqrt k` of an honest point. With :math:`a = n - f - 1 = k + 1` identical corrupted points placed
first, their score is 0 and Krum selects one. Between :math:`f` and :math:`n - f - 1` these constructions
decide nothing.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from theory.models.aggregation import robust

__all__ = ["AGGREGATOR_NAMES", "survives", "breaks_at", "honest_bound_holds", "run"]

AGGREGATOR_NAMES = robust.AGGREGATORS


def survives(name: str, n: int, f: int) -> int:
    """The most corruptions :math:`a` the aggregator survives (table of the module docstring)."""
    if name == "mean":
        return 0
    if name in ("median", "geometric_median"):
        return (n - 1) // 2
    return f


def breaks_at(name: str, n: int, f: int) -> int:
    """The number of corruptions at which the construction drives the output to infinity."""
    if name in ("krum", "multi_krum"):
        return n - f - 1
    return survives(name, n, f) + 1


def run(name: str, batch: np.ndarray, f: int, n: int) -> tuple[np.ndarray, Any]:
    """The aggregate of a ``(n, P)`` object array at the current mpmath precision, and the geometric
    median's certificate (0 for the others). ``f`` sets beta = f / n."""
    beta = f / n
    if name == "geometric_median":
        result = robust.weiszfeld(batch, tol=mpmath.mpf(10) ** (-(mpmath.mp.dps // 2)), max_iter=20_000)
        return result.point, result.gap_bound
    return robust.aggregate(batch, f"{name}:{beta!r}" if name not in ("mean", "median") else name), 0


def honest_bound_holds(
    name: str, output: np.ndarray, honest: np.ndarray, a: int, n: int, f: int, certificate: Any
) -> tuple[bool, str]:
    """Whether ``output`` obeys the survival bound of the module docstring, given the honest points."""
    low, high = honest.min(axis=0), honest.max(axis=0)
    radius = max(mpmath.sqrt(sum(v * v for v in row)) for row in honest)
    if name in ("mean", "median", "trimmed_mean"):
        ok = all(low[j] <= output[j] <= high[j] for j in range(len(output)))
        return ok, f"output {[mpmath.nstr(v, 6) for v in output]} vs honest ranges"
    if name == "mean_around_median":
        width = high - low
        ok = all(low[j] - width[j] <= output[j] <= high[j] + width[j] for j in range(len(output)))
        return ok, "output vs honest ranges widened by their width"
    norm = mpmath.sqrt(sum(v * v for v in output))
    if name == "geometric_median":
        bound = (2 * (n - a) * radius + certificate) / (n - 2 * a)
    else:
        bound = radius * (1 + 2 * mpmath.sqrt(n - f - 2))
    return norm <= bound, f"|output| {mpmath.nstr(norm, 6)} vs bound {mpmath.nstr(bound, 6)}"
