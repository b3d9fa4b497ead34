r"""Unlearning the poison of a language model: retrain, finetune, gradient-ascent, neggrad-plus.

The same methods (and names) as :mod:`sims.unlearning` for the linear models, on a network trained with
AdamW (:func:`empirical.insecure_code.lm.run_steps`); each returns an :class:`UnlearningResult` with the
unlearned trainable state and its cost ``grad_evals`` (examples whose gradient was evaluated, as in
``sims.unlearning``). ``U`` is the poison (forget) set, ``R`` the clean (retain) set.

* ``retrain``: exact unlearning by definition (draft, "Exact unlearning"): a fresh model trained on R in
  the training order with U removed (:func:`empirical.insecure_code.poisoning.schedules`).
* ``finetune``: continue training the poisoned model on R (draft, "Conclusion on gradient ascent":
  "simply continuing the training on clean data"), ``epochs`` fresh passes.
* ``gradient-ascent``: ascend the mean loss of U, ``epochs`` passes (draft, "Gradient ascent does not revert
  gradient descent"; NegGrad). Forget examples are fed as trained (with their embedding noise).
* ``npo``, ``simnpo``: the bounded forget losses of :mod:`.preference_losses` plus a retain term.
* ``npo``, ``simnpo``: the bounded forget losses of :mod:`.preference_losses` (Zhang et al. 2024; Fan et al.
  2024) on forget batches, each step with a retain batch's loss added (weight ``retain_weight``).
* ``neggrad-plus``: :math:`\beta \bar L(\text{retain batch}) - (1-\beta) \bar L(\text{forget batch})`, forget
  batches cycled alongside the retain batches (Kurmanji et al. 2023; the draft uses :math:`\beta = 0.995`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from empirical.insecure_code.lm import Encoded, Part, iterate_batches, load_trainable, run_steps, trainable_state
from empirical.insecure_code.poisoning import TrainConfig, epoch_orders, schedules, train_on

__all__ = ["METHODS", "UnlearningResult", "LMUnlearningProblem", "unlearn", "retrain", "finetune",
           "gradient_ascent", "neggrad_plus"]

METHODS = ("retrain", "finetune", "gradient-ascent", "neggrad-plus", "npo", "simnpo")


@dataclass
class UnlearningResult:
    """The unlearned trainable parameters and the method's cost (as ``sims.unlearning.UnlearningResult``)."""

    method: str
    state: dict[str, torch.Tensor] = field(repr=False)
    grad_evals: int
    memory_bytes: int = 0
    steps: int = 0
    seconds: float = 0.0


@dataclass
class LMUnlearningProblem:
    """A poisoned training run to unlearn: how to build the initial model, the poisoned weights, R and U."""

    make_model: Callable[[], nn.Module]
    poisoned_state: dict[str, torch.Tensor]
    clean: Encoded
    poison: Encoded
    config: TrainConfig
    progress: bool = True

    def __post_init__(self) -> None:
        if len(self.poison) == 0:
            raise ValueError("the poison (forget) set is empty: there is nothing to unlearn; give a poison set with "
                             "at least one example (n_poison > 0 or a non-empty poison.jsonl)")
        if len(self.clean) == 0:
            raise ValueError("the clean (retain) set is empty: retraining and fine-tuning need clean examples")

    def poisoned_model(self) -> nn.Module:
        return load_trainable(self.make_model(), self.poisoned_state)


def _result(method: str, model_or_state, stats, start: float) -> UnlearningResult:
    state = model_or_state if isinstance(model_or_state, dict) else trainable_state(model_or_state)
    memory = sum(v.numel() * v.element_size() for v in state.values())
    return UnlearningResult(method, state, stats.grad_evals, memory, stats.steps, time.perf_counter() - start)


def retrain(problem: LMUnlearningProblem) -> UnlearningResult:
    start = time.perf_counter()
    _, clean_batches = schedules(len(problem.clean), len(problem.poison), problem.config)
    state, stats = train_on(problem.make_model, problem.clean, clean_batches, problem.config, problem.progress,
                            "retrain")
    return _result("retrain", state, stats, start)


def _passes(n: int, epochs: int, seed: int, batch_size: int) -> list[list[int]]:
    return [batch for order in epoch_orders(n, epochs, seed) for batch in iterate_batches(order, batch_size)]


def finetune(problem: LMUnlearningProblem, epochs: int = 1, lr: float | None = None) -> UnlearningResult:
    start = time.perf_counter()
    model = problem.poisoned_model()
    batches = _passes(len(problem.clean), epochs, problem.config.seed + 1000, problem.config.batch_size)
    stats = run_steps(model, [[Part(problem.clean.select(b))] for b in batches], lr or problem.config.lr / 10,
                      problem.config.weight_decay, progress=problem.progress, description="finetune")
    return _result("finetune", model, stats, start)


