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

The fixed-point formulation is in :mod:`theory.lemmas.fixed_point`; the error models of the fuzzed
checks are in :mod:`theory.checking.inversion_bounds`. Symbolic proofs and the 60-digit oracle run the draft's formulas (:mod:`theory.checking.formulas`),
on numpy object arrays of sympy symbols.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy

from theory.checking.building_blocks import (
    exactly_equal,
    is_zero,
    is_zero_array,
    is_zero_matrix,
    mp_case,
    oracle_identity,
    oracle_property,
    strictly_below,
    symbolic_arrays,
    symbolic_vector,
    vectors_span,
)
from theory.checking.error_model import UNIT_ROUNDOFF, oracle_tolerance, oracle_unit_roundoff
from theory.checking.formulas import draft_gradient, draft_inverse_step, draft_neumann, draft_step
from theory.checking.inversion_bounds import (
    UNDERFLOW_EXAMPLES,
    absolute_neumann,
    float_identity_with_underflow,
    neumann_reference,
    sherman_morrison_magnitude,
    sherman_morrison_regime,
    sherman_morrison_underflow,
    underflow_allowance,
)
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, precision
from theory.checking.registry import Counterexample, Lemma, OracleCheck, Outcome, SympyProof, every_size, register
from theory.checking.strategies import (
    ITERATION_ORACLE_MAX_DIM,
    ITERATION_ORACLE_RANGES,
    ITERATION_RANGES,
    LINEAR_POINT_RANGES,
    NEAR_SINGULAR_RANGES,
    iteration_points,
    linear_points,
    near_singular_points,
    positive_ranges,
    signed_ranges,
)
from theory.models.linear_regression import inverse_step, neumann_inverse

SECTION = "Inverting a single gradient step is hard"
RANGES = LINEAR_POINT_RANGES


# ----------------------------------------------------------------------------- symbolic proofs
def _prove_determinant_and_inverse() -> bool:
    x = symbolic_vector("x", 3)
    lr = sympy.Symbol("lambda", positive=True)
    q = (x.T * x)[0]
    matrix = sympy.eye(3) - lr * x * x.T
    sherman_morrison = sympy.eye(3) + lr / (1 - lr * q) * x * x.T
    return is_zero(matrix.det() - (1 - lr * q)) and is_zero_matrix(matrix * sherman_morrison - sympy.eye(3))


def _prove_core_inverts_step() -> bool:
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    return is_zero_array(draft_inverse_step(draft_step(theta, x, y, lr), x, y, lr) - theta) and is_zero_array(
        draft_step(draft_inverse_step(theta, x, y, lr), x, y, lr) - theta
    )


def _prove_non_injective() -> bool:
    theta, x, y, _ = symbolic_arrays(2, "theta", "x")
    s = sympy.Symbol("s", real=True)
    lr = 1 / x.dot(x)  # lr |x|^2 = 1
    return is_zero_array(draft_step(theta + s * x, x, y, lr) - draft_step(theta, x, y, lr))


def _prove_power_formula() -> bool:
    """l^k(v) = |x|^{2(k-1)} (v.x) x: base k = 1 and the step k -> k + 1, symbolic k."""
    v, x, _, _ = symbolic_arrays(2, "v", "x")
    k = sympy.Symbol("k", integer=True, positive=True)
    norm2 = x.dot(x)

    def power(order):
        return norm2 ** (order - 1) * v.dot(x) * x

    def l_map(vector):
        return vector.dot(x) * x

    return is_zero_array(power(1) - l_map(v)) and is_zero_array(l_map(power(k)) - power(k + 1))


def _neumann_coefficient(lr, norm2, terms):
    """S_K - theta~ = c_K (theta~.x) x with c_K = lr (1 - q^K) / (1 - q)."""
    q = lr * norm2
    return lr * (1 - q**terms) / (1 - q)


def _prove_partial_sums() -> bool:
    """c_0 = 0 and c_{K+1} - c_K = lr^{K+1} |x|^{2K} (the (K+1)-th term), symbolic K; truncation error. lr is a real
    symbol of either sign (the draft's lambda in R)."""
    lr = sympy.Symbol("lambda", real=True, nonzero=True)
    norm2 = sympy.Symbol("n", positive=True)  # n = |x|^2
    terms = sympy.Symbol("K", integer=True, nonnegative=True)
    q = lr * norm2
    step = _neumann_coefficient(lr, norm2, terms + 1) - _neumann_coefficient(lr, norm2, terms)
    limit = lr / (1 - q)  # Sherman-Morrison coefficient, the limit of c_K as K -> oo when q < 1
    return (
        _neumann_coefficient(lr, norm2, 0) == 0
        and is_zero(step - lr ** (terms + 1) * norm2**terms)
        and is_zero(limit - _neumann_coefficient(lr, norm2, terms) - q ** (terms + 1) / ((1 - q) * norm2))
    )


