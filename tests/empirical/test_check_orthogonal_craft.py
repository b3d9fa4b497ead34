"""orthogonal-craft (Experiment 2): impossible in linear regression, possible on a network."""

from __future__ import annotations

import torch

from empirical.checks import CHECKS, resolve_settings
from empirical.checks.orthogonal_craft import cosine_after_step, craft
from empirical.functional import tree_cosine
from theory.checking.error_model import UNIT_ROUNDOFF


def test_cosine_after_step_matches_two_explicit_gradients(mlp_setup):
    objective, params = mlp_setup.objective()
    inputs, targets = mlp_setup.batch([4])
    before = objective.gradient(params, (inputs, targets))
    after = objective.gradient(objective.step(params, (inputs, targets), 0.3), (inputs, targets))
    p = sum(v.numel() for v in params.values())
    assert abs(
        float(cosine_after_step(objective, params, inputs, targets, 0.3)) - float(tree_cosine(after, before))
    ) <= (4 * p * UNIT_ROUNDOFF)


def test_linear_cosine_cannot_move(linear_setup):
    """ga-collinear: both gradients are multiples of x, so |cos| = 1 for every crafted x."""
    check = CHECKS["orthogonal-craft"]
    rows = check.run(linear_setup, resolve_settings(check, {"n_points": 1, "steps": 3, "record_every": 1}))
    p = linear_setup.data.train_x.shape[1]
    for row in (r for r in rows if r.role == "measurement"):
        assert abs(row.metrics["abs_cosine"] - 1) <= (2 * p + 10) * UNIT_ROUNDOFF


def test_crafting_lowers_the_cosine_and_respects_the_range(mlp_setup):
    objective, params = mlp_setup.objective()
    inputs, targets = mlp_setup.batch([9])
    lower, upper = mlp_setup.data.lower, mlp_setup.data.upper
    history = craft(objective, params, inputs, targets, lr=0.5, steps=15, adam_lr=0.05, lower=lower, upper=upper)
    assert min(value for _, value, _ in history) < history[0][1]
    for _, _, x in history:
        assert torch.all(x >= lower) and torch.all(x <= upper)
