r"""NegGrad+: descend on retain batches while ascending on forget batches, weighted by :math:`\beta`.

Source: Kurmanji, Triantafillou, Hayes & Triantafillou (2023), "Towards Unbounded Machine Unlearning"
(SCRUB code's NegGrad+): loss :math:`\beta\, \bar L(\text{retain batch}) - (1-\beta)\, \bar L(\text{forget batch})`,
forget batches cycled alongside retain batches; the draft uses :math:`\beta = 0.995`. One step here is
:math:`\theta \leftarrow \theta - \lambda(\beta \bar g_r - (1-\beta)\bar g_f)` with batch means
:math:`\bar g`; ``epochs`` passes over the retain set. Cost: retained plus forgotten examples visited.
"""

from __future__ import annotations

import numpy as np

from sims.engines.schedule import Schedule
from sims.engines.sgd import batch_mean_weights, run_sgd
from sims.unlearning.finetune import retain_passes
from sims.unlearning.problem import UnlearningProblem, UnlearningResult, forgotten_in_reverse

__all__ = ["neggrad_plus"]


def neggrad_plus(problem: UnlearningProblem, beta: float = 0.995, epochs: int = 1,
                 rng: np.random.Generator | None = None) -> UnlearningResult:
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must lie in [0, 1] (weight of the retain loss), got {beta!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    retain = retain_passes(problem, epochs, rng)
    forget = forgotten_in_reverse(problem, problem.schedule.batch_size)
    cycle = np.arange(retain.n_steps) % forget.n_steps  # forget batches cycled alongside retain batches
    indices = np.concatenate([retain.indices, forget.indices[:, cycle]], axis=2)
    weights = np.concatenate([beta * batch_mean_weights(retain.weights),
                              -(1.0 - beta) * batch_mean_weights(forget.weights[:, cycle])], axis=2)
    run = run_sgd(problem.model, problem.X, problem.y, problem.full.theta, Schedule(indices, weights), problem.lr,
                  aggregate="sum")
    return UnlearningResult("neggrad_plus", run.theta, run.grad_evals)
