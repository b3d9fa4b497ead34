r"""NegGrad+: descend on retain batches while ascending on forget batches, weighted by :math:`\beta`.

Source: Kurmanji, Triantafillou, Hayes & Triantafillou (2023), "Towards Unbounded Machine Unlearning"
(SCRUB code's NegGrad+): loss :math:`\beta\, \bar L(\text{retain batch}) - (1-\beta)\, \bar L(\text{forget batch})`,
forget batches cycled alongside retain batches (``cycle``: a fresh forget pass per epoch, or one pass cycled over
the run); the draft uses :math:`\beta = 0.995`. ``epochs`` passes over the retain set (stream 3; forget: stream 4).
Cost: retained plus forgotten examples visited.

``neggrad_plus_aligned`` is the draft's TODO ("align the gradients on the forget set and the retain set"): the
forget direction :math:`u = -\nabla L_f` is projected off :math:`g_r = \nabla L_r` when
:math:`\langle u, g_r\rangle > 0` (PCGrad, Yu et al. 2020), :math:`u \leftarrow u - \frac{\langle u, g_r\rangle}
{|g_r|^2} g_r`, and the step is on :math:`\beta g_r + (1-\beta) u` (capability ``projection``).
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_beta, check_epochs, check_rate, paired, start
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import LR_GRID, FromTraining, register

__all__ = ["neggrad_plus", "neggrad_plus_aligned"]

#: The draft's 0.995 first (the ``small`` grid keeps it), then stronger forgetting.
BETA_GRID = (0.995, 0.9, 0.5)
_FAMILIES = {
    "numpy": {"lr": FromTraining(1), "cycle": "run"},
    "lm": {"lr": FromTraining(10), "cycle": "run"},
    "torch": {"lr": 1e-3, "epochs": 4, "cycle": "epoch", "momentum": 0.9, "weight_decay": 5e-4},
}
_GRID = {"lr": LR_GRID, "beta": BETA_GRID, "epochs": (1, 4)}


def _plan(problem: UnlearningProblem, beta: float, epochs: int, cycle: str):
    return paired(problem, epochs, cycle, 3, 4, beta, -(1.0 - beta))


@register("neggrad_plus", grid=_GRID, defaults={"beta": 0.995, "epochs": 1}, family_defaults=_FAMILIES)
def neggrad_plus(
    problem: UnlearningProblem,
    lr: Any,
    beta: float = 0.995,
    epochs: int = 1,
    cycle: str = "run",
    batch_statistics: bool = False,
    **optimizer: Any,
) -> StepCost:
    """Descend beta L(retain batch) - (1 - beta) L(forget batch), forget batches cycled (draft: beta 0.995)."""
    check_rate(lr), check_beta(beta), check_epochs(epochs)
    start(problem, batch_statistics)
    return problem.model.run(_plan(problem, beta, epochs, cycle), lr, **optimizer)


@register(
    "neggrad_plus_aligned",
    requires=("projection",),
    grid=_GRID,
    defaults={"beta": 0.995, "epochs": 1},
    family_defaults=_FAMILIES,
)
def neggrad_plus_aligned(
    problem: UnlearningProblem,
    lr: Any,
    beta: float = 0.995,
    epochs: int = 1,
    cycle: str = "epoch",
    batch_statistics: bool = False,
    **optimizer: Any,
) -> StepCost:
    """NegGrad+ whose forget direction is projected off the retain gradient when they conflict."""
    check_rate(lr), check_beta(beta), check_epochs(epochs)
    start(problem, batch_statistics)
    return problem.model.run(_plan(problem, beta, epochs, cycle), lr, combine="project", **optimizer)
