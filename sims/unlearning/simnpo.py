r"""SimNPO (Fan, Liu, Lin, Jia, Zhang, Mei & Liu 2024, arXiv 2410.07163), reference-free NPO, with a retain term.

Forget loss :math:`-(2/\beta)\,\mathbb E \log\sigma(-(\beta/|y|)\log\pi_\theta(y\mid x) - \gamma)`
(:func:`empirical.insecure_code.preference_losses.simnpo_loss`): length-normalised, margin :math:`\gamma \ge 0`.
Each step adds ``retain_weight`` times a cycled retain batch's task loss. Needs sequence log-probabilities
(capability ``sequence_preference``: the language models). Cost: forget plus retain examples visited.
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_epochs, check_rate, preference_plan, start
from sims.unlearning.npo import check_inverse_temperature
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import EPOCH_GRID, LR_GRID, FromTraining, register

__all__ = ["simnpo", "SIMNPO_BETA_GRID"]

#: The paper's 2.5 first (the ``small`` grid keeps it).
SIMNPO_BETA_GRID = (2.5, 1.0, 5.0)


@register(
    "simnpo",
    requires=("sequence_preference",),
    grid={"lr": LR_GRID, "beta": SIMNPO_BETA_GRID, "epochs": EPOCH_GRID},
    defaults={"lr": FromTraining(10), "beta": 2.5, "gamma": 0.0, "epochs": 1, "retain_weight": 1.0},
)
def simnpo(
    problem: UnlearningProblem,
    lr: Any,
    beta: float = 2.5,
    gamma: float = 0.0,
    epochs: int = 1,
    retain_weight: float = 1.0,
    batch_statistics: bool = False,
    **optimizer: Any,
) -> StepCost:
    """SimNPO on forget batches (reference-free, length-normalised) plus a retain term (Fan et al. 2024)."""
    check_rate(lr), check_epochs(epochs), check_inverse_temperature(beta)
    if not gamma >= 0:
        raise ValueError(f"gamma must be non-negative (SimNPO's margin), got {gamma!r}")
    start(problem, batch_statistics)
    return problem.model.run(
        preference_plan(problem, "simnpo", epochs, retain_weight, beta=beta, gamma=gamma), lr, **optimizer
    )
