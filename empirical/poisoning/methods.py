r"""Unlearning methods on networks: one model-agnostic interface, each method's cost in gradient evaluations.

The names are those of the linear methods in :mod:`sims.unlearning` (hyphens are accepted for underscores):

=========================  =====================================================================================
``retrain``                exact: train from the initial weights on the retain schedule (the reference)
``rewind_replay``          exact: load the last checkpoint before the first poisoned batch, replay the retain steps
``finetune``               SGD on the retain set ("continuing the training on clean data", draft's conclusion)
``gradient_ascent``        ascent on the forget set; draft: SGD lr 1e-5, momentum 0.9, weight decay 5e-4, 4 epochs
``neggrad_plus``           Kurmanji et al. 2023: descend :math:`\beta L_r - (1-\beta) L_f`; draft: beta 0.995, lr 1e-3
``neggrad_plus_aligned``   the draft's TODO ("align the gradients on the forget set and the retain set"): NegGrad+
                           whose forget direction is projected off the retain gradient when they conflict
                           (PCGrad, Yu et al. 2020), so the ascent never raises the retain loss to first order
``scrub``                  SCRUB (Kurmanji et al. 2023), the strong recent baseline
=========================  =====================================================================================

Why SCRUB rather than SalUn: SCRUB needs only the model's outputs (a KL between teacher and student logits plus
the task loss), so the same code serves a classifier and a causal language model (issue 8's LLaMA), whereas
SalUn's random relabelling presumes a small label space; and SCRUB is the paper NegGrad+ comes from, so the
two share hyper-parameter conventions. Cost unit: per-example gradient evaluations (``grad_evals``, the unit
of :mod:`sims.unlearning`); SCRUB's teacher forwards are counted separately in ``forward_evals``.

A method never modifies its inputs: it starts from a copy of ``problem.model`` loaded with
``problem.poisoned`` and returns the unlearned state.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from empirical.poisoning.training import LossFn, TrainingRun, run_steps

__all__ = ["METHODS", "UnlearningProblem", "UnlearningResult", "unlearn", "method_names", "retrain", "rewind_replay",
           "finetune", "gradient_ascent", "neggrad_plus", "neggrad_plus_aligned", "scrub"]

OutputFn = Callable[[nn.Module, Tensor], Tensor]


@dataclass
class UnlearningResult:
    """The unlearned model state and the method's cost (per-example gradient evaluations)."""

    method: str
    state: dict
    grad_evals: int
    seconds: float = 0.0
    forward_evals: int = 0
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnlearningProblem:
    """What a method may use: architecture, the state to unlearn from, forget and retain sets, the loss.

    ``output_fn(model, inputs)`` gives logits (SCRUB's KL); ``run`` (a :class:`TrainingRun`) is needed by the
    exact methods only. ``batch_size`` is the methods' mini-batch size; ``seed`` fixes their shuffles.
    """

    model: nn.Module
    poisoned: dict
    forget: tuple[Tensor, Tensor]
    retain: tuple[Tensor, Tensor]
    loss_fn: LossFn
    batch_size: int = 64
    run: TrainingRun | None = None
    output_fn: OutputFn = field(default=lambda model, inputs: model(inputs))
    seed: int = 0

    @classmethod
    def from_run(cls, run: TrainingRun, batch_size: int | None = None, seed: int = 0,
                 output_fn: OutputFn | None = None) -> "UnlearningProblem":
        mask = run.retain_mask
        forget = run.forget.to(run.inputs.device)
        problem = cls(run.model, run.poisoned, (run.inputs[forget], run.targets[forget]),
                      (run.inputs[mask], run.targets[mask]), run.loss_fn, batch_size or run.config.batch_size, run,
                      seed=seed)
        if output_fn is not None:
            problem.output_fn = output_fn
        return problem

    def start(self) -> nn.Module:
        """A fresh copy of the architecture holding the poisoned state, in train mode."""
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.poisoned)
        model.train()
        return model

    def require_run(self, method: str) -> TrainingRun:
        if self.run is None:
            raise ValueError(f"method {method} needs the training run (UnlearningProblem.from_run): it replays training")
        return self.run

    def shuffled(self, data: tuple[Tensor, Tensor], epoch: int, salt: int) -> list[tuple[Tensor, Tensor]]:
        """Mini-batches of ``data`` in a seeded order for ``epoch``."""
        inputs, targets = data
        order = torch.randperm(inputs.shape[0], generator=torch.Generator().manual_seed(
            self.seed * 7919 + epoch * 31 + salt)).to(inputs.device)
        return [(inputs[chunk], targets[chunk]) for chunk in torch.split(order, self.batch_size)]


