r"""Draft section "Towards the general case": the poisons, influence functions, Hessian proxies, delta-influence.

* **The FGSM variant's noise.** :math:`\mathrm{copysign}(\eta, g) = s \odot |\eta|` with :math:`s = \mathrm{sign}(g)`.
  If :math:`s` is a Rademacher vector independent of :math:`\eta \sim N(0, I)` (the draft's premise), each
  coordinate :math:`s_i|\eta_i|` has density :math:`\tfrac12 \cdot 2\varphi(|t|) = \varphi(t)`, so the vector is
  :math:`N(0, I)` (proved). Given the data point and the model, however, :math:`s` is fixed and the noise is
  :math:`s \odot |\eta|`, with mean :math:`\sqrt{2/\pi}\, s \ne 0` (refuted reading). What GUS needs is the second
  (the statistic is computed at one model and one point): for a model whose input gradient is :math:`g`,
  :math:`T = \langle \xi, g\rangle / (\varepsilon |g|)` has mean :math:`\sqrt{2/\pi}\,\langle s, g\rangle / |g|` and
  variance :math:`1 - 2/\pi`, so its N(0, 1) null fails even on a model that never saw the poison, as soon as
  that model's input gradient correlates with the crafting model's (measured by ``poison-unlearning``).
* **Influence functions** (Koh & Liang 2017): positive definiteness of :math:`H` under strict convexity
  (false for a general strictly convex loss, :math:`\theta^4` at 0; true for linear and logistic regression,
  where both mean that the inputs span :math:`\mathbb R^p`), linearity of :math:`-H^{-1} g` in :math:`g` (proved),
  "influential means a large gradient" (true as the bound :math:`|g| \ge \lambda_{\min}(H)\,|H^{-1}g|`, false as a
  ranking: the condition number of :math:`H` can reverse it).
* **Hessian proxies** for a per-example Hessian of linear or logistic regression, :math:`w\,x x^\top` with
  :math:`w = 1` or :math:`\sigma'(\theta\cdot x)`: spectral norm = trace = :math:`w|x|^2`, diagonal norm
  :math:`w(\sum_i x_i^4)^{1/2} \in [w|x|^2/\sqrt p, w|x|^2]`; under :math:`\|x\|_\infty \le M` the maximum of
  :math:`|x|^2` is :math:`pM^2` (any corner), so for linear regression the Hessian attack's optimum is known.
* **Experiments** are ``open`` here: they are measured by the ``poison-unlearning`` and ``hessian-poisons`` checks
  of :mod:`empirical` (``python -m empirical show``). The delta-influence **complexity claims** are judged on the
  cost model of ``delta-influence-cost`` in :mod:`theory.lemmas.delta_influence`.

The three kinds of hard points and their equivalence under convexity are lemmas of
:mod:`theory.lemmas.gradient_ascent` (three-hard-kinds-equivalent, hard-kinds-linear); the Hessian pitfall
("positive definite", trace proxy) is in :mod:`theory.lemmas.ascent_conclusions`.
"""

from __future__ import annotations

import math

import mpmath
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import compare, exactly_equal, is_zero, is_zero_matrix_expression
from theory.checking.error_model import oracle_tolerance
from theory.checking.oracle import mp_vector, precision
from theory.checking.registry import (
    Counterexample,
    Lemma,
    OracleCheck,
    Outcome,
    PropertyCheck,
    SympyProof,
    every_size,
    fixed_sizes,
    register,
)
from theory.checking.strategies import dimensions, scales, vectors

GENERAL = "Gradient ascent does not revert gradient descent / Towards the general case"
HIGH_LOSS = f"{GENERAL} / Adversarial poisons with high loss"
INFLUENCE = f"{GENERAL} / Adversarial data poisoning via influence functions"
IRREGULAR = f"{GENERAL} / Adversarial poisons with irregular gradients"
DELTA = f"{GENERAL} / Limitations of delta-influence"
CONCLUSION = f"{GENERAL} / Conclusion on gradient ascent"
MAX_SYMBOLIC_DIM = 4


# ----------------------------------------------------------------------------- the FGSM variant's noise
def _half_normal_moments() -> tuple[sympy.Expr, sympy.Expr]:
    """E|eta| and E eta^2 for eta ~ N(0, 1), by sympy integration."""
    t = sympy.symbols("t", real=True)
    density = sympy.exp(-(t**2) / 2) / sympy.sqrt(2 * sympy.pi)
    first = sympy.integrate(2 * t * density, (t, 0, sympy.oo))
    second = sympy.integrate(t**2 * density, (t, -sympy.oo, sympy.oo))
    return sympy.simplify(first), sympy.simplify(second)


