"""Fine-tuning on the retain set: continue training the trained model on retained data only.

Source: the draft, "Conclusion on gradient ascent" ("simply continuing the training on clean data"), the
"Fine-tune" baseline of Golatkar et al. (2020) and Kurmanji et al. (2023). ``epochs`` fresh shuffled passes
over the retained examples with the training rate, batch size and aggregation; cost: their number.
"""

from __future__ import annotations

import numpy as np

from sims.engines.schedule import make_schedule
from sims.engines.sgd import run_sgd
from sims.unlearning.problem import UnlearningProblem, UnlearningResult

__all__ = ["finetune", "retain_passes"]


def retain_passes(problem: UnlearningProblem, epochs: int, rng: np.random.Generator):
    """Shuffled passes over the retained examples (forgotten ones weighted 0), one order per trajectory."""
    schedule = make_schedule(problem.X.shape[0], problem.schedule.n_traj, epochs, problem.schedule.batch_size, rng)
    return schedule.without(problem.forget)


def finetune(problem: UnlearningProblem, epochs: int = 1, rng: np.random.Generator | None = None) -> UnlearningResult:
    rng = np.random.default_rng(0) if rng is None else rng
    schedule = retain_passes(problem, epochs, rng)
    run = run_sgd(problem.model, problem.X, problem.y, problem.full.theta, schedule, problem.lr, problem.aggregate)
    return UnlearningResult("finetune", run.theta, run.grad_evals)
