r"""Linear-regression engine: :math:`h_\theta(x) = \theta\cdot x`, :math:`\ell = \frac12(\theta\cdot x - y)^2`.

The draft's best case (section "The case of linear regression"): :math:`g_z(\theta) = (\theta\cdot x - y)x`
and :math:`\Phi_z(\theta) = (I - \lambda x x^\top)\theta + \lambda y x` (see :mod:`theory.models.linear_regression`
for the validated single-trajectory maps this engine stacks over trajectories).
"""

from __future__ import annotations

import numpy as np

from sims.engines.glm import GeneralizedLinearModel

__all__ = ["LinearRegression", "least_squares_optimum"]


class LinearRegression(GeneralizedLinearModel):
    """Squared loss with identity link; ``l2`` adds a ridge term (0 by default, as in the draft)."""

    name = "linear"
    link_derivative_bound = 1.0

    def link(self, s: np.ndarray) -> np.ndarray:
        return s

    def link_derivative(self, s: np.ndarray) -> np.ndarray:
        return np.ones_like(s)

    def pointwise_loss(self, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        return 0.5 * (s - y) ** 2


def least_squares_optimum(X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """Minimiser of the mean loss: ``(X^T X / n + l2 I)^{-1} X^T y / n`` (minimum-norm when singular)."""
    n, p = X.shape
    if l2 == 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.linalg.solve(X.T @ X / n + l2 * np.eye(p), X.T @ y / n)
