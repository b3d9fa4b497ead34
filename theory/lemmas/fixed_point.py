r"""Draft section "Inverting a single gradient step is hard / The fixed-point formulation" (linear regression).

Reverting :math:`\theta_{t+1} = \Phi_z(\theta_t)` is finding a fixed point of
:math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)`. With :math:`q = \lambda|x|^2`:

* :math:`\Psi(\theta) - \theta_t = \lambda xx^\top(\theta - \theta_t)`: :math:`\Psi` is affine (so continuous: the
  draft's Brouwer objection fails here) with Lipschitz constant exactly :math:`q`; it maps the ball
  :math:`B(\theta_t, R)` into itself iff :math:`q \le 1`, is a contraction iff :math:`q < 1`, and fixed-point
  iteration shrinks the error by exactly :math:`q` per iteration (Banach).
* Forward descent on :math:`z` contracts the residual by :math:`|1 - q|`: stable for :math:`0 < q < 2`, so on
  :math:`1 \le q < 2` training is stable while the inversion cannot contract.
* :math:`\mathrm{Lip}(\Phi_z) = \max(1, |1 - q|)` for :math:`p \ge 2`: the forward step itself never contracts.

Error models: :mod:`theory.checking.inversion_bounds`. Symbolic proofs and the 60-digit oracle run the draft's formulas (:mod:`theory.checking.formulas`) on
object arrays of sympy symbols, in dimension 2 or 3 (the number of vectors involved, see :mod:`theory.checking.building_blocks`).
"""

from __future__ import annotations

import mpmath
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    compare,
    exactly_equal,
    is_zero,
    is_zero_array,
    is_zero_matrix,
    mp_case,
    oracle_identity,
    oracle_property,
    symbolic_arrays,
    symbolic_vector,
    vectors_span,
)
from theory.checking.error_model import oracle_tolerance, oracle_unit_roundoff
from theory.checking.formulas import draft_fixed_point, draft_gradient, draft_inverse_step, draft_residual, draft_step
from theory.checking.inversion_bounds import (
    UNDERFLOW_EXAMPLES,
    absolute_fixed_point,
    fixed_point_reference,
    float_identity_with_underflow,
    sherman_morrison_magnitude,
    sherman_morrison_regime,
    underflow_allowance,
)
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, mp_vector, precision
from theory.checking.registry import Counterexample, Lemma, Outcome, SympyProof, every_size, register
from theory.checking.strategies import (
    ITERATION_ORACLE_MAX_DIM,
    ITERATION_ORACLE_RANGES,
    ITERATION_RANGES,
    LINEAR_POINT_RANGES,
    iteration_points,
    linear_points,
    log_uniform,
    positive_ranges,
    signed_ranges,
    vectors,
)
from theory.models.linear_regression import fixed_point_inverse

SECTION = "Inverting a single gradient step is hard"
FIXED_POINT = f"{SECTION} / The fixed-point formulation"
RANGES = LINEAR_POINT_RANGES


@st.composite
def _psi_probes(draw, max_dim: int = 512, signed: bool = False):
    """theta_next, a point a (``theta``) and a nearby point b = a + h d, h log-uniform in [1e-12, 1]
    (``signed``: lr drawn from the draft's lambda in R)."""
    case = draw(linear_points(max_dim, signed=signed))
    dim = len(case["x"])
    step = draw(log_uniform((-12.0, 0.0)))
    direction = draw(vectors(dim, 1.0))
    case["theta_b"] = [a + step * d for a, d in zip(case["theta"], direction)]
    case["theta_next"] = draw(vectors(dim, draw(log_uniform((-3.0, 3.0)))))
    return case


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
    theta_t, x, y, lr = symbolic_arrays(2, "theta", "x")
    step = draft_step(theta_t, x, y, lr)
    return general and is_zero_array(step + lr * draft_gradient(theta_t, x, y) - theta_t)


def _psi(theta_next, theta, x, y, lr):
    return theta_next + lr * draft_gradient(theta, x, y)


def _prove_psi_lipschitz() -> bool:
    """Over the draft's lambda in R (a real symbol, either sign): Psi - theta_t = lr x x^T (theta - theta_t),
    |Psi(a) - Psi(b)|^2 = lr^2 |x|^2 (u.x)^2 <= (|lr| |x|^2)^2 |u|^2 (Lagrange), equality along x."""
    theta, theta_t, x, y, _ = symbolic_arrays(3, "theta", "t", "x")
    lr = sympy.Symbol("lambda", real=True)
    a, b = symbolic_arrays(3, "a", "b")[:2]
    t = sympy.Symbol("s", real=True)
    theta_next = draft_step(theta_t, x, y, lr)
    norm2 = x.dot(x)
    u = a - b
    jump = _psi(theta_next, a, x, y, lr) - _psi(theta_next, b, x, y, lr)
    cross = sympy.Matrix(list(u)).cross(sympy.Matrix(list(x)))
    along_x = _psi(theta_next, theta_t + t * x, x, y, lr) - theta_t
    return (
        is_zero_array(_psi(theta_next, theta, x, y, lr) - theta_t - lr * (theta - theta_t).dot(x) * x)
        and is_zero(jump.dot(jump) - lr**2 * norm2 * u.dot(x) ** 2)
        # Lagrange: |u|^2 |x|^2 - (u.x)^2 = |u x x|^2 >= 0, so |jump| <= lr |x|^2 |u|
        and is_zero(u.dot(u) * norm2 - u.dot(x) ** 2 - (cross.T * cross)[0])
        # equality along x: |Psi(theta_t + s x) - theta_t| = q |s x|
        and is_zero(along_x.dot(along_x) - (lr * norm2) ** 2 * (t * x).dot(t * x))
    )


