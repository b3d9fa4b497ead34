r"""The unlearning problem and its result: one definition for every model family (issue 22).

Draft, "Inverting many gradient steps is hard since they don't commute": given the steps :math:`\mathcal T`
of training and the steps :math:`\mathcal U` that touched the forget set, compute the model trained on
:math:`\mathcal T \setminus \mathcal U`. The reference is *retraining with the same order and batches, the
forgotten examples removed*, which is what exact unlearning means in the draft's "Exact unlearning" paragraph.

Costs are counted in per-example gradient evaluations, the unit of the draft's complexity argument, and as a
fraction of retraining's; memory in bytes of what the method must have stored during training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sims.unlearning.protocol import UnlearnableModel

__all__ = ["UnlearningProblem", "UnlearningResult"]


@dataclass
class UnlearningResult:
    """The unlearned ``state``, its cost and the settings the method ran with.

    ``grad_evals``: per-example gradient evaluations; ``retrain_evals``: those of retraining on the same
    problem (None when the problem has no training record), so that ``cost_fraction`` is comparable across
    families; ``memory_bytes``: what the method needed stored during training; ``forward_evals``: forward passes
    of a frozen model (distillation); ``settings``: every setting the method used, defaults resolved.
    """

    method: str
    state: Any
    grad_evals: int
    retrain_evals: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    memory_bytes: int = 0
    steps: int = 0
    forward_evals: int = 0
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_fraction(self) -> float | None:
        """``grad_evals / retrain_evals`` (None without a retraining cost)."""
        if not self.retrain_evals:
            return None
        return self.grad_evals / self.retrain_evals

    @property
    def theta(self) -> Any:
        """The state under the engines' name: parameters ``(T, P)`` of every trajectory."""
        return self.state


@dataclass
class UnlearningProblem:
    """What a method may use.

    * ``model``: the family (:class:`~sims.unlearning.protocol.UnlearnableModel`);
    * ``state``: the trained state to unlearn from (never modified);
    * ``forget``, ``retain``: the two sets in the family's form (a boolean mask over the engine's data, tensors
      of inputs and targets, encoded conversations);
    * ``record``: the training record the exact methods need (the engine's run, a
      :class:`~empirical.poisoning.training.TrainingRun`, the language model's schedule), or None;
    * ``budget``: the largest number of gradient evaluations a method may spend (None: no limit); a result above it
      is marked ``info["over_budget"]``;
    * ``seed``: fixes the methods' shuffles.
    """

    model: UnlearnableModel
    state: Any
    forget: Any
    retain: Any
    record: Any = None
    budget: int | None = None
    seed: int = 0

    def require_record(self, method: str) -> Any:
        if self.record is None:
            raise ValueError(
                f"method {method} needs the training run (the problem's record): it replays training; "
                "build the problem from a recorded training run"
            )
        return self.record
