"""Helpers the methods share: start from the problem's state in the right mode, check settings, pair batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import Step, Term

__all__ = ["start", "check_beta", "check_rate", "check_epochs", "paired", "single", "preference_plan", "CYCLES"]

#: How NegGrad+ cycles forget batches alongside retain batches: ``epoch`` restarts a fresh forget pass at every
#: retain epoch (the SCRUB code's loaders); ``run`` cycles one forget pass over the whole run.
CYCLES = ("epoch", "run")


def start(problem: UnlearningProblem, batch_statistics: bool = False) -> None:
    """Load the problem's state into the model; eval mode (frozen BatchNorm statistics) unless
    ``batch_statistics`` (protocol docstring)."""
    problem.model.load_state(problem.state)
    problem.model.set_training(bool(batch_statistics))


def check_rate(lr: Any) -> Any:
    """A learning rate (scalar or one per trajectory), finite and >= 0; 0 must leave the state unchanged."""
    values = np.asarray(lr, dtype=np.float64)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"lr must be finite and >= 0, got {lr!r}")
    return lr


def check_epochs(epochs: Any) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    return int(epochs)


def check_beta(beta: float) -> float:
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must lie in [0, 1] (weight of the retain loss), got {beta!r}")
    return beta


def paired(
    problem: UnlearningProblem,
    epochs: int,
    cycle: str,
    retain_stream: int,
    forget_stream: int,
    retain_weight: float,
    forget_weight: float,
) -> list[Step]:
    """Steps of a retain batch and a cycled forget batch (``cycle``: :data:`CYCLES`), one per retain batch."""
    if cycle not in CYCLES:
        raise ValueError(f"cycle must be one of {CYCLES}, got {cycle!r}")
    model = problem.model
    retain = model.batches(problem, "retain", epochs, retain_stream)
    if cycle == "epoch":
        forget = model.batches(problem, "forget", epochs, forget_stream)
        return [
            (Term(batch, retain_weight), Term(forget[e][i % len(forget[e])], forget_weight))
            for e, epoch in enumerate(retain)
            for i, batch in enumerate(epoch)
        ]
    forget_pass = model.batches(problem, "forget", 1, forget_stream)[0]
    flat = [batch for epoch in retain for batch in epoch]
    return [
        (Term(batch, retain_weight), Term(forget_pass[i % len(forget_pass)], forget_weight))
        for i, batch in enumerate(flat)
    ]


def single(batches: Sequence[Sequence[Any]], weight: float) -> list[Step]:
    """One step per batch, each the batch's mean loss times ``weight``."""
    return [(Term(batch, weight),) for epoch in batches for batch in epoch]


def preference_plan(
    problem: UnlearningProblem, loss: str, epochs: int, retain_weight: float, **term: float
) -> list[Step]:
    """NPO+RT / SimNPO's regularised form (Zhang et al. 2024, section 5): ``epochs`` passes over the forget
    batches (stream 5), each step the forget loss ``loss`` of a forget batch (settings ``term``: ``beta``,
    ``gamma``) plus ``retain_weight`` times the mean task loss of a retain batch cycled from one pass (stream 6;
    no retain term when ``retain_weight`` is 0)."""
    if not retain_weight >= 0:
        raise ValueError(f"retain_weight must be >= 0 (weight of the retain term), got {retain_weight!r}")
    forget = [batch for epoch in problem.model.batches(problem, "forget", epochs, 5) for batch in epoch]
    retain = problem.model.batches(problem, "retain", 1, 6)[0] if retain_weight else []
    return [
        (Term(batch, 1.0, loss, **term),) + ((Term(retain[i % len(retain)], retain_weight),) if retain else ())
        for i, batch in enumerate(forget)
    ]