def _prove_first_order() -> bool:
    """Written in theta~ (the draft's variable): theta_{t+1} = theta~ + lr y x."""
    shifted, x, y, lr = symbolic_arrays(2, "theta", "x")
    q = lr * x.dot(x)
    first_order = shifted + lr * shifted.dot(x) * x
    error = draft_inverse_step(shifted + lr * y * x, x, y, lr) - first_order
    closed = lr**2 * x.dot(x) / (1 - q) * shifted.dot(x) * x
    leading = [sympy.limit(sympy.cancel(entry / lr**2), lr, 0) for entry in closed]
    return is_zero_array(error - closed) and is_zero_array(
        np.array(leading, dtype=object) - x.dot(x) * shifted.dot(x) * x
    )


# ----------------------------------------------------------------------------- predicates (mpmath, 60 digits)
def _small_shift_injective(case):
    """Draft: if ||lr g_z(theta_t)|| < 1, Phi_z has an inverse, i.e. det(I - lr x x^T) = 1 - lr|x|^2 != 0."""
    with precision():
        c = mp_case(case)
        shift = c["lr"] * mp_norm(draft_gradient(c["theta"], c["x"], c["y"]))
        if mp_max_abs(c["x"]) == 0:
            return Outcome(True, 0.0, "x = 0: Phi_z is the identity (degenerate)", premises_met=False)
        if shift >= 1:
            return Outcome(
                True, 0.0, f"shift {float(shift):.3e} >= 1: the claim assumes nothing here", premises_met=False
            )
        q = c["lr"] * c["x"].dot(c["x"])
        tolerance = oracle_tolerance(len(c["x"]) + 2, float(1 + q))
        determinant = abs(1 - q)
        score = tolerance / float(determinant) if determinant > 0 else float("inf")
        return Outcome(
            determinant > tolerance,
            score,
            f"shift {float(shift):.3e} < 1 and det(I - lr x x^T) = 1 - lr|x|^2 = {mpmath.nstr(1 - q, 5)}",
        )


def _inverse_float64(case):
    """float64 inverse_step against the 60-digit Sherman-Morrison value, tolerance grown by 1/|1 - q|."""
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        if not sherman_morrison_regime(c, UNIT_ROUNDOFF):
            return Outcome(
                True, 0.0, "1 - lr|x|^2 below float64's resolution: no error bound applies", premises_met=False
            )
        try:
            computed = inverse_step(case["theta"], case["x"], case["y"], case["lr"])
        except ValueError as error:
            return Outcome(False, float("inf"), f"inverse_step raised inside the first-order regime: {error}")
        exact = draft_inverse_step(c["theta"], c["x"], c["y"], c["lr"])
        magnitude = sherman_morrison_magnitude(c)
        return float_identity_with_underflow(
            computed, exact, magnitude, dim + 12, sherman_morrison_underflow(c, magnitude)
        )


def _inverse_roundtrip(case):
    """Phi_z(Sherman-Morrison(theta_next)) = theta_next at 60 digits."""
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        if not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(True, 0.0, "1 - lr|x|^2 below the oracle's resolution", premises_met=False)
        preimage = draft_inverse_step(c["theta"], c["x"], c["y"], c["lr"])
        back = draft_step(preimage, c["x"], c["y"], c["lr"])
        abs_x = abs_vector(c["x"])
        amplification = 1 + abs(c["lr"]) * mp_max_abs(c["x"]) * sum(abs_x)
        step_magnitude = mp_max_abs(
            abs_vector(preimage) + abs(c["lr"]) * (abs_vector(preimage).dot(abs_x) + abs(c["y"])) * abs_x
        )
        return oracle_identity(
            back, c["theta"], sherman_morrison_magnitude(c) * amplification + step_magnitude, depth=2 * dim + 16
        )


def _neumann_converges_small_shift(case):
    """Draft: if ||lr g_z(theta_t)|| < 1, sum_k lr^k l^k(theta~) converges. The terms are geometric from k = 1
    (neumann-converges-iff), so the series diverges iff the 2nd term is nonzero and not smaller than the 1st."""
    with precision():
        c = mp_case(case)
        shift = c["lr"] * mp_norm(draft_gradient(c["theta"], c["x"], c["y"]))
        if mp_max_abs(c["x"]) == 0:
            return Outcome(True, 0.0, "x = 0: Phi_z is the identity (degenerate)", premises_met=False)
        if shift >= 1:
            return Outcome(
                True, 0.0, f"shift {float(shift):.3e} >= 1: the claim assumes nothing here", premises_met=False
            )
        theta_next = draft_step(c["theta"], c["x"], c["y"], c["lr"])
        shifted = theta_next - c["lr"] * c["y"] * c["x"]
        first = c["lr"] * shifted.dot(c["x"]) * c["x"]
        second = c["lr"] * first.dot(c["x"]) * c["x"]
        dim = len(c["x"])
        floor = oracle_tolerance(4 * dim + 12, float(absolute_neumann({**c, "theta": theta_next}, 2)))
        if mp_norm(first) <= floor:
            return Outcome(True, 0.0, "theta~ . x = 0: the series stops after its first term", premises_met=False)
        ratio = mp_norm(second) / mp_norm(first)
        return Outcome(
            bool(ratio < 1 - oracle_tolerance(2 * dim + 12, 1.0)),
            float(ratio),
            f"shift {float(shift):.3e} < 1, term ratio |t_2| / |t_1| = lr|x|^2 = {mpmath.nstr(ratio, 8)}",
        )