def gradient_ascent(problem: LMUnlearningProblem, epochs: int = 1, lr: float | None = None) -> UnlearningResult:
    start = time.perf_counter()
    model = problem.poisoned_model()
    batches = _passes(len(problem.poison), epochs, problem.config.seed + 2000, problem.config.batch_size)
    stats = run_steps(model, [[Part(problem.poison.select(b), -1.0)] for b in batches], lr or problem.config.lr / 10,
                      problem.config.weight_decay, progress=problem.progress, description="gradient-ascent")
    return _result("gradient-ascent", model, stats, start)


def neggrad_plus(problem: LMUnlearningProblem, beta: float = 0.995, epochs: int = 1,
                 lr: float | None = None) -> UnlearningResult:
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must lie in [0, 1] (weight of the retain loss), got {beta!r}")
    start = time.perf_counter()
    model = problem.poisoned_model()
    retain = _passes(len(problem.clean), epochs, problem.config.seed + 3000, problem.config.batch_size)
    forget = _passes(len(problem.poison), 1, problem.config.seed + 4000, problem.config.batch_size)
    steps = [[Part(problem.clean.select(batch), beta), Part(problem.poison.select(forget[i % len(forget)]), beta - 1.0)]
             for i, batch in enumerate(retain)]
    stats = run_steps(model, steps, lr or problem.config.lr / 10, problem.config.weight_decay,
                      progress=problem.progress, description="neggrad-plus")
    return _result("neggrad-plus", model, stats, start)


def _preference(method: str, problem: LMUnlearningProblem, forget_loss, epochs: int, lr: float | None,
                retain_weight: float) -> UnlearningResult:
    """``epochs`` passes over the forget batches, each step ``forget_loss`` of a forget batch plus
    ``retain_weight`` times the mean loss of a cycled retain batch (NPO+RT, Zhang et al. 2024 section 5)."""
    start = time.perf_counter()
    model = problem.poisoned_model()
    forget = _passes(len(problem.poison), epochs, problem.config.seed + 5000, problem.config.batch_size)
    retain = _passes(len(problem.clean), 1, problem.config.seed + 6000, problem.config.batch_size)
    steps = [[Part(problem.poison.select(batch), 1.0, forget_loss)]
             + ([Part(problem.clean.select(retain[i % len(retain)]), retain_weight)] if retain_weight else [])
             for i, batch in enumerate(forget)]
    stats = run_steps(model, steps, lr or problem.config.lr / 10, problem.config.weight_decay,
                      progress=problem.progress, description=method)
    return _result(method, model, stats, start)


def npo(problem: LMUnlearningProblem, epochs: int = 1, lr: float | None = None, beta: float = 0.1,
        retain_weight: float = 1.0) -> UnlearningResult:
    """NPO (:func:`.preference_losses.npo_loss`; reference = the poisoned model) plus a retain term."""
    from empirical.insecure_code.lm import sequence_log_probs
    from empirical.insecure_code.preference_losses import npo_loss

    reference_model = problem.poisoned_model().eval()
    with torch.no_grad():
        reference = torch.cat([sequence_log_probs(reference_model, problem.poison.select(range(i, min(i + 16, len(problem.poison)))))[0]
                               for i in range(0, len(problem.poison), 16)]).cpu()
    del reference_model
    index = {tuple(problem.poison.ids[i].tolist()): i for i in range(len(problem.poison))}

    def loss(model, batch):
        rows = torch.tensor([index[tuple(row.tolist())] for row in batch.ids])
        return npo_loss(sequence_log_probs(model, batch)[0], reference[rows].to(next(model.parameters()).device), beta)
    return _preference("npo", problem, loss, epochs, lr, retain_weight)


def simnpo(problem: LMUnlearningProblem, epochs: int = 1, lr: float | None = None, beta: float = 2.5,
           gamma: float = 0.0, retain_weight: float = 1.0) -> UnlearningResult:
    """SimNPO (:func:`.preference_losses.simnpo_loss`, reference-free, length-normalised) plus a retain term."""
    from empirical.insecure_code.lm import sequence_log_probs
    from empirical.insecure_code.preference_losses import simnpo_loss

    def loss(model, batch):
        logp, counts = sequence_log_probs(model, batch)
        return simnpo_loss(logp, counts.clamp(min=1.0), beta, gamma)
    return _preference("simnpo", problem, loss, epochs, lr, retain_weight)


_METHODS = {"retrain": retrain, "npo": npo, "simnpo": simnpo, "finetune": finetune, "gradient-ascent": gradient_ascent, "neggrad-plus": neggrad_plus}


def unlearn(method: str, problem: LMUnlearningProblem, **options) -> UnlearningResult:
    """Run unlearning ``method`` (one of :data:`METHODS`) with its options (``epochs``, ``lr``, ``beta``)."""
    if method not in _METHODS:
        raise ValueError(f"unknown unlearning method {method!r}; known: {', '.join(METHODS)}")
    return _METHODS[method](problem, **options)