def _prove_copysign_gaussian() -> bool:
    """Density of s|eta| with s = +-1 w.p. 1/2 independent of eta: (1/2) * 2 phi(|t|) = phi(t), t != 0; the
    coordinates are independent pairs (s_i, eta_i), so the joint density is the product: N(0, I)."""
    t = sympy.symbols("t", real=True, nonzero=True)
    phi = lambda u: sympy.exp(-(u**2) / 2) / sympy.sqrt(2 * sympy.pi)
    half_normal = lambda u: sympy.Piecewise((2 * phi(u), u > 0), (0, True))
    mixture = sympy.Rational(1, 2) * half_normal(t) + sympy.Rational(1, 2) * half_normal(-t)
    positive = sympy.symbols("u", positive=True)
    total = sympy.integrate(2 * phi(positive).subs(positive, t), (t, 0, sympy.oo))
    return (
        is_zero(sympy.piecewise_fold(mixture).subs(t, positive) - phi(positive))
        and is_zero(sympy.piecewise_fold(mixture).subs(t, -positive) - phi(-positive))
        and sympy.simplify(total) == 1
    )


@st.composite
def _sign_vectors(draw):
    dim = draw(st.integers(1, 12))
    return {"signs": [draw(st.sampled_from([-1.0, 1.0])) for _ in range(dim)]}


def _conditional_mean_zero(case):
    """Reading 'given the point and the model': is E[copysign(eta, g) | g] = 0 (as for N(0, I))?"""
    with precision():
        mean = [mpmath.sqrt(2 / mpmath.pi) * mpmath.mpf(s) for s in case["signs"]]
        largest = max(abs(m) for m in mean)
        return compare(
            float(largest),
            oracle_tolerance(4, 1.0),
            f"E[copysign(eta, g) | g] = sqrt(2/pi) sign(g), largest entry {mpmath.nstr(largest, 6)}",
        )


def _prove_gus_fgsm_moments() -> bool:
    """T = sum_i s_i |eta_i| g_i / |g| with s_i = +-1: E[T] = sqrt(2/pi) <s, g>/|g| and Var[T] = 1 - 2/pi, for
    every p <= MAX_SYMBOLIC_DIM with symbolic g and symbolic signs (s_i^2 = 1)."""
    first, second = _half_normal_moments()
    if not (is_zero(first - sympy.sqrt(2 / sympy.pi)) and second == 1):
        return False
    for dim in range(1, MAX_SYMBOLIC_DIM + 1):
        g = sympy.symbols(f"g0:{dim}", real=True, nonzero=True)
        s = sympy.symbols(f"s0:{dim}", real=True)
        norm = sympy.sqrt(sum(v**2 for v in g))
        mean = sum(si * first * gi for si, gi in zip(s, g)) / norm
        variance = sum((si * gi / norm) ** 2 * (second - first**2) for si, gi in zip(s, g))
        variance = variance.subs({si**2: 1 for si in s})
        if not (
            is_zero(mean - sympy.sqrt(2 / sympy.pi) * sum(si * gi for si, gi in zip(s, g)) / norm)
            and is_zero(variance - (1 - 2 / sympy.pi))
        ):
            return False
    return True


def sign_bit(value: float) -> float:
    """The sign copysign uses: +1 or -1 from the sign bit, also for +0.0 and -0.0 (math.copysign, torch.copysign)."""
    return math.copysign(1.0, value)


def _copysign_coordinate_mean(case, sign=sign_bit):
    """E[copysign(eta, g0_i)] for eta ~ N(0, 1), by 60-digit quadrature of copysign(t, g0_i) phi(t) on each half-line
    (IEEE copysign takes g0_i's sign bit: +0.0 gives |eta|), against sqrt(2/pi) sign(g0_i). ``sign`` is the sign in
    the statement: sign_bit (the corrected statement) or numpy's sign (0 at 0: the statement before the premise)."""
    with precision():
        g = case["g0"]
        phi = lambda t: mpmath.exp(-(t**2) / 2) / mpmath.sqrt(2 * mpmath.pi)
        integrand = lambda t: math.copysign(1.0, g) * abs(t) * phi(t)  # copysign(t, g) = sign_bit(g) |t|
        mean = mpmath.quad(integrand, [-mpmath.inf, 0]) + mpmath.quad(integrand, [0, mpmath.inf])
        stated = mpmath.sqrt(2 / mpmath.pi) * sign(g)
        return compare(
            float(abs(mean - stated)),
            oracle_tolerance(64, 1.0),
            f"g0_i = {g!r}: E[copysign(eta, g0_i)] = {mpmath.nstr(mean, 8)}, stated {mpmath.nstr(stated, 8)}",
        )


