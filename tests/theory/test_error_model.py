"""The error model behind every tolerance: gamma_n and the float64 dot-product bound."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.checking.error_model import UNIT_ROUNDOFF, float64_tolerance, gamma, oracle_tolerance, within
from theory.checking.strategies import dimensions, scales, vectors


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


# Exact values of every formula of the error model: a tolerance inflated (or deflated) by any factor,
# a shifted boundary or a changed constant changes one of these numbers (mutation testing's survivors).
def test_the_constants_are_binary64_and_sixty_digits():
    from theory.checking.error_model import ORACLE_DPS, oracle_unit_roundoff

    assert ORACLE_DPS == 60
    assert oracle_unit_roundoff() == 0.5 * 10.0**-59 and oracle_unit_roundoff(11) == 0.5 * 10.0**-10


def test_gamma_is_nu_over_one_minus_nu_with_its_boundaries():
    assert gamma(3) == 3 * UNIT_ROUNDOFF / (1 - 3 * UNIT_ROUNDOFF)
    assert gamma(1, 0.25) == 0.25 / 0.75 and gamma(3, 0.25) == 3.0
    with pytest.raises(ValueError, match="n \\* u >= 1"):
        gamma(4, 0.25)  # n u = 1 exactly: undefined
    with pytest.raises(ValueError, match="n must be >= 0"):
        gamma(-1)


def test_the_tolerances_are_gamma_times_magnitude_plus_a_floor():
    tiny = np.finfo(np.float64).tiny
    assert float64_tolerance(0, 5.0) == tiny and float64_tolerance(3, 2.0) == gamma(3) * 2.0 + tiny
    from theory.checking.error_model import oracle_unit_roundoff

    assert oracle_tolerance(0, 1.0) == 10.0**-120 and oracle_tolerance(0, 1.0, dps=10) == 10.0**-20
    assert oracle_tolerance(4, 3.0) == gamma(4, oracle_unit_roundoff(60)) * 3.0 + 10.0**-120
    assert oracle_tolerance(4, 3.0, dps=20) == gamma(4, oracle_unit_roundoff(20)) * 3.0 + 10.0**-40


def test_within_is_less_or_equal_and_never_true_for_non_finite_errors():
    assert within(1.0, 1.0) and within(0.0, 0.0) and not within(1.0 + 1e-15, 1.0)
    assert not within(float("inf"), float("inf")) and not within(float("nan"), float("inf"))
    assert within(-1.0, 0.0) is True and type(within(0.5, 1.0)) is bool
