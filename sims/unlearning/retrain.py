"""Retraining from scratch without the forget set: the exact-unlearning reference.

Source: the draft, "Exact unlearning" ("Exact unlearning can easily be achieved by retraining the model
from scratch"). Same initialisation, order and batches as training, the forgotten examples removed, with
training's optimiser (:meth:`~sims.unlearning.protocol.UnlearnableModel.replay` from the initial state).
Cost: every retained example of every step, :math:`|\\mathcal T \\setminus \\mathcal U|` evaluations.
"""

from __future__ import annotations

from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import register

__all__ = ["retrain"]


@register("retrain", requires=("retrain",), exact=True)
def retrain(problem: UnlearningProblem) -> StepCost:
    """Exact: train from the initial state on the retain schedule (the reference)."""
    problem.require_record("retrain")
    return problem.model.replay(problem, rewind=False)
