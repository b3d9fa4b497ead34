"""theory.models.second_order: predictions against exact closed forms, the logistic remainder, bad input.

References: for linear regression the predictions must equal the package's independent closed forms
(theory.models.linear_regression.ascent_error_closed_form and commutator_closed_form, derived by hand); for a
quadratic loss with a full matrix the prediction equals the exact two-step result (lemmas
ascent-error-quadratic, commutator-quadratic), checked at 60 digits; for logistic regression the exact
result lies within the Taylor remainder bound of the prediction, and a wrong-sign prediction does not.
Float64 results are compared with their 60-digit value under the float64 error model.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.checking.building_blocks import mp_case
from theory.checking.error_model import float64_tolerance, oracle_tolerance
from theory.checking.oracle import abs_vector, mp_max_abs, mp_norm, mp_vector, precision
from theory.checking.strategies import dimensions, point_pairs, vectors
from theory.models import linear_regression as linear
from theory.models import logistic_regression as logistic
from theory.models import second_order

TINY = float(np.finfo(np.float64).tiny)


def _linear_callables(x, y):
    return (lambda theta: linear.gradient_core(theta, x, y), lambda theta, v: np.dot(x, v) * x)


def _logistic_callables(x, y):
    return (
        lambda theta: logistic.gradient_core(theta, x, y),
        lambda theta, v: logistic.hessian_vector_product_core(theta, x, y, v),
    )


def _closed_form_magnitude(case) -> float:
    """Absolute-value evaluation of lr^2 (x.x') (r' x - r x') and of lr^2 r |x|^2 x."""
    with precision():
        c = mp_case(case)
        ax, ax2, at = abs_vector(c["x"]), abs_vector(c["x2"]), abs_vector(c["theta"])
        r, r2 = at.dot(ax) + abs(c["y"]), at.dot(ax2) + abs(c["y2"])
        x_max, x2_max = mp_max_abs(c["x"]), mp_max_abs(c["x2"])
        return float(c["lr"] ** 2 * (ax.dot(ax2) * (r2 * x_max + r * x2_max) + r * ax.dot(ax) * x_max))


# ----------------------------------------------------------------------------- linear regression: exact special case
@given(point_pairs(signed=False))  # the float64 second-order functions take lr > 0
def test_predictions_reduce_to_the_linear_regression_closed_forms(case):
    """Float64 predictions with H = x x^T agree with the hand-derived closed forms within the float64 model."""
    theta, x, x2 = (np.asarray(case[key], dtype=float) for key in ("theta", "x", "x2"))
    y, y2, lr = case["y"], case["y2"], case["lr"]
    gradient_b, hvp_b = _linear_callables(x, y)  # B = z = (x, y) applied last in the first term
    gradient_a, hvp_a = _linear_callables(x2, y2)
    depth = 2 * len(x) + 12
    tolerance = 2 * float64_tolerance(depth, _closed_form_magnitude(case))
    ascent = second_order.ascent_error_prediction(gradient_b, hvp_b, theta, lr)
    assert np.all(np.abs(ascent - linear.ascent_error_closed_form(theta, x, y, lr)) <= tolerance)
    commutator = second_order.commutator_prediction(gradient_a, hvp_a, gradient_b, hvp_b, theta, lr)
    assert np.all(np.abs(commutator - linear.commutator_closed_form(theta, x, y, x2, y2, lr)) <= tolerance)


# ----------------------------------------------------------------------------- full quadratic: exact at 60 digits
@st.composite
def _quadratics(draw):
    dim = draw(dimensions(max_dim=8))
    square = [draw(vectors(dim)) for _ in range(2 * dim)]
    return {
        "a_rows": square[:dim],
        "b_rows": square[dim:],
        "a": draw(vectors(dim)),
        "b": draw(vectors(dim)),
        "theta": draw(vectors(dim)),
        "lr": draw(st.floats(1e-4, 1.0)),
    }


@given(_quadratics())
def test_quadratic_predictions_are_exact(case):
    with precision():
        hessian_a = np.array([mp_vector(row) for row in case["a_rows"]], dtype=object)
        hessian_b = np.array([mp_vector(row) for row in case["b_rows"]], dtype=object)
        a, b, theta, lr = mp_vector(case["a"]), mp_vector(case["b"]), mp_vector(case["theta"]), mpmath.mpf(case["lr"])
        gradient_a, hvp_a = (lambda t: hessian_a.dot(t) - a), (lambda t, v: hessian_a.dot(v))
        gradient_b, hvp_b = (lambda t: hessian_b.dot(t) - b), (lambda t, v: hessian_b.dot(v))
        dim = len(theta)
        # entries of A, B, a, b, theta are <= 1 and lr <= 1: every intermediate is below (1 + dim)^3
        tolerance = oracle_tolerance(6 * dim + 20, (1 + dim) ** 3)
        ascent_gap = mp_max_abs(
            second_order.ascent_error_exact_core(gradient_a, theta, lr)
            - second_order.ascent_error_prediction_core(gradient_a, hvp_a, theta, lr)
        )
        commutator_gap = mp_max_abs(
            second_order.commutator_exact_core(gradient_a, gradient_b, theta, lr)
            - second_order.commutator_prediction_core(gradient_a, hvp_a, gradient_b, hvp_b, theta, lr)
        )
        assert ascent_gap <= tolerance and commutator_gap <= tolerance


# ----------------------------------------------------------------------------- logistic regression
@pytest.mark.parametrize("lr", [1e-2, 1e-4, 1e-6])
def test_logistic_remainder_is_third_order_and_discriminates(lr):
    """|exact - prediction| <= lr^3 c3 (x.g)^2 |x| / 2, while a wrong-sign prediction breaks that bound."""
    with precision():
        theta, x = mp_vector([0.3, -0.2, 0.1]), mp_vector([1.5, 2.0, -1.0])
        gradient, hvp = _logistic_callables(x, mpmath.mpf(-1))
        rate = mpmath.mpf(lr)
        exact = second_order.ascent_error_exact_core(gradient, theta, rate)
        predicted = second_order.ascent_error_prediction_core(gradient, hvp, theta, rate)
        bound = rate**3 * x.dot(gradient(theta)) ** 2 * mp_norm(x) / (12 * mpmath.sqrt(3))
        assert mp_norm(exact - predicted) <= bound
        assert mp_norm(exact + predicted) > bound


@given(
    point_pairs(max_dim=64, signed=False).map(
        lambda case: {**case, "y": 1.0 if case["y"] >= 0 else -1.0, "y2": 1.0 if case["y2"] >= 0 else -1.0}
    )
)
def test_float64_predictions_match_the_60_digit_oracle(case):
    """Public float64 wrappers vs the cores at 60 digits. Logistic gradients and HVPs obey |l'| <= 1,
    |l''| <= 1/4, and carry the relative error expm1(e_s) of the margin (tests/theory/test_logistic_regression.py);
    the magnitude below bounds every intermediate of lr^2 (H_B g_A - H_A g_B) and of -lr^2 H g."""
    theta, x, x2 = (np.asarray(case[key], dtype=float) for key in ("theta", "x", "x2"))
    lr = case["lr"]
    with precision():
        c = mp_case(case)
        cores = [_logistic_callables(c["x"], c["y"]), _logistic_callables(c["x2"], c["y2"])]
        exact_ascent = second_order.ascent_error_prediction_core(*cores[0], c["theta"], c["lr"])
        exact_commutator = second_order.commutator_prediction_core(*cores[1], *cores[0], c["theta"], c["lr"])
        ax, ax2, at = abs_vector(c["x"]), abs_vector(c["x2"]), abs_vector(c["theta"])
        margin_error = float(np.expm1(float64_tolerance(len(x) + 1, float((ax + ax2).dot(at)))))
        magnitude = float(c["lr"] ** 2 * (ax + ax2).dot(ax + ax2) * (mp_max_abs(c["x"]) + mp_max_abs(c["x2"])))
    # + scipy's expit flushes sigmoids below the smallest normal number to 0: an absolute error <= TINY in each of
    # the (at most 6) sigmoid factors of a product bounded by magnitude
    tolerance = float64_tolerance(2 * len(x) + 30, magnitude) + (2 * margin_error + 6 * TINY) * magnitude
    ascent = second_order.ascent_error_prediction(*_logistic_callables(x, case["y"]), theta, lr)
    commutator = second_order.commutator_prediction(
        *_logistic_callables(x2, case["y2"]), *_logistic_callables(x, case["y"]), theta, lr
    )
    for computed, exact in ((ascent, exact_ascent), (commutator, exact_commutator)):
        assert mp_max_abs(computed.astype(object) - exact) <= tolerance


# ----------------------------------------------------------------------------- bad input
def _gradient(theta):
    return theta


def _hvp(theta, v):
    return v


@pytest.mark.parametrize(
    "theta, lr, match",
    [
        ([1.0, np.nan], 0.1, "theta"),
        ([[1.0, 2.0]], 0.1, "theta"),
        ([1.0, 2.0], 0.0, "lr"),
        ([1.0, 2.0], -0.1, "lr"),
        ([1.0, 2.0], np.inf, "lr"),
    ],
)
def test_bad_theta_or_lr_raises(theta, lr, match):
    for call in (
        lambda: second_order.ascent_error_prediction(_gradient, _hvp, theta, lr),
        lambda: second_order.commutator_prediction(_gradient, _hvp, _gradient, _hvp, theta, lr),
        lambda: second_order.ascent_error_exact(_gradient, theta, lr),
        lambda: second_order.commutator_exact(_gradient, _gradient, theta, lr),
    ):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize(
    "gradient, hvp, match",
    [
        ("not callable", _hvp, "gradient"),
        (_gradient, None, "hvp"),
        (lambda theta: theta[:1], _hvp, "gradient"),
        (_gradient, lambda theta, v: v * np.nan, "hvp"),
        (lambda theta: np.outer(theta, theta), _hvp, "gradient"),
    ],
)
def test_bad_callables_raise_naming_them(gradient, hvp, match):
    with pytest.raises(ValueError, match=match):
        second_order.ascent_error_prediction(gradient, hvp, [1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match=match):
        second_order.commutator_prediction(gradient, hvp, _gradient, _hvp, [1.0, 2.0], 0.1)
