r"""Amnesiac unlearning: subtract the stored updates of every step that touched the forget set.

Source: Graves, Nagisetty & Ganesh (2021), "Amnesiac Machine Learning", AAAI: store each batch's parameter
update during training and unlearn by subtracting those of the batches that held forgotten data
(:math:`\theta_T - \sum_{s \in \mathcal U} (\theta_{s+1} - \theta_s)`). No gradient is evaluated (cost 0);
memory: the updates ``8 T S P`` bytes. It removes the retained examples of those batches too, and ignores
that later steps depended on the forgotten ones (non-commutativity).
"""

from __future__ import annotations

import numpy as np

from sims.unlearning.problem import UnlearningProblem, UnlearningResult

__all__ = ["amnesiac"]


def amnesiac(problem: UnlearningProblem) -> UnlearningResult:
    updates = problem.require("updates")
    touched = problem.schedule.steps_touching(problem.forget)
    theta = problem.full.theta - np.einsum("ts,tsp->tp", touched.astype(np.float64), updates)
    return UnlearningResult("amnesiac", theta, 0, updates.nbytes)