def _sgd(model: nn.Module, lr: float, momentum: float, weight_decay: float) -> torch.optim.SGD:
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)


def _finish(name: str, model: nn.Module, evals: int, began: float, **info: Any) -> UnlearningResult:
    forward = int(info.pop("forward_evals", 0))
    return UnlearningResult(name, copy.deepcopy(model.state_dict()), int(evals), time.perf_counter() - began, forward,
                            info)


def retrain(problem: UnlearningProblem) -> UnlearningResult:
    """Exact unlearning by retraining from the initial weights on the retain schedule."""
    began, run = time.perf_counter(), problem.require_run("retrain")
    model = run.model_at(run.initial)
    run_steps(model, run.inputs, run.targets, run.retain_plan, run.config, run.loss_fn)
    return _finish("retrain", model, run.retain_plan.examples, began)


def rewind_replay(problem: UnlearningProblem) -> UnlearningResult:
    """Exact unlearning by rewinding to the last checkpoint before the first poisoned batch and replaying."""
    began, run = time.perf_counter(), problem.require_run("rewind_replay")
    step = run.rewind_checkpoint()
    model = run.model_at(run.checkpoints[step]["model"])
    run_steps(model, run.inputs, run.targets, run.retain_plan, run.config, run.loss_fn, start=step,
              optimizer_state=run.checkpoints[step]["optimizer"])
    evals = sum(int(batch.numel()) for batch in run.retain_plan.batches[step:])
    return _finish("rewind_replay", model, evals, began, rewound_to_step=step)


def finetune(problem: UnlearningProblem, lr: float = 0.01, epochs: int = 1, momentum: float = 0.9,
             weight_decay: float = 5e-4) -> UnlearningResult:
    """SGD on the retain set for ``epochs`` passes."""
    began, model = time.perf_counter(), problem.start()
    optimizer, evals = _sgd(model, lr, momentum, weight_decay), 0
    for epoch in range(epochs):
        for inputs, targets in problem.shuffled(problem.retain, epoch, 1):
            optimizer.zero_grad(set_to_none=True)
            problem.loss_fn(model, inputs, targets).backward()
            optimizer.step()
            evals += inputs.shape[0]
    return _finish("finetune", model, evals, began)


def gradient_ascent(problem: UnlearningProblem, lr: float = 1e-5, epochs: int = 4, momentum: float = 0.9,
                    weight_decay: float = 5e-4) -> UnlearningResult:
    """SGD ascent on the forget set (the draft's settings by default)."""
    began, model = time.perf_counter(), problem.start()
    optimizer, evals = _sgd(model, lr, momentum, weight_decay), 0
    for epoch in range(epochs):
        for inputs, targets in problem.shuffled(problem.forget, epoch, 2):
            optimizer.zero_grad(set_to_none=True)
            (-problem.loss_fn(model, inputs, targets)).backward()
            optimizer.step()
            evals += inputs.shape[0]
    return _finish("gradient_ascent", model, evals, began)


def _pairs(problem: UnlearningProblem, epoch: int) -> list[tuple[tuple, tuple]]:
    retain = problem.shuffled(problem.retain, epoch, 3)
    forget = problem.shuffled(problem.forget, epoch, 4)
    return [(batch, forget[index % len(forget)]) for index, batch in enumerate(retain)]


