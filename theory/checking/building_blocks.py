"""Building blocks shared by the lemma modules: symbolic vectors, exact cases, comparisons.

* :func:`symbolic_vector`, :func:`is_zero_matrix` -- sympy proofs in a fixed dimension. Statements
  built from inner products of ``k`` vectors are invariant under rotations and every ``k`` vectors of
  ``R^p`` lie in a ``k``-dimensional subspace, so a polynomial identity in those vectors that holds
  for generic symbolic vectors of ``R^k`` holds in every dimension ``p``; the proofs use ``p = k``
  (and say so) for that reason.
* :func:`mp_case` -- the exact mpmath version of a drawn case.
* :func:`compare` -- an :class:`~theory.checking.registry.Outcome` from an error and its error-model bound.
"""

from __future__ import annotations

from typing import Any, Mapping

import mpmath
import numpy as np
import sympy

from theory.checking.error_model import float64_tolerance, oracle_tolerance, within
from theory.checking.guards import record_comparison
from theory.checking.oracle import mp_max_abs, mp_vector
from theory.checking.registry import Outcome, PropertyCheck
from theory.checking.strategies import LINEAR_POINT_RANGES

__all__ = ["symbolic_vector", "symbolic_arrays", "is_zero_array", "sym_dot", "sym_gradient", "sym_step", "is_zero_matrix", "is_zero", "mp_case",
           "compare", "oracle_identity", "float_identity", "oracle_property"]


def symbolic_vector(name: str, dim: int, **assumptions: Any) -> sympy.Matrix:
    """A column vector of ``dim`` real symbols ``name_0 ... name_{dim-1}``."""
    return sympy.Matrix(sympy.symbols(f"{name}_0:{dim}", real=True, **assumptions))


def symbolic_arrays(dim: int, *names: str) -> tuple:
    """Object arrays of real sympy symbols, one per name (the package's numpy ``*_core`` functions then run
    symbolically), followed by the symbols ``y`` (real) and ``lambda`` (positive)."""
    arrays = [np.array(list(symbolic_vector(name, dim)), dtype=object) for name in names]
    return (*arrays, sympy.Symbol("y", real=True), sympy.Symbol("lambda", positive=True))


def is_zero_array(array: Any) -> bool:
    """Every entry of an object array is 0: sympy's simplify after splitting powers of products,
    (ab)^K = a^K b^K (exact for the integer exponents used here), else expand-and-simplify."""
    return all(sympy.simplify(sympy.expand_power_base(entry, force=True)) == 0 or is_zero(entry)
               for entry in np.asarray(array, dtype=object).ravel())


def sym_dot(a: sympy.Matrix, b: sympy.Matrix) -> sympy.Expr:
    """Inner product of two symbolic column vectors."""
    return (a.T * b)[0]


def sym_gradient(theta: sympy.Matrix, x: sympy.Matrix, y: sympy.Expr) -> sympy.Matrix:
    """Symbolic linear-regression gradient g_z(theta) = (theta . x - y) x."""
    return (sym_dot(theta, x) - y) * x


def sym_step(theta: sympy.Matrix, x: sympy.Matrix, y: sympy.Expr, lr: sympy.Expr) -> sympy.Matrix:
    """Symbolic step Phi_z(theta) = theta - lr g_z(theta) (a negative lr gives an ascent step)."""
    return theta - lr * sym_gradient(theta, x, y)


def is_zero(expression: sympy.Expr) -> bool:
    """Whether sympy reduces a scalar expression to exactly 0."""
    return sympy.simplify(sympy.expand(expression)) == 0


def is_zero_matrix(matrix: sympy.Matrix) -> bool:
    """Whether every entry of a matrix expands and simplifies to exactly 0."""
    return all(is_zero(entry) for entry in matrix)


def mp_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """Exact mpmath copy of a case: lists become object arrays of ``mpf``, floats become ``mpf``."""
    converted: dict[str, Any] = {}
    for key, value in case.items():
        if isinstance(value, (list, tuple)):
            converted[key] = mp_vector(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            converted[key] = mpmath.mpf(value)
        else:
            converted[key] = value
    return converted


def compare(error: float, tolerance: float, detail: str = "", implementation: bool = False) -> Outcome:
    """The outcome of ``error <= tolerance``; the score (error / tolerance) is what ``target()`` climbs.

    The comparison is written to the ledger of :mod:`theory.checking.guards`; ``implementation=True`` marks one
    that tests a float64 implementation against its error model rather than the statement itself (its
    failure is a bug of the implementation, never a counterexample).
    """
    score = float(error) / float(tolerance) if tolerance > 0 else float("inf")
    outcome = Outcome(within(float(error), float(tolerance)), score,
                      detail or f"error {float(error):.3e} vs tolerance {float(tolerance):.3e}")
    record_comparison(implementation, outcome.holds, outcome.detail)
    return outcome


def oracle_identity(left: np.ndarray, right: np.ndarray, magnitude: Any, depth: int) -> Outcome:
    """Compare two mpmath vectors: their gap must stay within the oracle error model at 60 digits.

    ``magnitude`` bounds the absolute-value evaluation of both sides; ``depth`` counts the operations.
    """
    gap = mp_max_abs(np.asarray(left, dtype=object) - np.asarray(right, dtype=object))
    return compare(float(gap), oracle_tolerance(depth, float(magnitude)),
                   f"gap {mpmath.nstr(gap, 5)} at 60 digits (magnitude {mpmath.nstr(mpmath.mpf(magnitude), 5)})")


def float_identity(computed: np.ndarray, exact: np.ndarray, magnitude: Any, depth: int) -> Outcome:
    """Compare a float64 result with its exact (mpmath) value under the float64 error model.

    This tests the implementation, not the statement: a failure is an implementation problem (:mod:`theory.checking.guards`)."""
    gap = mp_max_abs(mp_vector(np.asarray(computed, dtype=np.float64).ravel().tolist())
                     - np.asarray(exact, dtype=object).ravel())
    return compare(float(gap), float64_tolerance(depth, float(magnitude)),
                   f"float64 gap {mpmath.nstr(gap, 5)} vs the 60-digit value", implementation=True)


def oracle_property(name: str, strategy: Any, predicate: Any, ranges: str = LINEAR_POINT_RANGES,
                    examples: tuple = ()) -> PropertyCheck:
    """A Hypothesis property whose predicate evaluates the statement with the 60-digit oracle (``oracle=True``)."""
    return PropertyCheck(name, strategy, predicate, ranges, oracle=True, examples=examples)
