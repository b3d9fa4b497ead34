"""theory.models.logistic_regression: bad input, derivatives against sympy, float64 against the 60-digit oracle.

Float64 error model (Higham ch. 3, as in theory.checking.error_model). The margin s = y x.theta is a dot product,
so |fl(s) - s| <= e_s = gamma_{p+1} sum_i |x_i theta_i|. An error e in s changes sigma(-s) and
sigma(s) sigma(-s) by a relative factor at most expm1(|e|) (|d log sigma(-s)/ds| = sigma(s) <= 1,
|d log(sigma(s) sigma(-s))/ds| = |1 - 2 sigma(s)| <= 1) and softplus(-s) by at most |e| absolutely
(its slope is sigma(-s) <= 1). scipy's expit and numpy's logaddexp contribute a few roundings, counted
as operations in the gamma terms below; expit also flushes results below the smallest normal number
TINY to 0, an absolute error of at most TINY in a sigmoid factor, carried by the later products.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given

from theory.checking.building_blocks import mp_case, symbolic_vector
from theory.checking.error_model import float64_tolerance, gamma, oracle_tolerance
from theory.checking.oracle import abs_vector, mp_max_abs, precision

# signed=False: the float64 implementations' domain is lr > 0 (ascent has its own functions); the lemmas draw
# from the draft's lambda in R (theory.checking.strategies).
from theory.checking.strategies import linear_points
from theory.models import logistic_regression as logistic

TINY = float(np.finfo(np.float64).tiny)
GOOD = {"theta": [0.5, -1.0, 2.0], "x": [1.0, 0.25, -0.5], "y": -1.0}


def _labelled(case):
    return {**case, "y": -1.0 if case["y"] < 0 else 1.0}


POINTS = linear_points(signed=False).map(_labelled)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("function", [logistic.margin, logistic.loss, logistic.gradient, logistic.hessian])
@pytest.mark.parametrize(
    "field, value, match",
    [
        ("theta", [[1.0, 2.0, 3.0]], "theta"),
        ("theta", [1.0, np.nan, 0.0], "theta"),
        ("x", [1.0, 2.0], "x"),
        ("x", [1.0, np.inf, 0.0], "x"),
        ("y", 0.5, "y"),
        ("y", 0.0, "y"),
        ("y", np.nan, "y"),
        ("y", "one", "y"),
    ],
)
def test_bad_point_raises_naming_the_argument(function, field, value, match):
    arguments = {**GOOD, field: value}
    with pytest.raises(ValueError, match=match):
        function(arguments["theta"], arguments["x"], arguments["y"])


@pytest.mark.parametrize("lr", [0.0, -1e-3, np.nan, np.inf, "fast"])
@pytest.mark.parametrize("step", [logistic.descent_step, logistic.ascent_step])
def test_bad_learning_rate_raises(step, lr):
    with pytest.raises(ValueError, match="lr"):
        step(GOOD["theta"], GOOD["x"], GOOD["y"], lr)


@pytest.mark.parametrize("v", [[1.0, 2.0], [1.0, np.nan, 0.0], [[1.0, 2.0, 3.0]]])
def test_bad_hvp_direction_raises(v):
    with pytest.raises(ValueError, match="v"):
        logistic.hessian_vector_product(GOOD["theta"], GOOD["x"], GOOD["y"], v)


def test_loss_derivative_order_is_checked():
    with pytest.raises(ValueError, match="order"):
        logistic.loss_derivative_core(0.0, 4)


# ----------------------------------------------------------------------------- an independent reference: sympy
def test_cores_match_sympy_derivatives_at_60_digits():
    """Gradient, Hessian-vector product and third derivative of log(1 + exp(-y x.theta)) by sympy (dimension 3)."""
    theta, x, v = symbolic_vector("theta", 3), symbolic_vector("x", 3), symbolic_vector("v", 3)
    y, s = sympy.symbols("y s", real=True)
    loss = sympy.log(1 + sympy.exp(-y * (theta.T * x)[0]))
    gradient = sympy.Matrix([sympy.diff(loss, entry) for entry in theta])
    hvp = gradient.jacobian(theta) * v
    third = sympy.diff(sympy.log(1 + sympy.exp(-s)), s, 3)
    symbols = [*theta, *x, *v, y]
    as_mp = {
        name: sympy.lambdify(symbols, expression, "mpmath")
        for name, expression in (("loss", loss), ("gradient", gradient), ("hvp", hvp))
    }
    third_mp = sympy.lambdify([s], third, "mpmath")
    rng = np.random.default_rng(20260)
    with precision():
        for label in (-1.0, 1.0):
            values = [float(value) for value in rng.standard_normal(9) * 3]
            c = mp_case({"theta": values[:3], "x": values[3:6], "v": values[6:], "y": label})
            args = [*c["theta"], *c["x"], *c["v"], c["y"]]
            expected = {name: function(*args) for name, function in as_mp.items()}
            got = {
                "loss": logistic.loss_core(c["theta"], c["x"], c["y"]),
                "gradient": logistic.gradient_core(c["theta"], c["x"], c["y"]),
                "hvp": logistic.hessian_vector_product_core(c["theta"], c["x"], c["y"], c["v"]),
            }
            tolerance = oracle_tolerance(60, 1e3)  # |theta|, |x|, |v| <= ~10: every term is below 1e3
            assert abs(got["loss"] - expected["loss"]) <= tolerance
            for name in ("gradient", "hvp"):
                assert mp_max_abs(np.array(expected[name].tolist(), dtype=object).ravel() - got[name]) <= tolerance
            margin = c["y"] * c["x"].dot(c["theta"])
            assert abs(logistic.loss_derivative_core(margin, 3) - third_mp(margin)) <= tolerance


# ----------------------------------------------------------------------------- float64 against the oracle
def _margin_error(c) -> float:
    """e_s: bound on the float64 error of the margin (see the module docstring)."""
    return gamma(len(c["x"]) + 1) * float(abs_vector(c["x"]).dot(abs_vector(c["theta"])))


def _sigmoid_tolerance(c, operations: int) -> float:
    """Relative error bound of a sigmoid-type factor evaluated at the float64 margin."""
    return float(np.expm1(_margin_error(c))) * (1 + gamma(operations)) + gamma(operations)


def _loss_tolerance(c, exact_loss) -> float:
    """softplus(-s) moves by at most e_s; logaddexp adds a few roundings of the value."""
    return _margin_error(c) * (1 + gamma(4)) + float64_tolerance(4, float(exact_loss))


def _gradient_tolerance(c, slope) -> float:
    """|l'(s)| max|x| times the relative error of sigma(-s) and two more roundings (times y, times x_i)."""
    return (float(slope) * _sigmoid_tolerance(c, 6) + TINY) * float(mp_max_abs(c["x"])) * (1 + gamma(2)) + TINY


