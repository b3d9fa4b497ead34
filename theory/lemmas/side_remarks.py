r"""Side remarks of the draft with mathematical content, each encoded as written with its readings (issue 19).

* "Background / Approximate unlearning": networks "need to display non-smooth behavior in order to be useful
  (consider the universal approximation theorem for irregular functions)". Read as *irregular* behaviour (large
  curvature): a :math:`C^2` function within :math:`\varepsilon` of :math:`|x|` on :math:`[-1, 1]` has
  :math:`\sup|f''| \ge 1/(8\varepsilon)` (mean-value theorem at :math:`\delta = 4\varepsilon`). Read as
  *non-differentiable*: refuted, the softplus network :math:`s_k(x) + s_k(-x)`, :math:`s_k(t) = \log(1 + e^{kt})/k`, is
  :math:`C^\infty` and within :math:`2\ln 2/k` of :math:`|x|` (the error :math:`\tfrac2k\log(1 + e^{-k|x|})` peaks at 0).
* "Pathways for success": ":math:`\theta` is robust to small variations in the inputs, so :math:`h_\theta` is
  Lipschitz". Robustness (uniform continuity in :math:`x`) does not give a Lipschitz constant: :math:`\sqrt{|x|}`.
* "Adversarial poisons with irregular gradients": ":math:`\nabla_\theta^2 L` is expensive to compute": forming it
  takes :math:`d` Hessian-vector products (about two gradients each) and :math:`d^2` numbers.
* "Adversarial data poisoning via influence functions": "the similarity between maximizing the loss and maximizing
  the loss gradient". In linear regression :math:`|g_z(\theta)| = |x|\sqrt{2L}`: at a fixed input the two maximisations
  agree; over a box of inputs they do not (the maximiser of the loss need not maximise the gradient).
* "Approximation error in a nonlinear setting", Experiment 2: the equation
  :math:`\min_z |\cos(\dots)| = |\cos(g_z(\theta - \lambda g_z(\theta)), g_z(\theta))|` has :math:`z` bound on the
  left and free on the right. Read as notation (the objective rewritten with :math:`g_z`): an identity. Read as an
  equation for every :math:`z`: it says the cosine does not depend on :math:`z`, true in linear and logistic regression
  (collinear gradients, cosine :math:`\pm1`), refuted in ridge regression.
"""

from __future__ import annotations

import itertools

import mpmath
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    at_least,
    compare,
    distinct,
    is_zero,
    is_zero_array,
    mp_case,
    oracle_property,
    symbolic_arrays,
    vectors_span,
)
from theory.checking.error_model import oracle_tolerance
from theory.checking.formulas import draft_gradient, draft_step
from theory.checking.oracle import mp_norm, precision
from theory.checking.registry import Counterexample, Lemma, Outcome, PropertyCheck, SympyProof, every_size, register
from theory.checking.strategies import LINEAR_POINT_RANGES, linear_points, log_uniform

APPROX_BG = "Background / Approximate unlearning"
NONLINEAR = "Gradient ascent does not revert gradient descent / Approximation error in a nonlinear setting"
INFLUENCE = (
    "Gradient ascent does not revert gradient descent / Towards the general case / Adversarial data poisoning "
    "via influence functions"
)
IRREGULAR = (
    "Gradient ascent does not revert gradient descent / Towards the general case / Adversarial poisons with "
    "irregular gradients"
)
PATHWAYS = "Inverting a single gradient step is hard / The fixed-point formulation / Pathways for success"

UAT_QUOTE = (
    "Indeed, most non-trivial neural networks need to display non-smooth behavior in order to be useful "
    "(consider the universal approximation theorem for irregular functions)."
)
ROBUST_QUOTE = r"$\theta$ is robust to small variations in the inputs, so $h_\theta$ is Lipschitz."
HESSIAN_QUOTE = r"$\nabla_\theta^2 L(z, \theta)$ is expensive to compute."
SIMILARITY_QUOTE = (
    "This is additional evidence of the similarity between maximizing the loss and maximizing the loss gradient."
)
EQUATION_QUOTE = (
    r"$$\min_z |\cos \left( \nabla_\theta L(\theta - \lambda \nabla_\theta L(\theta, z), z), \nabla_\theta "
    r"L(\theta, z) \right)| = |\cos \left( g_z(\theta - \lambda g_z(\theta)), g_z(\theta) \right)|$$"
)