def _coordinate_cases():
    for value in (0.0, -0.0, 1.5, -2.0, 5e-324, -1e300):
        yield {"g0": value}


def _prove_gus_gaussian_null() -> bool:
    """For xi ~ N(0, eps^2 I) independent of g != 0: E exp(u T) = prod_i exp(u^2 g_i^2 / (2|g|^2)) = exp(u^2/2)."""
    u = sympy.symbols("u", real=True)
    for dim in range(1, MAX_SYMBOLIC_DIM + 1):
        g = sympy.symbols(f"g0:{dim}", real=True, nonzero=True)
        norm_sq = sum(v**2 for v in g)
        exponent = sum(u**2 * v**2 / (2 * norm_sq) for v in g)
        if not is_zero(exponent - u**2 / 2):
            return False
    return True


@st.composite
def _gus_cases(draw):
    dim = draw(dimensions())
    return {"g": draw(vectors(dim, draw(scales()))), "u": draw(st.floats(-8.0, 8.0))}


def _gus_mgf(case):
    """The moment generating function of T at u, computed coordinate by coordinate at 60 digits, vs exp(u^2/2)."""
    with precision():
        g = mp_vector(case["g"])
        norm_sq = mpmath.fsum(v**2 for v in g)
        if norm_sq == 0:
            return Outcome(True, 0.0, "g = 0: the statistic is undefined", premises_met=False)
        u = mpmath.mpf(case["u"])
        log_mgf = mpmath.fsum(u**2 * v**2 / (2 * norm_sq) for v in g)
        gap = abs(log_mgf - u**2 / 2)
        return compare(
            float(gap), oracle_tolerance(4 * len(g) + 8, float(u**2)), f"log E exp(uT) - u^2/2 = {mpmath.nstr(gap, 5)}"
        )


# ----------------------------------------------------------------------------- influence functions
@st.composite
def _even_powers(draw):
    return {"power": draw(st.sampled_from([2, 4, 6])), "theta": draw(st.floats(-2.0, 2.0))}


def _strictly_convex_pd(case):
    """L(theta) = theta^k, k even (strictly convex): is L''(theta) > 0?"""
    theta = sympy.Rational(case["theta"])
    power = int(case["power"])
    second = sympy.diff(sympy.Symbol("t") ** power, sympy.Symbol("t"), 2).subs(sympy.Symbol("t"), theta)
    return Outcome(bool(second > 0), 0.0 if second > 0 else 2.0, f"L''({case['theta']}) = {second} for theta^{power}")


@st.composite
def _regression_data(draw):
    dim = draw(st.integers(1, 4))
    count = draw(st.integers(1, 6))
    rows = [[draw(st.integers(-2, 2)) for _ in range(dim)] for _ in range(count)]
    weights = [draw(st.integers(1, 9)) for _ in range(count)]  # linear: w = 1; logistic: w = sigma'(.) in (0, 1/4]
    return {"rows": rows, "weights": weights}


def _pd_iff_span(case):
    """H = (1/n) sum_i w_i x_i x_i^T (w_i > 0) is positive definite iff the x_i span R^p (exact rationals)."""
    x = sympy.Matrix(case["rows"])
    weights = [sympy.Rational(w, 36) for w in case["weights"]]
    hessian = sum((w * x.row(i).T * x.row(i) for i, w in enumerate(weights)), sympy.zeros(x.cols, x.cols)) / x.rows
    positive_definite = bool(hessian.is_positive_definite)
    spans = x.rank() == x.cols
    return exactly_equal(int(positive_definite), int(spans), f"PD {positive_definite}, rank {x.rank()} of p = {x.cols}")


def _prove_influence_linear() -> bool:
    """-H^{-1}(a g + b h) = a(-H^{-1} g) + b(-H^{-1} h) for a symbolic invertible H, p = 1..3."""
    a, b = sympy.symbols("a b", real=True)
    for dim in range(1, 4):
        h = sympy.Matrix(dim, dim, lambda i, j: sympy.Symbol(f"H{min(i, j)}{max(i, j)}"))
        g = sympy.Matrix(sympy.symbols(f"g0:{dim}"))
        k = sympy.Matrix(sympy.symbols(f"k0:{dim}"))
        inverse = h.inv()
        if not all(is_zero(e) for e in (-inverse * (a * g + b * k) - (a * (-inverse * g) + b * (-inverse * k)))):
            return False
    return True


