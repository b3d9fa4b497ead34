r"""NPO, negative preference optimisation (Zhang, Lin, Bai & Mei 2024, arXiv 2404.05868), with a retain term.

Forget loss :math:`-(2/\beta)\,\mathbb E \log\sigma(-\beta(\log\pi_\theta(y\mid x) - \log\pi_{\text{ref}}(y\mid x)))`
(:func:`empirical.insecure_code.preference_losses.npo_loss`), the reference being the model before unlearning;
its gradient is gradient ascent's weighted by :math:`2\sigma(\beta\Delta) \in (0, 2)`, which vanishes as the forget
answer becomes unlikely. Each step adds ``retain_weight`` times a cycled retain batch's task loss (NPO+RT).
Needs sequence log-probabilities (capability ``sequence_preference``: the language models). Cost: forget plus
retain examples visited; the reference's forward passes in ``forward_evals``.
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_epochs, check_rate, preference_plan, start
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import EPOCH_GRID, LR_GRID, FromTraining, register

__all__ = ["npo", "NPO_BETA_GRID"]

#: The paper's 0.1 first (the ``small`` grid keeps it), then sharper damping.
NPO_BETA_GRID = (0.1, 0.5, 2.0)


def check_inverse_temperature(beta: float) -> float:
    if not (isinstance(beta, (int, float)) and beta > 0):
        raise ValueError(f"beta must be positive (the inverse temperature of NPO / SimNPO), got {beta!r}")
    return float(beta)


@register(
    "npo",
    requires=("sequence_preference",),
    grid={"lr": LR_GRID, "beta": NPO_BETA_GRID, "epochs": EPOCH_GRID},
    defaults={"lr": FromTraining(10), "beta": 0.1, "epochs": 1, "retain_weight": 1.0},
)
def npo(
    problem: UnlearningProblem,
    lr: Any,
    beta: float = 0.1,
    epochs: int = 1,
    retain_weight: float = 1.0,
    batch_statistics: bool = False,
    **optimizer: Any,
) -> StepCost:
    """NPO on forget batches (reference: the model before unlearning) plus a retain term (Zhang et al. 2024)."""
    check_rate(lr), check_epochs(epochs), check_inverse_temperature(beta)
    start(problem, batch_statistics)
    return problem.model.run(preference_plan(problem, "npo", epochs, retain_weight, beta=beta), lr, **optimizer)
