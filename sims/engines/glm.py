r"""Generalised linear models on the trajectory axis: the shared core of the linear and logistic engines.

For a link :math:`\mu` and a point :math:`z = (x, y)`, the per-example loss is :math:`\ell(\theta\cdot x, y) +
\frac{\kappa}{2}|\theta|^2` with :math:`\partial_s \ell(s, y) = \mu(s) - y`, so

.. math::
    g_z(\theta) = (\mu(\theta\cdot x) - y)\,x + \kappa\theta, \qquad
    \nabla^2_\theta L(z, \theta) = \mu'(\theta\cdot x)\, x x^\top + \kappa I .

Linear regression is :math:`\mu(s) = s` (draft, "The case of linear regression"); logistic regression is
:math:`\mu = \sigma` the sigmoid with labels in {0, 1}. One step of all ``T`` trajectories costs one
batched contraction ``einsum('tbp,tp->tb')`` for the margins and one ``einsum('tb,tbp->tp')`` for the
aggregated gradient.
"""

from __future__ import annotations

import numpy as np

from theory.support.validation import check_positive_int

__all__ = ["GeneralizedLinearModel"]


class GeneralizedLinearModel:
    """Base class: subclasses define ``link``, ``link_derivative`` and ``pointwise_loss``."""

    name = "glm"
    link_derivative_bound = 1.0  # sup of the link's derivative (1 for linear, 1/4 for the sigmoid)

    def __init__(self, p: int, l2: float = 0.0) -> None:
        self.n_params = check_positive_int(p, "p")
        if not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2 (ridge coefficient) must be a finite number >= 0, got {l2!r}")
        self.l2 = float(l2)

    # -- link functions, defined by subclasses
    def link(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def link_derivative(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def pointwise_loss(self, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- batched maps
    def residuals(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        """:math:`\\mu(\\theta_t \\cdot x_{tb}) - y_{tb}`, shape ``(T, B)``."""
        return self.link(np.einsum("tbp,tp->tb", Xb, theta)) - yb

    def per_example_gradients(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        grads = self.residuals(theta, Xb, yb)[:, :, None] * Xb
        return grads + self.l2 * theta[:, None, :] if self.l2 else grads

    def weighted_gradient(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray, w: np.ndarray) -> np.ndarray:
        step = np.einsum("tb,tbp->tp", w * self.residuals(theta, Xb, yb), Xb)
        return step + self.l2 * w.sum(axis=1, keepdims=True) * theta if self.l2 else step

    def hessian_vector(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
        """:math:`\\nabla^2 L(z_t, \\theta_t) v_t` for one point per trajectory (x ``(T, p)``, v ``(T, P)``)."""
        curvature = self.link_derivative(np.einsum("tp,tp->t", x, theta))
        return (curvature * np.einsum("tp,tp->t", x, v))[:, None] * x + self.l2 * v

    def loss(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Mean loss over the rows of ``X`` for every trajectory, shape ``(T,)``."""
        margins = theta @ X.T
        ridge = 0.5 * self.l2 * np.einsum("tp,tp->t", theta, theta)
        return self.pointwise_loss(margins, y[None, :]).mean(axis=1) + ridge

    def point_loss(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Loss of each trajectory's own point (x ``(T, p)``, y ``(T,)``), shape ``(T,)``."""
        ridge = 0.5 * self.l2 * np.einsum("tp,tp->t", theta, theta)
        return self.pointwise_loss(np.einsum("tp,tp->t", x, theta), y) + ridge

    def smoothness(self, x: np.ndarray) -> np.ndarray:
        """Upper bound of the point Hessian's norm :math:`\\sup_s \\mu'(s) |x|^2 + \\kappa` per row of ``x``."""
        return self.link_derivative_bound * np.einsum("...p,...p->...", x, x) + self.l2
