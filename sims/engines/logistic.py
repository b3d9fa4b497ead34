r"""Logistic-regression engine: labels in {0, 1}, :math:`\ell(s, y) = \log(1 + e^s) - y s`, :math:`s = \theta\cdot x`.

:math:`g_z(\theta) = (\sigma(\theta\cdot x) - y)x` and :math:`\nabla^2 L = \sigma'(\theta\cdot x) x x^\top` with
:math:`0 < \sigma' \le 1/4`: convex, gradients collinear with :math:`x` as in the linear case (lemma
ga-collinear), but the Hessian depends on :math:`\theta`, so the ascent error is only second order
(lemma ascent-error-logistic).
"""

from __future__ import annotations

import numpy as np

from sims.engines.glm import GeneralizedLinearModel

__all__ = ["LogisticRegression", "logistic_optimum"]


class LogisticRegression(GeneralizedLinearModel):
    """Binary cross-entropy with sigmoid link; ``l2`` adds a ridge term (makes the optimum unique)."""

    name = "logistic"
    link_derivative_bound = 0.25

    def link(self, s: np.ndarray) -> np.ndarray:
        from scipy.special import expit  # here, not at import: scipy.special adds ~0.25 s to every --help

        return expit(s)

    def link_derivative(self, s: np.ndarray) -> np.ndarray:
        sig = self.link(s)
        return sig * (1.0 - sig)

    def pointwise_loss(self, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, s) - y * s


def logistic_optimum(X: np.ndarray, y: np.ndarray, l2: float, iterations: int = 50) -> np.ndarray:
    """Minimiser of the mean ridge-regularised logistic loss by Newton's method (needs ``l2 > 0``)."""
    if l2 <= 0:
        raise ValueError("l2 must be > 0 for a unique logistic optimum (separable data has none otherwise)")
    n, p = X.shape
    from scipy.special import expit

    theta = np.zeros(p)
    for _ in range(iterations):
        s = X @ theta
        grad = X.T @ (expit(s) - y) / n + l2 * theta
        curvature = expit(s) * (1 - expit(s))
        hess = (X * curvature[:, None]).T @ X / n + l2 * np.eye(p)
        delta = np.linalg.solve(hess, grad)
        theta = theta - delta
        if np.linalg.norm(delta) <= 1e-15 * (1 + np.linalg.norm(theta)):
            break
    return theta
