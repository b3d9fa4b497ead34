r"""Gradient ascent on the forget set: :math:`\theta \leftarrow \theta + \mu\, \nabla \bar L(\text{forget batch})`.

Source: the draft, "Gradient ascent does not revert gradient descent" (the usual approximate unlearning
step; Thudi et al. 2022, Jang et al. 2023 use it as NegGrad / GA). ``epochs`` passes over the forget set
(stream 2), one ascent step per batch. The numpy engines visit the forgotten examples in reverse order of
training, in batches of the training batch size, aggregated as in training, at training's rate by default (the
draft's :math:`\theta_2 = \theta_1 + \lambda g_z(\theta_1)`); torch: the draft's SGD lr 1e-5, momentum 0.9,
weight decay 5e-4, 4 epochs; language models: training's rate / 10. Cost: ``epochs`` x the forgotten examples.
Tuning grid: lr 1e-5 to 1e-1 x epochs {4, 16} (the draft's 4 epochs first).
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_epochs, check_rate, single, start
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import LR_GRID, FromTraining, register

__all__ = ["gradient_ascent"]


@register(
    "gradient_ascent",
    grid={"lr": LR_GRID, "epochs": (4, 16)},
    defaults={"epochs": 1},
    family_defaults={
        "numpy": {"lr": FromTraining(1)},
        "lm": {"lr": FromTraining(10)},
        "torch": {"lr": 1e-5, "epochs": 4, "momentum": 0.9, "weight_decay": 5e-4},
    },
)
def gradient_ascent(
    problem: UnlearningProblem, lr: Any, epochs: int = 1, batch_statistics: bool = False, **optimizer: Any
) -> StepCost:
    """Ascent on the mean loss of forget batches, ``epochs`` passes."""
    check_rate(lr), check_epochs(epochs)
    start(problem, batch_statistics)
    plan = single(problem.model.batches(problem, "forget", epochs, 2), -1.0)
    return problem.model.run(plan, lr, **optimizer)
