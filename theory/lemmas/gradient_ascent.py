r"""Draft section "Gradient ascent does not revert gradient descent" (linear regression).

One descent step :math:`\theta_1 = \theta_0 - \lambda g_z(\theta_0)`, then one ascent step
:math:`\theta_2 = \theta_1 + \mu g_z(\theta_1)` (the draft uses :math:`\mu = \lambda`). With
:math:`r = \theta_0 \cdot x - y`:

.. math::
    \theta_2 - \theta_0 = r\,x\,\big(\mu (1 - \lambda |x|^2) - \lambda\big)
    \overset{\mu=\lambda}{=} -\lambda^2 r |x|^2 x .

Symbolic proofs use dimension 2 (two vectors, theta_0 and x; see :mod:`theory.checking.building_blocks` for why
that suffices for every p); the fuzzed checks re-evaluate the identities at 60 digits for p up to 512.
"""

from __future__ import annotations

import mpmath
import sympy

from theory.checking.building_blocks import (
    compare,
    is_zero,
    is_zero_matrix,
    mp_case,
    oracle_identity,
    oracle_property,
    sym_gradient,
    symbolic_vector,
    vectors_span,
)
from theory.checking.error_model import oracle_tolerance
from theory.checking.formulas import draft_gradient, draft_residual, draft_step
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import Counterexample, Lemma, Outcome, SympyProof, every_size, register
from theory.checking.strategies import (
    ITERATION_RANGES,
    LINEAR_POINT_RANGES,
    POINT_PAIR_RANGES,
    iteration_points,
    linear_points,
    point_pairs,
    signed_ranges,
)

SECTION = "Gradient ascent does not revert gradient descent"
LINEAR = f"{SECTION} / Approximation error in the linear case"
RANGES = LINEAR_POINT_RANGES


# ----------------------------------------------------------------------------- symbolic objects
def _symbols(dim: int = 2):
    theta0, x = symbolic_vector("theta", dim), symbolic_vector("x", dim)
    y, lr, mu = sympy.symbols("y lambda mu", real=True)
    residual = (theta0.T * x)[0] - y
    theta1 = theta0 - lr * residual * x
    return theta0, x, y, lr, mu, residual, theta1


def _prove_linear_error() -> bool:
    theta0, x, y, lr, _, residual, theta1 = _symbols()
    theta2 = theta1 + lr * sym_gradient(theta1, x, y)
    return is_zero_matrix(theta2 - theta0 + lr**2 * residual * (x.T * x)[0] * x)


def _prove_gradient_difference() -> bool:
    theta0, theta1, x = (symbolic_vector(name, 3) for name in ("a", "b", "x"))
    y = sympy.Symbol("y", real=True)
    return is_zero_matrix(sym_gradient(theta1, x, y) - sym_gradient(theta0, x, y) - ((theta1 - theta0).T * x)[0] * x)


def _prove_unlearning_rate() -> bool:
    theta0, x, y, lr, mu, residual, theta1 = _symbols()
    theta2 = theta1 + mu * sym_gradient(theta1, x, y)
    norm2 = (x.T * x)[0]
    closed = residual * x * (mu * (1 - lr * norm2) - lr)
    exact_rate = lr / (1 - lr * norm2)
    return is_zero_matrix(theta2 - theta0 - closed) and is_zero(closed.subs(mu, exact_rate)[0])


def _prove_error_norm() -> bool:
    theta0, x, y, lr, _, residual, theta1 = _symbols()
    error = theta1 + lr * sym_gradient(theta1, x, y) - theta0
    norm2 = (x.T * x)[0]
    squared_error = (error.T * error)[0]
    gradient_norm2 = residual**2 * norm2
    step_norm2 = ((theta1 - theta0).T * (theta1 - theta0))[0]
    return is_zero(squared_error - lr**4 * norm2**2 * gradient_norm2) and is_zero(
        squared_error - lr**2 * norm2**2 * step_norm2
    )


def _prove_exact_iff() -> bool:
    # |theta2 - theta0|^2 = lr^4 r^2 |x|^6: zero iff r = 0 or x = 0 (lr > 0)
    theta0, x, y, lr, _, residual, theta1 = _symbols()
    error = theta1 + lr * sym_gradient(theta1, x, y) - theta0
    return is_zero((error.T * error)[0] - lr**4 * residual**2 * (x.T * x)[0] ** 3)