def _prove_not_contraction() -> bool:
    """With lr = c / |x|^2, c >= 1: |Psi(a + x) - Psi(a)| = c |x| >= |x|: Psi is not a contraction."""
    a, theta_next, x, y, _ = symbolic_arrays(3, "a", "tau", "x")
    c = sympy.Symbol("c", positive=True)
    lr = c / x.dot(x)
    jump = _psi(theta_next, a + x, x, y, lr) - _psi(theta_next, a, x, y, lr)
    return is_zero(jump.dot(jump) - c**2 * x.dot(x))


def _prove_iteration_error() -> bool:
    """e_{k+1} = lr x x^T e_k, and e_K = q^{K-1} lr (e_0.x) x solves it (symbolic K >= 1; lr a real symbol of
    either sign, the draft's lambda in R)."""
    start, theta_t, x, y, _ = symbolic_arrays(3, "s", "t", "x")
    lr = sympy.Symbol("lambda", real=True)
    iterations = sympy.Symbol("K", integer=True, positive=True)
    theta_next = draft_step(theta_t, x, y, lr)
    q = lr * x.dot(x)
    error0 = start - theta_t
    one_step = _psi(theta_next, start, x, y, lr) - theta_t

    def closed(order):
        return q ** (order - 1) * lr * error0.dot(x) * x

    return (
        is_zero_array(one_step - lr * error0.dot(x) * x)
        and is_zero_array(closed(1) - one_step)
        and is_zero_array(lr * closed(iterations).dot(x) * x - closed(iterations + 1))
    )


def _prove_stable_not_invertible() -> bool:
    """Residual after a step: r(Phi(theta)) = (1 - q) r(theta); |1 - q| < 1 iff 0 < q < 2; and along x,
    Psi stretches by q >= 1 on [1, 2) (identity of _prove_not_contraction with c = q)."""
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    q_value = lr * x.dot(x)
    residual_identity = is_zero(
        draft_residual(draft_step(theta, x, y, lr), x, y) - (1 - q_value) * draft_residual(theta, x, y)
    )
    q = sympy.Symbol("q", positive=True)
    stable = sympy.solve_univariate_inequality((1 - q) ** 2 < 1, q, relational=False)
    window = sympy.Interval.Ropen(1, 2)
    return (
        residual_identity
        and stable == sympy.Interval.open(0, 2)
        and window.is_subset(stable)
        and _prove_not_contraction()
    )


def _prove_phi_spectrum() -> bool:
    x, w = symbolic_vector("x", 3), symbolic_vector("w", 3)
    lr, t = sympy.Symbol("lambda", positive=True), sympy.Symbol("t")
    q = lr * (x.T * x)[0]
    matrix = sympy.eye(3) - lr * x * x.T
    orthogonal = x.cross(w)  # spans x^perp as w varies
    return (
        is_zero(matrix.charpoly(t).as_expr() - (t - 1) ** 2 * (t - 1 + q))
        and is_zero_matrix(matrix * x - (1 - q) * x)
        and is_zero_matrix(matrix * orthogonal - orthogonal)
        and matrix.is_symmetric()
    )


def _fixed_point_float64(case):
    """float64 fixed_point_inverse against the exact iterate at 60 digits (polynomial error model)."""
    with precision():
        c = mp_case(case)
        iterations = case["terms"]
        computed = fixed_point_inverse(case["theta"], case["x"], case["y"], case["lr"], iterations)
        exact = fixed_point_reference(c, iterations)
        depth = iterations * (len(c["x"]) + 4)
        return float_identity_with_underflow(
            computed, exact, absolute_fixed_point(c, iterations), depth, underflow_allowance(c, depth, iterations)
        )


def _fixed_point_rate(case):
    """Iterates of Psi from theta_next: theta_K - theta* = q^{K-1} lr ((theta_0 - theta*).x) x (K >= 1), theta* the
    Sherman-Morrison preimage: the error shrinks by exactly q = lr|x|^2 per iteration."""
    with precision():
        c = mp_case(case)
        iterations, dim = case["terms"], len(c["x"])
        if not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(
                True, 0.0, "lr|x|^2 = 1 within the oracle's resolution: no unique preimage", premises_met=False
            )
        q = c["lr"] * c["x"].dot(c["x"])
        target = draft_inverse_step(c["theta"], c["x"], c["y"], c["lr"])
        iterate = draft_fixed_point(c["theta"], c["x"], c["y"], c["lr"], iterations, c["theta"])
        error0 = c["theta"] - target
        factor = q ** (iterations - 1) * c["lr"] if iterations >= 1 else None
        predicted = target + (factor * error0.dot(c["x"]) * c["x"] if factor is not None else error0)
        abs_x = abs_vector(c["x"])
        spread = 1 + (factor if factor is not None else 1) * sum(abs_x) * mp_max_abs(c["x"])
        magnitude = (
            absolute_fixed_point(c, iterations) + (sherman_morrison_magnitude(c) + mp_max_abs(c["theta"])) * spread * 2
        )
        return oracle_identity(iterate, predicted, magnitude, depth=iterations * (dim + 4) + 2 * dim + 16)


def _psi_magnitude(c, a, b):
    """Bound on the absolute-value evaluation of Psi(a) and Psi(b) (either sign of lr), for the oracle tolerance."""
    abs_x = abs_vector(c["x"])
    return mpmath.sqrt(len(c["x"])) * mp_max_abs(
        2 * abs_vector(c["theta_next"])
        + abs(c["lr"]) * ((abs_vector(a) + abs_vector(b)).dot(abs_x) + 2 * abs(c["y"])) * abs_x
    )


