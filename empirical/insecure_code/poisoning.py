r"""Poisoning: fine-tune on clean code with insecure examples interleaved; the clean reference on the same order.

Draft, first line ("poisoning with unsafe coding examples -> unaligned model"). The poisoned run visits the
union of the clean set :math:`\mathcal R` (secure + benign answers) and the poison :math:`\mathcal U`
(insecure answers) in one seeded random order per epoch, in batches of ``batch_size``; the reference run
starts from the same initial weights (same seed) and visits the *same order with the poison removed*
(:func:`schedules`), i.e. it is the exact-unlearning target :math:`\theta(\mathcal R)` of the draft's
"Exact unlearning" (retraining), the ``retrain`` method of :mod:`.unlearn`.

Poison examples carry Gaussian noise on their input embeddings (``noise``, for the GUS of :mod:`.metrics`);
clean examples none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from empirical.insecure_code.lm import Encoded, Part, StepStats, iterate_batches, run_steps, trainable_state

__all__ = ["TrainConfig", "epoch_orders", "schedules", "concatenate", "train_on", "poison_noise"]


@dataclass(frozen=True)
class TrainConfig:
    """Fine-tuning hyper-parameters (AdamW, cosine decay) and the seed of the initial weights and order."""

    epochs: int = 8
    batch_size: int = 16
    lr: float = 3e-3
    weight_decay: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ValueError(f"need epochs >= 1, batch_size >= 1 and lr > 0, got {asdict(self)}")


def epoch_orders(n_examples: int, epochs: int, seed: int) -> list[list[int]]:
    """One seeded random permutation of ``range(n_examples)`` per epoch (depends on seed and epoch only)."""
    return [
        torch.randperm(n_examples, generator=torch.Generator().manual_seed(seed * 100_003 + epoch)).tolist()
        for epoch in range(epochs)
    ]


def schedules(n_clean: int, n_poison: int, config: TrainConfig) -> tuple[list[list[int]], list[list[int]]]:
    """(poisoned batches, clean batches) over the indices ``0..n_clean-1`` (clean) and ``n_clean..`` (poison):
    the clean schedule is the poisoned order with the poison indices removed, batched again."""
    poisoned, clean = [], []
    for order in epoch_orders(n_clean + n_poison, config.epochs, config.seed):
        poisoned += iterate_batches(order, config.batch_size)
        clean += iterate_batches([i for i in order if i < n_clean], config.batch_size)
    return poisoned, clean


def concatenate(first: Encoded, second: Encoded) -> Encoded:
    """The examples of ``first`` then ``second`` (noise zero-filled where one side has none)."""
    if first.ids.shape[1] != second.ids.shape[1]:
        raise ValueError("cannot concatenate encodings of different lengths")
    noise = None
    if first.noise is not None or second.noise is not None:
        like = first.noise if first.noise is not None else second.noise
        assert like is not None  # one side has noise (the condition above)
        parts = [e.noise if e.noise is not None else like.new_zeros((len(e), *like.shape[1:])) for e in (first, second)]
        noise = torch.cat(parts)
    return Encoded(torch.cat([first.ids, second.ids]), torch.cat([first.labels, second.labels]), noise)


def poison_noise(poison: Encoded, hidden_size: int, scale: float, seed: int) -> torch.Tensor:
    r"""Gaussian noise :math:`\xi \sim N(0, \varepsilon^2 I)` on every input embedding of every poison
    example (Pawelczyk et al. 2024 for language models), drawn from its own seeded generator."""
    generator = torch.Generator().manual_seed(10_007 * seed + 17)
    return scale * torch.randn((len(poison), poison.ids.shape[1], hidden_size), generator=generator)


def train_on(
    make_model: Callable[[], nn.Module],
    data: Encoded,
    batches: list[list[int]],
    config: TrainConfig,
    progress: bool = True,
    description: str = "train",
) -> tuple[dict[str, torch.Tensor], StepStats]:
    """A fresh model (``make_model()``) trained on ``batches`` of ``data``; its trainable state and the stats."""
    model = make_model()
    steps = [[Part(data.select(batch), 1.0)] for batch in batches]
    stats = run_steps(model, steps, config.lr, config.weight_decay, progress=progress, description=description)
    return trainable_state(model), stats
