"""Small models for the CPU: a convolutional network, a multilayer perceptron and the linear model.

The linear model :math:`h_\\theta(x) = \\theta \\cdot x` (no bias) with the half squared loss is the draft's
linear regression (section "The case of linear regression"): run through the same ``torch.func`` code as the
networks, it must reproduce `theory.models.linear_regression`'s closed forms to float64 rounding.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from theory.support.validation import check_positive_int

__all__ = ["SmallCNN", "MLP", "LinearModel"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "softplus": nn.Softplus}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    return _ACTIVATIONS[name]()


class SmallCNN(nn.Module):
    """conv3x3(c) - [BN] - act - conv3x3(2c, stride 2) - [BN] - act - global average pool - linear.

    BatchNorm is on by default: without it this network barely trains on digits (test accuracy 14 % after
    10 epochs at lr 0.2, against 90 % after 5 epochs at lr 0.1 with it; measured with empirical.train).
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        channels: int = 8,
        activation: str = "gelu",
        batchnorm: bool = True,
    ) -> None:
        super().__init__()
        channels = check_positive_int(channels, "channels")
        norm = (lambda c: nn.BatchNorm2d(c)) if batchnorm else (lambda c: nn.Identity())
        self.features = nn.Sequential(
            nn.Conv2d(check_positive_int(in_channels, "in_channels"), channels, 3, padding=1),
            norm(channels),
            _activation(activation),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1),
            norm(2 * channels),
            _activation(activation),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(2 * channels, check_positive_int(num_classes, "num_classes", minimum=2))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class MLP(nn.Module):
    """flatten - linear(d, h) - act - linear(h, h) - act - linear(h, classes); smooth by default (tanh)."""

    def __init__(self, in_features: int, num_classes: int = 10, hidden: int = 32, activation: str = "tanh") -> None:
        super().__init__()
        hidden = check_positive_int(hidden, "hidden")
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(check_positive_int(in_features, "in_features"), hidden),
            _activation(activation),
            nn.Linear(hidden, hidden),
            _activation(activation),
            nn.Linear(hidden, check_positive_int(num_classes, "num_classes", minimum=2)),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class LinearModel(nn.Module):
    """h_theta(x) = theta . x, one output, no bias: the draft's linear regression."""

    def __init__(self, in_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(check_positive_int(in_features, "in_features"), 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(torch.flatten(x, 1)).squeeze(-1)
