"""The in-memory dataset every loader returns: tensors plus what the checks need to know about them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors of one task.

    ``num_classes`` is the number of classes (classification) or the vocabulary size (causal_lm);
    ``lower``/``upper`` bound the valid inputs (broadcastable to one input), the range onto which crafted
    inputs are projected (draft, "Adversarial poisons with irregular gradients": ``||z||_{inf,Z} <= M``).
    """

    name: str
    task: str
    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor
    num_classes: int
    lower: Tensor
    upper: Tensor

    def __post_init__(self) -> None:
        for split, (x, y) in {"train": (self.train_x, self.train_y), "test": (self.test_x, self.test_y)}.items():
            if x.shape[0] != y.shape[0]:
                raise ValueError(
                    f"{self.name}: {split} inputs and targets differ in length ({x.shape[0]} vs {y.shape[0]})"
                )
        if self.train_x.shape[0] == 0:
            raise ValueError(f"{self.name}: the training set is empty")

    def to(self, device: str | torch.device | None = None, dtype: torch.dtype | None = None) -> Dataset:
        """Move to ``device``; floating inputs (and regression targets) are cast to ``dtype``."""

        def cast(tensor: Tensor, is_input: bool) -> Tensor:
            floating = tensor.is_floating_point() and (is_input or self.task == "regression")
            return tensor.to(device=device, dtype=dtype if floating and dtype is not None else tensor.dtype)

        return replace(
            self,
            train_x=cast(self.train_x, True),
            train_y=cast(self.train_y, False),
            test_x=cast(self.test_x, True),
            test_y=cast(self.test_y, False),
            lower=cast(self.lower, True),
            upper=cast(self.upper, True),
        )

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first ``n_train`` / ``n_test`` examples (all when None)."""
        return replace(
            self,
            train_x=self.train_x[:n_train],
            train_y=self.train_y[:n_train],
            test_x=self.test_x[:n_test],
            test_y=self.test_y[:n_test],
        )
