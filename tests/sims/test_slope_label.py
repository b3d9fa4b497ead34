"""A slope fitted to round-off noise is not printed in a legend (sims.plotting.slope_label)."""

from __future__ import annotations

import numpy as np

from sims.plotting import ROUNDOFF_RELATIVE, slope_label


def test_values_at_round_off_get_no_slope_and_a_real_power_law_gets_its_slope():
    lr = np.array([0.01, 0.03, 0.1, 0.3])
    noise = np.array([3e-16, 2e-16, 4e-16, 1e-16])  # the consistent problem's spread: rounding, no trend
    assert slope_label(lr, noise) == "round-off level"
    assert slope_label(lr, 1e-3 * lr**1.5) == "fit slope 1.50"
    # the boundary: one value above the round-off level makes it a measurement
    assert slope_label(lr, np.append(noise[:-1], 10 * ROUNDOFF_RELATIVE)).startswith("fit slope")
    assert slope_label(lr, noise, relative=False).startswith("fit slope")  # absolute units: no such rule
