"""The registry: what each method needs, its tuning grid, clear errors, and that adding a method is one decorator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sims.unlearning import EngineRun, StepCost, Term, method_names, method_spec, methods, register, registry, unlearn
from sims.unlearning.common import start
from tests.sims.unlearning.reference_problems import numpy_run_inputs


@pytest.fixture
def problem():
    return EngineRun.train(**numpy_run_inputs("mean")).problem(np.random.default_rng(0))


def test_every_approximate_method_has_a_tuning_grid_over_four_decades_of_lr():
    for name, spec in methods().items():
        if spec.exact or name == "amnesiac":
            assert "lr" not in spec.grid, name
            continue
        rates = spec.grid["lr"]
        assert math.log10(max(rates) / min(rates)) >= 4, name
        assert "epochs" in spec.grid, name
    assert "beta" in method_spec("neggrad_plus").grid and "temperature" in method_spec("scrub").grid


def test_families_and_what_they_support(problem):
    numpy_methods = method_names(problem.model)
    assert {
        "retrain",
        "rewind_replay",
        "amnesiac",
        "finetune",
        "gradient_ascent",
        "neggrad_plus",
        "inversion_closed",
    } <= set(numpy_methods)
    assert "scrub" not in numpy_methods and "neggrad_plus_aligned" not in numpy_methods
    with pytest.raises(ValueError, match="scrub cannot run on the numpy models: it needs distillation"):
        unlearn("scrub", problem)


def test_clear_errors(problem):
    with pytest.raises(ValueError, match="unknown unlearning method 'amnesia'"):
        unlearn("amnesia", problem)
    with pytest.raises(ValueError, match="method retrain: .*unexpected keyword"):
        unlearn("retrain", problem, lr=0.1)
    with pytest.raises(ValueError, match="the numpy engines run plain SGD; unknown optimiser settings"):
        unlearn("finetune", problem, momentum=0.5)
    with pytest.raises(ValueError, match="lr must be finite and >= 0"):
        unlearn("finetune", problem, lr=-1.0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        unlearn("gradient_ascent", problem, epochs=0)
    with pytest.raises(ValueError, match="beta must lie in"):
        unlearn("neggrad_plus", problem, beta=1.5)
    with pytest.raises(ValueError, match="cycle must be one of"):
        unlearn("neggrad_plus", problem, cycle="forever")
    problem.record = None
    with pytest.raises(ValueError, match="needs the training run"):
        unlearn("retrain", problem)


def test_result_settings_cost_fraction_and_budget(problem):
    result = unlearn("gradient_ascent", problem, epochs=2)
    assert result.settings["epochs"] == 2 and np.array_equal(result.settings["lr"], problem.record.lr)
    assert result.cost_fraction == result.grad_evals / problem.record.retain_schedule.evaluations()
    assert "over_budget" not in result.info
    problem.budget = result.grad_evals - 1
    assert unlearn("gradient_ascent", problem, epochs=2).info["over_budget"] is True


def test_a_method_is_one_registered_function(problem):
    """A new method: one decorated function written against the protocol; nothing else changes."""

    @register(
        "test_double_finetune",
        grid={"lr": (1e-5, 1e-1), "epochs": (1,)},
        defaults={"epochs": 1},
        family_defaults={"numpy": {"lr": registry.FromTraining(1)}},
    )
    def double(problem, lr, epochs=1):
        """Two descent steps per retain batch (a test method)."""
        start(problem)
        batches = problem.model.batches(problem, "retain", epochs, 7)
        return problem.model.run([(Term(b, 1.0),) for epoch in batches for b in epoch for _ in range(2)], lr)

    try:
        assert "test_double_finetune" in method_names(problem.model)
        result = unlearn("test-double-finetune", problem)
        once = unlearn("finetune", problem.record.problem(np.random.default_rng(0)))
        assert result.grad_evals == 2 * once.grad_evals and result.method == "test_double_finetune"
        with pytest.raises(ValueError, match="registered twice"):
            register("test_double_finetune")(lambda problem: StepCost())
        with pytest.raises(ValueError, match="unknown capabilities"):
            register("test_other", requires=("telepathy",))
    finally:
        registry._REGISTRY.pop("test_double_finetune")


def test_grid_points_and_draft_settings():
    """The tuning grid is the product of the registered axes; ``small`` keeps every rate and each other axis's
    first value; the draft setting is the family's defaults on the grid's axes (negative: an unknown size)."""
    from sims.unlearning import draft_setting, grid_points

    full = grid_points("neggrad_plus")
    spec = method_spec("neggrad_plus")
    assert len(full) == math.prod(len(values) for values in spec.grid.values())
    assert all(set(point) == set(spec.grid) for point in full)
    small = grid_points("neggrad_plus", "small")
    assert {p["lr"] for p in small} == set(spec.grid["lr"]) and {p["beta"] for p in small} == {spec.grid["beta"][0]}
    assert draft_setting("gradient_ascent", "torch") == {"lr": 1e-5, "epochs": 4}
    assert draft_setting("finetune", "torch") == {"lr": 0.01, "epochs": 1}
    assert draft_setting("neggrad_plus", "torch") in full
    with pytest.raises(ValueError, match="grid must be one of"):
        grid_points("finetune", "medium")
