r"""Error models and exact references of the three ways to invert one linear-regression step.

Draft section "Inverting a single gradient step is hard": the Sherman-Morrison inverse, the truncated
Neumann series and fixed-point iteration of :math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)`
(:mod:`theory.models.linear_regression`). Each float64 result is compared with its 60-digit value under

* the polynomial model (Higham, ch. 3): Neumann sums and fixed-point iterates are straight-line
  computations, so their error is at most ``gamma(depth)`` times their absolute-value evaluation (the
  same computation on ``|theta_next|``, ``|x|``, ``-|y|``: :func:`absolute_neumann`, :func:`absolute_fixed_point`);
* the division by ``d = 1 - lr|x|^2`` of Sherman-Morrison, whose rounding is amplified by ``1/|d|``
  (:func:`sherman_morrison_magnitude`, valid while :func:`sherman_morrison_regime` holds);
* gradual underflow (Higham eq. 2.8), which the relative model ignores and which matters when a huge
  learning rate multiplies an intermediate that underflowed (:func:`underflow_allowance`); the thorough
  profile found two such cases, kept in :data:`UNDERFLOW_EXAMPLES`.

:func:`neumann_reference` and :func:`fixed_point_reference` are the exact iterates in O(p + K) through
their scalar recursions (lemmas neumann-converges-iff and psi-contraction-iff).
"""

from __future__ import annotations

import mpmath

from theory.checking.building_blocks import compare, float_identity
from theory.checking.error_model import float64_tolerance, gamma
from theory.checking.oracle import abs_vector, mp_max_abs
from theory.checking.registry import Outcome

__all__ = [
    "sherman_morrison_magnitude",
    "sherman_morrison_underflow",
    "sherman_morrison_regime",
    "UNDERFLOW_ETA",
    "underflow_allowance",
    "float_identity_with_underflow",
    "neumann_reference",
    "fixed_point_reference",
    "absolute_neumann",
    "absolute_fixed_point",
    "UNDERFLOW_EXAMPLES",
]


def sherman_morrison_magnitude(c) -> mpmath.mpf:
    r"""Error-model magnitude of the Sherman-Morrison inverse computed from ``c["theta"]`` (= theta_{t+1}).

    With :math:`S_i = |\theta_{+,i}| + \lambda|y||x_i|` (absolute-value evaluation of :math:`\tilde\theta`),
    :math:`A = \sum_j S_j|x_j|` and :math:`d = 1 - q`: the division by the computed :math:`\hat d`, whose absolute
    error is at most :math:`\gamma_{p+2}(1 + q)`, multiplies the correction's relative error by at most
    :math:`2(1+q)/|d|` while :math:`\gamma_{p+2}(1+q) \le |d|/2` (then :math:`|\hat d| \ge |d|/2`). Hence the
    bound :math:`\gamma_{p+12}\max_i[S_i + \frac{\lambda}{|d|}A|x_i|(1 + \frac{2(1+q)}{|d|})]` (first order).
    """
    abs_x = abs_vector(c["x"])
    rate = abs(c["lr"])  # lambda in R: the absolute-value evaluation takes |lr| (and 1 + |q| below)
    shifted = abs_vector(c["theta"]) + rate * abs(c["y"]) * abs_x
    q = c["lr"] * c["x"].dot(c["x"])
    d = abs(1 - q)
    correction = rate / d * shifted.dot(abs_x) * (1 + 2 * (1 + abs(q)) / d)
    return mp_max_abs(shifted + correction * abs_x)


def sherman_morrison_underflow(c, magnitude) -> float:
    """Underflow allowance of inverse_step: the step-like part with s = lr/|d|, plus the coefficient lr/d (its eta
    reaches the result through |(theta~.x)| |x_i| <= magnitude) and |x|^2's underflow shifting d by lr p eta."""
    d = abs(1 - c["lr"] * c["x"].dot(c["x"]))
    dim = len(c["x"])
    extra = UNDERFLOW_ETA * magnitude * (1 + 2 * c["lr"] * dim / d)
    return underflow_allowance(c, dim + 12, divisor=d) + float(extra)


def sherman_morrison_regime(c, unit_roundoff: float) -> bool:
    """Whether the computed 1 - q keeps at least half of its exact value (the error model's premise)."""
    q = c["lr"] * c["x"].dot(c["x"])
    return gamma(len(c["x"]) + 2, unit_roundoff) * (1 + q) <= abs(1 - q) / 2


#: Gradual underflow (Higham, eq. (2.8)): fl(a op b) = (a op b)(1 + delta) + eta with |eta| <= 2^-1075 (half the
#: subnormal spacing; eta = 0 for + and -). Kept in mpmath: it is below float64's smallest subnormal.
UNDERFLOW_ETA = mpmath.mpf(2) ** -1075


