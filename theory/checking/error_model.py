r"""Floating-point error models behind every tolerance in the package.

All float comparisons use a bound of the form *unit roundoff x operation count x condition
magnitude*, never a bare constant (guide: "Honest checks"). The model is the standard one of
Higham, *Accuracy and Stability of Numerical Algorithms* (2002), chapter 3:

* each basic operation satisfies :math:`fl(a \circ b) = (a \circ b)(1 + \delta)`, :math:`|\delta| \le u`;
* a computation of depth :math:`n` errs by at most :math:`\gamma_n |\cdot|`-magnitude with
  :math:`\gamma_n = n u / (1 - n u)`;
* a dot product of length :math:`p` errs by at most :math:`\gamma_p \sum_i |a_i b_i|` (Higham eq. 3.5).

The *magnitude* of an expression is its value re-evaluated with every input replaced by its absolute
value and every subtraction by an addition; it bounds the size of all intermediate quantities, so
``gamma(depth) * magnitude`` bounds the rounding error of the float64 result.

For mpmath at ``dps`` decimal digits the same model holds with :math:`u = 10^{1-\mathrm{dps}}/2`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "UNIT_ROUNDOFF",
    "ORACLE_DPS",
    "gamma",
    "oracle_unit_roundoff",
    "float64_tolerance",
    "oracle_tolerance",
    "within",
]

#: Unit roundoff of IEEE-754 binary64 (round to nearest): 2**-53.
UNIT_ROUNDOFF: float = float(np.finfo(np.float64).eps) / 2

#: Decimal digits of the mpmath oracle (the guide asks for 50+).
ORACLE_DPS: int = 60


def gamma(n: int, unit_roundoff: float = UNIT_ROUNDOFF) -> float:
    r"""Higham's :math:`\gamma_n = n u / (1 - n u)`, valid while :math:`n u < 1`."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    nu = n * unit_roundoff
    if nu >= 1:
        raise ValueError(f"gamma_n is undefined for n * u >= 1 (n={n}, u={unit_roundoff})")
    return nu / (1 - nu)


def oracle_unit_roundoff(dps: int = ORACLE_DPS) -> float:
    """Unit roundoff of mpmath at ``dps`` decimal digits: half a unit in the last decimal place."""
    return 0.5 * 10.0 ** (1 - dps)


def float64_tolerance(depth: int, magnitude: float) -> float:
    """Rounding-error bound ``gamma(depth) * magnitude`` for a float64 result (see module docstring).

    ``depth`` counts the floating-point operations on the longest path from the inputs to the result
    (a length-``p`` dot product contributes ``p``); ``magnitude`` is the absolute-value evaluation.
    A bound of at least one subnormal step is returned, so an exact zero is representable.
    """
    return gamma(depth) * float(magnitude) + np.finfo(np.float64).tiny


def oracle_tolerance(depth: int, magnitude: float, dps: int = ORACLE_DPS) -> float:
    """Rounding-error bound for an mpmath result at ``dps`` digits, same model as float64."""
    return gamma(depth, oracle_unit_roundoff(dps)) * float(magnitude) + 10.0 ** (-2 * dps)


def within(error: float, tolerance: float) -> bool:
    """``error <= tolerance`` with NaN counted as a failure (a NaN never satisfies a bound)."""
    return bool(np.isfinite(error) and error <= tolerance)
