"""The strategies draw what their docstrings promise: dimensions, log-uniform rates, JSON cases."""

from __future__ import annotations

import json
import math

from hypothesis import given

from theory.checking.strategies import (
    LR_DECADES,
    MAX_DIMENSION,
    SCALE_DECADES,
    iteration_points,
    learning_rates,
    linear_points,
    point_pairs,
    signed_ranges,
)


@given(learning_rates(signed=False))
def test_learning_rates_stay_in_their_decades(lr):
    # 10**e is rounded once, so the bounds hold up to one unit roundoff of the endpoints
    assert 10 ** LR_DECADES[0] * (1 - 2**-52) <= lr <= 10 ** LR_DECADES[1] * (1 + 2**-52)


@given(linear_points())
def test_linear_points_are_consistent_json_cases(case):
    assert 1 <= len(case["theta"]) == len(case["x"]) <= MAX_DIMENSION
    assert all(math.isfinite(v) for v in case["theta"] + case["x"])
    assert abs(case["y"]) <= 10 ** SCALE_DECADES[1] * (1 + 2**-52)
    assert json.loads(json.dumps(case)) == case


@given(point_pairs())
def test_point_pairs_share_the_dimension(case):
    assert len(case["x2"]) == len(case["x"]) == len(case["theta"])


@given(learning_rates(signed=True))
def test_signed_learning_rates_keep_their_magnitude(lr):
    assert 10 ** LR_DECADES[0] * (1 - 2**-52) <= abs(lr) <= 10 ** LR_DECADES[1] * (1 + 2**-52)


def test_default_draws_reach_both_signs_and_unsigned_ones_stay_positive():
    """The draft's lambda in R is the default: strategies draw negative rates (else a hidden lr > 0 premise hides);
    signed=False (float64 implementations whose domain is lr > 0) never does."""
    import pytest
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    assert find(learning_rates(), lambda lr: lr < 0) < 0
    assert find(linear_points(8), lambda case: case["lr"] < 0)["lr"] < 0
    assert find(point_pairs(8), lambda case: case["lr"] < 0)["lr"] < 0
    assert find(iteration_points(8), lambda case: case["lr"] < 0)["lr"] < 0
    with pytest.raises(NoSuchExample):
        find(learning_rates(signed=False), lambda lr: lr <= 0)
    with pytest.raises(NoSuchExample):
        find(linear_points(8, signed=False), lambda case: case["lr"] <= 0)


def test_ranges_say_which_domain_was_drawn():
    from theory.checking.strategies import LINEAR_POINT_RANGES, positive_ranges

    assert "lr in R" in LINEAR_POINT_RANGES and "lr in R" in signed_ranges(positive_ranges(LINEAR_POINT_RANGES))
    assert "lr > 0 only" in positive_ranges(LINEAR_POINT_RANGES)
