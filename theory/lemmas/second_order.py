r"""Second-order forms for any smooth loss (issue 2, item 3; field notes: Smith et al. 2021).

For steps :math:`\Phi_A = \mathrm{id} - \lambda g_A`, with gradients and Hessians at the start point
(:mod:`theory.models.second_order`):

.. math::
    \theta_2 - \theta_0 = -\lambda^2 H g + R, \qquad
    \Phi_B(\Phi_A(\theta)) - \Phi_A(\Phi_B(\theta)) = \lambda^2 (H_B g_A - H_A g_B) + R',

with :math:`R = R' = 0` for quadratic losses (proved for matrix symbols of any size) and, for logistic
regression (:mod:`theory.models.logistic_regression`, :math:`l(s) = \log(1 + e^{-s})`, :math:`s = y\,x\cdot\theta`),
Taylor's theorem with Lagrange remainder applied to :math:`l'` along :math:`x`:

.. math::
    |R| \le \tfrac12 \lambda^3 c_3 (x\cdot g)^2 |x|, \qquad
    |R'| \le \tfrac12 \lambda^3 c_3 \big[(x_A\cdot g_B)^2 |x_A| + (x_B\cdot g_A)^2 |x_B|\big], \qquad
    c_3 = \sup_s |l'''(s)| = \frac{1}{6\sqrt3}.

The linear-regression formulas (``ga-linear-error``, ``lr-commutator-formula``) are the quadratic case
with :math:`H = x x^\top`. The logistic checks evaluate at 60 digits: float64 cancels at tiny ``lr``.
"""

from __future__ import annotations

import mpmath
import sympy

from theory.checking.building_blocks import compare, is_zero, is_zero_matrix_expression, mp_case
from theory.checking.error_model import oracle_tolerance
from theory.checking.formulas import (
    draft_ascent_error,
    draft_commutator_of,
    draft_logistic_gradient,
    draft_logistic_hvp,
)
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import Lemma, PropertyCheck, SympyProof, every_size, register
from theory.checking.strategies import linear_points, point_pairs

SECTION = "Gradient ascent does not revert gradient descent / Towards the general case"
COMMUTE = "Inverting many gradient steps is hard since they don't commute"
RANGES = (
    "p in [1, 512]; lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]; |x|, |theta| scales log-uniform in [1e-3, 1e3]; "
    "labels y in {-1, +1} (sign of a drawn number, 0 -> +1)"
)


# ----------------------------------------------------------------------------- symbolic proofs
def _prove_third_derivative_bound() -> bool:
    s, q = sympy.Symbol("s", real=True), sympy.Symbol("q", real=True)
    sigma = 1 / (1 + sympy.exp(-s))
    third = sympy.diff(sympy.log(1 + sympy.exp(-s)), s, 3)
    if not is_zero(third - sigma * (1 - sigma) * (1 - 2 * sigma)):
        return False
    # sigma(s) ranges over (0, 1): maximise |q (1 - q)(1 - 2q)| on [0, 1] (critical points and end points)
    cubic = q * (1 - q) * (1 - 2 * q)
    candidates = [root for root in sympy.solve(sympy.diff(cubic, q), q) if 0 <= root <= 1] + [0, 1]
    largest = sympy.Max(*[sympy.Abs(cubic.subs(q, point)) for point in candidates])
    return is_zero(largest - 1 / (6 * sympy.sqrt(3)))


def _matrix_symbols():
    n = sympy.Symbol("n", integer=True, positive=True)
    a_matrix, b_matrix = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("B", n, n)
    theta, a, b = (sympy.MatrixSymbol(name, n, 1) for name in ("theta", "a", "b"))
    return a_matrix, b_matrix, theta, a, b, sympy.Symbol("lambda", real=True)


def _prove_ascent_quadratic() -> bool:
    hessian, _, theta0, b, _, lr = _matrix_symbols()

    def gradient(theta):
        return hessian * theta - b

    theta1 = theta0 - lr * gradient(theta0)
    theta2 = theta1 + lr * gradient(theta1)
    return is_zero_matrix_expression(theta2 - theta0 + lr**2 * hessian * gradient(theta0))


def _prove_commutator_quadratic() -> bool:
    hessian_a, hessian_b, theta, a, b, lr = _matrix_symbols()

    def gradient_a(t):
        return hessian_a * t - a

    def gradient_b(t):
        return hessian_b * t - b

    after_a, after_b = theta - lr * gradient_a(theta), theta - lr * gradient_b(theta)
    exact = (after_a - lr * gradient_b(after_a)) - (after_b - lr * gradient_a(after_b))
    return is_zero_matrix_expression(exact - lr**2 * (hessian_b * gradient_a(theta) - hessian_a * gradient_b(theta)))


# ----------------------------------------------------------------------------- predicates (mpmath, 60 digits)
#: sup |l'''| of the logistic loss (lemma logistic-third-derivative-bound), at oracle precision.
def _c3():
    return 1 / (6 * mpmath.sqrt(3))