def _prove_collinear() -> bool:
    # every 2x2 minor of [g(theta0), g(theta1)] vanishes: both gradients lie on the line of x
    theta0, x, y, lr, _, _, theta1 = _symbols(3)
    g0, g1 = sym_gradient(theta0, x, y), sym_gradient(theta1, x, y)
    return all(is_zero(g0[i] * g1[j] - g0[j] * g1[i]) for i in range(3) for j in range(i + 1, 3))


def _prove_hard_kinds() -> bool:
    theta0, x, y, lr, _, residual, theta1 = _symbols()
    norm2 = (x.T * x)[0]  # ||x x^T||_2 = |x|^2
    gradient = sym_gradient(theta0, x, y)
    loss = residual**2 / 2
    return is_zero((gradient.T * gradient)[0] - 2 * loss * norm2)


# ----------------------------------------------------------------------------- predicates (mpmath, 60 digits)
def _descent_ascent(case):
    """theta_1, theta_2 and the magnitude bound of the computation, in mpmath (either sign of lr: |lr| in the bound)."""
    c = mp_case(case)
    theta1 = draft_step(c["theta"], c["x"], c["y"], c["lr"])
    theta2 = draft_step(theta1, c["x"], c["y"], -c["lr"])
    abs_x = abs_vector(c["x"])
    magnitude = (
        mp_max_abs(c["theta"])
        + mp_max_abs(theta1)
        + 2 * abs(c["lr"]) * (abs_vector(theta1).dot(abs_x) + abs(c["y"])) * mp_max_abs(c["x"])
        + c["lr"] ** 2 * abs(draft_residual(c["theta"], c["x"], c["y"])) * abs_x.dot(abs_x) * mp_max_abs(c["x"])
    )
    return c, theta1, theta2, magnitude


def _linear_error_identity(case):
    with precision():
        c, _, theta2, magnitude = _descent_ascent(case)
        closed = -(c["lr"] ** 2) * draft_residual(c["theta"], c["x"], c["y"]) * c["x"].dot(c["x"]) * c["x"]
        return oracle_identity(theta2 - c["theta"], closed, magnitude, depth=2 * len(c["x"]) + 12)


def _middle_step_as_written(case):
    """Draft: lr g(theta1) - lr g(theta0) = ((-lr r x) . x) x."""
    with precision():
        c, theta1, _, magnitude = _descent_ascent(case)
        left = c["lr"] * (draft_gradient(theta1, c["x"], c["y"]) - draft_gradient(c["theta"], c["x"], c["y"]))
        right = (-c["lr"] * draft_residual(c["theta"], c["x"], c["y"]) * c["x"]).dot(c["x"]) * c["x"]
        return oracle_identity(left, right, magnitude, depth=2 * len(c["x"]) + 12)


def _hard_kinds_agree(case):
    """Draft: for a convex loss, high loss <=> large gradient <=> large Hessian (orders of two points agree)."""
    with precision():
        c = mp_case(case)
        features = []
        for x, y in ((c["x"], c["y"]), (c["x2"], c["y2"])):
            residual = draft_residual(c["theta"], x, y)
            norm2 = x.dot(x)
            features.append((residual**2 / 2, abs(residual) * norm2**0.5, norm2))
        signs = {(a > b) - (a < b) for a, b in zip(*features)}
        return compare(
            float(len(signs) > 1),
            0.5,
            f"(loss, |g|, |H|) of z = {[float(v) for v in features[0]]}, of z' = {[float(v) for v in features[1]]}",
        )


def _prove_ascent_gap_any_model() -> bool:
    """Any model: theta_2 - theta_0 = lr (g(theta_1) - g(theta_0)) with theta_1 = theta_0 - lr g(theta_0), for an
    arbitrary gradient field g (undefined functions, dimension 2; the identity is coordinatewise)."""
    theta0 = sympy.symbols("theta_0:2", real=True)
    lr = sympy.Symbol("lambda", real=True)

    def field(point):
        return [sympy.Function(f"g_{i}")(*point) for i in range(2)]

    g0 = field(theta0)
    theta1 = [theta0[i] - lr * g0[i] for i in range(2)]
    g1 = field(theta1)
    theta2 = [theta1[i] + lr * g1[i] for i in range(2)]
    return all(is_zero(theta2[i] - theta0[i] - lr * (g1[i] - g0[i])) for i in range(2))


def _prove_nontrivial_step() -> bool:
    """Linear regression: |theta_2 - theta_0|^2 = lr^4 |x|^4 |g_z(theta_0)|^2, so theta_2 = theta_0 iff g_z(theta_0) = 0."""
    theta0, x, y, lr, _, residual, theta1 = _symbols()
    error = theta1 + lr * sym_gradient(theta1, x, y) - theta0
    gradient = sym_gradient(theta0, x, y)
    return is_zero((error.T * error)[0] - lr**4 * (x.T * x)[0] ** 2 * (gradient.T * gradient)[0])


