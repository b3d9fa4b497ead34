r"""Gradient steps of logistic regression, the smooth non-quadratic test bed of the second-order lemmas.

Draft section "Inverting many gradient steps is hard since they don't commute" and the general
second-order forms of issue 2 (field notes: Smith et al. 2021, order dependence of SGD). Labels
:math:`y \in \{-1, +1\}`, margin :math:`s = y\,x\cdot\theta`, loss :math:`l(s) = \log(1 + e^{-s})`:

.. math::
    l'(s) = \sigma(s) - 1 = -\sigma(-s), \qquad l''(s) = \sigma(s)\,\sigma(-s), \qquad
    l'''(s) = \sigma(s)\,\sigma(-s)\,(1 - 2\sigma(s)),

    g_z(\theta) = l'(s)\,y\,x, \qquad \nabla^2_\theta L(z, \theta) = l''(s)\,x x^\top, \qquad
    \nabla^2_\theta L\,v = l''(s)\,(x\cdot v)\,x, \qquad \Phi_z(\theta) = \theta - \lambda g_z(\theta),

with :math:`\sigma` the logistic sigmoid (:math:`y^2 = 1`). As in :mod:`theory.models.linear_regression` the
functions come in two layers:

* ``*_core`` functions take arrays of any element type (float64 numpy arrays, or object arrays of
  ``mpmath.mpf`` for the oracle of :mod:`theory.checking.oracle`) and do no validation; the sigmoid and the
  softplus dispatch on the element type (``scipy.special.expit`` / ``numpy.logaddexp`` in float64,
  which never overflow, and ``mpmath.exp`` / ``mpmath.log1p`` otherwise);
* the public functions validate their arguments (shape, finiteness, ``y`` in {-1, +1}, ``lr > 0``)
  and work in float64.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.special import expit

from theory.support.validation import check_finite_scalar, check_learning_rate, check_vector

__all__ = [
    "margin",
    "loss",
    "gradient",
    "hessian",
    "hessian_vector_product",
    "descent_step",
    "ascent_step",
    "check_label",
]


# ----------------------------------------------------------------------------- scalar functions of the margin
def _is_mp(value) -> bool:
    return isinstance(value, mpmath.mpf)


def sigmoid_core(t):
    """The logistic sigmoid 1 / (1 + e^{-t}) (float64: scipy's overflow-free ``expit``)."""
    if _is_mp(t):
        return 1 / (1 + mpmath.exp(-t))
    return expit(t)


def softplus_core(t):
    """log(1 + e^t) (float64: ``numpy.logaddexp(0, t)``, exact for large |t| without overflow)."""
    if _is_mp(t):
        return mpmath.log1p(mpmath.exp(t))
    return np.logaddexp(0.0, t)


def loss_derivative_core(s, order: int = 1):
    """The derivative of order 1, 2 or 3 of l(s) = log(1 + e^{-s}) (see the module docstring)."""
    positive, negative = sigmoid_core(s), sigmoid_core(-s)
    if order == 1:
        return -negative
    if order == 2:
        return positive * negative
    if order == 3:
        return positive * negative * (negative - positive)  # 1 - 2 sigma(s) = sigma(-s) - sigma(s)
    raise ValueError(f"order must be 1, 2 or 3, got {order!r}")


# ----------------------------------------------------------------------------- dtype-generic cores
def margin_core(theta, x, y):
    """s = y x . theta."""
    return y * np.dot(theta, x)


def loss_core(theta, x, y):
    """L(z, theta) = log(1 + exp(-y x . theta))."""
    return softplus_core(-margin_core(theta, x, y))


def gradient_core(theta, x, y):
    """g_z(theta) = l'(s) y x."""
    return (loss_derivative_core(margin_core(theta, x, y)) * y) * x


def hessian_vector_product_core(theta, x, y, v):
    """Hessian of L(z, .) at theta times v: l''(s) (x . v) x."""
    return (loss_derivative_core(margin_core(theta, x, y), 2) * np.dot(x, v)) * x


def step_core(theta, x, y, lr):
    """Phi_z(theta) = theta - lr g_z(theta) (descent); a negative lr gives an ascent step."""
    return theta - lr * gradient_core(theta, x, y)


# ----------------------------------------------------------------------------- validated float64 API
def check_label(y, name: str = "y") -> float:
    """Return a binary label as a float, or raise ``ValueError`` unless it is -1 or +1."""
    label = check_finite_scalar(y, name)
    if label not in (-1.0, 1.0):
        raise ValueError(f"{name} must be a class label in {{-1, +1}} for logistic regression, got {y!r}")
    return label


def _point(theta, x, y) -> tuple[np.ndarray, np.ndarray, float]:
    theta = check_vector(theta, "theta")
    x = check_vector(x, "x", dim=theta.shape[0])
    return theta, x, check_label(y)


def margin(theta, x, y) -> float:
    """Margin s = y x . theta of the data point z = (x, y)."""
    theta, x, y = _point(theta, x, y)
    return float(margin_core(theta, x, y))


def loss(theta, x, y) -> float:
    """Logistic loss log(1 + exp(-y x . theta)), finite for every finite margin."""
    theta, x, y = _point(theta, x, y)
    return float(loss_core(theta, x, y))


def gradient(theta, x, y) -> np.ndarray:
    """Gradient g_z(theta) = -sigma(-s) y x of the logistic loss."""
    theta, x, y = _point(theta, x, y)
    return gradient_core(theta, x, y)


def hessian(theta, x, y) -> np.ndarray:
    """Hessian sigma(s) sigma(-s) x x^T of the logistic loss (rank one, positive semi-definite)."""
    theta, x, y = _point(theta, x, y)
    return loss_derivative_core(margin_core(theta, x, y), 2) * np.outer(x, x)


def hessian_vector_product(theta, x, y, v) -> np.ndarray:
    """Hessian-vector product sigma(s) sigma(-s) (x . v) x, without forming the Hessian."""
    theta, x, y = _point(theta, x, y)
    v = check_vector(v, "v", dim=theta.shape[0])
    return hessian_vector_product_core(theta, x, y, v)


def descent_step(theta, x, y, lr) -> np.ndarray:
    """One gradient-descent step Phi_z(theta) = theta - lr g_z(theta)."""
    theta, x, y = _point(theta, x, y)
    return step_core(theta, x, y, check_learning_rate(lr))


def ascent_step(theta, x, y, lr) -> np.ndarray:
    """One gradient-ascent step theta + lr g_z(theta)."""
    theta, x, y = _point(theta, x, y)
    return step_core(theta, x, y, -check_learning_rate(lr))