def _prove_influence_linear_any_size() -> bool:
    """-H^{-1}(a g + b h) = a(-H^{-1} g) + b(-H^{-1} h) for a matrix symbol H (p x p, symbolic p) and p x 1 symbols
    g, h: H^{-1} is a matrix, and a matrix is a linear map, in every dimension."""
    p = sympy.Symbol("p", integer=True, positive=True)
    hessian = sympy.MatrixSymbol("H", p, p)
    g, h = sympy.MatrixSymbol("g", p, 1), sympy.MatrixSymbol("h", p, 1)
    a, b = sympy.symbols("a b", real=True)
    inverse = hessian.I
    return is_zero_matrix_expression(-inverse * (a * g + b * h) - (a * (-inverse * g) + b * (-inverse * h)))


@st.composite
def _influence_cases(draw):
    dim = draw(st.integers(1, 6))
    factor = [draw(vectors(dim, draw(scales()))) for _ in range(dim)]
    return {
        "factor": factor,
        "shift": draw(scales()),
        "g": draw(vectors(dim, draw(scales()))),
        "h": draw(vectors(dim, draw(scales()))),
    }


def _spd(case):
    a = mpmath.matrix(case["factor"])
    return a * a.T + mpmath.mpf(case["shift"]) * mpmath.eye(a.rows)


def _influence_bound(case):
    """|g| >= lambda_min(H) |H^{-1} g| for SPD H (the bound reading)."""
    with precision():
        hessian = _spd(case)
        g = mpmath.matrix(case["g"])
        if mpmath.norm(g) == 0:
            return Outcome(True, 0.0, "g = 0", premises_met=False)
        eigenvalues = mpmath.eigsy(hessian, eigvals_only=True)
        smallest = min(eigenvalues)
        influence = mpmath.norm(mpmath.lu_solve(hessian, g))
        slack = smallest * influence - mpmath.norm(g)
        scale = mpmath.norm(g) * max(abs(e) for e in eigenvalues) / smallest
        return compare(
            float(max(slack, 0)),
            oracle_tolerance(20 * hessian.rows**3, float(scale)),
            f"lambda_min |H^-1 g| - |g| = {mpmath.nstr(slack, 5)}",
        )


def _influence_ranking(case):
    """Ranking reading: |H^{-1} g| > |H^{-1} h| implies |g| > |h|."""
    with precision():
        hessian = _spd(case)
        g, h = mpmath.matrix(case["g"]), mpmath.matrix(case["h"])
        influence_g = mpmath.norm(mpmath.lu_solve(hessian, g))
        influence_h = mpmath.norm(mpmath.lu_solve(hessian, h))
        if influence_g <= influence_h:
            return Outcome(True, 0.0, "h is at least as influential: nothing to check", premises_met=False)
        holds = mpmath.norm(g) > mpmath.norm(h)
        return Outcome(
            bool(holds),
            0.0 if holds else 2.0,
            f"|I(g)| = {mpmath.nstr(influence_g, 5)} > |I(h)| = {mpmath.nstr(influence_h, 5)} but "
            f"|g| = {mpmath.nstr(mpmath.norm(g), 5)}, |h| = {mpmath.nstr(mpmath.norm(h), 5)}",
        )


#: H = diag(1, 100): g = (1, 0) is 50 times more influential than h = (0, 2), with half its gradient norm.
_ILL_CONDITIONED = {"factor": [[0.0, 0.0], [0.0, 9.9498743710662]], "shift": 1.0, "g": [1.0, 0.0], "h": [0.0, 2.0]}


# ----------------------------------------------------------------------------- Hessian proxies (rank one)
def _prove_rank_one() -> bool:
    """det(mu I - w x x^T) = mu^(p-1) (mu - w|x|^2) and tr(w x x^T) = w|x|^2, symbolic w > 0 and x, p = 1..4:
    the only non-zero eigenvalue is w|x|^2 >= 0, so spectral norm = trace = w|x|^2."""
    mu = sympy.symbols("mu")
    w = sympy.symbols("w", positive=True)
    for dim in range(1, MAX_SYMBOLIC_DIM + 1):
        x = sympy.Matrix(sympy.symbols(f"x0:{dim}", real=True))
        hessian = w * x * x.T
        norm_sq = sum(v**2 for v in x)
        if not is_zero((mu * sympy.eye(dim) - hessian).det() - mu ** (dim - 1) * (mu - w * norm_sq)):
            return False
        if not is_zero(hessian.trace() - w * norm_sq):
            return False
    return True


@st.composite
def _box_points(draw):
    dim = draw(dimensions(64))
    return {"x": draw(vectors(dim, draw(scales()))), "bound": draw(scales())}