def _label(value: float) -> float:
    return -1.0 if value < 0 else 1.0


def _with_labels(case):
    case = dict(case)
    for key in ("y", "y2"):
        if key in case:
            case[key] = _label(case[key])
    return case


def _callables(x, y):
    return (lambda theta: draft_logistic_gradient(theta, x, y), lambda theta, v: draft_logistic_hvp(theta, x, y, v))


def _path_magnitude(theta, inputs, lr):
    """Bound on the absolute-value evaluation of steps on ``inputs`` from theta (|l'| <= 1), plus the
    margin sensitivity lr max|x| (1 + |x|.|theta|) of each step: a rounding error e in the margin s changes
    sigma(+-s) by a relative factor at most e^|e| - 1 ~ |e|."""
    theta_abs, sensitivity = abs_vector(theta), mpmath.mpf(0)
    for x in inputs:
        abs_x = abs_vector(x)
        sensitivity += lr * mp_max_abs(x) * (1 + abs_x.dot(theta_abs))
        theta_abs = theta_abs + lr * abs_x
    return mp_max_abs(theta_abs) + sensitivity


def _ascent_remainder(case):
    """|theta_2 - theta_0 + lr^2 H g| <= lr^3 c3 (x.g)^2 |x| / 2 + 60-digit rounding."""
    with precision():
        c = mp_case(case)
        x, theta, lr = c["x"], c["theta"], c["lr"]
        gradient, hvp = _callables(x, c["y"])
        exact = draft_ascent_error(gradient, theta, lr)
        predicted = -(lr**2) * hvp(theta, gradient(theta))  # the statement's second-order term
        slope = x.dot(gradient(theta))
        bound = abs(lr) ** 3 * _c3() * slope**2 * mp_norm(x) / 2  # the Taylor remainder carries |lr|^3 (lr in R)
        abs_x = abs_vector(x)
        magnitude = (
            mp_max_abs(theta)
            + _path_magnitude(theta, (x, x), abs(lr))
            + lr**2 * mp_max_abs(x) * abs_x.dot(abs_x) * (1 + abs_x.dot(abs_vector(theta)))
        )
        rounding = oracle_tolerance(4 * len(x) + 60, float(magnitude)) * len(x) ** 0.5
        remainder = mp_norm(exact - predicted)
        return compare(
            float(remainder),
            float(bound) + rounding,
            f"|R| = {mpmath.nstr(remainder, 5)}, Taylor bound {mpmath.nstr(bound, 5)}",
        )


def _commutator_remainder(case):
    """A = z' = (x2, y2), B = z = (x, y), so the commutator is the one of theory.models.linear_regression:
    |C - lr^2 (H_B g_A - H_A g_B)| <= lr^3 c3 [(x_A.g_B)^2 |x_A| + (x_B.g_A)^2 |x_B|] / 2 + rounding."""
    with precision():
        c = mp_case(case)
        theta, lr, x_a, x_b = c["theta"], c["lr"], c["x2"], c["x"]
        gradient_a, hvp_a = _callables(x_a, c["y2"])
        gradient_b, hvp_b = _callables(x_b, c["y"])
        exact = draft_commutator_of(gradient_a, gradient_b, theta, lr)
        predicted = lr**2 * (hvp_b(theta, gradient_a(theta)) - hvp_a(theta, gradient_b(theta)))  # the statement's term
        g_a, g_b = gradient_a(theta), gradient_b(theta)
        bound = abs(lr) ** 3 * _c3() * (x_a.dot(g_b) ** 2 * mp_norm(x_a) + x_b.dot(g_a) ** 2 * mp_norm(x_b)) / 2
        abs_a, abs_b = abs_vector(x_a), abs_vector(x_b)
        margins = 1 + (abs_a + abs_b).dot(abs_vector(theta))
        magnitude = (
            _path_magnitude(theta, (x_a, x_b), abs(lr))
            + _path_magnitude(theta, (x_b, x_a), abs(lr))
            + lr**2 * abs_a.dot(abs_b) * (mp_max_abs(x_a) + mp_max_abs(x_b)) * margins
        )
        rounding = oracle_tolerance(4 * len(theta) + 60, float(magnitude)) * len(theta) ** 0.5
        remainder = mp_norm(exact - predicted)
        return compare(
            float(remainder),
            float(bound) + rounding,
            f"|R'| = {mpmath.nstr(remainder, 5)}, Taylor bound {mpmath.nstr(bound, 5)}",
        )


