r"""Draft section "Inverting many gradient steps is hard since they don't commute": order and interleaving.

Subsections "Easier cases where gradient steps might almost commute" (asymptotic commutativity under a
single minimum) and "The problem of interleaved gradient steps" (the cost of unlearning interleaved steps).

* Cyclic constant-step SGD on least squares: one epoch in a fixed order is an affine map
  :math:`\theta \mapsto M\theta + c`. On a *consistent* system every order converges to the projection of
  :math:`\theta_0` onto the solution set (relaxed Kaczmarz); on an *inconsistent* one the epoch-end limit
  :math:`(I - M)^{-1}c` depends on the order, by :math:`O(\lambda)`, even though the minimiser is unique.
* Rewind-and-replay unlearning of :math:`m` steps at uniformly random positions among :math:`T`:
  :math:`E[k_{\min}] = (T+1)/(m+1)`, so its expected cost is at least retraining's; if all steps commute,
  :math:`m` inversions suffice.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import (
    all_hold,
    compare,
    exactly_equal,
    is_zero,
    is_zero_matrix,
    oracle_property,
    sym_dot,
    sym_step,
    symbolic_vector,
)
from theory.checking.error_model import oracle_tolerance, oracle_unit_roundoff
from theory.checking.formulas import draft_step
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import (
    Counterexample,
    Lemma,
    OracleCheck,
    Outcome,
    SympyProof,
    every_size,
    fixed_sizes,
    register,
)
from theory.checking.strategies import scales, vectors

SECTION = "Inverting many gradient steps is hard since they don't commute"
EASY = f"{SECTION} / Easier cases where gradient steps might almost commute"
INTERLEAVED = f"{SECTION} / The problem of interleaved gradient steps"


def _prove_inconsistent_gap() -> bool:
    theta, lr = sympy.symbols("theta lambda", real=True)
    phi1 = lambda t: t - lr * (t - 0)
    phi2 = lambda t: t - lr * (t - 1)
    limit_12 = sympy.solve(sympy.Eq(phi2(phi1(theta)), theta), theta)
    limit_21 = sympy.solve(sympy.Eq(phi1(phi2(theta)), theta), theta)
    if len(limit_12) != 1 or len(limit_21) != 1:
        return False
    a, b = limit_12[0], limit_21[0]
    contraction = sympy.expand(phi2(phi1(theta)) - phi2(phi1(0))) / theta  # (1 - lr)^2 for both orders
    return (
        is_zero(a - 1 / (2 - lr))
        and is_zero(b - (1 - lr) / (2 - lr))
        and is_zero(a - b - lr / (2 - lr))
        and is_zero((a + b) / 2 - sympy.Rational(1, 2))
        and sympy.limit(a, lr, 0) == sympy.Rational(1, 2)
        and sympy.limit(b, lr, 0) == sympy.Rational(1, 2)
        and is_zero(contraction - (1 - lr) ** 2)
    )


def _prove_interleaved_cost() -> bool:
    T, k = sympy.symbols("T k", positive=True, integer=True)
    for m in range(1, 5):
        tail = sympy.expand_func(sympy.binomial(T - k + 1, m))  # P(k_min >= k) * C(T, m): a polynomial in k
        expected_kmin = sympy.summation(tail, (k, 1, T)) / sympy.expand_func(sympy.binomial(T, m))
        cost = 2 * (T - expected_kmin + 1) - m  # inversions + replays
        if not (
            is_zero(expected_kmin - (T + 1) / sympy.Integer(m + 1))
            and is_zero(cost - (T - m) - (T * (m - 1) + 2 * m) / sympy.Integer(m + 1))
            and sympy.limit(cost / (T - m), T, sympy.oo) == sympy.Rational(2 * m, m + 1)
        ):
            return False
    return True


def _prove_commuting_cheap() -> bool:
    theta0 = symbolic_vector("theta", 3)
    a, ys = sympy.symbols("a_0:3", nonzero=True, real=True), sympy.symbols("y_0:3", real=True)
    lr = sympy.Symbol("lambda", positive=True)
    inputs = [a[i] * sympy.eye(3)[:, i] for i in range(3)]  # orthogonal inputs (any orthogonal triple, up to rotation)

    def run(order, start=theta0):
        theta = start
        for i in order:
            theta = sym_step(theta, inputs[i], ys[i], lr)
        return theta

    final = run((0, 1, 2))
    same = all(is_zero_matrix(run(order) - final) for order in itertools.permutations(range(3)))
    shifted = final - lr * ys[1] * inputs[1]  # Sherman-Morrison inverse of Phi_{z_1} (lr a_1^2 != 1)
    unlearned = shifted + lr / (1 - lr * a[1] ** 2) * sym_dot(shifted, inputs[1]) * inputs[1]
    return same and is_zero_matrix(unlearned - run((0, 2)))


def _prove_interleaved_cost_all_sizes() -> bool:
    """Every T >= m >= 1, by a checked induction: P(k_min >= k) = C(T-k+1, m)/C(T, m) (m-subsets of {k..T}), so
    E[k_min] = sum_{k>=1} P(k_min >= k) = sum_{j=m}^{T} C(j, m)/C(T, m) (j = T - k + 1). Hockey stick
    sum_{j=m}^{T} C(j, m) = C(T+1, m+1): base T = m (C(m, m) = 1 = C(m+1, m+1)) and step by Pascal,
    C(T+2, m+1) - C(T+1, m+1) = C(T+1, m). Then C(T+1, m+1)/C(T, m) = (T+1)/(m+1), and the cost algebra is
    symbolic in T and m."""
    T, m = sympy.symbols("T m", integer=True, positive=True)
    binomial = sympy.binomial
    # every step is decided by is_zero, so the negative control perturbs each of them
    base = is_zero(binomial(m, m) - 1) and is_zero(binomial(m + 1, m + 1) - 1)
    pascal = is_zero(sympy.combsimp(binomial(T + 2, m + 1) - binomial(T + 1, m + 1) - binomial(T + 1, m)))
    ratio = is_zero(sympy.combsimp(binomial(T + 1, m + 1) / binomial(T, m)) - (T + 1) / (m + 1))
    expected_kmin = (T + 1) / (m + 1)
    cost = 2 * (T - expected_kmin + 1) - m
    excess = is_zero(cost - (T - m) - (T * (m - 1) + 2 * m) / (m + 1))
    ratio_limit = is_zero(sympy.limit(cost / (T - m), T, sympy.oo) - 2 * m / (m + 1))
    return bool(base and pascal and ratio and excess and ratio_limit)


def _reduce_orthogonal_blocks(expression):
    """Drop every product term in which an operator of one block meets a vector or operator of another block
    (S_X Y = 0 for X != Y: the blocks act on mutually orthogonal subspaces)."""
    block = {"S_A": "A", "b_A": "A", "S_B": "B", "b_B": "B", "P": "N", "v": "N"}
    operators = {"S_A", "S_B", "P"}
    kept = 0
    for term in sympy.expand(expression).as_ordered_terms():
        _, factors = term.args_cnc()
        names = [factor.name if isinstance(factor, sympy.Symbol) else str(factor) for factor in factors]
        if any(
            left in operators and block.get(left) != block.get(right, block.get(left))
            for left, right in zip(names, names[1:])
        ):
            continue
        kept += term
    return kept


def _prove_orthogonal_steps_commute_any_size() -> bool:
    """Induction over the number of steps, linear regression with pairwise orthogonal inputs x_i (P_i = x_i x_i^T):
    every composition of the steps of a set U, in any order, is theta -> theta - lr S_U theta + lr b_U with
    S_U = sum P_i and b_U = sum y_i x_i. Base: one step. Step: a composition of U + {new} in any order is
    B o Phi_new o A with A, B compositions of disjoint subsets (of that form by hypothesis); checked with
    noncommutative symbols, products across the mutually orthogonal blocks being 0."""
    theta, s_a, s_b, proj, b_a, b_b, v = sympy.symbols("theta S_A S_B P b_A b_B v", commutative=False)
    lr = sympy.Symbol("lambda", real=True)

    def affine(operator, offset):
        return lambda point: point - lr * operator * point + lr * offset

    composed = affine(s_b, b_b)(affine(proj, v)(affine(s_a, b_a)(theta)))
    target = theta - lr * (s_a + s_b + proj) * theta + lr * (b_a + b_b + v)
    return is_zero(_reduce_orthogonal_blocks(composed) - sympy.expand(target))


# ----------------------------------------------------------------------------- cyclic SGD on least squares
def _mp_rows(rows):
    return [np.array([mpmath.mpf(value) for value in row], dtype=object) for row in rows]


def _epoch_map(xs, ys, lr, order):
    """The affine epoch map theta -> M theta + c of one pass in ``order`` (mpmath matrices)."""
    dim = len(xs[0])
    matrix, offset = mpmath.eye(dim), mpmath.zeros(dim, 1)
    for i in order:
        x = mpmath.matrix(list(xs[i]))
        factor = mpmath.eye(dim) - lr * x * x.T
        matrix, offset = factor * matrix, factor * offset + lr * ys[i] * x
    return matrix, offset


@st.composite
def _cyclic_problems(draw, consistent: bool):
    """Least-squares data with small-integer inputs (exact ranks), a step lr = kappa / max|x_i|^2 with
    kappa in [1e-3, 2), and a cyclic order; consistent problems carry a solution instead of targets."""
    dim, count = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    xs = [[float(draw(st.integers(-3, 3))) for _ in range(dim)] for _ in range(count)]
    largest = max(sum(value * value for value in row) for row in xs) or 1.0
    kappa = draw(st.floats(1e-3, 2.0, exclude_max=True))
    case = {"xs": xs, "lr": kappa / largest, "order": draw(st.permutations(list(range(count))))}
    scale = draw(scales())
    if consistent:
        case["solution"] = draw(vectors(dim, scale))
        case["theta0"] = draw(vectors(dim, draw(scales())))
    else:
        case["ys"] = [float(draw(st.floats(-1.0, 1.0)) * scale) for _ in range(count)]
    return case


def _order_free_limit(case):
    """Draft, read as: cyclic constant-step SGD on least squares with a unique minimiser reaches the same
    limit for every order. Limits: fixed points of the epoch maps, solved at 60 digits."""
    with precision():
        xs, lr = _mp_rows(case["xs"]), mpmath.mpf(case["lr"])
        design = mpmath.matrix(case["xs"])
        if mpmath.det(design.T * design) == 0:  # integer Gram matrix: computed exactly
            return Outcome(True, 0.0, "the minimiser is not unique: claim not applicable", premises_met=False)
        ys = [mpmath.mpf(value) for value in case["ys"]]
        limits, bound = [], mpmath.mpf(0)
        for order in (sorted(case["order"]), case["order"]):
            matrix, offset = _epoch_map(xs, ys, lr, order)
            system = mpmath.eye(len(xs[0])) - matrix
            limit = mpmath.lu_solve(system, offset)
            residual_scale = (mpmath.mnorm(system, 1) + 1) * mpmath.mnorm(limit, 1) + mpmath.mnorm(offset, 1)
            bound += mpmath.mnorm(mpmath.inverse(system), 1) * oracle_tolerance(
                8 * len(xs) * len(xs[0]) ** 2 + 40, float(residual_scale)
            )
            limits.append(limit)
        gap = mpmath.mnorm(limits[0] - limits[1], 1)
        return compare(
            float(gap),
            float(bound),
            f"limits {[mpmath.nstr(v, 8) for v in limits[0]]} (order "
            f"{sorted(case['order'])}) vs {[mpmath.nstr(v, 8) for v in limits[1]]} "
            f"(order {case['order']})",
        )


def _row_space_basis(rows):
    """Orthonormal basis of span(rows) by twice-applied Gram-Schmidt. Integer rows with entries <= 3 in
    p <= 3 leave a residual >= 1/|Gram| >> sqrt(u) when independent and <= gamma * |x| when dependent."""
    basis = []
    for row in rows:
        vector = row.copy()
        for _ in range(2):
            for q in basis:
                vector = vector - q.dot(vector) * q
        if mp_norm(vector) > mpmath.sqrt(oracle_unit_roundoff()) * mp_norm(row):
            basis.append(vector / mp_norm(vector))
    return basis


def _consistent_converges(case, epochs: int = 30):
    """Consistent system, any cyclic order, 0 < lr |x_i|^2 < 2: the epoch map contracts the row space R
    (rho = ||Q^T M Q||_2 < 1) and theta_K approaches the projection of theta_0 onto the solution set at
    that rate: |theta_K - theta_proj| <= rho^K |theta_0 - theta_proj| + accumulated rounding / (1 - rho)."""
    with precision():
        xs, lr = _mp_rows(case["xs"]), mpmath.mpf(case["lr"])
        solution, theta0 = (
            np.array([mpmath.mpf(v) for v in case[key]], dtype=object) for key in ("solution", "theta0")
        )
        ys = [row.dot(solution) for row in xs]
        basis = _row_space_basis(xs)
        if not basis:
            return Outcome(True, 0.0, "all inputs are zero: every step is the identity", premises_met=False)
        error0 = sum((q.dot(theta0 - solution) * q for q in basis), 0 * theta0)
        projected = theta0 - error0
        matrix, _ = _epoch_map(xs, ys, lr, case["order"])
        q = mpmath.matrix([list(vector) for vector in basis]).T
        rho = max(mpmath.svd_r(q.T * matrix * q, compute_uv=False))
        if not rho < 1:
            return compare(1.0, 0.5, f"the epoch map does not contract the row space: rho = {mpmath.nstr(rho, 10)}")
        theta = theta0.copy()
        for _ in range(epochs):
            for i in case["order"]:
                theta = draft_step(theta, xs[i], ys[i], lr)
        magnitude = 4 * (mp_max_abs(abs_vector(theta0)) + mp_max_abs(abs_vector(solution))) * (1 + len(xs[0]))
        rounding = oracle_tolerance(len(xs) * (len(xs[0]) + 6) + 20, float(magnitude)) * len(xs) / (1 - rho)
        gap = mp_norm(theta - projected)
        return compare(
            float(gap),
            float(rho**epochs * mp_norm(error0) + rounding),
            f"|theta_K - theta_proj| = {mpmath.nstr(gap, 5)}, rho = {mpmath.nstr(rho, 8)}",
        )


def _interleaved_cases():
    for horizon in range(1, 10):
        for forgotten in range(1, horizon + 1):
            yield {"T": horizon, "m": forgotten}


def _interleaved_enumeration(case):
    """Exact enumeration over all m-subsets of {1..T}: E[k_min] = (T+1)/(m+1), and the expected
    rewind-and-replay cost 2 (T - k_min + 1) - m is >= the retraining cost T - m."""
    horizon, forgotten = case["T"], case["m"]
    subsets = list(itertools.combinations(range(1, horizon + 1), forgotten))
    expected_kmin = Fraction(sum(min(subset) for subset in subsets), len(subsets))
    expected_cost = 2 * (horizon - expected_kmin + 1) - forgotten
    return all_hold(
        exactly_equal(expected_kmin, Fraction(horizon + 1, forgotten + 1), f"E[k_min] = {expected_kmin}"),
        exactly_equal(len(subsets), comb(horizon, forgotten), f"{len(subsets)} subsets"),
        # the excess over retraining is >= 0, exactly: min(excess, 0) = 0
        exactly_equal(
            min(expected_cost - (horizon - forgotten), 0),
            0,
            f"E[cost] = {expected_cost}, retraining {horizon - forgotten}",
        ),
    )


CYCLIC_RANGES = (
    "p in [1, 3], n in [2, 4] points with integer inputs in [-3, 3] (exact ranks); "
    "lr = kappa / max |x_i|^2, kappa in [1e-3, 2); targets and parameters scaled log-uniformly in [1e-3, 1e3]; "
    "a random cyclic order"
)


register(
    Lemma(
        id="single-minimum-order-free",
        title="A single minimum makes the order of the steps irrelevant",
        statement=r"If the loss has a single minimiser, cyclic gradient steps with a constant learning rate reach the same "
        r"limit for every order of the data points (least squares with a unique minimiser).",
        source=EASY,
        as_written=True,
        assumptions=("least squares with a unique minimiser", "cyclic steps, a constant rate 0 < lr|x_i|^2 < 2"),
        quote=r"the loss function has a single minimum $\theta^*$. In that case we could observe _asymptotic commutativity_, meaning that **any** order of the optimization steps converges towards the same optimum.",
        interpretation="'Any order of the optimization steps converges towards the same optimum; true for convex models': "
        "read with the draft's constant step Phi_z. Order (z1, z2) with z1 = (1, 0), z2 = (1, 1), lr = 1/2 "
        "cycles to 2/3 at epoch end, order (z2, z1) to 1/3; the minimiser is 1/2. With steps decaying to 0 "
        "the limits agree (inconsistent-order-gap). Hypothesis alone finds the same phenomenon in p = 2 at lr |x|^2 = 1 "
        "(two points on one line with different targets: the last one projected onto wins).",
        claim="single-minimum-order-free",
        reading="constant step (the draft's Phi_z)",
        checks=(
            oracle_property(
                "same-limit",
                _cyclic_problems(consistent=False),
                _order_free_limit,
                CYCLIC_RANGES,
                examples=({"xs": [[1.0], [1.0]], "ys": [0.0, 1.0], "lr": 0.5, "order": [1, 0]},),
            ),
        ),
        corrected_by=("consistent-order-free", "inconsistent-order-gap"),
        counterexample=Counterexample(
            "same-limit", {"xs": [[1.0], [1.0]], "ys": [0.0, 1.0], "lr": 0.5, "order": [1, 0]}, found_by="example"
        ),
    ),
    Lemma(
        id="consistent-order-free",
        title="Consistent least squares: every cyclic order converges to the same point",
        statement=r"If all hyperplanes $\{\theta\cdot x_i = y_i\}$ share a point and $0 < \lambda|x_i|^2 < 2$, cyclic steps "
        r"in any order converge to the orthogonal projection of $\theta_0$ onto the solution set, at the rate of "
        r"$\rho = \|M|_{R}\|_2 < 1$ per epoch ($M$ the epoch map, $R$ the span of the inputs).",
        source=EASY,
        as_written=False,
        assumptions=("consistent least squares: the hyperplanes share a point", "0 < lr|x_i|^2 < 2 for every i"),
        interpretation="Relaxed Kaczmarz: errors theta - theta_proj stay in R, and each relaxed projection is non-expansive "
        "and strictly shortens the component along its x_i. Checked by computing rho at 60 digits and "
        "iterating 30 epochs.",
        uses=("lr-hyperplane-projection",),
        checks=(
            oracle_property(
                "contraction-to-projection", _cyclic_problems(consistent=True), _consistent_converges, CYCLIC_RANGES
            ),
        ),
    ),
    Lemma(
        id="inconsistent-order-gap",
        title="Inconsistent least squares: the order changes the limit by O(lr)",
        statement=r"For $z_1 = (1, 0)$, $z_2 = (1, 1)$ in $p = 1$ and $0 < \lambda < 2$, the epoch-end limits are "
        r"$\frac{1}{2-\lambda}$ (order $z_1, z_2$) and $\frac{1-\lambda}{2-\lambda}$ (order $z_2, z_1$): they differ "
        r"by $\frac{\lambda}{2-\lambda}$, average to the minimiser $\frac12$ and both tend to it as $\lambda \to 0$.",
        source=EASY,
        as_written=False,
        assumptions=("p = 1, z_1 = (1, 0), z_2 = (1, 1)", "0 < lr < 2"),
        checks=(
            SympyProof(
                "fixed-points",
                _prove_inconsistent_gap,
                "sympy: fixed points of both epoch maps (contraction factor (1 - lr)^2), their gap, mean and "
                "limits as lr -> 0",
                coverage=every_size("size-free: the statement's two points in p = 1, symbolic lr"),
            ),
        ),
    ),
    Lemma(
        id="interleaved-unlearning-cost",
        title="Unlearning interleaved steps by rewind-and-replay costs as much as retraining",
        statement=r"With $m$ forgotten steps at uniformly random positions among $T$, rewinding by inversion to the first "
        r"forgotten step $k_{\min}$ and replaying the retained ones costs $2(T - k_{\min} + 1) - m$ steps; "
        r"$E[k_{\min}] = \frac{T+1}{m+1}$, so the expected cost $\frac{2m(T+1)}{m+1} - m$ exceeds retraining "
        r"($T - m$) by $\frac{T(m-1) + 2m}{m+1} \ge 0$ and their ratio tends to $\frac{2m}{m+1}$ (every $T \ge m \ge 1$).",
        source=INTERLEAVED,
        as_written=True,
        assumptions=(
            "m forgotten steps at uniformly random positions among T, 1 <= m <= T",
            "inverting a step costs one step",
        ),
        quote=r"Indeed, such an algorithm would have to invert the whole gradient steps $\mathcal{T}$ and retrain on them in $\mathcal{O}(T)$ time, which defeats the purpose of efficient machine unlearning.",
        claim="interleaved-unlearning-cost",
        reading="the cost of the rewind-and-replay algorithm the draft describes",
        interpretation="The cost of ONE algorithm, the one the sentence describes (inversion and replay each cost one "
        "step; forgotten steps placed uniformly). It is no lower bound: that reading is "
        "interleaved-no-efficient-algorithm (open). Proved for every T and m by the hockey-stick "
        "induction; the m <= 4 closed forms and the enumeration for T <= 9 are cross-checks.",
        uses=("lr-commutator-formula",),
        checks=(
            SympyProof(
                "expected-cost-all-sizes",
                _prove_interleaved_cost_all_sizes,
                "sympy for symbolic T and m: induction (base, Pascal step) for the hockey-stick sum, the "
                "binomial ratio by combsimp, the cost algebra and the limit",
                coverage=every_size("all T >= m >= 1 (induction)"),
            ),
            SympyProof(
                "expected-cost",
                _prove_interleaved_cost,
                "cross-check: sympy summation for symbolic T and m = 1, 2, 3, 4",
                coverage=fixed_sizes("m <= 4, symbolic T"),
                cross_check=True,
            ),
            OracleCheck(
                "exhaustive-enumeration",
                _interleaved_cases,
                _interleaved_enumeration,
                "exact rational enumeration of all m-subsets for T <= 9",
            ),
        ),
    ),
    Lemma(
        id="interleaved-no-efficient-algorithm",
        title="No efficient algorithm unlearns interleaved non-commuting steps by step inversion",
        statement=r"If the gradient steps do not commute, every algorithm that unlearns an interleaved $\mathcal U$ using "
        r"gradient-step inversion (each in $O(1)$ w.r.t. $T$) needs $\Omega(T)$ time.",
        source=INTERLEAVED,
        as_written=True,
        assumptions=("steps that do not commute", "inversion of a single step in O(1) w.r.t. T"),
        quote=r"If of the gradient steps commute, there is no efficient algorithm for unlearning $\mathcal{U}$ using gradient step inversion.",
        claim="interleaved-unlearning-cost",
        reading="lower bound over all algorithms",
        interpretation="A lower bound over all algorithms needs a model of computation (for instance: access to the "
        "steps only through Phi_z and Phi_z^{-1}); the cost of rewind-and-replay "
        "(interleaved-unlearning-cost) is an upper bound for one algorithm, not a lower bound. Not "
        "checkable as stated: in linear regression an algorithm that stores the affine suffix maps "
        "of training removes one step in O(p^2) after O(T p^3) preprocessing, so any lower bound "
        "must say what is stored and what counts as a step. Open.",
        uses=("interleaved-unlearning-cost", "commuting-steps-cheap"),
    ),
    Lemma(
        id="commuting-steps-cheap",
        title="Commuting steps make unlearning cheap",
        statement=r"Linear regression with pairwise orthogonal inputs (steps that commute): for every $T$, every order of "
        r"the steps gives $\theta \mapsto \theta - \lambda\sum_i x_ix_i^\top\theta + \lambda\sum_i y_ix_i$, so "
        r"$\theta_T = \Phi_{\mathcal U}(\Phi_{\mathcal T\setminus\mathcal U}(\theta_0))$ for any placement of "
        r"$\mathcal U$ and unlearning $m$ steps costs $m$ inversions ($\lambda|x_i|^2 \ne 1$).",
        source=INTERLEAVED,
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "pairwise orthogonal inputs",
            "lr in R, the draft's domain (either sign)",
        ),
        interpretation="Proved for every T by induction (inserting one step between two compositions of disjoint "
        "sets, products across orthogonal blocks vanishing); the T = 3 instance checks the inversion "
        "step on explicit vectors. For commuting maps in general the same reordering argument applies "
        "(adjacent swaps), which is not checked here.",
        uses=("lr-commutator-formula", "lr-inverse-iff"),
        checks=(
            SympyProof(
                "induction-any-size",
                _prove_orthogonal_steps_commute_any_size,
                "sympy with noncommutative symbols: induction step B o Phi_new o A = the sum form, products "
                "across mutually orthogonal blocks set to 0",
                coverage=every_size("all T (induction), all p (operators)"),
            ),
            SympyProof(
                "three-orthogonal-steps",
                _prove_commuting_cheap,
                "instance: sympy in dimension 3 with inputs a_i e_i (any orthogonal triple up to rotation), "
                "symbolic a_i, y_i, lr, theta_0; Sherman-Morrison inverse for lr a_1^2 != 1",
                coverage=fixed_sizes("T = 3 in R^3"),
                cross_check=True,
            ),
        ),
    ),
)