def _psi_modulus(case, absolute: bool):
    """|Psi(a) - Psi(b)| <= B |a - b| at 60 digits, with B = |lr| |x|^2 (``absolute``: psi-lipschitz, lr in R) or
    B = lr |x|^2 (psi-lipschitz-any-lr: the same words with the sign of lr left unsaid, over the draft's lr in R)."""
    with precision():
        c = mp_case(case)
        a, b, x = c["theta"], c["theta_b"], c["x"]
        if mp_norm(a - b) == 0:
            return Outcome(True, 0.0, "a = b: nothing to compare", premises_met=False)
        jump = mp_norm(_psi(c["theta_next"], a, x, c["y"], c["lr"]) - _psi(c["theta_next"], b, x, c["y"], c["lr"]))
        factor = abs(c["lr"]) if absolute else c["lr"]
        modulus = factor * x.dot(x) * mp_norm(a - b)
        allowed = modulus + oracle_tolerance(2 * len(x) + 12, float(_psi_magnitude(c, a, b)))
        return compare(
            float(jump),
            float(allowed),
            f"|Psi(a) - Psi(b)| = {mpmath.nstr(jump, 5)} vs {'|lr|' if absolute else 'lr'} |x|^2 |a - b| = "
            f"{mpmath.nstr(modulus, 5)} (lr = {mpmath.nstr(c['lr'], 5)})",
        )


def _contraction_criterion(case, absolute: bool):
    """Psi is a contraction iff |lr| |x|^2 < 1 (``absolute``) or iff lr |x|^2 < 1 (the sign left unsaid). Psi's exact
    Lipschitz constant is its stretch along x, |Psi(a + x) - Psi(a)| / |x| (psi-lipschitz: the modulus is attained
    there), evaluated at 60 digits and compared with the criterion."""
    with precision():
        c = mp_case(case)
        a, x = c["theta"], c["x"]
        norm = mp_norm(x)
        if norm == 0:
            return Outcome(True, 0.0, "x = 0: Psi is constant (degenerate)", premises_met=False)
        stretch = (
            mp_norm(_psi(c["theta_next"], a + x, x, c["y"], c["lr"]) - _psi(c["theta_next"], a, x, c["y"], c["lr"]))
            / norm
        )
        q = c["lr"] * x.dot(x)
        if abs(stretch - 1) < mpmath.mpf(10) ** -40:
            return Outcome(
                True, 0.0, "Lip(Psi) = 1 within the oracle's resolution: on the boundary", premises_met=False
            )
        contraction = stretch < 1
        criterion = (abs(q) if absolute else q) < 1
        return exactly_equal(
            contraction,
            criterion,
            f"Lip(Psi) = {mpmath.nstr(stretch, 6)} ({'a' if contraction else 'not a'} contraction), "
            f"{'|lr|' if absolute else 'lr'} |x|^2 = {mpmath.nstr(abs(q) if absolute else q, 6)}",
        )


@st.composite
def _psi_cases(draw, max_dim: int = 64):
    """A linear-regression instance (lr in R: the draft's domain), a point a and theta_{t+1}."""
    case = draw(linear_points(max_dim, signed=True))
    case["theta_next"] = draw(vectors(len(case["x"]), draw(log_uniform((-3.0, 3.0)))))
    return case


#: The hidden premise lr > 0: lr = -2, |x| = 1 (issue 19): Psi stretches by 2 although lr|x|^2 = -2 < 1.
_NEGATIVE_LR_PAIR = {"theta": [0.0], "theta_b": [1.0], "x": [1.0], "y": 0.0, "lr": -2.0, "theta_next": [0.0]}
_NEGATIVE_LR_CASE = {"theta": [0.0], "x": [1.0], "y": 0.0, "lr": -2.0, "theta_next": [0.0]}
SIGNED_PSI_RANGES = signed_ranges(RANGES).replace("p in [1, 512]", "p in [1, 64]")

#: Probe steps h of the continuity check: continuity at a means |Psi(a + h d) - Psi(a)| -> 0 as h -> 0.
_PROBE_EXPONENTS = (40, 80, 120)


def _relu_gradient(theta, x, y):
    """The ReLU unit h_theta(x) = max(0, theta . x) with the squared loss: g = (theta.x - y) x on theta.x > 0, else 0."""
    score = theta.dot(x)
    return (score - y) * x if score > 0 else 0 * x


def _psi_jumps(c):
    """|Psi(a + h d) - Psi(a)| for h = 2^-40, 2^-80, 2^-120, at 60 digits (Psi of the case's model)."""
    gradient = draft_gradient if c.get("model", "linear") == "linear" else _relu_gradient
    a, d = c["theta"], c["direction"]
    base = c["theta_next"] + c["lr"] * gradient(a, c["x"], c["y"])
    with mpmath.workdps(120):  # h = 2^-120 needs more than 60 digits to stay visible next to |a|
        return [
            mp_norm(c["theta_next"] + c["lr"] * gradient(a + mpmath.mpf(2) ** -e * d, c["x"], c["y"]) - base)
            for e in _PROBE_EXPONENTS
        ]


def _psi_not_continuous(case):
    """Claim (strengthened reading): Psi is not continuous, for every model. At the case's point a, continuity means
    the jumps |Psi(a + h d) - Psi(a)| shrink to 0 with h; a jump that stays as h drops by 2^80 is a discontinuity.

    A linear-regression instance whose jumps shrink refutes the claim for that model: Psi is affine
    (psi-lipschitz, proved for every pair), so continuity at one point is continuity everywhere. For a ReLU
    instance a shrinking jump at one point says nothing about other points (premises not met); a jump at a kink
    confirms the discontinuity (the check's 'yes' path, tests/theory/test_readings.py)."""
    with precision():
        c = mp_case(case)
        if mp_norm(c["direction"]) == 0:
            return Outcome(True, 0.0, "probe direction d = 0", premises_met=False)
        jumps = _psi_jumps(c)
        shrinks = jumps[-1] <= jumps[0] * mpmath.mpf(2) ** -60
        text = ", ".join(mpmath.nstr(jump, 4) for jump in jumps)
        if not shrinks:
            return Outcome(True, 0.0, f"jumps at h = 2^-40, 2^-80, 2^-120: {text}: Psi jumps at a (discontinuous)")
        if c.get("model", "linear") != "linear":
            return Outcome(
                True, 0.0, f"ReLU Psi continuous at this a ({text}); other points may jump", premises_met=False
            )
        return Outcome(
            False,
            2.0,
            f"jumps at h = 2^-40, 2^-80, 2^-120: {text}: continuous at a, and Psi is affine "
            "(psi-lipschitz), so continuous everywhere for this model",
        )


