r"""The numpy engines as an :class:`~sims.unlearning.protocol.UnlearnableModel`: many trajectories at once.

:class:`EngineRun` trains every trajectory of a :class:`~sims.engines.schedule.Schedule` on the full data,
recording what the stored-state methods need (checkpoints, updates); :meth:`EngineRun.problem` turns it into the
shared :class:`~sims.unlearning.problem.UnlearningProblem` whose model is an :class:`EngineModel`:

* state: the parameters ``(T, P)`` of every trajectory; no buffers, no train/eval difference;
* batches: a batch is one step of a schedule, ``indices`` and ``weights`` ``(T, B)``; retain passes are fresh
  shuffles drawn from the run's generator (in call order; ``stream`` is not used), the forgotten examples of
  every trajectory come in reverse order of training, in batches of the training batch size;
* steps (:func:`~sims.engines.sgd.run_sgd`, plain SGD at a rate per trajectory): a plan whose steps are all one
  batch of weight +1 or -1 runs as descent or ascent with training's aggregation (mean, median, ...); a plan of
  signed sums of several batches takes each batch's mean (NegGrad+'s definition) and sums them;
* replay: training's retained steps from :math:`\theta_0`, or from the checkpoint at each trajectory's first
  forgotten step (the data order is the record).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sims.engines.linear import LinearRegression
from sims.engines.schedule import Schedule, make_schedule, pack
from sims.engines.sgd import Model, Trajectory, as_rates, batch_mean_weights, run_sgd
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import Step, StepCost

__all__ = ["EngineRun", "EngineModel", "EngineBatch", "replay_from", "forgotten_in_reverse"]


@dataclass
class EngineRun:
    """Training run plus forget set. ``forget`` is a boolean mask over the dataset, ``(n,)`` or ``(T, n)``."""

    model: Model
    X: np.ndarray
    y: np.ndarray
    theta0: np.ndarray
    schedule: Schedule
    lr: np.ndarray
    aggregate: str
    forget: np.ndarray
    full: Trajectory

    @classmethod
    def train(
        cls,
        model,
        X,
        y,
        theta0,
        schedule: Schedule,
        lr,
        forget,
        aggregate: str = "mean",
        record: tuple[str, ...] = ("checkpoints", "updates"),
    ) -> EngineRun:
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
            raise ValueError(
                f"this method needs the training run to record {record!r}; "
                f"train with EngineRun.train(..., record=(..., {record!r}))"
            )
        return value

    def problem(self, rng: np.random.Generator | None = None, budget: int | None = None) -> UnlearningProblem:
        """The shared problem: unlearn the trained parameters; ``rng`` draws the methods' shuffles (default
        ``default_rng(0)``), consumed in call order."""
        model = EngineModel(self, np.random.default_rng(0) if rng is None else rng)
        return UnlearningProblem(model, self.full.theta, self.forget, self.retain_mask(), self, budget)


@dataclass(frozen=True)
class EngineBatch:
    """One step of a schedule: example ``indices`` and ``weights`` ``(T, B)`` (weight 0: no example)."""

    indices: np.ndarray
    weights: np.ndarray


def _split(schedule: Schedule, epochs: int) -> list[list[EngineBatch]]:
    per_epoch = schedule.n_steps // epochs
    return [
        [EngineBatch(schedule.indices[:, s], schedule.weights[:, s]) for s in range(e * per_epoch, (e + 1) * per_epoch)]
        for e in range(epochs)
    ]


def _stack(batches: Sequence[EngineBatch]) -> tuple[np.ndarray, np.ndarray]:
    indices = np.stack([b.indices for b in batches], axis=1)
    weights = np.stack([b.weights for b in batches], axis=1)
    return indices, weights


def forgotten_in_reverse(run: EngineRun, batch_size: int) -> Schedule:
    """The forgotten examples of every trajectory in reverse order of training, in batches."""
    touches = run.schedule.touches(run.forget)
    sequences = []
    for t in range(run.schedule.n_traj):
        steps, slots = np.nonzero(touches[t])
        sequences.append(run.schedule.indices[t, steps, slots][::-1])
    return pack(sequences, batch_size)


def replay_from(run: EngineRun, theta_start: np.ndarray, start: np.ndarray) -> Trajectory:
    """Replay the retained steps from step ``start[t]`` of each trajectory, starting at ``theta_start``."""
    first = int(start.min(initial=run.schedule.n_steps))
    schedule = run.retain_schedule.from_step(start).steps(first)
    return run_sgd(run.model, run.X, run.y, theta_start, schedule, run.lr, run.aggregate)


class EngineModel:
    """:class:`~sims.unlearning.protocol.UnlearnableModel` of an :class:`EngineRun` (module docstring)."""

    kind = "numpy"

    def __init__(self, run: EngineRun, rng: np.random.Generator) -> None:
        self.run_record, self.rng = run, rng
        self.theta = np.array(run.full.theta)
        caps = {"retrain"}
        if run.full.checkpoints is not None:
            caps.add("checkpoints")
        if run.full.updates is not None:
            caps.add("updates")
        if isinstance(run.model, LinearRegression) and run.model.l2 == 0 and run.aggregate == "mean":
            caps.add("linear_steps")
        self.capabilities = frozenset(caps)

    def copy_state(self) -> np.ndarray:
        return self.theta.copy()

    def load_state(self, state: np.ndarray) -> None:
        self.theta = np.array(state, dtype=np.float64)

    def set_training(self, training: bool) -> None:
        """No buffers and no dropout: both modes compute the same steps."""

    def training_lr(self) -> np.ndarray:
        return self.run_record.lr

    def batches(self, problem: UnlearningProblem, subset: str, epochs: int, stream: int) -> list[list[EngineBatch]]:
        run = self.run_record
        if subset == "retain":
            schedule = make_schedule(run.X.shape[0], run.schedule.n_traj, epochs, run.schedule.batch_size, self.rng)
            return _split(schedule.without(run.forget), epochs)
        if subset == "forget":
            reverse = _split(forgotten_in_reverse(run, run.schedule.batch_size), 1)[0]
            return [list(reverse) for _ in range(epochs)]
        raise ValueError(f"subset must be 'retain' or 'forget', got {subset!r}")

    def run(self, plan: Sequence[Step], lr: Any, **options: Any) -> StepCost:
        if options:
            raise ValueError(f"the numpy engines run plain SGD; unknown optimiser settings {sorted(options)}")
        if not plan:
            return StepCost()
        run = self.run_record
        if any(term.loss != "task" for step in plan for term in step):
            raise ValueError("the numpy engines have only the task loss")
        shapes = {tuple(term.weight for term in step) for step in plan}
        rates = as_rates(lr, run.schedule.n_traj) if np.any(np.asarray(lr) != 0) else None
        if len(shapes) == 1 and len(next(iter(shapes))) == 1 and next(iter(shapes))[0] in (1.0, -1.0):
            sign = next(iter(shapes))[0]
            schedule = Schedule(*_stack([step[0].batch for step in plan]))
            aggregate = run.aggregate
        else:
            terms = len(plan[0])
            if any(len(step) != terms for step in plan):
                raise ValueError("a numpy plan of signed sums needs the same number of batches in every step")
            parts = [_stack([step[k].batch for step in plan]) for k in range(terms)]
            indices = np.concatenate([p[0] for p in parts], axis=2)
            weights = np.concatenate(
                [
                    np.array([step[k].weight for step in plan])[None, :, None] * batch_mean_weights(parts[k][1])
                    for k in range(terms)
                ],
                axis=2,
            )
            schedule, sign, aggregate = Schedule(indices, weights), 1.0, "sum"
        if rates is None:  # a zero rate moves nothing; run_sgd refuses lr <= 0 (a training error), so it is not called
            return StepCost(schedule.evaluations(), schedule.n_steps)
        trajectory = run_sgd(run.model, run.X, run.y, self.theta, schedule, rates, aggregate, sign=sign)
        self.theta = trajectory.theta
        return StepCost(trajectory.grad_evals, schedule.n_steps)

    def replay(self, problem: UnlearningProblem, rewind: bool) -> StepCost:
        run = self.run_record
        if not rewind:
            trajectory = run_sgd(run.model, run.X, run.y, run.theta0, run.retain_schedule, run.lr, run.aggregate)
            self.theta = trajectory.theta
            return StepCost(trajectory.grad_evals, run.schedule.n_steps)
        checkpoints = run.require("checkpoints")
        start = run.first_touch
        trajectory = replay_from(run, checkpoints[np.arange(run.schedule.n_traj), start], start)
        self.theta = trajectory.theta
        return StepCost(trajectory.grad_evals, run.schedule.n_steps, memory_bytes=checkpoints.nbytes)

    def retrain_evals(self, problem: UnlearningProblem) -> int:
        return self.run_record.retain_schedule.evaluations()
