r"""What gradient ascent can and cannot undo: the claims "gradient ascent can never perform exact unlearning"
(section "Gradient ascent does not revert gradient descent") and "even an omniscient defender would be unable to
revert model training with gradient ascent" ("Conclusion on gradient ascent"), one lemma per reading.

Linear regression, steps :math:`\Phi_t(\theta) = \theta - \lambda g_{z_t}(\theta)` with :math:`q_t = \lambda|x_t|^2`,
ascent steps :math:`A^{\mu}_t(\theta) = \theta + \mu\, g_{z_t}(\theta)`:

* at the rate :math:`\mu^\ast_t = \lambda/(1 - q_t)` (:math:`q_t \ne 1`) one ascent step *is* the inverse step,
  :math:`A^{\mu^\ast_t}_t = \Phi_t^{-1}` (Sherman-Morrison), so :math:`T` ascent steps in reverse order with those
  rates revert :math:`T` descent steps exactly (induction on :math:`T`: peel the innermost pair);
* one rate :math:`\mu` reverts step :math:`t` iff :math:`\mu = \mu^\ast_t` or :math:`g_{z_t}(\theta_{t-1}) = 0`
  (ga-unlearning-rate), and at :math:`q_t = 1` no rate does (the step is not injective);
* at the training rate, :math:`p = 1`: the reverse replay :math:`A_1\circ\dots\circ A_T\circ\Phi_T\circ\dots\circ\Phi_1`
  is affine with slope :math:`\prod_t (1 - q_t^2)`, so for :math:`q_t \in (0, 1)` it reverts exactly one
  starting point (its fixed point) and no other; :math:`T = 2` steps can therefore be reverted exactly at the
  training rate, for that one :math:`\theta_0`.

A model whose gradient is locally constant (hinge loss inside its margin) has :math:`g(\theta_1) = g(\theta_0)`, and
then one ascent step at the training rate is exact (ga-not-inverse).
"""

from __future__ import annotations

import math

import mpmath
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    all_hold,
    compare,
    is_zero,
    is_zero_array,
    mp_case,
    oracle_identity,
    oracle_property,
    strictly_below,
    symbolic_arrays,
    symbolic_vector,
    vectors_span,
)
from theory.checking.error_model import oracle_tolerance
from theory.checking.formulas import draft_gradient, draft_step
from theory.checking.oracle import abs_vector, mp_max_abs, mp_vector, precision
from theory.checking.registry import Counterexample, Lemma, Outcome, SympyProof, every_size, register
from theory.checking.strategies import LINEAR_POINT_RANGES, dimensions, learning_rates, linear_points, scales, vectors
from theory.lemmas.gradient_ascent import _prove_nontrivial_step

SECTION = "Gradient ascent does not revert gradient descent"
CONCLUSION = f"{SECTION} / Conclusion on gradient ascent"
NEVER_QUOTE = "Usual approximate unlearning methods, such as gradient ascent, can never perform exact unlearning."
OMNISCIENT_QUOTE = (
    "Therefore, even an omniscient defender would be unable to revert model training with gradient "
    "ascent, let alone unlearning poisons."
)
#: |1 - q| below this is treated as q = 1 (no inverse; the exact rate mu* = lr/(1 - q) blows up).
SINGULAR_GAP = 1e-6
MAX_STEPS = 4
RUN_RANGES = (
    f"T in [1, {MAX_STEPS}] steps; p in [1, 8]; lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]; |x_t|, |theta_0| scales "
    "log-uniform in [1e-3, 1e3]; |y_t| <= 1e3"
)


# ----------------------------------------------------------------------------- symbolic proofs
def _prove_exact_rate_is_inverse() -> bool:
    """A^{mu*} o Phi = id and Phi o A^{mu*} = id, mu* = lr/(1 - lr|x|^2), on draft_step (dimension 2, vectors theta, x).
    The induction over T uses exactly this: A_1 o ... o A_T o Phi_T o ... o Phi_1 loses its innermost pair."""
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    rate = lr / (1 - lr * x.dot(x))
    # the sign of mu* for lr > 0: q = 1 - s (0 < s < 1) gives mu* > 0, q = 1 + s gives mu* < 0 (a descent step)
    s = sympy.Symbol("s", positive=True)
    below, above = lr / (1 - (1 - s)), lr / (1 - (1 + s))
    return (
        is_zero_array(draft_step(draft_step(theta, x, y, lr), x, y, -rate) - theta)
        and is_zero_array(draft_step(draft_step(theta, x, y, -rate), x, y, lr) - theta)
        and bool(sympy.simplify(below).is_positive)
        and bool(sympy.simplify(above).is_negative)
    )