# ----------------------------------------------------------------------------- smooth networks and irregular targets
def _prove_curvature_bound(claimed: int = 8) -> bool:
    """If |f - |x|| <= eps on [-1, 1] and delta <= 1: the mean slopes of f on [0, delta] and [-delta, 0] are
    >= 1 - 2 eps/delta and <= -1 + 2 eps/delta (mean-value theorem), so some f'' >= (2 - 4 eps/delta) / (2 delta);
    at delta = 4 eps (eps <= 1/4) that is 1/(8 eps), and the slope gap 2 - 4 eps/delta = 1 is positive. ``claimed`` is
    the 8 of the statement; another value (a perturbed statement) must fail."""
    eps, delta = sympy.symbols("epsilon delta", positive=True)
    slope_right = ((delta - eps) - eps) / delta  # f(delta) - f(0) >= (delta - eps) - eps
    slope_left = (eps - (delta - eps)) / delta  # f(0) - f(-delta) <= eps - (delta - eps)
    curvature = (slope_right - slope_left) / (2 * delta)  # the two mean-value points are at most 2 delta apart
    at = curvature.subs(delta, 4 * eps)
    return (
        is_zero(slope_right - (1 - 2 * eps / delta))
        and is_zero(at - 1 / (claimed * eps))
        and is_zero((slope_right - slope_left).subs(delta, 4 * eps) - 1)
    )


def _softplus_error(k):
    """sup_{[-1, 1]} |s_k(x) + s_k(-x) - |x||: the error (2/k) log(1 + e^{-k|x|}) decreases in |x|, so it is its value at 0."""
    return 2 * mpmath.log(2) / k


def _softplus_curvature(k):
    """sup f'' of f = s_k(x) + s_k(-x): f'' = 2 k sigma(kx)(1 - sigma(kx)), largest at 0: k/2."""
    return k / 2


@st.composite
def _sharpness(draw):
    return {"k": draw(log_uniform((1.0, 6.0))), "eps": draw(log_uniform((-6.0, -1.0)))}


def _curvature_needed(case):
    """Irregular-behaviour reading on the softplus network: its error eps_k and curvature k/2 satisfy the bound
    sup f'' >= 1/(8 eps_k) at 60 digits (premise eps_k <= 1/4)."""
    with precision():
        k = mpmath.mpf(case["k"])
        error = _softplus_error(k)
        if error > mpmath.mpf(1) / 4:
            return Outcome(True, 0.0, "error above 1/4: the bound's premise fails", premises_met=False)
        needed = 1 / (8 * error)
        return at_least(
            _softplus_curvature(k),
            needed,
            f"k = {mpmath.nstr(k, 5)}: sup f'' = {mpmath.nstr(k / 2, 5)} >= 1/(8 eps) = {mpmath.nstr(needed, 5)}",
        )


def _no_smooth_approximant(case):
    """Non-differentiable reading: no C^infinity network is within eps of |x| on [-1, 1]. The softplus network with
    k = 4 ln 2 / eps is, with error 2 ln 2 / k = eps / 2 (60 digits)."""
    with precision():
        eps = mpmath.mpf(case["eps"])
        k = 4 * mpmath.log(2) / eps
        error = _softplus_error(k)
        return distinct(
            float(error),
            float(eps),
            f"the C^infinity softplus network with k = {mpmath.nstr(k, 5)} is within {mpmath.nstr(error, 5)} "
            f"<= eps = {mpmath.nstr(eps, 5)} of |x|"
            if error <= eps
            else f"error {mpmath.nstr(error, 5)} > eps",
        )


