"""Bad input gets a ValueError that names the argument and the expected form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.models import linear_regression as lr_maps
from theory.support.validation import (
    check_finite_scalar,
    check_learning_rate,
    check_matrix,
    check_positive_int,
    check_same_length,
    check_vector,
)


@pytest.mark.parametrize("bad", [0, -1e-3, math.nan, math.inf, -math.inf, "fast", None, True])
def test_learning_rate_must_be_a_positive_finite_number(bad):
    with pytest.raises(ValueError, match="lr"):
        check_learning_rate(bad)


def test_learning_rate_accepts_numpy_and_python_numbers():
    assert check_learning_rate(np.float32(0.5)) == 0.5
    assert check_learning_rate(3) == 3.0


@pytest.mark.parametrize(
    "bad, message",
    [
        ([[1.0, 2.0]], "1-d"),
        ([], "at least one"),
        ([1.0, math.nan], "finite"),
        ("abc", "real numbers"),
    ],
)
def test_vector_errors_say_what_was_wrong(bad, message):
    with pytest.raises(ValueError, match=message):
        check_vector(bad, "theta")


def test_vector_dimension_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"x must have shape \(3,\)"):
        check_vector([1.0, 2.0], "x", dim=3)


def test_matrix_checks_shape_and_finiteness():
    with pytest.raises(ValueError, match="2-d"):
        check_matrix([1.0, 2.0], "X")
    with pytest.raises(ValueError, match="columns"):
        check_matrix(np.ones((2, 3)), "X", cols=2)
    with pytest.raises(ValueError, match="non-finite"):
        check_matrix([[1.0, math.inf]], "X")


def test_scalars_and_integers():
    with pytest.raises(ValueError, match="y must be a finite"):
        check_finite_scalar(math.nan, "y")
    with pytest.raises(ValueError, match="terms must be an integer >= 0"):
        check_positive_int(-1, "terms", minimum=0)
    with pytest.raises(ValueError, match="same length"):
        check_same_length(np.ones(2), np.ones(3), "X", "Y")


@pytest.mark.parametrize(
    "function",
    [lr_maps.descent_step, lr_maps.ascent_step, lr_maps.descent_then_ascent, lr_maps.ascent_error_closed_form],
)
def test_step_maps_reject_bad_learning_rates_and_shapes(function):
    with pytest.raises(ValueError, match="lr"):
        function([1.0, 2.0], [0.5, 0.5], 1.0, 0.0)
    with pytest.raises(ValueError, match="x must have shape"):
        function([1.0, 2.0], [0.5], 1.0, 0.1)
    with pytest.raises(ValueError, match="theta must be finite"):
        function([math.nan, 2.0], [0.5, 0.5], 1.0, 0.1)
