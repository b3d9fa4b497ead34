"""The streaming medians: the histogram within its stated bound on Hypothesis-drawn streams, fixed memory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.models.aggregation.streaming import HistogramMedian, StochasticMedian, exact_median_bytes


@settings(max_examples=60, deadline=None)
@given(
    n_params=st.integers(1, 5),
    bins=st.integers(1, 300),
    length=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-3, 1e3),
    chunks=st.integers(1, 7),
)
def test_histogram_within_stated_bound(n_params, bins, length, seed, scale, chunks):
    rng = np.random.default_rng(seed)
    stream = rng.standard_t(3, size=(length, n_params)) * scale
    sketch = HistogramMedian(n_params, -4 * scale, 4 * scale, bins)
    for chunk in np.array_split(stream, chunks):
        if len(chunk):
            sketch.update(chunk)
    inside = sketch.in_range()
    error = np.abs(sketch.estimate() - np.median(stream, axis=0))
    # np.median's own rounding: one addition and a halving of two entries of size <= 4 scale: 2 u 4 scale
    assert np.all(error[inside] <= sketch.error_bound() + 2 * 2**-53 * 4 * scale)
    assert sketch.nbytes == HistogramMedian.memory_bytes(n_params, bins)


def test_memory_does_not_grow_with_the_stream():
    sketch = HistogramMedian(10, -1, 1, 64)
    before = sketch.nbytes
    for _ in range(5):
        sketch.update(np.random.default_rng(0).normal(size=(1000, 10)))
    assert sketch.nbytes == before == HistogramMedian.memory_bytes(10, 64)
    assert exact_median_bytes(5000, 10) == 8 * 5000 * 10 > before


def test_out_of_range_is_flagged_and_clamped():
    sketch = HistogramMedian(1, 0.0, 1.0, 10).update(np.full((5, 1), 7.0))
    assert not sketch.in_range()[0] and sketch.estimate()[0] == 1.0


def test_stochastic_median_converges_on_iid_draws():
    rng = np.random.default_rng(1)
    stream = rng.normal(size=(20_000, 3)) + 2.0
    estimate = StochasticMedian(3, step=1.0).update(stream).estimate()
    # no worst-case bound (module docstring): a loose sanity check on i.i.d. draws, O(t^-1/4) ~ 0.1
    assert np.abs(estimate - np.median(stream, axis=0)).max() < 0.2


def test_errors():
    with pytest.raises(ValueError, match="low < high"):
        HistogramMedian(2, 1.0, 1.0)
    with pytest.raises(ValueError, match="no gradient"):
        HistogramMedian(2, 0.0, 1.0).estimate()
    with pytest.raises(ValueError, match="NaN"):
        HistogramMedian(2, 0.0, 1.0).update([[np.nan, 0.0]])
    with pytest.raises(ValueError, match=r"shape \(b, 2\)"):
        StochasticMedian(2).update(np.zeros((3, 4)))
