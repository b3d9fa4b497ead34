"""The strategies draw what their docstrings promise: dimensions, log-uniform rates, JSON cases."""

from __future__ import annotations

import json
import math

from hypothesis import given

from theory.checking.strategies import LR_DECADES, MAX_DIMENSION, SCALE_DECADES, learning_rates, linear_points, point_pairs


@given(learning_rates())
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