def _ascent_differs_under_premise(case):
    """Premise as stated: g_z(theta_1) != g_z(theta_0) (a point with r = 0 or x = 0 violates it); then theta_2 != theta_0."""
    with precision():
        c, theta1, theta2, magnitude = _descent_ascent(case)
        depth = 2 * len(c["x"]) + 12
        # the premise at the scale of theta_2 - theta_0 = lr (g_z(theta_1) - g_z(theta_0)): a gradient change that
        # 60 digits resolve only before the factor lr is below the resolution of the conclusion too
        gradients = oracle_identity(
            c["lr"] * draft_gradient(theta1, c["x"], c["y"]),
            c["lr"] * draft_gradient(c["theta"], c["x"], c["y"]),
            magnitude,
            depth,
        )
        if gradients.holds:
            return Outcome(
                True, 0.0, "g_z(theta_1) = g_z(theta_0) within 60-digit rounding: premise not met", premises_met=False
            )
        check = oracle_identity(theta2, c["theta"], magnitude, depth)
        return compare(
            0.0 if not check.holds else 1.0,
            0.5,
            "theta2 differs from theta0" if not check.holds else "theta2 == theta0 " + check.detail,
        )


def _error_size_identity(case):
    """At fixed x and lr: |theta_2 - theta_0| = lr^2 |x|^3 sqrt(2 L) at 60 digits (x = 0 is degenerate)."""
    with precision():
        c, _, theta2, magnitude = _descent_ascent(case)
        norm2 = c["x"].dot(c["x"])
        if norm2 == 0:
            return Outcome(True, 0.0, "x = 0: no step at all (degenerate)", premises_met=False)
        loss = draft_residual(c["theta"], c["x"], c["y"]) ** 2 / 2
        predicted = c["lr"] ** 2 * norm2 * mpmath.sqrt(norm2) * mpmath.sqrt(2 * loss)
        error = mp_norm(theta2 - c["theta"])
        return compare(
            float(abs(error - predicted)),
            oracle_tolerance(2 * len(c["x"]) + 20, float(magnitude) * len(c["x"])),
            f"|theta2 - theta0| = {mpmath.nstr(error, 6)}, lr^2 |x|^3 sqrt(2L) = {mpmath.nstr(predicted, 6)}",
        )


def _error_order_follows_loss(case):
    """Across two points at one rate, both in the stable regime lr|x|^2 < 2: the point with the smaller loss (or the
    smaller gradient) has the smaller ascent error. Degenerate pairs (x = 0, equal losses) support nothing."""
    with precision():
        c = mp_case(case)
        rows = []
        for x, y in ((c["x"], c["y"]), (c["x2"], c["y2"])):
            norm2 = x.dot(x)
            if norm2 == 0 or c["lr"] * norm2 >= 2:
                return Outcome(True, 0.0, "x = 0 or lr|x|^2 >= 2 (outside the stable regime)", premises_met=False)
            residual = draft_residual(c["theta"], x, y)
            theta2 = draft_step(draft_step(c["theta"], x, y, c["lr"]), x, y, -c["lr"])  # descent, then ascent
            rows.append((residual**2 / 2, abs(residual) * mpmath.sqrt(norm2), mp_norm(theta2 - c["theta"])))
        (loss_a, grad_a, err_a), (loss_b, grad_b, err_b) = rows
        if loss_a == loss_b:
            return Outcome(True, 0.0, "equal losses: nothing to order", premises_met=False)
        smaller_loss_first = loss_a < loss_b
        smaller_error_first = (err_a <= err_b) if smaller_loss_first else (err_b <= err_a)
        return Outcome(
            bool(smaller_error_first),
            0.0 if smaller_error_first else 2.0,
            f"(loss, |g|, error): z {[mpmath.nstr(v, 4) for v in rows[0]]}, z' {[mpmath.nstr(v, 4) for v in rows[1]]}",
        )


#: Stable pair (lr|x|^2 = 1.5625 and 0.25): z has the smaller loss and gradient, but the larger ascent error.
_SMALL_LOSS_LARGE_ERROR = {"theta": [0.0], "x": [1.25], "y": -0.125, "lr": 1.0, "x2": [0.5], "y2": -0.5}


#: The cross-example constant: for 0 < lr|x|^2 < 2, |theta_2 - theta_0|^2 = lr q^3 r^2 < 8 lr r^2 = 16 lr L.
CROSS_EXAMPLE_CONSTANT = 4


