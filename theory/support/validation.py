"""Input validation shared by `theory`, `sims` and `empirical`.

Every public function of the package checks its arguments with these helpers, so that bad input
fails early with a :class:`ValueError` naming the argument, what it received and the expected form
(guide: "Bad input gets a clear error").
"""

from __future__ import annotations

import math
import os
from numbers import Real
from pathlib import Path
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
    "check_memory",
    "memory_budget_bytes",
    "check_output_dir",
    "MAX_ITERATIONS",
]

#: Cap on loop counts given by the caller (Neumann terms, fixed-point iterations): past it a call would
#: run for minutes to hours in a Python loop, and float64 partial sums stopped changing long before.
MAX_ITERATIONS = 1_000_000

#: Memory a single array (or a run's records) may take unless NONCOMMUTE_MEMORY_BUDGET says otherwise.
DEFAULT_MEMORY_BUDGET = 8 * 2**30


def check_finite_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` if it is not a finite real number."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a finite real number, got the boolean {value!r}")
    if isinstance(value, (complex, np.complexfloating)) or np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real number, got the complex {value!r}")
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


def check_positive_int(value: Any, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int >= ``minimum`` (and <= ``maximum`` if given) or raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum:,}, got {value:,}; use a smaller count")
    return int(value)


def check_vector(value: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 1-d float64 array (of length ``dim`` if given)."""
    _reject_complex(value, name)
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
        raise ValueError(
            f"{name} must be finite, got non-finite entries at {np.flatnonzero(~np.isfinite(array))[:5].tolist()}"
        )
    return array


def check_matrix(value: Any, name: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 2-d float64 array with the given shape constraints."""
    _reject_complex(value, name)
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


def _reject_complex(value: Any, name: str) -> None:
    """Complex input would be cast to float64 with its imaginary part dropped: refuse it instead."""
    try:
        complex_input = np.iscomplexobj(value) or np.iscomplexobj(np.asarray(value))
    except (TypeError, ValueError):
        return  # ragged or foreign: the float64 conversion reports it
    if complex_input:
        raise ValueError(f"{name} must be real, got complex entries; pass the real part explicitly if that is meant")


def memory_budget_bytes() -> int:
    """The memory budget: ``$NONCOMMUTE_MEMORY_BUDGET`` (bytes, or with a K/M/G/T suffix), else 8 GiB."""
    text = os.environ.get("NONCOMMUTE_MEMORY_BUDGET", "").strip()
    if not text:
        return DEFAULT_MEMORY_BUDGET
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    scale = units.get(text[-1].upper(), 1)
    try:
        value = float(text[:-1] if text[-1].upper() in units else text) * scale
    except ValueError:
        raise ValueError(f"NONCOMMUTE_MEMORY_BUDGET must be a size such as 16G or 2000000000, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"NONCOMMUTE_MEMORY_BUDGET must be a positive size, got {text!r}")
    return int(value)


def _size(nbytes: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes:,.0f} bytes"


def check_memory(nbytes: float, what: str) -> None:
    """Raise ``ValueError`` when ``what`` would take more than the memory budget (checked before allocating)."""
    budget = memory_budget_bytes()
    if nbytes > budget:
        raise ValueError(
            f"{what} would need {_size(nbytes)} of memory, over the budget of {_size(budget)}; "
            "use smaller sizes or raise NONCOMMUTE_MEMORY_BUDGET (e.g. 64G)"
        )


def check_output_dir(path: Any, option: str = "--out") -> Path:
    """``path`` as a folder that exists or can be created: not a file, nor under one. Creates nothing."""
    folder = Path(path)
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise ValueError(f"{option} {folder}: {candidate} is a file, not a folder; give a folder path")
            if not os.access(candidate, os.W_OK):
                raise ValueError(f"{option} {folder}: {candidate} is not writable; give a folder you can write to")
            break
    return folder
