r"""The draft's formulas for linear regression, written from its definitions: what the oracle judges with.

Issue 19, item 4: the 60-digit oracle and the sympy proofs evaluate a statement from its own formula,
never through the float implementation they judge (:mod:`theory.models.linear_regression`). These are
that formula, dtype-generic (float64, object arrays of ``mpmath.mpf`` or of sympy symbols), written from
the draft's section "The case of linear regression" in its *matrix* form rather than the implementation's
residual-times-input form, so that one slip cannot sit in both:

.. math::
    r = \theta\cdot x - y, \qquad g_z(\theta) = x x^\top\theta - y x, \qquad
    \Phi_z(\theta) = (I - \lambda x x^\top)\theta + \lambda y x,

    \Phi_z^{-1}(\theta_+) = \tilde\theta + \tfrac{\lambda}{1 - \lambda|x|^2}(\tilde\theta\cdot x)x,\quad
    \tilde\theta = \theta_+ - \lambda y x \quad\text{(Sherman-Morrison, } \lambda|x|^2 \ne 1\text{)},

the commutator :math:`\Phi_z\circ\Phi_{z'} - \Phi_{z'}\circ\Phi_z`, the Neumann partial sum
:math:`\sum_{k\le K}\lambda^k (xx^\top)^k\tilde\theta` and the fixed-point iteration
:math:`\Psi(\theta) = \theta_+ + \lambda g_z(\theta)`. This is a deliberate second version (N-version
programming): the guide's "one piece of code" yields to the oracle's independence here.

For logistic regression (labels :math:`y = \pm1`): :math:`g_z(\theta) = -y\,\sigma(-y\theta\cdot x)\,x` and the
Hessian-vector product :math:`\sigma(s)\sigma(-s)(x\cdot v)\,x`, :math:`s = y\theta\cdot x`; and, for any gradient
field, the descent-then-ascent error and the commutator of two steps (draft, "Second-order approximations").

The engine (:mod:`theory.checking.status`, rule 8) records which formulas a lemma's checks evaluated
(:func:`formulas_used`) and then compares the package's implementation of each with it symbolically
(:func:`implementation_problems`): a bug in the implementation is an *implementation problem* of the
lemma, never a refutation of the statement.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import mpmath
import numpy as np
import sympy

__all__ = [
    "draft_residual",
    "draft_gradient",
    "draft_step",
    "draft_commutator",
    "draft_inverse_step",
    "draft_neumann",
    "draft_fixed_point",
    "draft_logistic_gradient",
    "draft_logistic_hvp",
    "draft_ascent_error",
    "draft_commutator_of",
    "IMPLEMENTATIONS",
    "formulas_used",
    "implementation_matches",
    "implementation_problems",
]

_USED: ContextVar[set[str] | None] = ContextVar("noncommute_formulas_used", default=None)


def _note(name: str) -> None:
    used = _USED.get()
    if used is not None:
        used.add(name)


@contextlib.contextmanager
def formulas_used() -> Iterator[set[str]]:
    """Collect the names of the draft formulas evaluated inside the block."""
    used: set[str] = set()
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def draft_residual(theta, x, y):
    """r = theta . x - y."""
    _note("residual")
    return np.dot(x, theta) - y


def draft_gradient(theta, x, y):
    """g_z(theta) = x x^T theta - y x (the Hessian x x^T applied to theta, minus y x)."""
    _note("gradient")
    return np.dot(x, theta) * x - y * x


def draft_step(theta, x, y, lr):
    """Phi_z(theta) = (I - lr x x^T) theta + lr y x (a negative lr gives an ascent step)."""
    _note("step")
    return theta - (lr * np.dot(x, theta)) * x + (lr * y) * x


def draft_commutator(theta, x, y, x_other, y_other, lr):
    """Phi_z(Phi_z'(theta)) - Phi_z'(Phi_z(theta)): z applied last minus z' applied last."""
    _note("commutator")
    return draft_step(draft_step(theta, x_other, y_other, lr), x, y, lr) - draft_step(
        draft_step(theta, x, y, lr), x_other, y_other, lr
    )


def draft_inverse_step(theta_next, x, y, lr):
    """Sherman-Morrison preimage of theta_next under Phi_z (needs ``lr |x|^2 != 1``)."""
    _note("inverse_step")
    shifted = theta_next - (lr * y) * x
    return shifted + (lr * np.dot(x, shifted) / (1 - lr * np.dot(x, x))) * x


def draft_neumann(theta_next, x, y, lr, terms):
    """Partial Neumann sum sum_{k=0}^{K} lr^k (x x^T)^k theta~, theta~ = theta_next - lr y x, K = ``terms``."""
    _note("neumann")
    shifted = theta_next - (lr * y) * x
    total, power = shifted, shifted
    for _ in range(terms):
        power = (lr * np.dot(x, power)) * x
        total = total + power
    return total


def draft_fixed_point(theta_next, x, y, lr, iterations, start):
    """``iterations`` steps of Psi(theta) = theta_next + lr g_z(theta) from ``start``."""
    _note("fixed_point")
    theta = start
    for _ in range(iterations):
        theta = theta_next + lr * (np.dot(x, theta) * x - y * x)
    return theta


def _sigmoid(t):
    """1 / (1 + e^{-t}), evaluated with mpmath (this module serves the 60-digit oracle)."""
    return 1 / (1 + mpmath.exp(-t))


def draft_logistic_gradient(theta, x, y):
    """Logistic regression (labels y = +-1), L = log(1 + exp(-y theta.x)): g = -y sigma(-y theta.x) x."""
    _note("logistic_gradient")
    return (-y * _sigmoid(-y * np.dot(x, theta))) * x


def draft_logistic_hvp(theta, x, y, v):
    """Its Hessian times v: sigma(s) sigma(-s) (x.v) x with s = y theta.x (y^2 = 1)."""
    _note("logistic_hvp")
    margin = y * np.dot(x, theta)
    return (_sigmoid(margin) * _sigmoid(-margin) * np.dot(x, v)) * x


def draft_ascent_error(gradient, theta, lr):
    """theta_2 - theta_0 for a descent step then an ascent step at the same rate, any gradient field."""
    after = theta - lr * gradient(theta)
    return after + lr * gradient(after) - theta


def draft_commutator_of(gradient_a, gradient_b, theta, lr):
    """Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta)) for two gradient fields (A applied first on the left)."""
    after_a, after_b = theta - lr * gradient_a(theta), theta - lr * gradient_b(theta)
    return (after_a - lr * gradient_b(after_a)) - (after_b - lr * gradient_a(after_b))


#: formula name -> (its draft version here, the implementation's module and function, the arguments'
#: layout: how many vectors, then the scalar arguments in order).
IMPLEMENTATIONS: dict[str, tuple[Any, str, str]] = {
    "residual": (draft_residual, "theory.models.linear_regression", "residual_core"),
    "gradient": (draft_gradient, "theory.models.linear_regression", "gradient_core"),
    "step": (draft_step, "theory.models.linear_regression", "step_core"),
    "commutator": (draft_commutator, "theory.models.linear_regression", "commutator_core"),
    "inverse_step": (draft_inverse_step, "theory.models.linear_regression", "inverse_step_core"),
    "neumann": (draft_neumann, "theory.models.linear_regression", "neumann_core"),
    "fixed_point": (draft_fixed_point, "theory.models.linear_regression", "fixed_point_core"),
    "logistic_gradient": (draft_logistic_gradient, "theory.models.logistic_regression", "gradient_core"),
    "logistic_hvp": (draft_logistic_hvp, "theory.models.logistic_regression", "hessian_vector_product_core"),
}

#: formulas compared at 60 digits on fixed points instead of symbolically (the implementation branches on
#: the number type, so it does not run on sympy symbols).
NUMERIC = {"logistic_gradient", "logistic_hvp"}


def _symbolic_arguments(name: str) -> tuple:
    """Symbolic arguments for a formula, in dimension 3 (at most three vectors take part: the identity
    then holds in every dimension, theory.checking.building_blocks)."""

    def vector(label: str) -> np.ndarray:
        return np.array(sympy.symbols(f"{label}_0:3", real=True), dtype=object)

    theta, x, x2 = vector("theta"), vector("x"), vector("xo")
    y, y2, lr = sympy.symbols("y yo lambda", real=True)
    return {
        "residual": (theta, x, y),
        "gradient": (theta, x, y),
        "step": (theta, x, y, lr),
        "commutator": (theta, x, y, x2, y2, lr),
        "inverse_step": (theta, x, y, lr),
        "neumann": (theta, x, y, lr, 3),
        "fixed_point": (theta, x, y, lr, 3, x2),
    }[name]


_MATCHES: dict[tuple[str, Any], bool] = {}


def _matches_numerically(formula, implementation, name: str) -> bool:
    """Both at 60 digits on three fixed points (labels +1 and -1, margins of both signs), within 1e-50."""
    with mpmath.workdps(60):
        points: list[tuple[Any, Any, int]]
        points = [
            ([0.5, -1.25, 2.0], [1.5, 0.25, -0.75], 1),
            ([-2.0, 0.5, 1.0], [0.75, -1.5, 0.5], -1),
            ([0.0, 3.0, -0.5], [-1.0, 0.5, 2.0], 1),
        ]
        for theta, x, y in points:
            theta, x = (np.array([mpmath.mpf(value) for value in vector], dtype=object) for vector in (theta, x))
            arguments = (theta, x, mpmath.mpf(y)) + ((x[::-1].copy(),) if name == "logistic_hvp" else ())
            gap = np.asarray(formula(*arguments), dtype=object) - np.asarray(implementation(*arguments), dtype=object)
            if not max(abs(entry) for entry in gap) <= mpmath.mpf(10) ** -50:
                return False
    return True


def implementation_matches(name: str) -> bool:
    """Whether the package's implementation of formula ``name`` equals the draft's, symbolically (cached per
    code of every implementation listed, since one may call another: a changed one is compared afresh)."""
    formula, module, function = IMPLEMENTATIONS[name]
    implementation = getattr(importlib.import_module(module), function)
    key = (
        name,
        tuple(
            getattr(importlib.import_module(source), callee).__code__ for _, source, callee in IMPLEMENTATIONS.values()
        ),
    )
    if key not in _MATCHES and name in NUMERIC:
        _MATCHES[key] = _matches_numerically(formula, implementation, name)
    if key not in _MATCHES:
        arguments = _symbolic_arguments(name)
        computed = np.ravel(np.asarray(implementation(*arguments), dtype=object))
        expected = np.ravel(np.asarray(formula(*arguments), dtype=object))
        _MATCHES[key] = computed.shape == expected.shape and all(
            sympy.simplify(sympy.expand(a - b)) == 0 for a, b in zip(computed, expected)
        )
    return _MATCHES[key]


def implementation_problems(used: set[str]) -> list[str]:
    """One sentence per formula in ``used`` whose implementation differs from the draft's formula."""
    problems = []
    for name in sorted(used):
        if name in IMPLEMENTATIONS and not implementation_matches(name):
            _, module, function = IMPLEMENTATIONS[name]
            problems.append(
                f"implementation problem: {module}.{function} differs from the draft's formula "
                f"(theory.checking.formulas.draft_{name}) in a symbolic comparison; the statement was judged "
                "from the draft's formula and stands: fix the implementation"
            )
    return problems
