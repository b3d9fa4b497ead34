r"""The torch image models as a family of :mod:`sims.unlearning`: the shared methods run on them unchanged.

:class:`ImageModel` implements :class:`sims.unlearning.protocol.UnlearnableModel` for a classifier (or regressor)
trained by :func:`empirical.poisoning.training.train_with_poisons`; :func:`image_problem` builds the shared
:class:`~sims.unlearning.problem.UnlearningProblem` from that run (:func:`poisoned_problem` from a trained state and its
data, as the poisoning protocol's cells have them). Every method of the registry that needs nothing
beyond what this family offers runs (``retrain``, ``rewind_replay``, ``finetune``, ``gradient_ascent``,
``neggrad_plus``, ``neggrad_plus_aligned``, ``scrub``; not ``amnesiac`` or the linear inversions):
:func:`sims.unlearning.unlearn` (re-exported here as :func:`unlearn`).

* state: the ``state_dict`` (parameters *and* buffers: BatchNorm running statistics);
* train/eval switch: ``module.train(mode)``. Unlearning steps run in eval mode (BatchNorm normalises with its
  running statistics and never updates them) unless a method is given ``batch_statistics=True``; replaying
  training (``retrain``, ``rewind_replay``) uses training's mode, as training did;
* batches: ``batch_size`` examples in a seeded order per epoch (seed, epoch and the method's stream);
* steps: SGD with ``momentum`` (default 0.9) and ``weight_decay`` (5e-4), one optimiser per method call; the loss
  ``task`` is the run's loss, ``distill`` SCRUB's :math:`T^2\,\mathrm{KL}(\text{teacher}\,\|\,\text{student})` on
  ``output_fn``'s logits against a frozen copy taken when the plan starts; ``combine="project"`` projects the
  forget direction off the retain gradient (``neggrad_plus_aligned``);
* cost: per-example gradient evaluations (a batch used by several terms of a step counts once); the teacher's
  forward passes in ``forward_evals``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from empirical.poisoning.training import TrainingRun, run_steps
from sims.unlearning import UnlearningProblem, UnlearningResult, method_names, unlearn
from sims.unlearning.protocol import Step, StepCost, Term

__all__ = [
    "ImageModel",
    "image_problem",
    "poisoned_problem",
    "unlearn",
    "METHODS",
    "UnlearningProblem",
    "UnlearningResult",
]

OutputFn = Callable[[nn.Module, Tensor], Tensor]


def _logits(model: nn.Module, inputs: Tensor) -> Tensor:
    return model(inputs)


def _distill_kl(student: Tensor, teacher: Tensor, temperature: float) -> Tensor:
    """Hinton's KL(teacher || student) at ``temperature``, times T^2 (SCRUB's DistillKL), over the last axis."""
    log_student = F.log_softmax(student / temperature, dim=-1).reshape(-1, student.shape[-1])
    probs_teacher = F.softmax(teacher / temperature, dim=-1).reshape(-1, teacher.shape[-1])
    return F.kl_div(log_student, probs_teacher, reduction="batchmean") * temperature**2


class ImageModel:
    """:class:`~sims.unlearning.protocol.UnlearnableModel` of a torch module (module docstring)."""

    kind = "torch"
    capabilities = frozenset({"retrain", "checkpoints", "distillation", "projection"})

    def __init__(
        self,
        module: nn.Module,
        loss_fn: Callable[[nn.Module, Tensor, Tensor], Tensor],
        batch_size: int = 64,
        output_fn: OutputFn | None = None,
        training_rate: float | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.module = copy.deepcopy(module)
        self.loss_fn, self.batch_size = loss_fn, int(batch_size)
        self.output_fn = output_fn or _logits
        self.training_rate = training_rate

    # -- state and mode
    def copy_state(self) -> dict:
        return copy.deepcopy(self.module.state_dict())

    def load_state(self, state: dict) -> None:
        self.module.load_state_dict(state)

    def set_training(self, training: bool) -> None:
        self.module.train(training)

    def training_lr(self) -> float | None:
        return self.training_rate

    # -- data
    def batches(self, problem: UnlearningProblem, subset: str, epochs: int, stream: int) -> list[list[tuple]]:
        if subset not in ("retain", "forget"):
            raise ValueError(f"subset must be 'retain' or 'forget', got {subset!r}")
        inputs, targets = problem.retain if subset == "retain" else problem.forget
        out = []
        for epoch in range(epochs):
            order = torch.randperm(
                inputs.shape[0], generator=torch.Generator().manual_seed(problem.seed * 7919 + epoch * 31 + stream)
            ).to(inputs.device)
            out.append([(inputs[chunk], targets[chunk]) for chunk in torch.split(order, self.batch_size)])
        return out

    # -- steps
    def _loss(self, term: Term, teacher: nn.Module | None) -> Tensor:
        inputs, targets = term.batch
        if term.loss == "task":
            return self.loss_fn(self.module, inputs, targets)
        if term.loss == "distill":
            assert teacher is not None  # run() makes a teacher whenever the plan has a distill term
            with torch.no_grad():
                target = self.output_fn(teacher, inputs)
            return _distill_kl(self.output_fn(self.module, inputs), target, term.temperature)
        raise ValueError(f"the torch image models have the losses 'task' and 'distill', got {term.loss!r}")

    def run(
        self, plan: Sequence[Step], lr: float, momentum: float = 0.9, weight_decay: float = 5e-4, combine: str = "sum"
    ) -> StepCost:
        if combine not in ("sum", "project"):
            raise ValueError(f"combine must be 'sum' or 'project', got {combine!r}")
        optimizer = torch.optim.SGD(self.module.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        teacher = None
        if any(term.loss == "distill" for step in plan for term in step):
            teacher = copy.deepcopy(self.module).eval()
        cost, projected = StepCost(), 0
        for step in plan:
            if combine == "project":
                projected += self._projected_step(step, teacher)
            else:
                optimizer.zero_grad(set_to_none=True)
                loss = step[0].weight * self._loss(step[0], teacher)
                for term in step[1:]:
                    loss = loss + term.weight * self._loss(term, teacher)
                loss.backward()
            optimizer.step()
            distinct = {id(term.batch): term.batch for term in step}
            cost.grad_evals += sum(batch[0].shape[0] for batch in distinct.values())
            cost.forward_evals += sum(term.batch[0].shape[0] for term in step if term.loss == "distill")
            cost.steps += 1
        if combine == "project":
            cost.info["projected_fraction"] = projected / max(cost.steps, 1)
        return cost

    def _projected_step(self, step: Step, teacher: nn.Module | None) -> int:
        r"""Set ``.grad`` to :math:`|w_r| g_r + |w_f| u`, :math:`u = -\nabla L_f` projected off :math:`g_r` when
        :math:`\langle u, g_r\rangle > 0`; returns 1 when it projected."""
        if len(step) != 2 or step[0].weight < 0 or step[1].weight > 0:
            raise ValueError("combine='project' needs steps of a retain term (weight >= 0) and a forget term (<= 0)")
        parameters = [p for p in self.module.parameters() if p.requires_grad]
        retain_grad = torch.autograd.grad(self._loss(step[0], teacher), parameters)
        forget_dir = [-g for g in torch.autograd.grad(self._loss(step[1], teacher), parameters)]
        dot = sum((u * g).sum() for u, g in zip(forget_dir, retain_grad))
        norm_sq = sum((g * g).sum() for g in retain_grad)
        projected = 0
        if dot > 0 and norm_sq > 0:
            forget_dir = [u - (dot / norm_sq) * g for u, g in zip(forget_dir, retain_grad)]
            projected = 1
        w_retain, w_forget = abs(step[0].weight), abs(step[1].weight)
        for p, g, u in zip(parameters, retain_grad, forget_dir):
            p.grad = w_retain * g + w_forget * u
        return projected

    # -- the training record
    def replay(self, problem: UnlearningProblem, rewind: bool) -> StepCost:
        run: TrainingRun = problem.require_record("rewind_replay" if rewind else "retrain")
        if not rewind:
            model = run.model_at(run.initial)
            run_steps(model, run.inputs, run.targets, run.retain_plan, run.config, run.loss_fn)
            self.module = model
            return StepCost(run.retain_plan.examples, len(run.retain_plan))
        step = run.rewind_checkpoint()
        model = run.model_at(run.checkpoints[step]["model"])
        run_steps(
            model,
            run.inputs,
            run.targets,
            run.retain_plan,
            run.config,
            run.loss_fn,
            start=step,
            optimizer_state=run.checkpoints[step]["optimizer"],
        )
        self.module = model
        evals = sum(int(batch.numel()) for batch in run.retain_plan.batches[step:])
        return StepCost(evals, len(run.retain_plan) - step, info={"rewound_to_step": step})

    def retrain_evals(self, problem: UnlearningProblem) -> int | None:
        return None if problem.record is None else problem.record.retain_plan.examples


def image_problem(
    run: TrainingRun,
    batch_size: int | None = None,
    seed: int = 0,
    output_fn: OutputFn | None = None,
    budget: int | None = None,
) -> UnlearningProblem:
    """The shared problem of a poisoned run: unlearn ``run.poisoned``; forget = the poisons, retain = the rest.

    ``batch_size``: the methods' mini-batch size (default: training's); ``seed`` fixes their shuffles;
    ``output_fn(model, inputs)`` gives logits (SCRUB's distillation; default ``model(inputs)``).
    """
    return poisoned_problem(
        run.model,
        run.poisoned,
        run.inputs,
        run.targets,
        run.forget,
        run.loss_fn,
        batch_size or run.config.batch_size,
        run.config.lr,
        seed=seed,
        record=run,
        output_fn=output_fn,
        budget=budget,
    )


def poisoned_problem(
    module: nn.Module,
    state: dict,
    inputs: Tensor,
    targets: Tensor,
    forget: Tensor,
    loss_fn: Callable[[nn.Module, Tensor, Tensor], Tensor],
    batch_size: int,
    training_rate: float | None,
    seed: int = 0,
    record: TrainingRun | None = None,
    output_fn: OutputFn | None = None,
    budget: int | None = None,
) -> UnlearningProblem:
    """The shared problem of unlearning ``state`` of ``module`` trained on ``inputs``: forget the rows ``forget``
    (indices), retain the rest. ``record``: the training run, which only the exact methods need (without it they
    refuse, saying so); :func:`image_problem` is this problem built from a :class:`TrainingRun`."""
    forget = torch.as_tensor(forget, device=inputs.device)
    mask = torch.ones(inputs.shape[0], dtype=torch.bool, device=inputs.device)
    mask[forget] = False
    model = ImageModel(module, loss_fn, batch_size, output_fn, training_rate)
    return UnlearningProblem(
        model, state, (inputs[forget], targets[forget]), (inputs[mask], targets[mask]), record, budget, seed
    )


#: The registry's methods this family runs.
METHODS: tuple[str, ...] = method_names(ImageModel)