def _diagonal_and_corner(case):
    """|x|^2/sqrt(p) <= (sum x_i^4)^(1/2) <= |x|^2, and |clip(x, M)|^2 <= p M^2 with equality at the corners."""
    with precision():
        x = mp_vector(case["x"])
        p = len(x)
        norm_sq = mpmath.fsum(v**2 for v in x)
        diagonal = mpmath.sqrt(mpmath.fsum(v**4 for v in x))
        bound = mpmath.mpf(case["bound"])
        clipped = mpmath.fsum(min(abs(v), bound) ** 2 for v in x)
        corner = p * bound**2
        tolerance = oracle_tolerance(4 * p + 8, float(norm_sq + corner))
        errors = [norm_sq / mpmath.sqrt(p) - diagonal, diagonal - norm_sq, clipped - corner]
        return compare(
            float(max(max(errors), 0)),
            tolerance,
            f"diag {mpmath.nstr(diagonal, 5)} in [{mpmath.nstr(norm_sq / mpmath.sqrt(p), 5)}, "
            f"{mpmath.nstr(norm_sq, 5)}]; box max {mpmath.nstr(corner, 5)}",
        )


register(
    Lemma(
        id="fgsm-variant-noise-gaussian",
        title="The FGSM variant's noise is Gaussian when the gradient's sign is an independent Rademacher vector",
        statement=r"If $s = \mathrm{sign}(\nabla_x l) \sim \mathcal U(\{-1,1\}^d)$ has independent coordinates and is "
        r"independent of $\eta \sim N(0, I_d)$, then $\mathrm{copysign}(\eta, \nabla_x l) = s \odot |\eta| "
        r"\sim N(0, I_d)$.",
        source=HIGH_LOSS,
        as_written=True,
        assumptions=(
            "s = sign(grad_x l) Rademacher with independent coordinates, independent of eta",
            "eta ~ N(0, I_d)",
        ),
        quote=r"Assuming that $\mathrm{sign}(\nabla_x l(h_\theta(x), y)) \sim \mathcal{U}(\{-1, 1\})$ is a Rademacher "
        r"vector with independent coordinates, $\mathrm{copysign}(\eta, \nabla_x l(h_\theta(x), y))$ is also "
        r"gaussian-distributed.",
        reading="marginal over a random sign",
        claim="fgsm-variant-noise",
        interpretation="Read with the sign random (over data points) and independent of eta: true, each coordinate "
        "s|eta| is a symmetric mixture of half-normals. This is a statement about the marginal law, "
        "which is not what a per-point score such as GUS uses (see the conditional reading).",
        checks=(
            SympyProof(
                "symmetric-half-normal-mixture",
                _prove_copysign_gaussian,
                "sympy: (1/2)(2 phi(t) 1[t>0]) + (1/2)(2 phi(-t) 1[-t>0]) = phi(t) for t != 0 and the "
                "half-normal density integrates to 1; independence of the pairs (s_i, eta_i) gives the "
                "product density (dimension-free)",
                coverage=every_size("all p (one coordinate; independent coordinates)"),
            ),
        ),
    ),
    Lemma(
        id="fgsm-variant-noise-gaussian-given-gradient",
        title="Given the point and the model, the FGSM variant's noise is not Gaussian",
        statement=r"For a fixed $x$ and model, $\mathrm{copysign}(\eta, \nabla_x l) \sim N(0, I_d)$.",
        source=HIGH_LOSS,
        as_written=True,
        assumptions=("x and the model fixed (so the sign vector s is fixed)", "eta ~ N(0, I_d)"),
        quote=r"$\mathrm{copysign}(\eta, \nabla_x l(h_\theta(x), y))$ is also gaussian-distributed",
        reading="conditional on the point and the model",
        claim="fgsm-variant-noise",
        interpretation="For one poison the sign vector s is fixed by the crafting model and the noise is s|eta|: "
        "every coordinate has the sign of the gradient, mean sqrt(2/pi) s_i != 0. The Rademacher "
        "premise describes variation across points, which a per-point score does not average over.",
        checks=(
            PropertyCheck(
                "conditional-mean-zero",
                _sign_vectors(),
                _conditional_mean_zero,
                "sign vectors of dimension 1..12 (the exact conditional mean at 60 digits)",
                examples=({"signs": [1.0]},),
            ),
        ),
        corrected_by=("gus-fgsm-variant-null",),
        counterexample=Counterexample("conditional-mean-zero", {"signs": [1.0]}, found_by="example"),
    ),
    Lemma(
        id="gus-gaussian-null",
        title="GUS's statistic is N(0, 1) on a model independent of the Gaussian noise",
        statement=r"For $\xi \sim N(0, \varepsilon^2 I_d)$ independent of $g \ne 0$: "
        r"$T = \langle \xi, g\rangle / (\varepsilon |g|) \sim N(0, 1)$.",
        source=HIGH_LOSS,
        as_written=False,
        assumptions=("xi ~ N(0, eps^2 I_d) independent of g", "g != 0", "eps > 0"),
        interpretation="The null that the Gaussian Unlearning Score (Pawelczyk et al. 2024) assumes, which the draft "
        "uses 'before poisoning and after poisoning'. Proved through the moment generating function "
        "exp(u^2 sum g_i^2 / (2|g|^2)) = exp(u^2/2). The empirical check measures T on the retrained "
        "model (never saw the noise) and a KS test in tests/empirical.",
        checks=(
            SympyProof(
                "mgf",
                _prove_gus_gaussian_null,
                f"sympy: the log-mgf of T equals u^2/2 for symbolic g, p = 1..{MAX_SYMBOLIC_DIM}",
                coverage=fixed_sizes(f"p <= {MAX_SYMBOLIC_DIM}"),
            ),
            PropertyCheck(
                "mgf-oracle",
                _gus_cases(),
                _gus_mgf,
                "p in [1, 512]; g scale log-uniform in [1e-3, 1e3]; u in [-8, 8]; 60-digit log-mgf",
            ),
        ),
    ),
    Lemma(
        id="gus-fgsm-variant-null",
        title="GUS's statistic on the FGSM variant's noise has mean sqrt(2/pi)<s, g>/|g|, s = copysign(1, g0), and variance 1 - 2/pi",
        statement=r"For $\xi = \varepsilon\,\mathrm{copysign}(\eta, g_0)$, $\eta \sim N(0, I_d)$, and a model with input "
        r"gradient $g \ne 0$ independent of $\eta$: with $s = \mathrm{copysign}(1, g_0) \in \{-1, 1\}^d$ (the sign "
        r"bit of each coordinate, so $s_i = \pm1$ also where $g_{0,i} = \pm 0$; $s = \mathrm{sign}(g_0)$ when $g_0$ "
        r"has no zero coordinate), $E[T] = \sqrt{2/\pi}\,\langle s, g\rangle/|g|$ and "
        r"$\mathrm{Var}[T] = 1 - 2/\pi$; for $g = g_0$, $E[T] = \sqrt{2/\pi}\,|g_0|_1/|g_0|_2 \ge \sqrt{2/\pi}$.",
        source=HIGH_LOSS,
        as_written=False,
        assumptions=(
            "eta ~ N(0, I_d) independent of g and g0",
            "g != 0",
            "s = copysign(1, g0): with sign(g0) instead, a zero coordinate of g0 breaks the mean (copysign "
            "gives |eta_i| there, not 0)",
        ),
        interpretation="Corrects the conditional reading of fgsm-variant-noise for GUS: the N(0, 1) null fails even "
        "for a model that never saw the poison whenever its input gradient correlates with the crafting "
        "model's (the retrained reference, say): the fresh null must draw noise of the attack's law. "
        "poison-unlearning measures E[T] on the reference. Stated before with sign(g0), which is 0 at a "
        "zero coordinate while copysign keeps the sign bit: the coordinate-mean check rejects that form "
        "at g0_i = 0 (tests/theory/test_readings.py).",
        uses=("gus-gaussian-null",),
        checks=(
            SympyProof(
                "half-normal-moments",
                _prove_gus_fgsm_moments,
                "sympy: E|eta| = sqrt(2/pi), E eta^2 = 1 by integration; mean and variance of T for symbolic "
                f"g and signs (s_i^2 = 1), p = 1..{MAX_SYMBOLIC_DIM}; the sum is linear in p",
                coverage=fixed_sizes(f"p <= {MAX_SYMBOLIC_DIM}"),
            ),
            OracleCheck(
                "coordinate-mean-quadrature",
                _coordinate_cases,
                _copysign_coordinate_mean,
                "60-digit quadrature of E[copysign(eta, g0_i)] at g0_i = +0.0, -0.0, 1.5, -2.0, the smallest "
                "subnormal and -1e300, against sqrt(2/pi) copysign(1, g0_i)",
            ),
        ),
    ),
    Lemma(
        id="poisons-large-gradients",
        title="The FGSM-variant poisons have very large gradients",
        statement=r"The poisons' gradients $|\nabla_\theta L(z, \theta)|$ are large (compared with clean points).",
        source=HIGH_LOSS,
        as_written=True,
        assumptions=("the draft's FGSM-variant poisons on a network",),
        quote="The poisons are likely to deeply affect the model since their gradients are very large.",
        interpretation="An empirical statement about networks: poison-unlearning measures the poisons' gradient norms on "
        "the poisoned model against random clean points (summary poisons_over_clean_grad_norm).",
    ),
    Lemma(
        id="unlearning-fails-poisons",
        title="Gradient ascent and NegGrad+ fail to remove the poisons' influence",
        statement=r"After gradient ascent or NegGrad+ on the 10 poisons, the model still differs from the retrained "
        r"one because of them.",
        source=HIGH_LOSS,
        as_written=True,
        assumptions=("the draft's poisoning experiment (ResNet18 on CIFAR-10, 10 poisons)",),
        quote="We find that both unlearning algorithms fail to remove the influence of the 10 poisons samples.",
        interpretation="Measured by poison-unlearning against the exactly retrained model: the distance ratio "
        "|theta_u - theta_r| / |theta_p - theta_r| (1 = nothing removed), GUS and loss-threshold MIA "
        "on the forget set. The draft states the result before any experiment was run.",
    ),
    Lemma(
        id="influence-hessian-pd",
        title="Strict convexity makes the Hessian positive definite (any loss)",
        statement=r"If $L$ is strictly convex in $\theta$ then $H_\theta \succ 0$.",
        source=INFLUENCE,
        as_written=True,
        assumptions=("any loss strictly convex and twice differentiable in theta",),
        quote=r"In the case of a strictly convex loss function, the influence function of a data point $z$ on the "
        r"parameters $\theta$ is given by",
        reading="any twice-differentiable strictly convex loss",
        claim="influence-hessian-pd",
        interpretation="Strict convexity does not make the Hessian positive definite: theta^4 is strictly convex with "
        "a zero second derivative at 0 (Koh & Liang assume H positive definite separately).",
        checks=(
            PropertyCheck(
                "second-derivative-positive",
                _even_powers(),
                _strictly_convex_pd,
                "L = theta^k, k in {2, 4, 6} (strictly convex), theta in [-2, 2]; exact sympy",
                oracle=True,
                examples=({"power": 4, "theta": 0.0},),
            ),
        ),
        corrected_by=("influence-hessian-pd-regression",),
        counterexample=Counterexample("second-derivative-positive", {"power": 4, "theta": 0.0}, found_by="example"),
    ),
    Lemma(
        id="influence-hessian-pd-regression",
        title="For linear and logistic regression, strict convexity and a positive definite Hessian coincide",
        statement=r"$H = \frac1n \sum_i w_i x_i x_i^\top$ with $w_i > 0$ ($w_i = 1$: linear, $w_i = \sigma'(\theta\cdot x_i)$: "
        r"logistic) is positive definite iff $x_1, \dots, x_n$ span $\mathbb R^p$ (iff the loss is strictly convex).",
        source=INFLUENCE,
        as_written=True,
        assumptions=("linear or logistic regression, n >= 1 points of R^p", "weights w_i > 0"),
        quote=r"is positive definite.",
        reading="the draft's models (linear and logistic regression)",
        claim="influence-hessian-pd",
        interpretation="v^T H v = (1/n) sum_i w_i (x_i . v)^2 vanishes iff v is orthogonal to every x_i. For n < p the "
        "Hessian is singular, so the influence function needs damping (as empirical.poisoning does).",
        checks=(
            PropertyCheck(
                "pd-iff-span",
                _regression_data(),
                _pd_iff_span,
                "n in [1, 6] inputs in {-2..2}^p, p in [1, 4], weights in (0, 1/4]; exact rationals "
                "(sympy rank and positive-definiteness)",
                oracle=True,
            ),
        ),
    ),
    Lemma(
        id="influence-linear-in-gradient",
        title="The parameter influence is linear in the gradient",
        statement=r"$\mathcal I_{\mathrm{up,params}}(z) = -H_\theta^{-1} \nabla_\theta L(z, \theta)$ is linear in "
        r"$\nabla_\theta L(z, \theta)$.",
        source=INFLUENCE,
        as_written=True,
        assumptions=("H_theta invertible",),
        quote=r"Since $\mathcal{I}_{\mathrm{up,params}}$ is linear with respect to $\nabla_\theta L(z, \theta)$",
        interpretation="With H fixed (the training set's Hessian at theta, which does not depend on z).",
        checks=(
            SympyProof(
                "linear-map-any-size",
                _prove_influence_linear_any_size,
                "sympy identity for a matrix symbol H (p x p, symbolic p) and p x 1 symbols g, h",
                coverage=every_size("all p (matrix symbols of symbolic size)"),
            ),
            SympyProof(
                "linear-map",
                _prove_influence_linear,
                "sympy: -H^{-1}(a g + b h) = a(-H^{-1}g) + b(-H^{-1}h), symbolic symmetric H, p = 1..3",
                coverage=fixed_sizes("p <= 3"),
                cross_check=True,
            ),
        ),
    ),
    Lemma(
        id="influential-large-gradient",
        title="An influential point has a large gradient (bound reading)",
        statement=r"For $H \succ 0$: $|\nabla_\theta L(z)| \ge \lambda_{\min}(H)\,|\mathcal I_{\mathrm{up,params}}(z)|$.",
        source=INFLUENCE,
        as_written=True,
        assumptions=("H positive definite",),
        quote=r"for an influential data point $z$, $\nabla_\theta L(z, \theta)$ is large",
        reading="norm bound",
        claim="influential-large-gradient",
        interpretation="Large influence forces a large gradient relative to the smallest curvature of H.",
        checks=(
            PropertyCheck(
                "norm-bound",
                _influence_cases(),
                _influence_bound,
                "p in [1, 6]; H = A A^T + c I, entries and c log-uniform in [1e-3, 1e3]; 60 digits",
                oracle=True,
            ),
        ),
    ),
    Lemma(
        id="influential-large-gradient-ranking",
        title="A more influential point has a larger gradient (ranking reading)",
        statement=r"$|H^{-1} g| > |H^{-1} h| \Rightarrow |g| > |h|$.",
        source=INFLUENCE,
        as_written=True,
        assumptions=("H positive definite", "g, h any two gradients"),
        quote=r"for an influential data point $z$, $\nabla_\theta L(z, \theta)$ is large",
        reading="ranking",
        claim="influential-large-gradient",
        interpretation="False as soon as H is ill-conditioned: H = diag(1, 100), g = (1, 0), h = (0, 2). Influence and "
        "gradient norm agree only up to the condition number of H (the bound reading).",
        checks=(
            PropertyCheck(
                "ranking",
                _influence_cases(),
                _influence_ranking,
                "p in [1, 6]; H = A A^T + c I, entries and c log-uniform in [1e-3, 1e3]; 60 digits",
                oracle=True,
                examples=(_ILL_CONDITIONED,),
            ),
        ),
        corrected_by=("influential-large-gradient",),
        counterexample=Counterexample("ranking", _ILL_CONDITIONED, found_by="example"),
    ),
    Lemma(
        id="rank-one-hessian-proxies",
        title="For linear and logistic regression the per-example Hessian's norm, trace and diagonal are known",
        statement=r"$H_z = w\,x x^\top$ ($w = 1$ or $\sigma'(\theta\cdot x)$): $\|H_z\|_2 = \operatorname{tr} H_z = w|x|^2$, "
        r"$\|\operatorname{diag} H_z\|_2 = w(\sum_i x_i^4)^{1/2} \in [w|x|^2/\sqrt p,\ w|x|^2]$, and "
        r"$\max_{\|x\|_\infty \le M} |x|^2 = pM^2$ at every corner.",
        source=IRREGULAR,
        as_written=False,
        assumptions=("linear (w = 1) or logistic (w = sigma'(theta . x)) regression", "M > 0 for the box"),
        interpretation="The Hessian attack on linear regression (w = 1) therefore has a closed-form optimum for alpha "
        "near 1: a corner of the box (for logistic regression w depends on x too). The trace is exact "
        "here, the diagonal norm within sqrt(p); empirical tests compare the measures of "
        "empirical.poisoning.measures with these values.",
        uses=("hessian-psd-trace-proxy",),
        checks=(
            SympyProof(
                "rank-one-charpoly",
                _prove_rank_one,
                f"sympy: det(mu I - w x x^T) = mu^(p-1)(mu - w|x|^2), tr = w|x|^2, p = 1..{MAX_SYMBOLIC_DIM}",
                coverage=fixed_sizes(f"p <= {MAX_SYMBOLIC_DIM}"),
            ),
            PropertyCheck(
                "diagonal-and-box",
                _box_points(),
                _diagonal_and_corner,
                "p in [1, 64]; x and M log-uniform in [1e-3, 1e3]; 60 digits",
                oracle=True,
            ),
        ),
    ),
    Lemma(
        id="hessian-poison-ascent-error",
        title="Poisons with a large Hessian make gradient ascent err",
        statement=r"A poison $z$ with large $\|\nabla^2_\theta L(z, \theta)\|$ makes the ascent error large.",
        source=IRREGULAR,
        as_written=True,
        assumptions=("networks; the draft's Hessian attack",),
        quote=r"Consider a data poisoning attack that crafts a data point $z$ such that $\nabla_\theta^2 L(z, \theta)$ "
        r"is large, so Gradient Ascent makes a large error when estimating $\nabla_\theta L(z, \theta)$.",
        interpretation="Measured by hessian-poisons: the ascent error of one descent-then-ascent step on Hessian poisons "
        "(alpha sweep) over clean points.",
        uses=("ascent-error-logistic",),
    ),
)