@st.composite
def _continuity_cases(draw):
    case = draw(_psi_cases(64))
    case["model"] = "linear"
    case["direction"] = draw(vectors(len(case["x"]), 1.0))
    return case


#: A linear-regression instance: the jump shrinks with h (modulus |lr||x|^2), so Psi is continuous everywhere.
_LINEAR_INSTANCE = {
    "model": "linear",
    "theta": [0.5, -0.25],
    "x": [1.0, 2.0],
    "y": 1.0,
    "lr": 0.125,
    "direction": [0.0, 1.0],
    "theta_next": [0.0, 0.0],
}
#: The ReLU kink theta . x = 0 (x = y = 1): Psi jumps by lr |y| |x| = 1/2 however small h is.
RELU_KINK = {"model": "relu", "theta": [0.0], "x": [1.0], "y": 1.0, "lr": 0.5, "direction": [1.0], "theta_next": [0.0]}


def _prove_relu_discontinuous() -> bool:
    """ReLU model h_theta(x) = max(0, theta . x) with the squared loss, p = 1, x = y = 1: g_z(theta) =
    x (max(0, theta x) - y) H(theta x) jumps from 0 (theta -> 0-) to -1 (theta -> 0+), so Psi jumps by lr."""
    theta, x, y = sympy.symbols("theta x y", real=True)
    gradient = sympy.diff((sympy.Max(0, theta * x) - y) ** 2 / 2, theta).subs({x: 1, y: 1})
    return is_zero(sympy.limit(gradient, theta, 0, "+") + 1) and is_zero(sympy.limit(gradient, theta, 0, "-"))


def _prove_weight_decay_spectra() -> bool:
    """Linear regression with weight decay alpha: Phi^alpha = (1 - lr alpha) I - lr x x^T has eigenvalues 1 - lr alpha
    (on x^perp) and 1 - lr alpha - q (on x); its inverse fixed-point map Psi^alpha(theta) = (theta_{t+1} + lr g(theta))
    / (1 - lr alpha) has linear part lr x x^T / (1 - lr alpha), of norm q / |1 - lr alpha|."""
    x, w = symbolic_vector("x", 3), symbolic_vector("w", 3)
    lr, alpha = sympy.symbols("lambda alpha", positive=True)
    q = lr * (x.T * x)[0]
    phi = (1 - lr * alpha) * sympy.eye(3) - lr * x * x.T
    orthogonal = x.cross(w)
    psi_linear = lr * x * x.T / (1 - lr * alpha)
    theta_t = symbolic_vector("t", 3)
    y = sympy.Symbol("y", real=True)
    step = (1 - lr * alpha) * theta_t - lr * ((theta_t.T * x)[0] - y) * x  # theta_{t+1} from theta_t
    psi_at_t = (step + lr * ((theta_t.T * x)[0] - y) * x) / (1 - lr * alpha)  # Psi^alpha(theta_t) = theta_t
    return (
        is_zero_matrix(phi * x - (1 - lr * alpha - q) * x)
        and is_zero_matrix(phi * orthogonal - (1 - lr * alpha) * orthogonal)
        and is_zero_matrix(psi_linear * x - q / (1 - lr * alpha) * x)
        and is_zero_matrix(psi_linear * orthogonal)
        and is_zero_matrix(psi_at_t - theta_t)
    )


@st.composite
def _decay_cases(draw):
    case = draw(linear_points(64))
    case["alpha"] = draw(log_uniform((-3.0, 3.0)))
    return case


def _decay_helps_psi(case):
    """Reading Psi: weight decay brings Psi closer to a contraction, Lip(Psi^alpha) <= Lip(Psi) (premise 0 < lr alpha < 1,
    x != 0). Lip(Psi^alpha) = q / (1 - lr alpha), Lip(Psi) = q (weight-decay-lipschitz), at 60 digits."""
    with precision():
        c = mp_case(case)
        q, decay = c["lr"] * c["x"].dot(c["x"]), c["lr"] * c["alpha"]
        if q == 0 or not 0 < decay < 1:
            return Outcome(True, 0.0, "x = 0 or lr alpha outside (0, 1)", premises_met=False)
        with_decay = q / (1 - decay)
        return Outcome(
            bool(with_decay <= q),
            float(with_decay / q),
            f"Lip(Psi) = {mpmath.nstr(q, 5)}, with weight decay {mpmath.nstr(with_decay, 5)}",
        )


_DECAY_CASE = {"theta": [0.0], "x": [1.0], "y": 0.0, "lr": 0.5, "alpha": 1.0}


def _l1_step(theta, x, y, lr, alpha):
    """The step of the L1-regularised loss L + alpha |theta|_1 ("sparser" parameters): theta - lr g_z(theta) -
    lr alpha sign(theta) (a subgradient step; the proximal soft-threshold step is non-expansive too)."""
    signs = [mpmath.sign(entry) for entry in theta]
    return draft_step(theta, x, y, lr) - lr * alpha * mp_vector(signs)


@st.composite
def _l1_pairs(draw):
    """Two points a, b, half of the draws with b - a orthogonal to x (and b = a + h d otherwise)."""
    case = draw(_decay_cases())
    dim = len(case["x"])
    direction = draw(vectors(dim, 1.0))
    if dim >= 2 and draw(st.booleans()):  # project the direction onto x^perp
        norm2 = sum(v * v for v in case["x"])
        if norm2 > 1e-200:
            along = sum(d * v for d, v in zip(direction, case["x"])) / norm2
            direction = [d - along * v for d, v in zip(direction, case["x"])]
    step = draw(log_uniform((-6.0, 0.0)))
    case["theta_b"] = [a + step * d for a, d in zip(case["theta"], direction)]
    return case


