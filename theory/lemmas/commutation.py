r"""Draft section "Inverting many gradient steps is hard since they don't commute" (linear regression).

With :math:`\Phi_z(\theta) = \theta - \lambda (\theta\cdot x - y)\,x`, residuals :math:`r = \theta\cdot x - y`,
:math:`r' = \theta\cdot x' - y'` and the commutator :math:`C = \Phi_z(\Phi_{z'}(\theta)) - \Phi_{z'}(\Phi_z(\theta))`
(:func:`theory.models.linear_regression.commutator`):

.. math::
    C = \lambda^2 (x\cdot x')\,(r' x - r x'), \qquad
    \Phi_z(\theta) = \theta - \lambda |x|^2\,(\theta - P_z(\theta)), \quad
    P_z(\theta) = \theta - g_z(\theta)/|x|^2 \text{ (projection onto } \theta\cdot x = y).

So two steps commute iff :math:`x \perp x'`, or :math:`z'` is a multiple of :math:`z`, or one input is 0; the
commutator is quadratic in the learning rate and in the amplitude of a point, and for random unit
inputs :math:`E|C|^2 = \lambda^4 (r^2 + r'^2)/p` *decreases* with the dimension. Order dependence of
whole trajectories and the cost of interleaving are in :mod:`theory.lemmas.order_dependence`. Symbolic proofs use dimension k = number of vectors involved (see :mod:`theory.checking.building_blocks`).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    compare,
    float_identity,
    is_zero,
    is_zero_matrix,
    mp_case,
    oracle_identity,
    oracle_property,
    sym_dot,
    sym_gradient,
    sym_step,
    symbolic_vector,
    vectors_span,
)
from theory.checking.error_model import float64_tolerance, oracle_tolerance
from theory.checking.formulas import draft_commutator, draft_gradient, draft_residual
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import Counterexample, Lemma, Outcome, SympyProof, every_size, register
from theory.checking.strategies import (
    POINT_PAIR_RANGES,
    dimensions,
    learning_rates,
    linear_points,
    point_pairs,
    positive_ranges,
    scales,
    vectors,
)
from theory.models.linear_regression import commutator, commutator_closed_form

SECTION = "Inverting many gradient steps is hard since they don't commute"
HARD = f"{SECTION} / Difficult cases where gradient steps do not commute"
EASY = f"{SECTION} / Easier cases where gradient steps might almost commute"
RANGES = POINT_PAIR_RANGES
#: Checks that build p x p matrices or p + 1 commutators in mpmath are O(p^2)-O(p^3): dimension capped.
SMALL_DIM = 12
#: Monte Carlo sample size of commutator-random-inputs and its tolerance in standard errors: P(|Z| > 6)
#: = 2e-9 per example, so 10^4 examples (thorough profile) raise a false alarm with probability <= 2e-5.
MC_SAMPLES, MC_SIGMAS = 2000, 6


# ----------------------------------------------------------------------------- symbolic objects
def _sym_pair(dim: int = 3):
    theta, x, x2 = (symbolic_vector(name, dim) for name in ("theta", "x", "u"))
    y, y2, lr = sympy.symbols("y v lambda", real=True)
    return theta, x, y, x2, y2, lr


def _sym_commutator(theta, x, y, x2, y2, lr):
    return sym_step(sym_step(theta, x2, y2, lr), x, y, lr) - sym_step(sym_step(theta, x, y, lr), x2, y2, lr)


def _prove_hyperplane_projection() -> bool:
    theta, x = symbolic_vector("theta", 2), symbolic_vector("x", 2)
    y, lr = sympy.symbols("y lambda", real=True)
    norm2 = sym_dot(x, x)

    def project(t):
        return t - sym_gradient(t, x, y) / norm2

    residual = sym_dot(theta, x) - y
    return (
        is_zero_matrix(project(project(theta)) - project(theta))
        and is_zero(sym_dot(project(theta), x) - y)
        and is_zero_matrix(theta - project(theta) - residual / norm2 * x)
        and is_zero_matrix(sym_step(theta, x, y, lr) - (theta - lr * norm2 * (theta - project(theta))))
    )


def _prove_commutator_formula() -> bool:
    theta, x, y, x2, y2, lr = _sym_pair()
    r, r2 = sym_dot(theta, x) - y, sym_dot(theta, x2) - y2
    closed = lr**2 * sym_dot(x, x2) * (r2 * x - r * x2)
    commutator_ = _sym_commutator(theta, x, y, x2, y2, lr)
    jacobian = commutator_.jacobian(theta)
    wedge = x * x2.T - x2 * x.T
    lagrange = sum(entry**2 for entry in wedge) - 2 * (sym_dot(x, x) * sym_dot(x2, x2) - sym_dot(x, x2) ** 2)
    c = sympy.Symbol("c", real=True)
    parallel = _sym_commutator(theta, x, y, c * x, y2, lr) - lr**2 * c * sym_dot(x, x) * (c * y - y2) * x
    return (
        is_zero_matrix(commutator_ - closed)
        and is_zero_matrix(jacobian - lr**2 * sym_dot(x, x2) * wedge)
        and is_zero(lagrange)
        and is_zero_matrix(parallel)
    )


def _prove_projectors() -> bool:
    u, v = symbolic_vector("u", 3), symbolic_vector("v", 3)

    def projector(w):
        return w * w.T / sym_dot(w, w)

    wedge = u * v.T - v * u.T
    closed = sym_dot(u, v) * wedge / (sym_dot(u, u) * sym_dot(v, v))
    lagrange = sum(entry**2 for entry in wedge) - 2 * (sym_dot(u, u) * sym_dot(v, v) - sym_dot(u, v) ** 2)
    return is_zero_matrix(projector(u) * projector(v) - projector(v) * projector(u) - closed) and is_zero(lagrange)


def _prove_high_amplitude() -> bool:
    theta, x, y, x2, y2, lr = _sym_pair()
    s = sympy.Symbol("s", real=True)
    return is_zero_matrix(
        _sym_commutator(theta, x, y, s * x2, s * y2, lr) - s**2 * _sym_commutator(theta, x, y, x2, y2, lr)
    )


def _prove_small_lr() -> bool:
    theta, x, y, x2, y2, lr = _sym_pair()
    r, r2 = sym_dot(theta, x) - y, sym_dot(theta, x2) - y2
    commutator_ = _sym_commutator(theta, x, y, x2, y2, lr)
    squared = (
        lr**4 * sym_dot(x, x2) ** 2 * (r2**2 * sym_dot(x, x) + r**2 * sym_dot(x2, x2) - 2 * r * r2 * sym_dot(x, x2))
    )
    step = sym_step(theta, x, y, lr) - theta
    return is_zero(sym_dot(commutator_, commutator_) - squared) and is_zero(
        sym_dot(step, step) - lr**2 * r**2 * sym_dot(x, x)
    )


def _prove_similar_points() -> bool:
    theta, x, y, dx, dy, lr = _sym_pair()
    r = sym_dot(theta, x) - y
    near = _sym_commutator(theta, x, y, x + dx, y + dy, lr)
    closed = lr**2 * sym_dot(x, x + dx) * ((sym_dot(theta, dx) - dy) * x - r * dx)
    return is_zero_matrix(_sym_commutator(theta, x, y, x, y, lr)) and is_zero_matrix(near - closed)


# ----------------------------------------------------------------------------- magnitudes (absolute-value evaluations)
def _step_magnitude(theta_abs, x, y, lr):
    abs_x = abs_vector(x)
    return theta_abs + lr * (theta_abs.dot(abs_x) + abs(y)) * abs_x


def _commutator_magnitude(theta, x, y, x2, y2, lr):
    theta_abs = abs_vector(theta)
    return mp_max_abs(_step_magnitude(_step_magnitude(theta_abs, x2, y2, lr), x, y, lr)) + mp_max_abs(
        _step_magnitude(_step_magnitude(theta_abs, x, y, lr), x2, y2, lr)
    )


def _closed_form_magnitude(c):
    abs_x, abs_x2, abs_theta = abs_vector(c["x"]), abs_vector(c["x2"]), abs_vector(c["theta"])
    r_abs, r2_abs = abs_theta.dot(abs_x) + abs(c["y"]), abs_theta.dot(abs_x2) + abs(c["y2"])
    return c["lr"] ** 2 * abs_x.dot(abs_x2) * (r2_abs * mp_max_abs(c["x"]) + r_abs * mp_max_abs(c["x2"]))


def _worst(*outcomes: Outcome) -> Outcome:
    worst = max(outcomes, key=lambda outcome: outcome.score)
    return Outcome(all(outcome.holds for outcome in outcomes), worst.score, "; ".join(o.detail for o in outcomes))


def _pair_commutator(c, theta=None):
    return draft_commutator(c["theta"] if theta is None else theta, c["x"], c["y"], c["x2"], c["y2"], c["lr"])


# ----------------------------------------------------------------------------- predicates
def _gradient_idempotent(case):
    """Draft, read as: g_z is a projection, g_z(g_z(theta)) = g_z(theta)."""
    with precision():
        c = mp_case(case)
        once = draft_gradient(c["theta"], c["x"], c["y"])
        twice = draft_gradient(once, c["x"], c["y"])
        abs_x = abs_vector(c["x"])
        once_abs = (abs_vector(c["theta"]).dot(abs_x) + abs(c["y"])) * abs_x
        magnitude = mp_max_abs(once_abs) + mp_max_abs((once_abs.dot(abs_x) + abs(c["y"])) * abs_x)
        return oracle_identity(twice, once, magnitude, depth=2 * len(c["x"]) + 8)


def _gradient_is_displacement(case):
    """Draft, geometry as written: g_z(theta) is the orthogonal displacement of theta from the hyperplane theta.x = y,
    theta - P_z(theta) = (theta.x - y) x / |x|^2 (its projection on the line of x), at 60 digits (premise x != 0)."""
    with precision():
        c = mp_case(case)
        norm2 = c["x"].dot(c["x"])
        if norm2 == 0:
            return Outcome(True, 0.0, "x = 0: no hyperplane", premises_met=False)
        gradient = draft_gradient(c["theta"], c["x"], c["y"])
        displacement = gradient / norm2
        abs_x = abs_vector(c["x"])
        magnitude = mp_max_abs((abs_vector(c["theta"]).dot(abs_x) + abs(c["y"])) * abs_x) * (1 + 1 / norm2)
        return oracle_identity(gradient, displacement, magnitude, depth=3 * len(c["x"]) + 8)


#: |x| = 2: the gradient (-2) is |x|^2 = 4 times the displacement (-1/2) from the hyperplane 2 theta = 1.
_SCALED_CASE = {"theta": [0.0], "x": [2.0], "y": 1.0, "lr": 1.0}


def _commute_only_if_equal(case):
    """Draft: Phi_z and Phi_z' commute (C = 0 for all theta) only if z = z'. C is affine in theta, so it
    vanishes everywhere iff it vanishes at theta = 0 and at the p unit vectors."""
    if list(case["x"]) == list(case["x2"]) and case["y"] == case["y2"]:
        return Outcome(True, 0.0, "z = z': nothing to check", premises_met=False)
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        starts = [np.array([mpmath.mpf(int(i == j)) for i in range(dim)], dtype=object) for j in range(-1, dim)]
        commutes = all(
            oracle_identity(
                _pair_commutator(c, start),
                0 * start,
                _commutator_magnitude(start, c["x"], c["y"], c["x2"], c["y2"], c["lr"]),
                depth=4 * dim + 20,
            ).holds
            for start in starts
        )
        return compare(
            float(commutes), 0.5, "z != z' and the two steps commute" if commutes else "the steps do not commute"
        )


def _commutator_formula(case):
    """60-digit composition = 60-digit closed form (within the oracle error model of both); each float64
    implementation within the float64 error model of its own 60-digit value."""
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        exact = _pair_commutator(c)
        closed = (
            c["lr"] ** 2
            * c["x"].dot(c["x2"])
            * (
                draft_residual(c["theta"], c["x2"], c["y2"]) * c["x"]
                - draft_residual(c["theta"], c["x"], c["y"]) * c["x2"]
            )
        )
        composition_magnitude = _commutator_magnitude(c["theta"], c["x"], c["y"], c["x2"], c["y2"], c["lr"])
        args = (case["theta"], case["x"], case["y"], case["x2"], case["y2"], case["lr"])
        return _worst(
            oracle_identity(exact, closed, composition_magnitude + _closed_form_magnitude(c), depth=4 * dim + 20),
            float_identity(commutator(*args), exact, composition_magnitude, depth=2 * dim + 10),
            float_identity(commutator_closed_form(*args), closed, _closed_form_magnitude(c), depth=dim + 6),
        )


def _nonzero(vector) -> bool:
    return any(entry != 0 for entry in vector)


def _projectors_commute_only_if_equal(case):
    """Draft: P_u P_v = P_v P_u only if P_u = P_v (u, v != 0), checked on p x p matrices at 60 digits."""
    if not (_nonzero(case["u"]) and _nonzero(case["v"])):
        return Outcome(True, 0.0, "a zero vector defines no rank-one projector", premises_met=False)
    with precision():
        c = mp_case(case)
        dim = len(c["u"])
        pu, pv = (np.outer(w, w) / w.dot(w) for w in (c["u"], c["v"]))
        tolerance = oracle_tolerance(2 * dim + 8, 2)  # projector entries are <= 1 in absolute value
        equal = mp_max_abs((pu - pv).ravel()) <= tolerance
        commute = mp_max_abs((pu.dot(pv) - pv.dot(pu)).ravel()) <= tolerance
        return compare(
            float(commute and not equal),
            0.5,
            "distinct projectors commute" if commute and not equal else "claim holds on this pair",
        )


def _moment2(p):
    """E[(u.v)^2] for independent uniform unit vectors of R^p: (u.v)^2 ~ Beta(1/2, (p-1)/2) for p >= 2."""
    if p == 1:
        return mpmath.mpf(1)  # u, v in {-1, +1}
    b = mpmath.mpf(p - 1) / 2
    return mpmath.beta(mpmath.mpf(3) / 2, b) / mpmath.beta(mpmath.mpf(1) / 2, b)


def _expected_squared_commutator(p, r, r2, lr, a=1, b=1):
    """E|C|^2 for x = a u, x' = b v with fixed residuals r, r': the moment form (E[(u.v)^3] = 0 by symmetry)."""
    return lr**4 * a**2 * b**2 * (a**2 * r2**2 + b**2 * r**2) * _moment2(p)


def _grows_with_dimension(case):
    """Draft, read as: for random unit inputs at fixed residuals and lr, E|C|^2 is non-decreasing in p."""
    low, high = sorted((case["p"], case["q"]))
    with precision():
        c = mp_case({key: case[key] for key in ("r", "r2", "lr")})
        at_low = _expected_squared_commutator(low, c["r"], c["r2"], c["lr"])
        at_high = _expected_squared_commutator(high, c["r"], c["r2"], c["lr"])
        drop = max(at_low - at_high, 0)
        return compare(
            float(drop),
            oracle_tolerance(40, float(at_low)),
            f"E|C|^2 = {mpmath.nstr(at_low, 6)} at p = {low}, {mpmath.nstr(at_high, 6)} at p = {high}",
        )


def _random_inputs(case):
    """E|C|^2 = lr^4 a^2 b^2 (a^2 r'^2 + b^2 r^2)/p: exact Beta moments at 60 digits, and a Monte Carlo mean
    within MC_SIGMAS standard errors (sample standard deviation over MC_SAMPLES draws; |C|^2 is bounded, so
    the central limit theorem applies). By the closed form C = lr^2 a b w t (rho' u - rho v), w =
    max(|r'| a, |r| b), rho' = r' a / w, rho = r b / w; the Monte Carlo runs in units of lr^4 a^2 b^2 w^2
    (E = (rho'^2 + rho^2)/p), so that float64 neither underflows nor overflows."""
    p = case["p"]
    with precision():
        c = mp_case({key: case[key] for key in ("r", "r2", "lr", "a", "b")})
        closed = c["lr"] ** 4 * c["a"] ** 2 * c["b"] ** 2 * (c["a"] ** 2 * c["r2"] ** 2 + c["b"] ** 2 * c["r"] ** 2) / p
        moments = _expected_squared_commutator(p, c["r"], c["r2"], c["lr"], c["a"], c["b"])
        exact = compare(
            float(abs(moments - closed)),
            oracle_tolerance(40, float(closed)),
            f"Beta moments {mpmath.nstr(moments, 8)} vs closed form {mpmath.nstr(closed, 8)}",
        )
        unit = max(abs(c["r2"]) * c["a"], abs(c["r"]) * c["b"])
        if unit == 0:
            return exact
        rho2, rho = float(c["r2"] * c["a"] / unit), float(c["r"] * c["b"] / unit)
        expected = float(closed / (c["lr"] ** 4 * c["a"] ** 2 * c["b"] ** 2 * unit**2))
    rng = np.random.default_rng(case["seed"])
    u, v = (rng.standard_normal((MC_SAMPLES, p)) for _ in range(2))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    cosines = np.einsum("ij,ij->i", u, v)
    squared = np.sum((cosines[:, None] * (rho2 * u - rho * v)) ** 2, axis=1)
    standard_error = squared.std(ddof=1) / np.sqrt(MC_SAMPLES)
    rounding = float64_tolerance(2 * p + 12, (abs(rho2) + abs(rho)) ** 2)
    monte_carlo = compare(
        abs(squared.mean() - expected),
        MC_SIGMAS * standard_error + rounding,
        f"Monte Carlo mean {squared.mean():.6e} +- {standard_error:.2e} vs {expected:.6e} (units of lr^4 a^2 b^2 w^2)",
    )
    return _worst(exact, monte_carlo)


def _small_lr_bound(case):
    """|C| <= lr^2 |x.x'| (|r'| |x| + |r| |x'|), C evaluated as the composition at 60 digits."""
    with precision():
        c = mp_case(case)
        r, r2 = draft_residual(c["theta"], c["x"], c["y"]), draft_residual(c["theta"], c["x2"], c["y2"])
        bound = c["lr"] ** 2 * abs(c["x"].dot(c["x2"])) * (abs(r2) * mp_norm(c["x"]) + abs(r) * mp_norm(c["x2"]))
        magnitude = _commutator_magnitude(c["theta"], c["x"], c["y"], c["x2"], c["y2"], c["lr"])
        size = mp_norm(_pair_commutator(c))
        rounding = oracle_tolerance(4 * len(c["x"]) + 20, float(magnitude)) * len(c["x"]) ** 0.5
        return compare(
            float(size), float(bound) + rounding, f"|C| = {mpmath.nstr(size, 5)}, bound {mpmath.nstr(bound, 5)}"
        )


def _similar_points_bound(case):
    """|C| <= lr^2 |x||x'| ((|theta||x| + |r|) |x' - x| + |x| |y' - y|) at 60 digits."""
    with precision():
        c = mp_case(case)
        norm_x, norm_x2, norm_dx = mp_norm(c["x"]), mp_norm(c["x2"]), mp_norm(c["x2"] - c["x"])
        r = draft_residual(c["theta"], c["x"], c["y"])
        bound = (
            c["lr"] ** 2
            * norm_x
            * norm_x2
            * ((mp_norm(c["theta"]) * norm_x + abs(r)) * norm_dx + norm_x * abs(c["y2"] - c["y"]))
        )
        magnitude = _commutator_magnitude(c["theta"], c["x"], c["y"], c["x2"], c["y2"], c["lr"])
        size = mp_norm(_pair_commutator(c))
        rounding = oracle_tolerance(4 * len(c["x"]) + 20, float(magnitude)) * len(c["x"]) ** 0.5
        return compare(
            float(size), float(bound) + rounding, f"|C| = {mpmath.nstr(size, 5)}, bound {mpmath.nstr(bound, 5)}"
        )


def _prove_gradient_geometry() -> bool:
    """g_z(theta) = |x|^2 (theta - P_z(theta)); theta - P_z(theta) lies on x, is orthogonal to every direction of the
    hyperplane (v . x = 0, here v = x cross w) and has length |r|/|x|, the distance of theta to the hyperplane; for
    |x| = 1, g_z(theta) is exactly that displacement (dimension 3)."""
    theta, x, w = (symbolic_vector(name, 3) for name in ("theta", "x", "w"))
    y = sympy.Symbol("y", real=True)
    norm2 = sym_dot(x, x)
    residual = sym_dot(theta, x) - y
    displacement = sym_gradient(theta, x, y) / norm2  # theta - P_z(theta)
    direction = x.cross(w)
    return (
        is_zero_matrix(sym_gradient(theta, x, y) - norm2 * displacement)
        and is_zero_matrix(displacement - residual / norm2 * x)
        and is_zero(sym_dot(displacement, direction))
        and is_zero(sym_dot(displacement, displacement) - residual**2 / norm2)
    )


# ----------------------------------------------------------------------------- strategies
@st.composite
def _vector_pairs(draw, max_dim: int = SMALL_DIM):
    dim = draw(dimensions(max_dim))
    return {"u": draw(vectors(dim, draw(scales()))), "v": draw(vectors(dim, draw(scales())))}


def _residual(draw):
    return float(draw(st.floats(-1.0, 1.0)) * draw(scales()))


@st.composite
def _dimension_pairs(draw):
    return {
        "p": draw(dimensions()),
        "q": draw(dimensions()),
        "r": _residual(draw),
        "r2": _residual(draw),
        "lr": draw(learning_rates()),
    }


@st.composite
def _random_input_cases(draw):
    return {
        "p": draw(dimensions()),
        "a": draw(scales()),
        "b": draw(scales()),
        "r": _residual(draw),
        "r2": _residual(draw),
        "lr": draw(learning_rates()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


SMALL_RANGES = RANGES.replace("p in [1, 512]", f"p in [1, {SMALL_DIM}] (O(p^2) mpmath work per case)")
DIMENSION_RANGES = "p, q in [1, 512]; |r|, |r'| <= 1e3; lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]"
MC_RANGES = (
    f"p in [1, 512]; norms a, b log-uniform in [1e-3, 1e3]; |r|, |r'| <= 1e3; lr in [1e-8, 1e2]; "
    f"{MC_SAMPLES} Monte Carlo draws per case, tolerance {MC_SIGMAS} standard errors"
)
ORTHOGONAL_PAIR = {"theta": [0.0, 0.0], "x": [1.0, 0.0], "y": 1.0, "lr": 0.5, "x2": [0.0, 1.0], "y2": -1.0}
PROJECTION_NOTE = r"$P_z(\theta) = \theta - g_z(\theta)/|x|^2$"


register(
    Lemma(
        id="lr-gradient-projection",
        title="The linear-regression gradient is an affine projection (idempotence reading)",
        statement=r"$g_z(\theta) = (\theta\cdot x - y)\,x$ is an affine projection on the vector $x$, orthogonally to the "
        r"hyperplane $\theta\cdot x = y$: $g_z(g_z(\theta)) = g_z(\theta)$.",
        source=SECTION,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R",),
        quote=r"We have $\nabla_\theta l(h_\theta (x), y) = (\theta \cdot x - y) x$, which is an affine projection on the vector $x$, orthogonally to hyperplane of equation $\theta \cdot x = y$.",
        interpretation="A projection is an idempotent map; read as: g_z is idempotent. It is not (g_z(g_z(theta)) = "
        "(r|x|^2 - y) x), except when |x| = 1 and y = 0. The map the draft describes is the orthogonal "
        "projection P_z onto the hyperplane, and g_z(theta) = |x|^2 (theta - P_z(theta)).",
        claim="lr-gradient-projection",
        reading="projection = idempotent map",
        checks=(oracle_property("idempotent", linear_points(), _gradient_idempotent),),
        corrected_by=("lr-hyperplane-projection",),
        counterexample=Counterexample("idempotent", {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 1.0}),
    ),
    Lemma(
        id="lr-gradient-projection-geometry",
        title="The linear-regression gradient is theta's orthogonal displacement from the hyperplane (geometry reading)",
        statement=r"$g_z(\theta) = (\theta\cdot x - y)\,x$ is the affine projection of $\theta$ on the vector $x$, orthogonally "
        r"to the hyperplane $\theta\cdot x = y$: $g_z(\theta) = \theta - P_z(\theta) = "
        r"\frac{\theta\cdot x - y}{|x|^2}x$ ($x \ne 0$).",
        source=SECTION,
        as_written=True,
        quote=r"We have $\nabla_\theta l(h_\theta (x), y) = (\theta \cdot x - y) x$, which is an affine projection on the vector $x$, orthogonally to hyperplane of equation $\theta \cdot x = y$.",
        claim="lr-gradient-projection",
        reading="the geometry described: on x, orthogonal to the hyperplane",
        assumptions=("x != 0 (else there is no hyperplane)", "linear regression, any p"),
        interpretation="The geometry the sentence describes, taken as written: the gradient is theta's displacement "
        "from the hyperplane along x. It is that displacement times |x|^2, a factor the draft omits: "
        "refuted for |x| != 1 (x = 2: gradient -2, displacement -1/2). The package's earlier encoding "
        "proved the scaled identity under this name; it is now the corrected lemma "
        "lr-gradient-projection-scaled.",
        checks=(
            oracle_property(
                "gradient-is-displacement", linear_points(), _gradient_is_displacement, examples=(_SCALED_CASE,)
            ),
        ),
        corrected_by=("lr-gradient-projection-scaled",),
        counterexample=Counterexample("gradient-is-displacement", _SCALED_CASE, found_by="example"),
    ),
    Lemma(
        id="lr-gradient-projection-scaled",
        title="The linear-regression gradient is |x|^2 times theta's displacement from the hyperplane",
        statement=r"$g_z(\theta) = |x|^2\,(\theta - P_z(\theta))$ where $\theta - P_z(\theta) = \frac{\theta\cdot x - y}{|x|^2}x$ is the "
        r"orthogonal displacement of $\theta$ from the hyperplane $\theta\cdot x = y$: it lies on $x$, is orthogonal "
        r"to the hyperplane, and has length $\mathrm{dist}(\theta, \{\theta\cdot x = y\})$. For $|x| = 1$ the "
        r"gradient is exactly that displacement; otherwise it is that displacement scaled by $|x|^2$.",
        source=SECTION,
        as_written=False,
        assumptions=("x != 0", "linear regression, any p"),
        interpretation="The correction of lr-gradient-projection-geometry: the geometry holds up to the factor |x|^2 "
        "(exact for unit inputs).",
        uses=("lr-hyperplane-projection",),
        checks=(
            SympyProof(
                "displacement-geometry",
                _prove_gradient_geometry,
                "sympy identities in dimension 3 (vectors theta, x and x cross w spanning the hyperplane's "
                "directions), rational in |x|^2 != 0",
                coverage=every_size(
                    "all p (the displacement is a multiple of x: 2 vectors; x cross w spans x^perp in R^3)"
                ),
            ),
        ),
    ),
    Lemma(
        id="lr-hyperplane-projection",
        title="A linear-regression step is a relaxed projection onto the hyperplane of its data point",
        statement=PROJECTION_NOTE
        + r" is the orthogonal projection onto $\{\theta\cdot x = y\}$ ($P_z \circ P_z = P_z$, "
        r"$P_z(\theta)\cdot x = y$, $\theta - P_z(\theta) = \frac{r}{|x|^2} x$), and "
        r"$\Phi_z(\theta) = \theta - \lambda|x|^2\,(\theta - P_z(\theta))$: a relaxed projection, "
        r"exactly the projection (Kaczmarz) at $\lambda|x|^2 = 1$ ($x \ne 0$).",
        source=SECTION,
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "x != 0",
            "lr in R, the draft's domain (either sign)",
        ),
        checks=(
            SympyProof(
                "projection-identities",
                _prove_hyperplane_projection,
                "sympy identities in dimension 2 (vectors theta, x), rational in |x|^2 != 0",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="steps-commute-iff-equal",
        title="Two gradient steps commute only for the same data point",
        statement=r"$\Phi_z \circ \Phi_{z'} = \Phi_{z'} \circ \Phi_z$ implies $z = z'$ (linear regression).",
        source=SECTION,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr != 0 (lr in R)"),
        quote=r"so $\Phi_z$ and $\Phi_{z'}$ don't commute unless $z = z'$.",
        interpretation="Checked on the maps: C(theta) is affine in theta, so the steps commute iff C vanishes at theta = 0 "
        "and at the p unit vectors (60-digit evaluation). Orthogonal inputs, multiples z' = c z and zero "
        "inputs all give commuting steps with z != z'. Hypothesis alone shrinks to the degenerate "
        "x = x' = 0, y != y' (both steps the identity); the stored case is the orthogonal example.",
        checks=(
            oracle_property(
                "commute-implies-equal",
                point_pairs(max_dim=SMALL_DIM),
                _commute_only_if_equal,
                SMALL_RANGES,
                examples=(ORTHOGONAL_PAIR,),
            ),
        ),
        corrected_by=("lr-commutator-formula",),
        counterexample=Counterexample("commute-implies-equal", ORTHOGONAL_PAIR, found_by="example"),
    ),
    Lemma(
        id="lr-commutator-formula",
        title="Closed form of the commutator of two linear-regression steps",
        statement=r"$\Phi_z(\Phi_{z'}(\theta)) - \Phi_{z'}(\Phi_z(\theta)) = \lambda^2 (x\cdot x')\,(r' x - r x')$ with "
        r"$r = \theta\cdot x - y$, $r' = \theta\cdot x' - y'$. Hence the two maps commute for all $\theta$ iff "
        r"$x\cdot x' = 0$, or $x = 0$, or $x' = 0$, or $z'$ is a multiple of $z$ ($x' = c x$, $y' = c y$).",
        source=SECTION,
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "two data points z, z'",
        ),
        interpretation="Iff part: the Jacobian of C is lr^2 (x.x')(x x'^T - x' x^T), whose squared Frobenius norm is "
        "2 lr^4 (x.x')^2 (|x|^2|x'|^2 - (x.x')^2) (Lagrange); it vanishes iff x.x' = 0 or x' is parallel "
        "to x, and for x' = c x the constant C = lr^2 c |x|^2 (c y - y') x vanishes iff c = 0 or y' = c y.",
        uses=("commutator-quadratic",),
        checks=(
            SympyProof(
                "closed-form-and-iff",
                _prove_commutator_formula,
                "sympy identities in dimension 3 (vectors theta, x, x'): closed form, its Jacobian, the "
                "Lagrange identity and the parallel case x' = c x",
                coverage=vectors_span(3),
            ),
            oracle_property(
                "float64-vs-60-digits", point_pairs(signed=False), _commutator_formula, positive_ranges(RANGES)
            ),
        ),
    ),
    Lemma(
        id="projectors-commute-iff-equal",
        title="Rank-one orthogonal projectors commute only when equal",
        statement=r"For $u, v \ne 0$ and $P_w = w w^\top / |w|^2$: $P_u P_v = P_v P_u$ implies $P_u = P_v$.",
        source=SECTION,
        as_written=True,
        assumptions=("u, v in R^p nonzero, any p",),
        quote=r"Even two linear orthogonal projectors of rank $1$ don't commute unless equal.",
        interpretation="Exactly orthogonal float vectors are rare among random draws: Hypothesis alone passes 60 "
        "examples, so the orthogonal pair is a hand-picked example (the closed form of "
        "projectors-commute-iff shows every orthogonal pair breaks the claim).",
        checks=(
            oracle_property(
                "commute-implies-equal",
                _vector_pairs(),
                _projectors_commute_only_if_equal,
                f"p in [1, {SMALL_DIM}] (p x p matrices); |u|, |v| scales log-uniform in [1e-3, 1e3]",
                examples=({"u": [1.0, 0.0], "v": [0.0, 1.0]},),
            ),
        ),
        corrected_by=("projectors-commute-iff",),
        counterexample=Counterexample("commute-implies-equal", {"u": [1.0, 0.0], "v": [0.0, 1.0]}, found_by="example"),
    ),
    Lemma(
        id="projectors-commute-iff",
        title="When two rank-one orthogonal projectors commute",
        statement=r"$P_u P_v - P_v P_u = \frac{(u\cdot v)\,(u v^\top - v u^\top)}{|u|^2|v|^2}$, which is zero iff "
        r"$u\cdot v = 0$ or $u \parallel v$.",
        source=SECTION,
        as_written=False,
        assumptions=("u, v in R^p nonzero, any p",),
        interpretation="|u v^T - v u^T|_F^2 = 2(|u|^2|v|^2 - (u.v)^2) (Lagrange), zero iff u and v are parallel (Cauchy-Schwarz).",
        checks=(
            SympyProof(
                "closed-form",
                _prove_projectors,
                "sympy identities in dimension 3 (vectors u, v; dimension 3 keeps the wedge non-trivial)",
                coverage=every_size("all p (2 vectors u, v in R^3)"),
            ),
        ),
    ),
    Lemma(
        id="commutator-high-amplitude",
        title="The commutator grows with the square of a point's amplitude",
        statement=r"Scaling $z' = (x', y')$ to $(s x', s y')$ scales $\Phi_z\circ\Phi_{z'} - \Phi_{z'}\circ\Phi_z$ by $s^2$.",
        source=HARD,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "s in R",
        ),
        quote=r"Poisons with high amplitude are hard to unlearn, since the clean and the poisoned samples would differ by a lot.",
        interpretation="'Poisons with high amplitude are hard to unlearn': the amplitude of a point is a common factor s of "
        "(x', y'); read as: the commutator grows with s, and it does so exactly as s^2.",
        uses=("lr-commutator-formula",),
        checks=(
            SympyProof(
                "quadratic-scaling",
                _prove_high_amplitude,
                "sympy identity in dimension 3 (vectors theta, x, x')",
                coverage=vectors_span(3),
            ),
        ),
    ),
    Lemma(
        id="commutator-grows-with-dim",
        title="Steps commute less in higher dimension",
        statement=r"For independent uniformly random unit inputs $x, x'$ of $\mathbb{R}^p$ and fixed residuals $r, r'$ "
        r"and $\lambda$, $E|C|^2$ is non-decreasing in $p$.",
        source=HARD,
        as_written=True,
        assumptions=("x, x' independent uniform on the unit sphere of R^p", "fixed residuals r, r' and lr in R"),
        quote=r"Machine unlearning gets harder with higher-dimensional input spaces since collinearity is difficult to achieve.",
        interpretation="'Machine unlearning gets harder with higher-dimensional input spaces since collinearity is difficult "
        "to achieve'. Inputs are normalised (lr |x|^2 fixed, as the stability condition lr |x|^2 < 2 asks); "
        "then E|C|^2 = lr^4 (r^2 + r'^2)/p decreases: random directions become orthogonal, which makes "
        "steps commute. Unnormalised Gaussian inputs at fixed lr give E|C|^2 = lr^4 (r^2 + r'^2) p (p + 2), "
        "which grows, but lr |x|^2 ~ lr p then leaves the stable regime.",
        checks=(oracle_property("non-decreasing", _dimension_pairs(), _grows_with_dimension, DIMENSION_RANGES),),
        corrected_by=("commutator-random-inputs",),
        counterexample=Counterexample("non-decreasing", {"p": 1, "q": 2, "r": 0.0, "r2": 1.0, "lr": 1.0}),
    ),
    Lemma(
        id="commutator-random-inputs",
        title="Expected squared commutator for random input directions",
        statement=r"For $x = a u$, $x' = b v$ with $u, v$ independent uniform on the unit sphere of $\mathbb{R}^p$ and fixed "
        r"residuals $r, r'$: $E|C|^2 = \lambda^4 a^2 b^2 (a^2 r'^2 + b^2 r^2)/p$; for unit inputs "
        r"$E|C|^2 = \lambda^4 (r^2 + r'^2)/p$.",
        source=HARD,
        as_written=False,
        assumptions=(
            "x = a u, x' = b v with u, v independent uniform on the unit sphere of R^p, p >= 1",
            "fixed residuals r, r'; lr in R",
        ),
        interpretation="|C|^2 = lr^4 a^2 b^2 t^2 (a^2 r'^2 + b^2 r^2 - 2 a b r r' t) with t = u.v; E t^2 = 1/p "
        "((u.v)^2 ~ Beta(1/2, (p-1)/2)) and E t^3 = 0 (t is symmetric).",
        uses=("lr-commutator-formula",),
        checks=(oracle_property("moments-and-monte-carlo", _random_input_cases(), _random_inputs, MC_RANGES),),
    ),
    Lemma(
        id="commutator-small-lr",
        title="Low learning rate: the commutator is second order while steps are first order",
        statement=r"$|C| \le \lambda^2\,|x\cdot x'|\,(|r'|\,|x| + |r|\,|x'|)$ while $|\Phi_z(\theta) - \theta| = \lambda |r|\,|x|$.",
        source=EASY,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        quote=r"learning rate is low (such as in finetuning), thus the model shift is small enough to be unlearned.",
        interpretation="'Learning rate is low (such as in finetuning)' => near commutation: read as |C| = O(lr^2) against "
        "steps of size O(lr), with the explicit constant.",
        uses=("lr-commutator-formula",),
        checks=(
            SympyProof(
                "squared-norms",
                _prove_small_lr,
                "sympy: |C|^2 = lr^4 (x.x')^2 (r'^2|x|^2 + r^2|x'|^2 - 2 r r' x.x') and |Phi_z - id|^2 = "
                "lr^2 r^2 |x|^2 in dimension 3; the bound follows by Cauchy-Schwarz",
                coverage=vectors_span(3),
            ),
            oracle_property("bound-60-digits", point_pairs(), _small_lr_bound),
        ),
    ),
    Lemma(
        id="commutator-similar-points",
        title="Similar data points nearly commute",
        statement=r"$C(z, z) = 0$ and, for $z' = z + (\delta x, \delta y)$, $C = \lambda^2 (x\cdot x')((\theta\cdot\delta x "
        r"- \delta y) x - r\,\delta x)$, so $|C| \le \lambda^2 |x||x'|\,((|\theta||x| + |r|)|\delta x| + |x||\delta y|)$.",
        source=EASY,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "z' = z + (dx, dy)",
        ),
        quote=r"the model is trained on a sequence of similar data points (e.g in the same class).",
        interpretation="'Trained on a sequence of similar data points (e.g. in the same class)': read as: the commutator "
        "vanishes at z' = z and is Lipschitz in z' - z with the explicit constant.",
        uses=("lr-commutator-formula",),
        checks=(
            SympyProof(
                "perturbation",
                _prove_similar_points,
                "sympy identities in dimension 3 (vectors theta, x, delta x); the bound by Cauchy-Schwarz",
                coverage=vectors_span(3),
            ),
            oracle_property("bound-60-digits", point_pairs(), _similar_points_bound),
        ),
    ),
    Lemma(
        id="different-classes-no-commute",
        title="Steps on very different points (different classes) are unlikely to commute",
        statement=r"For data points $z, z'$ of different classes, $|\Phi_z\circ\Phi_{z'} - \Phi_{z'}\circ\Phi_z|$ is large "
        r"compared with same-class pairs.",
        source=HARD,
        as_written=True,
        assumptions=("networks; pairs of data points of different classes against same-class pairs",),
        quote=r"Gradient steps are unlikely to commute for two data points that are very different (i.e of different classes).",
        interpretation="An empirical hypothesis on networks and datasets; the linear closed form shows it can fail "
        "(orthogonal inputs commute whatever their labels). Measured by sims and empirical.",
        uses=("commutator-logistic",),
    ),
)