def ascent_error_within_loss_bound(case, stable: bool, constant: float = CROSS_EXAMPLE_CONSTANT):
    """Across data points at one rate: |theta_2 - theta_0| <= constant sqrt(|lr| L(z, theta_0)) at 60 digits, with
    theta_2 computed by a descent then an ascent step (draft_step). ``stable``: premise 0 < lr|x|^2 < 2 (stable
    descent on z); otherwise only x != 0, lr != 0 (the draft states no premise). ``constant`` exists so that a test
    can perturb the statement (a constant below 4 must be rejected near lr|x|^2 = 2)."""
    with precision():
        c = mp_case(case)
        theta, x, y, lr = c["theta"], c["x"], c["y"], c["lr"]
        norm2 = x.dot(x)
        q = lr * norm2
        if norm2 == 0 or lr == 0:
            return Outcome(True, 0.0, "x = 0 or lr = 0: no step", premises_met=False)
        if stable and not 0 < q < 2:
            return Outcome(
                True, 0.0, f"lr|x|^2 = {mpmath.nstr(q, 5)} outside (0, 2): not a stable step", premises_met=False
            )
        residual = draft_residual(theta, x, y)
        theta2 = draft_step(draft_step(theta, x, y, lr), x, y, -lr)  # descent, then ascent at the same rate
        error = mp_norm(theta2 - theta)
        bound = constant * mpmath.sqrt(abs(lr) * residual**2 / 2)
        magnitude = (
            mp_max_abs(abs_vector(theta)) + abs(lr) * (mp_norm(theta) * mp_norm(x) + abs(y)) * mp_max_abs(x)
        ) * (1 + abs(lr) * norm2) ** 2
        return compare(
            float(error),
            float(bound) + oracle_tolerance(6 * len(x) + 16, float(magnitude)),
            f"error {mpmath.nstr(error, 6)} vs {constant} sqrt(|lr| L) = {mpmath.nstr(bound, 6)} "
            f"(lr|x|^2 = {mpmath.nstr(q, 5)})",
        )


def _prove_cross_example_bound(cube_bound: int = 8) -> bool:
    """|theta_2 - theta_0|^2 = lr^4 |x|^6 r^2 (ga-error-norm) = lr q^3 r^2 with q = lr|x|^2, n = |x|^2; and
    q^3 < 8 exactly on 0 < q < 2, so the error is below sqrt(8 lr) |r| = 4 sqrt(lr L) there (lr > 0 follows from q > 0).
    ``cube_bound`` is the 8 of the statement; a smaller one (a perturbed statement) must fail."""
    lr, norm2, residual = (
        sympy.Symbol("lambda", positive=True),
        sympy.Symbol("n", positive=True),
        sympy.Symbol("r", real=True),
    )
    q = sympy.Symbol("q", positive=True)
    identity = is_zero(lr**4 * norm2**3 * residual**2 - lr * (lr * norm2) ** 3 * residual**2)
    below = sympy.solve_univariate_inequality(q**3 < cube_bound, q, relational=False)
    bound = is_zero(cube_bound * lr * residual**2 - 16 * lr * residual**2 / 2)
    return (
        identity
        and bound
        and sympy.Interval.open(0, 2).is_subset(below)
        and not sympy.Interval.open(0, 2 + sympy.Rational(1, 10)).is_subset(below)
    )


#: q = lr|x|^2 = 4 (an unstable step): error lr^2 |x|^3 |r| = 8 against 4 sqrt(lr L) = 2.83.
UNSTABLE_CASE = {"theta": [0.0], "x": [2.0], "y": 1.0, "lr": 1.0}


#: A point fitted exactly (residual 0) with x != 0: one ascent step reverts the descent step exactly.
_ZERO_RESIDUAL = {"theta": [1.0], "x": [1.0], "y": 1.0, "lr": 1.0}
#: z: zero loss and gradient, Hessian |x|^2 = 100; z': loss 1/2, gradient 1, Hessian 1.
_FLAT_BUT_CURVED = {"theta": [0.0], "x": [10.0], "y": 0.0, "lr": 1.0, "x2": [1.0], "y2": 1.0}


