r"""Lifted check ``orthogonal-craft``: the draft's Experiment 2, a point whose gradient turns after one step.

Draft, "Approximation error in a nonlinear setting", Experiment 2: craft z = (x, y) minimising

.. math::
    \left|\cos\left(g_z(\theta - \lambda g_z(\theta)),\; g_z(\theta)\right)\right|

by Adam on the input x with projection onto the valid input range after every update (as the draft's
"Adversarial poisons with irregular gradients" prescribes for :math:`\|z\|_{\infty, Z} \le M`). The gradient
with respect to x goes through two parameter gradients (``torch.func.grad`` nested in ``grad``). For token
models the input is the embedding sequence (``inputs_embeds``), projected coordinate-wise onto the range of
the embedding matrix. A small :math:`|\cos|` makes :math:`\dim V_z \ge 2` with nearly orthogonal generators
(hypothesis span-dim-large) and makes gradient ascent fail: we also report the relative ascent error
:math:`|\theta_2 - \theta_0| / (\lambda |g_z(\theta_0)|)` before and after crafting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch.func import grad

from empirical.checks.ascent_error import ascent_error
from empirical.checks.base import Row, progress, summary
from empirical.checks.settings import ORTHOGONAL_CRAFT_DEFAULTS
from empirical.functional import Objective, Tree, point, tree_add, tree_cosine, tree_norm

__all__ = ["DEFAULTS", "cosine_after_step", "craft", "run"]

DEFAULTS = ORTHOGONAL_CRAFT_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch


def cosine_after_step(
    objective: Objective, params: Tree, inputs: torch.Tensor, targets: torch.Tensor, lr: float
) -> torch.Tensor:
    """cos(g_z(theta - lr g_z(theta)), g_z(theta)) for z = (inputs, targets), differentiable in the inputs."""
    batch = (inputs, targets)
    before = grad(objective.loss)(params, batch)
    return tree_cosine(grad(objective.loss)(tree_add(params, before, alpha=-lr), batch), before)


def craft(
    objective: Objective,
    params: Tree,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    lr: float,
    steps: int,
    adam_lr: float,
    lower: torch.Tensor,
    upper: torch.Tensor,
    record_every: int = 1,
) -> list[tuple[int, float, torch.Tensor]]:
    """Adam on the inputs with box projection; returns (step, |cos|, inputs) at step 0, every
    ``record_every`` steps and at the end. Stops early when the cosine becomes undefined (NaN: a gradient of
    exactly zero, the saturated cross-entropy of a confidently classified input)."""
    x = inputs.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=adam_lr)
    objective_fn = lambda v: cosine_after_step(objective, params, v, targets, lr).abs()
    history = []
    for step in range(steps + 1):
        value = float(objective_fn(x.detach()))
        if not np.isfinite(value):  # a gradient vanished (saturated loss): the cosine is undefined from here
            break
        if step % record_every == 0 or step == steps:
            history.append((step, value, x.detach().clone()))
        if step == steps:
            break
        direction = grad(objective_fn)(x.detach())
        optimizer.zero_grad(set_to_none=True)
        x.grad = direction
        optimizer.step()
        with torch.no_grad():
            x.copy_(torch.maximum(torch.minimum(x, upper), lower))
    return history


def _relative_ascent_error(objective: Objective, params: Tree, batch: tuple, lr: float) -> float:
    error = float(tree_norm(ascent_error(objective, params, batch, lr)))
    return error / (lr * float(tree_norm(objective.gradient(params, batch))))


def _input_and_range(setup: Any, batch: tuple) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    inputs = batch[0]
    if setup.data.task != "causal_lm":
        return inputs, setup.data.lower, setup.data.upper
    table = setup.model.get_input_embeddings().weight.detach()
    return table[inputs], table.min(dim=0).values, table.max(dim=0).values


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    objective, params = setup.objective()
    train_batch = (setup.data.train_x, setup.data.train_y)
    rows: list[Row] = []
    initial, final, errors_before, errors_after = [], [], [], []
    for index in progress(setup.indices(settings["n_points"], settings["point_seed"]), "orthogonal-craft"):
        inputs, targets = point(train_batch, int(index))
        x0, lower, upper = _input_and_range(setup, (inputs, targets))
        history = craft(
            objective,
            params,
            x0,
            targets,
            settings["lr"],
            settings["steps"],
            settings["adam_lr"],
            lower,
            upper,
            settings["record_every"],
        )
        for step, value, x in history:
            rows.append(
                Row(
                    {"lemma_id": "span-dim-large", "point": int(index), "step": step},
                    {"abs_cosine": value, "input_shift_inf": float((x - x0).abs().max())},
                )
            )
        best_step, best_value, best_x = min(history, key=lambda item: item[1])
        before = _relative_ascent_error(objective, params, (x0, targets), settings["lr"])
        after = _relative_ascent_error(objective, params, (best_x, targets), settings["lr"])
        rows.append(
            Row(
                {"lemma_id": "span-dim-large", "role": "case-summary", "point": int(index)},
                {
                    "abs_cosine_initial": history[0][1],
                    "abs_cosine_best": best_value,
                    "best_step": best_step,
                    "relative_ascent_error_initial": before,
                    "relative_ascent_error_crafted": after,
                },
            )
        )
        initial.append(history[0][1])
        final.append(best_value)
        errors_before.append(before)
        errors_after.append(after)
    return rows + [
        summary("span-dim-large", "median_abs_cosine_crafted", np.median(final), key=True),
        summary("span-dim-large", "median_abs_cosine_initial", np.median(initial)),
        summary("span-dim-large", "median_relative_ascent_error_initial", np.median(errors_before)),
        summary("span-dim-large", "median_relative_ascent_error_crafted", np.median(errors_after)),
    ]