_SMOOTH_CASE = {"k": 100.0, "eps": 0.01}


# ----------------------------------------------------------------------------- robustness and Lipschitz constants
@st.composite
def _constants(draw):
    return {"L": draw(log_uniform((-3.0, 9.0)))}


def _robust_is_lipschitz(case):
    """h(x) = sqrt(|x|) is robust to small input variations (|h(x + d) - h(x)| <= sqrt(|d|): uniformly continuous);
    the claim asks for a constant L with |h(x) - h(x')| <= L |x - x'|. The pair (0, 1/(L + 1)^2) has ratio L + 1 > L
    (exact at 60 digits): no L works."""
    with precision():
        bound = mpmath.mpf(case["L"])
        step = 1 / (bound + 1) ** 2
        ratio = mpmath.sqrt(step) / step
        return compare(
            float(ratio),
            float(bound),
            f"h = sqrt|x| (robust: |h(x + d) - h(x)| <= sqrt|d|): |h(d) - h(0)| / d = {mpmath.nstr(ratio, 6)} "
            f"> L = {mpmath.nstr(bound, 6)} at d = {mpmath.nstr(step, 6)}",
        )


def _prove_local_to_global() -> bool:
    """A linear robustness modulus chains: if |h(u + d) - h(u)| <= L |d| for |d| <= r, then for x' = x + n d (n steps
    of length |d| <= r along the segment) |h(x') - h(x)| <= n L |d| = L |x' - x| (symbolic n, L, |d|)."""
    n, bound, length = sympy.symbols("n L ell", positive=True)
    return is_zero(n * bound * length - bound * (n * length))


_ROBUST_CASE = {"L": 10.0}


# ----------------------------------------------------------------------------- the cost of a Hessian
def _prove_hessian_cost(ratio: int = 2) -> bool:
    """Forming the d x d Hessian column by column takes d HVPs of about 2 gradient costs each (forward-over-reverse),
    2 d times the gradient's cost, and d^2 numbers against d: both ratios grow without bound in d."""
    d = sympy.Symbol("d", positive=True, integer=True)
    gradient, hessian = d, d * 2 * d
    return (
        is_zero(hessian / gradient - ratio * d)
        and sympy.limit(hessian / gradient, d, sympy.oo) == sympy.oo
        and sympy.limit(d**2 / d, d, sympy.oo) == sympy.oo
    )


# ----------------------------------------------------------------------------- maximising the loss vs the gradient
def _prove_gradient_of_loss(factor: int = 2) -> bool:
    """Linear regression: |g_z(theta)|^2 = |x|^2 (theta.x - y)^2 = 2 |x|^2 L(z, theta) (dimension 2, vectors theta, x):
    at a fixed input, |g| is an increasing function of L."""
    theta, x, y, _ = symbolic_arrays(2, "theta", "x")
    gradient = draft_gradient(theta, x, y)
    loss = (theta.dot(x) - y) ** 2 / 2
    return is_zero(gradient.dot(gradient) - factor * x.dot(x) * loss)


def _same_maximiser(case):
    """Over the box |x_i| <= M (linear regression at theta, y): is every maximiser of the loss a maximiser of |g|?
    Both |theta.x - y| and, on the box's corners, |g| = |theta.x - y| |x| are compared at 60 digits; the loss is
    convex in x, so its maximum over the box is at a corner; the case's x must be a loss maximiser (premise)."""
    with precision():
        c = mp_case(case)
        theta, y, bound, x = c["theta"], c["y"], c["M"], c["x"]
        if max(abs(v) for v in x) > bound:
            return Outcome(True, 0.0, "x outside the box", premises_met=False)
        corners = [mpmath.matrix(list(signs)) * bound for signs in itertools.product((-1, 1), repeat=len(x))]
        corners = [[corner[i] for i in range(len(x))] for corner in corners]

        def loss(point):
            return (sum(t * v for t, v in zip(theta, point)) - y) ** 2 / 2

        def gradient_norm(point):
            return mpmath.sqrt(2 * loss(point)) * mp_norm(point)

        tolerance = oracle_tolerance(8 * len(x), float((mp_norm(theta) * bound * len(x) + abs(y) + 1) ** 2 * bound))
        if loss(list(x)) < max(loss(corner) for corner in corners) - tolerance:
            return Outcome(True, 0.0, "x does not maximise the loss over the box", premises_met=False)
        best = max(gradient_norm(corner) for corner in corners)
        return compare(
            float(best - gradient_norm(list(x))),
            tolerance,
            f"a loss maximiser x has |g| = {mpmath.nstr(gradient_norm(list(x)), 6)}, the box's largest |g| is "
            f"{mpmath.nstr(best, 6)}",
        )


