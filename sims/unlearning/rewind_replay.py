"""Rewind to the first forgotten step and replay the rest without the forget set.

Source: the draft, "The problem of interleaved gradient steps" (an exact unlearner "would have to invert
the whole gradient steps and retrain on them in O(T) time"); with stored checkpoints the rewind itself is
free, as in the checkpointing baselines of SISA (Bourtoule et al. 2021) and DeltaGrad (Wu et al. 2020).
Exact (same result as :func:`~sims.unlearning.retrain.retrain` up to rounding; bit for bit where the family
stores the optimiser state with the checkpoint). Cost: the retained examples of the steps from the rewound one
on; memory: the checkpoints. Needs a recorded trajectory (capability ``checkpoints``).
"""

from __future__ import annotations

from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import register

__all__ = ["rewind_replay"]


@register("rewind_replay", requires=("checkpoints",), exact=True)
def rewind_replay(problem: UnlearningProblem) -> StepCost:
    """Exact: load the last state stored before the first forgotten step, replay the retained steps."""
    problem.require_record("rewind_replay")
    return problem.model.replay(problem, rewind=True)
