"""The oracle judges from the draft's formulas, never through the implementation (issue 19, item 4).

theory.checking.formulas agrees with theory.models.linear_regression on random inputs; the symbolic
conformance check fails on a planted bug; and a sign bug planted in the implementation's step gives
"implementation problem" for the proved lemmas that use the step, never "refuted".
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

import theory.lemmas
import theory.models.linear_regression as linear_regression
from theory.checking import formulas
from theory.checking.registry import get
from theory.checking.status import evaluate


def _sign_flipped_step(theta, x, y, lr):
    return theta + lr * gradient_core(theta, x, y)  # noqa: F821 (resolved in linear_regression's globals)


@pytest.fixture
def sign_bug(monkeypatch):
    """The step of theory.models.linear_regression with the sign of its update flipped (an ascent step)."""
    monkeypatch.setattr(linear_regression.step_core, "__code__", _sign_flipped_step.__code__)
    theta, x = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    assert np.allclose(linear_regression.step_core(theta, x, 1.0, 0.1), theta + 0.1 * (theta @ x - 1.0) * x)


@pytest.mark.parametrize("name", sorted(set(formulas.IMPLEMENTATIONS) - formulas.NUMERIC))
def test_each_draft_formula_agrees_with_the_implementation(name):
    rng = np.random.default_rng(0)
    formula, module, function = formulas.IMPLEMENTATIONS[name]
    implementation = getattr(linear_regression, function)
    theta, x, x2 = (rng.normal(size=3) for _ in range(3))
    arguments = {
        "residual": (theta, x, 0.3),
        "gradient": (theta, x, 0.3),
        "step": (theta, x, 0.3, 0.1),
        "commutator": (theta, x, 0.3, x2, -0.2, 0.1),
        "inverse_step": (theta, x, 0.3, 0.1),
        "neumann": (theta, x, 0.3, 0.1, 4),
        "fixed_point": (theta, x, 0.3, 0.1, 4, x2),
    }[name]
    assert np.allclose(formula(*arguments), implementation(*arguments), rtol=1e-12, atol=1e-12)
    assert formulas.implementation_matches(name)


def test_the_lemmas_never_import_the_linear_regression_cores():
    """The judge must not call what it judges: no lemma module imports a *_core of linear_regression."""
    import pkgutil

    for info in pkgutil.iter_modules(theory.lemmas.__path__):
        source = inspect.getsource(__import__(f"theory.lemmas.{info.name}", fromlist=["_"]))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module == "theory.models.linear_regression":
                assert not [alias.name for alias in node.names if alias.name.endswith("_core")], info.name


def test_formulas_used_collects_nested_formulas_only_inside_the_block():
    theta, x = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    with formulas.formulas_used() as used:
        formulas.draft_commutator(theta, x, 1.0, theta, 0.0, 0.5)
    assert used == {"commutator", "step"}
    formulas.draft_step(theta, x, 1.0, 0.5)  # outside any block: nothing recorded, nothing raised
    assert used == {"commutator", "step"}


def test_a_sign_bug_is_an_implementation_problem_of_the_formula_that_uses_it(sign_bug):
    assert not formulas.implementation_matches("step")
    assert formulas.implementation_matches("gradient") and formulas.implementation_matches("inverse_step")
    # the commutator is quadratic in lr, so flipping the sign of every step leaves it unchanged: it still matches
    assert formulas.implementation_matches("commutator")
    problems = formulas.implementation_problems({"step", "gradient"})
    assert len(problems) == 1 and "theory.models.linear_regression.step_core differs" in problems[0]


@pytest.mark.parametrize("lemma_id", ["tilde-theta-corrected", "lr-commutator-formula", "step-non-injective"])
def test_a_planted_sign_bug_in_the_step_gives_implementation_problems_not_refutations(sign_bug, lemma_id):
    verdict = evaluate(get(lemma_id))
    assert verdict.status == "proved", verdict.problems
    assert verdict.problems and all("implementation problem" in problem for problem in verdict.problems)
    assert any("step_core differs from the draft's formula" in problem for problem in verdict.problems)


def test_the_logistic_formulas_agree_with_the_implementation_and_a_planted_bug_is_caught(monkeypatch):
    import theory.models.logistic_regression as logistic

    assert formulas.implementation_matches("logistic_gradient") and formulas.implementation_matches("logistic_hvp")

    def wrong_gradient(theta, x, y):
        return (loss_derivative_core(margin_core(theta, x, y)) * -y) * x  # noqa: F821 (logistic's globals)

    monkeypatch.setattr(logistic.gradient_core, "__code__", wrong_gradient.__code__)
    assert not formulas.implementation_matches("logistic_gradient")
    assert formulas.implementation_problems({"logistic_gradient"})[0].startswith(
        "implementation problem: theory.models.logistic_regression.gradient_core differs"
    )


def test_the_lemmas_never_import_the_second_order_or_logistic_cores():
    import pkgutil

    for info in pkgutil.iter_modules(theory.lemmas.__path__):
        source = inspect.getsource(__import__(f"theory.lemmas.{info.name}", fromlist=["_"]))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module in (
                "theory.models.second_order",
                "theory.models.logistic_regression",
            ):
                assert not [alias.name for alias in node.names if alias.name.endswith("_core")], info.name
