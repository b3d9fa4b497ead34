"""Fine-tuning on the retain set: continue training the trained model on retained data only.

Source: the draft, "Conclusion on gradient ascent" ("simply continuing the training on clean data"), the
"Fine-tune" baseline of Golatkar et al. (2020) and Kurmanji et al. (2023). ``epochs`` fresh shuffled passes
over the retained examples (stream 1), one step per batch on its mean loss; cost: their number.
Defaults: numpy, training's rate and one epoch; torch, lr 0.01 (SGD, momentum 0.9, weight decay 5e-4);
language models, training's rate / 10 (AdamW). Tuning grid: lr 1e-5 to 1e-1 x epochs {1, 2}.
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_epochs, check_rate, single, start
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import LR_GRID, FromTraining, register

__all__ = ["finetune"]


@register(
    "finetune",
    grid={"lr": LR_GRID, "epochs": (1, 2)},
    defaults={"epochs": 1},
    family_defaults={
        "numpy": {"lr": FromTraining(1)},
        "lm": {"lr": FromTraining(10)},
        "torch": {"lr": 0.01, "momentum": 0.9, "weight_decay": 5e-4},
    },
)
def finetune(
    problem: UnlearningProblem, lr: Any, epochs: int = 1, batch_statistics: bool = False, **optimizer: Any
) -> StepCost:
    """SGD (the family's optimiser) on the retain set for ``epochs`` passes."""
    check_rate(lr), check_epochs(epochs)
    start(problem, batch_statistics)
    plan = single(problem.model.batches(problem, "retain", epochs, 1), 1.0)
    return problem.model.run(plan, lr, **optimizer)
