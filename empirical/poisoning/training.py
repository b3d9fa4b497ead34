r"""Training with poisons interleaved, the exactly retrained reference, and step checkpoints for rewinding.

Draft, "Exact unlearning": the reference is the model "trained on :math:`\mathcal S_{\mathrm{train}} \setminus
\mathcal S_{\mathrm{forget}}`". Here the poisons *replace* their clean sources in the training set (as
Pawelczyk et al. 2024 add noise to a subset of the training points), so the forget set is the poisons and
the retain set is the training set without the sources. Both runs use :func:`empirical.train.epoch_order`
(the existing trainer's seeded order): the reference visits the same permutation with the forgotten indices
removed and the rest packed into batches, from the same initial weights. Before the first batch that holds a
poison the two runs are therefore identical, step for step, which makes rewind-and-replay exact.

The optimiser is the trainer's (SGD, momentum, weight decay, BatchNorm in train mode); the learning rate of
global step :math:`k` is :math:`\lambda_0 \cdot \tfrac12 (1 + \cos(\pi \min(k, T)/T))` (``cosine``) with
:math:`T` the reference's step count, or :math:`\lambda_0` (``constant``), a function of :math:`k` only, so that
both runs agree on every shared step. Checkpoints (model state *and* momentum buffers) are kept every
``checkpoint_every`` steps of the poisoned run up to the first poisoned batch (later ones are of no use): rewinding loads the last one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from empirical.data.dataset import Dataset
from empirical.train import TrainConfig, _forward_loss, epoch_order

__all__ = [
    "Schedule",
    "TrainingRun",
    "schedule",
    "learning_rate",
    "run_steps",
    "train_with_poisons",
    "LossFn",
    "default_loss",
]

LossFn = Callable[[nn.Module, Tensor, Tensor], Tensor]


def default_loss(task: str) -> LossFn:
    """The trainer's mean loss of a batch for ``task`` (classification, regression, causal_lm)."""
    return lambda model, inputs, targets: _forward_loss(model, inputs, targets, task)


@dataclass(frozen=True)
class Schedule:
    """Index batches of every step of a run (global step order) and the lr horizon ``T``."""

    batches: tuple[Tensor, ...]
    horizon: int

    def __len__(self) -> int:
        return len(self.batches)

    @property
    def examples(self) -> int:
        """Per-example gradient evaluations of the whole run."""
        return sum(int(batch.numel()) for batch in self.batches)


def schedule(size: int, config: TrainConfig, drop: Tensor | None = None, horizon: int | None = None) -> Schedule:
    """The steps of training on ``size`` examples; ``drop`` removes indices from every epoch's order."""
    keep = None
    if drop is not None and drop.numel():
        keep = torch.ones(size, dtype=torch.bool)
        keep[drop] = False
    steps = []
    for epoch in range(1, config.epochs + 1):
        order = epoch_order(size, config.seed, epoch)
        if keep is not None:
            order = order[keep[order]]
        chunks = list(torch.split(order, config.batch_size))
        if config.steps_per_epoch is not None:
            chunks = chunks[: config.steps_per_epoch]
        steps += chunks
    return Schedule(tuple(steps), len(steps) if horizon is None else horizon)


def learning_rate(config: TrainConfig, step: int, horizon: int) -> float:
    """The lr of global step ``step`` (module docstring)."""
    if config.schedule == "constant":
        return config.lr
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * min(step, horizon) / max(horizon, 1)))


def _optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def run_steps(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    plan: Schedule,
    config: TrainConfig,
    loss_fn: LossFn,
    start: int = 0,
    optimizer_state: dict | None = None,
    checkpoint_every: int = 0,
    checkpoint_until: int | None = None,
    progress: bool = False,
    description: str = "train",
) -> tuple[dict[int, dict], dict]:
    """Run steps ``start..len(plan)-1`` of ``plan`` on ``model`` in place.

    Returns (checkpoints ``{step: {"model": state, "optimizer": state}}`` taken *before* each multiple of
    ``checkpoint_every`` up to step ``checkpoint_until``, final optimizer state). ``optimizer_state`` resumes
    momentum buffers.
    """
    optimizer = _optimizer(model, config)
    if optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)
    checkpoints: dict[int, dict] = {}
    model.train()
    for step in tqdm(range(start, len(plan)), desc=description, disable=not progress, leave=False):
        if checkpoint_every and step % checkpoint_every == 0 and (checkpoint_until is None or step <= checkpoint_until):
            checkpoints[step] = {
                "model": copy.deepcopy(model.state_dict()),
                "optimizer": copy.deepcopy(optimizer.state_dict()),
            }
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step, plan.horizon)
        batch = plan.batches[step].to(inputs.device)
        loss = loss_fn(model, inputs[batch], targets[batch])
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training diverged at step {step} (loss {float(loss)}); lower the lr")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return checkpoints, copy.deepcopy(optimizer.state_dict())


