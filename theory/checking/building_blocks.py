"""Building blocks shared by the lemma modules: symbolic vectors, exact cases, comparisons.

* :func:`symbolic_vector`, :func:`is_zero_matrix` -- sympy proofs in a fixed dimension. Statements
  built from inner products of ``k`` vectors are invariant under rotations and every ``k`` vectors of
  ``R^p`` lie in a ``k``-dimensional subspace, so a polynomial identity in those vectors that holds
  for generic symbolic vectors of ``R^k`` holds in every dimension ``p``; the proofs use ``p = k``
  (and say so) for that reason.
* :func:`is_zero`, :func:`is_zero_matrix`, :func:`is_zero_array`, :func:`is_nonzero` -- the decision points of
  every sympy proof. Under a negative control (:func:`theory.checking.guards.perturbed`) each decides a
  perturbed statement: an identity ``E = 0`` becomes ``E + t = 0`` with ``t`` its first term (one term
  doubled), or ``E + delta = 0`` with a free symbol ``delta`` when ``E`` has a single term; a claim
  ``E != 0`` becomes ``E - E != 0``. A proof must route its conclusions through them so that its
  negative control can reach them.
* :func:`mp_case` -- the exact mpmath version of a drawn case.
* :func:`compare`, :func:`distinct` -- an :class:`~theory.checking.registry.Outcome` from an error and its
  error-model bound (``error <= tolerance``, or ``error > tolerance`` for a claim that two things differ).
  Under a negative control a comparison widens its gap by twice the tolerance (``compare``, implementation
  comparisons included: a float64 check must be able to fail too) or closes it (``distinct``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.checking.error_model import float64_tolerance, oracle_tolerance, within
from theory.checking.guards import perturb_here, record_comparison
from theory.checking.oracle import mp_max_abs, mp_vector
from theory.checking.registry import Coverage, Outcome, PropertyCheck, every_size
from theory.checking.strategies import LINEAR_POINT_RANGES

__all__ = [
    "vectors_span",
    "symbolic_vector",
    "symbolic_arrays",
    "is_zero_array",
    "sym_dot",
    "sym_gradient",
    "sym_step",
    "is_zero_matrix",
    "is_zero",
    "is_nonzero",
    "is_zero_matrix_expression",
    "perturb_identity",
    "mp_case",
    "compare",
    "distinct",
    "strictly_below",
    "at_least",
    "exactly_equal",
    "all_hold",
    "oracle_identity",
    "float_identity",
    "oracle_property",
]

#: The free symbol a negative control adds to a single-term identity.
PERTURBATION = sympy.Symbol("delta_perturbation", positive=True)


def vectors_span(count: int) -> Coverage:
    """Coverage of an identity in ``count`` symbolic vectors proved in ``R^count`` (module docstring): every ``p``,
    because ``count`` vectors lie in a ``count``-dimensional subspace and the identity is rotation-invariant
    (the proof must use dimension ``count`` or more: fewer leaves the vectors' Gram matrix constrained)."""
    return every_size(f"all p ({count} vector{'s' if count > 1 else ''} in R^{count})")


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
    (ab)^K = a^K b^K (exact for the integer exponents used here), else expand-and-simplify.
    Under a negative control every entry is perturbed (:func:`perturb_identity`) before either test."""
    entries = [perturb_identity(sympy.sympify(entry)) for entry in np.asarray(array, dtype=object).ravel()]
    return all(
        sympy.simplify(sympy.expand_power_base(entry, force=True)) == 0 or _reduces_to_zero(entry) for entry in entries
    )


def sym_dot(a: sympy.Matrix, b: sympy.Matrix) -> sympy.Expr:
    """Inner product of two symbolic column vectors."""
    return (a.T * b)[0]


def sym_gradient(theta: sympy.Matrix, x: sympy.Matrix, y: sympy.Expr) -> sympy.Matrix:
    """Symbolic linear-regression gradient g_z(theta) = (theta . x - y) x."""
    return (sym_dot(theta, x) - y) * x


def sym_step(theta: sympy.Matrix, x: sympy.Matrix, y: sympy.Expr, lr: sympy.Expr) -> sympy.Matrix:
    """Symbolic step Phi_z(theta) = theta - lr g_z(theta) (a negative lr gives an ascent step)."""
    return theta - lr * sym_gradient(theta, x, y)


def perturb_identity(expression: Any) -> Any:
    """The expression itself, or under a negative control the perturbed identity (module docstring):
    its first term doubled, or a free symbol added when it has a single term (or is 0)."""
    if not perturb_here():
        return expression
    expression = sympy.sympify(expression)
    terms = sympy.Add.make_args(expression)
    if len(terms) > 1:
        return expression + terms[0]
    return expression + PERTURBATION


def _reduces_to_zero(expression: Any) -> bool:
    return sympy.simplify(sympy.expand(expression)) == 0


def is_zero(expression: sympy.Expr) -> bool:
    """Whether sympy reduces a scalar expression to exactly 0 (a perturbed one under a negative control)."""
    return _reduces_to_zero(perturb_identity(expression))


def is_nonzero(expression: sympy.Expr) -> bool:
    """Whether sympy cannot reduce the expression to 0 and finds it non-zero: ``simplify(E) != 0``.

    Under a negative control it decides ``E - E != 0`` instead, which it must reject."""
    if perturb_here():
        expression = sympy.sympify(expression) - sympy.sympify(expression)
    return not _reduces_to_zero(expression)


def is_zero_matrix_expression(expression: Any) -> bool:
    """Whether a matrix-symbol expression (sympy ``MatrixSymbol`` algebra, symbolic size) expands to the zero
    matrix. Under a negative control its first term is doubled, or a free matrix symbol of its shape added."""
    if perturb_here():
        terms = sympy.MatAdd.make_args(expression)
        expression = expression + (terms[0] if len(terms) > 1 else sympy.MatrixSymbol("Delta", *expression.shape))
    return sympy.expand(expression) == sympy.ZeroMatrix(*expression.shape)


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
    if perturb_here():  # implementation comparisons too: a float64 check must be able to fail as well
        error = abs(float(error)) + 2 * abs(float(tolerance))
        detail = f"negative control (gap widened by twice the tolerance): {detail}"
    score = float(error) / float(tolerance) if tolerance > 0 else float("inf")
    outcome = Outcome(
        within(float(error), float(tolerance)),
        score,
        detail or f"error {float(error):.3e} vs tolerance {float(tolerance):.3e}",
    )
    record_comparison(implementation, outcome.holds, outcome.detail)
    return outcome


def distinct(error: float, tolerance: float, detail: str = "") -> Outcome:
    """The outcome of a claim that two things differ: ``error > tolerance`` (the gap exceeds its error model).

    The score is ``tolerance / error`` (> 1 breaks the claim). Under a negative control the gap is closed
    (error 0: both sides made equal), which the claim must reject."""
    if perturb_here():
        error, detail = 0.0, f"negative control (both sides made equal): {detail}"
    error, tolerance = float(error), float(tolerance)
    holds = bool(np.isfinite(error) and error > tolerance)
    score = tolerance / error if error > 0 else float("inf")
    outcome = Outcome(holds, score, detail or f"gap {error:.3e} vs tolerance {tolerance:.3e}")
    record_comparison(False, outcome.holds, outcome.detail)
    return outcome


def strictly_below(value: Any, bound: Any, detail: str = "") -> Outcome:
    """The outcome of a strict inequality ``value < bound`` of the statement (exact or 60-digit numbers); the
    score is value / bound. Under a negative control the value is raised to ``|value| + 2 |bound|``."""
    if perturb_here():
        value = abs(value) + 2 * abs(bound)
        detail = f"negative control (value raised by twice the bound): {detail}"
    holds = bool(value < bound)
    score = float(value) / float(bound) if float(bound) > 0 else (0.0 if holds else float("inf"))
    outcome = Outcome(holds, score, detail or f"{value} < {bound}")
    record_comparison(False, outcome.holds, outcome.detail)
    return outcome


def at_least(value: Any, bound: Any, detail: str = "") -> Outcome:
    """The outcome of ``value >= bound`` (exact or 60-digit numbers); the score is bound / value. Under a negative
    control the value is lowered below the bound (to ``bound - |bound| - |value| - 1``)."""
    if perturb_here():
        value = bound - abs(bound) - abs(value) - 1
        detail = f"negative control (value lowered below the bound): {detail}"
    holds = bool(value >= bound)
    score = float(bound) / float(value) if float(value) > 0 else (0.0 if holds else float("inf"))
    outcome = Outcome(holds, score, detail or f"{value} >= {bound}")
    record_comparison(False, outcome.holds, outcome.detail)
    return outcome


def exactly_equal(left: Any, right: Any, detail: str = "") -> Outcome:
    """The outcome of an exact equality of the statement (integers, ``Fraction``); under a negative control the
    left side is shifted by 1."""
    if perturb_here():
        left, detail = left + 1, f"negative control (left side shifted by 1): {detail}"
    outcome = Outcome(bool(left == right), 0.0 if left == right else float("inf"), detail or f"{left} == {right}")
    record_comparison(False, outcome.holds, outcome.detail)
    return outcome


def all_hold(*outcomes: Outcome) -> Outcome:
    """Several parts of one statement: holds when every part holds, with the worst score and every detail."""
    return Outcome(
        all(outcome.holds for outcome in outcomes),
        max(outcome.score for outcome in outcomes),
        "; ".join(outcome.detail for outcome in outcomes),
        premises_met=all(outcome.premises_met for outcome in outcomes),
    )


def oracle_identity(left: np.ndarray, right: np.ndarray, magnitude: Any, depth: int) -> Outcome:
    """Compare two mpmath vectors: their gap must stay within the oracle error model at 60 digits.

    ``magnitude`` bounds the absolute-value evaluation of both sides; ``depth`` counts the operations.
    """
    gap = mp_max_abs(np.asarray(left, dtype=object) - np.asarray(right, dtype=object))
    return compare(
        float(gap),
        oracle_tolerance(depth, float(magnitude)),
        f"gap {mpmath.nstr(gap, 5)} at 60 digits (magnitude {mpmath.nstr(mpmath.mpf(magnitude), 5)})",
    )


def float_identity(computed: np.ndarray, exact: np.ndarray, magnitude: Any, depth: int) -> Outcome:
    """Compare a float64 result with its exact (mpmath) value under the float64 error model.

    This tests the implementation, not the statement: a failure is an implementation problem (:mod:`theory.checking.guards`)."""
    gap = mp_max_abs(
        mp_vector(np.asarray(computed, dtype=np.float64).ravel().tolist()) - np.asarray(exact, dtype=object).ravel()
    )
    return compare(
        float(gap),
        float64_tolerance(depth, float(magnitude)),
        f"float64 gap {mpmath.nstr(gap, 5)} vs the 60-digit value",
        implementation=True,
    )


def oracle_property(
    name: str,
    strategy: Any,
    predicate: Any,
    ranges: str = LINEAR_POINT_RANGES,
    examples: tuple = (),
    negative_control: Any = None,
) -> PropertyCheck:
    """A Hypothesis property whose predicate evaluates the statement with the 60-digit oracle (``oracle=True``)."""
    return PropertyCheck(
        name, strategy, predicate, ranges, oracle=True, examples=examples, negative_control=negative_control
    )
