r"""Draft section "Gradient ascent does not revert gradient descent": the nonlinear-setting hypotheses, the
Hessian pitfall of the irregular-gradient attack, and the "Conclusion on gradient ascent".

* Near-orthogonality in high dimension: for independent standard Gaussian :math:`u, v \in \mathbb{R}^p`,
  :math:`\cos^2(u, v)` has the law of :math:`u_1^2/|u|^2 \sim \mathrm{Beta}(\tfrac12, \tfrac{p-1}2)` (rotation
  invariance), so :math:`E[\cos^2] = 1/p` and :math:`\mathrm{Var}[\cos^2] = \frac{2(p-1)}{p^2(p+2)}`.
* The Hessian of a convex loss is only positive *semi*-definite (linear regression: :math:`xx^\top`, rank one).
  For a PSD batch Hessian :math:`H = \frac1n\sum_i x_ix_i^\top`:
  :math:`\max_j H_{jj} \le \|H\|_2 \le \operatorname{tr} H \le \operatorname{rank}(H)\|H\|_2 \le p\|H\|_2`, so the
  trace (sum of eigenvalues) and the diagonal are proxies of :math:`\|H\|_2` within a factor :math:`p`.
* Recovering :math:`\theta_0` from :math:`\theta_1`, :math:`z` and :math:`\lambda`: possible whenever
  :math:`\lambda|x|^2 \ne 1` (lemma lr-inverse-iff).
* Continuing training on clean (retain) data from the poisoned model :math:`\theta_p` and from the clean model
  :math:`\theta_c`: full-batch descent with :math:`0 < \lambda < 2/L` on retain data :math:`X_r` satisfies
  :math:`\Phi_r(a) - \Phi_r(b) = (I - \lambda H_r)(a - b)`, so the two runs end
  :math:`P_{\ker X_r}(\theta_p - \theta_c)` apart: the poison is forgotten iff that component vanishes.

Eigenvalues are computed with ``mpmath.eigsy`` (Jacobi) at 60 digits; Jacobi is backward stable, the
computed eigenvalues are exact for :math:`H + E` with :math:`\|E\|_2 \le \gamma_{20p^2}\operatorname{tr}H` at the
working precision (about 10 sweeps of :math:`p^2/2` rotations, each touching an entry O(1) times),
and by Weyl's inequality every eigenvalue errs by at most that much; dimensions are capped at 8.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import compare, is_nonzero, is_zero, mp_case, oracle_property, symbolic_vector
from theory.checking.error_model import gamma, oracle_tolerance
from theory.checking.formulas import draft_gradient, draft_inverse_step, draft_step
from theory.checking.inversion_bounds import sherman_morrison_magnitude
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, mp_vector, precision
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
from theory.checking.strategies import LINEAR_POINT_RANGES, dimensions, linear_points, scales, vectors

SECTION = "Gradient ascent does not revert gradient descent"
NONLINEAR = f"{SECTION} / Approximation error in a nonlinear setting"
PITFALL = f"{SECTION} / Towards the general case / Adversarial poisons with irregular gradients"
CONCLUSION = f"{SECTION} / Conclusion on gradient ascent"
RANGES = LINEAR_POINT_RANGES
MAX_EIG_DIM = 8  # mpmath Jacobi is O(p^3) per sweep: 8 keeps an example around 10-20 ms

#: Monte Carlo sample size of the near-orthogonality check, and its per-example false-alarm probability.
COSINE_SAMPLES = 256
COSINE_FALSE_ALARM = 1e-9


# ----------------------------------------------------------------------------- high-dimensional near-orthogonality
def _cosine_moments(dim):
    """E[cos^2] and Var[cos^2] for independent standard Gaussian vectors of R^dim (Beta(1/2, (dim-1)/2))."""
    return 1.0 / dim, 2.0 * (dim - 1) / (dim**2 * (dim + 2))


def _prove_cosine_moments() -> bool:
    """Mean and variance of Beta(1/2, (p-1)/2) as ratios of Beta functions, simplified by gammasimp (symbolic p > 1)."""
    p = sympy.Symbol("p", positive=True)
    b = (p - 1) / 2
    half = sympy.Rational(1, 2)
    mean = sympy.gammasimp(sympy.beta(3 * half, b) / sympy.beta(half, b))
    second = sympy.gammasimp(sympy.beta(5 * half, b) / sympy.beta(half, b))
    return is_zero(mean - 1 / p) and is_zero(second - mean**2 - 2 * (p - 1) / (p**2 * (p + 2)))


def _prove_cosine_law_sums() -> bool:
    """Exchangeability step: sum_j u_j^2 / |u|^2 = 1, so each of the p equal expectations E[u_j^2/|u|^2] is 1/p
    (dimension 4 written out; the identity is the definition of |u|^2 in every dimension)."""
    u = symbolic_vector("u", 4)
    norm2 = (u.T * u)[0]
    return is_zero(sum(entry**2 / norm2 for entry in u) - 1)


def _cosine_monte_carlo(case):
    r"""Sample mean of cos^2 over COSINE_SAMPLES Gaussian pairs vs 1/p, with Bernstein's bound.

    cos^2 lies in [0, 1], so with sigma^2 = 2(p-1)/(p^2(p+2)) and L = ln(2/delta), Bernstein's inequality gives
    P(|mean - 1/p| >= t) <= delta for t = L/(3n) + sqrt((L/(3n))^2 + 2 L sigma^2 / n): about
    k = sqrt(2 L) = 6.5 standard errors plus a range term; float64 rounding of each cos^2 adds gamma(2p + 6).
    """
    dim = case["dim"]
    generator = np.random.default_rng(case["seed"])
    u = generator.standard_normal((COSINE_SAMPLES, dim))
    v = generator.standard_normal((COSINE_SAMPLES, dim))
    cos2 = np.einsum("ij,ij->i", u, v) ** 2 / (np.einsum("ij,ij->i", u, u) * np.einsum("ij,ij->i", v, v))
    mean, variance = _cosine_moments(dim)
    log_term = math.log(2 / COSINE_FALSE_ALARM)
    range_term = log_term / (3 * COSINE_SAMPLES)
    tolerance = range_term + math.sqrt(range_term**2 + 2 * log_term * variance / COSINE_SAMPLES) + gamma(2 * dim + 6)
    return compare(
        abs(float(cos2.mean()) - mean),
        tolerance,
        f"mean cos^2 {cos2.mean():.4e} vs 1/p = {mean:.4e} (p = {dim}, Bernstein bound {tolerance:.2e})",
    )


def _cosine_cases():
    for dim in range(1, 513):
        yield {"dim": dim}


def _beta_moments(case):
    """E[cos^2] = B(3/2, b)/B(1/2, b) and E[cos^4] = B(5/2, b)/B(1/2, b), b = (p-1)/2, against 1/p and 3/(p(p+2))."""
    with precision():
        dim = case["dim"]
        if dim == 1:  # cos(u, v) = +-1: cos^2 is the point mass at 1 = 1/p
            first = second = mpmath.mpf(1)
        else:
            b = mpmath.mpf(dim - 1) / 2
            first = mpmath.beta(mpmath.mpf(3) / 2, b) / mpmath.beta(mpmath.mpf(1) / 2, b)
            second = mpmath.beta(mpmath.mpf(5) / 2, b) / mpmath.beta(mpmath.mpf(1) / 2, b)
        gap = max(abs(first - mpmath.mpf(1) / dim), abs(second - mpmath.mpf(3) / (dim * (dim + 2))))
        # each Beta is a ratio of three Gamma values (a few units in the last place each): depth 16
        return compare(
            float(gap), oracle_tolerance(16, 1.0 / dim), f"Beta moment gap {mpmath.nstr(gap, 5)} (p = {dim})"
        )


# ----------------------------------------------------------------------------- the span of two gradients
@st.composite
def _gradient_pairs(draw):
    dim = draw(st.integers(3, 64))
    return {"g0": draw(vectors(dim, draw(scales()))), "g1": draw(vectors(dim, draw(scales())))}


def _span_dimension_large(case):
    """The claim at one data point: dim span(g0, g1) >= 3. The rank of the p x 2 matrix [g0 g1] at 60 digits (Gram
    determinant: rank 2 iff |g0|^2 |g1|^2 - (g0.g1)^2 > 0)."""
    with precision():
        g0, g1 = mp_vector(case["g0"]), mp_vector(case["g1"])
        if mp_max_abs(g0) == 0 and mp_max_abs(g1) == 0:
            return Outcome(True, 0.0, "both gradients zero", premises_met=False)
        gram = g0.dot(g0) * g1.dot(g1) - g0.dot(g1) ** 2
        rank = 2 if gram > 0 else 1
        return Outcome(
            rank >= 3,
            0.0 if rank >= 3 else 2.0,
            f"dim V_z = {rank} <= 2 (p = {len(g0)}); every z of every model alike (span-dim-at-most-two)",
        )


def _prove_span_at_most_two() -> bool:
    a, b = symbolic_vector("a", 3), symbolic_vector("b", 3)
    s, t = sympy.symbols("s t", real=True)
    return is_zero(sympy.Matrix.hstack(a, b, s * a + t * b).det())


_SPAN_CASE = {"g0": [1.0, 0.0, 0.0], "g1": [0.0, 1.0, 0.0]}


# ----------------------------------------------------------------------------- Hessians (mpmath, eigsy)
@st.composite
def _single_points(draw):
    dim = draw(dimensions(MAX_EIG_DIM))
    return {"x": draw(vectors(dim, draw(scales())))}


@st.composite
def _batches(draw):
    dim = draw(dimensions(MAX_EIG_DIM))
    count = draw(st.integers(1, 4))
    return {"points": [draw(vectors(dim, draw(scales()))) for _ in range(count)]}


def _mp_hessian(points):
    """H = (1/n) sum_i x_i x_i^T as an mpmath matrix, with its trace."""
    rows = [mp_vector(point) for point in points]
    dim, count = len(rows[0]), len(rows)
    hessian = mpmath.matrix(dim, dim)
    for i in range(dim):
        for j in range(dim):
            hessian[i, j] = mpmath.fsum(row[i] * row[j] for row in rows) / count
    return hessian, mpmath.fsum(hessian[i, i] for i in range(dim))


def _eigen_tolerance(dim: int, count: int, trace) -> float:
    """Weyl bound on each computed eigenvalue: Jacobi backward error plus the n-term sums forming H."""
    return oracle_tolerance(20 * dim**2 + count + 2, float(trace))


def _hessian_positive_definite(case):
    """Draft: the Hessian of a convex loss is positive definite. Linear regression: smallest eigenvalue of x x^T > 0."""
    with precision():
        hessian, trace = _mp_hessian([case["x"]])
        eigenvalues = mpmath.eigsy(hessian, eigvals_only=True)
        smallest = min(eigenvalues)
        tolerance = _eigen_tolerance(len(case["x"]), 1, trace)
        return Outcome(
            bool(smallest > tolerance),
            tolerance / max(float(smallest), 1e-300),
            f"smallest eigenvalue of x x^T: {mpmath.nstr(smallest, 5)} (resolution {tolerance:.1e})",
        )


def _trace_proxy(case):
    """PSD, eigenvalues sum to tr H, and max_j H_jj <= ||H||_2 <= tr H <= min(n, p) ||H||_2 <= p max_j H_jj."""
    with precision():
        points = case["points"]
        dim, count = len(points[0]), len(points)
        hessian, trace = _mp_hessian(points)
        eigenvalues = list(mpmath.eigsy(hessian, eigvals_only=True))
        top, bottom = max(eigenvalues), min(eigenvalues)
        diagonal = max(hessian[j, j] for j in range(dim))
        rank_bound = min(count, dim)
        tol = _eigen_tolerance(dim, count, trace)
        gaps = {  # each must be <= its tolerance (a violation is a positive gap)
            "-lambda_min": (-bottom, tol),
            "|sum lambda - tr H|": (abs(mpmath.fsum(eigenvalues) - trace), dim * tol),
            "max diag - ||H||": (diagonal - top, tol),
            "||H|| - tr H": (top - trace, dim * tol),
            "tr H - min(n,p) ||H||": (trace - rank_bound * top, rank_bound * tol),
            "tr H - p max diag": (trace - dim * diagonal, dim * tol),
        }
        worst = max(gaps, key=lambda name: float(gaps[name][0]) / gaps[name][1])
        gap, tolerance = gaps[worst]
        return compare(
            max(float(gap), 0.0), tolerance, f"worst: {worst} = {mpmath.nstr(gap, 5)} (tolerance {tolerance:.1e})"
        )


# ----------------------------------------------------------------------------- recovering theta_0
def _theta0_not_recoverable(case):
    """Draft: theta_1 (with z and lr) does not determine theta_0. Refuted on a case when the Sherman-Morrison
    preimage of theta_1 = Phi_z(theta_0) returns theta_0 (exactly, up to 60-digit rounding)."""
    with precision():
        c = mp_case(case)
        q = c["lr"] * c["x"].dot(c["x"])
        if q == 1:
            return Outcome(
                True, 0.0, "lr|x|^2 = 1: Phi_z is not injective, theta_0 is not determined", premises_met=False
            )
        theta1 = draft_step(c["theta"], c["x"], c["y"], c["lr"])
        recovered = draft_inverse_step(theta1, c["x"], c["y"], c["lr"])
        abs_x = abs_vector(c["x"])
        step_magnitude = mp_max_abs(
            abs_vector(c["theta"]) + c["lr"] * (abs_vector(c["theta"]).dot(abs_x) + abs(c["y"])) * abs_x
        )
        amplification = 1 + c["lr"] * mp_max_abs(c["x"]) * sum(abs_x) / abs(1 - q)
        magnitude = sherman_morrison_magnitude({**c, "theta": theta1}) + step_magnitude * amplification
        tolerance = oracle_tolerance(2 * len(c["x"]) + 16, float(magnitude))
        gap = mp_max_abs(recovered - c["theta"])
        return Outcome(
            bool(gap > tolerance),
            tolerance / max(float(gap), 1e-300),
            f"draft_inverse_step(theta_1) - theta_0 = {mpmath.nstr(gap, 5)} (resolution {tolerance:.1e}): "
            + ("recovered" if gap <= tolerance else "not recovered"),
        )


#: Hand-picked non-degenerate case (x != 0, lr|x|^2 = 5/8); Hypothesis alone shrinks to x = 0 (Phi_z = id).
_RECOVERY_CASE = {"theta": [0.5, -1.0], "x": [1.0, 2.0], "y": 1.0, "lr": 0.125}


def _prove_value_does_not_determine() -> bool:
    """Witness: theta_1 = (0, a, b) (a, b symbolic: every dimension p >= 1 by padding), lr = 1/4, z = (e_1, -1) and
    z' = (e_1/2, -2) have the same gradient e_1 at theta_1 but the preimages (1/3, a, b) and (4/15, a, b); both
    steps are stable (lr|x|^2 = 1/4 and 1/16), and the ascent step theta_1 + lr g = (1/4, a, b) is neither."""
    a, b = sympy.symbols("a b", real=True)
    lr = sympy.Rational(1, 4)
    theta1 = np.array([0, a, b], dtype=object)
    points = ((np.array([1, 0, 0], dtype=object), -1), (np.array([sympy.Rational(1, 2), 0, 0], dtype=object), -2))
    gradients = [draft_gradient(theta1, x, y) for x, y in points]
    preimages = [draft_inverse_step(theta1, x, y, lr) for x, y in points]
    ascent = theta1 + lr * gradients[0]
    same_gradient = all(is_zero(u - v) for u, v in zip(*gradients))
    steps_land = all(
        all(is_zero(u - v) for u, v in zip(draft_step(pre, x, y, lr), theta1)) for pre, (x, y) in zip(preimages, points)
    )
    return (
        same_gradient
        and steps_land
        and is_zero(preimages[0][0] - sympy.Rational(1, 3))
        and is_zero(preimages[1][0] - sympy.Rational(4, 15))
        and all(is_nonzero(ascent[0] - pre[0]) for pre in preimages)
    )


# ----------------------------------------------------------------------------- continuing training on clean data
def _retain_step(theta, points, targets, lr):
    """Full-batch mean-gradient step on the retain set (lemma batch-mean-step)."""
    total = sum((draft_gradient(theta, x, y) for x, y in zip(points, targets)), start=0 * theta)
    return theta - lr * total / len(points)


def _retain_spectrum(c):
    """Eigen-decomposition of H_r = (1/n) X_r^T X_r at 60 digits: eigenvalues, eigenvectors, trace tolerance."""
    hessian, trace = _mp_hessian(c["retain_x"])
    eigenvalues, vectors_ = mpmath.eigsy(hessian)
    dim = hessian.rows
    columns = [np.array([vectors_[i, k] for i in range(dim)], dtype=object) for k in range(dim)]
    return [eigenvalues[k] for k in range(dim)], columns, _eigen_tolerance(dim, len(c["retain_x"]), trace)


def _mp_retain_case(case):
    c = mp_case({key: value for key, value in case.items() if key != "retain_x"})
    c["retain_x"] = [mp_vector(row) for row in case["retain_x"]]
    return c


def _limits_coincide(case):
    """Draft: continuing training on clean data forgets the poison, i.e. GD on the retain set from theta_p and from
    theta_c reaches the same limit. The limits differ by P_ker(X_r)(theta_p - theta_c) (clean-training-forgets-iff)."""
    with precision():
        c = _mp_retain_case(case)
        eigenvalues, columns, eig_tol = _retain_spectrum(c)
        top = max(eigenvalues)
        if top > 0 and c["lr"] * top >= 2:
            return Outcome(
                True,
                0.0,
                "lr >= 2/L: descent on the retain set is unstable, the claim assumes stability",
                premises_met=False,
            )
        start_gap = c["theta_poisoned"] - c["theta_clean"]
        limit_gap = sum(
            (column.dot(start_gap) * column for mu, column in zip(eigenvalues, columns) if abs(mu) <= eig_tol),
            start=0 * start_gap,
        )
        tolerance = oracle_tolerance(20 * len(start_gap) ** 2, float(mp_max_abs(start_gap) * len(start_gap)))
        gap = mp_norm(limit_gap)
        return compare(
            float(gap), tolerance, f"limits differ by |P_ker(X_r)(theta_p - theta_c)| = {mpmath.nstr(gap, 5)}"
        )


def _retain_cases():
    """Hand-picked retain sets: rank-deficient (a direction only the poison touched) and full column rank."""
    yield {
        "retain_x": [[1.0, 0.0]],
        "retain_y": [1.0],
        "theta_clean": [1.0, 0.0],
        "theta_poisoned": [1.0, 0.5],
        "lr": 0.5,
    }
    yield {
        "retain_x": [[1.0, 0.0], [0.0, 1.0]],
        "retain_y": [1.0, 2.0],
        "theta_clean": [1.0, 2.0],
        "theta_poisoned": [1.5, 1.0],
        "lr": 1.0,
    }
    yield {
        "retain_x": [[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]],
        "retain_y": [1.0, 0.0],
        "theta_clean": [0.5, 0.5, 0.0],
        "theta_poisoned": [0.5, 0.5, -2.0],
        "lr": 0.25,
    }
    yield {
        "retain_x": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]],
        "retain_y": [1.0, 0.0, -1.0, 0.5],
        "theta_clean": [0.0, 0.0, 0.0],
        "theta_poisoned": [1.0, -1.0, 3.0],
        "lr": 0.5,
    }


@st.composite
def _retain_runs(draw):
    """A retain set (n <= 6 points of R^p, p <= 5), two starts, a stable lr = c 2/L (c in [1e-3, 0.999]), T <= 30."""
    dim = draw(dimensions(5))
    count = draw(st.integers(1, 6))
    points = [draw(vectors(dim, draw(scales()))) for _ in range(count)]
    top = float(np.linalg.eigvalsh(np.array(points).T @ np.array(points) / count).max())
    fraction = draw(st.floats(1e-3, 0.999))
    return {
        "retain_x": points,
        "retain_y": [float(draw(st.floats(-1.0, 1.0)) * draw(scales())) for _ in range(count)],
        "theta_clean": draw(vectors(dim, draw(scales()))),
        "theta_poisoned": draw(vectors(dim, draw(scales()))),
        "lr": float(2 * fraction / top) if top > 0 else fraction,
        "steps": draw(st.integers(0, 30)),
    }


def _retain_contraction(case):
    """T steps from theta_p and theta_c: the gap equals sum_i (1 - lr mu_i)^T (q_i . d_0) q_i and its norm is at most
    max_i |1 - lr mu_i|^T |d_0|; the kernel component of d_0 (mu_i = 0) is carried unchanged."""
    with precision():
        c = _mp_retain_case(case)
        eigenvalues, columns, eig_tol = _retain_spectrum(c)
        steps = case["steps"]
        if max(eigenvalues) > 0 and c["lr"] * max(eigenvalues) >= 2:
            return Outcome(True, 0.0, "lr >= 2/L after exact conversion: outside the stable regime", premises_met=False)
        poisoned, clean = c["theta_poisoned"], c["theta_clean"]
        abs_points = [abs_vector(x) for x in c["retain_x"]]
        abs_targets = [-abs(y) for y in c["retain_y"]]
        abs_p, abs_c = abs_vector(poisoned), abs_vector(clean)
        for _ in range(steps):
            poisoned = _retain_step(poisoned, c["retain_x"], c["retain_y"], c["lr"])
            clean = _retain_step(clean, c["retain_x"], c["retain_y"], c["lr"])
            abs_p = _retain_step(abs_p, abs_points, abs_targets, -c["lr"])  # absolute-value evaluation
            abs_c = _retain_step(abs_c, abs_points, abs_targets, -c["lr"])
        start_gap = c["theta_poisoned"] - c["theta_clean"]
        factors = [(1 - c["lr"] * mu) ** steps for mu in eigenvalues]
        predicted = sum(
            (f * column.dot(start_gap) * column for f, column in zip(factors, columns)), start=0 * start_gap
        )
        rate = max(abs(1 - c["lr"] * mu) for mu in eigenvalues)
        dim, count = len(start_gap), len(c["retain_x"])
        # Frechet bound of f(H) = (I - lr H)^T under the eigen backward error, plus the two trajectories' rounding
        spectral = eig_tol * steps * c["lr"] * max(1, rate + c["lr"] * eig_tol) ** steps * mp_norm(start_gap)
        rounding = oracle_tolerance(
            steps * (count * (dim + 3) + 3) + 4 * dim,
            float(mp_max_abs(abs_p) + mp_max_abs(abs_c) + mp_max_abs(start_gap)),
        )
        tolerance = float(spectral) + rounding * dim
        gap = poisoned - clean
        formula_gap = mp_max_abs(gap - predicted)
        contraction_gap = mp_norm(gap) - rate**steps * mp_norm(start_gap)
        return compare(
            max(float(formula_gap), float(contraction_gap)),
            tolerance,
            f"|gap - spectral formula| = {mpmath.nstr(formula_gap, 5)}, "
            f"|gap_T| - rate^T |gap_0| = {mpmath.nstr(contraction_gap, 5)}, rate {mpmath.nstr(rate, 5)}",
        )


def _full_rank_forgets(case):
    """Reading 'the retain data span the parameter space' (X_r of full column rank, stable lr): the two runs' gap
    contracts by max_i |1 - lr mu_i| < 1 per step, so the limits coincide. Rank-deficient retain sets are outside
    this reading's premise."""
    with precision():
        c = _mp_retain_case(case)
        eigenvalues, _, eig_tol = _retain_spectrum(c)
        if min(eigenvalues) <= eig_tol:
            return Outcome(True, 0.0, "X_r is rank-deficient: outside the premise", premises_met=False)
        if c["lr"] * max(eigenvalues) >= 2:
            return Outcome(True, 0.0, "lr >= 2/L: outside the stable regime", premises_met=False)
        rate = max(abs(1 - c["lr"] * mu) for mu in eigenvalues)
        if not rate < 1:
            return Outcome(False, float("inf"), f"contraction rate {mpmath.nstr(rate, 8)} >= 1 with X_r of full rank")
        return _retain_contraction(case)


