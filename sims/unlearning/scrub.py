r"""SCRUB (Kurmanji et al. 2023), the strong recent baseline.

Per epoch (while epoch < ``max_epochs``) maximise :math:`T^2\,\mathrm{KL}(\text{teacher}\,\|\,\text{student})` on
forget batches (stream 5), then minimise :math:`\gamma` task loss + :math:`\alpha` KL on retain batches (stream 6);
the teacher is a frozen copy of the trained model (capability ``distillation``). Defaults: the SCRUB code's CIFAR
settings. Why SCRUB rather than SalUn: SCRUB needs only the model's outputs, so the same code serves a classifier
and a causal language model, whereas SalUn's random relabelling presumes a small label space; and SCRUB is the
paper NegGrad+ comes from, so the two share hyper-parameter conventions. Cost: gradient evaluations, and the
teacher's forward passes in ``forward_evals``.
"""

from __future__ import annotations

from typing import Any

from sims.unlearning.common import check_epochs, check_rate, start
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost, Term
from sims.unlearning.registry import register

__all__ = ["scrub", "SCRUB_LR_GRID"]

#: Five decades around the SCRUB code's 5e-4. Temperature is an axis of the grid held at the code's 4.0 (widen it
#: here to tune it: every grid point is a cell of the poisoning protocol).
SCRUB_LR_GRID = (5e-6, 5e-5, 5e-4, 5e-3, 5e-2)


@register(
    "scrub",
    requires=("distillation",),
    grid={"lr": SCRUB_LR_GRID, "epochs": (1, 3), "temperature": (4.0,)},
    defaults={"lr": 5e-4, "epochs": 3, "max_epochs": 2, "alpha": 0.001, "gamma": 0.99, "temperature": 4.0},
    family_defaults={"torch": {"momentum": 0.9, "weight_decay": 5e-4}},
)
def scrub(
    problem: UnlearningProblem,
    lr: Any,
    epochs: int = 3,
    max_epochs: int = 2,
    alpha: float = 0.001,
    gamma: float = 0.99,
    temperature: float = 4.0,
    batch_statistics: bool = False,
    **optimizer: Any,
) -> StepCost:
    """SCRUB: max-steps (KL on the forget set) then min-steps (task loss + KL on the retain set) per epoch."""
    check_rate(lr), check_epochs(epochs)
    start(problem, batch_statistics)
    forget = problem.model.batches(problem, "forget", epochs, 5)
    retain = problem.model.batches(problem, "retain", epochs, 6)
    plan: list[tuple[Term, ...]] = []
    for epoch in range(epochs):
        if epoch < max_epochs:
            plan += [(Term(batch, -1.0, "distill", temperature),) for batch in forget[epoch]]
        plan += [(Term(batch, gamma), Term(batch, alpha, "distill", temperature)) for batch in retain[epoch]]
    return problem.model.run(plan, lr, **optimizer)
