r"""The shared SGD loop: many independent trajectories advanced together, one batched call per step.

Every engine model (:mod:`~sims.engines.linear`, :mod:`~sims.engines.logistic`, :mod:`~sims.engines.mlp`)
exposes, for parameters ``theta`` of shape ``(T, P)`` and gathered inputs ``Xb`` ``(T, B, d)``, targets
``yb`` ``(T, B)`` and weights ``w`` ``(T, B)``:

* ``per_example_gradients(theta, Xb, yb) -> (T, B, P)``, the :math:`g_{z_b}(\theta_t)`;
* ``weighted_gradient(theta, Xb, yb, w) -> (T, P)``, :math:`\sum_b w_b g_{z_b}(\theta_t)` in one call.

One step (draft, "Notations", with mini-batches as in "Poisoned batches"):

.. math::
    \theta_{s+1} = \theta_s - \sigma \lambda_t\, \mathrm{agg}_b(g_{z_b}(\theta_s)),

with ``sign`` :math:`\sigma = +1` for descent, :math:`-1` for ascent, a learning rate per trajectory, and
``agg`` one of

* ``mean``: :math:`\sum_b w_b g_b / \sum_b w_b` (a step with all weights 0 does nothing);
* ``median``: the coordinate-wise median of the :math:`g_b` with :math:`w_b \ne 0` (robust aggregation);
  likewise every robust aggregator of :mod:`theory.models.aggregation.robust` (``trimmed_mean``, ``mean_around_median``,
  ``geometric_median``, ``krum``, ``multi_krum``; ``name:beta`` sets the corrupted fraction), applied to the
  examples with :math:`w_b \ne 0`;
* ``sum``: :math:`\sum_b w_b g_b`, for signed objectives such as NegGrad+.

Recording (``record``): ``"checkpoints"`` keeps :math:`\theta_s` before every step and the final one
``(T, S+1, P)``, ``"updates"`` the applied update :math:`\theta_{s+1}-\theta_s` ``(T, S, P)``, and
``"per_example"`` the per-example gradients ``(T, S, B, P)`` (NaN where the weight is 0). The memory
they take is reported in bytes; the per-example record costs ``8 T S B P`` bytes in float64.

Engines (``engine``): ``"numpy"`` is the loop below, the reference; ``"fused"`` the compiled kernel of
:mod:`sims.engines.fused` (linear and logistic models, ``mean``/``sum``, checkpoint/update records), which
runs every step in one call (>= 100x the per-trajectory loop where the numpy loop reaches ~20x:
``benchmarks/bench_sims_permutations.py``); ``"auto"`` (default) takes the fused kernel whenever it supports
the run and numba is installed, else numpy. Both give the same results up to rounding (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sims.engines.schedule import Schedule
from theory.models.aggregation.robust import AGGREGATORS, parse_aggregator
from theory.models.aggregation.robust import aggregate as robust_aggregate
from theory.support.validation import check_matrix, check_memory

__all__ = [
    "Model",
    "Trajectory",
    "run_sgd",
    "aggregate_gradients",
    "batch_mean_weights",
    "record_bytes",
    "AGGREGATES",
    "RECORDS",
    "ENGINES",
    "as_rates",
    "check_aggregate",
]

AGGREGATES = AGGREGATORS + ("sum",)
ENGINES = ("auto", "numpy", "fused")
RECORDS = ("checkpoints", "updates", "per_example")


class Model(Protocol):
    """What :func:`run_sgd` needs from a model (see module docstring)."""

    n_params: int

    def per_example_gradients(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray) -> np.ndarray: ...

    def weighted_gradient(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray, w: np.ndarray) -> np.ndarray: ...


@dataclass
class Trajectory:
    """Final parameters ``theta`` ``(T, P)``, the optional records, and what the run cost."""

    theta: np.ndarray
    grad_evals: int
    checkpoints: np.ndarray | None = None
    updates: np.ndarray | None = None
    per_example: np.ndarray | None = None
    memory_bytes: int = field(default=0)


def as_rates(lr, n_traj: int) -> np.ndarray:
    """A learning rate per trajectory ``(T,)`` from a scalar or a length-T array; all finite and > 0."""
    rates = np.broadcast_to(np.asarray(lr, dtype=np.float64), (n_traj,)).copy()
    if not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError(f"lr must be finite and > 0 for every trajectory, got {np.asarray(lr)!r}")
    return rates


def record_bytes(n_traj: int, n_steps: int, batch_size: int, n_params: int, record: tuple[str, ...]) -> int:
    """Memory the float64 records of a run will take, in bytes (known before running it).

    checkpoints ``8 T (S+1) P``, updates ``8 T S P``, per-example gradients ``8 T S B P``.
    """
    sizes = {
        "checkpoints": n_traj * (n_steps + 1) * n_params,
        "updates": n_traj * n_steps * n_params,
        "per_example": n_traj * n_steps * batch_size * n_params,
    }
    return 8 * sum(sizes[name] for name in set(record))


def batch_mean_weights(weights: np.ndarray) -> np.ndarray:
    """Weights divided by their sum over the last (batch) axis; an all-zero batch stays all zero."""
    count = weights.sum(axis=-1, keepdims=True)
    return weights / np.where(count == 0, 1.0, count)


def check_aggregate(aggregate: str) -> str:
    """``aggregate`` if it names ``sum`` or an aggregator of :mod:`theory.models.aggregation.robust` (``name[:beta]``)."""
    if aggregate != "sum":
        try:
            parse_aggregator(aggregate)
        except ValueError:
            raise ValueError(
                f"aggregate must be one of {AGGREGATES} (robust ones optionally 'name:beta'), got {aggregate!r}"
            ) from None
    return aggregate


def _robust_masked(per_example: np.ndarray, used: np.ndarray, aggregate: str) -> np.ndarray:
    """A robust aggregate over the used examples of each row: rows grouped by their number of used examples,
    each group compacted (used examples first, order kept) and aggregated in one call; no example -> 0."""
    if used.all():
        return robust_aggregate(per_example, aggregate)
    out = np.zeros((per_example.shape[0], per_example.shape[2]))
    counts = used.sum(axis=1)
    for count in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == count)
        order = np.argsort(~used[rows], axis=1, kind="stable")[:, :count]
        compact = np.take_along_axis(per_example[rows], order[:, :, None], axis=1)
        out[rows] = robust_aggregate(compact, aggregate)
    return out


def aggregate_gradients(per_example: np.ndarray, weights: np.ndarray, aggregate: str) -> np.ndarray:
    """Aggregate ``(T, B, P)`` per-example gradients with ``(T, B)`` weights (module docstring)."""
    check_aggregate(aggregate)
    if aggregate == "sum":
        return np.einsum("tb,tbp->tp", weights, per_example)
    if aggregate == "mean":
        return np.einsum("tb,tbp->tp", batch_mean_weights(weights), per_example)
    return _robust_masked(per_example, weights != 0, aggregate)


def run_sgd(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    theta0: np.ndarray,
    schedule: Schedule,
    lr,
    aggregate: str = "mean",
    record: tuple[str, ...] = (),
    sign: float = 1.0,
    engine: str = "auto",
) -> Trajectory:
    """Run every trajectory of ``schedule`` from ``theta0`` ``(T, P)``; see the module docstring.

    The inputs of a step are gathered for all trajectories by one fancy index ``X[indices[:, s]]``.
    """
    theta = np.array(check_matrix(theta0, "theta0", rows=schedule.n_traj, cols=model.n_params))
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 2 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X (n, d) and y (n,) must have the same number of rows, got shapes {X.shape} and {y.shape}")
    if np.iscomplexobj(X) or np.iscomplexobj(y):
        raise ValueError("X and y must be real, got complex entries")
    if not np.all(np.isfinite(X)):
        raise ValueError(
            f"X must be finite, found NaN or inf in rows {np.flatnonzero(~np.isfinite(X).reshape(len(X), -1).all(axis=1))[:5].tolist()}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y must be finite, found NaN or inf at {np.flatnonzero(~np.isfinite(y))[:5].tolist()}")
    if schedule.indices.size and (schedule.indices.min() < 0 or schedule.indices.max() >= X.shape[0]):
        raise ValueError(
            f"schedule indices must lie in [0, {X.shape[0] - 1}] (rows of X), got values from "
            f"{schedule.indices.min()} to {schedule.indices.max()}"
        )
    check_aggregate(aggregate)
    unknown = set(record) - set(RECORDS)
    if unknown:
        raise ValueError(f"record entries must be among {RECORDS}, got {sorted(unknown)}")
    if sign not in (1.0, -1.0):
        raise ValueError(f"sign must be +1 (descent) or -1 (ascent), got {sign!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    T, S, B = schedule.indices.shape
    check_memory(
        record_bytes(T, S, B, model.n_params, record) + 8 * T * B * (int(np.prod(X.shape[1:])) + 1),
        f"run_sgd with records {sorted(set(record))} ({T} trajectories, {S} steps, batch {B})",
    )
    if engine != "numpy":
        from sims.engines import fused

        if fused.supports(model, aggregate, tuple(record)):
            theta, checkpoints, updates = fused.fused_sgd(
                model, X, y, theta, schedule.indices, schedule.weights, sign * as_rates(lr, T), aggregate, tuple(record)
            )
            return Trajectory(
                theta, schedule.evaluations(), checkpoints, updates, None, record_bytes(T, S, B, model.n_params, record)
            )
        if engine == "fused":
            raise ValueError(
                f"engine='fused' runs linear/logistic models with aggregate in {fused.FUSED_AGGREGATES} "
                f"and records in {fused.FUSED_RECORDS}, with numba installed; got model "
                f"{getattr(model, 'name', model)!r}, aggregate {aggregate!r}, record {tuple(record)}: "
                "use engine='numpy'"
            )
    rates = (sign * as_rates(lr, T))[:, None]
    if aggregate == "mean":  # fold 1 / (number of examples) into the rate, once for all steps
        counts = schedule.weights.sum(axis=2)
        step_rates = rates / np.where(counts == 0, 1.0, counts)
    else:
        step_rates = np.broadcast_to(rates, (T, S))
    checkpoints = np.empty((T, S + 1, model.n_params)) if "checkpoints" in record else None
    updates = np.empty((T, S, model.n_params)) if "updates" in record else None
    per_example = np.empty((T, S, B, model.n_params)) if "per_example" in record else None
    need_examples = per_example is not None or aggregate not in ("mean", "sum")
    Xb, yb = np.empty((T, B) + X.shape[1:]), np.empty((T, B))  # gather buffers, reused every step
    # step-major contiguous copies: each step then reads contiguous (T, B) blocks instead of strided views
    step_indices = np.ascontiguousarray(schedule.indices.transpose(1, 0, 2))
    step_weights = np.ascontiguousarray(schedule.weights.transpose(1, 0, 2))
    step_rates = np.ascontiguousarray(step_rates.T)[:, :, None]
    for s in range(S):
        index, weights = step_indices[s], step_weights[s]
        np.take(X, index, axis=0, out=Xb)
        np.take(y, index, out=yb)
        if need_examples:
            grads = model.per_example_gradients(theta, Xb, yb)
            step = aggregate_gradients(grads, weights, "sum" if aggregate == "mean" else aggregate)
            if per_example is not None:
                per_example[:, s] = np.where(weights[:, :, None] != 0, grads, np.nan)
        else:
            step = model.weighted_gradient(theta, Xb, yb, weights)
        if checkpoints is not None:
            checkpoints[:, s] = theta
        step *= -step_rates[s]
        if updates is not None:
            updates[:, s] = step
        theta += step
    if checkpoints is not None:
        checkpoints[:, S] = theta
    memory = record_bytes(T, S, B, model.n_params, record)
    return Trajectory(theta, schedule.evaluations(), checkpoints, updates, per_example, memory)