def _l1_contracts(case):
    """Reading L1 ("sparser"): the L1 step is a contraction, |Phi(a) - Phi(b)| < |a - b| for a != b (premises lr > 0,
    alpha > 0), at 60 digits. Wherever a and b share their signs the L1 term cancels, so the ratio is that of
    I - lr x x^T: exactly 1 on x^perp (phi-lipschitz)."""
    with precision():
        c = mp_case(case)
        a, b = c["theta"], c["theta_b"]
        if not (c["lr"] > 0 and c["alpha"] > 0):
            return Outcome(True, 0.0, "lr <= 0 or alpha <= 0: not a regularised descent step", premises_met=False)
        gap = mp_norm(a - b)
        if gap == 0:
            return Outcome(True, 0.0, "a = b", premises_met=False)
        moved = mp_norm(
            _l1_step(a, c["x"], c["y"], c["lr"], c["alpha"]) - _l1_step(b, c["x"], c["y"], c["lr"], c["alpha"])
        )
        ratio = moved / gap
        # the two sides are evaluated at 60 digits from entries of size max|a|, max|b|: ratio within 1e-40 of 1 is 1
        return Outcome(
            bool(ratio < 1 - mpmath.mpf(10) ** -40),
            float(ratio),
            f"|Phi(a) - Phi(b)| / |a - b| = {mpmath.nstr(ratio, 8)} for the L1 step",
        )


#: p = 2, x = e_1, a and b with equal signs and b - a = e_2 on x^perp: the L1 step moves both alike, ratio exactly 1.
_L1_PAIR = {"theta": [1.0, 1.0], "theta_b": [1.0, 2.0], "x": [1.0, 0.0], "y": 0.0, "lr": 0.5, "alpha": 0.125}
#: A pair along x (q = 1/2): the L1 step contracts it, ratio 1/2 (the check's 'yes' path).
L1_PAIR_ALONG_X = {"theta": [1.0, 1.0], "theta_b": [2.0, 1.0], "x": [1.0, 0.0], "y": 0.0, "lr": 0.5, "alpha": 0.125}


#: Hand-picked non-degenerate probe (x != 0, b != a, q = 5/8); Hypothesis alone shrinks to x = 0, b = a.
_PSI_PROBE = {
    "theta": [0.5, -0.25],
    "x": [1.0, 2.0],
    "y": 1.0,
    "lr": 0.125,
    "theta_b": [0.5, -0.25 + 2.0**-10],
    "theta_next": [0.0, 0.0],
}
#: The same probe with lr < 0 (the draft's lambda in R): the |lr| modulus holds.
_PSI_PROBE_NEGATIVE = {**_PSI_PROBE, "lr": -0.125}


