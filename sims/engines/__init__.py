"""Vectorised SGD engines: many trajectories (orders, seeds, learning rates) on one batch axis.

``linear`` and ``logistic`` are numpy; ``mlp`` is torch (imported lazily by :func:`make_model`).
"""

from __future__ import annotations

from sims.engines.schedule import ORDERS, Schedule, make_schedule
from sims.engines.sgd import AGGREGATES, RECORDS, Trajectory, aggregate_gradients, run_sgd

__all__ = [
    "ORDERS",
    "Schedule",
    "make_schedule",
    "AGGREGATES",
    "RECORDS",
    "Trajectory",
    "aggregate_gradients",
    "run_sgd",
    "make_model",
    "point_gradient",
    "MODELS",
]

MODELS = ("linear", "logistic", "mlp")


def make_model(name: str, d: int, l2: float = 0.0, hidden: int = 32, classes: int = 10):
    """The engine model ``name`` (one of :data:`MODELS`) for ``d``-dimensional inputs."""
    if name == "linear":
        from sims.engines.linear import LinearRegression

        return LinearRegression(d, l2)
    if name == "logistic":
        from sims.engines.logistic import LogisticRegression

        return LogisticRegression(d, l2)
    if name == "mlp":
        from sims.engines.mlp import MLP

        return MLP(d, hidden, classes)
    raise ValueError(f"model must be one of {MODELS}, got {name!r}")


def point_gradient(model, theta, x, y):
    """:math:`g_{z_t}(\\theta_t)` for one point per trajectory: ``x`` ``(T, d)``, ``y`` ``(T,)`` -> ``(T, P)``."""
    return model.per_example_gradients(theta, x[:, None, :], y[:, None])[:, 0]
