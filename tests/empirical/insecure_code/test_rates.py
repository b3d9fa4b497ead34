"""Insecure rates over parsed answers, as lower bound and worst case, with cluster-bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from empirical.insecure_code.rates import bootstrap_interval, mean_with_interval, rate_summary


def test_rates_on_a_hand_counted_grid():
    # 3 prompts x 2 seeds: prompt 0 insecure twice, prompt 1 unparsed once and secure once, prompt 2 secure
    insecure = np.array([[1, 1], [0, 0], [0, 0]], dtype=bool)
    parsed = np.array([[1, 1], [0, 1], [1, 1]], dtype=bool)
    out = rate_summary(insecure, parsed)
    assert out["insecure_rate"] == pytest.approx(2 / 6)
    assert out["insecure_rate_parsed"] == pytest.approx(2 / 5)
    assert out["insecure_rate_worst"] == pytest.approx(3 / 6)
    assert out["parsed_rate"] == pytest.approx(5 / 6)
    assert out["insecure_rate_parsed_low"] <= out["insecure_rate_parsed"] <= out["insecure_rate_parsed_high"]
    assert out["insecure_rate_parsed_high"] > out["insecure_rate_parsed_low"]  # not a degenerate interval


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 3), st.data())
def test_lower_bound_parsed_rate_and_worst_case_are_ordered(prompts, seeds, data):
    parsed = np.array(data.draw(st.lists(st.booleans(), min_size=prompts * seeds, max_size=prompts * seeds))).reshape(
        prompts, seeds
    )
    flags = np.array(data.draw(st.lists(st.booleans(), min_size=prompts * seeds, max_size=prompts * seeds))).reshape(
        prompts, seeds
    )
    out = rate_summary(flags & parsed, parsed, draws=50)
    assert out["insecure_rate"] <= out["insecure_rate_worst"] + 1e-12
    if parsed.any():
        assert out["insecure_rate"] - 1e-12 <= out["insecure_rate_parsed"] <= out["insecure_rate_worst"] + 1e-12


def test_the_interval_resamples_prompts_not_answers():
    """Seeds of one prompt agree: the cluster interval is as wide as for one answer per prompt (a bootstrap over
    answers, the control, would be narrower by about sqrt(seeds))."""
    per_prompt = np.array([1, 0] * 10, dtype=bool)
    one = rate_summary(per_prompt[:, None], np.ones((20, 1), bool), seed=3)
    many = rate_summary(np.repeat(per_prompt[:, None], 9, axis=1), np.ones((20, 9), bool), seed=3)
    assert many["insecure_rate_parsed_low"] == pytest.approx(one["insecure_rate_parsed_low"])
    flat = np.repeat(per_prompt, 9).astype(float)
    naive = bootstrap_interval(lambda rows: float(flat[rows].mean()), len(flat), seed=3)
    assert naive[1] - naive[0] < 0.6 * (many["insecure_rate_parsed_high"] - many["insecure_rate_parsed_low"])


def test_bad_grids_and_empty_means():
    with pytest.raises(ValueError, match="did not parse"):
        rate_summary(np.array([[True]]), np.array([[False]]))
    with pytest.raises(ValueError, match="prompts, seeds"):
        rate_summary(np.array([True]), np.array([True]))
    assert np.isnan(mean_with_interval(np.array([np.nan]))[0])
    mean, low, high = mean_with_interval(np.array([1.0, 2.0, 3.0, np.nan]))
    assert mean == 2.0 and low <= mean <= high