def _neumann_criterion(case, absolute: bool):
    """The series sum_k lr^k l^k(theta~) converges iff |q| < 1 (``absolute``; or lr|x|^2 < 1, the sign of lr unsaid)
    or theta~ . x = 0. Its terms are geometric from k = 1 with ratio q (power-formula), so it converges iff the
    2nd term is smaller than the 1st; both are evaluated at 60 digits (theta = theta_{t+1}, lr in R)."""
    with precision():
        c = mp_case(case)
        if mp_max_abs(c["x"]) == 0:
            return Outcome(True, 0.0, "x = 0: Phi_z is the identity (degenerate)", premises_met=False)
        shifted = c["theta"] - c["lr"] * c["y"] * c["x"]
        first = c["lr"] * shifted.dot(c["x"]) * c["x"]
        second = c["lr"] * first.dot(c["x"]) * c["x"]
        q = c["lr"] * c["x"].dot(c["x"])
        criterion = (abs(q) if absolute else q) < 1
        if mp_norm(first) == 0:
            return Outcome(True, 0.0, "theta~ . x = 0: the series stops after its first term", premises_met=False)
        ratio = mp_norm(second) / mp_norm(first)
        if abs(ratio - 1) < mpmath.mpf(10) ** -40:
            return Outcome(True, 0.0, "|q| = 1 within the oracle's resolution: on the boundary", premises_met=False)
        converges = ratio < 1
        return exactly_equal(
            converges,
            criterion,
            f"term ratio |t_2| / |t_1| = {mpmath.nstr(ratio, 8)} ({'converges' if converges else 'diverges'}); "
            f"{'|lr|' if absolute else 'lr'} |x|^2 = {mpmath.nstr(abs(q) if absolute else q, 8)}",
        )


def _draft_tilde_limit(case):
    """Operator-norm reading with the draft's own theta~ := Phi_z(theta) + lr y x: for |lr||x|^2 < 1 the series
    sum_k lr^k l^k(theta~) converges to theta~ + lr/(1 - q) (theta~ . x) x (its closed form, neumann-converges-iff);
    the draft says the limit is theta. Here theta is the point before the step (60 digits)."""
    with precision():
        c = mp_case(case)
        outside = _operator_norm_premise(c)
        if outside is not None:
            return outside
        theta, x, y, lr = c["theta"], c["x"], c["y"], c["lr"]
        q = lr * x.dot(x)
        draft_tilde = draft_step(theta, x, y, lr) + lr * y * x
        limit = draft_tilde + lr / (1 - q) * draft_tilde.dot(x) * x
        abs_x = abs_vector(x)
        size = mp_max_abs(abs_vector(theta)) + abs(lr) * (mp_norm(theta) * mp_norm(x) + 2 * abs(y)) * mp_max_abs(x)
        magnitude = size * (1 + abs(lr) / abs(1 - q) * sum(abs_x) * mp_max_abs(x)) + mp_max_abs(abs_vector(theta))
        return oracle_identity(limit, theta, magnitude, depth=6 * len(x) + 16)


#: lr = -2, |x| = 1 (issue 19): lr|x|^2 = -2 < 1, but the terms double in size: the series diverges.
_NEGATIVE_LR_NEUMANN = {"theta": [1.0], "x": [1.0], "y": 0.0, "lr": -2.0}
#: theta = 0, x = y = 1, lr = 1/2: theta_{t+1} = 1/2, the draft's theta~ = 1, the series sums to 2, not 0.
_DRAFT_TILDE_CASE = {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 0.5}


def _neumann_float64(case):
    """float64 neumann_inverse against the exact partial sum at 60 digits (polynomial: gamma(depth) x |.|-eval)."""
    with precision():
        c = mp_case(case)
        terms = case["terms"]
        computed = neumann_inverse(case["theta"], case["x"], case["y"], case["lr"], terms)
        exact = neumann_reference(c, terms)
        depth = terms * (len(c["x"]) + 3) + 3
        return float_identity_with_underflow(
            computed, exact, absolute_neumann(c, terms), depth, underflow_allowance(c, depth, terms)
        )


def _neumann_closed_form(case):
    """S_K = Sherman-Morrison - q^{K+1} / (1 - q) (theta~.x) x / |x|^2 at 60 digits (x != 0, q != 1)."""
    with precision():
        c = mp_case(case)
        terms, dim = case["terms"], len(c["x"])
        norm2 = c["x"].dot(c["x"])
        if norm2 == 0 or not sherman_morrison_regime(c, oracle_unit_roundoff()):
            return Outcome(
                True, 0.0, "x = 0 or lr|x|^2 = 1 within the oracle's resolution: no closed form", premises_met=False
            )
        q = c["lr"] * norm2
        shifted = c["theta"] - c["lr"] * c["y"] * c["x"]
        truncation = q ** (terms + 1) / (1 - q) * shifted.dot(c["x"]) * c["x"] / norm2
        closed = draft_inverse_step(c["theta"], c["x"], c["y"], c["lr"]) - truncation
        abs_x = abs_vector(c["x"])
        truncation_magnitude = (
            q ** (terms + 1) / abs(1 - q) * (abs_vector(shifted).dot(abs_x)) * mp_max_abs(c["x"]) / norm2
        )
        magnitude = absolute_neumann(c, terms) + sherman_morrison_magnitude(c) + truncation_magnitude
        return oracle_identity(
            draft_neumann(c["theta"], c["x"], c["y"], c["lr"], terms),
            closed,
            magnitude,
            depth=terms * (dim + 3) + 2 * dim + 16,
        )