@dataclass
class TrainingRun:
    """A poisoned run and its exact reference (module docstring).

    ``inputs``/``targets``: the poisoned training set (poisons at ``forget``); ``initial``, ``poisoned``,
    ``reference``: model states; ``poisoned_plan`` and ``retain_plan``: the two runs' steps;
    ``first_divergence``: the first step whose batch holds a poison; ``checkpoints``: poisoned-run states.
    """

    model: nn.Module
    inputs: Tensor
    targets: Tensor
    forget: Tensor
    config: TrainConfig
    loss_fn: LossFn
    initial: dict
    poisoned: dict
    reference: dict
    poisoned_plan: Schedule
    retain_plan: Schedule
    first_divergence: int
    checkpoints: dict[int, dict] = field(repr=False, default_factory=dict)

    @property
    def retain_mask(self) -> Tensor:
        mask = torch.ones(self.inputs.shape[0], dtype=torch.bool, device=self.inputs.device)
        mask[self.forget.to(self.inputs.device)] = False
        return mask

    def rewind_checkpoint(self) -> int:
        """The last checkpointed step at or before the first poisoned batch (ValueError when none is kept)."""
        usable = [step for step in self.checkpoints if step <= self.first_divergence]
        if not usable:
            raise ValueError(
                f"no checkpoint at or before step {self.first_divergence} (the first poisoned batch): "
                "train with checkpoint_every >= 1 so that rewind-and-replay has a state to rewind to"
            )
        return max(usable)

    def model_at(self, state: dict) -> nn.Module:
        """A copy of the architecture holding ``state``."""
        model = copy.deepcopy(self.model)
        model.load_state_dict(state)
        return model


def train_with_poisons(
    model: nn.Module,
    data: Dataset,
    poisons,
    config: TrainConfig,
    loss_fn: LossFn | None = None,
    checkpoint_every: int = 1,
    progress: bool = False,
) -> TrainingRun:
    """Train from ``model``'s current weights on ``data`` with ``poisons`` replacing their sources, and the reference.

    ``poisons`` is an :class:`empirical.poisoning.attacks.Poisons` whose ``source_index`` indexes
    ``data.train_x``. ``model`` is left holding the initial weights.
    """
    size = data.train_x.shape[0]
    forget = poisons.source_index.to(torch.long).cpu()
    if len(poisons) > size:
        raise ValueError(f"{len(poisons)} poisons for a training set of {size} examples: use at most {size}")
    if forget.unique().numel() != forget.numel() or int(forget.min()) < 0 or int(forget.max()) >= size:
        raise ValueError(f"poison source indices must be distinct and in [0, {size}), got {forget.tolist()[:10]}")
    loss_fn = loss_fn or default_loss(data.task)
    inputs, targets = data.train_x.clone(), data.train_y.clone()
    inputs[forget.to(inputs.device)] = poisons.inputs.to(inputs)
    targets[forget.to(inputs.device)] = poisons.targets.to(targets)
    retain_plan = schedule(size, config, drop=forget)
    poisoned_plan = schedule(size, config, horizon=retain_plan.horizon)
    touched = [step for step, batch in enumerate(poisoned_plan.batches) if torch.isin(batch, forget).any()]
    first = touched[0] if touched else len(poisoned_plan)
    initial = copy.deepcopy(model.state_dict())
    checkpoints, _ = run_steps(
        model,
        inputs,
        targets,
        poisoned_plan,
        config,
        loss_fn,
        checkpoint_every=checkpoint_every,
        checkpoint_until=first,
        progress=progress,
        description="train with poisons",
    )
    poisoned = copy.deepcopy(model.state_dict())
    model.load_state_dict(initial)
    run_steps(model, inputs, targets, retain_plan, config, loss_fn, progress=progress, description="retrain reference")
    reference = copy.deepcopy(model.state_dict())
    model.load_state_dict(initial)
    return TrainingRun(
        model,
        inputs,
        targets,
        forget,
        config,
        loss_fn,
        initial,
        poisoned,
        reference,
        poisoned_plan,
        retain_plan,
        first,
        checkpoints,
    )
