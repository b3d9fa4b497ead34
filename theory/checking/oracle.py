"""The mpmath high-precision oracle.

Float64 inputs are converted *exactly* to mpmath numbers (every binary64 value is a dyadic
rational), the statement is evaluated at :data:`theory.checking.error_model.ORACLE_DPS` decimal digits
(60), and the result is compared with the error model of :mod:`theory.checking.error_model` at that
precision. Vectors are numpy object arrays of ``mpf``, so the dtype-generic ``*_core`` functions of
:mod:`theory.models.linear_regression` run unchanged in high precision.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import mpmath
import numpy as np

from theory.checking.error_model import ORACLE_DPS, oracle_tolerance

__all__ = ["precision", "mp_vector", "mp_scalar", "mp_norm", "mp_max_abs", "relative_gap", "abs_vector"]


@contextmanager
def precision(dps: int = ORACLE_DPS) -> Iterator[None]:
    """Evaluate the block with mpmath at ``dps`` decimal digits."""
    with mpmath.workdps(dps):
        yield


def mp_scalar(value: float) -> mpmath.mpf:
    """The exact mpmath value of a float (or a number parsed at the current precision)."""
    return mpmath.mpf(value)


def mp_vector(values: Sequence[float]) -> np.ndarray:
    """An object array of exact ``mpf`` entries."""
    return np.array([mpmath.mpf(value) for value in values], dtype=object)


def abs_vector(vector: np.ndarray) -> np.ndarray:
    """Entrywise absolute value of an object array of ``mpf``."""
    return np.array([abs(entry) for entry in vector], dtype=object)


def mp_norm(vector: np.ndarray) -> mpmath.mpf:
    """Euclidean norm of an object array of ``mpf``."""
    return mpmath.sqrt(mpmath.fsum(entry * entry for entry in vector))


def mp_max_abs(vector: np.ndarray) -> mpmath.mpf:
    """Largest absolute entry (0 for an empty vector)."""
    return max((abs(entry) for entry in vector), default=mpmath.mpf(0))


def relative_gap(left: np.ndarray, right: np.ndarray, magnitude: float, depth: int) -> tuple[float, float]:
    """``(max |left - right|, tolerance)`` at oracle precision for an identity between two vectors.

    The tolerance is the oracle error model ``gamma(depth) * magnitude`` at ORACLE_DPS digits, where
    ``magnitude`` bounds the absolute-value evaluation of both sides.
    """
    gap = mp_max_abs(left - right)
    return float(gap), oracle_tolerance(depth, magnitude)