def _prove_operator_norm_inverse() -> bool:
    """||lr l||_2 = lr|x|^2 = q (l = x x^T is symmetric with l x = |x|^2 x and l w = 0 for w = x cross u, which
    spans x^perp), det(I - lr l) = 1 - q, and 1 - q > 0 on q < 1 (q = 1 - s, s > 0)."""
    x, u = symbolic_vector("x", 3), symbolic_vector("u", 3)
    lr, s = sympy.Symbol("lambda", real=True), sympy.Symbol("s", positive=True)  # lr in R: the norm is |q|
    linear = x * x.T
    q = lr * (x.T * x)[0]
    return (
        linear.is_symmetric()
        and is_zero_matrix(lr * linear * x - q * x)
        and is_zero_matrix(linear * x.cross(u))
        and is_zero((sympy.eye(3) - lr * linear).det() - (1 - q))
        and bool((1 - (1 - s)).is_positive)
        and _prove_determinant_and_inverse()
    )


def _prove_neumann_limit() -> bool:
    """On 0 < q < 1 (q = exp(-s), s > 0), q^K -> 0, so the partial-sum coefficient lr (1 - q^K)/(1 - q) of
    neumann-converges-iff tends to the Sherman-Morrison coefficient lr/(1 - q); q = 0 (x = 0) is Phi_z = id."""
    s, lr, terms = (
        sympy.Symbol("s", positive=True),
        sympy.Symbol("lambda", positive=True),
        sympy.Symbol("K", integer=True, positive=True),
    )
    q = sympy.exp(-s)
    coefficient = lr * (1 - q**terms) / (1 - q)
    return (
        sympy.limit(q**terms, terms, sympy.oo) == 0
        and is_zero(sympy.limit(coefficient, terms, sympy.oo) - lr / (1 - q))
        and _prove_partial_sums()
    )


def _operator_norm_premise(c):
    """Premise of the operator-norm reading: x != 0 and ||lr l||_2 = |lr||x|^2 < 1 (lr in R; None when met, else the
    outcome)."""
    norm = abs(c["lr"]) * c["x"].dot(c["x"])
    if norm == 0:
        return Outcome(True, 0.0, "x = 0: Phi_z is the identity (degenerate)", premises_met=False)
    if norm >= 1:
        return Outcome(
            True, 0.0, f"||lr l|| = |lr||x|^2 = {mpmath.nstr(norm, 5)} >= 1: outside the premise", premises_met=False
        )
    return None


def _operator_small_inverse(case):
    """Operator-norm reading: ||lr l|| = lr|x|^2 < 1 => Phi_z invertible; the Sherman-Morrison preimage maps back."""
    with precision():
        c = mp_case(case)
        outside = _operator_norm_premise(c)
        if outside is not None:
            return outside
        return _inverse_roundtrip(case)


def _operator_small_neumann(case):
    """Operator-norm reading: ||lr l|| < 1 => the series converges: consecutive terms shrink by q < 1."""
    with precision():
        c = mp_case(case)
        outside = _operator_norm_premise(c)
        if outside is not None:
            return outside
        shifted = c["theta"] - c["lr"] * c["y"] * c["x"]  # theta~ of theta_{t+1} = case["theta"]
        first = c["lr"] * shifted.dot(c["x"]) * c["x"]
        second = c["lr"] * first.dot(c["x"]) * c["x"]
        if mp_norm(first) == 0:
            return Outcome(True, 0.0, "theta~ . x = 0: the series stops after its first term", premises_met=False)
        ratio = mp_norm(second) / mp_norm(first)
        return strictly_below(ratio, 1, f"term ratio |t_2| / |t_1| = {mpmath.nstr(ratio, 8)} (= |lr||x|^2 < 1)")


# ----------------------------------------------------------------------------- the draft's shifted point
def _tilde_gap(case, sign: int):
    """``Phi_z(theta) + sign * lr y x - (theta - lr l(theta))`` at 60 digits, with l(v) = (v . x) x."""
    with precision():
        c = mp_case(case)
        theta, x, y, lr = c["theta"], c["x"], c["y"], c["lr"]
        left = draft_step(theta, x, y, lr) + sign * lr * y * x
        right = theta - lr * theta.dot(x) * x
        magnitude = (
            mp_max_abs(theta)
            + abs(lr) * (mp_norm(theta) * mp_norm(x) + abs(y)) * mp_max_abs(x)
            + abs(lr * y) * mp_max_abs(x)
            + 1
        )
        return left, right, magnitude, 4 * len(x) + 12


def _tilde_as_written(case):
    """Draft: theta~ := Phi_z(theta) + lr y x = theta - lr l(theta)."""
    left, right, magnitude, depth = _tilde_gap(case, +1)
    return oracle_identity(left, right, magnitude, depth)


