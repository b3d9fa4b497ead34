"""Hypothesis strategies for the draft's objects: dimensions, learning rates, data scales, data points.

In the spirit of ``hypothesis.extra.numpy``: the dimension is drawn first and the arrays are built
from it. Entries are drawn one by one (so they shrink to readable counterexamples) up to
``EXPLICIT_ENTRIES`` coordinates; beyond that, a drawn seed and scale fill the vector from a
Gaussian generator, which keeps draws fast for ``p`` up to 512 and beyond (field notes: arrays get
slow beyond a few hundred drawn elements).

Every strategy returns plain Python floats and lists, so a case is JSON-serialisable: it can be
stored in the registry as a counterexample and replayed with ``@example``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "EXPLICIT_ENTRIES",
    "MAX_DIMENSION",
    "LR_DECADES",
    "SCALE_DECADES",
    "dimensions",
    "log_uniform",
    "learning_rates",
    "scales",
    "vectors",
    "linear_points",
    "point_pairs",
    "near_singular_points",
    "iteration_points",
    "LINEAR_POINT_RANGES",
    "POINT_PAIR_RANGES",
    "NEAR_SINGULAR_RANGES",
    "ITERATION_RANGES",
    "ITERATION_ORACLE_MAX_DIM",
    "ITERATION_ORACLE_RANGES",
    "SIGNED_LR_RANGES",
    "POSITIVE_LR_RANGES",
    "signed_ranges",
    "positive_ranges",
]

#: Up to this many coordinates, entries are drawn individually (shrinkable).
EXPLICIT_ENTRIES = 12
#: Largest dimension drawn by default (the issue asks for 1 to at least 512).
MAX_DIMENSION = 512
#: Decades of learning rate drawn by default: 1e-8 to 1e2 (ten decades).
LR_DECADES = (-8.0, 2.0)
#: Decades of data scale drawn by default: 1e-3 to 1e3.
SCALE_DECADES = (-3.0, 3.0)


def dimensions(max_dim: int = MAX_DIMENSION, min_dim: int = 1) -> st.SearchStrategy[int]:
    """Dimensions ``p`` in ``[min_dim, max_dim]``, half of the draws small (<= 8) where shrinking reads well."""
    small = st.integers(min_dim, max(min_dim, min(8, max_dim)))
    return st.one_of(small, st.integers(min_dim, max_dim))


def log_uniform(decades: tuple[float, float]) -> st.SearchStrategy[float]:
    """``10**e`` with ``e`` uniform in ``decades``; shrinks toward ``e = 0`` (the value 1)."""
    low, high = decades
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda exponent: float(10.0**exponent))


def learning_rates(decades: tuple[float, float] = LR_DECADES, signed: bool = True) -> st.SearchStrategy[float]:
    """Learning rates with magnitude log-uniform over ``decades`` (default 1e-8 to 1e2).

    By default (``signed=True``) they come from the draft's stated domain, "lambda in R" (section Notations): the
    sign is drawn, negative in half of the draws (a negative rate is an ascent step). A lemma that needs lambda > 0
    says so as a premise (``premises_met=False``), so a hidden sign premise is found by the fuzzer instead of being
    built into the strategy. ``signed=False`` (lambda > 0) is for checks of a float64 implementation whose domain is
    lambda > 0 (``theory.models.linear_regression`` refuses lr <= 0: ascent has its own functions) and for error
    models written for lambda > 0; such a check says so in its ranges.
    """
    magnitudes = log_uniform(decades)
    if not signed:
        return magnitudes
    return st.tuples(st.sampled_from([1.0, -1.0]), magnitudes).map(lambda pair: pair[0] * pair[1])


def scales(decades: tuple[float, float] = SCALE_DECADES) -> st.SearchStrategy[float]:
    """Data scales log-uniform over ``decades`` (default 1e-3 to 1e3)."""
    return log_uniform(decades)


@st.composite
def vectors(draw: st.DrawFn, dim: int, scale: float = 1.0) -> list[float]:
    """A vector of length ``dim`` with entries of size about ``scale``.

    Small dimensions draw each entry in ``[-scale, scale]``; large ones draw a seed and sample a
    standard Gaussian vector times ``scale`` (the first entries stay drawn, so shrinking still acts).
    """
    explicit = draw(
        st.lists(
            st.floats(-1.0, 1.0, allow_nan=False, allow_subnormal=False),
            min_size=min(dim, EXPLICIT_ENTRIES),
            max_size=min(dim, EXPLICIT_ENTRIES),
        )
    )
    entries = list(explicit)
    if dim > EXPLICIT_ENTRIES:
        seed = draw(st.integers(0, 2**32 - 1))
        entries.extend(np.random.default_rng(seed).standard_normal(dim - EXPLICIT_ENTRIES).tolist())
    return [float(scale * entry) for entry in entries]


@st.composite
def linear_points(
    draw: st.DrawFn, max_dim: int = MAX_DIMENSION, lr_decades: tuple[float, float] = LR_DECADES, signed: bool = True
) -> dict[str, Any]:
    """A linear-regression case ``{"theta", "x", "y", "lr"}`` with independent scales for x and theta
    (``signed=True``: lr drawn from the draft's lambda in R, see :func:`learning_rates`)."""
    dim = draw(dimensions(max_dim))
    x_scale, theta_scale = draw(scales()), draw(scales())
    return {
        "theta": draw(vectors(dim, theta_scale)),
        "x": draw(vectors(dim, x_scale)),
        "y": float(draw(st.floats(-1.0, 1.0)) * draw(scales())),
        "lr": draw(learning_rates(lr_decades, signed)),
    }


@st.composite
def point_pairs(
    draw: st.DrawFn, max_dim: int = MAX_DIMENSION, lr_decades: tuple[float, float] = LR_DECADES, signed: bool = True
) -> dict[str, Any]:
    """Two data points ``z = (x, y)``, ``z' = (x2, y2)``, a parameter ``theta`` and a learning rate (lr in R unless
    ``signed=False``)."""
    case = draw(linear_points(max_dim, lr_decades, signed))
    dim = len(case["x"])
    case["x2"] = draw(vectors(dim, draw(scales())))
    case["y2"] = float(draw(st.floats(-1.0, 1.0)) * draw(scales()))
    return case


#: What :func:`linear_points` draws, for the evidence of a check.
#: How a signed draw reads in the evidence (the draft's domain "lambda in R").
SIGNED_LR_RANGES = "lr in R: sign drawn (+-), magnitude log-uniform in [1e-8, 1e2]"
#: How an unsigned draw reads (checks whose implementation or error model needs lambda > 0).
POSITIVE_LR_RANGES = (
    "lr log-uniform in [1e-8, 1e2] (lr > 0 only: the float64 implementation's domain and its error model)"
)
LINEAR_POINT_RANGES = f"p in [1, 512]; {SIGNED_LR_RANGES}; |x|, |theta| scales log-uniform in [1e-3, 1e3]; |y| <= 1e3"
#: What :func:`point_pairs` draws.
POINT_PAIR_RANGES = (
    f"p in [1, 512]; {SIGNED_LR_RANGES}; |x|, |x'|, |theta| scales log-uniform in [1e-3, 1e3]; |y|, |y'| <= 1e3"
)
NEAR_SINGULAR_RANGES = (
    LINEAR_POINT_RANGES + "; half of the draws replace lr by (1 +- 10^e) / |x|^2, e in [-15, -0.3] "
    "(lr |x|^2 within 1e-15 of the singular value 1)"
)
ITERATION_RANGES = (
    "p in [1, 512]; q = lr |x|^2 with a drawn sign (lr in R), |q| log-uniform in [1e-8, 10] (half of "
    "the draws within 10^-15..10^-0.3 of +-1); |x|, |theta| scales log-uniform in [1e-3, 1e3]; "
    "|y| <= 1e3; K in [0, 20]"
)


def signed_ranges(ranges: str) -> str:
    """``ranges`` as drawn from the draft's lambda in R (the default ranges already say so; kept for clarity)."""
    return ranges.replace(POSITIVE_LR_RANGES, SIGNED_LR_RANGES)


def positive_ranges(ranges: str) -> str:
    """``ranges`` for a ``signed=False`` draw (lambda > 0), saying why."""
    return (
        ranges.replace(SIGNED_LR_RANGES, POSITIVE_LR_RANGES)
        .replace("q = lr |x|^2 with a drawn sign (lr in R), |q| log-uniform", "q = lr |x|^2 > 0 log-uniform")
        .replace("of +-1)", "of 1; lr > 0 only: the float64 implementation's domain and its error model)")
    )


#: The 60-digit runs of the O(pK) step iterations are capped in dimension to stay fast.
ITERATION_ORACLE_MAX_DIM = 48
ITERATION_ORACLE_RANGES = ITERATION_RANGES.replace(
    "p in [1, 512]", f"p in [1, {ITERATION_ORACLE_MAX_DIM}] (O(pK) mpmath iterations)"
)


def _near_one(draw: st.DrawFn) -> float:
    """1 +- 10^e with e uniform in [-15, -0.3]: a step size lr |x|^2 close to the singular value 1."""
    return 1.0 + draw(st.sampled_from([-1.0, 1.0])) * 10.0 ** draw(st.floats(-15.0, -0.3))


@st.composite
def near_singular_points(draw: st.DrawFn, max_dim: int = MAX_DIMENSION, signed: bool = True) -> dict[str, Any]:
    """:func:`linear_points`; half of the draws move lr to (1 +- 10^e) / |x|^2 (condition 1/|1 - lr|x|^2| up to 1e15)."""
    case = draw(linear_points(max_dim, signed=signed))
    norm2 = float(np.dot(case["x"], case["x"]))
    if norm2 > 1e-200 and draw(st.booleans()):
        lr = _near_one(draw) / norm2
        if np.isfinite(lr):
            case["lr"] = float(lr)
    return case


@st.composite
def iteration_points(draw: st.DrawFn, max_dim: int = MAX_DIMENSION, signed: bool = True) -> dict[str, Any]:
    """A case with lr = q / |x|^2 for a drawn q (half near 1, half log-uniform in [1e-8, 10]) and K = ``terms`` in [0, 20].

    ``signed=True`` (default): q (so lr) gets a drawn sign, the draft's lambda in R (near -1 as well as near 1)."""
    case = draw(linear_points(max_dim, signed=signed))
    norm2 = float(np.dot(case["x"], case["x"]))
    if norm2 > 1e-200:
        q = _near_one(draw) if draw(st.booleans()) else draw(log_uniform((-8.0, 1.0)))
        if signed:
            q *= draw(st.sampled_from([1.0, -1.0]))
        if np.isfinite(q / norm2):
            case["lr"] = float(q / norm2)
    case["terms"] = draw(st.integers(0, 20))
    return case
