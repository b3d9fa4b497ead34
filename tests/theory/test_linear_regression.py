"""theory.models.linear_regression: float64 results against the 60-digit mpmath oracle, and input validation.

Every comparison uses the float64 error model of :mod:`theory.checking.error_model`: ``gamma(depth)`` times the
absolute-value evaluation of the expression (inputs replaced by their absolute values, subtractions
by additions), for polynomial computations; divisions by ``d = 1 - lr|x|^2`` add the condition factor
``1/|d|`` of :func:`theory.lemmas.single_step_inversion.sherman_morrison_magnitude`, valid while the
computed ``d`` keeps half its value (:func:`~theory.lemmas.single_step_inversion.sherman_morrison_regime`).
The oracle converts every float64 input exactly and evaluates at 60 digits.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from theory.checking.building_blocks import mp_case
from theory.checking.error_model import UNIT_ROUNDOFF, oracle_tolerance
from theory.checking.inversion_bounds import (
    fixed_point_reference,
    float_identity_with_underflow,
    neumann_reference,
    sherman_morrison_magnitude,
    sherman_morrison_regime,
    sherman_morrison_underflow,
    underflow_allowance,
)
from theory.checking.oracle import abs_vector, precision

# signed=False: the float64 implementations' domain is lr > 0 (ascent has its own functions); the lemmas draw
# from the draft's lambda in R (theory.checking.strategies).
from theory.checking.strategies import learning_rates, linear_points, near_singular_points, point_pairs
from theory.models import linear_regression as lr_module
from theory.models.linear_regression import (
    ascent_error_closed_form,
    ascent_step,
    commutator,
    commutator_closed_form,
    commutator_core,
    descent_step,
    descent_then_ascent,
    exact_ascent_rate,
    fixed_point_inverse,
    gradient,
    gradient_core,
    hessian,
    hyperplane_projection,
    inverse_step,
    loss,
    neumann_inverse,
    residual,
    residual_core,
    step_core,
)


# ----------------------------------------------------------------------------- oracle helpers
def _abs_point(c):
    """|theta|, |x| and -|y|: running a core on these gives its absolute-value evaluation."""
    return abs_vector(c["theta"]), abs_vector(c["x"]), -abs(c["y"])


def _one_step_abs(c):
    """Absolute-value evaluation of one descent step: |theta| + lr (|theta|.|x| + |y|) |x|."""
    abs_theta, abs_x, neg_abs_y = _abs_point(c)
    return step_core(abs_theta, abs_x, neg_abs_y, -c["lr"])


def _assert_close(computed, exact, magnitude, depth, underflow=0.0):
    """float64 vs 60 digits within gamma(depth) * magnitude (+ the underflow allowance of lr-heavy computations)."""
    outcome = float_identity_with_underflow(
        np.atleast_1d(computed), np.atleast_1d(np.asarray(exact, dtype=object)), magnitude, depth, underflow
    )
    assert outcome.holds, outcome.detail


def _max(values) -> mpmath.mpf:
    return max(abs(value) for value in np.atleast_1d(np.asarray(values, dtype=object)).ravel())


# ----------------------------------------------------------------------------- float64 vs oracle
@given(linear_points(signed=False))
def test_residual_loss_gradient_match_the_oracle(case):
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        r_abs = residual_core(abs_theta, abs_x, neg_abs_y)  # sum |theta_i x_i| + |y|
        exact_r = residual_core(c["theta"], c["x"], c["y"])
        _assert_close(residual(case["theta"], case["x"], case["y"]), exact_r, r_abs, dim + 1)
        _assert_close(loss(case["theta"], case["x"], case["y"]), exact_r**2 / 2, r_abs**2 / 2, dim + 3)
        _assert_close(
            gradient(case["theta"], case["x"], case["y"]),
            gradient_core(c["theta"], c["x"], c["y"]),
            _max(r_abs * abs_x),
            dim + 2,
        )


@given(linear_points(max_dim=16, signed=False))
def test_hessian_is_the_outer_product(case):
    with precision():
        c = mp_case(case)
        exact = np.array([[a * b for b in c["x"]] for a in c["x"]], dtype=object)
        _assert_close(hessian(case["x"]).ravel(), exact.ravel(), _max(exact), 1)


@given(linear_points(max_dim=128, signed=False), learning_rates(signed=False))
def test_descent_ascent_and_their_composition_match_the_oracle(case, ascent_lr):
    with precision():
        c = mp_case(case)
        dim, mu = len(c["x"]), mpmath.mpf(ascent_lr)
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        one_abs = _one_step_abs(c)
        _assert_close(
            descent_step(case["theta"], case["x"], case["y"], case["lr"]),
            step_core(c["theta"], c["x"], c["y"], c["lr"]),
            _max(one_abs),
            dim + 4,
        )
        _assert_close(
            ascent_step(case["theta"], case["x"], case["y"], case["lr"]),
            step_core(c["theta"], c["x"], c["y"], -c["lr"]),
            _max(one_abs),
            dim + 4,
        )
        theta1 = step_core(c["theta"], c["x"], c["y"], c["lr"])
        for rate, rate_arg in ((c["lr"], None), (mu, ascent_lr)):
            two_abs = step_core(one_abs, abs_x, neg_abs_y, -rate)
            _assert_close(
                descent_then_ascent(case["theta"], case["x"], case["y"], case["lr"], ascent_lr=rate_arg),
                step_core(theta1, c["x"], c["y"], -rate),
                _max(two_abs),
                2 * dim + 8,
            )


@given(linear_points(signed=False))
def test_ascent_error_closed_form_matches_the_oracle_and_the_composition(case):
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        exact = -(c["lr"] ** 2) * residual_core(c["theta"], c["x"], c["y"]) * c["x"].dot(c["x"]) * c["x"]
        magnitude = _max(c["lr"] ** 2 * residual_core(abs_theta, abs_x, neg_abs_y) * abs_x.dot(abs_x) * abs_x)
        _assert_close(
            ascent_error_closed_form(case["theta"], case["x"], case["y"], case["lr"]), exact, magnitude, 2 * dim + 5
        )
        # the closed form is the exact theta_2 - theta_0 (lemma ga-linear-error): same value at 60 digits
        theta2 = step_core(step_core(c["theta"], c["x"], c["y"], c["lr"]), c["x"], c["y"], -c["lr"])
        oracle_magnitude = magnitude + _max(abs_theta) + _max(step_core(_one_step_abs(c), abs_x, neg_abs_y, -c["lr"]))
        assert _max(theta2 - c["theta"] - exact) <= oracle_tolerance(4 * dim + 16, float(oracle_magnitude))


@given(near_singular_points(signed=False))
def test_exact_ascent_rate_matches_the_oracle(case):
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        assume(sherman_morrison_regime(c, UNIT_ROUNDOFF))
        q = c["lr"] * c["x"].dot(c["x"])
        d = abs(1 - q)
        # lr / d_hat: the computed d errs by gamma(p+2)(1+q) <= |d|/2, so 1/d_hat errs by 2 gamma(p+2)(1+q)/d^2
        _assert_close(
            exact_ascent_rate(case["x"], case["lr"]), c["lr"] / (1 - q), c["lr"] / d * (1 + 2 * (1 + q) / d), dim + 4
        )


@given(near_singular_points(signed=False))
def test_inverse_step_matches_the_oracle_up_to_its_condition_number(case):
    with precision():
        c = mp_case(case)
        assume(sherman_morrison_regime(c, UNIT_ROUNDOFF))
        magnitude = sherman_morrison_magnitude(c)
        _assert_close(
            inverse_step(case["theta"], case["x"], case["y"], case["lr"]),
            lr_module.inverse_step_core(c["theta"], c["x"], c["y"], c["lr"]),
            magnitude,
            len(c["x"]) + 12,
            sherman_morrison_underflow(c, magnitude),
        )


@given(linear_points(signed=False), st.integers(0, 20))
def test_neumann_inverse_matches_the_exact_partial_sum(case, terms):
    norm2 = float(np.dot(case["x"], case["x"]))
    assume(case["lr"] * norm2 <= 10.0)  # q^K stays finite in float64
    with precision():
        c = mp_case(case)
        depth = terms * (len(c["x"]) + 3) + 3
        _assert_close(
            neumann_inverse(case["theta"], case["x"], case["y"], case["lr"], terms),
            neumann_reference(c, terms),
            _max(neumann_reference(c, terms, absolute=True)),
            depth,
            underflow_allowance(c, depth, terms),
        )


@given(linear_points(signed=False), st.integers(0, 20))
def test_fixed_point_inverse_matches_the_exact_iterate(case, iterations):
    norm2 = float(np.dot(case["x"], case["x"]))
    assume(case["lr"] * norm2 <= 10.0)
    with precision():
        c = mp_case(case)
        depth = iterations * (len(c["x"]) + 4)
        _assert_close(
            fixed_point_inverse(case["theta"], case["x"], case["y"], case["lr"], iterations),
            fixed_point_reference(c, iterations),
            _max(fixed_point_reference(c, iterations, absolute=True)),
            depth,
            underflow_allowance(c, depth, iterations),
        )


@given(linear_points(max_dim=16, signed=False), st.integers(0, 8))
def test_fixed_point_inverse_from_a_given_start(case, iterations):
    start = [0.5 * value for value in case["theta"]]
    with precision():
        c = mp_case(case)
        mp_start = mp_case({"s": start})["s"]
        exact = lr_module.fixed_point_core(c["theta"], c["x"], c["y"], c["lr"], iterations, mp_start)
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        magnitude = _max(
            lr_module.fixed_point_core(abs_theta, abs_x, neg_abs_y, c["lr"], iterations, abs_vector(mp_start))
        )
        depth = iterations * (len(c["x"]) + 4)
        _assert_close(
            fixed_point_inverse(case["theta"], case["x"], case["y"], case["lr"], iterations, start=start),
            exact,
            magnitude,
            depth,
            underflow_allowance(c, depth, iterations),
        )


@given(point_pairs(max_dim=128, signed=False))
def test_commutator_and_its_closed_form_match_the_oracle(case):
    args = (case["theta"], case["x"], case["y"], case["x2"], case["y2"], case["lr"])
    with precision():
        c = mp_case(case)
        dim = len(c["x"])
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        abs_x2, neg_abs_y2 = abs_vector(c["x2"]), -abs(c["y2"])
        exact = commutator_core(c["theta"], c["x"], c["y"], c["x2"], c["y2"], c["lr"])
        first = step_core(step_core(abs_theta, abs_x2, neg_abs_y2, -c["lr"]), abs_x, neg_abs_y, -c["lr"])
        second = step_core(step_core(abs_theta, abs_x, neg_abs_y, -c["lr"]), abs_x2, neg_abs_y2, -c["lr"])
        _assert_close(commutator(*args), exact, _max(first + second), 2 * dim + 9)
        r, r2 = residual_core(c["theta"], c["x"], c["y"]), residual_core(c["theta"], c["x2"], c["y2"])
        closed = c["lr"] ** 2 * c["x"].dot(c["x2"]) * (r2 * c["x"] - r * c["x2"])
        closed_abs = (
            c["lr"] ** 2
            * abs_x.dot(abs_x2)
            * (
                residual_core(abs_theta, abs_x2, neg_abs_y2) * abs_x
                + residual_core(abs_theta, abs_x, neg_abs_y) * abs_x2
            )
        )
        _assert_close(commutator_closed_form(*args), closed, _max(closed_abs), 2 * dim + 6)


@given(linear_points(signed=False))
def test_hyperplane_projection_matches_the_oracle(case):
    assume(float(np.dot(case["x"], case["x"])) >= np.finfo(np.float64).tiny)  # else it raises (test below)
    with precision():
        c = mp_case(case)
        abs_theta, abs_x, neg_abs_y = _abs_point(c)
        norm2 = c["x"].dot(c["x"])
        exact = c["theta"] - gradient_core(c["theta"], c["x"], c["y"]) / norm2
        magnitude = _max(abs_theta + residual_core(abs_theta, abs_x, neg_abs_y) * abs_x / norm2)
        projected = hyperplane_projection(case["theta"], case["x"], case["y"])
        _assert_close(projected, exact, magnitude, len(c["x"]) + 4)


# ----------------------------------------------------------------------------- bad input
THETA, X, Y, LR = [0.5, -1.0], [1.0, 2.0], 0.25, 0.1
BAD_INPUTS = [
    ("theta", residual, ([[0.5, -1.0]], X, Y)),
    ("theta", gradient, ([], X, Y)),
    ("x", loss, (THETA, [1.0, 2.0, 3.0], Y)),
    ("x", gradient, (THETA, [1.0, math.nan], Y)),
    ("y", residual, (THETA, X, math.inf)),
    ("y", descent_step, (THETA, X, "a", LR)),
    ("x", hessian, ([[1.0]],)),
    ("lr", descent_step, (THETA, X, Y, 0.0)),
    ("lr", ascent_step, (THETA, X, Y, -0.1)),
    ("lr", ascent_error_closed_form, (THETA, X, Y, math.nan)),
    ("ascent_lr", descent_then_ascent, (THETA, X, Y, LR, 0.0)),
    ("lr", exact_ascent_rate, (X, -1.0)),
    ("lr", inverse_step, (THETA, X, Y, math.inf)),
    ("theta", inverse_step, ([math.nan, 0.0], X, Y, LR)),
    ("terms", neumann_inverse, (THETA, X, Y, LR, -1)),
    ("terms", neumann_inverse, (THETA, X, Y, LR, 1.5)),
    ("iterations", fixed_point_inverse, (THETA, X, Y, LR, -2)),
    ("start", fixed_point_inverse, (THETA, X, Y, LR, 3, [0.0])),
    ("x_other", commutator, (THETA, X, Y, [1.0], 0.0, LR)),
    ("y_other", commutator_closed_form, (THETA, X, Y, X, math.nan, LR)),
    ("lr", commutator, (THETA, X, Y, X, 0.0, 0)),
    ("x", hyperplane_projection, (THETA, [0.0, 0.0], Y)),
    ("x", hyperplane_projection, ([0.0], [6.060749215127707e-247], Y)),  # |x|^2 underflows (shrunk by Hypothesis)
    ("x", hyperplane_projection, ([0.0], [1e-160], Y)),  # |x|^2 subnormal
]


@pytest.mark.parametrize(
    "argument, function, args",
    BAD_INPUTS,
    ids=[f"{function.__name__}-{argument}-{index}" for index, (argument, function, _) in enumerate(BAD_INPUTS)],
)
def test_bad_input_raises_value_error_naming_the_argument(argument, function, args):
    with pytest.raises(ValueError, match=rf"\b{argument}\b"):
        function(*args)


@pytest.mark.parametrize("x, lr", [([1.0], 1.0), ([0.5, 0.5, 0.5, 0.5], 1.0), ([2.0], 0.25), ([0.0, 0.25, 0.0], 16.0)])
def test_inverse_step_and_exact_rate_refuse_the_singular_step(x, lr):
    """lr |x|^2 == 1 exactly (powers of two): Phi_z is not invertible (lemma step-non-injective)."""
    assert lr * float(np.dot(x, x)) == 1.0
    with pytest.raises(ValueError, match="lr"):
        inverse_step([0.0] * len(x), x, 0.5, lr)
    with pytest.raises(ValueError, match="lr"):
        exact_ascent_rate(x, lr)
    # and the step really collapses the direction x: two preimages, one image
    theta = np.zeros(len(x))
    assert np.array_equal(descent_step(theta, x, 0.5, lr), descent_step(theta + np.asarray(x), x, 0.5, lr))


def test_every_public_function_on_a_dyadic_case_is_exact():
    """theta = (1, 2), x = (2, -1), y = 1/2, lr = 1/8: every intermediate is a short dyadic rational, so
    float64 computes each result exactly (no rounding: the error model's bound is 0) and equality is the
    right comparison. Kills sign flips (an ascent step turned into descent), swapped operands and
    changed constants that the fuzzed tests, comparing two float64 paths, can miss."""
    from theory.models import linear_regression as lin

    theta, x, y, lr = [1.0, 2.0], [2.0, -1.0], 0.5, 0.125
    assert lin.residual(theta, x, y) == -0.5 and lin.loss(theta, x, y) == 0.125
    assert lin.gradient(theta, x, y).tolist() == [-1.0, 0.5]
    assert lin.hessian(x).tolist() == [[4.0, -2.0], [-2.0, 1.0]]
    assert lin.descent_step(theta, x, y, lr).tolist() == [1.125, 1.9375]
    assert lin.ascent_step(theta, x, y, lr).tolist() == [0.875, 2.0625]
    assert lin.descent_then_ascent(theta, x, y, lr).tolist() == [1.078125, 1.9609375]
    assert lin.ascent_error_closed_form(theta, x, y, lr).tolist() == [0.078125, -0.0390625]
    assert lin.descent_then_ascent(theta, x, y, lr, ascent_lr=0.25).tolist() == [1.03125, 1.984375]
    assert lin.exact_ascent_rate([1.0, 1.0], 0.25) == 0.5  # lr / (1 - lr |x|^2) = 0.25 / 0.5
    assert lin.descent_then_ascent(theta, [1.0, 1.0], y, 0.25, ascent_lr=0.5).tolist() == theta
    theta_next = lin.descent_step(theta, [1.0, 1.0], y, 0.25)
    assert lin.inverse_step(theta_next, [1.0, 1.0], y, 0.25).tolist() == theta
    assert theta_next.tolist() == [0.375, 1.375]  # residual 5/2
    assert lin.neumann_inverse(theta_next, [1.0, 1.0], y, 0.25, 0).tolist() == [0.25, 1.25]  # theta_next - lr y x
    assert lin.neumann_inverse(theta_next, [1.0, 1.0], y, 0.25, 1).tolist() == [0.625, 1.625]  # + lr (v.x) x
    assert lin.fixed_point_inverse(theta_next, [1.0, 1.0], y, 0.25, 0).tolist() == theta_next.tolist()
    assert (
        lin.commutator(theta, x, y, [1.0, 1.0], 0.0, lr).tolist()
        == lin.commutator_closed_form(theta, x, y, [1.0, 1.0], 0.0, lr).tolist()
        == [0.1015625, -0.0390625]
    )  # lr^2 (x.x')(r' x - r x') = (6.5, -2.5) / 64
    assert lin.hyperplane_projection(theta, [1.0, 1.0], y).tolist() == [-0.25, 0.75]  # theta - (5/2) x / 2


@pytest.mark.parametrize("function", ["commutator", "commutator_closed_form"])
def test_the_second_point_of_a_commutator_is_validated_by_name(function):
    from theory.models import linear_regression as lin

    call = getattr(lin, function)
    with pytest.raises(ValueError, match="x_other"):
        call([1.0, 2.0], [2.0, -1.0], 0.5, [float("nan"), 1.0], 0.0, 0.125)
    with pytest.raises(ValueError, match="x_other"):
        call([1.0, 2.0], [2.0, -1.0], 0.5, [1.0], 0.0, 0.125)  # wrong dimension
    with pytest.raises(ValueError, match="y_other"):
        call([1.0, 2.0], [2.0, -1.0], 0.5, [1.0, 1.0], float("inf"), 0.125)
