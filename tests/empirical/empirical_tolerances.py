"""Error model of the linear-regression agreement tests (float64, Higham ch. 3).

One step Phi(theta) = theta - lr (theta . x - y) x computed in float64 differs from the exact step of its
computed input by at most gamma_{p+3} * M entrywise, with M = |theta|_inf + lr (sum_j |theta_j x_j| + |y|) |x|_inf
(a length-p dot product, one subtraction, two products, one subtraction). Later steps carry an error forward
through I - lr x x^T, whose inf-norm is at most A = 1 + lr |x|_inf |x|_1. So k chained steps (and a final
difference with theta_0) err by at most gamma_{k(p+3)+1} * A^k * (sum of the steps' M + |theta_0|_inf); a
closed form evaluated in float64 adds its own gamma_{2p+6} * (its absolute-value evaluation).
"""

from __future__ import annotations

import numpy as np

from theory.checking.error_model import float64_tolerance


def step_magnitude(theta: np.ndarray, x: np.ndarray, y: float, lr: float) -> float:
    """M of one step (module docstring)."""
    return float(np.abs(theta).max() + lr * (np.abs(theta * x).sum() + abs(y)) * np.abs(x).max())


def chain_tolerance(
    states: list[tuple[np.ndarray, np.ndarray, float]], lr: float, closed_form_magnitude: float
) -> float:
    """Bound on |computed - closed form|_inf for the steps starting at ``states`` = [(theta, x, y), ...]."""
    p = states[0][0].shape[0]
    amplification = max(1 + lr * np.abs(x).max() * np.abs(x).sum() for _, x, _ in states) ** len(states)
    magnitude = amplification * (sum(step_magnitude(t, x, y, lr) for t, x, y in states) + np.abs(states[0][0]).max())
    return float64_tolerance(len(states) * (p + 3) + 1, magnitude) + float64_tolerance(2 * p + 6, closed_form_magnitude)