def _prove_replay_slope() -> bool:
    """p = 1 induction: if the replay R' of steps 2..T is theta -> c theta + d, the replay of steps 1..T,
    A_1 o R' o Phi_1, is theta -> (1 - q_1^2) c theta + d' (so the slope is prod_t (1 - q_t^2)); base T = 1."""
    theta, x, y, lr, c, d = sympy.symbols("theta x y lambda c d", real=True)

    def step(point, rate):
        return point - rate * (point * x - y) * x

    replay = step(c * step(theta, lr) + d, -lr)
    slope = sympy.diff(sympy.expand(replay), theta)
    base = sympy.diff(sympy.expand(step(step(theta, lr), -lr)), theta)
    q = lr * x**2
    return is_zero(slope - (1 - q**2) * c) and is_zero(base - (1 - q**2)) and is_zero(sympy.diff(slope, theta))


def _prove_partial_rate_shift() -> bool:
    """The ascent step at rate mu moves theta_1 by mu g_z(theta_1) = (mu / mu*) (theta_0 - theta_1): the fraction
    mu / mu* of the shift that exact unlearning needs (dimension 2)."""
    theta0, x, y, lr = symbolic_arrays(2, "theta", "x")
    mu = sympy.Symbol("mu", positive=True)
    rate = lr / (1 - lr * x.dot(x))
    theta1 = draft_step(theta0, x, y, lr)
    return is_zero_array(mu * draft_gradient(theta1, x, y) - mu / rate * (theta0 - theta1))


# ----------------------------------------------------------------------------- predicates (60 digits)
def _hinge_gradient(theta, x, y):
    """Gradient of max(0, 1 - y theta.x) where it exists (margin != 1), else None."""
    margin = y * theta.dot(x)
    if margin == 1:
        return None
    return -y * x if margin < 1 else 0 * x


@st.composite
def _hinge_points(draw):
    case = draw(linear_points(8))
    case["y"] = 1.0 if case["y"] >= 0 else -1.0
    return case


def _hinge_never_exact(case):
    """Any model at the training rate: one ascent step never reverts a real descent step. Hinge loss, labels +-1."""
    with precision():
        c = mp_case(case)
        g0 = _hinge_gradient(c["theta"], c["x"], c["y"])
        if g0 is None or mp_max_abs(g0) == 0:
            return Outcome(True, 0.0, "no step (zero gradient) or a kink at theta_0", premises_met=False)
        theta1 = c["theta"] - c["lr"] * g0
        g1 = _hinge_gradient(theta1, c["x"], c["y"])
        if g1 is None:
            return Outcome(True, 0.0, "theta_1 on the kink: the gradient is undefined", premises_met=False)
        theta2 = theta1 + c["lr"] * g1
        magnitude = mp_max_abs(abs_vector(c["theta"])) + 2 * c["lr"] * mp_max_abs(c["x"])
        same = oracle_identity(theta2, c["theta"], magnitude, depth=8)
        return Outcome(
            not same.holds,
            0.0 if not same.holds else 2.0,
            "theta_2 == theta_0: the ascent step reverted the descent step" if same.holds else "theta_2 != theta_0",
        )


def _chosen_rate_never_exact(case):
    """Linear regression: no ascent rate mu reverts a real step. Refuted when mu* = lr/(1 - q) lands on theta_0."""
    with precision():
        c = mp_case(case)
        q = c["lr"] * c["x"].dot(c["x"])
        g0 = draft_gradient(c["theta"], c["x"], c["y"])
        if mp_max_abs(g0) == 0 or abs(1 - q) < SINGULAR_GAP:
            return Outcome(True, 0.0, "no step (g = 0) or lr|x|^2 = 1 (no inverse)", premises_met=False)
        rate = c["lr"] / (1 - q)
        theta1 = draft_step(c["theta"], c["x"], c["y"], c["lr"])
        theta2 = draft_step(theta1, c["x"], c["y"], -rate)
        amplification = 1 + abs(rate) * sum(abs_vector(c["x"])) * mp_max_abs(c["x"])
        magnitude = (
            (mp_max_abs(abs_vector(c["theta"])) + mp_max_abs(abs_vector(theta1)) + abs(c["y"])) * amplification * 4
        )
        same = oracle_identity(theta2, c["theta"], magnitude, depth=4 * len(c["x"]) + 16)
        return Outcome(
            not same.holds,
            0.0 if not same.holds else 2.0,
            f"ascent at mu* = {mpmath.nstr(rate, 6)}: " + ("reverts the step exactly" if same.holds else "misses"),
        )