register(
    Lemma(
        id="logistic-third-derivative-bound",
        title="The third derivative of the logistic loss is bounded",
        statement=r"For $l(s) = \log(1 + e^{-s})$: $l'''(s) = \sigma(s)(1-\sigma(s))(1-2\sigma(s))$ and "
        r"$|l'''(s)| \le \frac{1}{6\sqrt3}$ for all real $s$ ($\sigma$ the logistic sigmoid).",
        source=f"{SECTION} (general second-order forms, issue 2)",
        as_written=False,
        assumptions=("s in R",),
        checks=(
            SympyProof(
                "maximum",
                _prove_third_derivative_bound,
                "sympy: l''' in terms of sigma, then the maximum of |q(1-q)(1-2q)| on [0, 1] at its critical "
                "points (3 +- sqrt 3)/6 and end points",
                coverage=every_size("size-free: a scalar bound"),
            ),
        ),
    ),
    Lemma(
        id="ascent-error-quadratic",
        title="Ascent error of a quadratic loss",
        statement=r"For $L(\theta) = \frac12\theta^\top A\theta - b^\top\theta$: $\theta_2 - \theta_0 = -\lambda^2 A\,g(\theta_0)$ "
        r"exactly, where $\theta_1 = \theta_0 - \lambda g(\theta_0)$, $\theta_2 = \theta_1 + \lambda g(\theta_1)$.",
        source=f"{SECTION} (general second-order forms, issue 2)",
        as_written=False,
        assumptions=("A symmetric (any sign), b in R^p", "lr in R, the draft's domain (either sign)"),
        interpretation="With A = x x^T this is ga-linear-error. The proof needs only g(theta) = A theta - b "
        "(symmetry of A is not used).",
        checks=(
            SympyProof(
                "identity",
                _prove_ascent_quadratic,
                "sympy identity for matrix symbols A (n x n), theta, b (n x 1) with symbolic n: every dimension",
                coverage=every_size("all n (matrix symbols of symbolic size)"),
            ),
        ),
    ),
    Lemma(
        id="ascent-error-logistic",
        title="Ascent error of logistic regression to second order",
        statement=r"$\theta_2 - \theta_0 = -\lambda^2 H g + R$ with $H, g$ at $\theta_0$ and "
        r"$|R| \le \frac12 \lambda^3 c_3 (x\cdot g)^2 |x|$, $c_3 = \frac{1}{6\sqrt3}$.",
        source=f"{SECTION} (general second-order forms, issue 2)",
        as_written=False,
        assumptions=("logistic regression, labels y in {-1, 1}", "lr in R, the draft's domain (either sign)"),
        interpretation="theta_2 - theta_0 = lr (g(theta_1) - g(theta_0)) = lr y x (l'(s + d) - l'(s)) with "
        "d = -lr y x.g; Taylor with Lagrange remainder gives the -lr^2 H g term and the bound.",
        uses=("logistic-third-derivative-bound", "ascent-error-quadratic"),
        checks=(
            PropertyCheck(
                "taylor-remainder-60-digits", linear_points().map(_with_labels), _ascent_remainder, RANGES, oracle=True
            ),
        ),
    ),
    Lemma(
        id="commutator-quadratic",
        title="Commutator of two steps on quadratic losses",
        statement=r"For quadratic losses with Hessians $H_A, H_B$: $\Phi_B(\Phi_A(\theta)) - \Phi_A(\Phi_B(\theta)) = "
        r"\lambda^2 (H_B g_A(\theta) - H_A g_B(\theta))$ exactly.",
        source=f"{COMMUTE} (general second-order forms, issue 2; field notes: Smith et al. 2021)",
        as_written=False,
        assumptions=("quadratic losses with symmetric Hessians H_A, H_B", "lr in R, the draft's domain (either sign)"),
        interpretation="With H = x x^T and g = r x this is lr-commutator-formula.",
        checks=(
            SympyProof(
                "identity",
                _prove_commutator_quadratic,
                "sympy identity for matrix symbols H_A, H_B (n x n), theta, a, b (n x 1) with symbolic n",
                coverage=every_size("all n (matrix symbols of symbolic size)"),
            ),
        ),
    ),
    Lemma(
        id="commutator-logistic",
        title="Commutator of two logistic-regression steps to second order",
        statement=r"$\Phi_B(\Phi_A(\theta)) - \Phi_A(\Phi_B(\theta)) = \lambda^2 (H_B g_A - H_A g_B) + R'$ with "
        r"$|R'| \le \frac12\lambda^3 c_3 \big[(x_A\cdot g_B)^2 |x_A| + (x_B\cdot g_A)^2 |x_B|\big]$.",
        source=f"{COMMUTE} (general second-order forms, issue 2; field notes: Smith et al. 2021)",
        as_written=False,
        assumptions=("logistic regression, labels in {-1, 1}", "lr in R, the draft's domain (either sign)"),
        interpretation="Each composition expands g_B(theta - lr g_A) (resp. g_A(theta - lr g_B)) along x_B (x_A) with "
        "a Lagrange remainder bounded by c3.",
        uses=("logistic-third-derivative-bound", "commutator-quadratic"),
        checks=(
            PropertyCheck(
                "taylor-remainder-60-digits",
                point_pairs().map(_with_labels),
                _commutator_remainder,
                RANGES,
                oracle=True,
            ),
        ),
    ),
)
