r"""Second-order forms of the ascent error and of the commutator of two steps, for any smooth loss.

Issue 2, item 3, and the draft's sections "Gradient ascent does not revert gradient descent" and
"Inverting many gradient steps is hard since they don't commute" (field notes: order dependence of
SGD, Smith et al. 2021). With :math:`\Phi_A = \mathrm{id} - \lambda g_A`, Taylor's theorem at
:math:`\theta` gives, with gradients and Hessians at :math:`\theta`:

.. math::
    \theta_2 - \theta_0 &= \lambda\,\big(g(\theta_0 - \lambda g) - g(\theta_0)\big)
                        = -\lambda^2 H g + O(\lambda^3)
    \quad\text{(one descent step, then one ascent step on the same loss)},

    \Phi_B(\Phi_A(\theta)) - \Phi_A(\Phi_B(\theta)) &= \lambda^2 (H_B g_A - H_A g_B) + O(\lambda^3),

both exact for quadratic losses (lemmas ``ascent-error-quadratic``, ``commutator-quadratic``) and
with an explicit third-order remainder for logistic regression (``ascent-error-logistic``,
``commutator-logistic``).

Callables: ``gradient(theta) -> g`` and ``hvp(theta, v) -> H v``. The ``*_core`` functions are
dtype-generic (float64 arrays or object arrays of ``mpmath.mpf``); the public functions validate
``theta``, ``lr`` and what the callables return.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from theory.support.validation import check_learning_rate, check_vector

__all__ = ["ascent_error_prediction", "commutator_prediction", "ascent_error_exact", "commutator_exact"]

Gradient = Callable[[np.ndarray], np.ndarray]
HessianVectorProduct = Callable[[np.ndarray, np.ndarray], np.ndarray]


# ----------------------------------------------------------------------------- dtype-generic cores
def ascent_error_prediction_core(gradient: Gradient, hvp: HessianVectorProduct, theta, lr):
    """-lr^2 H g at theta: the second-order prediction of theta_2 - theta_0."""
    return -(lr**2) * hvp(theta, gradient(theta))


def commutator_prediction_core(
    gradient_a: Gradient, hvp_a: HessianVectorProduct, gradient_b: Gradient, hvp_b: HessianVectorProduct, theta, lr
):
    """lr^2 (H_B g_A - H_A g_B) at theta: the prediction of Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta))."""
    return lr**2 * (hvp_b(theta, gradient_a(theta)) - hvp_a(theta, gradient_b(theta)))


def ascent_error_exact_core(gradient: Gradient, theta, lr):
    """theta_2 - theta_0 with theta_1 = theta_0 - lr g(theta_0), theta_2 = theta_1 + lr g(theta_1)."""
    theta1 = theta - lr * gradient(theta)
    return (theta1 + lr * gradient(theta1)) - theta


def commutator_exact_core(gradient_a: Gradient, gradient_b: Gradient, theta, lr):
    """Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta)): B applied last minus A applied last."""
    after_a = theta - lr * gradient_a(theta)
    after_b = theta - lr * gradient_b(theta)
    return (after_a - lr * gradient_b(after_a)) - (after_b - lr * gradient_a(after_b))


# ----------------------------------------------------------------------------- validated float64 API
def _checked_callable(function, name: str, dim: int):
    """Wrap ``function`` so that what it returns is checked to be a finite vector of length ``dim``."""
    if not callable(function):
        raise ValueError(f"{name} must be a callable, got {type(function).__name__}")

    def checked(*args):
        return check_vector(function(*args), f"the value returned by {name}", dim=dim)

    return checked


def _setup(theta, lr):
    theta = check_vector(theta, "theta")
    return theta, check_learning_rate(lr), theta.shape[0]


def ascent_error_prediction(gradient: Gradient, hvp: HessianVectorProduct, theta, lr) -> np.ndarray:
    """Second-order prediction -lr^2 H(theta) g(theta) of the ascent error theta_2 - theta_0."""
    theta, lr, dim = _setup(theta, lr)
    return ascent_error_prediction_core(
        _checked_callable(gradient, "gradient", dim), _checked_callable(hvp, "hvp", dim), theta, lr
    )


def commutator_prediction(
    gradient_a: Gradient, hvp_a: HessianVectorProduct, gradient_b: Gradient, hvp_b: HessianVectorProduct, theta, lr
) -> np.ndarray:
    """Second-order prediction lr^2 (H_B g_A - H_A g_B) of Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta))."""
    theta, lr, dim = _setup(theta, lr)
    return commutator_prediction_core(
        _checked_callable(gradient_a, "gradient_a", dim),
        _checked_callable(hvp_a, "hvp_a", dim),
        _checked_callable(gradient_b, "gradient_b", dim),
        _checked_callable(hvp_b, "hvp_b", dim),
        theta,
        lr,
    )


def ascent_error_exact(gradient: Gradient, theta, lr) -> np.ndarray:
    """The exact ascent error theta_2 - theta_0 of one descent then one ascent step (rate lr both)."""
    theta, lr, dim = _setup(theta, lr)
    return ascent_error_exact_core(_checked_callable(gradient, "gradient", dim), theta, lr)


def commutator_exact(gradient_a: Gradient, gradient_b: Gradient, theta, lr) -> np.ndarray:
    """The exact commutator Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta)) of two gradient steps."""
    theta, lr, dim = _setup(theta, lr)
    return commutator_exact_core(
        _checked_callable(gradient_a, "gradient_a", dim), _checked_callable(gradient_b, "gradient_b", dim), theta, lr
    )