@st.composite
def _runs(draw):
    dim = draw(dimensions(8))
    steps = draw(st.integers(1, MAX_STEPS))
    return {
        "theta": draw(vectors(dim, draw(scales()))),
        "lr": draw(learning_rates()),
        "xs": [draw(vectors(dim, draw(scales()))) for _ in range(steps)],
        "ys": [float(draw(st.floats(-1.0, 1.0)) * draw(scales())) for _ in range(steps)],
    }


def _train(c):
    """theta_0, ..., theta_T and the gradients of each step (mpmath)."""
    thetas, gradients = [c["theta"]], []
    for x, y in zip(c["xs"], c["ys"]):
        gradients.append(draft_gradient(thetas[-1], x, y))
        thetas.append(draft_step(thetas[-1], x, y, c["lr"]))
    return thetas, gradients


def _mp_run(case):
    c = mp_case({key: value for key, value in case.items() if key not in ("xs", "ys")})
    c["xs"] = [mp_vector(x) for x in case["xs"]]
    c["ys"] = [mpmath.mpf(y) for y in case["ys"]]
    return c


def _replay(c, theta, rates):
    """Ascent steps in reverse order, step t at rate rates[t]; returns the end point and a magnitude bound."""
    magnitude = mp_max_abs(abs_vector(theta))
    for x, y, rate in reversed(list(zip(c["xs"], c["ys"], rates))):
        theta = draft_step(theta, x, y, -rate)
        magnitude = (magnitude + mp_max_abs(abs_vector(theta)) + abs(y)) * (
            1 + abs(rate) * sum(abs_vector(x)) * mp_max_abs(x)
        )
    return theta, magnitude


def _training_rate_never_reverts(case):
    """At the training rate, replaying ascent in reverse order never returns theta_0 after real steps (every g != 0)."""
    with precision():
        c = _mp_run(case)
        thetas, gradients = _train(c)
        if any(mp_max_abs(g) == 0 for g in gradients):
            return Outcome(True, 0.0, "a step with zero gradient (no step)", premises_met=False)
        end, magnitude = _replay(c, thetas[-1], [c["lr"]] * len(c["xs"]))
        same = oracle_identity(end, c["theta"], magnitude * 4, depth=8 * len(c["xs"]) * (len(c["theta"]) + 4))
        return Outcome(
            not same.holds,
            0.0 if not same.holds else 2.0,
            f"T = {len(c['xs'])}: "
            + ("the replay returns theta_0 exactly" if same.holds else "the replay misses theta_0"),
        )


def _exact_rates_revert(case):
    """Ascent in reverse order with mu*_t = lr/(1 - q_t) returns theta_0 at 60 digits (every q_t away from 1)."""
    with precision():
        c = _mp_run(case)
        qs = [c["lr"] * x.dot(x) for x in c["xs"]]
        if any(abs(1 - q) < SINGULAR_GAP for q in qs):
            return Outcome(True, 0.0, "a step with lr|x|^2 = 1: no inverse", premises_met=False)
        if all(q == 0 for q in qs):
            return Outcome(True, 0.0, "every x = 0: no step (degenerate)", premises_met=False)
        thetas, _ = _train(c)
        end, magnitude = _replay(c, thetas[-1], [c["lr"] / (1 - q) for q in qs])
        return oracle_identity(end, c["theta"], magnitude * 4, depth=8 * len(c["xs"]) * (len(c["theta"]) + 4))


