"""The error model behind every tolerance: gamma_n and the float64 dot-product bound."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, strategies as st

from theory.error_model import UNIT_ROUNDOFF, float64_tolerance, gamma, oracle_tolerance, within
from theory.strategies import dimensions, scales, vectors


def test_unit_roundoff_is_half_machine_epsilon():
    assert UNIT_ROUNDOFF == 2.0**-53


def test_gamma_is_defined_only_below_one():
    assert gamma(0) == 0
    assert gamma(1) > UNIT_ROUNDOFF
    with pytest.raises(ValueError):
        gamma(2**53)


def test_within_rejects_nan():
    assert not within(float("nan"), 1.0)


@st.composite
def _dot_cases(draw):
    dim = draw(dimensions(512))
    return draw(vectors(dim, draw(scales()))), draw(vectors(dim, draw(scales())))


@given(_dot_cases())
def test_numpy_dot_obeys_the_higham_bound(case):
    # Higham (3.5): |fl(a.b) - a.b| <= gamma_p sum |a_i b_i|; the exact value comes from mpmath at 60 digits.
    a, b = case
    with mpmath.workdps(60):
        exact = mpmath.fsum(mpmath.mpf(u) * mpmath.mpf(v) for u, v in zip(a, b))
        error = abs(mpmath.mpf(float(np.dot(a, b))) - exact)
    magnitude = float(np.dot(np.abs(a), np.abs(b)))
    assert within(float(error), float64_tolerance(len(a), magnitude))


def test_oracle_tolerance_is_far_below_float64():
    assert oracle_tolerance(10, 1.0) < 1e-50 < float64_tolerance(10, 1.0)
