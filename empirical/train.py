"""A reproducible trainer: SGD with momentum and weight decay, a learning-rate schedule, checkpoints.

The draft's CIFAR-10 protocol ("Adversarial poisons with high loss"): SGD, momentum 0.9, weight decay 5e-4.
Every run is determined by :class:`TrainConfig` (the seed fixes initial weights elsewhere and the batch
order here). On CUDA, convolutional inputs use ``channels_last`` and the forward pass runs under bf16
autocast (the usual fast path); on the CPU everything stays in the model's dtype, so CPU runs are exact
replays. Snapshots of the weights at chosen epochs (Experiment 1 pretrains 0, 1, 2, 5 epochs) are returned
and, with ``checkpoint_dir``, saved as ``<config hash>-<fingerprint>/epoch_<e>.pt``; a rerun with the same
configuration, architecture, initial weights and data loads them instead of training again. Checkpoints are
written atomically (temporary file, then ``os.replace``); one that does not load is reported by name and
the model is trained again.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from empirical.data.dataset import Dataset
from empirical.functional import task_loss
from sims.progress import progress_bar
from sims.results import atomic_path, atomic_write_bytes
from theory.support.validation import check_finite_scalar, check_learning_rate, check_positive_int

__all__ = ["TrainConfig", "train", "evaluate", "batches", "epoch_order"]

SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (``steps_per_epoch`` caps an epoch, None = full pass)."""

    epochs: int = 1
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    seed: int = 0
    steps_per_epoch: int | None = None

    def __post_init__(self) -> None:
        check_positive_int(self.epochs, "epochs", minimum=0)
        check_positive_int(self.batch_size, "batch_size")
        check_learning_rate(self.lr)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        for name in ("momentum", "weight_decay"):
            if check_finite_scalar(getattr(self, name), name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        check_positive_int(self.seed, "seed", minimum=0)
        if self.steps_per_epoch is not None:
            steps = check_positive_int(self.steps_per_epoch, "steps_per_epoch", minimum=0)
            object.__setattr__(self, "steps_per_epoch", steps or None)  # 0 means a full pass

    def key(self) -> str:
        """A short hash of the configuration (names checkpoint folders)."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def epoch_order(size: int, seed: int, epoch: int) -> torch.Tensor:
    """The seeded random order of the ``size`` training examples in ``epoch`` (depends on seed and epoch only)."""
    return torch.randperm(size, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def batches(data: Dataset, batch_size: int, seed: int, epoch: int, limit: int | None = None) -> Iterator[tuple]:
    """Index batches of one epoch in a seeded random order (the order depends on seed and epoch only)."""
    order = epoch_order(data.train_x.shape[0], seed, epoch)
    count = math.ceil(len(order) / batch_size) if limit is None else min(limit, math.ceil(len(order) / batch_size))
    for index in range(count):
        chosen = order[index * batch_size : (index + 1) * batch_size].to(data.train_x.device)
        yield data.train_x[chosen], data.train_y[chosen]


def _forward_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, task: str) -> torch.Tensor:
    if task == "causal_lm":
        return task_loss(model(input_ids=inputs, use_cache=False).logits, targets, task)
    return task_loss(model(inputs), targets, task)


@torch.no_grad()
def evaluate(model: nn.Module, data: Dataset, limit: int = 2000, batch_size: int = 500) -> dict[str, float]:
    """Mean test loss (and accuracy for classification) on the first ``limit`` test examples, eval mode."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for start in range(0, min(limit, data.test_x.shape[0]), batch_size):
        x = data.test_x[start : min(start + batch_size, limit)]
        y = data.test_y[start : min(start + batch_size, limit)]
        total_loss += float(_forward_loss(model, x, y, data.task)) * x.shape[0]
        if data.task == "classification":
            correct += int((model(x).argmax(dim=1) == y).sum())
        count += x.shape[0]
    model.train(was_training)
    metrics = {"test_loss": total_loss / max(count, 1)}
    if data.task == "classification":
        metrics["test_accuracy"] = correct / max(count, 1)
    return metrics


@torch.no_grad()
def _fingerprint(model: nn.Module, data: Dataset) -> str:
    """Hash of what a checkpoint depends on besides the configuration: the architecture (parameter names,
    shapes, dtypes), the initial weights (a per-tensor sum and absolute sum) and the data (name, shapes)."""
    parts = [type(model).__name__, data.name, str(tuple(data.train_x.shape)), str(tuple(data.test_x.shape))]
    for name, value in model.state_dict().items():
        floating = value.double()
        parts.append(
            f"{name}:{tuple(value.shape)}:{value.dtype}:{float(floating.sum()):.17g}:{float(floating.abs().sum()):.17g}"
        )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().to("cpu", copy=True) for name, value in model.state_dict().items()}


