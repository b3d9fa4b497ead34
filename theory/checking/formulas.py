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

The engine (:mod:`theory.checking.status`, rule 8) records which formulas a lemma's checks evaluated
(:func:`formulas_used`) and then compares the package's implementation of each with it symbolically
(:func:`implementation_problems`): a bug in the implementation is an *implementation problem* of the
lemma, never a refutation of the statement.
"""

from __future__ import annotations

import contextlib
import importlib
from contextvars import ContextVar
from typing import Any, Iterator

import numpy as np
import sympy

__all__ = ["draft_residual", "draft_gradient", "draft_step", "draft_commutator", "draft_inverse_step",
           "draft_neumann", "draft_fixed_point", "IMPLEMENTATIONS", "formulas_used", "implementation_matches",
           "implementation_problems"]

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
        draft_step(theta, x, y, lr), x_other, y_other, lr)


def draft_inverse_step(theta_next, x, y, lr):
    """Sherman-Morrison preimage of theta_next under Phi_z (needs lr |x|^2 != 1)."""
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
}


def _symbolic_arguments(name: str) -> tuple:
    """Symbolic arguments for a formula, in dimension 3 (at most three vectors take part: the identity
    then holds in every dimension, theory.checking.building_blocks)."""
    def vector(label: str) -> np.ndarray:
        return np.array(sympy.symbols(f"{label}_0:3", real=True), dtype=object)

    theta, x, x2 = vector("theta"), vector("x"), vector("xo")
    y, y2, lr = sympy.symbols("y yo lambda", real=True)
    return {"residual": (theta, x, y), "gradient": (theta, x, y), "step": (theta, x, y, lr),
            "commutator": (theta, x, y, x2, y2, lr), "inverse_step": (theta, x, y, lr),
            "neumann": (theta, x, y, lr, 3), "fixed_point": (theta, x, y, lr, 3, x2)}[name]


_MATCHES: dict[tuple[str, Any], bool] = {}


def implementation_matches(name: str) -> bool:
    """Whether the package's implementation of formula ``name`` equals the draft's, symbolically (cached per
    code of every implementation listed, since one may call another: a changed one is compared afresh)."""
    formula, module, function = IMPLEMENTATIONS[name]
    implementation = getattr(importlib.import_module(module), function)
    key = (name, tuple(getattr(importlib.import_module(source), callee).__code__
                       for _, source, callee in IMPLEMENTATIONS.values()))
    if key not in _MATCHES:
        arguments = _symbolic_arguments(name)
        computed = np.ravel(np.asarray(implementation(*arguments), dtype=object))
        expected = np.ravel(np.asarray(formula(*arguments), dtype=object))
        _MATCHES[key] = computed.shape == expected.shape and all(
            sympy.simplify(sympy.expand(a - b)) == 0 for a, b in zip(computed, expected))
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
                "from the draft's formula and stands: fix the implementation")
    return problems