def _prove_replay_determinant(coefficient: int = 1) -> bool:
    """det(I + lr x x^T) = 1 + q and det(I - lr x x^T) = 1 - q (matrix determinant lemma, dimension 3, lr real), so
    the replay's linear part, a product of T such pairs, has determinant prod_t (1 - q_t^2) (det is multiplicative),
    which lies in (0, 1) when every q_t lies in (0, 1): the replay is not the identity. ``coefficient`` multiplies q
    in the stated determinants; another value (a perturbed statement) must fail."""
    x = symbolic_vector("x", 3)
    lr = sympy.Symbol("lambda", real=True)
    q = lr * (x.T * x)[0]
    # a factor 1 - q_t^2 with q_t = 1/(1 + s), s > 0 (every q_t in (0, 1)) lies in (0, 1); a product of T such
    # factors lies in (0, 1) too (induction: (0, 1) is closed under products)
    s_symbol = sympy.Symbol("s", positive=True)
    factor = sympy.factor(1 - (1 / (1 + s_symbol)) ** 2)
    return (
        is_zero((sympy.eye(3) + lr * x * x.T).det() - (1 + coefficient * q))
        and is_zero((sympy.eye(3) - lr * x * x.T).det() - (1 - coefficient * q))
        and bool(factor.is_positive)
        and bool(sympy.factor(1 - factor).is_positive)
    )


@st.composite
def _small_step_runs(draw):
    """A run whose steps all have q_t = lr|x_t|^2 in (0, 1): lr = u / max_t |x_t|^2, u log-uniform in [1e-8, 0.99]."""
    case = draw(_runs())
    largest = max(sum(v * v for v in x) for x in case["xs"])
    if largest > 1e-200:
        lr = draw(st.floats(-8.0, math.log10(0.99)).map(lambda exponent: 10.0**exponent)) / largest
        if math.isfinite(lr) and lr > 0:
            case["lr"] = float(lr)
    return case


def _replay_linear_part(c):
    """The linear part of A_1 o ... o A_T o Phi_T o ... o Phi_1 as an mpmath matrix (Phi_t = I - lr x x^T, A_t = I + lr x x^T)."""
    dim = len(c["theta"])
    product = mpmath.eye(dim)
    for x in c["xs"]:  # Phi_1 first (rightmost), then Phi_2, ...
        column = mpmath.matrix([[value] for value in x])
        product = (mpmath.eye(dim) - c["lr"] * column * column.T) * product
    for x in reversed(c["xs"]):  # then A_T, ..., A_1
        column = mpmath.matrix([[value] for value in x])
        product = (mpmath.eye(dim) + c["lr"] * column * column.T) * product
    return product


def _replay_not_identity(case):
    """Generic reading: the training-rate ascent replay is not the identity, so only a null set of starting points is
    returned exactly. Its linear part M has det M = prod_t (1 - q_t^2) < 1 (q_t in (0, 1)), evaluated at 60 digits."""
    with precision():
        c = _mp_run(case)
        qs = [c["lr"] * x.dot(x) for x in c["xs"]]
        if not all(0 < q < 1 for q in qs):
            return Outcome(True, 0.0, "a step with lr|x_t|^2 outside (0, 1) (or x_t = 0)", premises_met=False)
        determinant = mpmath.det(_replay_linear_part(c))
        predicted = mpmath.fprod([1 - q**2 for q in qs])
        dim, steps = len(c["theta"]), len(c["xs"])
        tolerance = oracle_tolerance(
            16 * dim**3 + 8 * steps * dim, float(mpmath.fprod([(1 + q) ** 2 for q in qs]) * dim)
        )
        if 1 - predicted <= tolerance:
            return Outcome(
                True,
                0.0,
                f"prod (1 - q_t^2) = 1 - {mpmath.nstr(1 - predicted, 3)}: within the oracle's resolution of 1",
                premises_met=False,
            )
        detail = f"det M = {mpmath.nstr(determinant, 8)}, prod (1 - q_t^2) = {mpmath.nstr(predicted, 8)}"
        return all_hold(
            compare(float(abs(determinant - predicted)), tolerance, f"{detail}: det M = prod (1 - q_t^2)"),
            strictly_below(
                predicted,
                1 - tolerance,
                f"{detail}: det M < 1, so M != I and the replay returns only a null set of starts",
            ),
        )


