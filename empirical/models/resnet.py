"""CIFAR-style ResNet18 (He et al. 2016, the CIFAR variant): 3x3 stem, no max-pool, widths w, 2w, 4w, 8w.

The draft's CIFAR-10 experiments ("Adversarial poisons with high loss") use this network; at width 64 with
10 classes it has 11,173,962 parameters and costs ~0.56 G multiply-adds per 32x32 image (field notes,
"Sizes"). torchvision's ImageNet ResNet18 (7x7 stem + max-pool) is a different, much cheaper network on 32x32.
The ``width`` parameter shrinks it for the CPU.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from theory.support.validation import check_positive_int

__all__ = ["BasicBlock", "ResNet18"]


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a residual connection (1x1 conv-BN shortcut when the shape changes)."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: Tensor) -> Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet18 for 32x32 inputs: stem conv3x3(in, w), four stages of two blocks, global average pool, linear."""

    def __init__(self, num_classes: int = 10, width: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        width = check_positive_int(width, "width")
        self.conv1 = nn.Conv2d(
            check_positive_int(in_channels, "in_channels"), width, 3, stride=1, padding=1, bias=False
        )
        self.bn1 = nn.BatchNorm2d(width)
        layers, channels = [], width
        for stage, stride in enumerate((1, 2, 2, 2)):
            out_channels = width * 2**stage
            layers.append(
                nn.Sequential(BasicBlock(channels, out_channels, stride), BasicBlock(out_channels, out_channels, 1))
            )
            channels = out_channels
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(channels, check_positive_int(num_classes, "num_classes", minimum=2))

    def forward(self, x: Tensor) -> Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.linear(torch.flatten(self.pool(out), 1))