def _tilde_corrected(case):
    """Corrected: Phi_z(theta) - lr y x = theta - lr l(theta)."""
    left, right, magnitude, depth = _tilde_gap(case, -1)
    return oracle_identity(left, right, magnitude, depth)


def _prove_tilde_corrected() -> bool:
    theta, x, y, lr = symbolic_arrays(2, "theta", "x")
    as_written_gap = draft_step(theta, x, y, lr) + lr * y * x - (theta - lr * theta.dot(x) * x)
    corrected_gap = draft_step(theta, x, y, lr) - lr * y * x - (theta - lr * theta.dot(x) * x)
    # the corrected identity holds; the draft's differs from it by exactly 2 lr y x
    return is_zero_array(corrected_gap) and is_zero_array(as_written_gap - 2 * lr * y * x)


def _singular_cases():
    """Float-exact lr |x|^2 = 1 (powers of two) with small residual, and their neighbours 1 +- 2^-52."""
    for x, lr in (([1.0], 1.0), ([0.5, 0.5, 0.5, 0.5], 1.0), ([2.0], 0.25), ([0.25, 0.0, 0.0], 16.0)):
        for theta in ([0.0] * len(x), [0.125] * len(x)):
            yield {"theta": theta, "x": x, "y": 0.0625, "lr": lr}


#: Hypothesis' shrunk counterexample of neumann-converges-small-shift (shift 0.1, lr|x|^2 = 10), kept as @example.
_NEUMANN_SHRUNK = {"theta": [0.01], "x": [3.1622776601683795], "y": 0.0, "lr": 1.0}


