r"""Robust aggregators of per-example gradients: one interface for numpy (``sims``) and torch (``empirical``).

Draft, opening notes: "possible suboptimality of the median as an aggregator (we discard lots of info
depending on batch size)"; "Efficient streaming median: good explanation [here](https://arxiv.org/pdf/1802.10116)";
section "Poisoned batches": poisons inside a batch act as Byzantine gradients (Farhadkhani et al. 2022).

Every aggregator maps gradients ``x`` of shape ``(..., n, P)`` (``n`` per-example gradients :math:`x_1..x_n \in
\mathbb R^P` on the second-to-last axis, any leading axes, e.g. trajectories) to ``(..., P)``. One parameter
:math:`\beta \in [0, 1/2)`, the assumed fraction of corrupted gradients, sets the robust ones:
:math:`f = \lfloor \beta n \rfloor`. With :math:`x_{(1)j} \le \dots \le x_{(n)j}` the order statistics of
coordinate :math:`j`:

``mean``
    :math:`\frac1n \sum_i x_i`.
``median``
    coordinate-wise (marginal) median :math:`\tfrac12 (x_{(\lceil n/2 \rceil)j} + x_{(\lfloor n/2 \rfloor + 1)j})`
    (Yin, Chen, Ramchandran & Bartlett 2018, "Byzantine-robust distributed learning: towards optimal
    statistical rates", ICML, arXiv:1803.01498); equals ``np.median``.
``trimmed_mean``
    :math:`\frac{1}{n - 2f} \sum_{k=f+1}^{n-f} x_{(k)j}` (Yin et al. 2018, same paper; Tukey's trimmed mean).
``mean_around_median``
    MeaMed of Xie, Koyejo & Gupta 2018, "Generalized Byzantine-tolerant SGD", arXiv:1802.10116 (the paper
    the draft cites): per coordinate, the average of the :math:`b = n - f` values nearest the median,
    :math:`\frac1b \sum_{i \in N_j} x_{ij}`, :math:`N_j` the :math:`b` indices with the smallest
    :math:`|x_{ij} - \mathrm{med}_j|` (ties: lowest index).
``geometric_median``
    :math:`\arg\min_y \sum_i |x_i - y|_2` by Weiszfeld's iteration (Weiszfeld 1937) with the modification of
    Vardi & Zhang (2000), "The multivariate L1-median and associated data depth", PNAS 97(4), for iterates that
    land on a data point: with :math:`d_i = |x_i - y|`, :math:`\eta` the number of points at :math:`y`,
    :math:`\tilde T(y) = \sum_{d_i > 0} x_i/d_i \,/\, \sum_{d_i > 0} 1/d_i`, :math:`R = \sum_{d_i>0} (x_i - y)/d_i`,
    :math:`r = |R|`: :math:`T(y) = (1 - \min(1, \eta/r))\,\tilde T(y) + \min(1, \eta/r)\, y`. Stops (each batch on its own) when the
    step :math:`|T(y) - y| \le \mathrm{tol} \cdot s`, :math:`s = \max_i |x_i - \bar x|` (the data's radius), and
    returns the certificate :math:`f(y) - f^* \le 2 s\, g`, :math:`g = \max(r - \eta, 0)` the norm of the
    minimum-norm subgradient at :math:`y` (convexity, and :math:`y, y^*` in the convex hull, of diameter
    :math:`\le 2s`). Breakdown point :math:`\lfloor (n-1)/2 \rfloor / n` (Lopuhaä & Rousseeuw 1991); used for
    Byzantine SGD by Chen, Su & Xu 2017 and Pillutla, Kakade & Harchaoui 2022 (RFA).
``krum``, ``multi_krum``
    Blanchard, El Mhamdi, Guerraoui & Stainer 2017, "Machine learning with adversaries: Byzantine tolerant
    gradient descent", NeurIPS: score :math:`s(i) = \sum_{j \in N_i} |x_i - x_j|^2` over the :math:`n - f - 2`
    nearest neighbours :math:`N_i` of :math:`x_i`; Krum returns :math:`x_{i^*}`, :math:`i^* = \arg\min s(i)`
    (ties: lowest index); Multi-Krum the average of the :math:`m = n - f` best-scored gradients (El Mhamdi,
    Guerraoui & Rouault 2018). Needs :math:`n - 2f - 2 > 0`; with :math:`n \le 2` (no neighbour to count)
    every score is equal and Krum returns the first gradient.

Costs per step, :math:`n` gradients of :math:`P` parameters: mean :math:`O(nP)`; median, trimmed mean,
mean-around-median :math:`O(nP\log n)` (sorts); geometric median :math:`O(nP)` per Weiszfeld iteration;
Krum :math:`O(n^2 P)` (pairwise distances). ``benchmarks/bench_aggregators.py`` measures them.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

from theory.models.aggregation.backend import backend_of

__all__ = [
    "AGGREGATORS",
    "ROBUST",
    "DEFAULT_BETA",
    "GM_TOL",
    "GM_MAX_ITER",
    "AggregatorSpec",
    "parse_aggregator",
    "aggregate",
    "mean",
    "median",
    "trimmed_mean",
    "mean_around_median",
    "geometric_median",
    "weiszfeld",
    "krum",
    "multi_krum",
    "krum_scores",
    "corrupted_count",
    "WeiszfeldResult",
]

AGGREGATORS = ("mean", "median", "trimmed_mean", "mean_around_median", "geometric_median", "krum", "multi_krum")
#: The aggregators whose result is not the batch mean (they need every per-example gradient).
ROBUST = AGGREGATORS[1:]
DEFAULT_BETA = 0.2
#: Weiszfeld stops when its step is at most GM_TOL times the data's radius.
GM_TOL = 1e-8
GM_MAX_ITER = 1000


@dataclass(frozen=True)
class AggregatorSpec:
    """An aggregator name and its corrupted fraction ``beta`` (text form ``name`` or ``name:beta``)."""

    name: str
    beta: float = DEFAULT_BETA

    def __str__(self) -> str:
        return self.name if self.name in ("mean", "median", "geometric_median") else f"{self.name}:{self.beta:g}"


def _check_beta(beta: float) -> float:
    if not (isinstance(beta, (int, float)) and 0.0 <= beta < 0.5):
        raise ValueError(f"the corrupted (trim) fraction beta must be in [0, 0.5), got {beta!r}")
    return float(beta)


def parse_aggregator(spec: str | AggregatorSpec) -> AggregatorSpec:
    """``"trimmed_mean:0.1"`` -> ``AggregatorSpec("trimmed_mean", 0.1)``; unknown names and bad beta raise."""
    if isinstance(spec, AggregatorSpec):
        return AggregatorSpec(spec.name, _check_beta(spec.beta))
    name, _, beta_text = str(spec).partition(":")
    if name not in AGGREGATORS:
        raise ValueError(f"aggregator must be one of {AGGREGATORS} (optionally 'name:beta'), got {spec!r}")
    try:
        beta = float(beta_text) if beta_text else DEFAULT_BETA
    except ValueError:
        raise ValueError(f"aggregator {spec!r}: beta after ':' must be a number in [0, 0.5)") from None
    return AggregatorSpec(name, _check_beta(beta))


def _validate(x: Any, what: str = "gradients") -> int:
    """Number of gradients ``n``; clear errors for something that is not a real numeric array (a list, strings,
    objects, complex numbers), a missing batch axis, an empty batch, NaN or inf."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or not hasattr(x, "ndim"):
        raise ValueError(
            f"{what} must be a numpy array or torch tensor of shape (..., n, P), got {type(x).__name__}; "
            "convert it with numpy.asarray"
        )
    kind = getattr(dtype, "kind", None)  # numpy: b(ool) i u f c O U ...; torch dtypes have none
    if kind == "O":  # high precision: mpmath numbers in an object array (theory.models.aggregation.backend)
        foreign = [v for v in x.flat if not isinstance(v, numbers.Real) or isinstance(v, bool)][:1]
        if foreign:
            raise ValueError(
                f"{what} of dtype object must hold real numbers (mpmath mpf, int, float), got "
                f"{type(foreign[0]).__name__} {foreign[0]!r:.40}"
            )
    elif (kind not in ("i", "u", "f")) if kind is not None else (dtype.is_complex or str(dtype) == "torch.bool"):
        raise ValueError(f"{what} must hold real numbers, got dtype {dtype}")
    if x.ndim < 2:
        raise ValueError(f"{what} must have shape (..., n, P), got shape {tuple(x.shape)}")
    n = x.shape[-2]
    if n == 0 or x.shape[-1] == 0:
        raise ValueError(f"{what}: empty batch (shape {tuple(x.shape)}); aggregate at least one gradient")
    ops = backend_of(x)
    if not ops.all_finite(x):
        raise ValueError(
            f"{what} contain {ops.count_nonfinite(x)} NaN or infinite entries; "
            "fix the loss or the learning rate (a diverged run) before aggregating"
        )
    return n