register(
    Lemma(
        id="ga-not-inverse",
        title="Gradient ascent does not revert a descent step whose gradient changed",
        statement=r"For any model and $\lambda \ne 0$: $\theta_2 - \theta_0 = \lambda\,(g_z(\theta_1) - g_z(\theta_0))$, so "
        r"$g_z(\theta_1) \ne g_z(\theta_0)$ implies $\theta_2 = \theta_1 + \lambda g_z(\theta_1) \ne \theta_0$.",
        source=f"{SECTION} / First observations",
        as_written=True,
        assumptions=("any differentiable model", "lr != 0 (lr in R)"),
        quote=r"$$\theta_2 = \theta_1 + \lambda g_z (\theta_1) \ne \theta_0$$ since $g_z (\theta_1) \ne g_z (\theta_0)$.",
        claim="ga-not-inverse",
        reading="with the draft's stated premise g_z(theta_1) != g_z(theta_0)",
        interpretation="The draft states the premise g_z(theta_1) != g_z(theta_0). Under it the claim holds for every "
        "model: the gap is exactly lr times the change of the gradient. (The previous encoding read it "
        "without the premise and stored a zero-residual point as counterexample; that point has "
        "g_z(theta_1) = g_z(theta_0) and refutes nothing. Whether the premise itself always holds is "
        "the claim ga-never-exact.)",
        checks=(
            SympyProof(
                "gap-is-gradient-change",
                _prove_ascent_gap_any_model,
                "sympy with an arbitrary gradient field g (undefined functions), dimension 2, coordinatewise",
                coverage=every_size("all p (coordinatewise, any gradient field)"),
            ),
            oracle_property(
                "ascent-differs-under-premise",
                linear_points(),
                _ascent_differs_under_premise,
                examples=(_ZERO_RESIDUAL,),
            ),
        ),
    ),
    Lemma(
        id="ga-not-inverse-linear",
        title="In linear regression, ascent reverts no descent step that moved the model",
        statement=r"Linear regression: $\|\theta_2 - \theta_0\| = \lambda^2|x|^2\|g_z(\theta_0)\|$, so $\theta_2 \ne \theta_0$ "
        r"for every step that moves the model ($g_z(\theta_0) \ne 0$, $\lambda > 0$); there the premise "
        r"$g_z(\theta_1) \ne g_z(\theta_0)$ always holds.",
        source=f"{SECTION} / First observations",
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr != 0 (lr in R); a step that moves the model: g_z(theta_0) != 0",
        ),
        quote=r"$$\theta_2 = \theta_1 + \lambda g_z (\theta_1) \ne \theta_0$$ since $g_z (\theta_1) \ne g_z (\theta_0)$.",
        claim="ga-not-inverse",
        reading="linear regression, every step that moves the model (g_z(theta_0) != 0)",
        interpretation="The draft's setting in this section is one step on z; a zero gradient is no step at all "
        "(theta_1 = theta_0), so there is nothing to revert. Every real step is left unreverted.",
        uses=("ga-exact-iff",),
        checks=(
            SympyProof(
                "error-vs-gradient",
                _prove_nontrivial_step,
                "sympy identity in dimension 2 (vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="ga-exact-iff",
        title="When one ascent step reverts one descent step (linear regression)",
        statement=r"$\|\theta_2 - \theta_0\|^2 = \lambda^4 r^2 |x|^6$, so $\theta_2 = \theta_0$ iff $r = \theta_0\cdot x - y = 0$ or $x = 0$.",
        source=f"{SECTION} / First observations",
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr != 0 (lr in R; lr = 0 makes every step trivially reverted)",
        ),
        uses=("ga-linear-error",),
        checks=(
            SympyProof(
                "squared-norm",
                _prove_exact_iff,
                "sympy identity in dimension 2 (two vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="ga-gradient-difference",
        title="Gradient difference in linear regression",
        statement=r"$g_z(\theta_1) - g_z(\theta_0) = ((\theta_1 - \theta_0)\cdot x)\,x$ for all $\theta_0, \theta_1$.",
        source=LINEAR,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "theta_0, theta_1 any"),
        quote=r"$g_z (\theta_1) - g_z (\theta_0) = (\theta_1 \cdot x) x - (\theta_0 \cdot x) x = ((\theta_1 - \theta_0) \cdot x) x$",
        uses=("lr-gradient-affine",),
        checks=(
            SympyProof(
                "identity",
                _prove_gradient_difference,
                "sympy identity in dimension 3 (vectors theta_0, theta_1, x)",
                coverage=vectors_span(3),
            ),
        ),
    ),
    Lemma(
        id="ga-error-middle-step",
        title="The middle step of the draft's ascent-error computation",
        statement=r"$\lambda g_z(\theta_1) - \lambda g_z(\theta_0) = ((-\lambda(\theta_0\cdot x - y)x)\cdot x)\,x$.",
        source=LINEAR,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        quote=r"\theta_2 - \theta_0 = \lambda g_z (\theta_1) - \lambda g_z (\theta_0) = ((-\lambda (\theta_0 \cdot x - y) x) \cdot x) x",
        interpretation="The draft's chain theta_2 - theta_0 = lr g(theta_1) - lr g(theta_0) = ((-lr r x).x)x = -lr^2 r |x|^2 x "
        "has a middle term missing a factor lr; its two ends agree (lemma ga-linear-error).",
        checks=(oracle_property("middle-equality", linear_points(), _middle_step_as_written),),
        corrected_by=("ga-linear-error",),
        counterexample=Counterexample("middle-equality", {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 10.0}),
    ),
    Lemma(
        id="ga-linear-error",
        title="Ascent error after one descent step (linear regression)",
        statement=r"$\theta_2 - \theta_0 = -\lambda^2 (\theta_0\cdot x - y)\,|x|^2\,x$.",
        source=LINEAR,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        quote=r"\theta_2 - \theta_0 = \lambda g_z (\theta_1) - \lambda g_z (\theta_0) = ((-\lambda (\theta_0 \cdot x - y) x) \cdot x) x = -\lambda^2 (\theta_0 \cdot x - y) |x|^2 x",
        uses=("ga-gradient-difference",),
        checks=(
            SympyProof(
                "identity",
                _prove_linear_error,
                "sympy identity in dimension 2 (vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
            oracle_property("identity-60-digits", linear_points(), _linear_error_identity),
        ),
    ),
    Lemma(
        id="ga-small-loss",
        title="Small loss makes gradient ascent nearly exact, at a fixed input and rate",
        statement=r"At fixed $x$ and $\lambda$: $\|\theta_2 - \theta_0\| = \lambda^2|x|^3\sqrt{2L(z,\theta_0)} = "
        r"\lambda^2|x|^2\|g_z(\theta_0)\|$, so the error tends to 0 with the loss (and with the gradient), "
        r"linearly in $\sqrt{L}$, and vanishes iff the loss does ($x \ne 0$).",
        source=LINEAR,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "x != 0 for 'vanishes iff the loss does'; x and lr fixed",
        ),
        quote=r"So $\theta_2 - \theta_0$ is small if $\theta_0 \cdot x - y \approx 0$, meaning that gradient ascent is exact for examples such that the loss $l(h_{\theta_0}(x), y) = \frac{1}{2} (\theta \cdot x - y)^2$ is small and / or such that the gradient $g_z (\theta) = (\theta \cdot x - y) x$ is small.",
        claim="ga-small-loss",
        reading="at a fixed input and rate: the error vanishes with the loss",
        interpretation="What the sentence derives from the closed form: theta_2 - theta_0 carries the factor "
        "theta_0.x - y, so it is small when that residual is. No constant is added: the identity gives "
        "the exact factor lr^2 |x|^3. 'Exact' holds only at zero loss (ga-exact-iff). The previous "
        "encoding bounded the error by sqrt(2L) with an invented constant 1; that bound is no claim of "
        "the draft.",
        uses=("ga-error-norm", "ga-exact-iff"),
        checks=(
            SympyProof(
                "error-norm-identities",
                _prove_error_norm,
                "sympy identities in dimension 2 (vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
            oracle_property("error-size-60-digits", linear_points(), _error_size_identity),
        ),
    ),
    Lemma(
        id="ga-small-loss-across-points",
        title="Across data points, a smaller loss means a smaller ascent error",
        statement=r"For two data points and one rate $\lambda$ in the stable regime ($\lambda|x|^2, \lambda|x'|^2 < 2$): "
        r"if $L(z, \theta_0) < L(z', \theta_0)$ (or $\|g_z(\theta_0)\| < \|g_{z'}(\theta_0)\|$) then the ascent "
        r"error of $z$ is at most that of $z'$.",
        source=LINEAR,
        as_written=True,
        quote=r"So $\theta_2 - \theta_0$ is small if $\theta_0 \cdot x - y \approx 0$, meaning that gradient ascent is exact for examples such that the loss $l(h_{\theta_0}(x), y) = \frac{1}{2} (\theta \cdot x - y)^2$ is small and / or such that the gradient $g_z (\theta) = (\theta \cdot x - y) x$ is small.",
        claim="ga-small-loss",
        reading="across data points: the loss (or gradient) ranks the ascent errors",
        strengthened=True,
        assumptions=("one rate lr for both points, 0 < lr|x|^2, lr|x'|^2 < 2", "x, x' != 0"),
        interpretation="A strengthened reading: the draft states no ranking; this reading turns 'exact for examples "
        "such that the loss is small' into an order of the errors. Refuted: the error lr^2 |x|^2 |g| "
        "also carries the curvature |x|^2, so a point with a smaller loss and a smaller gradient can "
        "have the larger error. The natural cross-example reading is ga-small-loss-any-step (no "
        "premise: refuted) and its correction ga-small-loss-stable-steps (holds).",
        checks=(
            oracle_property(
                "error-follows-loss",
                point_pairs(),
                _error_order_follows_loss,
                POINT_PAIR_RANGES,
                examples=(_SMALL_LOSS_LARGE_ERROR,),
            ),
        ),
        corrected_by=("ga-error-norm",),
        counterexample=Counterexample("error-follows-loss", _SMALL_LOSS_LARGE_ERROR, found_by="example"),
    ),
    Lemma(
        id="ga-small-loss-any-step",
        title="Across data points at one rate, a small loss means a small ascent error (no stability premise)",
        statement=r"For one rate $\lambda \in \mathbb{R}$ and every data point $z$ ($x \ne 0$): "
        r"$\|\theta_2 - \theta_0\| \le 4\sqrt{|\lambda|\,L(z, \theta_0)}$, so small-loss examples are the ones on "
        r"which ascent is nearly exact.",
        source=LINEAR,
        as_written=True,
        quote=r"So $\theta_2 - \theta_0$ is small if $\theta_0 \cdot x - y \approx 0$, meaning that gradient ascent is exact for examples such that the loss $l(h_{\theta_0}(x), y) = \frac{1}{2} (\theta \cdot x - y)^2$ is small and / or such that the gradient $g_z (\theta) = (\theta \cdot x - y) x$ is small.",
        claim="ga-small-loss",
        reading="across data points at one rate, no premise on the step (the draft states none)",
        assumptions=("lr in R, the draft's domain", "x != 0"),
        interpretation="The most natural cross-example reading: 'examples such that the loss is small' are those with "
        "a small ascent error, at the rate of training. The error is lr^2 |x|^3 |r| = sqrt(|lr| q^3) |r| "
        "with q = lr|x|^2, so no bound in the loss alone holds across all points: refuted at q = 4 "
        "(error 8 against 4 sqrt(lr L) = 2.83). With the stability premise 0 < q < 2 the bound holds: "
        "ga-small-loss-stable-steps.",
        uses=("ga-error-norm",),
        checks=(
            oracle_property(
                "error-within-loss-bound",
                linear_points(signed=True),
                lambda case: ascent_error_within_loss_bound(case, stable=False),
                signed_ranges(LINEAR_POINT_RANGES),
                examples=(UNSTABLE_CASE,),
            ),
        ),
        corrected_by=("ga-small-loss-stable-steps",),
        counterexample=Counterexample("error-within-loss-bound", UNSTABLE_CASE, found_by="example"),
    ),
    Lemma(
        id="ga-small-loss-stable-steps",
        title="Across data points at one rate, stable steps: the ascent error is at most 4 sqrt(lr L)",
        statement=r"For one rate $\lambda$ and every data point whose descent step is stable, $0 < \lambda|x|^2 < 2$: "
        r"$\|\theta_2 - \theta_0\|^2 = \lambda q^3 (\theta_0\cdot x - y)^2 < 16\,\lambda\,L(z, \theta_0)$, so "
        r"$\|\theta_2 - \theta_0\| < 4\sqrt{\lambda L(z, \theta_0)}$: across such points a small loss means a "
        r"small ascent error; the constant 4 is sharp as $q \to 2$.",
        source=LINEAR,
        as_written=False,
        assumptions=("one rate lr; every point with 0 < lr|x|^2 < 2 (stable descent on z; implies lr > 0)",),
        interpretation="The correction of ga-small-loss-any-step: the draft's cross-example reading holds once the "
        "step is stable. An unstable step (q > 2) breaks it.",
        uses=("ga-error-norm",),
        checks=(
            SympyProof(
                "stable-bound",
                _prove_cross_example_bound,
                "sympy: the error identity in the scalars lr, n = |x|^2, r (dimension-free: ga-error-norm gives "
                "the norm in every p) and the solution set of q^3 < 8",
                coverage=every_size("all p (scalars lr, |x|^2, r; ga-error-norm holds in every p)"),
            ),
            oracle_property(
                "bound-60-digits",
                iteration_points(64),
                lambda case: ascent_error_within_loss_bound(case, stable=True),
                ITERATION_RANGES.replace("p in [1, 512]", "p in [1, 64]"),
            ),
        ),
    ),
    Lemma(
        id="ga-error-norm",
        title="Size of the ascent error: absolute and relative",
        statement=r"$\|\theta_2 - \theta_0\| = \lambda^2|x|^2\|g_z(\theta_0)\| = \lambda^2 |x|^3\sqrt{2L(z,\theta_0)}$ and "
        r"$\|\theta_2 - \theta_0\| = \lambda|x|^2\,\|\theta_1 - \theta_0\|$: relative to the step, the error "
        r"$\lambda|x|^2$ does not depend on the loss.",
        source=LINEAR,
        as_written=False,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        uses=("ga-linear-error",),
        checks=(
            SympyProof(
                "norm-identities",
                _prove_error_norm,
                "sympy identities in dimension 2 (vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="ga-unlearning-rate",
        title="Ascent with its own unlearning rate",
        statement=r"With ascent rate $\mu$: $\theta_2 - \theta_0 = r\,x\,(\mu(1 - \lambda|x|^2) - \lambda)$; it vanishes at "
        r"$\mu^\ast = \lambda / (1 - \lambda|x|^2)$ ($\lambda|x|^2 \ne 1$), and for $\lambda|x|^2 < 1$ a smaller "
        r"$\mu < \mu^\ast$ leaves the larger error $|r|\,|x|\,(\lambda - \mu(1-\lambda|x|^2))$.",
        source=f"{SECTION} / First observations",
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "lr|x|^2 != 1 for mu*; lr > 0 and lr|x|^2 < 1 for the comparison mu < mu*",
        ),
        interpretation="The draft notes that practice uses an unlearning rate much smaller than the learning rate; in "
        "linear regression this moves the error away from the one exact rate mu*.",
        uses=("ga-linear-error",),
        checks=(
            SympyProof(
                "closed-form",
                _prove_unlearning_rate,
                "sympy identity in dimension 2 (vectors theta_0, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="ga-collinear",
        title="Linear-regression gradients are collinear with the input",
        statement=r"$g_z(\theta_0)$ and $g_z(\theta_1)$ both lie on the line $\mathbb{R}x$.",
        source=f"{SECTION} / Approximation error in a nonlinear setting",
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "theta_0, theta_1 any"),
        quote=r"Note that in linear regression, $g_z(\theta_0)$ and $g_z(\theta_1)$ are still collinear to $x$.",
        checks=(
            SympyProof(
                "minors-vanish",
                _prove_collinear,
                "all 2x2 minors of [g(theta_0), g(theta_1)] vanish, dimension 3",
                coverage=vectors_span(3),
            ),
        ),
    ),
    Lemma(
        id="three-hard-kinds-equivalent",
        title="For a convex loss, high loss, large gradient and large Hessian are equivalent",
        statement=r"For a convex loss, ordering data points by $L(z,\theta)$, by $\|\nabla_\theta L(z,\theta)\|$ and by "
        r"$\|\nabla^2_\theta L(z,\theta)\|_2$ gives the same order.",
        source=f"{SECTION} / Towards the general case",
        as_written=True,
        assumptions=("any loss convex in theta, twice differentiable", "data points compared at one theta"),
        quote=r"Note that when the loss function $L(z, \theta)$ is convex w.r.t $\theta$, these three cases are equivalent.",
        interpretation="'Equivalent' is read as: the three criteria rank any two points the same way. Checked on "
        "linear regression, the draft's convex best case. Hypothesis shrinks to inputs x = 0; the stored "
        "counterexample is a fitted point with a large input (zero loss and gradient, Hessian 100) "
        "against a misfitted small one (loss 1/2, gradient 1, Hessian 1).",
        checks=(oracle_property("orders-agree", point_pairs(), _hard_kinds_agree, examples=(_FLAT_BUT_CURVED,)),),
        corrected_by=("hard-kinds-linear",),
        counterexample=Counterexample("orders-agree", _FLAT_BUT_CURVED, found_by="example"),
    ),
    Lemma(
        id="hard-kinds-linear",
        title="How loss, gradient and Hessian combine in linear regression",
        statement=r"$\|g_z(\theta)\|^2 = 2\,L(z,\theta)\,\|\nabla^2_\theta L\|_2$ with $\|\nabla^2_\theta L\|_2 = |x|^2$, and the "
        r"ascent error is $\lambda^2\|\nabla^2_\theta L\|_2\,\|g_z(\theta_0)\|$: the gradient criterion is the "
        r"product of the other two, and a point can have a large Hessian with zero loss.",
        source=f"{SECTION} / Towards the general case",
        as_written=False,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        uses=("ga-error-norm",),
        checks=(
            SympyProof(
                "gradient-loss-hessian",
                _prove_hard_kinds,
                "sympy identity in dimension 2 (vectors theta, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
)
