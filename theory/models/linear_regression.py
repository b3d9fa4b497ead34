r"""Gradient steps of linear regression, the draft's best case (section "The case of linear regression").

Model :math:`h_\theta(x) = \theta \cdot x`, loss :math:`l(y, y') = \tfrac12 |y' - y|^2`, so for one data
point :math:`z = (x, y)` with residual :math:`r = \theta \cdot x - y`:

.. math::
    L(z, \theta) = \tfrac12 r^2, \qquad g_z(\theta) = r\, x, \qquad \nabla^2_\theta L = x x^\top,

    \Phi_z(\theta) = \theta - \lambda g_z(\theta) = (I - \lambda x x^\top)\theta + \lambda y x .

The functions come in two layers:

* ``*_core`` functions take arrays of any element type (float64 numpy arrays, or object arrays of
  ``mpmath.mpf`` for the high-precision oracle of :mod:`theory.checking.oracle`) and do no validation;
* the public functions validate their arguments (shape, finiteness, ``lr > 0``) and work in float64.
"""

from __future__ import annotations

import numpy as np

from theory.support.validation import (
    MAX_ITERATIONS,
    check_finite_scalar,
    check_learning_rate,
    check_positive_int,
    check_vector,
)

__all__ = [
    "residual",
    "loss",
    "gradient",
    "hessian",
    "descent_step",
    "ascent_step",
    "descent_then_ascent",
    "ascent_error_closed_form",
    "exact_ascent_rate",
    "inverse_step",
    "neumann_inverse",
    "fixed_point_inverse",
    "commutator",
    "commutator_closed_form",
    "hyperplane_projection",
]


# ----------------------------------------------------------------------------- dtype-generic cores
def residual_core(theta, x, y):
    """r = theta . x - y."""
    return np.dot(theta, x) - y


def gradient_core(theta, x, y):
    """g_z(theta) = (theta . x - y) x."""
    return residual_core(theta, x, y) * x


def step_core(theta, x, y, lr):
    """Phi_z(theta) = theta - lr * g_z(theta) (descent); a negative lr gives an ascent step."""
    return theta - lr * gradient_core(theta, x, y)


def commutator_core(theta, x, y, x_other, y_other, lr):
    """Phi_z(Phi_z'(theta)) - Phi_z'(Phi_z(theta)): z applied last minus z' applied last."""
    return step_core(step_core(theta, x_other, y_other, lr), x, y, lr) - step_core(
        step_core(theta, x, y, lr), x_other, y_other, lr
    )


def inverse_step_core(theta_next, x, y, lr):
    r"""Closed-form inverse of Phi_z by Sherman-Morrison (needs lr |x|^2 != 1).

    :math:`\tilde\theta = \theta_{+} - \lambda y x`, :math:`\theta = \tilde\theta + \frac{\lambda}{1 - \lambda |x|^2}
    (\tilde\theta \cdot x) x`.
    """
    shifted = theta_next - lr * y * x
    return shifted + (lr / (1 - lr * np.dot(x, x))) * np.dot(shifted, x) * x


def neumann_core(theta_next, x, y, lr, terms):
    r"""Partial sum :math:`\sum_{k=0}^{K} \lambda^k l^k(\tilde\theta)`, :math:`\tilde\theta = \theta_{+} - \lambda y x`,
    ``l(v) = (v . x) x``, ``K = terms``."""
    shifted = theta_next - lr * y * x
    total, power = shifted, shifted
    for _ in range(terms):
        power = lr * np.dot(power, x) * x
        total = total + power
    return total


def fixed_point_core(theta_next, x, y, lr, iterations, start):
    """``iterations`` steps of Psi(theta) = theta_next + lr g_z(theta) from ``start``."""
    theta = start
    for _ in range(iterations):
        theta = theta_next + lr * gradient_core(theta, x, y)
    return theta


# ----------------------------------------------------------------------------- validated float64 API
def _point(theta, x, y) -> tuple[np.ndarray, np.ndarray, float]:
    theta = check_vector(theta, "theta")
    x = check_vector(x, "x", dim=theta.shape[0])
    y = check_finite_scalar(y, "y")
    return theta, x, y


def residual(theta, x, y) -> float:
    """Residual r = theta . x - y of the data point z = (x, y)."""
    theta, x, y = _point(theta, x, y)
    return float(residual_core(theta, x, y))


def loss(theta, x, y) -> float:
    """Squared loss L(z, theta) = (theta . x - y)^2 / 2."""
    return 0.5 * residual(theta, x, y) ** 2


def gradient(theta, x, y) -> np.ndarray:
    """Gradient g_z(theta) = (theta . x - y) x (draft, "Approximation error in the linear case")."""
    theta, x, y = _point(theta, x, y)
    return gradient_core(theta, x, y)


def hessian(x) -> np.ndarray:
    """Hessian of L(z, .) with respect to theta: the rank-one matrix x x^T (independent of theta and y)."""
    x = check_vector(x, "x")
    return np.outer(x, x)


def descent_step(theta, x, y, lr) -> np.ndarray:
    """One gradient-descent step Phi_z(theta) = theta - lr g_z(theta) (draft, "Notations")."""
    theta, x, y = _point(theta, x, y)
    return step_core(theta, x, y, check_learning_rate(lr))


def ascent_step(theta, x, y, lr) -> np.ndarray:
    """One gradient-ascent step theta + lr g_z(theta), the usual approximate unlearning step."""
    theta, x, y = _point(theta, x, y)
    return step_core(theta, x, y, -check_learning_rate(lr))


