r"""Lifted check ``commutator``: two steps in both orders, against lr^2 (H_B g_A - H_A g_B).

Draft, "Inverting many gradient steps is hard since they don't commute": for two points (or batches) A, B,

.. math::
    \Phi_B(\Phi_A(\theta)) - \Phi_A(\Phi_B(\theta)) = \lambda^2 (H_B g_A - H_A g_B) + O(\lambda^3)

with gradients and Hessians at :math:`\theta` (lemma commutator-logistic; Smith et al. 2021). For the
linear model it is exact: :math:`\lambda^2 (x_A \cdot x_B)(r_A x_B - r_B x_A)` (lemma lr-commutator-formula,
`theory.models.linear_regression.commutator_closed_form` with z = B applied last). Pairs are drawn from different
classes by default (the draft's "different classes" hypothesis) and swept over learning rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from empirical.checks.base import Row, progress
from empirical.checks.second_order import lr_grid, sweep_rows
from empirical.checks.settings import COMMUTATOR_DEFAULTS
from empirical.functional import Objective, Tree, point, tree_add, tree_norm

__all__ = ["DEFAULTS", "commutator", "commutator_prediction", "draw_pairs", "run"]

DEFAULTS = COMMUTATOR_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch


def commutator(objective: Objective, params: Tree, batch_a: tuple, batch_b: tuple, lr: float) -> Tree:
    """Phi_B(Phi_A(theta)) - Phi_A(Phi_B(theta)): B applied last minus A applied last."""
    b_after_a = objective.step(objective.step(params, batch_a, lr), batch_b, lr)
    a_after_b = objective.step(objective.step(params, batch_b, lr), batch_a, lr)
    return tree_add(b_after_a, a_after_b, alpha=-1.0)


def commutator_prediction(objective: Objective, params: Tree, batch_a: tuple, batch_b: tuple, hvp_a, hvp_b) -> Tree:
    """The unit prediction H_B g_A - H_A g_B at theta (multiply by lr^2), from two HVPs."""
    return tree_add(hvp_b(objective.gradient(params, batch_a)), hvp_a(objective.gradient(params, batch_b)), alpha=-1.0)


def draw_pairs(targets: np.ndarray, count: int, seed: int, same_class: bool | None) -> list[tuple[int, int]]:
    """``count`` index pairs, both from one class (``same_class``), from two classes, or any (None)."""
    rng = np.random.default_rng(seed)
    pairs: list[tuple[int, int]] = []
    for _ in range(100 * count):
        a, b = (int(i) for i in rng.choice(len(targets), size=2, replace=False))
        if same_class is None or bool(np.all(targets[a] == targets[b])) == same_class:
            pairs.append((a, b))
        if len(pairs) == count:
            return pairs
    raise ValueError(f"could not draw {count} pairs with same_class={same_class}; change the setting")


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    objective, params = setup.objective()
    lrs = lr_grid(settings["lr_min"], settings["lr_max"], settings["n_lrs"])
    train_batch = (setup.data.train_x, setup.data.train_y)
    class_labels = setup.data.task == "classification"
    pairs = draw_pairs(
        setup.data.train_y.cpu().numpy(),
        settings["n_pairs"],
        settings["point_seed"],
        settings["same_class"] if class_labels else None,
    )
    cases = []
    for a, b in progress(pairs, "commutator"):
        za, zb = point(train_batch, a), point(train_batch, b)
        unit = commutator_prediction(
            objective, params, za, zb, setup.hvp(objective, params, za), setup.hvp(objective, params, zb)
        )
        cases.append(
            ({"point_a": a, "point_b": b}, lambda lr, za=za, zb=zb: commutator(objective, params, za, zb, lr), unit)
        )
    lemma = "lr-commutator-formula" if setup.is_linear else "commutator-logistic"
    return sweep_rows(
        lemma, cases, lrs, float(tree_norm(params)), next(iter(params.values())).dtype, settings["tolerance"]
    )
