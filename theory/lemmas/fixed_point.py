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

Error models: :mod:`theory.models.inversion_bounds`. Symbolic proofs and the 60-digit oracle run the draft's formulas (:mod:`theory.checking.formulas`) on
object arrays of sympy symbols, in dimension 2 or 3 (the number of vectors involved, see :mod:`theory.checking.building_blocks`).
"""

from __future__ import annotations

import mpmath
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import vectors_span, oracle_property, is_zero, is_zero_array, is_zero_matrix, mp_case, oracle_identity, symbolic_arrays, symbolic_vector
from theory.checking.error_model import oracle_tolerance, oracle_unit_roundoff
from theory.models.inversion_bounds import (UNDERFLOW_EXAMPLES, absolute_fixed_point, fixed_point_reference,
                                     float_identity_with_underflow, sherman_morrison_magnitude, sherman_morrison_regime,
                                     underflow_allowance)
from theory.models.linear_regression import fixed_point_inverse
from theory.checking.formulas import draft_fixed_point, draft_gradient, draft_inverse_step, draft_residual, draft_step
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import every_size, Counterexample, Lemma, Outcome, SympyProof, register
from theory.checking.strategies import (ITERATION_ORACLE_MAX_DIM, ITERATION_ORACLE_RANGES, ITERATION_RANGES, LINEAR_POINT_RANGES,
                               iteration_points, linear_points, log_uniform, vectors)

SECTION = "Inverting a single gradient step is hard"
FIXED_POINT = f"{SECTION} / The fixed-point formulation"
RANGES = LINEAR_POINT_RANGES


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
    theta, theta_t, x, y, lr = symbolic_arrays(3, "theta", "t", "x")
    a, b = symbolic_arrays(3, "a", "b")[:2]
    t = sympy.Symbol("s", real=True)
    theta_next = draft_step(theta_t, x, y, lr)
    norm2 = x.dot(x)
    u = a - b
    jump = _psi(theta_next, a, x, y, lr) - _psi(theta_next, b, x, y, lr)
    cross = sympy.Matrix(list(u)).cross(sympy.Matrix(list(x)))
    along_x = _psi(theta_next, theta_t + t * x, x, y, lr) - theta_t
    return (is_zero_array(_psi(theta_next, theta, x, y, lr) - theta_t - lr * (theta - theta_t).dot(x) * x)
            and is_zero(jump.dot(jump) - lr**2 * norm2 * u.dot(x) ** 2)
            # Lagrange: |u|^2 |x|^2 - (u.x)^2 = |u x x|^2 >= 0, so |jump| <= lr |x|^2 |u|
            and is_zero(u.dot(u) * norm2 - u.dot(x) ** 2 - (cross.T * cross)[0])
            # equality along x: |Psi(theta_t + s x) - theta_t| = q |s x|
            and is_zero(along_x.dot(along_x) - (lr * norm2) ** 2 * (t * x).dot(t * x)))


def _prove_not_contraction() -> bool:
    """With lr = c / |x|^2, c >= 1: |Psi(a + x) - Psi(a)| = c |x| >= |x|: Psi is not a contraction."""
    a, theta_next, x, y, _ = symbolic_arrays(3, "a", "tau", "x")
    c = sympy.Symbol("c", positive=True)
    lr = c / x.dot(x)
    jump = _psi(theta_next, a + x, x, y, lr) - _psi(theta_next, a, x, y, lr)
    return is_zero(jump.dot(jump) - c**2 * x.dot(x))


def _prove_iteration_error() -> bool:
    """e_{k+1} = lr x x^T e_k, and e_K = q^{K-1} lr (e_0.x) x solves it (symbolic K >= 1)."""
    start, theta_t, x, y, lr = symbolic_arrays(3, "s", "t", "x")
    iterations = sympy.Symbol("K", integer=True, positive=True)
    theta_next = draft_step(theta_t, x, y, lr)
    q = lr * x.dot(x)
    error0 = start - theta_t
    one_step = _psi(theta_next, start, x, y, lr) - theta_t

    def closed(order):
        return q ** (order - 1) * lr * error0.dot(x) * x

    return (is_zero_array(one_step - lr * error0.dot(x) * x) and is_zero_array(closed(1) - one_step)
            and is_zero_array(lr * closed(iterations).dot(x) * x - closed(iterations + 1)))


def _prove_stable_not_invertible() -> bool:
    """Residual after a step: r(Phi(theta)) = (1 - q) r(theta); |1 - q| < 1 iff 0 < q < 2; and along x,
    Psi stretches by q >= 1 on [1, 2) (identity of _prove_not_contraction with c = q)."""
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    q_value = lr * x.dot(x)
    residual_identity = is_zero(draft_residual(draft_step(theta, x, y, lr), x, y)
                                - (1 - q_value) * draft_residual(theta, x, y))
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


def _fixed_point_float64(case):
    """float64 fixed_point_inverse against the exact iterate at 60 digits (polynomial error model)."""
    with precision():
        c = mp_case(case)
        iterations = case["terms"]
        computed = fixed_point_inverse(case["theta"], case["x"], case["y"], case["lr"], iterations)
        exact = fixed_point_reference(c, iterations)
        depth = iterations * (len(c["x"]) + 4)
        return float_identity_with_underflow(computed, exact, absolute_fixed_point(c, iterations), depth,
                                             underflow_allowance(c, depth, iterations))


def _fixed_point_rate(case):
    """Iterates of Psi from theta_next: theta_K - theta* = q^{K-1} lr ((theta_0 - theta*).x) x (K >= 1), theta* the
    Sherman-Morrison preimage: the error shrinks by exactly q = lr|x|^2 per iteration."""
    with precision():
        c = mp_case(case)
        iterations, dim = case["terms"], len(c["x"])
        if not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(True, 0.0, "lr|x|^2 = 1 within the oracle's resolution: no unique preimage", premises_met=False)
        q = c["lr"] * c["x"].dot(c["x"])
        target = draft_inverse_step(c["theta"], c["x"], c["y"], c["lr"])
        iterate = draft_fixed_point(c["theta"], c["x"], c["y"], c["lr"], iterations, c["theta"])
        error0 = c["theta"] - target
        factor = q ** (iterations - 1) * c["lr"] if iterations >= 1 else None
        predicted = target + (factor * error0.dot(c["x"]) * c["x"] if factor is not None else error0)
        abs_x = abs_vector(c["x"])
        spread = 1 + (factor if factor is not None else 1) * sum(abs_x) * mp_max_abs(c["x"])
        magnitude = (absolute_fixed_point(c, iterations)
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
    return (is_zero_matrix(phi * x - (1 - lr * alpha - q) * x) and is_zero_matrix(phi * orthogonal - (1 - lr * alpha) * orthogonal)
            and is_zero_matrix(psi_linear * x - q / (1 - lr * alpha) * x) and is_zero_matrix(psi_linear * orthogonal)
            and is_zero_matrix(psi_at_t - theta_t))


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
        return Outcome(bool(with_decay <= q), float(with_decay / q),
                       f"Lip(Psi) = {mpmath.nstr(q, 5)}, with weight decay {mpmath.nstr(with_decay, 5)}")


_DECAY_CASE = {"theta": [0.0], "x": [1.0], "y": 0.0, "lr": 0.5, "alpha": 1.0}


#: Hand-picked non-degenerate probe (x != 0, b != a, q = 5/8); Hypothesis alone shrinks to x = 0, b = a.
_PSI_PROBE = {"theta": [0.5, -0.25], "x": [1.0, 2.0], "y": 1.0, "lr": 0.125,
              "theta_b": [0.5, -0.25 + 2.0**-10], "theta_next": [0.0, 0.0]}



register(
    Lemma(
        id="fixed-point-formulation",
        title="Inverting a step is finding a fixed point of Psi",
        statement=r"$\Psi_{t+1}(\theta) - \theta = \theta_{t+1} - \Phi_{z_t}(\theta)$ for $\Psi_{t+1}(\theta) = "
                  r"\theta_{t+1} + \lambda g_{z_t}(\theta)$: the fixed points of $\Psi_{t+1}$ are the preimages of "
                  r"$\theta_{t+1}$, and $\theta_t$ is one.",
        source=FIXED_POINT,
        as_written=True,
        quote=r"In the case of gradient descent, another formulation of this problem can be expressed by finding a fixed point of the application $$\Psi_{t+1} (\theta) = \theta_{t+1} + \lambda g_{z_t}(\theta)$$",
        checks=(SympyProof("fixed-points-are-preimages", _prove_fixed_point_formulation,
                           "sympy with an arbitrary gradient field g (undefined functions), dimension 2 (the identity is "
                           "coordinatewise), and on linear regression's draft_step",
                           coverage=every_size("all p (coordinatewise for any gradient field; 2 vectors in R^2)")),),
    ),
    Lemma(
        id="brouwer-discontinuous",
        title="Psi is not continuous, so Brouwer's theorem does not apply (every model)",
        statement=r"$\Psi_{t+1}(\theta) = \theta_{t+1} + \lambda g_{z_t}(\theta)$ is not continuous in $\theta$.",
        source=f"{FIXED_POINT} / Brouwer's fixed point theorem",
        as_written=True,
        quote=r"Brouwer's fixed-point theorem can't be applied in general since $\Psi_{t+1}$ is not continuous with respect to $\theta$.",
        interpretation="Checked on linear regression (and the same holds for logistic regression, whose gradient is "
                       "smooth): a discontinuity at a would show as probes b -> a whose jump |Psi(a) - Psi(b)| breaks "
                       "every Lipschitz modulus; the probes stay under lr|x|^2 |a - b|, which psi-lipschitz proves "
                       "for all pairs, so Psi is continuous everywhere. The draft's remark holds only for models whose "
                       "gradient is discontinuous (e.g. ReLU networks at kinks): brouwer-discontinuous-some-model.",
        claim="brouwer-discontinuous",
        reading="for every model, the draft's linear case included",
        uses=("psi-lipschitz",),
        checks=(oracle_property("jump-beyond-modulus", _psi_probes(), _psi_discontinuous,
                          RANGES + "; b = a + h d, h log-uniform in [1e-12, 1], d entries in [-1, 1]",
                          examples=(_PSI_PROBE,)),),
        corrected_by=("psi-lipschitz",),
        counterexample=Counterexample("jump-beyond-modulus", _PSI_PROBE),
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
        interpretation="'Can't be applied in general' read as: the theorem's continuity hypothesis fails for some of "
                       "the models considered (those with irregular h_theta). Proved by a witness; it says nothing about "
                       "how common such points are in a trained network, nor whether a fixed point exists anyway.",
        checks=(SympyProof("relu-jump", _prove_relu_discontinuous,
                           "sympy one-sided limits of the gradient of (max(0, theta x) - y)^2 / 2 at theta = 0, x = y = 1",
                           coverage=every_size("existence: one witness model (p = 1)")),),
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
                           "product gives Cauchy-Schwarz; equality along x)",
                           coverage=every_size("all p (each identity in at most 3 vectors, in R^3)")),),
    ),
    Lemma(
        id="banach-not-contraction",
        title="Psi is not a contraction for some z and lr (existence only)",
        statement=r"There are $z$ and $\lambda$ (already in linear regression: any $\lambda|x|^2 \ge 1$) for which "
                  r"$\Psi_{t+1}$ is not a contraction: $\|\Psi(a + x) - \Psi(a)\| = \lambda|x|^2\,|x|$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=True,
        quote=r"Therefore $\Psi_{t+1}$ is likely not a contraction mapping.",
        claim="banach-not-contraction",
        reading="existence: for some z and lr",
        interpretation="What is shown: non-contracting cases exist (an existence statement), even for the regular "
                       "gradient of linear regression, where Psi is a contraction exactly when lr|x|^2 < 1 "
                       "(psi-contraction-iff). It does not show that Psi is 'likely' not a contraction: that reading "
                       "is banach-not-contraction-likely (open).",
        uses=("psi-lipschitz",),
        checks=(SympyProof("stretch-along-x", _prove_not_contraction,
                           "sympy with lr = c/|x|^2, c >= 1, dimension 3 (vectors a, theta_{t+1}, x)",
                           coverage=vectors_span(3)),),
    ),
    Lemma(
        id="banach-not-contraction-likely",
        title="Psi is likely not a contraction for networks with irregular gradients",
        statement=r"For the irregular gradients $g_{z_t}$ of trained networks, $\Psi_{t+1}$ is typically not a contraction "
                  r"(its Lipschitz constant $\lambda\sup\|\nabla^2_\theta L\|$ near $\theta_t$ is $\ge 1$).",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=True,
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
        title="Psi is a contraction iff lr |x|^2 < 1; fixed-point iteration converges at rate lr |x|^2",
        statement=r"$\Psi_{t+1}$ is a contraction iff $q = \lambda|x|^2 < 1$; iterating from $\theta^{(0)}$, "
                  r"$\theta^{(K)} - \theta_t = q^{K-1}\lambda((\theta^{(0)} - \theta_t)\cdot x)x$ for $K \ge 1$.",
        source=f"{FIXED_POINT} / Banach's fixed point theorem",
        as_written=False,
        uses=("psi-lipschitz", "fixed-point-formulation"),
        checks=(
            SympyProof("iteration-error", _prove_iteration_error,
                       "sympy induction on symbolic K on draft_step, dimension 3 (vectors theta^(0), theta_t, x); the "
                       "contraction criterion is psi-lipschitz's exact modulus q",
                       coverage=every_size("all p, all K (3 vectors in R^3; induction on K)")),
            oracle_property("float64-fixed-point", iteration_points(), _fixed_point_float64, ITERATION_RANGES,
                      examples=UNDERFLOW_EXAMPLES),
            oracle_property("rate-60-digits", iteration_points(ITERATION_ORACLE_MAX_DIM), _fixed_point_rate, ITERATION_ORACLE_RANGES),
        ),
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
                           "sympy: residual recursion on draft_step (dimension 2), the solution set of (1 - q)^2 < 1, "
                           "and the stretch identity of banach-not-contraction",
                           coverage=every_size("all p (2 and 3 vectors, in R^2 and R^3)")),),
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
                           "x^perp); a symmetric matrix's 2-norm is its largest |eigenvalue|",
                           coverage=every_size("all p (eigenvectors x and v with v.x = 0: 2 vectors in R^3)")),),
    ),
    Lemma(
        id="pathway-regularizer",
        title="A regularizing step brings Phi_z closer to a contraction (weight decay, linear regression)",
        statement=r"With weight decay $\alpha > 0$, $\Phi^\alpha_z(\theta) = (1 - \lambda\alpha)\theta - \lambda g_z(\theta)$ has "
                  r"$\mathrm{Lip}(\Phi^\alpha_z) = \max(|1 - \lambda\alpha|, |1 - \lambda\alpha - \lambda|x|^2|)$ ($p \ge 2$), which is "
                  r"$< 1$ iff $0 < \lambda\alpha < 2$ and $0 < \lambda\alpha + \lambda|x|^2 < 2$; without it "
                  r"$\mathrm{Lip}(\Phi_z) \ge 1$ (phi-lipschitz).",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="Phi_z as written, the regularizer as weight decay",
        interpretation="The draft names Phi_z: a step that shrinks |theta| (weight decay) makes Phi_z a contraction "
                       "in linear regression, where the plain step never is one. The previous encoding silently "
                       "replaced Phi_z by Psi; that reading is pathway-regularizer-psi.",
        uses=("phi-lipschitz",),
        checks=(SympyProof("weight-decay-spectra", _prove_weight_decay_spectra,
                           "sympy eigenvectors of (1 - lr alpha) I - lr x x^T in dimension 3 (x and x cross w spanning "
                           "x^perp); a symmetric matrix's 2-norm is its largest |eigenvalue|",
                           coverage=every_size("all p (eigenvectors x and v with v.x = 0: 2 vectors in R^3)")),),
    ),
    Lemma(
        id="pathway-regularizer-psi",
        title="A regularizing step brings Psi, the map inverted by the fixed-point theorems, closer to a contraction",
        statement=r"With weight decay $\alpha$ ($0 < \lambda\alpha < 1$), the inverse problem's map "
                  r"$\Psi^\alpha(\theta) = (\theta_{t+1} + \lambda g_z(\theta))/(1 - \lambda\alpha)$ has "
                  r"$\mathrm{Lip}(\Psi^\alpha) \le \mathrm{Lip}(\Psi)$.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="Psi_{t+1}, the map the fixed-point theorems are applied to",
        interpretation="The fixed-point theorems of the section are applied to Psi, not Phi_z. Refuted: weight decay "
                       "divides Psi's Lipschitz constant lr|x|^2 by 1 - lr alpha < 1, moving it away from a "
                       "contraction. Smaller |theta| without a regularizer changes nothing here: Lip(Psi) = lr|x|^2 "
                       "does not depend on theta (psi-lipschitz).",
        checks=(oracle_property("decay-does-not-stretch-psi", _decay_cases(), _decay_helps_psi,
                                "p in [1, 64]; lr log-uniform in [1e-8, 1e2]; alpha log-uniform in [1e-3, 1e3]; "
                                "|x|, |theta| scales log-uniform in [1e-3, 1e3]", examples=(_DECAY_CASE,)),),
        corrected_by=("pathway-regularizer",),
        counterexample=Counterexample("decay-does-not-stretch-psi", _DECAY_CASE, found_by="example"),
    ),
    Lemma(
        id="pathway-regularizer-networks",
        title="Smaller parameters bring the fixed-point hypotheses closer in networks",
        statement=r"For networks, steps that decrease $|\theta|$ make $\Phi_z$ (and $\Psi_{t+1}$) closer to a contraction.",
        source=f"{FIXED_POINT} / Pathways for success",
        as_written=True,
        quote=r"$\Phi_z$ acts as a regularizer, making the model parameters sparser thus decreasing their norm $|\theta|$. This may contribute to the condition that $\Phi_z$ is a contraction mapping.",
        claim="pathway-regularizer",
        reading="networks: the effect of |theta| itself",
        interpretation="A conjecture about networks: in linear regression the Lipschitz constants do not depend on "
                       "theta (psi-lipschitz, phi-lipschitz), so any effect of |theta| comes from nonlinear models. "
                       "Open: `python -m empirical run inversion-contraction` measures lr max|eig H_z| on networks.",
        uses=("psi-lipschitz",),
    ),
)
