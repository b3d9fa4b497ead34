"""Input validation shared by `theory`, `sims` and `empirical`.

Every public function of the package checks its arguments with these helpers, so that bad input
fails early with a :class:`ValueError` naming the argument, what it received and the expected form
(guide: "Bad input gets a clear error").
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

__all__ = [
    "check_learning_rate",
    "check_positive",
    "check_vector",
    "check_matrix",
    "check_finite_scalar",
    "check_positive_int",
    "check_same_length",
]


def check_finite_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` if it is not a finite real number."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a finite real number, got the boolean {value!r}")
    if not isinstance(value, (Real, np.floating, np.integer)):
        try:
            value = float(value)  # mpmath numbers, 0-d arrays
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a finite real number, got {value!r}") from None
    as_float = float(value)
    if not math.isfinite(as_float):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return as_float


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise ``ValueError``."""
    as_float = check_finite_scalar(value, name)
    if as_float <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return as_float


def check_learning_rate(lr: Any, name: str = "lr") -> float:
    """Validate a learning rate: a finite real number > 0 (the draft's lambda, section Notations)."""
    as_float = check_finite_scalar(lr, name)
    if as_float <= 0:
        raise ValueError(
            f"{name} must be a learning rate > 0, got {lr!r}; gradient ascent is expressed by the "
            "ascent functions, not by a negative learning rate"
        )
    return as_float


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_vector(value: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 1-d float64 array (of length ``dim`` if given)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-d array of real numbers, got {type(value).__name__}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d vector of shape (p,), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must have at least one entry, got an empty vector")
    if dim is not None and array.shape[0] != dim:
        raise ValueError(f"{name} must have shape ({dim},) to match the other arguments, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got non-finite entries at {np.flatnonzero(~np.isfinite(array))[:5].tolist()}")
    return array


def check_matrix(value: Any, name: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 2-d float64 array with the given shape constraints."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-d array of real numbers, got {type(value).__name__}") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-d matrix of shape (n, p), got shape {array.shape}")
    if rows is not None and array.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows, got shape {array.shape}")
    if cols is not None and array.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} columns to match the parameter dimension, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, found non-finite entries")
    return array


def check_same_length(first: np.ndarray, second: np.ndarray, first_name: str, second_name: str) -> None:
    """Raise ``ValueError`` unless both arrays have the same leading length."""
    if len(first) != len(second):
        raise ValueError(
            f"{first_name} and {second_name} must have the same length, got {len(first)} and {len(second)}"
        )