def corrupted_count(n: int, beta: float) -> int:
    """:math:`f = \\lfloor \\beta n \\rfloor`, the number of corrupted gradients the aggregator tolerates."""
    return int(math.floor(_check_beta(beta) * n + 1e-12))


def mean(x: Any) -> Any:
    """:math:`\\frac1n\\sum_i x_i` over the batch axis."""
    _validate(x)
    return backend_of(x).mean(x, -2)


def _median(x: Any, ops) -> Any:
    n = x.shape[-2]
    s = ops.sort(x, -2)
    return 0.5 * (s[..., (n - 1) // 2, :] + s[..., n // 2, :])


def median(x: Any) -> Any:
    """Coordinate-wise median (module docstring); the average of the two middle values when ``n`` is even."""
    _validate(x)
    return _median(x, backend_of(x))


def trimmed_mean(x: Any, beta: float = DEFAULT_BETA) -> Any:
    """Coordinate-wise mean of the order statistics ``f+1 .. n-f``, :math:`f = \\lfloor\\beta n\\rfloor`."""
    n = _validate(x)
    f = corrupted_count(n, beta)
    ops = backend_of(x)
    return ops.mean(ops.sort(x, -2)[..., f : n - f, :], -2)


def mean_around_median(x: Any, beta: float = DEFAULT_BETA) -> Any:
    """Xie et al. (2018) MeaMed: per coordinate, the mean of the ``n - f`` values nearest the median."""
    n = _validate(x)
    keep = n - corrupted_count(n, beta)
    ops = backend_of(x)
    centre = _median(x, ops)
    nearest = ops.argsort(abs(x - centre[..., None, :]), -2)[..., :keep, :]
    return ops.mean(ops.take_along(x, nearest, -2), -2)


def _squared_distances(x: Any, ops) -> Any:
    squares = ops.sum(x * x, -1)
    gram = x @ ops.swap_last(x)
    return ops.maximum(squares[..., :, None] + squares[..., None, :] - 2.0 * gram, 0.0)


def krum_scores(x: Any, f: int) -> Any:
    """Blanchard et al. (2017) scores ``(..., n)``: sum of squared distances to the ``n - f - 2`` nearest others."""
    n = _validate(x)
    if n >= 3 and not n - 2 * f - 2 > 0:
        raise ValueError(
            f"Krum needs n - 2f - 2 > 0 (Blanchard et al. 2017), got n = {n}, f = {f}; lower beta or use a larger batch"
        )
    ops = backend_of(x)
    distances = _squared_distances(x, ops)
    distances = ops.where(ops.eye_like(n, x), float("inf"), distances)
    neighbours = max(n - f - 2, 0)
    return ops.sum(ops.sort(distances, -1)[..., :neighbours], -1)


def _best(x: Any, scores: Any, m: int, ops) -> Any:
    order = ops.argsort(scores, -1)[..., :m]
    index = ops.expand_index(order[..., None], tuple(order.shape) + (x.shape[-1],))
    return ops.mean(ops.take_along(x, index, -2), -2)


def krum(x: Any, beta: float = DEFAULT_BETA) -> Any:
    """Krum: the gradient with the smallest score, :math:`f = \\lfloor\\beta n\\rfloor`."""
    n = _validate(x)
    ops = backend_of(x)
    return _best(x, krum_scores(x, corrupted_count(n, beta)), 1, ops)


def multi_krum(x: Any, beta: float = DEFAULT_BETA) -> Any:
    """Multi-Krum: the mean of the ``m = n - f`` best-scored gradients."""
    n = _validate(x)
    f = corrupted_count(n, beta)
    ops = backend_of(x)
    return _best(x, krum_scores(x, f), n - f, ops)


@dataclass
class WeiszfeldResult:
    """The geometric median ``point`` ``(..., P)``, iterations used, the final relative step and the
    certificate ``gap_bound`` ``(...)``: :math:`f(y) - f^* \\le` ``gap_bound`` (module docstring)."""

    point: Any
    iterations: int
    relative_step: float
    gap_bound: Any


def _weiszfeld_map(x: Any, y: Any, atol: Any, ops) -> tuple[Any, Any]:
    """One Vardi-Zhang step from ``y``; also the norm of the minimum-norm subgradient at ``y``."""
    diff = x - y[..., None, :]
    dist = ops.sqrt(ops.sum(diff * diff, -1))
    coincide = dist <= atol[..., None]
    tiny = ops.tiny(x)
    inverse = ops.where(coincide, 0.0, 1.0 / ops.where(coincide, 1.0, dist))
    weight = ops.sum(inverse, -1)
    eta = ops.sum(coincide * 1.0, -1)
    pull = ops.sum(inverse[..., None] * diff, -2)
    r = ops.sqrt(ops.sum(pull * pull, -1))
    tilde = ops.sum(inverse[..., None] * x, -2) / ops.maximum(weight, tiny)[..., None]
    share = ops.where(eta > 0, ops.minimum(eta / ops.maximum(r, tiny), 1.0), 0.0)
    share = ops.where(weight > 0, share, 1.0)  # every point at y: y is the median
    new = (1.0 - share)[..., None] * tilde + share[..., None] * y
    return new, ops.maximum(r - eta, 0.0)


def _nearest_data_point(x: Any, y: Any, atol: Any, ops, with_subgradient: bool = False):
    """The data point nearest ``y`` and whether it is a geometric median (:math:`r \\le \\eta` there)."""
    gaps = x - y[..., None, :]
    nearest = ops.argsort(ops.sum(gaps * gaps, -1), -1)[..., :1]
    candidate = ops.take_along(x, ops.expand_index(nearest[..., None], tuple(nearest.shape) + (x.shape[-1],)), -2)
    candidate = candidate[..., 0, :]
    _, subgradient = _weiszfeld_map(x, candidate, atol, ops)
    return (candidate, subgradient <= 0, subgradient) if with_subgradient else (candidate, subgradient <= 0)


def weiszfeld(x: Any, tol: float = GM_TOL, max_iter: int = GM_MAX_ITER) -> WeiszfeldResult:
    r"""Geometric median by the Vardi-Zhang modified Weiszfeld iteration, from the mean (module docstring).

    Iterates stay in the convex hull. At the end the data point nearest the iterate is tested as well (it is
    the median iff :math:`r \le \eta` there) and the one with the smaller certificate is returned: Weiszfeld
    approaches a median sitting on a data point only slowly. A point within ``32 u s`` of the iterate (``u`` the unit roundoff of
    the dtype, ``s`` the data's radius) counts as landed on. Warns if ``max_iter`` is reached first.
    """
    _validate(x)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    if x.ndim == 2:  # one batch: keep a leading axis, so that per-batch quantities stay arrays (not 0-d scalars)
        single = weiszfeld(x[None], tol, max_iter)
        return WeiszfeldResult(single.point[0], single.iterations, single.relative_step, single.gap_bound[0])
    ops = backend_of(x)
    leading = tuple(x.shape[:-2])
    x = x.reshape((-1,) + tuple(x.shape[-2:]))  # one row per batch; only the unconverged rows iterate
    y = ops.copy(ops.mean(x, -2))
    spread = x - y[:, None, :]
    radius = ops.maximum(ops.amax(ops.sqrt(ops.sum(spread * spread, -1)), -1), ops.tiny(x))
    atol = 32 * ops.unit_roundoff(x) * radius
    rows = ops.arange_like(x.shape[0], x)
    step = float("inf")
    iterations = 0
    for iterations in range(1, max_iter + 1):
        xa, ya, scale = x[rows], y[rows], radius[rows]
        new, _ = _weiszfeld_map(xa, ya, atol[rows], ops)
        moved = new - ya
        steps = ops.sqrt(ops.sum(moved * moved, -1)) / scale
        keep = steps > tol
        if iterations % 8 == 0:  # a median on a data point is approached slowly: test the nearest one now and then
            candidate, optimal = _nearest_data_point(xa, new, atol[rows], ops)
            new = ops.where(optimal[:, None], candidate, new)
            keep = keep & ~optimal
        y[rows] = new
        step = ops.max_all(ops.where(keep, steps, 0.0))
        rows = rows[keep]
        if rows.shape[0] == 0:
            break
    else:
        warnings.warn(
            f"Weiszfeld stopped after max_iter={max_iter} iterations with relative step {float(step):.2e} > "
            f"tol={float(tol):.1e} in {rows.shape[0]} of {x.shape[0]} batches",
            RuntimeWarning,
            stacklevel=2,
        )
    # Weiszfeld approaches a median that is a data point only linearly: test the nearest data point too and
    # keep whichever has the smaller certificate (a data point x_k is the median iff r(x_k) <= eta(x_k))
    _, subgradient = _weiszfeld_map(x, y, atol, ops)
    candidate, _, candidate_subgradient = _nearest_data_point(x, y, atol, ops, with_subgradient=True)
    better = candidate_subgradient < subgradient
    y = ops.where(better[..., None], candidate, y)
    subgradient = ops.where(better, candidate_subgradient, subgradient)
    return WeiszfeldResult(
        y.reshape(leading + (y.shape[-1],)), iterations, step, (2.0 * radius * subgradient).reshape(leading)
    )


def geometric_median(x: Any, tol: float = GM_TOL, max_iter: int = GM_MAX_ITER) -> Any:
    """The geometric median's point (see :func:`weiszfeld`)."""
    return weiszfeld(x, tol, max_iter).point


def aggregate(x: Any, spec: str | AggregatorSpec = "mean") -> Any:
    """Aggregate ``(..., n, P)`` gradients with the aggregator ``spec`` (``name`` or ``name:beta``)."""
    parsed = parse_aggregator(spec)
    if parsed.name in ("mean", "median", "geometric_median"):
        return {"mean": mean, "median": median, "geometric_median": geometric_median}[parsed.name](x)
    return {
        "trimmed_mean": trimmed_mean,
        "mean_around_median": mean_around_median,
        "krum": krum,
        "multi_krum": multi_krum,
    }[parsed.name](x, parsed.beta)