#: theta = (1, 0), y = 0, M = 1: x = (1, 0) maximises the loss (1/2) with |g| = 1; the corner (1, 1) has |g| = sqrt 2.
_MAXIMISER_CASE = {"theta": [1.0, 0.0], "y": 0.0, "M": 1.0, "x": [1.0, 0.0]}


# ----------------------------------------------------------------------------- Experiment 2's equation
def _prove_notation(moved_point: bool = True) -> bool:
    """grad_theta L(theta', z) at theta' = theta - lr grad_theta L(theta, z) is g_z(theta - lr g_z(theta)): the
    right side rewrites the left side's objective (linear regression's draft_step and draft_gradient, dimension 2).
    ``moved_point=False`` compares with g_z at theta instead (a perturbed statement): it must fail."""
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    symbols = list(theta)
    loss = (sum(t * v for t, v in zip(symbols, x)) - y) ** 2 / 2
    moved = draft_step(theta, x, y, lr)
    autodiff = [sympy.diff(loss, t).subs(dict(zip(symbols, moved)), simultaneous=True) for t in symbols]
    at = moved if moved_point else theta
    return is_zero_array(sympy.Matrix(autodiff) - sympy.Matrix(list(draft_gradient(at, x, y))))


def _ridge_gradient(theta, x, y, mu):
    return draft_gradient(theta, x, y) + mu * theta


def _ridge_cosine(c, x, y):
    gradient = _ridge_gradient(c["theta"], x, y, c["mu"])
    moved = c["theta"] - c["lr"] * gradient
    after = _ridge_gradient(moved, x, y, c["mu"])
    norms = mp_norm(gradient) * mp_norm(after)
    return None if norms == 0 else abs(gradient.dot(after)) / norms


def _cosine_free_of_z(case):
    """Literal reading: min_z F(z) = F(z) for every z, i.e. F(z) = |cos(g_z(theta - lr g_z(theta)), g_z(theta))| is the
    same for every z. Ridge regression (mu > 0), two data points, at 60 digits."""
    with precision():
        c = mp_case(case)
        values = [_ridge_cosine(c, c["x"], c["y"]), _ridge_cosine(c, c["x2"], c["y2"])]
        if any(value is None for value in values):
            return Outcome(True, 0.0, "a zero gradient: the cosine is undefined", premises_met=False)
        return compare(
            float(abs(values[0] - values[1])),
            oracle_tolerance(64, 1.0),
            f"F(z) = {mpmath.nstr(values[0], 6)}, F(z') = {mpmath.nstr(values[1], 6)} (ridge, mu = "
            f"{mpmath.nstr(c['mu'], 4)})",
        )


@st.composite
def _ridge_pairs(draw):
    case = draw(linear_points(8))
    dim = len(case["x"])
    case["x2"] = [float(v) for v in draw(st.lists(st.floats(-1.0, 1.0), min_size=dim, max_size=dim))]
    case["y2"] = draw(st.floats(-1.0, 1.0))
    case["mu"] = draw(log_uniform((-2.0, 1.0)))
    return case