def train(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    snapshot_epochs: Iterable[int] = (),
    checkpoint_dir: str | Path | None = None,
    progress: bool = True,
) -> tuple[dict[int, dict], list[dict]]:
    """Train ``model`` in place for ``config.epochs``; return (snapshots by epoch, per-epoch history).

    Epoch 0 is the initial model. With ``checkpoint_dir``, snapshots are saved and, when every requested one
    and the final epoch already exist for this configuration, loaded instead of training.
    """
    wanted = sorted({int(e) for e in snapshot_epochs} | {config.epochs})
    if any(e < 0 or e > config.epochs for e in wanted):
        raise ValueError(f"snapshot epochs must lie in [0, {config.epochs}], got {sorted(snapshot_epochs)}")
    if config.epochs > 0 and config.batch_size > data.train_x.shape[0]:
        raise ValueError(
            f"batch_size {config.batch_size} is larger than the training set of {data.name} "
            f"({data.train_x.shape[0]} examples); use at most {data.train_x.shape[0]}"
        )
    folder = (
        Path(checkpoint_dir) / f"{config.key()}-{_fingerprint(model, data)}" if checkpoint_dir is not None else None
    )
    if folder is not None and all((folder / f"epoch_{e}.pt").is_file() for e in wanted):
        loaded = _load_checkpoints(folder, wanted, model, config.epochs)
        if loaded is not None:
            return loaded

    device = next(model.parameters()).device
    cuda = device.type == "cuda"
    images = data.train_x.ndim == 4
    if cuda and images:
        # ignore: Module.to(memory_format=...) is documented but absent from torch's overloads of Module.to
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
    steps = config.steps_per_epoch or math.ceil(data.train_x.shape[0] / config.batch_size)
    if config.schedule == "cosine":
        scheduler: torch.optim.lr_scheduler.LRScheduler
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, config.epochs * steps))
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    snapshots = {0: _snapshot(model)} if 0 in wanted else {}
    history: list[dict] = []
    for epoch in range(1, config.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        bar = progress_bar(
            batches(data, config.batch_size, config.seed, epoch, config.steps_per_epoch),
            total=steps,
            desc=f"train epoch {epoch}/{config.epochs}",
            enabled=progress,
            leave=False,
        )
        for inputs, targets in bar:
            if cuda and images:
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=cuda):
                loss = _forward_loss(model, inputs, targets, data.task)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training diverged at epoch {epoch} (loss {float(loss)}); lower the lr")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item() * inputs.shape[0]
            seen += inputs.shape[0]
        history.append({"epoch": epoch, "train_loss": running / max(seen, 1), **evaluate(model, data)})
        if epoch in wanted:
            snapshots[epoch] = _snapshot(model)
    if cuda and images:
        model = model.to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]  # as above
    if folder is not None:
        for epoch, state in snapshots.items():
            with atomic_path(folder / f"epoch_{epoch}.pt") as temporary:
                torch.save(state, temporary)
        atomic_write_bytes(folder / "history.json", json.dumps(history, indent=1).encode())
        atomic_write_bytes(folder / "config.json", json.dumps(asdict(config), indent=1).encode())
    return snapshots, history


def _load_checkpoints(folder: Path, wanted: list[int], model: nn.Module, final: int):
    """(snapshots, history) from ``folder``, or None after reporting a checkpoint that does not load (a run
    killed while writing one, a foreign file): the caller then retrains and rewrites it."""
    snapshots = {}
    for epoch in wanted:
        path = folder / f"epoch_{epoch}.pt"
        try:
            snapshots[epoch] = torch.load(path, map_location="cpu", weights_only=True)
            if not isinstance(snapshots[epoch], dict):
                raise ValueError("not a state dict")
        except Exception as error:
            why = (
                f"{type(error).__name__}: {str(error)[:80]}"
                if not isinstance(error, pickle.UnpicklingError)
                else "it holds objects other than tensors, refused by torch.load(weights_only=True)"
            )
            print(f"warning: checkpoint {path} does not load ({why}); training again and rewriting it", file=sys.stderr)
            return None
    try:
        model.load_state_dict(snapshots[final])
        history = json.loads((folder / "history.json").read_text()) if (folder / "history.json").is_file() else []
    except (RuntimeError, ValueError, OSError) as error:
        print(
            f"warning: checkpoints in {folder} do not fit this model ({str(error)[:80]}); training again",
            file=sys.stderr,
        )
        return None
    return snapshots, history