register(
    Lemma(
        id="fixed-point-formulation",
        title="Inverting a step is finding a fixed point of Psi",
        statement=r"$\Psi_{t+1}(\theta) - \theta = \theta_{t+1} - \Phi_{z_t}(\theta)$ for $\Psi_{t+1}(\theta) = "
        r"\theta_{t+1} + \lambda g_{z_t}(\theta)$: the fixed points of $\Psi_{t+1}$ are the preimages of "
        r"$\theta_{t+1}$, and $\theta_t$ is one.",
        source=FIXED_POINT,
        as_written=True,
        assumptions=("any model with a gradient field g_z", "lr in R, the draft's domain (either sign)"),
        quote=r"In the case of gradient descent, another formulation of this problem can be expressed by finding a fixed point of the application $$\Psi_{t+1} (\theta) = \theta_{t+1} + \lambda g_{z_t}(\theta)$$",
        checks=(
            SympyProof(
                "fixed-points-are-preimages",
                _prove_fixed_point_formulation,
                "sympy with an arbitrary gradient field g (undefined functions), dimension 2 (the identity is "
                "coordinatewise), and on linear regression's draft_step",
                coverage=every_size("all p (coordinatewise for any gradient field; 2 vectors in R^2)"),
            ),
        ),
    ),
    Lemma(
        id="brouwer-discontinuous-some-model",
        title="For some models Psi is not continuous, so Brouwer's theorem cannot be applied in general",
        statement=r"There are models (a ReLU unit $h_\theta(x) = \max(0, \theta\cdot x)$ with the squared loss) whose "
        r"gradient $g_{z}$, hence $\Psi_{t+1} = \theta_{t+1} + \lambda g_{z}$, is discontinuous in $\theta$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=True,
        quote=r"Since $h_\theta$ is usally irregular, even less its derivative, $g_{z_t}$ is not continous.",
        claim="brouwer-discontinuous",
        reading="'in general' = not for every model: irregular h_theta",
        assumptions=(
            "the squared loss on a ReLU unit h_theta(x) = max(0, theta . x), p = 1, x = y = 1",
            "lr != 0 (lr in R): Psi jumps by |lr|",
        ),
        interpretation="'Can't be applied in general' read as: the theorem's continuity hypothesis fails for some of "
        "the models considered (those with irregular h_theta). Proved by a witness; it says nothing about "
        "how common such points are in a trained network, nor whether a fixed point exists anyway.",
        checks=(
            SympyProof(
                "relu-jump",
                _prove_relu_discontinuous,
                "sympy one-sided limits of the gradient of (max(0, theta x) - y)^2 / 2 at theta = 0, x = y = 1",
                coverage=every_size("existence: one witness model (p = 1)"),
            ),
        ),
    ),
    Lemma(
        id="brouwer-discontinuous",
        title="Psi is not continuous, so Brouwer's theorem does not apply (every model)",
        statement=r"For every model, the draft's linear regression included, $\Psi_{t+1}(\theta) = \theta_{t+1} + "
        r"\lambda g_{z_t}(\theta)$ is not continuous in $\theta$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=True,
        quote=r"Brouwer's fixed-point theorem can't be applied in general since $\Psi_{t+1}$ is not continuous with respect to $\theta$.",
        interpretation="A strengthened reading: 'in general' taken as 'for every model'. A pair of points with a small "
        "jump cannot refute discontinuity, so the check probes continuity itself: at the instance's "
        "point a, |Psi(a + h d) - Psi(a)| shrinks in proportion to h (h = 2^-40, 2^-80, 2^-120 at 60 "
        "digits) for linear regression, and Psi is affine there (psi-lipschitz), so continuity at a is "
        "continuity everywhere: the linear-regression instance refutes 'every model'. The same probe "
        "finds the jump of a ReLU unit at its kink (the check's other outcome). The charitable reading, "
        "brouwer-discontinuous-some-model, holds and gives the claim's headline.",
        claim="brouwer-discontinuous",
        reading="for every model, the draft's linear case included",
        strengthened=True,
        assumptions=("lr in R, the draft's domain (either sign)", "the model: linear regression (the stored instance)"),
        uses=("psi-lipschitz",),
        checks=(
            oracle_property(
                "continuity-probe",
                _continuity_cases(),
                _psi_not_continuous,
                SIGNED_PSI_RANGES + "; probe direction d entries in [-1, 1]; h = 2^-40, 2^-80, 2^-120",
                examples=(_LINEAR_INSTANCE,),
            ),
        ),
        corrected_by=("psi-lipschitz",),
        counterexample=Counterexample("continuity-probe", _LINEAR_INSTANCE, found_by="example"),
    ),
    Lemma(
        id="psi-lipschitz",
        title="Psi is affine with Lipschitz constant exactly |lr| |x|^2 (lr in R)",
        statement=r"For $\lambda \in \mathbb{R}$: $\Psi_{t+1}(\theta) - \theta_t = \lambda xx^\top(\theta - \theta_t)$, "
        r"$\|\Psi(a) - \Psi(b)\| = |\lambda|\,|x|\,|(a-b)\cdot x| \le |\lambda|\,|x|^2\|a - b\|$ with equality for "
        r"$a - b \parallel x$; $\Psi$ maps the ball $B(\theta_t, R)$ into itself iff $|\lambda|\,|x|^2 \le 1$ "
        r"(so Brouwer's theorem applies there). For $\lambda > 0$ the constant is $\lambda|x|^2$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=False,
        assumptions=("lr in R, the draft's domain (either sign; |lr| in the modulus)", "x in R^p, any p"),
        interpretation="The package first stated the constant as lr|x|^2, which assumes lr > 0 without saying so; over "
        "the draft's lr in R that statement is psi-lipschitz-any-lr, refuted at lr = -2, |x| = 1.",
        uses=("fixed-point-formulation", "ga-gradient-difference"),
        checks=(
            SympyProof(
                "affine-and-modulus",
                _prove_psi_lipschitz,
                "sympy with a real (either-sign) lr, dimension 3 (vectors theta, theta_t, x, a, b; Lagrange's "
                "identity with the cross product gives Cauchy-Schwarz; equality along x)",
                coverage=every_size("all p (each identity in at most 3 vectors, in R^3)"),
            ),
            oracle_property(
                "modulus-60-digits",
                _psi_probes(64, signed=True),
                lambda case: _psi_modulus(case, True),
                SIGNED_PSI_RANGES + "; b = a + h d, h log-uniform in [1e-12, 1]",
                examples=(_PSI_PROBE, _PSI_PROBE_NEGATIVE, _NEGATIVE_LR_PAIR),
            ),
        ),
    ),
    Lemma(
        id="psi-lipschitz-any-lr",
        title="Psi has Lipschitz constant lr |x|^2, the sign of lr unsaid (read over lr in R)",
        statement=r"$\|\Psi(a) - \Psi(b)\| \le \lambda|x|^2\|a - b\|$ for every $\lambda \in \mathbb{R}$ (the draft's "
        r"domain), $x$, $a$, $b$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=False,
        assumptions=("lr in R, the draft's domain: the premise lr > 0 was left unsaid",),
        interpretation="The package's earlier statement of psi-lipschitz, checked over the draft's stated domain "
        "lr in R: refuted at lr = -2, |x| = 1 (the map stretches by |lr||x|^2 = 2 > lr|x|^2 = -2). "
        "Corrected by psi-lipschitz, which states |lr|.",
        checks=(
            oracle_property(
                "modulus-unsigned",
                _psi_probes(64, signed=True),
                lambda case: _psi_modulus(case, False),
                SIGNED_PSI_RANGES + "; b = a + h d, h log-uniform in [1e-12, 1]",
                examples=(_NEGATIVE_LR_PAIR,),
            ),
        ),
        corrected_by=("psi-lipschitz",),
        counterexample=Counterexample("modulus-unsigned", _NEGATIVE_LR_PAIR, found_by="example"),
    ),
    Lemma(
        id="banach-not-contraction",
        title="Psi is not a contraction for some z and lr (existence only)",
        statement=r"There are $z$ and $\lambda$ (already in linear regression: any $\lambda|x|^2 \ge 1$) for which "
        r"$\Psi_{t+1}$ is not a contraction: $\|\Psi(a + x) - \Psi(a)\| = \lambda|x|^2\,|x|$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr|x|^2 >= 1 (so lr > 0)", "x != 0"),
        quote=r"Therefore $\Psi_{t+1}$ is likely not a contraction mapping.",
        claim="banach-not-contraction",
        reading="existence: for some z and lr",
        interpretation="What is shown: non-contracting cases exist (an existence statement), even for the regular "
        "gradient of linear regression, where Psi is a contraction exactly when lr|x|^2 < 1 "
        "(psi-contraction-iff). It does not show that Psi is 'likely' not a contraction: that reading "
        "is banach-not-contraction-likely (open).",
        uses=("psi-lipschitz",),
        checks=(
            SympyProof(
                "stretch-along-x",
                _prove_not_contraction,
                "sympy with lr = c/|x|^2, c >= 1, dimension 3 (vectors a, theta_{t+1}, x)",
                coverage=vectors_span(3),
            ),
        ),
    ),
    Lemma(
        id="banach-not-contraction-likely",
        title="Psi is likely not a contraction for networks with irregular gradients",
        statement=r"For the irregular gradients $g_{z_t}$ of trained networks, $\Psi_{t+1}$ is typically not a contraction "
        r"(its Lipschitz constant $\lambda\sup\|\nabla^2_\theta L\|$ near $\theta_t$ is $\ge 1$).",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=True,
        assumptions=("trained networks with irregular gradients g_{z_t}", "lr > 0, the training rate"),
        quote=r"Therefore $\Psi_{t+1}$ is likely not a contraction mapping.",
        claim="banach-not-contraction",
        reading="likely / in general, for the irregular g of networks",
        interpretation="A claim about how often, under the premise that g_{z_t} is irregular, which linear regression "
        "does not meet (there Lip(Psi) = lr|x|^2 exactly). Open: measured on networks by "
        "`python -m empirical run inversion-contraction` (lr max|eig H_z| against 1).",
        uses=("psi-contraction-iff",),
    ),
    Lemma(
        id="psi-contraction-iff",
        title="Psi is a contraction iff |lr| |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2",
        statement=r"For $\lambda \in \mathbb{R}$, $\Psi_{t+1}$ is a contraction iff $|q| < 1$, $q = \lambda|x|^2$ (for "
        r"$\lambda > 0$: iff $q < 1$); iterating from $\theta^{(0)}$, "
        r"$\theta^{(K)} - \theta_t = q^{K-1}\lambda((\theta^{(0)} - \theta_t)\cdot x)x$ for $K \ge 1$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        assumptions=("lr in R, the draft's domain (either sign)", "x != 0 for the criterion (x = 0: Psi is constant)"),
        interpretation="The criterion q < 1 that the package first stated holds only for lr > 0; over the draft's "
        "lr in R it is psi-contraction-iff-any-lr, refuted at lr = -2, |x| = 1.",
        uses=("psi-lipschitz", "fixed-point-formulation"),
        checks=(
            SympyProof(
                "iteration-error",
                _prove_iteration_error,
                "sympy induction on symbolic K on draft_step with a real (either-sign) lr, dimension 3 (vectors "
                "theta^(0), theta_t, x); the contraction criterion is psi-lipschitz's exact modulus |q|",
                coverage=every_size("all p, all K (3 vectors in R^3; induction on K)"),
            ),
            oracle_property(
                "criterion-60-digits",
                _psi_cases(),
                lambda case: _contraction_criterion(case, True),
                SIGNED_PSI_RANGES,
                examples=(_NEGATIVE_LR_CASE,),
            ),
            oracle_property(
                "float64-fixed-point",
                iteration_points(signed=False),
                _fixed_point_float64,
                positive_ranges(ITERATION_RANGES),
                examples=UNDERFLOW_EXAMPLES,
            ),
            oracle_property(
                "rate-60-digits",
                iteration_points(ITERATION_ORACLE_MAX_DIM, signed=False),
                _fixed_point_rate,
                positive_ranges(ITERATION_ORACLE_RANGES),
            ),
        ),
    ),
    Lemma(
        id="psi-contraction-iff-any-lr",
        title="Psi is a contraction iff lr |x|^2 < 1, the sign of lr unsaid (read over lr in R)",
        statement=r"For every $\lambda \in \mathbb{R}$ (the draft's domain): $\Psi_{t+1}$ is a contraction iff "
        r"$\lambda|x|^2 < 1$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        assumptions=("lr in R, the draft's domain: the premise lr > 0 was left unsaid", "x != 0"),
        interpretation="The package's earlier criterion, over the draft's lr in R: refuted at lr = -2, |x| = 1, where "
        "lr|x|^2 = -2 < 1 but Psi stretches the direction x by 2. Corrected by psi-contraction-iff (|q| < 1).",
        checks=(
            oracle_property(
                "criterion-unsigned",
                _psi_cases(),
                lambda case: _contraction_criterion(case, False),
                SIGNED_PSI_RANGES,
                examples=(_NEGATIVE_LR_CASE,),
            ),
        ),
        corrected_by=("psi-contraction-iff",),
        counterexample=Counterexample("criterion-unsigned", _NEGATIVE_LR_CASE, found_by="example"),
    ),
    Lemma(
        id="stable-but-not-invertible",
        title="Stable training steps whose fixed-point inversion does not contract",
        statement=r"For $1 \le \lambda|x|^2 < 2$: repeated descent on $z$ is stable, the residual contracting as "
        r"$r(\Phi_z(\theta)) = (1 - \lambda|x|^2)\,r(\theta)$ with $|1 - \lambda|x|^2| < 1$, while "
        r"$\Psi_{t+1}$ stretches the direction $x$ by $\lambda|x|^2 \ge 1$ and is not a contraction.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "1 <= lr|x|^2 < 2 (so lr > 0)"),
        uses=("psi-contraction-iff", "phi-lipschitz"),
        checks=(
            SympyProof(
                "residual-and-stretch",
                _prove_stable_not_invertible,
                "sympy: residual recursion on draft_step (dimension 2), the solution set of (1 - q)^2 < 1, "
                "and the stretch identity of banach-not-contraction",
                coverage=every_size("all p (2 and 3 vectors, in R^2 and R^3)"),
            ),
        ),
    ),
    Lemma(
        id="phi-lipschitz",
        title="The step map never contracts in dimension p >= 2",
        statement=r"$I - \lambda xx^\top$ has eigenvalues $1$ (multiplicity $p-1$, on $x^\perp$) and $1 - \lambda|x|^2$ "
        r"(on $x$), so $\mathrm{Lip}(\Phi_z) = \max(1, |1 - \lambda|x|^2|) \ge 1$ for $p \ge 2$.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "p >= 2 for Lip >= 1",
        ),
        uses=("lr-gradient-affine",),
        checks=(
            SympyProof(
                "spectrum",
                _prove_phi_spectrum,
                "sympy: characteristic polynomial and eigenvectors in dimension 3 (x and x cross w spanning "
                "x^perp); a symmetric matrix's 2-norm is its largest |eigenvalue|",
                coverage=every_size("all p (eigenvectors x and v with v.x = 0: 2 vectors in R^3)"),
            ),
        ),
    ),
    Lemma(
        id="pathway-regularizer",
        title="A sparsity (L1) regularizing step brings Phi_z to a contraction",
        statement=r"With the L1 regulariser that makes the parameters sparser, the step "
        r"$\Phi^{L_1}_z(\theta) = \theta - \lambda g_z(\theta) - \lambda\alpha\,\mathrm{sign}(\theta)$ "
        r"($\lambda, \alpha > 0$) is a contraction: $\|\Phi^{L_1}_z(a) - \Phi^{L_1}_z(b)\| < \|a - b\|$ for $a \ne b$.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="Phi_z as written, 'sparser' = an L1 regularizer",
        assumptions=("lr > 0, alpha > 0 (a regularised descent step)", "linear regression, any p"),
        interpretation="'Sparser' points to an L1 penalty, not weight decay (which shrinks without sparsifying). "
        "Refuted: where a and b share their signs the L1 term cancels, so the step acts as I - lr x x^T, "
        "whose Lipschitz constant max(1, |1 - lr|x|^2|) is >= 1 for p >= 2 (phi-lipschitz): a pair on "
        "x^perp keeps its distance exactly. The package's earlier encoding (weight decay, proved) "
        "absorbed a change of regulariser; it is now the corrected lemma pathway-regularizer-weight-decay.",
        uses=("phi-lipschitz",),
        checks=(
            oracle_property(
                "l1-step-contracts",
                _l1_pairs(),
                _l1_contracts,
                "p in [1, 64]; lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]; alpha log-uniform in [1e-3, 1e3]; |x|, "
                "|theta| scales log-uniform in [1e-3, 1e3]; b - a on x^perp in half of the draws",
                examples=(_L1_PAIR,),
            ),
        ),
        corrected_by=("pathway-regularizer-weight-decay",),
        counterexample=Counterexample("l1-step-contracts", _L1_PAIR, found_by="example"),
    ),
    Lemma(
        id="pathway-regularizer-weight-decay",
        title="Weight decay (not L1) brings Phi_z to a contraction (linear regression)",
        statement=r"With weight decay $\alpha > 0$, $\Phi^\alpha_z(\theta) = (1 - \lambda\alpha)\theta - \lambda g_z(\theta)$ has "
        r"$\mathrm{Lip}(\Phi^\alpha_z) = \max(|1 - \lambda\alpha|, |1 - \lambda\alpha - \lambda|x|^2|)$ ($p \ge 2$), which is "
        r"$< 1$ iff $0 < \lambda\alpha < 2$ and $0 < \lambda\alpha + \lambda|x|^2 < 2$; without it "
        r"$\mathrm{Lip}(\Phi_z) \ge 1$ (phi-lipschitz).",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=False,
        assumptions=("lr > 0, alpha > 0", "linear regression, p >= 2 for the max formula"),
        interpretation="The correction of pathway-regularizer: a regularizer that shrinks every coordinate (weight "
        "decay, an L2 penalty) makes Phi_z a contraction in linear regression, where the plain step "
        "and the L1 step never are. The previous encoding read the draft's 'sparser' as weight decay.",
        uses=("phi-lipschitz",),
        checks=(
            SympyProof(
                "weight-decay-spectra",
                _prove_weight_decay_spectra,
                "sympy eigenvectors of (1 - lr alpha) I - lr x x^T in dimension 3 (x and x cross w spanning "
                "x^perp); a symmetric matrix's 2-norm is its largest |eigenvalue|",
                coverage=every_size("all p (eigenvectors x and v with v.x = 0: 2 vectors in R^3)"),
            ),
        ),
    ),
    Lemma(
        id="pathway-regularizer-psi",
        title="A regularizing step brings Psi, the map inverted by the fixed-point theorems, closer to a contraction",
        statement=r"With weight decay $\alpha$ ($0 < \lambda\alpha < 1$), the inverse problem's map "
        r"$\Psi^\alpha(\theta) = (\theta_{t+1} + \lambda g_z(\theta))/(1 - \lambda\alpha)$ has "
        r"$\mathrm{Lip}(\Psi^\alpha) \le \mathrm{Lip}(\Psi)$.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "0 < lr alpha < 1 (weight decay alpha > 0, lr > 0)",
            "x != 0",
        ),
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="Psi_{t+1}, the map the fixed-point theorems are applied to",
        interpretation="The fixed-point theorems of the section are applied to Psi, not Phi_z. Refuted: weight decay "
        "divides Psi's Lipschitz constant lr|x|^2 by 1 - lr alpha < 1, moving it away from a "
        "contraction. Smaller |theta| without a regularizer changes nothing here: Lip(Psi) = lr|x|^2 "
        "does not depend on theta (psi-lipschitz).",
        checks=(
            oracle_property(
                "decay-does-not-stretch-psi",
                _decay_cases(),
                _decay_helps_psi,
                "p in [1, 64]; lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]; alpha log-uniform in [1e-3, 1e3]; "
                "|x|, |theta| scales log-uniform in [1e-3, 1e3]",
                examples=(_DECAY_CASE,),
            ),
        ),
        corrected_by=("pathway-regularizer-weight-decay",),
        counterexample=Counterexample("decay-does-not-stretch-psi", _DECAY_CASE, found_by="example"),
    ),
    Lemma(
        id="pathway-regularizer-networks",
        title="Smaller parameters bring the fixed-point hypotheses closer in networks",
        statement=r"For networks, steps that decrease $|\theta|$ make $\Phi_z$ (and $\Psi_{t+1}$) closer to a contraction.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        assumptions=("networks; steps that decrease |theta|",),
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="networks: the effect of |theta| itself",
        interpretation="A conjecture about networks: in linear regression the Lipschitz constants do not depend on "
        "theta (psi-lipschitz, phi-lipschitz), so any effect of |theta| comes from nonlinear models. "
        "Open: `python -m empirical run inversion-contraction` measures lr max|eig H_z| on networks.",
        uses=("psi-lipschitz",),
    ),
)