#: theta = (1, 0), mu = 1, lr = 1/2: F = 1/sqrt(2) at z = ((0, 1), 1), F = 1 at z' = ((0, 1), 0).
_RIDGE_CASE = {"theta": [1.0, 0.0], "x": [0.0, 1.0], "y": 1.0, "x2": [0.0, 1.0], "y2": 0.0, "lr": 0.5, "mu": 1.0}


register(
    Lemma(
        id="irregular-targets-need-curvature",
        title="Approximating an irregular function needs irregular behaviour (large curvature)",
        statement=r"If $f \in C^2$ and $|f(x) - |x|| \le \varepsilon \le 1/4$ on $[-1, 1]$, then $\sup|f''| \ge 1/(8\varepsilon)$: "
        r"a network that approximates an irregular target closely must itself be irregular.",
        source=APPROX_BG,
        as_written=True,
        quote=UAT_QUOTE,
        claim="nonsmooth-networks",
        reading="non-smooth = irregular (large curvature), the target |x|",
        assumptions=("f twice differentiable on [-1, 1]", "0 < eps <= 1/4", "the irregular target |x|"),
        interpretation="The charitable reading: to approximate irregular functions (the universal approximation "
        "theorem's targets) a network needs irregular behaviour, here curvature of order 1/eps. Proved by "
        "the mean-value theorem; the softplus network attains the order (k/2 against k/(16 ln 2)).",
        checks=(
            SympyProof(
                "mean-value-bound",
                _prove_curvature_bound,
                "sympy: the slope bounds from |f - |x|| <= eps, and their gap over 2 delta at delta = 4 eps",
                coverage=every_size("every eps <= 1/4 (symbolic; no size quantified)"),
            ),
            oracle_property(
                "softplus-attains-order",
                _sharpness(),
                _curvature_needed,
                "softplus sharpness k log-uniform in [10, 1e6] (error <= 1/4); 60 digits",
            ),
        ),
    ),
    Lemma(
        id="irregular-targets-need-nondifferentiable",
        title="Approximating an irregular function needs a non-differentiable network",
        statement=r"No $C^\infty$ network is within $\varepsilon$ of the irregular target $|x|$ on $[-1, 1]$ (for small "
        r"$\varepsilon$): a useful network must be non-smooth (non-differentiable).",
        source=APPROX_BG,
        as_written=True,
        quote=UAT_QUOTE,
        claim="nonsmooth-networks",
        reading="non-smooth = non-differentiable",
        assumptions=("0 < eps < 1",),
        interpretation="Refuted: the one-hidden-layer softplus network s_k(x) + s_k(-x) is C^infinity and within "
        "2 ln 2 / k of |x|; the universal approximation theorem holds for smooth activations (sigmoid, "
        "Cybenko 1989). What approximation needs is curvature: irregular-targets-need-curvature.",
        checks=(
            oracle_property(
                "smooth-network-fails",
                _sharpness(),
                _no_smooth_approximant,
                "eps log-uniform in [1e-6, 0.1]; the softplus network with k = 4 ln 2 / eps; 60 digits",
                examples=(_SMOOTH_CASE,),
            ),
        ),
        corrected_by=("irregular-targets-need-curvature",),
        counterexample=Counterexample("smooth-network-fails", _SMOOTH_CASE, found_by="example"),
    ),
    Lemma(
        id="robust-implies-lipschitz",
        title="A model robust to small input variations is Lipschitz",
        statement=r"If $h$ is robust to small variations of its input (uniformly continuous: $|h(x + \delta) - h(x)| \to 0$ "
        r"uniformly as $\delta \to 0$), then $h$ is Lipschitz.",
        source=PATHWAYS,
        as_written=True,
        quote=ROBUST_QUOTE,
        assumptions=("robust = uniformly continuous in the input x (the model's sensitivity to input perturbations)",),
        interpretation="Refuted by h(x) = sqrt(|x|), robust with modulus sqrt(|d|) and not Lipschitz at 0: for every L "
        "the pair (0, 1/(L + 1)^2) has ratio L + 1. Robustness with a linear modulus is Lipschitz "
        "(lipschitz-from-linear-robustness). Note that the fixed-point theorems need regularity of "
        "g_z in theta, not of h_theta in x.",
        checks=(
            PropertyCheck(
                "lipschitz-constant-exists",
                _constants(),
                _robust_is_lipschitz,
                "L log-uniform in [1e-3, 1e9]; the witness pair at 60 digits",
                oracle=True,
                examples=(_ROBUST_CASE,),
            ),
        ),
        corrected_by=("lipschitz-from-linear-robustness",),
        counterexample=Counterexample("lipschitz-constant-exists", _ROBUST_CASE, found_by="example"),
    ),
    Lemma(
        id="lipschitz-from-linear-robustness",
        title="Robustness with a linear modulus at a scale r is the Lipschitz property",
        statement=r"If $|h(u + \delta) - h(u)| \le L|\delta|$ for all $u$ and $|\delta| \le r$, then $|h(x) - h(x')| \le "
        r"L|x - x'|$ for all $x, x'$ (chain steps of length $\le r$ along the segment).",
        source=PATHWAYS,
        as_written=False,
        assumptions=("a linear modulus L at some scale r > 0",),
        checks=(
            SympyProof(
                "chaining",
                _prove_local_to_global,
                "sympy: n steps of length ell along the segment sum to L n ell = L |x - x'| (symbolic n)",
                coverage=every_size("all n (symbolic number of steps)"),
            ),
        ),
    ),
    Lemma(
        id="hessian-expensive",
        title="Forming the Hessian costs 2d gradients and d^2 memory",
        statement=r"Forming $\nabla_\theta^2 L(z, \theta) \in \mathbb{R}^{d\times d}$ takes $d$ Hessian-vector products (about "
        r"$2d$ gradient costs) and $d^2$ numbers, against $d$ for the gradient: both ratios grow without bound in $d$.",
        source=IRREGULAR,
        as_written=True,
        quote=HESSIAN_QUOTE,
        assumptions=(
            "an HVP costs about two gradients (forward-over-reverse, empirical.hvp)",
            "no structure known (linear and logistic regression have rank-one Hessians: rank-one-hessian-proxies)",
        ),
        interpretation="Read relative to the gradient the attack also needs. The attack itself needs only the norms, "
        "which power iteration or Hutchinson probes give from a few HVPs (docs/poisoning.md).",
        checks=(
            SympyProof(
                "cost-ratio",
                _prove_hessian_cost,
                "sympy with a symbolic d (every size): ratio 2d and its limit",
                coverage=every_size("all d (symbolic)"),
            ),
        ),
    ),
    Lemma(
        id="loss-gradient-same-order-fixed-input",
        title="At a fixed input, maximising the loss maximises the gradient (linear regression)",
        statement=r"$|g_z(\theta)| = |x|\sqrt{2L(z, \theta)}$: at a fixed input $x$, $|g_z|$ is an increasing function of the "
        r"loss, so maximising either (over $y$ or $\theta$) maximises both.",
        source=INFLUENCE,
        as_written=True,
        quote=SIMILARITY_QUOTE,
        claim="loss-gradient-similarity",
        reading="at a fixed input x: the loss and the gradient norm order points alike",
        assumptions=("linear regression, any p", "x fixed"),
        interpretation="The charitable reading of 'similarity': the two objectives are monotone functions of one "
        "another at a fixed input. Over inputs they differ: loss-gradient-same-maximiser-over-inputs.",
        uses=("hard-kinds-linear",),
        checks=(
            SympyProof(
                "gradient-from-loss",
                _prove_gradient_of_loss,
                "sympy identity in dimension 2 (vectors theta, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="loss-gradient-same-maximiser-over-inputs",
        title="Over a box of inputs, the loss maximisers maximise the gradient (linear regression)",
        statement=r"Over the valid inputs $\|x\|_\infty \le M$, every maximiser of $L(z, \theta)$ maximises $|g_z(\theta)|$.",
        source=INFLUENCE,
        as_written=True,
        quote=SIMILARITY_QUOTE,
        claim="loss-gradient-similarity",
        reading="over the inputs the attack moves: same maximisers",
        assumptions=("linear regression", "x in the box |x_i| <= M"),
        interpretation="Refuted: theta = (1, 0), y = 0, M = 1: x = (1, 0) maximises the loss with |g| = 1, the corner "
        "(1, 1) has the same loss and |g| = sqrt 2. The gradient also carries |x|. Corrected by the "
        "fixed-input reading.",
        checks=(
            oracle_property(
                "maximisers-agree",
                st.just(_MAXIMISER_CASE),
                _same_maximiser,
                "the hand-picked case (the corners of the box enumerated at 60 digits)",
                examples=(_MAXIMISER_CASE,),
            ),
        ),
        corrected_by=("loss-gradient-same-order-fixed-input",),
        counterexample=Counterexample("maximisers-agree", _MAXIMISER_CASE, found_by="example"),
    ),
    Lemma(
        id="orthogonal-craft-notation",
        title="Experiment 2's equation as notation: the right side rewrites the objective with g_z",
        statement=r"$\nabla_\theta L(\theta - \lambda\nabla_\theta L(\theta, z), z) = g_z(\theta - \lambda g_z(\theta))$ "
        r"and $\nabla_\theta L(\theta, z) = g_z(\theta)$, so the right side is the objective $F(z)$ minimised on "
        r"the left, written with $g_z$.",
        source=NONLINEAR,
        as_written=True,
        quote=EQUATION_QUOTE,
        claim="orthogonal-craft-equation",
        reading="notation: the right side is the objective F(z) that the left side minimises",
        assumptions=(
            "linear regression for the symbolic check (the identity is the definition of g_z in every model)",
            "lr in R, the draft's domain",
        ),
        interpretation="The charitable reading of an ill-formed equation (z is bound on the left and free on the "
        "right): the author rewrites the objective in the g_z notation. `python -m empirical run "
        "orthogonal-craft` minimises it.",
        checks=(
            SympyProof(
                "objective-in-g-notation",
                _prove_notation,
                "sympy: the autodiff gradient of the loss at the moved point equals draft_gradient there "
                "(dimension 2, vectors theta, x)",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="orthogonal-craft-equation",
        title="Experiment 2's equation as written: the cosine does not depend on z",
        statement=r"For every $z$: $\min_{z'} F(z') = F(z)$, $F(z) = |\cos(g_z(\theta - \lambda g_z(\theta)), g_z(\theta))|$, "
        r"i.e. $F$ is constant in $z$.",
        source=NONLINEAR,
        as_written=True,
        quote=EQUATION_QUOTE,
        claim="orthogonal-craft-equation",
        reading="an equation for every z (z free on the right)",
        assumptions=("ridge regression (mu > 0) as the model", "nonzero gradients", "lr in R, the draft's domain"),
        interpretation="Refuted in ridge regression, where the gradients are not collinear with x: theta = (1, 0), "
        "mu = 1, lr = 1/2 gives F = 1/sqrt(2) at z = ((0, 1), 1) and F = 1 at ((0, 1), 0), so the "
        "second is not the minimum. (In linear and logistic regression F = 1 for every z.)",
        checks=(
            oracle_property(
                "cosine-free-of-z",
                _ridge_pairs(),
                _cosine_free_of_z,
                LINEAR_POINT_RANGES.replace("p in [1, 512]", "p in [1, 8]") + "; x', y' entries in "
                "[-1, 1]; mu log-uniform in [1e-2, 10]",
                examples=(_RIDGE_CASE,),
            ),
        ),
        corrected_by=("orthogonal-craft-notation",),
        counterexample=Counterexample("cosine-free-of-z", _RIDGE_CASE, found_by="example"),
    ),
)
