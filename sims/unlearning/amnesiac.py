r"""Amnesiac unlearning: subtract the stored updates of every step that touched the forget set.

Source: Graves, Nagisetty & Ganesh (2021), "Amnesiac Machine Learning", AAAI: store each batch's parameter
update during training and unlearn by subtracting those of the batches that held forgotten data
(:math:`\theta_T - \sum_{s \in \mathcal U} (\theta_{s+1} - \theta_s)`). No gradient is evaluated (cost 0);
memory: the updates ``8 T S P`` bytes. It removes the retained examples of those batches too, and ignores
that later steps depended on the forgotten ones (non-commutativity). Needs the updates stored during training
(capability ``updates``: the numpy engines).
"""

from __future__ import annotations

import numpy as np

from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import register

__all__ = ["amnesiac"]


@register("amnesiac", requires=("updates",))
def amnesiac(problem: UnlearningProblem) -> StepCost:
    """Subtract the stored updates of the steps that held forgotten examples (no gradient)."""
    run = problem.require_record("amnesiac")
    updates = run.require("updates")
    touched = run.schedule.steps_touching(run.forget)
    problem.model.load_state(problem.state - np.einsum("ts,tsp->tp", touched.astype(np.float64), updates))
    return StepCost(0, memory_bytes=updates.nbytes)