def underflow_allowance(c, depth: int, steps: int = 0, divisor=1) -> float:
    r"""Absolute error that gradual underflow can add to a step-like computation ``v -> a + s (v.x - b) x``.

    Each of the ``depth`` operations of a step may add :math:`|\eta| \le 2^{-1075}`; a perturbed entry reaches the
    result through :math:`s|x_i||x_j|` (summed over j: :math:`s\max|x|\sum|x|`) or, for an entry of the gradient
    vector, through :math:`s`; a perturbed scalar through :math:`s|x_i|` or :math:`|x_i|`, with
    :math:`s = \lambda/\text{divisor}`. Later steps amplify a perturbation by at
    most :math:`1 + s\max|x|\sum|x|` once and then by :math:`q = \lambda|x|^2` per step (their linear part is rank
    one along x). The usual bound ``gamma(depth) * magnitude`` ignores underflow; this term completes it, and it only
    matters when a large ``s max|x|`` multiplies an intermediate that underflowed.
    """
    lr, x = c["lr"], c["x"]
    largest, total = mp_max_abs(x), mpmath.fsum(abs_vector(x))
    scale = lr / divisor
    spread = (1 + scale) * (1 + largest) * (1 + scale * (1 + total) * largest)
    growth = (1 + scale * largest * total) * max(1, lr * x.dot(x)) ** steps
    return float(UNDERFLOW_ETA * depth * spread * (steps + 1) * growth)


def float_identity_with_underflow(computed, exact, magnitude, depth: int, underflow: float) -> Outcome:
    """:func:`theory.checking.float_identity` with :func:`underflow_allowance` added to its tolerance."""
    base = float64_tolerance(depth, float(magnitude))
    gap = float_identity(computed, exact, magnitude, depth).score * base
    return compare(
        gap,
        base + underflow,
        f"float64 gap {gap:.4e} vs the 60-digit value (underflow allowance {underflow:.1e})",
        implementation=True,
    )


def _inputs(c, absolute: bool):
    """(theta_next, x, y) of a case, or (|theta_next|, |x|, -|y|) for the absolute-value evaluation."""
    if absolute:
        return abs_vector(c["theta"]), abs_vector(c["x"]), -abs(c["y"])
    return c["theta"], c["x"], c["y"]


def neumann_reference(c, terms: int, absolute: bool = False):
    r"""The exact partial sum in O(p + K): :math:`S_K = \tilde\theta + c_K(\tilde\theta\cdot x)x`,
    :math:`c_K = \sum_{k=1}^K \lambda^k|x|^{2(k-1)}` (power-formula), a scalar loop. With ``absolute`` it is the
    absolute-value evaluation of neumann_core (the same computation on |theta_next|, |x|, -|y|)."""
    theta_next, x, y = _inputs(c, absolute)
    shifted = theta_next - c["lr"] * y * x
    q, coefficient, power = c["lr"] * x.dot(x), 0, c["lr"]
    for _ in range(terms):
        coefficient, power = coefficient + power, power * q
    return shifted + coefficient * shifted.dot(x) * x


def fixed_point_reference(c, iterations: int, absolute: bool = False):
    r"""The exact K-th iterate of Psi from theta_next in O(p + K): :math:`\theta^{(k+1)} = \tilde\theta + \lambda a_k x`
    with the scalar recursion :math:`a_{k+1} = \tilde\theta\cdot x + \lambda|x|^2 a_k`, :math:`a_0 = \theta_{t+1}\cdot x`.
    With ``absolute``, the absolute-value evaluation of fixed_point_core."""
    theta_next, x, y = _inputs(c, absolute)
    if iterations == 0:
        return theta_next
    shifted = theta_next - c["lr"] * y * x
    q, anchor, along = c["lr"] * x.dot(x), shifted.dot(x), theta_next.dot(x)
    for _ in range(iterations - 1):
        along = anchor + q * along
    return shifted + c["lr"] * along * x


def absolute_neumann(c, terms: int) -> mpmath.mpf:
    """Error-model magnitude of a Neumann partial sum (max entry of its absolute-value evaluation)."""
    return mp_max_abs(neumann_reference(c, terms, absolute=True))


def absolute_fixed_point(c, iterations: int) -> mpmath.mpf:
    """Error-model magnitude of fixed-point iteration started at theta_next."""
    return mp_max_abs(fixed_point_reference(c, iterations, absolute=True))


#: Cases found by the thorough profile while the underflow allowance was missing or incomplete; the iteration
#: checks (float64-neumann, float64-fixed-point) replay them as ``@example`` regressions.
UNDERFLOW_EXAMPLES = (
    {"theta": [1.3280758046369659e-305, 0.0], "x": [1e-50, 0.0], "y": 0.0, "lr": 1e100, "terms": 1},
    # (theta.x - y) x underflows to 0, then lr = 2e31 multiplies it
    {"theta": [0.0], "x": [2.220446049250313e-16], "y": 2.225073858507e-311, "lr": 2.028240960365167e31, "terms": 1},
)