@given(POINTS)
def test_float64_matches_the_60_digit_oracle(case):
    with precision():
        c = mp_case(case)
        dim, x_max = len(c["x"]), float(mp_max_abs(c["x"]))
        margin = c["y"] * c["x"].dot(c["theta"])
        slope, curvature = abs(logistic.loss_derivative_core(margin)), logistic.loss_derivative_core(margin, 2)
        exact_loss = logistic.loss_core(c["theta"], c["x"], c["y"])
        exact_gradient = logistic.gradient_core(c["theta"], c["x"], c["y"])
        v = c["theta"]
        exact_hvp = logistic.hessian_vector_product_core(c["theta"], c["x"], c["y"], v)
        exact_step = logistic.step_core(c["theta"], c["x"], c["y"], c["lr"])
        gradient_tolerance = _gradient_tolerance(c, slope)
        hvp_magnitude = float(curvature) * x_max * float(abs_vector(c["x"]).dot(abs_vector(v)))
        hvp_underflow = 2 * TINY * x_max * float(abs_vector(c["x"]).dot(abs_vector(v)))  # two flushed sigmoids
        hvp_relative = _sigmoid_tolerance(c, 12) + gamma(dim + 12)
        checks = [
            (logistic.loss(case["theta"], case["x"], case["y"]), exact_loss, _loss_tolerance(c, exact_loss)),
            (logistic.gradient(case["theta"], case["x"], case["y"]), exact_gradient, gradient_tolerance),
            (
                logistic.hessian_vector_product(case["theta"], case["x"], case["y"], case["theta"]),
                exact_hvp,
                (hvp_magnitude + hvp_underflow) * hvp_relative + hvp_underflow + TINY,
            ),
            (
                logistic.descent_step(case["theta"], case["x"], case["y"], case["lr"]),
                exact_step,
                float64_tolerance(3, float(mp_max_abs(c["theta"])) + case["lr"] * float(slope) * x_max)
                + case["lr"] * gradient_tolerance * (1 + gamma(2)),
            ),
        ]
        for computed, exact, tolerance in checks:
            gap = mp_max_abs(np.atleast_1d(np.asarray(computed, dtype=object)) - np.atleast_1d(exact))
            assert gap <= tolerance, (gap, tolerance)