def neggrad_plus(problem: UnlearningProblem, beta: float = 0.995, lr: float = 1e-3, epochs: int = 4,
                 momentum: float = 0.9, weight_decay: float = 5e-4) -> UnlearningResult:
    """Descend beta L(retain batch) - (1 - beta) L(forget batch), forget batches cycled (draft: beta 0.995)."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must lie in [0, 1] (weight of the retain loss), got {beta!r}")
    began, model = time.perf_counter(), problem.start()
    optimizer, evals = _sgd(model, lr, momentum, weight_decay), 0
    for epoch in range(epochs):
        for (xr, yr), (xf, yf) in _pairs(problem, epoch):
            optimizer.zero_grad(set_to_none=True)
            (beta * problem.loss_fn(model, xr, yr) - (1 - beta) * problem.loss_fn(model, xf, yf)).backward()
            optimizer.step()
            evals += xr.shape[0] + xf.shape[0]
    return _finish("neggrad_plus", model, evals, began)


def neggrad_plus_aligned(problem: UnlearningProblem, beta: float = 0.995, lr: float = 1e-3, epochs: int = 4,
                         momentum: float = 0.9, weight_decay: float = 5e-4) -> UnlearningResult:
    r"""NegGrad+ with the forget direction :math:`u = -\nabla L_f` projected off :math:`g_r = \nabla L_r` when
    :math:`\langle u, g_r\rangle > 0` (the ascent would raise the retain loss):
    :math:`u \leftarrow u - \frac{\langle u, g_r\rangle}{|g_r|^2} g_r`; step on :math:`\beta g_r + (1-\beta) u`."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must lie in [0, 1] (weight of the retain loss), got {beta!r}")
    began, model = time.perf_counter(), problem.start()
    optimizer, evals, projected, steps = _sgd(model, lr, momentum, weight_decay), 0, 0, 0
    parameters = [p for p in model.parameters() if p.requires_grad]
    for epoch in range(epochs):
        for (xr, yr), (xf, yf) in _pairs(problem, epoch):
            retain_grad = torch.autograd.grad(problem.loss_fn(model, xr, yr), parameters)
            forget_dir = [-g for g in torch.autograd.grad(problem.loss_fn(model, xf, yf), parameters)]
            dot = sum((u * g).sum() for u, g in zip(forget_dir, retain_grad))
            norm_sq = sum((g * g).sum() for g in retain_grad)
            if dot > 0 and norm_sq > 0:
                forget_dir = [u - (dot / norm_sq) * g for u, g in zip(forget_dir, retain_grad)]
                projected += 1
            for p, g, u in zip(parameters, retain_grad, forget_dir):
                p.grad = beta * g + (1 - beta) * u
            optimizer.step()
            evals += xr.shape[0] + xf.shape[0]
            steps += 1
    return _finish("neggrad_plus_aligned", model, evals, began, projected_fraction=projected / max(steps, 1))


def _distill_kl(student: Tensor, teacher: Tensor, temperature: float) -> Tensor:
    """Hinton's KL(teacher || student) at ``temperature``, times T^2 (SCRUB's DistillKL), over the last axis."""
    log_student = F.log_softmax(student / temperature, dim=-1).reshape(-1, student.shape[-1])
    probs_teacher = F.softmax(teacher / temperature, dim=-1).reshape(-1, teacher.shape[-1])
    return F.kl_div(log_student, probs_teacher, reduction="batchmean") * temperature**2


def scrub(problem: UnlearningProblem, lr: float = 5e-4, epochs: int = 3, max_epochs: int = 2, alpha: float = 0.001,
          gamma: float = 0.99, temperature: float = 4.0, momentum: float = 0.9,
          weight_decay: float = 5e-4) -> UnlearningResult:
    """SCRUB: per epoch, (while epoch < ``max_epochs``) maximise KL(teacher || student) on the forget set, then
    minimise ``gamma`` task loss + ``alpha`` KL on the retain set (defaults: the SCRUB code's CIFAR settings)."""
    began, model = time.perf_counter(), problem.start()
    teacher = problem.start().eval()
    optimizer, evals, forwards = _sgd(model, lr, momentum, weight_decay), 0, 0
    for epoch in range(epochs):
        if epoch < max_epochs:
            for inputs, _ in problem.shuffled(problem.forget, epoch, 5):
                with torch.no_grad():
                    target = problem.output_fn(teacher, inputs)
                optimizer.zero_grad(set_to_none=True)
                (-_distill_kl(problem.output_fn(model, inputs), target, temperature)).backward()
                optimizer.step()
                evals += inputs.shape[0]
                forwards += inputs.shape[0]
        for inputs, targets in problem.shuffled(problem.retain, epoch, 6):
            with torch.no_grad():
                target = problem.output_fn(teacher, inputs)
            optimizer.zero_grad(set_to_none=True)
            loss = gamma * problem.loss_fn(model, inputs, targets) + alpha * _distill_kl(
                problem.output_fn(model, inputs), target, temperature)
            loss.backward()
            optimizer.step()
            evals += inputs.shape[0]
            forwards += inputs.shape[0]
    return _finish("scrub", model, evals, began, forward_evals=forwards)


METHODS: dict[str, Callable[..., UnlearningResult]] = {
    "retrain": retrain, "rewind_replay": rewind_replay, "finetune": finetune, "gradient_ascent": gradient_ascent,
    "neggrad_plus": neggrad_plus, "neggrad_plus_aligned": neggrad_plus_aligned, "scrub": scrub,
}


def method_names() -> tuple[str, ...]:
    return tuple(METHODS)


def unlearn(method: str, problem: UnlearningProblem, **options: Any) -> UnlearningResult:
    """Run unlearning method ``method`` (name as in :mod:`sims.unlearning`; hyphens allowed) with ``options``."""
    name = method.replace("-", "_")
    if name not in METHODS:
        raise ValueError(f"unknown unlearning method {method!r}; known: {', '.join(METHODS)}")
    try:
        return METHODS[name](problem, **options)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            raise ValueError(f"method {name}: {error}") from None
        raise