def _prove_kernel_invariance() -> bool:
    """Two retain points of R^3 and v = x_1 x x_2 (spans ker X_r generically): v . Phi_r(theta) = v . theta; and
    Phi_r(a) - Phi_r(b) = (I - lr H_r)(a - b) with H_r = (x_1 x_1^T + x_2 x_2^T) / 2."""
    x1, x2, theta, a, b = (symbolic_vector(name, 3) for name in ("x", "w", "theta", "a", "b"))
    y1, y2, lr = sympy.symbols("y_1 y_2 lambda", real=True)

    def retain_step(t):
        return t - lr * ((((t.T * x1)[0] - y1) * x1) + (((t.T * x2)[0] - y2) * x2)) / 2

    kernel = x1.cross(x2)
    hessian = (x1 * x1.T + x2 * x2.T) / 2
    difference = retain_step(a) - retain_step(b) - (sympy.eye(3) - lr * hessian) * (a - b)
    return is_zero((kernel.T * (retain_step(theta) - theta))[0]) and all(is_zero(entry) for entry in difference)


register(
    Lemma(
        id="beta-moments",
        title="Moments of the law of a squared cosine",
        statement=r"$\mathrm{Beta}(\tfrac12, \tfrac{p-1}2)$ has mean $1/p$ and variance $\frac{2(p-1)}{p^2(p+2)}$; and "
        r"$\sum_{j=1}^p u_j^2/|u|^2 = 1$, so exchangeable coordinates give $E[u_1^2/|u|^2] = 1/p$.",
        source=NONLINEAR,
        as_written=False,
        assumptions=("p >= 2 (p = 1: cos^2 = 1)", "u with exchangeable coordinates, u != 0"),
        interpretation="The symbolic half of high-dim-orthogonal: identities about the Beta moments and the coordinate "
        "sum. That cos^2(u, v) follows this Beta law is a distributional fact (rotation invariance), "
        "which sympy does not check: high-dim-orthogonal therefore stays verified, not proved.",
        checks=(
            SympyProof(
                "beta-moments",
                _prove_cosine_moments,
                "sympy gammasimp for symbolic p > 1: mean and variance of Beta(1/2, (p-1)/2)",
                coverage=every_size("all p > 1 (symbolic p)"),
            ),
            SympyProof(
                "exchangeable-coordinates",
                _prove_cosine_law_sums,
                "sympy: sum_j u_j^2/|u|^2 = 1 (dimension 4 written out; the definition of |u|^2 in any p)",
                coverage=every_size("all p (sum_j u_j^2 = |u|^2 is the definition; R^4 written out)"),
            ),
        ),
    ),
    Lemma(
        id="high-dim-orthogonal",
        title="In high dimension two random directions are nearly orthogonal",
        statement=r"For independent $u, v \sim \mathcal{N}(0, I_p)$: $\cos^2(u, v) \sim \mathrm{Beta}(\tfrac12, \tfrac{p-1}2)$, "
        r"$E[\cos^2(u,v)] = 1/p$ and $\mathrm{Var}[\cos^2(u,v)] = \frac{2(p-1)}{p^2(p+2)}$.",
        source=NONLINEAR,
        as_written=True,
        assumptions=("u, v independent standard Gaussian in R^p, p >= 1",),
        quote=r"Note that in large dimensions, in average two vectors are almost orthogonal.",
        interpretation="The draft: 'in large dimensions, in average two vectors are almost orthogonal'. Made precise "
        "for independent isotropic Gaussian directions: cos^2 has mean 1/p and standard deviation "
        "O(1/p), so it concentrates at 0 as p grows. Gradients of one network are not independent "
        "isotropic vectors: whether they behave so is measured by the gradient-cosine experiments "
        "(high-dim-orthogonal-gradients).",
        claim="high-dim-orthogonal",
        reading="two independent isotropic random vectors",
        uses=("beta-moments",),
        checks=(
            PropertyCheck(
                "monte-carlo-mean",
                st.fixed_dictionaries({"dim": dimensions(), "seed": st.integers(0, 2**32 - 1)}),
                _cosine_monte_carlo,
                f"p in [1, 512], seed in [0, 2^32); {COSINE_SAMPLES} Gaussian pairs per example; Bernstein "
                f"tolerance at false-alarm probability {COSINE_FALSE_ALARM:g} per example",
                oracle=False,
            ),
            OracleCheck(
                "beta-moments-60-digits",
                _cosine_cases,
                _beta_moments,
                "mpmath Beta-function moment ratios for p = 1..512 against 1/p and 3/(p(p+2))",
            ),
        ),
    ),
    Lemma(
        id="high-dim-orthogonal-gradients",
        title="In large models the gradients before and after a step are almost orthogonal on average",
        statement=r"For large networks, $\cos(g_z(\theta_0), g_z(\theta_1))$ is close to 0 on average over data points.",
        source=NONLINEAR,
        as_written=True,
        assumptions=("trained networks; averages over data points z", "theta_1 = theta_0 after a step on z"),
        quote=r"Note that in large dimensions, in average two vectors are almost orthogonal.",
        claim="high-dim-orthogonal",
        reading="the gradients g_z(theta_0), g_z(theta_1) of one network",
        interpretation="The sentence is used to support near-orthogonality of the two gradients of one model, which "
        "are not independent random vectors (in linear regression they are collinear: ga-collinear). "
        "Open: `python -m empirical run gradient-cosine` measures it; the draft's own observation "
        "(cosine close to 1 for an untrained model, 0.3-0.5 after 2 epochs) does not support it.",
        uses=("high-dim-orthogonal", "ga-collinear"),
    ),
    Lemma(
        id="span-dim-large",
        title="Large models have data points whose gradients span a large space",
        statement=r"$g_z(\theta_0)$ and $g_z(\theta_1)$ lie in a span $V_z$, and for large models ($p \ge 3$ parameters) "
        r"there are data points $z$ with $\dim V_z$ large, i.e. at least 3.",
        source=NONLINEAR,
        as_written=True,
        quote=r"With large models, there exists data points $z$ such that $\dim V_z$ is large",
        assumptions=(
            "V_z = span(g_z(theta_0), g_z(theta_1)), the span the hypothesis box names",
            "'large' read as the weakest size beyond the trivial one: dim V_z >= 3",
            "p >= 3",
        ),
        interpretation="Encoded as written: V_z is the span of the two gradients the box names, so dim V_z <= 2 for "
        "every z and every model (span-dim-at-most-two, proved). The check evaluates dim V_z at 60 digits "
        "on drawn gradient pairs; every z of every model is a counterexample, which is why one stored case "
        "suffices. What can be large in high dimension is the angle between the two gradients "
        "(high-dim-orthogonal-gradients, open), or the span of the gradients along a whole trajectory, "
        "which the draft does not write.",
        uses=("ga-collinear", "high-dim-orthogonal"),
        checks=(
            oracle_property(
                "span-dimension",
                _gradient_pairs(),
                _span_dimension_large,
                "p in [3, 64]; two gradient vectors with scales log-uniform in [1e-3, 1e3]; rank by "
                "mpmath at 60 digits",
                examples=(_SPAN_CASE,),
            ),
        ),
        corrected_by=("span-dim-at-most-two",),
        counterexample=Counterexample("span-dimension", _SPAN_CASE, found_by="example"),
    ),
    Lemma(
        id="span-dim-at-most-two",
        title="The span of the two gradients has dimension at most 2",
        statement=r"$\dim \mathrm{span}(g_z(\theta_0), g_z(\theta_1)) \le 2$ for every model, data point and $p$, with "
        r"equality iff the gradients are not collinear (in linear regression it is 1: ga-collinear).",
        source=NONLINEAR,
        as_written=False,
        assumptions=("any model, any p",),
        interpretation="The correction of span-dim-large: any three vectors of the span are dependent. The quantity "
        "that can grow with the model is the angle between the gradients (high-dim-orthogonal).",
        uses=("ga-collinear",),
        checks=(
            SympyProof(
                "three-vectors-dependent",
                _prove_span_at_most_two,
                "sympy: det[a, b, s a + t b] = 0 for symbolic a, b in R^3 and s, t (any three vectors of "
                "span(a, b) are dependent; a 3 x 3 minor of p-vectors is the same identity in every p)",
                coverage=every_size(
                    "all p (every 3 x 3 minor of p-vectors is this identity in R^3; p < 3 has dimension <= 2 anyway)"
                ),
            ),
        ),
    ),
    Lemma(
        id="hessian-pd-convex",
        title="The Hessian of a convex loss is positive definite",
        statement=r"If $L(z, \theta)$ is convex in $\theta$, then $\nabla^2_\theta L(z, \theta) \succ 0$.",
        source=PITFALL,
        as_written=True,
        assumptions=("L twice differentiable and convex in theta",),
        quote=r"Assuming $L(z, \theta)$ is convex w.r.t $\theta$, its hessian $\nabla_\theta^2 L(z, \theta)$ is positive definite",
        interpretation="Checked on linear regression, the draft's convex case: the smallest eigenvalue of x x^T must "
        "be > 0 (beyond the 60-digit eigenvalue resolution).",
        uses=("lr-convex",),
        checks=(
            PropertyCheck(
                "smallest-eigenvalue-positive",
                _single_points(),
                _hessian_positive_definite,
                f"p in [1, {MAX_EIG_DIM}] (mpmath Jacobi is O(p^3)); x scale log-uniform in [1e-3, 1e3]",
                examples=({"x": [1.0, 2.0]},),
            ),
        ),
        corrected_by=("hessian-psd-trace-proxy",),
        counterexample=Counterexample("smallest-eigenvalue-positive", {"x": [1.0, 2.0]}),
    ),
    Lemma(
        id="hessian-psd-trace-proxy",
        title="A convex Hessian is only PSD; its trace and diagonal are proxies of its norm within a factor p",
        statement=r"For $H = \frac1n\sum_{i=1}^n x_ix_i^\top$: all eigenvalues are $\ge 0$, their sum is $\operatorname{tr}H$, and "
        r"$\max_j H_{jj} \le \|H\|_2 \le \operatorname{tr}H \le \min(n, p)\|H\|_2 \le p\|H\|_2$, "
        r"$\operatorname{tr}H \le p\max_j H_{jj}$.",
        source=PITFALL,
        as_written=False,
        assumptions=("H = (1/n) sum x_i x_i^T, n >= 1 points of R^p",),
        interpretation="Corrects the draft's pitfall note: the Hessian is positive semi-definite (rank <= n, so singular "
        "for n < p), and maximizing the sum of eigenvalues or the diagonal instead of ||H||_2 optimizes a "
        "proxy that can be off by a factor p (equal eigenvalues) and never by more.",
        uses=("lr-convex",),
        checks=(
            PropertyCheck(
                "eigenvalue-bounds",
                _batches(),
                _trace_proxy,
                f"p in [1, {MAX_EIG_DIM}], n in [1, 4] points, each with its scale log-uniform in "
                "[1e-3, 1e3]; eigenvalues by mpmath eigsy at 60 digits",
                oracle=True,
            ),
        ),
    ),
    Lemma(
        id="gradient-insufficient-value",
        title="The value of the gradient at theta_1 alone does not determine theta_0",
        statement=r"$\theta_1$, $\lambda$ and the vector $g_z(\theta_1)$ do not determine $\theta_0$: in every dimension there "
        r"are data points $z \ne z'$ with $g_z(\theta_1) = g_{z'}(\theta_1)$ whose stable steps come from "
        r"different $\theta_0 \ne \theta_0'$ (and the ascent step matches neither).",
        source=CONCLUSION,
        as_written=True,
        quote=r"We conclude that computing the gradient $\nabla_{\theta_1} l(h_{\theta_1} (x), y)$ alone does not provide sufficient information to determine $\theta_0$.",
        claim="gradient-insufficient",
        reading="the defender knows theta_1, lr and the gradient vector only",
        assumptions=(
            "linear regression, any p >= 1",
            "the defender knows theta_1, lr and the vector g_z(theta_1), not z",
        ),
        interpretation="'The gradient alone': the information gradient ascent uses, the value g_z(theta_1). Proved by "
        "an exact witness (an existence statement needs one): two points with the same gradient at "
        "theta_1 and different preimages.",
        uses=("lr-inverse-iff",),
        checks=(
            SympyProof(
                "two-preimages-one-gradient",
                _prove_value_does_not_determine,
                "sympy exact witness, theta_1 = (0, a, b) with symbolic a, b (padding coordinates carry over "
                "to every p), lr = 1/4, x = e_1 and e_1/2",
                coverage=every_size("all p >= 1 (witness in R^3, padding coordinates symbolic)"),
            ),
        ),
    ),
    Lemma(
        id="gradient-insufficient",
        title="The gradient at theta_1 does not determine theta_0 (omniscient defender)",
        statement=r"$\theta_0$ cannot be recovered from $\theta_1 = \Phi_z(\theta_0)$, $z$ and $\lambda$ (with "
        r"$g_z(\theta_1)$).",
        source=CONCLUSION,
        as_written=True,
        quote=r"We conclude that computing the gradient $\nabla_{\theta_1} l(h_{\theta_1} (x), y)$ alone does not provide sufficient information to determine $\theta_0$.",
        interpretation="A strengthened reading: the draft says 'the gradient ... alone'; this reading gives the "
        "defender z, lr and theta_1 (hence g_z at every point) as well, and claims theta_0 still cannot be "
        "recovered. Checked on linear regression: the check recovers theta_0 with the Sherman-Morrison "
        "inverse, so this stronger claim is refuted. What fails is gradient *ascent* (ga-linear-error), "
        "not every inversion. The charitable reading, gradient-insufficient-value, holds and gives the "
        "claim's headline.",
        claim="gradient-insufficient",
        reading="the defender knows z, lr and theta_1 (so g_z at every point)",
        strengthened=True,
        assumptions=("linear regression; z, lr and theta_1 known to the defender", "lr|x|^2 != 1"),
        uses=("lr-inverse-iff",),
        checks=(
            PropertyCheck(
                "theta0-not-recovered", linear_points(), _theta0_not_recoverable, RANGES, examples=(_RECOVERY_CASE,)
            ),
        ),
        corrected_by=("lr-inverse-iff",),
        counterexample=Counterexample("theta0-not-recovered", _RECOVERY_CASE),
    ),
    Lemma(
        id="clean-training-forgets",
        title="In linear regression, continuing training on clean data forgets the poison",
        statement=r"Full-batch gradient descent on the retain set with a stable rate $0 < \lambda < 2/L$, started from the "
        r"poisoned model $\theta_p$ and from the clean model $\theta_c$, converges to the same limit.",
        source=CONCLUSION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "full-batch descent on any retain set X_r",
            "0 < lr < 2/L, L the largest eigenvalue of H_r",
        ),
        quote=r"Of course, in the case of linear regression, simply continuing the training on clean data is enough to forget the poisoned samples.",
        interpretation="'Simply continuing the training on clean data is enough to forget the poisoned samples' is read "
        "as: the limit of clean training does not depend on whether the poison was seen. Checked on "
        "hand-picked retain sets at 60 digits (a retain set whose span misses a direction the poison "
        "moved, and full-column-rank ones). Under the reading 'the retain data span the parameter "
        "space' the claim holds: clean-training-forgets-full-rank.",
        claim="clean-training-forgets",
        reading="any retain set",
        uses=("clean-training-forgets-iff",),
        checks=(
            OracleCheck(
                "retain-limits",
                _retain_cases,
                _limits_coincide,
                "limits of GD on the retain set from theta_p and theta_c, differing by P_ker(X_r)(theta_p - "
                "theta_c), from mpmath eigsy of H_r at 60 digits",
            ),
        ),
        corrected_by=("clean-training-forgets-iff",),
        counterexample=Counterexample(
            "retain-limits",
            {
                "retain_x": [[1.0, 0.0]],
                "retain_y": [1.0],
                "theta_clean": [1.0, 0.0],
                "theta_poisoned": [1.0, 0.5],
                "lr": 0.5,
            },
            found_by="mpmath",
        ),
    ),
    Lemma(
        id="clean-training-forgets-full-rank",
        title="Clean training forgets the poison when the retain data span the parameter space",
        statement=r"If the retain inputs $X_r$ have full column rank (e.g. $n \ge p$ generic points) and $0 < \lambda < 2/L$, "
        r"full-batch descent on the retain set from $\theta_p$ and from $\theta_c$ converges to the same limit: the "
        r"gap contracts by $\max_i|1 - \lambda\mu_i| < 1$ per step.",
        source=CONCLUSION,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "X_r of full column rank", "0 < lr < 2/L"),
        quote=r"Of course, in the case of linear regression, simply continuing the training on clean data is enough to forget the poisoned samples.",
        claim="clean-training-forgets",
        reading="the retain data span the parameter space (full column rank)",
        interpretation="The usual regime of linear regression (more points than parameters): holds.",
        uses=("clean-training-forgets-iff",),
        checks=(
            oracle_property(
                "full-rank-gap-contracts",
                _retain_runs(),
                _full_rank_forgets,
                "p in [1, 5], n in [1, 6] retain points (scales log-uniform in [1e-3, 1e3]), lr = c 2/L, "
                "c in [1e-3, 0.999], T in [0, 30]; rank-deficient draws are outside the premise",
            ),
        ),
    ),
    Lemma(
        id="clean-training-forgets-iff",
        title="Clean training forgets the poison iff the retain data span the poisoned directions",
        statement=r"For $v \in \ker X_r$, $v\cdot\Phi_r(\theta) = v\cdot\theta$; $\Phi_r(a) - \Phi_r(b) = (I - \lambda H_r)(a - b)$ "
        r"with $H_r = \frac1n X_r^\top X_r$, so after $T$ steps the runs from $\theta_p$ and $\theta_c$ are "
        r"$\sum_i (1 - \lambda\mu_i)^T (q_i\cdot d_0)q_i$ apart, at most $\max_i|1 - \lambda\mu_i|^T\|d_0\|$. For "
        r"$0 < \lambda < 2/L$ the limits differ by $P_{\ker X_r}(\theta_p - \theta_c)$: they coincide iff it is 0, "
        r"always when $X_r$ has full column rank (then the gap contracts by $\max_i|1 - \lambda\mu_i| < 1$ per step).",
        source=CONCLUSION,
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "any retain set X_r",
            "0 < lr < 2/L for the limit statement",
        ),
        uses=("batch-mean-step", "lr-convex"),
        checks=(
            SympyProof(
                "kernel-invariance",
                _prove_kernel_invariance,
                "sympy: two retain points of R^3 with v = x_1 cross x_2, and the difference recursion",
                coverage=fixed_sizes("n = 2 in R^3"),
            ),
            PropertyCheck(
                "trajectory-gap",
                _retain_runs(),
                _retain_contraction,
                "p in [1, 5], n in [1, 6] retain points (scales log-uniform in [1e-3, 1e3]), lr = c 2/L with c in "
                "[1e-3, 0.999], T in [0, 30] steps, all at 60 digits with mpmath eigsy",
                oracle=True,
            ),
        ),
    ),
)