register(
    Lemma(
        id="lr-inverse-small-shift",
        title="A small model shift gives an analytic inverse of the step (update-vector reading)",
        statement=r"If $\|\lambda g_z(\theta_t)\| < 1$, then $\Phi_z$ is invertible: $\det(I - \lambda xx^\top) \ne 0$.",
        source=SECTION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "the update-vector reading: ||lr g_z(theta_t)|| < 1",
            "x != 0",
        ),
        quote=r"Assuming that the model shift is small ($||\lambda g_z|| < 1$), there is an analytical inverse of $\Phi_z$.",
        interpretation="The draft: 'Assuming that the model shift is small (||lr g_z|| < 1), there is an analytical "
        "inverse of Phi_z'. This reading takes the model shift as the update vector lr g_z(theta_t) of "
        "the step to invert (a vector norm): refuted, a small update can come from a step with "
        "lr|x|^2 = 1 and a small residual. Read as the operator norm of the linear part, "
        "||lr l|| = lr|x|^2 < 1, the claim holds (lr-inverse-small-shift-operator).",
        claim="lr-inverse-small-shift",
        reading="vector norm: the update lr g_z(theta_t)",
        uses=("lr-inverse-iff",),
        checks=(
            oracle_property("shift-implies-injective", linear_points(), _small_shift_injective),
            OracleCheck(
                "singular-cases",
                _singular_cases,
                _small_shift_injective,
                "float-exact lr|x|^2 = 1 (x and lr powers of two) with residuals <= 1/16",
            ),
        ),
        corrected_by=("lr-inverse-iff",),
        counterexample=Counterexample(
            "singular-cases", {"theta": [0.0], "x": [1.0], "y": 0.0625, "lr": 1.0}, found_by="mpmath"
        ),
    ),
    Lemma(
        id="lr-inverse-iff",
        title="One step of linear regression is invertible iff lr |x|^2 != 1 (Sherman-Morrison)",
        statement=r"$\det(I - \lambda xx^\top) = 1 - \lambda|x|^2$; for $\lambda|x|^2 \ne 1$, "
        r"$\Phi_z^{-1}(\theta_{t+1}) = \tilde\theta + \frac{\lambda}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x$ with "
        r"$\tilde\theta = \theta_{t+1} - \lambda yx$, whatever the size of the step.",
        source=SECTION,
        as_written=False,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "lr|x|^2 != 1 for the inverse",
        ),
        uses=("lr-gradient-affine", "step-non-injective"),
        checks=(
            SympyProof(
                "determinant-and-inverse",
                _prove_determinant_and_inverse,
                "sympy: det(I - lr x x^T) = 1 - lr|x|^2 and the Sherman-Morrison product, dimension 3 (in every "
                "dimension by the matrix determinant lemma and x x^T x x^T = |x|^2 x x^T)",
                coverage=every_size("all p (1 vector x; determinant and product rotation-invariant, in R^3)"),
            ),
            SympyProof(
                "core-inverts-step",
                _prove_core_inverts_step,
                "sympy on the draft's formulas draft_inverse_step and draft_step (theory.checking.formulas), dimension 2 (vectors theta, x)",
                coverage=vectors_span(2),
            ),
            oracle_property(
                "float64-inverse",
                near_singular_points(signed=False),
                _inverse_float64,
                positive_ranges(NEAR_SINGULAR_RANGES),
            ),
            oracle_property("roundtrip-60-digits", near_singular_points(), _inverse_roundtrip, NEAR_SINGULAR_RANGES),
        ),
    ),
    Lemma(
        id="neumann-converges-small-shift",
        title="A small model shift makes the Neumann series of the inverse converge (update-vector reading)",
        statement=r"If $\|\lambda g_z(\theta_t)\| < 1$, then $\sum_{k\ge0}\lambda^k l^k(\tilde\theta)$ converges (to $\theta_t$).",
        source=SECTION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "the update-vector reading: ||lr g_z(theta_t)|| < 1",
            "x != 0",
        ),
        quote=r"Assuming that the model shift is small ($||\lambda g_z|| < 1$), there is an analytical inverse of $\Phi_z$. Indeed, $\tilde{\theta} := \Phi_z(\theta) + \lambda y x = \theta - \lambda l(\theta)$ is a linear function of $\theta$ inversed by $\theta = \displaystyle \sum_{k=0}^{\infty} \lambda^k l^k (\tilde \theta)",
        interpretation="Same reading of the small-shift assumption as lr-inverse-small-shift (the update vector "
        "lr g_z(theta_t), a vector norm): refuted. Under the operator-norm reading the series converges "
        "(neumann-converges-small-shift-operator).",
        claim="neumann-converges-small-shift",
        reading="vector norm: the update lr g_z(theta_t)",
        uses=("neumann-converges-iff",),
        checks=(
            oracle_property(
                "shift-implies-convergence",
                linear_points(),
                _neumann_converges_small_shift,
                examples=(_NEUMANN_SHRUNK,),
            ),
        ),
        corrected_by=("neumann-converges-iff",),
        counterexample=Counterexample("shift-implies-convergence", _NEUMANN_SHRUNK),
    ),
    Lemma(
        id="lr-inverse-small-shift-operator",
        title="A small model shift gives an analytic inverse of the step (operator-norm reading)",
        statement=r"If $\|\lambda l\|_2 = |\lambda|\,|x|^2 < 1$ (the operator norm of the linear part of $\lambda g_z$, "
        r"$\lambda \in \mathbb{R}$), then $\det(I - \lambda xx^\top) = 1 - \lambda|x|^2 > 0$ and $\Phi_z$ has the "
        r"analytic inverse "
        r"$\Phi_z^{-1}(\theta_{t+1}) = \tilde\theta + \frac{\lambda}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x$.",
        source=SECTION,
        as_written=True,
        quote=r"Assuming that the model shift is small ($||\lambda g_z|| < 1$), there is an analytical inverse of $\Phi_z$.",
        claim="lr-inverse-small-shift",
        reading="operator norm: ||lr l|| = lr|x|^2 of the map lr g_z",
        assumptions=("|lr||x|^2 < 1, x != 0 (lr in R: the norm of lr x x^T is |lr||x|^2)",),
        interpretation="||lr g_z|| read as the norm of the map lr g_z, i.e. of its linear part lr l = lr x x^T (the "
        "Lipschitz constant of lr g_z): the premise is lr|x|^2 < 1, and then the step is invertible. "
        "The sufficient side of lr-inverse-iff.",
        uses=("lr-inverse-iff",),
        checks=(
            SympyProof(
                "operator-norm-and-determinant",
                _prove_operator_norm_inverse,
                "sympy, dimension 3 (x and x cross u spanning x^perp): ||lr x x^T||_2 = lr|x|^2, det = 1 - q > 0 "
                "for q < 1, and the Sherman-Morrison product",
                coverage=every_size("all p (eigenvectors x and v with v.x = 0: 2 vectors in R^3)"),
            ),
            oracle_property("roundtrip-under-premise", linear_points(), _operator_small_inverse),
        ),
    ),
    Lemma(
        id="neumann-converges-small-shift-operator",
        title="A small model shift makes the Neumann series of the inverse converge to theta (operator-norm reading, the draft's theta~)",
        statement=r"If $\|\lambda l\|_2 = |\lambda|\,|x|^2 < 1$, then with the draft's $\tilde\theta := \Phi_z(\theta) + \lambda yx$ "
        r"the series $\sum_{k\ge0}\lambda^k l^k(\tilde\theta)$ converges to $\theta$.",
        source=SECTION,
        as_written=True,
        quote=r"Assuming that the model shift is small ($||\lambda g_z|| < 1$), there is an analytical inverse of $\Phi_z$. Indeed, $\tilde{\theta} := \Phi_z(\theta) + \lambda y x = \theta - \lambda l(\theta)$ is a linear function of $\theta$ inversed by $\theta = \displaystyle \sum_{k=0}^{\infty} \lambda^k l^k (\tilde \theta)",
        claim="neumann-converges-small-shift",
        reading="operator norm: ||lr l|| = lr|x|^2 of the map lr g_z",
        assumptions=("|lr||x|^2 < 1, x != 0 (the operator-norm premise; lr in R)", "theta~ as the draft defines it"),
        interpretation="The usual Neumann-series condition ||lr l|| < 1 makes the series converge, but with the "
        "draft's theta~ (label term added) the limit is theta + 2 lr y (I - lr x x^T)^{-1} x, not theta: "
        "refuted whenever y != 0 (the sign error of tilde-theta-as-written). The package's earlier "
        "encoding used the corrected theta~ = theta_{t+1} - lr y x and was proved; that is now the "
        "corrected lemma neumann-converges-operator-corrected.",
        uses=("neumann-converges-iff", "tilde-theta-as-written"),
        checks=(oracle_property("limit-is-theta", linear_points(), _draft_tilde_limit, examples=(_DRAFT_TILDE_CASE,)),),
        corrected_by=("neumann-converges-operator-corrected",),
        counterexample=Counterexample("limit-is-theta", _DRAFT_TILDE_CASE, found_by="example"),
    ),
    Lemma(
        id="neumann-converges-operator-corrected",
        title="Under the operator-norm premise the Neumann series of the corrected theta~ converges to theta_t",
        statement=r"If $\|\lambda l\|_2 = |\lambda|\,|x|^2 < 1$, then with $\tilde\theta = \theta_{t+1} - \lambda yx$ "
        r"(tilde-theta-corrected) $\sum_{k\ge0}\lambda^k l^k(\tilde\theta)$ converges to "
        r"$\Phi_z^{-1}(\theta_{t+1}) = \theta_t$, geometrically at the rate $|\lambda|\,|x|^2$.",
        source=SECTION,
        as_written=False,
        assumptions=("|lr||x|^2 < 1, x != 0 (lr in R)", "theta~ = theta_{t+1} - lr y x (the label term subtracted)"),
        interpretation="The correction of neumann-converges-small-shift-operator: the draft's claim with its theta~ "
        "fixed as tilde-theta-corrected says.",
        uses=("neumann-converges-iff", "tilde-theta-corrected"),
        checks=(
            SympyProof(
                "geometric-limit",
                _prove_neumann_limit,
                "sympy: partial sums by induction on symbolic K (neumann-converges-iff) and their limit for "
                "0 < q < 1 written q = exp(-s), s > 0; lr < 0 (-1 < q < 0) by the 60-digit property",
                coverage=every_size("all p, all K (scalar coefficient; induction on K)"),
            ),
            oracle_property("terms-shrink-under-premise", linear_points(), _operator_small_neumann),
        ),
    ),
    Lemma(
        id="neumann-converges-iff",
        title="The Neumann series converges iff |lr| |x|^2 < 1 or theta~ . x = 0 (lr in R)",
        statement=r"For $\lambda \in \mathbb{R}$: $l^k(v) = |x|^{2(k-1)}(v\cdot x)x$ ($k \ge 1$), so with $q = \lambda|x|^2$: "
        r"$S_K = \sum_{k=0}^K\lambda^k l^k(\tilde\theta) = \tilde\theta + \lambda\frac{1-q^K}{1-q}(\tilde\theta\cdot x)x$. "
        r"It converges iff $|q| < 1$ (for $\lambda > 0$: $q < 1$) or $\tilde\theta\cdot x = 0$, to "
        r"$\Phi_z^{-1}(\theta_{t+1})$, with error "
        r"$\Phi_z^{-1}(\theta_{t+1}) - S_K = \frac{q^{K+1}}{1-q}\frac{(\tilde\theta\cdot x)x}{|x|^2}$.",
        source=SECTION,
        as_written=False,
        assumptions=("lr in R, the draft's domain (either sign)", "theta~ = theta_{t+1} - lr y x"),
        interpretation="For |q| >= 1 and theta~.x != 0 the k-th term has norm |lr| |q|^(k-1) |theta~.x| |x|, which does "
        "not tend to 0, so the series diverges; for |q| < 1, q^K -> 0 and the error formula gives the "
        "limit. The criterion q < 1 that the package first stated assumed lr > 0: over the draft's lr in "
        "R it is neumann-converges-iff-any-lr, refuted at lr = -2, |x| = 1.",
        uses=("lr-inverse-iff", "lr-gradient-affine"),
        checks=(
            SympyProof(
                "power-formula",
                _prove_power_formula,
                "sympy induction on symbolic k, dimension 2 (vectors v, x)",
                coverage=every_size("all p, all k (2 vectors in R^2; induction on k)"),
            ),
            SympyProof(
                "partial-sums",
                _prove_partial_sums,
                "sympy induction on symbolic K for the coefficient of (theta~.x) x, and the truncation error, "
                "with a real (either-sign) lr",
                coverage=every_size("all p, all K (scalar coefficient; induction on K)"),
            ),
            oracle_property(
                "criterion-60-digits",
                linear_points(64, signed=True),
                lambda case: _neumann_criterion(case, True),
                signed_ranges(RANGES).replace("p in [1, 512]", "p in [1, 64]"),
                examples=(_NEGATIVE_LR_NEUMANN,),
            ),
            oracle_property(
                "float64-neumann",
                iteration_points(signed=False),
                _neumann_float64,
                positive_ranges(ITERATION_RANGES),
                examples=UNDERFLOW_EXAMPLES,
            ),
            oracle_property(
                "closed-form-60-digits",
                iteration_points(ITERATION_ORACLE_MAX_DIM, signed=False),
                _neumann_closed_form,
                positive_ranges(ITERATION_ORACLE_RANGES),
            ),
        ),
    ),
    Lemma(
        id="neumann-converges-iff-any-lr",
        title="The Neumann series converges iff lr |x|^2 < 1, the sign of lr unsaid (read over lr in R)",
        statement=r"For every $\lambda \in \mathbb{R}$ (the draft's domain): $\sum_k\lambda^k l^k(\tilde\theta)$ converges "
        r"iff $\lambda|x|^2 < 1$ or $\tilde\theta\cdot x = 0$.",
        source=SECTION,
        as_written=False,
        assumptions=("lr in R, the draft's domain: the premise lr > 0 was left unsaid", "x != 0"),
        interpretation="The package's earlier criterion, over the draft's lr in R: refuted at lr = -2, |x| = 1 "
        "(lr|x|^2 = -2 < 1, the terms double). Corrected by neumann-converges-iff (|q| < 1).",
        checks=(
            oracle_property(
                "criterion-unsigned",
                linear_points(64, signed=True),
                lambda case: _neumann_criterion(case, False),
                signed_ranges(RANGES).replace("p in [1, 512]", "p in [1, 64]"),
                examples=(_NEGATIVE_LR_NEUMANN,),
            ),
        ),
        corrected_by=("neumann-converges-iff",),
        counterexample=Counterexample("criterion-unsigned", _NEGATIVE_LR_NEUMANN, found_by="example"),
    ),
    Lemma(
        id="tilde-theta-as-written",
        title="The draft's shifted point: the sign of the label term",
        statement=r"$\tilde\theta := \Phi_z(\theta) + \lambda y x = \theta - \lambda l(\theta)$, with "
        r"$l(v) = (v\cdot x)x$.",
        source=SECTION,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        quote=r"$\tilde{\theta} := \Phi_z(\theta) + \lambda y x = \theta - \lambda l(\theta)$",
        interpretation="Read with the draft's own l (the linear part of g_z, 'g_z(theta) = l(theta) - y x'). Since "
        "Phi_z(theta) = theta - lr l(theta) + lr y x, the two sides differ by 2 lr y x: the label term "
        "must be subtracted. The package's inversion lemmas (lr-inverse-iff, neumann-*) use the "
        "corrected point theta~ = theta_{t+1} - lr y x and say so in their statements.",
        checks=(oracle_property("definition-60-digits", linear_points(), _tilde_as_written),),
        corrected_by=("tilde-theta-corrected",),
        counterexample=Counterexample("definition-60-digits", {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 1.0}),
    ),
    Lemma(
        id="tilde-theta-corrected",
        title="The shifted point with the label term subtracted",
        statement=r"$\Phi_z(\theta) - \lambda y x = \theta - \lambda l(\theta)$; the draft's "
        r"$\Phi_z(\theta) + \lambda y x$ exceeds it by $2\lambda y x$.",
        source=SECTION,
        as_written=False,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr in R, the draft's domain (either sign)"),
        checks=(
            SympyProof(
                "identity",
                _prove_tilde_corrected,
                "sympy identity on draft_step, dimension 2 (vectors theta, x; see theory.checking.building_blocks for why "
                "that suffices for every p)",
                coverage=vectors_span(2),
            ),
            oracle_property("identity-60-digits", linear_points(), _tilde_corrected),
        ),
    ),
    Lemma(
        id="neumann-first-order",
        title="First-order truncation of the Neumann series",
        statement=r"$\Phi_z^{-1}(\theta_{t+1}) - (\tilde\theta + \lambda(\tilde\theta\cdot x)x) = "
        r"\frac{\lambda^2|x|^2}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x = O(\lambda^2)$.",
        source=SECTION,
        as_written=True,
        assumptions=(
            "linear regression, theta, x in R^p, any p; y in R",
            "lr in R, the draft's domain (either sign)",
            "lr|x|^2 != 1; O(lr^2) as lr -> 0 at fixed theta~, x",
        ),
        quote=r"\sum_{k=0}^{\infty} \lambda^k l^k (\tilde \theta) \approx \tilde{\theta} + \lambda (\tilde{\theta} \cdot x) x$",
        interpretation="The draft's '~=' is read as a first-order approximation in lr; the exact error is given.",
        uses=("neumann-converges-iff", "lr-inverse-iff"),
        checks=(
            SympyProof(
                "error-formula",
                _prove_first_order,
                "sympy on draft_inverse_step, dimension 2 (vectors theta~, x), and the limit of error/lr^2 at fixed theta~",
                coverage=vectors_span(2),
            ),
        ),
    ),
    Lemma(
        id="step-non-injective",
        title="At lr |x|^2 = 1 the step is not injective",
        statement=r"If $\lambda|x|^2 = 1$ then $\Phi_z(\theta + sx) = \Phi_z(\theta)$ for all $s\in\mathbb{R}$.",
        source=SECTION,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "lr|x|^2 = 1 (so lr > 0, x != 0)", "s in R"),
        quote=r"Furthermore, $\Phi_{z_t}$ may well be non-injective.",
        interpretation="The draft: 'Phi_{z_t} may well be non-injective'; made precise as: it happens already in "
        "linear regression, exactly at lr|x|^2 = 1 (Phi_z then projects onto the hyperplane theta.x = y).",
        uses=("lr-gradient-affine",),
        checks=(
            SympyProof(
                "collapse-along-x",
                _prove_non_injective,
                "sympy on draft_step with lr = 1/|x|^2, dimension 2 (vectors theta, x), symbolic s",
                coverage=vectors_span(2),
            ),
        ),
    ),
)
