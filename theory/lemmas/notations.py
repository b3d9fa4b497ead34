r"""Draft sections "Notations" and "The case of linear regression".

Notations: a gradient step is :math:`\Phi_z = \mathrm{id} - \lambda g_z`; with a batch of ``B`` points and mean
aggregation the step is :math:`\theta - \frac{\lambda}{B}\sum_i g_{z_i}(\theta)`, which equals the mean of the
per-example steps :math:`\frac1B \sum_i \Phi_{z_i}(\theta)`. Retraining the batch without its point ``k``
gives

.. math::
    \theta - \frac{\lambda}{B-1}\sum_{i \ne k} g_{z_i}(\theta_t)
    = \theta_{t+1} + \frac{\lambda}{B-1}\big(g_{z_k}(\theta_t) - g_t\big),

so an exact unlearner needs the per-example gradient :math:`g_{z_k}(\theta_t)` at the *old* parameter.

Linear regression: :math:`L(z, \theta) = \tfrac12(\theta\cdot x - y)^2`, :math:`g_z(\theta) = (\theta\cdot x)x - yx
= l(\theta) - yx` with the linear map :math:`l(v) = (v\cdot x)x`, and Hessian :math:`xx^\top`, which is positive
semi-definite: :math:`v^\top xx^\top v = (v\cdot x)^2 \ge 0` (the draft's "the model is convex").

The batch identities are proved for a symbolic batch size ``B`` (sympy ``Sum``), coordinate by
coordinate (every coordinate of a vector identity that is linear in the gradients is the same
scalar identity). Linear-regression identities are proved in dimension 3 (see :mod:`theory.checking.building_blocks`).
"""

from __future__ import annotations

import sympy

from theory.checking.building_blocks import is_zero, is_zero_matrix, symbolic_vector, vectors_span
from theory.checking.registry import Lemma, SympyProof, every_size, register

NOTATIONS = "Background / Notations"
LINEAR_CASE = "Background / The case of linear regression"
SINGLE_STEP = "Inverting a single gradient step is hard"


# ----------------------------------------------------------------------------- batches (symbolic B)
def _batch_symbols():
    size = sympy.Symbol("B", integer=True, positive=True)
    index = sympy.Symbol("i", integer=True)
    gradients = sympy.IndexedBase("g")
    theta, lr = sympy.symbols("theta lambda", real=True)
    return size, index, gradients, theta, lr


def _prove_mean_of_steps() -> bool:
    """theta - lr (1/B) sum g_i == (1/B) sum (theta - lr g_i), one coordinate, symbolic B."""
    size, index, gradients, theta, lr = _batch_symbols()
    batch_step = theta - lr * sympy.Sum(gradients[index], (index, 1, size)) / size
    mean_of_steps = sympy.Sum(theta - lr * gradients[index], (index, 1, size)) / size
    return is_zero(mean_of_steps.doit() - batch_step)


def _prove_removal_needs_old_gradient() -> bool:
    """The batch step without point k, written with the stored theta_{t+1}, mean gradient g_t and g_k(theta_t)."""
    size = sympy.Symbol("B", integer=True, positive=True)
    theta, lr, total, removed = sympy.symbols("theta lambda S g_k", real=True)  # S = sum_i g_i(theta_t)
    mean_gradient = total / size
    theta_next = theta - lr * mean_gradient
    without_k = theta - lr * (total - removed) / (size - 1)
    written = theta_next + lr / (size - 1) * (removed - mean_gradient)
    return is_zero(without_k - written)


# ----------------------------------------------------------------------------- linear regression (p = 3)
def _loss_and_symbols(dim: int = 3):
    theta, x = symbolic_vector("theta", dim), symbolic_vector("x", dim)
    y = sympy.Symbol("y", real=True)
    loss = ((theta.T * x)[0] - y) ** 2 / 2
    return theta, x, y, loss


def _prove_gradient_affine() -> bool:
    theta, x, y, loss = _loss_and_symbols()
    gradient = sympy.Matrix([sympy.diff(loss, coordinate) for coordinate in theta])
    linear_part = (theta.T * x)[0] * x  # l(theta) = (theta . x) x
    u, v = symbolic_vector("u", 3), symbolic_vector("v", 3)
    a, b = sympy.symbols("a b", real=True)

    def l_map(vector):
        return (vector.T * x)[0] * x

    return is_zero_matrix(gradient - (linear_part - y * x)) and is_zero_matrix(
        l_map(a * u + b * v) - a * l_map(u) - b * l_map(v)
    )


def _prove_hessian_psd() -> bool:
    theta, x, _, loss = _loss_and_symbols()
    hessian = sympy.hessian(loss, list(theta))
    v = symbolic_vector("v", 3)
    return is_zero_matrix(hessian - x * x.T) and is_zero((v.T * hessian * v)[0] - (v.T * x)[0] ** 2)