def descent_then_ascent(theta0, x, y, lr, ascent_lr=None) -> np.ndarray:
    """theta_2 = theta_1 + mu g_z(theta_1) with theta_1 = Phi_z(theta_0); mu = ascent_lr, default lr."""
    theta0, x, y = _point(theta0, x, y)
    lr = check_learning_rate(lr)
    mu = lr if ascent_lr is None else check_learning_rate(ascent_lr, "ascent_lr")
    return step_core(step_core(theta0, x, y, lr), x, y, -mu)


def ascent_error_closed_form(theta0, x, y, lr) -> np.ndarray:
    """theta_2 - theta_0 = -lr^2 (theta_0 . x - y) |x|^2 x (draft's linear error formula)."""
    theta0, x, y = _point(theta0, x, y)
    lr = check_learning_rate(lr)
    return -(lr**2) * residual_core(theta0, x, y) * np.dot(x, x) * x


def exact_ascent_rate(x, lr) -> float:
    """Ascent rate mu* = lr / (1 - lr |x|^2) that undoes one descent step exactly (lr |x|^2 != 1)."""
    x = check_vector(x, "x")
    lr = check_learning_rate(lr)
    denominator = 1 - lr * float(np.dot(x, x))
    if denominator == 0:
        raise ValueError("lr * |x|^2 must differ from 1: at lr |x|^2 = 1 the step is a projection, not invertible")
    return lr / denominator


def inverse_step(theta_next, x, y, lr) -> np.ndarray:
    """The preimage Phi_z^{-1}(theta_next), exact when lr |x|^2 != 1 (Sherman-Morrison)."""
    theta_next, x, y = _point(theta_next, x, y)
    lr = check_learning_rate(lr)
    if lr * float(np.dot(x, x)) == 1:
        raise ValueError(
            "Phi_z is not invertible when lr * |x|^2 == 1 (it projects onto the hyperplane theta . x = y); "
            "choose another learning rate"
        )
    return inverse_step_core(theta_next, x, y, lr)


def neumann_inverse(theta_next, x, y, lr, terms: int) -> np.ndarray:
    r"""Truncated Neumann series :math:`\sum_{k=0}^{K} \lambda^k l^k(\tilde\theta)`, ``l(v) = (v . x) x``.

    Draft, "Inverting a single gradient step is hard": :math:`l^k(v) = |x|^{2(k-1)} (v \cdot x) x` for
    :math:`k \ge 1`, so the partial sum is geometric in :math:`\lambda |x|^2`.
    """
    theta_next, x, y = _point(theta_next, x, y)
    lr = check_learning_rate(lr)
    terms = check_positive_int(terms, "terms", minimum=0, maximum=MAX_ITERATIONS)
    return neumann_core(theta_next, x, y, lr, terms)


def fixed_point_inverse(theta_next, x, y, lr, iterations: int, start=None) -> np.ndarray:
    """Iterate Psi(theta) = theta_next + lr g_z(theta) (draft, "The fixed-point formulation")."""
    theta_next, x, y = _point(theta_next, x, y)
    lr = check_learning_rate(lr)
    iterations = check_positive_int(iterations, "iterations", minimum=0, maximum=MAX_ITERATIONS)
    theta = theta_next.copy() if start is None else check_vector(start, "start", dim=theta_next.shape[0])
    return fixed_point_core(theta_next, x, y, lr, iterations, theta)


def commutator(theta, x, y, x_other, y_other, lr) -> np.ndarray:
    """Phi_z(Phi_z'(theta)) - Phi_z'(Phi_z(theta)) for z = (x, y), z' = (x_other, y_other)."""
    theta, x, y = _point(theta, x, y)
    x_other = check_vector(x_other, "x_other", dim=theta.shape[0])
    y_other = check_finite_scalar(y_other, "y_other")
    return commutator_core(theta, x, y, x_other, y_other, check_learning_rate(lr))


def commutator_closed_form(theta, x, y, x_other, y_other, lr) -> np.ndarray:
    """lr^2 (x . x') (r' x - r x'): the package's closed form of the commutator (lemma lr-commutator-formula)."""
    theta, x, y = _point(theta, x, y)
    x_other = check_vector(x_other, "x_other", dim=theta.shape[0])
    y_other = check_finite_scalar(y_other, "y_other")
    lr = check_learning_rate(lr)
    r, r_other = residual_core(theta, x, y), residual_core(theta, x_other, y_other)
    return lr**2 * np.dot(x, x_other) * (r_other * x - r * x_other)


def hyperplane_projection(theta, x, y) -> np.ndarray:
    """Orthogonal projection of theta onto the hyperplane {theta . x = y}: theta - g_z(theta) / |x|^2."""
    theta, x, y = _point(theta, x, y)
    norm_squared = float(np.dot(x, x))
    if norm_squared == 0:
        raise ValueError(
            "x must be non-zero: the hyperplane theta . x = y is undefined for x = 0"
            if not np.any(x)
            else "x is too small: |x|^2 underflows to 0 in float64; rescale x and y"
        )
    if norm_squared < np.finfo(np.float64).tiny:
        raise ValueError(
            f"x is too small: |x|^2 = {norm_squared:.3e} is subnormal in float64, so dividing by it loses "
            "precision; rescale x and y"
        )
    return theta - gradient_core(theta, x, y) / norm_squared
