r"""An unlearning problem on the engines, shared by every method of :mod:`sims.unlearning`.

Draft, "Inverting many gradient steps is hard since they don't commute": given the steps
:math:`\mathcal T` of training and the steps :math:`\mathcal U` that touched the forget set, compute the model
trained on :math:`\mathcal T \setminus \mathcal U`. Here that reference is *retraining with the same order
and batches, the forgotten examples removed* (:meth:`Schedule.without`), which is what exact unlearning
means in the draft's "Exact unlearning" paragraph.

Costs are counted in per-example gradient evaluations, the unit of the draft's complexity argument;
memory in bytes of what the method must have stored during training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sims.engines.schedule import Schedule, pack
from sims.engines.sgd import Trajectory, as_rates, run_sgd

__all__ = ["UnlearningProblem", "UnlearningResult", "replay_from", "forgotten_in_reverse"]


@dataclass
class UnlearningResult:
    """The unlearned parameters ``(T, P)`` and the method's cost."""

    method: str
    theta: np.ndarray
    grad_evals: int
    memory_bytes: int = 0


@dataclass
class UnlearningProblem:
    """Training run plus forget set. ``forget`` is a boolean mask over the dataset, ``(n,)`` or ``(T, n)``."""

    model: object
    X: np.ndarray
    y: np.ndarray
    theta0: np.ndarray
    schedule: Schedule
    lr: np.ndarray
    aggregate: str
    forget: np.ndarray
    full: Trajectory

    @classmethod
    def train(cls, model, X, y, theta0, schedule: Schedule, lr, forget, aggregate: str = "mean",
              record: tuple[str, ...] = ("checkpoints", "updates")) -> "UnlearningProblem":
        """Train on the full schedule, recording what the stored-state methods need."""
        forget = np.asarray(forget, dtype=bool)
        if forget.shape[-1] != X.shape[0]:
            raise ValueError(f"forget must be a boolean mask over the {X.shape[0]} examples, got shape {forget.shape}")
        rates = as_rates(lr, schedule.n_traj)
        full = run_sgd(model, X, y, theta0, schedule, rates, aggregate, record=record)
        return cls(model, X, y, np.asarray(theta0), schedule, rates, aggregate, forget, full)

    @property
    def retain_schedule(self) -> Schedule:
        return self.schedule.without(self.forget)

    @property
    def first_touch(self) -> np.ndarray:
        return self.schedule.first_touch(self.forget)

    def retain_mask(self) -> np.ndarray:
        """Boolean ``(T, n)`` of the retained examples."""
        return ~np.broadcast_to(self.forget, (self.schedule.n_traj, self.X.shape[0]))

    def require(self, record: str) -> np.ndarray:
        value = getattr(self.full, record)
        if value is None:
            raise ValueError(f"this method needs the training run to record {record!r}; "
                             f"train with UnlearningProblem.train(..., record=(..., {record!r}))")
        return value


def replay_from(problem: UnlearningProblem, theta_start: np.ndarray, start: np.ndarray) -> Trajectory:
    """Replay the retained steps from step ``start[t]`` of each trajectory, starting at ``theta_start``."""
    first = int(start.min(initial=problem.schedule.n_steps))
    schedule = problem.retain_schedule.from_step(start).steps(first)
    return run_sgd(problem.model, problem.X, problem.y, theta_start, schedule, problem.lr, problem.aggregate)


def forgotten_in_reverse(problem: UnlearningProblem, batch_size: int) -> Schedule:
    """The forgotten examples of every trajectory in reverse order of training, in batches."""
    touches = problem.schedule.touches(problem.forget)
    sequences = []
    for t in range(problem.schedule.n_traj):
        steps, slots = np.nonzero(touches[t])
        sequences.append(problem.schedule.indices[t, steps, slots][::-1])
    return pack(sequences, batch_size)
