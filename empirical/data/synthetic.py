"""Embedded and synthetic datasets for the CPU: scikit-learn's digits, CIFAR-shaped images, regression.

* ``digits``: the 1,797 8x8 handwritten digits bundled with scikit-learn (no download), scaled to [0, 1],
  shape (N, 1, 8, 8); 1,500 train / 297 test after a seeded shuffle.
* ``cifar-synthetic``: CIFAR-shaped (3, 32, 32) images, ten classes, each a smooth class template plus
  Gaussian noise, clipped to [-2.5, 2.5] (about the range of normalised CIFAR-10); learnable, so training
  moves the loss. Used when the CIFAR-10 files are absent.
* ``regression``: the draft's linear regression, :math:`x \\sim N(0, I_d / d)`,
  :math:`y = \\theta^* \\cdot x + \\sigma\\varepsilon`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from empirical.data.dataset import Dataset
from theory.support.validation import check_memory, check_positive_int

__all__ = ["load_digits", "cifar_synthetic", "regression"]

_SYNTHETIC_RANGE = 2.5


def load_digits(seed: int = 0, n_train: int = 1500) -> Dataset:
    """scikit-learn's digits as (N, 1, 8, 8) float32 images in [0, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits

    if check_positive_int(n_train, "n_train") >= 1797:
        raise ValueError(
            f"n_train must be below 1797 (the digits set holds 1,797 images; the rest is the test set), got {n_train}"
        )
    check_memory(1797 * 64 * (8.0 + 8.0 + 4.0) + 1797 * 16.0, "the digits set (1,797 x 64)")
    bunch = sklearn_digits()
    order = np.random.default_rng(seed).permutation(len(bunch.target))
    images = torch.from_numpy(bunch.data[order] / 16.0).float().reshape(-1, 1, 8, 8)
    labels = torch.from_numpy(bunch.target[order]).long()
    zero, one = torch.zeros(1, 1, 1), torch.ones(1, 1, 1)
    return Dataset(
        "digits",
        "classification",
        images[:n_train],
        labels[:n_train],
        images[n_train:],
        labels[n_train:],
        10,
        zero,
        one,
    )


def cifar_synthetic(n_train: int = 5000, n_test: int = 1000, seed: int = 0, noise: float = 0.8) -> Dataset:
    """CIFAR-shaped synthetic images: class template (4x4 upsampled to 32x32) + N(0, noise^2) pixels."""
    n_train, n_test = check_positive_int(n_train, "n_train"), check_positive_int(n_test, "n_test")
    check_memory(3 * 4.0 * (n_train + n_test) * 3 * 32 * 32, f"cifar-synthetic with {n_train + n_test:,} images")
    generator = torch.Generator().manual_seed(seed)
    templates = F.interpolate(
        torch.randn(10, 3, 4, 4, generator=generator), size=(32, 32), mode="bilinear", align_corners=False
    )
    labels = torch.randint(0, 10, (n_train + n_test,), generator=generator)
    images = templates[labels] + noise * torch.randn(n_train + n_test, 3, 32, 32, generator=generator)
    images = images.clamp(-_SYNTHETIC_RANGE, _SYNTHETIC_RANGE)
    bound = torch.full((1, 1, 1), _SYNTHETIC_RANGE)
    return Dataset(
        "cifar-synthetic",
        "classification",
        images[:n_train],
        labels[:n_train],
        images[n_train:],
        labels[n_train:],
        10,
        -bound,
        bound,
    )


def regression(n_train: int = 256, n_test: int = 64, dim: int = 16, noise: float = 0.5, seed: int = 0) -> Dataset:
    """Linear-regression data in float64: x ~ N(0, I/dim), y = theta* . x + noise * eps."""
    n_train, n_test, dim = (
        check_positive_int(v, k) for v, k in ((n_train, "n_train"), (n_test, "n_test"), (dim, "dim"))
    )
    check_memory(3 * 8.0 * (n_train + n_test) * (dim + 1), f"regression data of {n_train + n_test:,} x {dim}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_train + n_test, dim)) / np.sqrt(dim)
    y = x @ rng.standard_normal(dim) + noise * rng.standard_normal(n_train + n_test)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    infinite = torch.full((1,), float("inf"), dtype=torch.float64)
    return Dataset(
        "regression", "regression", x[:n_train], y[:n_train], x[n_train:], y[n_train:], 1, -infinite, infinite
    )