@given(POINTS)
def test_hessian_times_vector_is_the_hvp(case):
    """The explicit Hessian and the matrix-free product agree within the error model of one dot product."""
    theta, x, y = (np.asarray(case[key], dtype=float) for key in ("theta", "x", "y"))
    hessian = logistic.hessian(theta, x, y)
    direct, matrix_free = hessian @ theta, logistic.hessian_vector_product(theta, x, y, theta)
    magnitude = np.abs(hessian) @ np.abs(theta)
    assert np.all(
        np.abs(direct - matrix_free) <= 2 * float64_tolerance(len(x) + 12, 1.0) * magnitude + np.finfo(float).tiny
    )


def test_extreme_margins_stay_finite_and_accurate():
    """No overflow at margins of +-1e6: loss and gradient agree with the oracle within the error model."""
    for label in (-1.0, 1.0):
        case = {"theta": [1000.0], "x": [1000.0], "y": label}
        with precision():
            c = mp_case(case)
            exact_loss = logistic.loss_core(c["theta"], c["x"], c["y"])
            exact_gradient = logistic.gradient_core(c["theta"], c["x"], c["y"])
            slope = abs(logistic.loss_derivative_core(c["y"] * c["x"].dot(c["theta"])))
        computed = logistic.loss(case["theta"], case["x"], case["y"])
        assert np.isfinite(computed)
        assert abs(computed - exact_loss) <= _loss_tolerance(c, exact_loss)
        gradient = logistic.gradient(case["theta"], case["x"], case["y"])
        assert abs(gradient[0] - exact_gradient[0]) <= _gradient_tolerance(c, slope)


def test_margin_labels_and_step_directions_on_exact_cases():
    """margin = y theta.x; at margin 0, sigma = 1/2 exactly, so l' = -1/2 and l'' = 1/4: the gradient,
    Hessian and the two steps have exact values (ascent = theta + lr g, descent = theta - lr g)."""
    from theory.models import logistic_regression as logistic

    assert logistic.margin([1.0, 2.0], [3.0, -1.0], -1.0) == -1.0 and logistic.margin([1.0], [2.0], 1.0) == 2.0
    theta, x, y, lr = [1.0, 1.0], [1.0, -1.0], 1.0, 0.5
    assert logistic.margin(theta, x, y) == 0.0 and logistic.loss(theta, x, y) == float(np.log(2.0))
    assert logistic.gradient(theta, x, y).tolist() == [-0.5, 0.5]
    assert logistic.gradient(theta, x, -1.0).tolist() == [0.5, -0.5]
    assert logistic.hessian(theta, x, y).tolist() == [[0.25, -0.25], [-0.25, 0.25]]
    assert logistic.hessian_vector_product(theta, x, y, [2.0, 0.0]).tolist() == [0.5, -0.5]
    assert logistic.descent_step(theta, x, y, lr).tolist() == [1.25, 0.75]
    assert logistic.ascent_step(theta, x, y, lr).tolist() == [0.75, 1.25]
    assert [logistic.loss_derivative_core(0.0, order) for order in (1, 2, 3)] == [-0.5, 0.25, 0.0]
    assert logistic.check_label(-1) == -1.0 and logistic.check_label(1.0) == 1.0
    for label in (0.0, 2.0, 0.5):
        with pytest.raises(ValueError, match=r"^y must be a class label in \{-1, \+1\}"):
            logistic.check_label(label)
