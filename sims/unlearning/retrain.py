"""Retraining from scratch without the forget set: the exact-unlearning reference.

Source: the draft, "Exact unlearning" ("Exact unlearning can easily be achieved by retraining the model
from scratch"). Same initialisation, order and batches as training, the forgotten examples removed.
Cost: every retained example of every step, :math:`|\\mathcal T \\setminus \\mathcal U|` evaluations.
"""

from __future__ import annotations

from sims.engines.sgd import run_sgd
from sims.unlearning.problem import UnlearningProblem, UnlearningResult

__all__ = ["retrain"]


def retrain(problem: UnlearningProblem) -> UnlearningResult:
    run = run_sgd(problem.model, problem.X, problem.y, problem.theta0, problem.retain_schedule, problem.lr,
                  problem.aggregate)
    return UnlearningResult("retrain", run.theta, run.grad_evals)
