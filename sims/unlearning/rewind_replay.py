"""Rewind to the first forgotten step and replay the rest without the forget set.

Source: the draft, "The problem of interleaved gradient steps" (an exact unlearner "would have to invert
the whole gradient steps and retrain on them in O(T) time"); with stored checkpoints the rewind itself is
free, as in the checkpointing baselines of SISA (Bourtoule et al. 2021) and DeltaGrad (Wu et al. 2020).
Exact (same result as :func:`~sims.unlearning.retrain.retrain` up to rounding). Cost: the retained
examples of the steps from the first forgotten one on; memory: the checkpoints ``8 T (S+1) P`` bytes.
"""

from __future__ import annotations

import numpy as np

from sims.unlearning.problem import UnlearningProblem, UnlearningResult, replay_from

__all__ = ["rewind_replay"]


def rewind_replay(problem: UnlearningProblem) -> UnlearningResult:
    checkpoints = problem.require("checkpoints")
    start = problem.first_touch
    theta_start = checkpoints[np.arange(problem.schedule.n_traj), start]
    run = replay_from(problem, theta_start, start)
    return UnlearningResult("rewind_replay", run.theta, run.grad_evals, checkpoints.nbytes)