def _prove_convexity_gap() -> bool:
    """t L(a) + (1 - t) L(b) - L(t a + (1 - t) b) = t (1 - t) ((a - b) . x)^2 / 2 >= 0 for t in [0, 1]."""
    a, b, x = (symbolic_vector(name, 3) for name in ("a", "b", "x"))
    y, t = sympy.symbols("y t", real=True)

    def loss(theta):
        return ((theta.T * x)[0] - y) ** 2 / 2

    gap = t * loss(a) + (1 - t) * loss(b) - loss(t * a + (1 - t) * b)
    return is_zero(gap - t * (1 - t) * ((a - b).T * x)[0] ** 2 / 2)


register(
    Lemma(
        id="batch-mean-step",
        title="A mean-aggregated batch step is the mean of the per-example steps",
        statement=r"$\theta - \frac{\lambda}{B}\sum_{i=1}^B g_{z_i}(\theta) = \frac1B\sum_{i=1}^B \Phi_{z_i}(\theta)$, and the "
        r"step of the batch without $z_k$ is $\theta_{t+1} + \frac{\lambda}{B-1}\big(g_{z_k}(\theta_t) - g_t\big)$ "
        r"with $g_t = \frac1B\sum_i g_{z_i}(\theta_t)$: removing $z_k$ needs its gradient at $\theta_t$.",
        source=NOTATIONS,
        as_written=False,
        assumptions=(
            "lr in R, the draft's domain (either sign)",
            "batch size B >= 1 (B >= 2 for the removal formula); any model with gradients g_{z_i}",
        ),
        interpretation="Makes precise the draft's remark that an exact unlearner must compute each per-example "
        "gradient of a batch, not only the stored mean g_t.",
        checks=(
            SympyProof(
                "mean-of-steps",
                _prove_mean_of_steps,
                "sympy Sum identity for a symbolic batch size B, one coordinate (the identity is linear "
                "in the gradients, so every coordinate is the same scalar identity)",
                coverage=every_size("all B (symbolic), all p (coordinatewise)"),
            ),
            SympyProof(
                "removal-formula",
                _prove_removal_needs_old_gradient,
                "sympy identity for a symbolic batch size B >= 2, one coordinate, with S = sum_i g_i(theta_t)",
                coverage=every_size("all B >= 2 (symbolic), all p (coordinatewise)"),
            ),
        ),
    ),
    Lemma(
        id="lr-gradient-affine",
        title="The linear-regression gradient is affine in theta",
        statement=r"$g_z(\theta) = \nabla_\theta \tfrac12(\theta\cdot x - y)^2 = l(\theta) - yx$ with the linear map "
        r"$l(v) = (v\cdot x)\,x$.",
        source=SINGLE_STEP,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R",),
        quote=r"$g_z(\theta) = l(\theta) - y x = (\theta \cdot x) x - y x$ is an affine map of $\theta$",
        checks=(
            SympyProof(
                "gradient-and-linearity",
                _prove_gradient_affine,
                "sympy: gradient by differentiation and linearity of l, dimension 3 (coordinate j of the "
                "gradient involves only theta . x and x_j, so the identity is the same in every dimension)",
                coverage=every_size("all p (coordinate j involves theta.x and x_j only)"),
            ),
        ),
    ),
    Lemma(
        id="lr-convex",
        title="The linear-regression loss is convex: its Hessian x x^T is positive semi-definite",
        statement=r"$\nabla^2_\theta L(z, \theta) = xx^\top$, $v^\top xx^\top v = (v\cdot x)^2 \ge 0$, and "
        r"$tL(z,a) + (1-t)L(z,b) - L(z, ta + (1-t)b) = \tfrac{t(1-t)}{2}((a-b)\cdot x)^2 \ge 0$ for $t\in[0,1]$.",
        source=LINEAR_CASE,
        as_written=True,
        assumptions=("linear regression, theta, x in R^p, any p; y in R", "t in [0, 1]"),
        quote=r"Linear regression corresponds to a best-case scenario for machine unlearning : the model is convex and has few parameters.",
        interpretation="The draft calls linear regression 'a best-case scenario: the model is convex'. Checked: the "
        "loss of one point is convex in theta (its Hessian is PSD; the convexity gap is a square). "
        "It is not strictly convex for p >= 2 (see hessian-pd-convex).",
        uses=("lr-gradient-affine",),
        checks=(
            SympyProof(
                "hessian-psd",
                _prove_hessian_psd,
                "sympy: Hessian by differentiation and the quadratic form, dimension 3 (vectors theta, x, v)",
                coverage=vectors_span(3),
            ),
            SympyProof(
                "convexity-gap",
                _prove_convexity_gap,
                "sympy identity of the convexity gap, dimension 3 (vectors a, b, x)",
                coverage=vectors_span(3),
            ),
        ),
    ),
)
