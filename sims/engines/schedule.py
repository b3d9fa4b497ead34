r"""Schedules: which examples each trajectory sees at each step, stacked on a trajectory axis.

A schedule holds ``indices`` of shape ``(T, S, B)`` (trajectory, step, slot in the mini-batch) into the
dataset and ``weights`` of the same shape. A weight of 0 removes an example from its step (the forget set
of an unlearning problem, the padding of a last incomplete batch); with mean aggregation the step is
:math:`\theta_{s+1} = \theta_s - \lambda \sum_b w_b g_b / \sum_b w_b` (draft, "Notations": mean aggregation),
and a step whose weights are all 0 leaves :math:`\theta` unchanged. Per-sample SGD is ``B = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.support.validation import check_memory, check_positive_int

__all__ = ["Schedule", "make_schedule", "pack", "ORDERS"]

#: ``shuffled``: a fresh random permutation per epoch and trajectory; ``sorted``: class-sorted (classes in
#: increasing label order, random order inside each class); ``fixed``: the data order, same for all.
ORDERS = ("shuffled", "sorted", "fixed")


@dataclass(frozen=True)
class Schedule:
    """Stacked step plans of ``T`` trajectories (see module docstring)."""

    indices: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        if self.indices.ndim != 3:
            raise ValueError(f"indices must have shape (T, S, B), got {self.indices.shape}")
        if self.weights.shape != self.indices.shape:
            raise ValueError(f"weights must have the shape of indices {self.indices.shape}, got {self.weights.shape}")
        if not np.all(np.isfinite(self.weights)):
            raise ValueError("weights must be finite")

    @classmethod
    def from_indices(cls, indices: np.ndarray) -> Schedule:
        indices = np.asarray(indices, dtype=np.intp)
        return cls(indices, np.ones(indices.shape))

    @property
    def n_traj(self) -> int:
        return self.indices.shape[0]

    @property
    def n_steps(self) -> int:
        return self.indices.shape[1]

    @property
    def batch_size(self) -> int:
        return self.indices.shape[2]

    def touches(self, forget: np.ndarray) -> np.ndarray:
        """Boolean ``(T, S, B)``: slot holds an example of the forget set with a non-zero weight.

        ``forget`` is a boolean mask over the dataset, ``(n,)`` shared or ``(T, n)`` per trajectory.
        """
        forget = np.asarray(forget, dtype=bool)
        if forget.ndim == 1:
            hit = forget[self.indices]
        else:
            hit = np.take_along_axis(forget, self.indices.reshape(self.n_traj, -1), axis=1).reshape(self.indices.shape)
        return hit & (self.weights != 0)

    def steps_touching(self, forget: np.ndarray) -> np.ndarray:
        """Boolean ``(T, S)``: the step holds at least one example of the forget set."""
        # ignore: numpy's stubs type any(axis=int) of an array as bool | ndarray; with an axis it is an ndarray
        return self.touches(forget).any(axis=2)  # type: ignore[return-value]

    def first_touch(self, forget: np.ndarray) -> np.ndarray:
        """Per trajectory, the first step holding a forgotten example (``S`` when none does)."""
        touching = self.steps_touching(forget)
        return np.where(touching.any(axis=1), touching.argmax(axis=1), self.n_steps)

    def without(self, forget: np.ndarray) -> Schedule:
        """The same schedule with the forget set's weights set to 0 (retraining without it, same order)."""
        return Schedule(self.indices, np.where(self.touches(forget), 0.0, self.weights))

    def from_step(self, start: np.ndarray) -> Schedule:
        """Zero the weights of the steps before ``start[t]`` in trajectory ``t`` (replay from ``start``)."""
        start = np.asarray(start).reshape(-1, 1, 1)
        steps = np.arange(self.n_steps).reshape(1, -1, 1)
        return Schedule(self.indices, np.where(steps >= start, self.weights, 0.0))

    def steps(self, start: int, stop: int | None = None) -> Schedule:
        """The steps ``start:stop`` of every trajectory."""
        return Schedule(self.indices[:, start:stop], self.weights[:, start:stop])

    def evaluations(self) -> int:
        """Per-example gradient evaluations this schedule costs: the number of non-zero weights."""
        return int(np.count_nonzero(self.weights))


def make_schedule(
    n: int,
    n_traj: int,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    order: str = "shuffled",
    labels: np.ndarray | None = None,
) -> Schedule:
    """``epochs`` passes over ``n`` examples for ``n_traj`` trajectories, in mini-batches of ``batch_size``.

    A last incomplete batch of an epoch is padded with zero weights. ``order`` is one of :data:`ORDERS`;
    ``sorted`` needs ``labels``. Permutations are drawn for all trajectories at once.
    """
    n, n_traj = check_positive_int(n, "n"), check_positive_int(n_traj, "n_traj")
    epochs, batch_size = check_positive_int(epochs, "epochs"), check_positive_int(batch_size, "batch_size")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} is larger than the data ({n} examples); use at most {n}")
    # permutations (8 bytes), padded indices (8) and weights (8) per slot, allocated at once
    check_memory(24.0 * n_traj * epochs * n, f"a schedule of {n_traj} trajectories x {epochs} epochs x {n} examples")
    base = np.tile(np.arange(n), (n_traj * epochs, 1))
    if order == "fixed":
        perms = base
    else:
        perms = rng.permuted(base, axis=1)
        if order == "sorted":
            if labels is None or len(labels) != n:
                raise ValueError("order='sorted' needs labels of length n (class-sorted data)")
            # stable sort by label keeps the random order inside each class
            perms = np.take_along_axis(perms, np.argsort(np.asarray(labels)[perms], axis=1, kind="stable"), axis=1)
    per_epoch = -(-n // batch_size)
    padded = np.zeros((n_traj * epochs, per_epoch * batch_size), dtype=np.intp)
    weights = np.zeros(padded.shape)
    padded[:, :n], weights[:, :n] = perms, 1.0
    shape = (n_traj, epochs * per_epoch, batch_size)
    return Schedule(padded.reshape(shape), weights.reshape(shape))


def pack(examples: list[np.ndarray], batch_size: int) -> Schedule:
    """A schedule from one sequence of example indices per trajectory, cut into ``batch_size`` batches.

    Sequences of different lengths are padded with zero weights (the padded slots cost nothing).
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    longest = max((len(seq) for seq in examples), default=0)
    steps = max(1, -(-longest // batch_size))
    indices = np.zeros((len(examples), steps * batch_size), dtype=np.intp)
    weights = np.zeros(indices.shape)
    for t, seq in enumerate(examples):
        indices[t, : len(seq)], weights[t, : len(seq)] = seq, 1.0
    shape = (len(examples), steps, batch_size)
    return Schedule(indices.reshape(shape), weights.reshape(shape))