#: Hinge loss inside the margin: g(theta_1) = g(theta_0) = -x, one ascent step lands exactly on theta_0.
_HINGE_CASE = {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 0.25}
#: mu* = 0.5 / (1 - 0.5) = 1 reverts the step 0 -> 0.5 exactly.
_RATE_CASE = {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 0.5}
#: theta_0 = 2, steps on (1, -1) then (1, 2.5) at lr = 1/2 (gradients 3 and -2): the replay 1.5 -> 1 -> 2 is exact.
_REPLAY_CASE = {"theta": [2.0], "lr": 0.5, "xs": [[1.0], [1.0]], "ys": [-1.0, 2.5]}


register(
    Lemma(
        id="ga-never-exact",
        title="Gradient ascent never performs exact unlearning (linear regression, training rate, one step)",
        statement=r"In linear regression, one ascent step at the training rate never reverts a descent step that moved "
        r"the model: $\|\theta_2 - \theta_0\| = \lambda^2|x|^2\|g_z(\theta_0)\| > 0$.",
        source=SECTION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr != 0 (lr in R)",
            "a step that moved the model: g_z(theta_0) != 0, x != 0",
        ),
        quote=NEVER_QUOTE,
        claim="ga-never-exact",
        reading="gradient ascent at the training rate, linear regression, one step",
        interpretation="The draft's own setting (linear regression, ascent at the rate of the step it undoes): holds.",
        uses=("ga-not-inverse-linear",),
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
        id="ga-never-exact-any-model",
        title="Gradient ascent never performs exact unlearning (any model, training rate)",
        statement=r"For every model, one ascent step at the training rate never reverts a descent step that moved the "
        r"model ($g_z(\theta_0) \ne 0$).",
        source=SECTION,
        as_written=True,
        assumptions=("any differentiable model", "lr > 0", "g_z(theta_0) != 0"),
        quote=NEVER_QUOTE,
        claim="ga-never-exact",
        reading="gradient ascent at the training rate, any model",
        interpretation="Refuted by a model whose gradient does not change along the step: the hinge loss "
        "max(0, 1 - y theta.x) inside its margin (the linear region of a ReLU network behaves alike). "
        "There g_z(theta_1) = g_z(theta_0) and ascent is exact (ga-not-inverse: the gap is lr times "
        "the change of the gradient).",
        checks=(
            oracle_property(
                "hinge-never-exact",
                _hinge_points(),
                _hinge_never_exact,
                "hinge loss, labels +-1; p in [1, 8]; " + LINEAR_POINT_RANGES.split("; ", 1)[1],
                examples=(_HINGE_CASE,),
            ),
        ),
        corrected_by=("ga-not-inverse",),
        counterexample=Counterexample("hinge-never-exact", _HINGE_CASE, found_by="example"),
    ),
    Lemma(
        id="ga-never-exact-chosen-rate",
        title="Gradient ascent never performs exact unlearning (any unlearning rate, linear regression)",
        statement=r"In linear regression no ascent rate $\mu$ makes $\theta_1 + \mu g_z(\theta_1) = \theta_0$ after a "
        r"descent step that moved the model.",
        source=SECTION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr > 0; any ascent rate mu in R",
            "g_z(theta_0) != 0",
        ),
        quote=NEVER_QUOTE,
        claim="ga-never-exact",
        reading="gradient ascent with an unlearning rate chosen freely",
        interpretation="Practice picks the unlearning rate (the draft notes it is usually smaller). Refuted: the "
        "rate mu* = lr/(1 - lr|x|^2) reverts the step exactly for every theta_0 (ascent-exact-rate).",
        checks=(oracle_property("no-rate-reverts", linear_points(), _chosen_rate_never_exact, examples=(_RATE_CASE,)),),
        corrected_by=("ascent-exact-rate",),
        counterexample=Counterexample("no-rate-reverts", _RATE_CASE, found_by="example"),
    ),
    Lemma(
        id="ascent-exact-rate",
        title="Ascent at the rate lr/(1 - lr|x|^2) is the inverse step; T steps are reverted exactly",
        statement=r"For $q = \lambda|x|^2 \ne 1$, $A^{\mu^\ast}(\theta) = \theta + \mu^\ast g_z(\theta)$ with "
        r"$\mu^\ast = \lambda/(1 - q)$ is $\Phi_z^{-1}$. Hence for every $T$, ascent in reverse order with the "
        r"rates $\mu^\ast_t$ returns $\theta_0$ exactly; one rate $\mu$ reverts step $t$ iff $\mu = \mu^\ast_t$ or "
        r"$g_{z_t}(\theta_{t-1}) = 0$, and at $q_t = 1$ no rate does. An ascent step at rate $\mu$ shifts the "
        r"model by $\frac{\mu}{\mu^\ast}$ times the shift exact unlearning needs. The sign of $\mu^\ast$: for "
        r"$\lambda > 0$ it is positive (a genuine ascent step) iff $q < 1$; for $q > 1$ it is negative, so the "
        r"inverse 'ascent' step is a descent step $\theta - |\mu^\ast| g_z(\theta)$.",
        source=CONCLUSION,
        as_written=False,
        assumptions=(
            "lr in R (the identities hold for either sign)",
            "q_t = lr|x_t|^2 != 1 for every step",
            "mu* > 0 (an ascent step proper) iff 0 < q < 1 when lr > 0; for q > 1, mu* < 0: a descent step",
        ),
        interpretation="What an omniscient defender (who knows every z_t and lr) can do with gradient ascent in linear "
        "regression. The T-step statement is proved for every T: induction peeling the innermost pair "
        "A_T o Phi_T = id (the one-step identity); the fuzzed replay re-checks it at 60 digits.",
        uses=("ga-unlearning-rate", "lr-inverse-iff", "step-non-injective"),
        checks=(
            SympyProof(
                "rate-is-inverse",
                _prove_exact_rate_is_inverse,
                "sympy on draft_step, dimension 2 (vectors theta, x): both compositions are the identity",
                coverage=vectors_span(2),
            ),
            SympyProof(
                "partial-rate-shift",
                _prove_partial_rate_shift,
                "sympy identity in dimension 2",
                coverage=vectors_span(2),
            ),
            oracle_property("replay-60-digits", _runs(), _exact_rates_revert, RUN_RANGES),
        ),
    ),
    Lemma(
        id="omniscient-defender-generic-start",
        title="Even an omniscient defender cannot revert training with gradient ascent (training rate, almost every start)",
        statement=r"For $T$ descent steps with $0 < q_t = \lambda|x_t|^2 < 1$, the training-rate ascent replay "
        r"$R = A_1\circ\dots\circ A_T\circ\Phi_T\circ\dots\circ\Phi_1$ is affine with linear part of determinant "
        r"$\prod_t (1 - q_t^2) \in (0, 1)$: $R \ne \mathrm{id}$, the starts it returns exactly form a proper "
        r"affine subspace (a null set), and for almost every $\theta_0$ the replay misses $\theta_0$.",
        source=CONCLUSION,
        as_written=True,
        quote=OMNISCIENT_QUOTE,
        claim="omniscient-defender",
        reading="ascent at the training rate, T steps replayed in reverse, for a generic start theta_0",
        assumptions=("linear regression, any p, any T", "every step small: 0 < lr|x_t|^2 < 1"),
        interpretation="The charitable reading: 'unable to revert model training' means the replay does not revert "
        "training in general, not that no starting point at all is returned. Holds: the replay's linear "
        "part has determinant prod (1 - q_t^2) < 1, so it is not the identity and returns only a null "
        "set of starts. The stronger 'never, for any start' reading (omniscient-defender-training-rate) "
        "is refuted by one exceptional start.",
        uses=("ascent-replay-affine",),
        checks=(
            SympyProof(
                "replay-determinant",
                _prove_replay_determinant,
                "sympy: det(I +- lr x x^T) = 1 +- q in dimension 3 (the matrix determinant lemma in every p), "
                "and prod (1 - q_t^2) in (0, 1) for q_t in (0, 1)",
                coverage=every_size(
                    "all p, all T (det(I + c x x^T) is rotation-invariant in one vector x, "
                    "proved in R^3; the product over T steps by induction)"
                ),
            ),
            oracle_property(
                "determinant-60-digits",
                _small_step_runs(),
                _replay_not_identity,
                RUN_RANGES.replace(
                    "lr in R (sign drawn), |lr| log-uniform in [1e-8, 1e2]",
                    "lr = u / max_t |x_t|^2, u log-uniform in [1e-8, 0.99]",
                ),
            ),
        ),
    ),
    Lemma(
        id="omniscient-defender-training-rate",
        title="Even an omniscient defender cannot revert training with gradient ascent (training rate, T steps)",
        statement=r"Replaying ascent steps at the training rate in reverse order never returns $\theta_0$ after $T$ "
        r"descent steps that each moved the model.",
        source=CONCLUSION,
        as_written=True,
        quote=OMNISCIENT_QUOTE,
        claim="omniscient-defender",
        reading="ascent at the training rate, T steps replayed in reverse, every start theta_0",
        strengthened=True,
        assumptions=("linear regression", "every step moved the model (g_{z_t}(theta_{t-1}) != 0)"),
        interpretation="A strengthened reading: 'never, for any start'. Holds for T = 1 (ga-never-exact). For T >= 2 "
        "the errors of the steps can cancel: refuted by two steps in p = 1 whose replay lands exactly on "
        "theta_0 (the fixed point of the replay map, ascent-replay-affine). Such starting points are "
        "exceptional (a null set): the charitable reading omniscient-defender-generic-start holds and "
        "gives the claim's headline.",
        checks=(
            oracle_property(
                "replay-never-exact", _runs(), _training_rate_never_reverts, RUN_RANGES, examples=(_REPLAY_CASE,)
            ),
        ),
        corrected_by=("ascent-replay-affine",),
        counterexample=Counterexample("replay-never-exact", _REPLAY_CASE, found_by="example"),
    ),
    Lemma(
        id="ascent-replay-affine",
        title="The training-rate ascent replay is affine with slope prod (1 - q_t^2) (p = 1)",
        statement=r"For $p = 1$, $A_1\circ\dots\circ A_T\circ\Phi_T\circ\dots\circ\Phi_1$ (ascent at the training rate) "
        r"is $\theta \mapsto \prod_{t=1}^T (1 - q_t^2)\,\theta + d_T$; when the slope is not 1 (e.g. every "
        r"$q_t \in (0, 1)$) it returns exactly one starting point to itself and moves every other.",
        source=CONCLUSION,
        as_written=False,
        assumptions=("linear regression with p = 1", "lr in R, the draft's domain (either sign)", "q_t = lr x_t^2"),
        interpretation="Proved for every T by induction on the number of steps (sympy checks the step and the base).",
        uses=("ga-linear-error",),
        checks=(
            SympyProof(
                "slope-induction",
                _prove_replay_slope,
                "sympy in p = 1: base T = 1 and the step A_1 o R' o Phi_1 for R' = c theta + d",
                coverage=every_size("all T (induction); the statement is for p = 1"),
            ),
        ),
    ),
    Lemma(
        id="omniscient-defender-chosen-rates",
        title="Even an omniscient defender cannot revert training with gradient ascent (rates of its choice)",
        statement=r"No choice of ascent rates $\mu_1, \dots, \mu_T$ makes the reverse ascent replay return $\theta_0$.",
        source=CONCLUSION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "any rates mu_t in R",
            "every step moved the model",
        ),
        quote=OMNISCIENT_QUOTE,
        claim="omniscient-defender",
        reading="ascent with rates the omniscient defender chooses (linear regression)",
        interpretation="An omniscient defender knows every z_t and lr, hence mu*_t: refuted in linear regression, "
        "where the rates mu*_t revert every step (ascent-exact-rate). The stored case is one step.",
        checks=(oracle_property("no-rate-reverts", linear_points(), _chosen_rate_never_exact, examples=(_RATE_CASE,)),),
        corrected_by=("ascent-exact-rate",),
        counterexample=Counterexample("no-rate-reverts", _RATE_CASE, found_by="example"),
    ),
    Lemma(
        id="omniscient-defender-networks",
        title="Even an omniscient defender cannot revert network training with gradient ascent",
        statement=r"For non-trivial networks, gradient ascent (at any practical rates) does not return the model to "
        r"$\theta_0$ after training.",
        source=CONCLUSION,
        as_written=True,
        assumptions=("non-trivial networks, practical rates",),
        quote=OMNISCIENT_QUOTE,
        claim="omniscient-defender",
        reading="non-trivial networks",
        interpretation="A claim about networks: open. `python -m empirical run ascent-error` measures the ascent error "
        "after descent against -lr^2 H g on networks; the linear-regression readings show that the "
        "answer depends on the rates and on the data.",
        uses=("ascent-error-logistic",),
    ),
)
