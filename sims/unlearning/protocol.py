r"""What a model family implements so that every unlearning method of :mod:`sims.unlearning` runs on it.

Three families implement :class:`UnlearnableModel`: the numpy engines (:class:`sims.unlearning.engine.EngineModel`,
many trajectories advanced at once), the torch image models (:class:`empirical.poisoning.methods.ImageModel`)
and the language models (:class:`empirical.insecure_code.unlearn.LanguageModel`). A method
(:mod:`sims.unlearning.finetune`, ...) is written once against it:

* **a state copy**: :meth:`~UnlearnableModel.copy_state` / :meth:`~UnlearnableModel.load_state` (numpy
  parameters ``(T, P)``; a torch ``state_dict``, parameters *and* buffers; a language model's trainable tensors);
* **a train/eval switch**: :meth:`~UnlearnableModel.set_training`. Unlearning steps run with ``False`` (BatchNorm
  normalises with, and never updates, its running statistics) unless a method's setting
  ``batch_statistics=True`` says otherwise; replaying training (the exact methods) uses training's own mode;
* **batches**: :meth:`~UnlearnableModel.batches`, seeded passes over the retain or forget set, one list per epoch;
* **per-batch losses and gradient steps**: :meth:`~UnlearnableModel.run` takes a plan of steps; each step
  minimises :math:`\sum_k w_k L_k(\text{batch}_k)` (a :class:`Term` per batch: :math:`w_k > 0` descends,
  :math:`w_k < 0` ascends) with the family's optimiser (numpy: plain SGD at a rate per trajectory; torch: SGD with
  momentum and weight decay; language models: AdamW with cosine decay and gradient clipping), one optimiser
  state for the whole plan;
* **the training record** (exact methods only): :meth:`~UnlearnableModel.replay` re-runs training's retained
  steps, from the initial state or rewound to the last stored state before the first forgotten step.

Costs (:class:`StepCost`) are per-example gradient evaluations, the unit of the draft's complexity argument.

A family lists in ``capabilities`` what it offers beyond the core (:data:`CAPABILITIES`); a method names what it
requires, and :func:`sims.unlearning.registry.unlearn` refuses a method whose requirement the family lacks,
saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from sims.unlearning.problem import UnlearningProblem

__all__ = ["Term", "Step", "StepCost", "Subset", "UnlearnableModel", "CAPABILITIES"]

Subset = Literal["retain", "forget"]

#: What a family may offer beyond the core protocol, and what a method needing it uses it for.
CAPABILITIES = {
    "retrain": "a training record to retrain from the initial state on the retain schedule",
    "checkpoints": "states stored during training, to rewind to (a recorded trajectory)",
    "updates": "the parameter update of every training step, stored during training",
    "linear_steps": "linear regression steps with mean aggregation, which have a closed-form inverse",
    "distillation": "a distillation loss between the model's outputs and a frozen copy's (the 'distill' term loss)",
    "projection": "steps whose forget direction is projected off the retain gradient (combine='project')",
    "sequence_preference": "sequence log-probabilities of the forget answers, for the bounded forget losses of "
    "NPO and SimNPO (the 'npo' and 'simnpo' term losses; NPO's reference is the state at "
    "the start of the plan)",
}


@dataclass(frozen=True)
class Term:
    r"""``weight`` times the mean ``loss`` of ``batch`` (a family's batch, from :meth:`UnlearnableModel.batches`).

    ``loss``: ``"task"`` (the training loss) or another loss the family implements, e.g. ``"distill"``
    (:math:`T^2\,\mathrm{KL}(\text{frozen copy} \,\|\, \text{model})` at temperature ``temperature``),
    ``"npo"`` / ``"simnpo"`` (:mod:`empirical.insecure_code.preference_losses`, inverse temperature ``beta``,
    SimNPO's margin ``gamma``).
    """

    batch: Any
    weight: float = 1.0
    loss: str = "task"
    temperature: float = 1.0
    beta: float = 0.1
    gamma: float = 0.0


Step = Sequence[Term]


@dataclass
class StepCost:
    """What running a plan (or replaying training) cost: per-example gradient evaluations, optimiser steps,
    forward passes of a frozen model (distillation), and anything a family reports in ``info``."""

    grad_evals: int = 0
    steps: int = 0
    forward_evals: int = 0
    memory_bytes: int = 0
    info: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class UnlearnableModel(Protocol):
    """The protocol (module docstring). ``kind`` keys the per-family default settings of the registry."""

    kind: str
    capabilities: frozenset[str]

    def copy_state(self) -> Any:
        """A copy of the current state (parameters and buffers) that later steps do not change."""

    def load_state(self, state: Any) -> None:
        """Make ``state`` the current state (copied: the caller's object is never modified)."""

    def set_training(self, training: bool) -> None:
        """Train (True) or eval (False) mode of the next steps: BatchNorm statistics, dropout."""

    def training_lr(self) -> Any:
        """The learning rate of training (methods' default rates are relative to it)."""

    def batches(self, problem: UnlearningProblem, subset: Subset, epochs: int, stream: int) -> list[list[Any]]:
        """``epochs`` seeded passes over ``problem``'s retain or forget set, one list of batches per epoch.
        ``stream`` separates the orders that different methods draw (same seed, stream -> same order)."""

    def run(self, plan: Sequence[Step], lr: Any, *args: Any, **options: Any) -> StepCost:
        """Run the steps of ``plan`` in order from the current state with one optimiser (module docstring);
        ``options``: the family's optimiser settings (a family rejects those it does not know)."""

    def replay(self, problem: UnlearningProblem, rewind: bool) -> StepCost:
        """Re-run training's retained steps: from the initial state, or (``rewind``) from the last state stored at
        or before the first step that held a forgotten example. Leaves the result as the current state."""

    def retrain_evals(self, problem: UnlearningProblem) -> int | None:
        """Gradient evaluations of retraining (the denominator of a method's cost fraction); None if unknown."""
