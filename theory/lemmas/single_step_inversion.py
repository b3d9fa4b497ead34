r"""Draft section "Inverting a single gradient step is hard" (linear regression).

One step on :math:`z = (x, y)` is the affine map :math:`\Phi_z(\theta) = (I - \lambda xx^\top)\theta + \lambda yx`.
Write :math:`q = \lambda|x|^2`, :math:`\tilde\theta = \theta_{t+1} - \lambda yx` and :math:`l(v) = (v\cdot x)x`.

* :math:`\det(I - \lambda xx^\top) = 1 - q` (matrix determinant lemma), so :math:`\Phi_z` is invertible iff
  :math:`q \ne 1`, with the Sherman-Morrison inverse
  :math:`\Phi_z^{-1}(\theta_{t+1}) = \tilde\theta + \frac{\lambda}{1-q}(\tilde\theta\cdot x)x`; at :math:`q = 1`,
  :math:`\Phi_z(\theta + sx) = \Phi_z(\theta)` for every :math:`s`.
* Neumann series: :math:`l^k(v) = |x|^{2(k-1)}(v\cdot x)x` (:math:`k \ge 1`), so the partial sums
  :math:`S_K = \sum_{k=0}^K \lambda^k l^k(\tilde\theta) = \tilde\theta + \lambda\frac{1 - q^K}{1 - q}(\tilde\theta\cdot x)x`
  are geometric in :math:`q`: they converge iff :math:`q < 1` or :math:`\tilde\theta\cdot x = 0`, to the
  Sherman-Morrison inverse, with truncation error :math:`\frac{q^{K+1}}{1-q}\frac{(\tilde\theta\cdot x)x}{|x|^2}`.
* Fixed points: :math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)` satisfies :math:`\Psi(\theta) - \theta_t =
  \lambda xx^\top(\theta - \theta_t)`: it is affine with Lipschitz constant exactly :math:`q`, a contraction iff
  :math:`q < 1`, and fixed-point iteration shrinks the error by exactly :math:`q` per iteration.
* :math:`\mathrm{Lip}(\Phi_z) = \max(1, |1 - q|)` for :math:`p \ge 2`: the forward step never contracts.

Error models of the fuzzed checks (Higham, ch. 3): Neumann sums and fixed-point iterations are
straight-line polynomial computations, so their float64 error is at most ``gamma(depth)`` times their
absolute-value evaluation (the same core run on ``|theta_next|``, ``|x|``, ``-|y|``); the Sherman-Morrison
inverse adds the division by ``d = 1 - q``, whose rounding is amplified by the condition number ``1/|d|``
(see :func:`sherman_morrison_magnitude`). Symbolic proofs run the package's own ``*_core`` functions on numpy
object arrays of sympy symbols.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from theory.checking import compare, float_identity, is_zero, is_zero_matrix, mp_case, oracle_identity, symbolic_vector
from theory.error_model import UNIT_ROUNDOFF, float64_tolerance, gamma, oracle_tolerance, oracle_unit_roundoff
from theory.linear_regression import (
    fixed_point_core, fixed_point_inverse, gradient_core, inverse_step, inverse_step_core, neumann_core,
    neumann_inverse, residual_core, step_core,
)
from theory.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.registry import Counterexample, Lemma, OracleCheck, Outcome, PropertyCheck, SympyProof, register
from theory.strategies import linear_points, log_uniform, vectors

SECTION = "Inverting a single gradient step is hard"
FIXED_POINT = f"{SECTION} / The fixed-point formulation"
RANGES = "p in [1, 512]; lr log-uniform in [1e-8, 1e2]; |x|, |theta| scales log-uniform in [1e-3, 1e3]; |y| <= 1e3"
NEAR_SINGULAR_RANGES = (RANGES + "; half of the draws replace lr by (1 +- 10^e) / |x|^2, e in [-15, -0.3] "
                        "(lr |x|^2 within 1e-15 of the singular value 1)")
ITERATION_RANGES = ("p in [1, 512]; q = lr |x|^2 log-uniform in [1e-8, 10] (half of the draws within 10^-15..10^-0.3 "
                    "of 1); |x|, |theta| scales log-uniform in [1e-3, 1e3]; |y| <= 1e3; K in [0, 20]")
#: The 60-digit runs of the package's O(pK) iterations are capped in dimension to stay fast.
CORE_MAX_DIM = 48
CORE_RANGES = ITERATION_RANGES.replace("p in [1, 512]", f"p in [1, {CORE_MAX_DIM}] (O(pK) mpmath iterations)")


# ----------------------------------------------------------------------------- strategies (private)
@st.composite
def near_singular_points(draw, max_dim: int = 512):
    """linear_points; half of the draws move lr to (1 +- 10^e) / |x|^2 (the condition number 1/|1 - q| up to 1e15)."""
    case = draw(linear_points(max_dim))
    norm2 = float(np.dot(case["x"], case["x"]))
    if norm2 > 1e-200 and draw(st.booleans()):
        offset = draw(st.sampled_from([-1.0, 1.0])) * 10.0 ** draw(st.floats(-15.0, -0.3))
        lr = (1.0 + offset) / norm2
        if np.isfinite(lr):
            case["lr"] = float(lr)
    return case


@st.composite
def _iteration_points(draw, max_dim: int = 512):
    """A case with lr = q / |x|^2 for a drawn q (iterations stay finite in float64) and a number of terms K."""
    case = draw(linear_points(max_dim))
    norm2 = float(np.dot(case["x"], case["x"]))
    if norm2 > 1e-200:
        if draw(st.booleans()):
            q = 1.0 + draw(st.sampled_from([-1.0, 1.0])) * 10.0 ** draw(st.floats(-15.0, -0.3))
        else:
            q = draw(log_uniform((-8.0, 1.0)))
        if np.isfinite(q / norm2):
            case["lr"] = float(q / norm2)
    case["terms"] = draw(st.integers(0, 20))
    return case


@st.composite
def _psi_probes(draw, max_dim: int = 512):
    """theta_next, a point a (``theta``) and a nearby point b = a + h d, h log-uniform in [1e-12, 1]."""
    case = draw(linear_points(max_dim))
    dim = len(case["x"])
    step = draw(log_uniform((-12.0, 0.0)))
    direction = draw(vectors(dim, 1.0))
    case["theta_b"] = [a + step * d for a, d in zip(case["theta"], direction)]
    case["theta_next"] = draw(vectors(dim, draw(log_uniform((-3.0, 3.0)))))
    return case


# ----------------------------------------------------------------------------- error models
def sherman_morrison_magnitude(c) -> mpmath.mpf:
    r"""Error-model magnitude of the Sherman-Morrison inverse computed from ``c["theta"]`` (= theta_{t+1}).

    With :math:`S_i = |\theta_{+,i}| + \lambda|y||x_i|` (absolute-value evaluation of :math:`\tilde\theta`),
    :math:`A = \sum_j S_j|x_j|` and :math:`d = 1 - q`: the division by the computed :math:`\hat d`, whose absolute
    error is at most :math:`\gamma_{p+2}(1 + q)`, multiplies the correction's relative error by at most
    :math:`2(1+q)/|d|` while :math:`\gamma_{p+2}(1+q) \le |d|/2` (then :math:`|\hat d| \ge |d|/2`). Hence the
    bound :math:`\gamma_{p+12}\max_i[S_i + \frac{\lambda}{|d|}A|x_i|(1 + \frac{2(1+q)}{|d|})]` (first order).
    """
    abs_x = abs_vector(c["x"])
    shifted = abs_vector(c["theta"]) + c["lr"] * abs(c["y"]) * abs_x
    q = c["lr"] * c["x"].dot(c["x"])
    d = abs(1 - q)
    correction = c["lr"] / d * shifted.dot(abs_x) * (1 + 2 * (1 + q) / d)
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
    return compare(gap, base + underflow, f"float64 gap {gap:.4e} vs the 60-digit value (underflow allowance {underflow:.1e})")


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


def _absolute_neumann(c, terms: int) -> mpmath.mpf:
    """Error-model magnitude of a Neumann partial sum (max entry of its absolute-value evaluation)."""
    return mp_max_abs(neumann_reference(c, terms, absolute=True))


def _absolute_fixed_point(c, iterations: int) -> mpmath.mpf:
    """Error-model magnitude of fixed-point iteration started at theta_next."""
    return mp_max_abs(fixed_point_reference(c, iterations, absolute=True))


# ----------------------------------------------------------------------------- symbolic objects
def _sym(dim: int, *names: str):
    """Object arrays of sympy symbols (so the package's numpy cores run symbolically), y and lr > 0."""
    arrays = [np.array(list(symbolic_vector(name, dim)), dtype=object) for name in names]
    return (*arrays, sympy.Symbol("y", real=True), sympy.Symbol("lambda", positive=True))


def _all_zero(array) -> bool:
    """Every entry is 0: sympy's simplify after splitting powers of products, (ab)^K = a^K b^K (exact here: every
    symbolic exponent of this module is an integer), else expand-and-simplify."""
    return all(sympy.simplify(sympy.expand_power_base(entry, force=True)) == 0 or is_zero(entry)
               for entry in np.asarray(array, dtype=object).ravel())


def _prove_determinant_and_inverse() -> bool:
    x = symbolic_vector("x", 3)
    lr = sympy.Symbol("lambda", positive=True)
    q = (x.T * x)[0]
    matrix = sympy.eye(3) - lr * x * x.T
    sherman_morrison = sympy.eye(3) + lr / (1 - lr * q) * x * x.T
    return is_zero(matrix.det() - (1 - lr * q)) and is_zero_matrix(matrix * sherman_morrison - sympy.eye(3))


def _prove_core_inverts_step() -> bool:
    theta, x, y, lr = _sym(2, "theta", "x")
    return (_all_zero(inverse_step_core(step_core(theta, x, y, lr), x, y, lr) - theta)
            and _all_zero(step_core(inverse_step_core(theta, x, y, lr), x, y, lr) - theta))


def _prove_non_injective() -> bool:
    theta, x, y, _ = _sym(2, "theta", "x")
    s = sympy.Symbol("s", real=True)
    lr = 1 / x.dot(x)  # lr |x|^2 = 1
    return _all_zero(step_core(theta + s * x, x, y, lr) - step_core(theta, x, y, lr))


def _prove_power_formula() -> bool:
    """l^k(v) = |x|^{2(k-1)} (v.x) x: base k = 1 and the step k -> k + 1, symbolic k."""
    v, x, _, _ = _sym(2, "v", "x")
    k = sympy.Symbol("k", integer=True, positive=True)
    norm2 = x.dot(x)

    def power(order):
        return norm2 ** (order - 1) * v.dot(x) * x

    def l_map(vector):
        return vector.dot(x) * x

    return _all_zero(power(1) - l_map(v)) and _all_zero(l_map(power(k)) - power(k + 1))


def _neumann_coefficient(lr, norm2, terms):
    """S_K - theta~ = c_K (theta~.x) x with c_K = lr (1 - q^K) / (1 - q)."""
    q = lr * norm2
    return lr * (1 - q**terms) / (1 - q)


def _prove_partial_sums() -> bool:
    """c_0 = 0 and c_{K+1} - c_K = lr^{K+1} |x|^{2K} (the (K+1)-th term), symbolic K; truncation error."""
    lr, norm2 = sympy.symbols("lambda n", positive=True)  # n = |x|^2
    terms = sympy.Symbol("K", integer=True, nonnegative=True)
    q = lr * norm2
    step = _neumann_coefficient(lr, norm2, terms + 1) - _neumann_coefficient(lr, norm2, terms)
    limit = lr / (1 - q)  # Sherman-Morrison coefficient, the limit of c_K as K -> oo when q < 1
    return (_neumann_coefficient(lr, norm2, 0) == 0
            and is_zero(step - lr ** (terms + 1) * norm2**terms)
            and is_zero(limit - _neumann_coefficient(lr, norm2, terms) - q ** (terms + 1) / ((1 - q) * norm2)))


def _prove_first_order() -> bool:
    """Written in theta~ (the draft's variable): theta_{t+1} = theta~ + lr y x."""
    shifted, x, y, lr = _sym(2, "theta", "x")
    q = lr * x.dot(x)
    first_order = shifted + lr * shifted.dot(x) * x
    error = inverse_step_core(shifted + lr * y * x, x, y, lr) - first_order
    closed = lr**2 * x.dot(x) / (1 - q) * shifted.dot(x) * x
    leading = [sympy.limit(sympy.cancel(entry / lr**2), lr, 0) for entry in closed]
    return _all_zero(error - closed) and _all_zero(np.array(leading, dtype=object) - x.dot(x) * shifted.dot(x) * x)


def _prove_fixed_point_formulation() -> bool:
    """Psi(theta) - theta = theta_{t+1} - Phi(theta) for an arbitrary gradient field g (so the fixed points of
    Psi are the preimages of theta_{t+1}); and Psi(theta_t) = theta_t in linear regression."""
    theta = sympy.symbols("theta_0:2", real=True)
    theta_next = sympy.symbols("tau_0:2", real=True)
    lr = sympy.Symbol("lambda", positive=True)
    field = [sympy.Function(f"g_{i}")(*theta) for i in range(2)]
    psi = [theta_next[i] + lr * field[i] for i in range(2)]
    phi = [theta[i] - lr * field[i] for i in range(2)]
    general = all(is_zero(psi[i] - theta[i] - (theta_next[i] - phi[i])) for i in range(2))
    theta_t, x, y, lr = _sym(2, "theta", "x")
    step = step_core(theta_t, x, y, lr)
    return general and _all_zero(step + lr * gradient_core(theta_t, x, y) - theta_t)


def _psi(theta_next, theta, x, y, lr):
    return theta_next + lr * gradient_core(theta, x, y)


def _prove_psi_lipschitz() -> bool:
    theta, theta_t, x, y, lr = _sym(3, "theta", "t", "x")
    a, b = _sym(3, "a", "b")[:2]
    t = sympy.Symbol("s", real=True)
    theta_next = step_core(theta_t, x, y, lr)
    norm2 = x.dot(x)
    u = a - b
    jump = _psi(theta_next, a, x, y, lr) - _psi(theta_next, b, x, y, lr)
    cross = sympy.Matrix(list(u)).cross(sympy.Matrix(list(x)))
    along_x = _psi(theta_next, theta_t + t * x, x, y, lr) - theta_t
    return (_all_zero(_psi(theta_next, theta, x, y, lr) - theta_t - lr * (theta - theta_t).dot(x) * x)
            and is_zero(jump.dot(jump) - lr**2 * norm2 * u.dot(x) ** 2)
            # Lagrange: |u|^2 |x|^2 - (u.x)^2 = |u x x|^2 >= 0, so |jump| <= lr |x|^2 |u|
            and is_zero(u.dot(u) * norm2 - u.dot(x) ** 2 - (cross.T * cross)[0])
            # equality along x: |Psi(theta_t + s x) - theta_t| = q |s x|
            and is_zero(along_x.dot(along_x) - (lr * norm2) ** 2 * (t * x).dot(t * x)))


def _prove_not_contraction() -> bool:
    """With lr = c / |x|^2, c >= 1: |Psi(a + x) - Psi(a)| = c |x| >= |x|: Psi is not a contraction."""
    a, theta_next, x, y, _ = _sym(2, "a", "tau", "x")
    c = sympy.Symbol("c", positive=True)
    lr = c / x.dot(x)
    jump = _psi(theta_next, a + x, x, y, lr) - _psi(theta_next, a, x, y, lr)
    return is_zero(jump.dot(jump) - c**2 * x.dot(x))


def _prove_iteration_error() -> bool:
    """e_{k+1} = lr x x^T e_k, and e_K = q^{K-1} lr (e_0.x) x solves it (symbolic K >= 1)."""
    start, theta_t, x, y, lr = _sym(2, "s", "t", "x")
    iterations = sympy.Symbol("K", integer=True, positive=True)
    theta_next = step_core(theta_t, x, y, lr)
    q = lr * x.dot(x)
    error0 = start - theta_t
    one_step = _psi(theta_next, start, x, y, lr) - theta_t

    def closed(order):
        return q ** (order - 1) * lr * error0.dot(x) * x

    return (_all_zero(one_step - lr * error0.dot(x) * x) and _all_zero(closed(1) - one_step)
            and _all_zero(lr * closed(iterations).dot(x) * x - closed(iterations + 1)))


def _prove_stable_not_invertible() -> bool:
    """Residual after a step: r(Phi(theta)) = (1 - q) r(theta); |1 - q| < 1 iff 0 < q < 2; and along x,
    Psi stretches by q >= 1 on [1, 2) (identity of _prove_not_contraction with c = q)."""
    theta, x, y, lr = _sym(2, "theta", "x")
    q_value = lr * x.dot(x)
    residual_identity = is_zero(residual_core(step_core(theta, x, y, lr), x, y)
                                - (1 - q_value) * residual_core(theta, x, y))
    q = sympy.Symbol("q", positive=True)
    stable = sympy.solve_univariate_inequality((1 - q) ** 2 < 1, q, relational=False)
    window = sympy.Interval.Ropen(1, 2)
    return residual_identity and stable == sympy.Interval.open(0, 2) and window.is_subset(stable) and _prove_not_contraction()


def _prove_phi_spectrum() -> bool:
    x, w = symbolic_vector("x", 3), symbolic_vector("w", 3)
    lr, t = sympy.Symbol("lambda", positive=True), sympy.Symbol("t")
    q = lr * (x.T * x)[0]
    matrix = sympy.eye(3) - lr * x * x.T
    orthogonal = x.cross(w)  # spans x^perp as w varies
    return (is_zero(matrix.charpoly(t).as_expr() - (t - 1) ** 2 * (t - 1 + q))
            and is_zero_matrix(matrix * x - (1 - q) * x)
            and is_zero_matrix(matrix * orthogonal - orthogonal)
            and matrix.is_symmetric())


# ----------------------------------------------------------------------------- predicates (mpmath, 60 digits)
def _small_shift_injective(case):
    """Draft: if ||lr g_z(theta_t)|| < 1, Phi_z has an inverse, i.e. det(I - lr x x^T) = 1 - lr|x|^2 != 0."""
    with precision():
        c = mp_case(case)
        shift = c["lr"] * mp_norm(gradient_core(c["theta"], c["x"], c["y"]))
        if shift >= 1:
            return Outcome(True, 0.0, f"shift {float(shift):.3e} >= 1: the claim assumes nothing here")
        q = c["lr"] * c["x"].dot(c["x"])
        tolerance = oracle_tolerance(len(c["x"]) + 2, float(1 + q))
        determinant = abs(1 - q)
        score = tolerance / float(determinant) if determinant > 0 else float("inf")
        return Outcome(determinant > tolerance, score,
                       f"shift {float(shift):.3e} < 1 and det(I - lr x x^T) = 1 - lr|x|^2 = {mpmath.nstr(1 - q, 5)}")


def _inverse_float64(case):
    """float64 inverse_step against the 60-digit Sherman-Morrison value, tolerance grown by 1/|1 - q|."""
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        if not sherman_morrison_regime(c, UNIT_ROUNDOFF):
            return Outcome(True, 0.0, "1 - lr|x|^2 below float64's resolution: no error bound applies")
        try:
            computed = inverse_step(case["theta"], case["x"], case["y"], case["lr"])
        except ValueError as error:
            return Outcome(False, float("inf"), f"inverse_step raised inside the first-order regime: {error}")
        exact = inverse_step_core(c["theta"], c["x"], c["y"], c["lr"])
        magnitude = sherman_morrison_magnitude(c)
        return float_identity_with_underflow(computed, exact, magnitude, dim + 12, sherman_morrison_underflow(c, magnitude))


def _inverse_roundtrip(case):
    """Phi_z(Sherman-Morrison(theta_next)) = theta_next at 60 digits."""
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        if not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(True, 0.0, "1 - lr|x|^2 below the oracle's resolution")
        preimage = inverse_step_core(c["theta"], c["x"], c["y"], c["lr"])
        back = step_core(preimage, c["x"], c["y"], c["lr"])
        abs_x = abs_vector(c["x"])
        amplification = 1 + c["lr"] * mp_max_abs(c["x"]) * sum(abs_x)
        step_magnitude = mp_max_abs(abs_vector(preimage) + c["lr"] * (abs_vector(preimage).dot(abs_x) + abs(c["y"])) * abs_x)
        return oracle_identity(back, c["theta"], sherman_morrison_magnitude(c) * amplification + step_magnitude, depth=2 * dim + 16)


def _neumann_converges_small_shift(case):
    """Draft: if ||lr g_z(theta_t)|| < 1, sum_k lr^k l^k(theta~) converges. The terms are geometric from k = 1
    (neumann-converges-iff), so the series diverges iff the 2nd term is nonzero and not smaller than the 1st."""
    with precision():
        c = mp_case(case)
        shift = c["lr"] * mp_norm(gradient_core(c["theta"], c["x"], c["y"]))
        if shift >= 1:
            return Outcome(True, 0.0, f"shift {float(shift):.3e} >= 1: the claim assumes nothing here")
        theta_next = step_core(c["theta"], c["x"], c["y"], c["lr"])
        shifted = theta_next - c["lr"] * c["y"] * c["x"]
        first = c["lr"] * shifted.dot(c["x"]) * c["x"]
        second = c["lr"] * first.dot(c["x"]) * c["x"]
        dim = len(c["x"])
        floor = oracle_tolerance(4 * dim + 12, float(_absolute_neumann({**c, "theta": theta_next}, 2)))
        if mp_norm(first) <= floor:
            return Outcome(True, 0.0, "theta~ . x = 0: the series stops after its first term")
        ratio = mp_norm(second) / mp_norm(first)
        return Outcome(bool(ratio < 1 - oracle_tolerance(2 * dim + 12, 1.0)), float(ratio),
                       f"shift {float(shift):.3e} < 1, term ratio |t_2| / |t_1| = lr|x|^2 = {mpmath.nstr(ratio, 8)}")


def _neumann_float64(case):
    """float64 neumann_inverse against the exact partial sum at 60 digits (polynomial: gamma(depth) x |.|-eval)."""
    with precision():
        c = mp_case(case)
        terms = case["terms"]
        computed = neumann_inverse(case["theta"], case["x"], case["y"], case["lr"], terms)
        exact = neumann_reference(c, terms)
        depth = terms * (len(c["x"]) + 3) + 3
        return float_identity_with_underflow(computed, exact, _absolute_neumann(c, terms), depth,
                                             underflow_allowance(c, depth, terms))


def _neumann_closed_form(case):
    """S_K = Sherman-Morrison - q^{K+1} / (1 - q) (theta~.x) x / |x|^2 at 60 digits (x != 0, q != 1)."""
    with precision():
        c = mp_case(case)
        terms, dim = case["terms"], len(c["x"])
        norm2 = c["x"].dot(c["x"])
        if norm2 == 0 or not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(True, 0.0, "x = 0 or lr|x|^2 = 1 within the oracle's resolution: no closed form")
        q = c["lr"] * norm2
        shifted = c["theta"] - c["lr"] * c["y"] * c["x"]
        truncation = q ** (terms + 1) / (1 - q) * shifted.dot(c["x"]) * c["x"] / norm2
        closed = inverse_step_core(c["theta"], c["x"], c["y"], c["lr"]) - truncation
        abs_x = abs_vector(c["x"])
        truncation_magnitude = q ** (terms + 1) / abs(1 - q) * (abs_vector(shifted).dot(abs_x)) * mp_max_abs(c["x"]) / norm2
        magnitude = _absolute_neumann(c, terms) + sherman_morrison_magnitude(c) + truncation_magnitude
        return oracle_identity(neumann_core(c["theta"], c["x"], c["y"], c["lr"], terms), closed, magnitude,
                               depth=terms * (dim + 3) + 2 * dim + 16)


def _fixed_point_float64(case):
    """float64 fixed_point_inverse against the exact iterate at 60 digits (polynomial error model)."""
    with precision():
        c = mp_case(case)
        iterations = case["terms"]
        computed = fixed_point_inverse(case["theta"], case["x"], case["y"], case["lr"], iterations)
        exact = fixed_point_reference(c, iterations)
        depth = iterations * (len(c["x"]) + 4)
        return float_identity_with_underflow(computed, exact, _absolute_fixed_point(c, iterations), depth,
                                             underflow_allowance(c, depth, iterations))


def _fixed_point_rate(case):
    """Iterates of Psi from theta_next: theta_K - theta* = q^{K-1} lr ((theta_0 - theta*).x) x (K >= 1), theta* the
    Sherman-Morrison preimage: the error shrinks by exactly q = lr|x|^2 per iteration."""
    with precision():
        c = mp_case(case)
        iterations, dim = case["terms"], len(c["x"])
        if not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(True, 0.0, "lr|x|^2 = 1 within the oracle's resolution: no unique preimage")
        q = c["lr"] * c["x"].dot(c["x"])
        target = inverse_step_core(c["theta"], c["x"], c["y"], c["lr"])
        iterate = fixed_point_core(c["theta"], c["x"], c["y"], c["lr"], iterations, c["theta"])
        error0 = c["theta"] - target
        factor = q ** (iterations - 1) * c["lr"] if iterations >= 1 else None
        predicted = target + (factor * error0.dot(c["x"]) * c["x"] if factor is not None else error0)
        abs_x = abs_vector(c["x"])
        spread = 1 + (factor if factor is not None else 1) * sum(abs_x) * mp_max_abs(c["x"])
        magnitude = (_absolute_fixed_point(c, iterations)
                     + (sherman_morrison_magnitude(c) + mp_max_abs(c["theta"])) * spread * 2)
        return oracle_identity(iterate, predicted, magnitude, depth=iterations * (dim + 4) + 2 * dim + 16)


def _psi_discontinuous(case):
    """Draft: Psi is not continuous. A discontinuity at a would break every Lipschitz modulus near a; the probe
    b = a + h d (h down to 1e-12) is measured against the modulus lr|x|^2 of psi-lipschitz."""
    with precision():
        c = mp_case(case)
        a, b, x = c["theta"], c["theta_b"], c["x"]
        jump = mp_norm(_psi(c["theta_next"], a, x, c["y"], c["lr"]) - _psi(c["theta_next"], b, x, c["y"], c["lr"]))
        modulus = c["lr"] * x.dot(x) * mp_norm(a - b)
        abs_x = abs_vector(x)
        magnitude = mpmath.sqrt(len(x)) * mp_max_abs(
            2 * abs_vector(c["theta_next"]) + c["lr"] * ((abs_vector(a) + abs_vector(b)).dot(abs_x) + 2 * abs(c["y"])) * abs_x)
        allowed = modulus + oracle_tolerance(2 * len(x) + 12, float(magnitude))
        return Outcome(bool(jump > allowed), float(jump / allowed),
                       f"|Psi(a) - Psi(b)| = {mpmath.nstr(jump, 5)} <= lr|x|^2 |a - b| = {mpmath.nstr(modulus, 5)}"
                       if jump <= allowed else f"jump {mpmath.nstr(jump, 5)} beyond the modulus {mpmath.nstr(modulus, 5)}")


def _singular_cases():
    """Float-exact lr |x|^2 = 1 (powers of two) with small residual, and their neighbours 1 +- 2^-52."""
    for x, lr in (([1.0], 1.0), ([0.5, 0.5, 0.5, 0.5], 1.0), ([2.0], 0.25), ([0.25, 0.0, 0.0], 16.0)):
        for theta in ([0.0] * len(x), [0.125] * len(x)):
            yield {"theta": theta, "x": x, "y": 0.0625, "lr": lr}


#: Hand-picked non-degenerate probe (x != 0, b != a, q = 5/8); Hypothesis alone shrinks to x = 0, b = a.
_PSI_PROBE = {"theta": [0.5, -0.25], "x": [1.0, 2.0], "y": 1.0, "lr": 0.125,
              "theta_b": [0.5, -0.25 + 2.0**-10], "theta_next": [0.0, 0.0]}


#: Hypothesis' shrunk counterexample of neumann-converges-small-shift (shift 0.1, lr|x|^2 = 10), kept as @example.
_NEUMANN_SHRUNK = {"theta": [0.01], "x": [3.1622776601683795], "y": 0.0, "lr": 1.0}


#: Found by the thorough profile while the underflow allowance was missing or incomplete.
_UNDERFLOW_CASES = ({"theta": [1.3280758046369659e-305, 0.0], "x": [1e-50, 0.0], "y": 0.0, "lr": 1e100, "terms": 1},
                    # (theta.x - y) x underflows to 0, then lr = 2e31 multiplies it
                    {"theta": [0.0], "x": [2.220446049250313e-16], "y": 2.225073858507e-311, "lr": 2.028240960365167e+31,
                     "terms": 1})


def _property(name, strategy, predicate, ranges=RANGES, examples=()):
    return PropertyCheck(name, strategy, predicate, ranges, oracle=True, examples=examples)


register(
    Lemma(
        id="lr-inverse-small-shift",
        title="A small model shift gives an analytic inverse of the step",
        statement=r"If $\|\lambda g_z(\theta_t)\| < 1$, then $\Phi_z$ is invertible: $\det(I - \lambda xx^\top) \ne 0$.",
        source=SECTION,
        as_written=True,
        interpretation="The draft: 'Assuming that the model shift is small (||lr g_z|| < 1), there is an analytical "
                       "inverse of Phi_z'. The model shift is read as the update vector lr g_z(theta_t) of the step "
                       "to invert. (Read as the operator norm ||lr l|| = lr|x|^2 < 1 instead, the claim holds: it is "
                       "the sufficient side of lr-inverse-iff and neumann-converges-iff.)",
        uses=("lr-inverse-iff",),
        checks=(_property("shift-implies-injective", linear_points(), _small_shift_injective),
                OracleCheck("singular-cases", _singular_cases, _small_shift_injective,
                            "float-exact lr|x|^2 = 1 (x and lr powers of two) with residuals <= 1/16")),
        corrected_by=("lr-inverse-iff",),
        counterexample=Counterexample("singular-cases", {"theta": [0.0], "x": [1.0], "y": 0.0625, "lr": 1.0},
                                      found_by="mpmath"),
        sims=("inversion",),
    ),
    Lemma(
        id="lr-inverse-iff",
        title="One step of linear regression is invertible iff lr |x|^2 != 1 (Sherman-Morrison)",
        statement=r"$\det(I - \lambda xx^\top) = 1 - \lambda|x|^2$; for $\lambda|x|^2 \ne 1$, "
                  r"$\Phi_z^{-1}(\theta_{t+1}) = \tilde\theta + \frac{\lambda}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x$ with "
                  r"$\tilde\theta = \theta_{t+1} - \lambda yx$, whatever the size of the step.",
        source=SECTION,
        as_written=False,
        uses=("lr-gradient-affine", "step-non-injective"),
        checks=(
            SympyProof("determinant-and-inverse", _prove_determinant_and_inverse,
                       "sympy: det(I - lr x x^T) = 1 - lr|x|^2 and the Sherman-Morrison product, dimension 3 (in every "
                       "dimension by the matrix determinant lemma and x x^T x x^T = |x|^2 x x^T)"),
            SympyProof("core-inverts-step", _prove_core_inverts_step,
                       "sympy on the package's inverse_step_core and step_core, dimension 2 (vectors theta, x)"),
            _property("float64-inverse", near_singular_points(), _inverse_float64, NEAR_SINGULAR_RANGES),
            _property("roundtrip-60-digits", near_singular_points(), _inverse_roundtrip, NEAR_SINGULAR_RANGES),
        ),
        sims=("inversion",),
    ),
    Lemma(
        id="neumann-converges-small-shift",
        title="A small model shift makes the Neumann series of the inverse converge",
        statement=r"If $\|\lambda g_z(\theta_t)\| < 1$, then $\sum_{k\ge0}\lambda^k l^k(\tilde\theta)$ converges (to $\theta_t$).",
        source=SECTION,
        as_written=True,
        interpretation="Same reading of the small-shift assumption as lr-inverse-small-shift (the update vector).",
        uses=("neumann-converges-iff",),
        checks=(_property("shift-implies-convergence", linear_points(), _neumann_converges_small_shift,
                          examples=(_NEUMANN_SHRUNK,)),),
        corrected_by=("neumann-converges-iff",),
        counterexample=Counterexample("shift-implies-convergence", _NEUMANN_SHRUNK),
        sims=("inversion",),
    ),
    Lemma(
        id="neumann-converges-iff",
        title="The Neumann series converges iff lr |x|^2 < 1 or theta~ . x = 0",
        statement=r"$l^k(v) = |x|^{2(k-1)}(v\cdot x)x$ ($k \ge 1$), so with $q = \lambda|x|^2$: "
                  r"$S_K = \sum_{k=0}^K\lambda^k l^k(\tilde\theta) = \tilde\theta + \lambda\frac{1-q^K}{1-q}(\tilde\theta\cdot x)x$. "
                  r"It converges iff $q < 1$ or $\tilde\theta\cdot x = 0$, to $\Phi_z^{-1}(\theta_{t+1})$, with error "
                  r"$\Phi_z^{-1}(\theta_{t+1}) - S_K = \frac{q^{K+1}}{1-q}\frac{(\tilde\theta\cdot x)x}{|x|^2}$.",
        source=SECTION,
        as_written=False,
        interpretation="For q >= 1 and theta~.x != 0 the k-th term has norm lr q^(k-1) |theta~.x| |x|, which does not "
                       "tend to 0, so the series diverges; for 0 <= q < 1, q^K -> 0 and the error formula gives the limit.",
        uses=("lr-inverse-iff", "lr-gradient-affine"),
        checks=(
            SympyProof("power-formula", _prove_power_formula,
                       "sympy induction on symbolic k, dimension 2 (vectors v, x)"),
            SympyProof("partial-sums", _prove_partial_sums,
                       "sympy induction on symbolic K for the coefficient of (theta~.x) x, and the truncation error"),
            _property("float64-neumann", _iteration_points(), _neumann_float64, ITERATION_RANGES,
                      examples=_UNDERFLOW_CASES),
            _property("closed-form-60-digits", _iteration_points(CORE_MAX_DIM), _neumann_closed_form, CORE_RANGES),
        ),
        sims=("inversion",),
    ),
    Lemma(
        id="neumann-first-order",
        title="First-order truncation of the Neumann series",
        statement=r"$\Phi_z^{-1}(\theta_{t+1}) - (\tilde\theta + \lambda(\tilde\theta\cdot x)x) = "
                  r"\frac{\lambda^2|x|^2}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x = O(\lambda^2)$.",
        source=SECTION,
        as_written=True,
        interpretation="The draft's '~=' is read as a first-order approximation in lr; the exact error is given.",
        uses=("neumann-converges-iff", "lr-inverse-iff"),
        checks=(SympyProof("error-formula", _prove_first_order,
                           "sympy on inverse_step_core, dimension 2 (vectors theta~, x), and the limit of error/lr^2 at fixed theta~"),),
    ),
    Lemma(
        id="step-non-injective",
        title="At lr |x|^2 = 1 the step is not injective",
        statement=r"If $\lambda|x|^2 = 1$ then $\Phi_z(\theta + sx) = \Phi_z(\theta)$ for all $s\in\mathbb{R}$.",
        source=SECTION,
        as_written=True,
        interpretation="The draft: 'Phi_{z_t} may well be non-injective'; made precise as: it happens already in "
                       "linear regression, exactly at lr|x|^2 = 1 (Phi_z then projects onto the hyperplane theta.x = y).",
        uses=("lr-gradient-affine",),
        checks=(SympyProof("collapse-along-x", _prove_non_injective,
                           "sympy on step_core with lr = 1/|x|^2, dimension 2 (vectors theta, x), symbolic s"),),
    ),
    Lemma(
        id="fixed-point-formulation",
        title="Inverting a step is finding a fixed point of Psi",
        statement=r"$\Psi_{t+1}(\theta) - \theta = \theta_{t+1} - \Phi_{z_t}(\theta)$ for $\Psi_{t+1}(\theta) = "
                  r"\theta_{t+1} + \lambda g_{z_t}(\theta)$: the fixed points of $\Psi_{t+1}$ are the preimages of "
                  r"$\theta_{t+1}$, and $\theta_t$ is one.",
        source=FIXED_POINT,
        as_written=True,
        checks=(SympyProof("fixed-points-are-preimages", _prove_fixed_point_formulation,
                           "sympy with an arbitrary gradient field g (undefined functions), dimension 2 (the identity is "
                           "coordinatewise), and on linear regression's step_core"),),
    ),
    Lemma(
        id="brouwer-discontinuous",
        title="Psi is not continuous, so Brouwer's theorem does not apply",
        statement=r"$\Psi_{t+1}(\theta) = \theta_{t+1} + \lambda g_{z_t}(\theta)$ is not continuous in $\theta$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=True,
        interpretation="Checked on linear regression (and the same holds for logistic regression, whose gradient is "
                       "smooth): a discontinuity at a would show as probes b -> a whose jump |Psi(a) - Psi(b)| breaks "
                       "every Lipschitz modulus; the probes stay under lr|x|^2 |a - b|, which psi-lipschitz proves "
                       "for all pairs, so Psi is continuous everywhere. The draft's remark holds only for models whose "
                       "gradient is discontinuous (e.g. ReLU networks at kinks).",
        uses=("psi-lipschitz",),
        checks=(_property("jump-beyond-modulus", _psi_probes(), _psi_discontinuous,
                          RANGES + "; b = a + h d, h log-uniform in [1e-12, 1], d entries in [-1, 1]",
                          examples=(_PSI_PROBE,)),),
        corrected_by=("psi-lipschitz",),
        counterexample=Counterexample("jump-beyond-modulus", _PSI_PROBE),
    ),
    Lemma(
        id="psi-lipschitz",
        title="Psi is affine with Lipschitz constant exactly lr |x|^2",
        statement=r"$\Psi_{t+1}(\theta) - \theta_t = \lambda xx^\top(\theta - \theta_t)$, "
                  r"$\|\Psi(a) - \Psi(b)\| = \lambda|x|\,|(a-b)\cdot x| \le \lambda|x|^2\|a - b\|$ with equality for "
                  r"$a - b \parallel x$; $\Psi$ maps the ball $B(\theta_t, R)$ into itself iff $\lambda|x|^2 \le 1$ "
                  r"(so Brouwer's theorem applies there).",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=False,
        uses=("fixed-point-formulation", "ga-gradient-difference"),
        checks=(SympyProof("affine-and-modulus", _prove_psi_lipschitz,
                           "sympy, dimension 3 (vectors theta, theta_t, x, a, b; Lagrange's identity with the cross "
                           "product gives Cauchy-Schwarz; equality along x)"),),
    ),
    Lemma(
        id="banach-not-contraction",
        title="Psi need not be a contraction",
        statement=r"There are $z$ and $\lambda$ (already in linear regression: any $\lambda|x|^2 \ge 1$) for which "
                  r"$\Psi_{t+1}$ is not a contraction: $\|\Psi(a + x) - \Psi(a)\| = \lambda|x|^2\,|x|$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=True,
        interpretation="The draft: 'Psi_{t+1} is likely not a contraction mapping'; sharpest precise reading: there "
                       "are points and learning rates for which it is not, even in linear regression.",
        uses=("psi-lipschitz",),
        checks=(SympyProof("stretch-along-x", _prove_not_contraction,
                           "sympy with lr = c/|x|^2, c >= 1, dimension 2 (vectors a, theta_{t+1}, x)"),),
        empirical=("inversion-contraction",),
    ),
    Lemma(
        id="psi-contraction-iff",
        title="Psi is a contraction iff lr |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2",
        statement=r"$\Psi_{t+1}$ is a contraction iff $q = \lambda|x|^2 < 1$; iterating from $\theta^{(0)}$, "
                  r"$\theta^{(K)} - \theta_t = q^{K-1}\lambda((\theta^{(0)} - \theta_t)\cdot x)x$ for $K \ge 1$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        uses=("psi-lipschitz", "fixed-point-formulation"),
        checks=(
            SympyProof("iteration-error", _prove_iteration_error,
                       "sympy induction on symbolic K on step_core, dimension 2 (vectors theta^(0), theta_t, x); the "
                       "contraction criterion is psi-lipschitz's exact modulus q"),
            _property("float64-fixed-point", _iteration_points(), _fixed_point_float64, ITERATION_RANGES,
                      examples=_UNDERFLOW_CASES),
            _property("rate-60-digits", _iteration_points(CORE_MAX_DIM), _fixed_point_rate, CORE_RANGES),
        ),
        sims=("inversion",),
        empirical=("inversion-contraction",),
    ),
    Lemma(
        id="stable-but-not-invertible",
        title="Stable training steps whose fixed-point inversion does not contract",
        statement=r"For $1 \le \lambda|x|^2 < 2$: repeated descent on $z$ is stable, the residual contracting as "
                  r"$r(\Phi_z(\theta)) = (1 - \lambda|x|^2)\,r(\theta)$ with $|1 - \lambda|x|^2| < 1$, while "
                  r"$\Psi_{t+1}$ stretches the direction $x$ by $\lambda|x|^2 \ge 1$ and is not a contraction.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        uses=("psi-contraction-iff", "phi-lipschitz"),
        checks=(SympyProof("residual-and-stretch", _prove_stable_not_invertible,
                           "sympy: residual recursion on step_core (dimension 2), the solution set of (1 - q)^2 < 1, "
                           "and the stretch identity of banach-not-contraction"),),
        sims=("inversion",),
        empirical=("inversion-contraction",),
    ),
    Lemma(
        id="phi-lipschitz",
        title="The step map never contracts in dimension p >= 2",
        statement=r"$I - \lambda xx^\top$ has eigenvalues $1$ (multiplicity $p-1$, on $x^\perp$) and $1 - \lambda|x|^2$ "
                  r"(on $x$), so $\mathrm{Lip}(\Phi_z) = \max(1, |1 - \lambda|x|^2|) \ge 1$ for $p \ge 2$.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=False,
        uses=("lr-gradient-affine",),
        checks=(SympyProof("spectrum", _prove_phi_spectrum,
                           "sympy: characteristic polynomial and eigenvectors in dimension 3 (x and x cross w spanning "
                           "x^perp); a symmetric matrix's 2-norm is its largest |eigenvalue|"),),
    ),
    Lemma(
        id="pathway-regularizer",
        title="A regularizing step brings the fixed-point hypotheses closer",
        statement=r"If $\Phi_z$ acts as a regularizer making $|\theta|$ smaller, the hypotheses of the fixed-point "
                  r"theorems for $\Psi_{t+1}$ are closer to hold.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        interpretation="A conjecture about networks. In linear regression Lip(Psi) = lr|x|^2 does not depend on theta "
                       "(psi-lipschitz), so any effect of |theta| can only come from nonlinear models; empirical "
                       "measures the contraction of Psi on networks.",
        uses=("psi-lipschitz",),
        empirical=("inversion-contraction",),
    ),
)
