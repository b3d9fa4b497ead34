"""CIFAR-10 from the standard python batches in a local folder (no download at run time).

The folder (``cifar-10-batches-py``, from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz) holds the
pickles ``data_batch_1`` ... ``data_batch_5`` and ``test_batch``, each a dict with ``b"data"`` (N x 3072 uint8,
channel-major 32x32 images) and ``b"labels"``. Images are scaled to [0, 1] and normalised per channel with
the usual CIFAR-10 mean and standard deviation; the valid input range is the image of [0, 1].
The batches are read by :func:`empirical.data.restricted_pickle.load_restricted`: a pickle that asks for any
callable beyond numpy's array reconstruction is refused by name, never run.
:func:`write_fake_cifar10` writes random batches in the same format (tests, dry runs).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import torch

from empirical.data.dataset import Dataset
from empirical.data.restricted_pickle import load_restricted
from theory.support.validation import check_memory, check_positive_int

__all__ = ["CIFAR10_FILES", "CIFAR10_MEAN", "CIFAR10_STD", "default_cifar10_root", "load_cifar10", "write_fake_cifar10"]

CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def default_cifar10_root() -> Path:
    """``$NONCOMMUTE_CIFAR10`` if set, else ``data/cifar-10-batches-py`` under the working directory."""
    return Path(os.environ.get("NONCOMMUTE_CIFAR10", "data/cifar-10-batches-py"))


_REFETCH = "re-extract cifar-10-python.tar.gz into that folder"


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) in 0..9 of one batch file; ValueError naming it otherwise."""
    batch = load_restricted(path, "a CIFAR-10 python batch", _REFETCH)
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        kind = f"a dict with keys {sorted(batch)[:4]}" if isinstance(batch, dict) else f"a {type(batch).__name__}"
        raise ValueError(
            f'{path} is not a CIFAR-10 python batch (it holds {kind}, not a dict with b"data" and '
            f'b"labels"); {_REFETCH}'
        )
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{path}: data or labels are not arrays of integers ({error}); {_REFETCH}") from None
    if data.ndim != 2 or data.shape[1] != 3072 or labels.ndim != 1 or data.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{path} is not a CIFAR-10 python batch: data shape {data.shape}, labels shape "
            f"{labels.shape} (expected (N, 3072) and (N,)); {_REFETCH}"
        )
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise ValueError(
            f"{path}: label {labels[bad[0]]} at index {bad[0]} is outside the CIFAR-10 classes 0..9 "
            f"({bad.size} such labels); {_REFETCH}"
        )
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(root: str | os.PathLike[str] | None = None) -> Dataset:
    """CIFAR-10 (50,000 train / 10,000 test), normalised, as float32 tensors of shape (N, 3, 32, 32)."""
    root = Path(root) if root is not None else default_cifar10_root()
    missing = [name for name in CIFAR10_FILES if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 python batches not found in {root.resolve()} (missing {', '.join(missing)}). Download "
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz, extract it and pass the "
            "cifar-10-batches-py folder with --set root=FOLDER or NONCOMMUTE_CIFAR10=FOLDER; or use "
            "--data cifar-synthetic for CIFAR-shaped synthetic data"
        )
    stored = sum((root / name).stat().st_size for name in CIFAR10_FILES)
    check_memory(9.0 * stored, f"CIFAR-10 from {root} ({stored / 2**20:,.0f} MiB of batches)")  # uint8 + 2 x float32
    parts = [_read_batch(root / name) for name in CIFAR10_FILES]
    train_x = np.concatenate([p[0] for p in parts[:5]])
    train_y = np.concatenate([p[1] for p in parts[:5]])
    mean = torch.tensor(CIFAR10_MEAN).view(3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(3, 1, 1)

    def normalise(images: np.ndarray) -> torch.Tensor:
        return (torch.from_numpy(images).float() / 255.0 - mean) / std

    return Dataset(
        "cifar10",
        "classification",
        normalise(train_x),
        torch.from_numpy(train_y),
        normalise(parts[5][0]),
        torch.from_numpy(parts[5][1]),
        10,
        (0 - mean) / std,
        (1 - mean) / std,
    )


def write_fake_cifar10(root: str | os.PathLike[str], per_batch: int = 20, seed: int = 0) -> Path:
    """Write random CIFAR-10-format pickles (``per_batch`` images each) to ``root``; returns the folder."""
    per_batch = check_positive_int(per_batch, "per_batch")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in CIFAR10_FILES:
        batch = {
            b"batch_label": name.encode(),
            b"labels": rng.integers(0, 10, per_batch).tolist(),
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"filenames": [f"{name}_{i}.png".encode() for i in range(per_batch)],
        }
        with (root / name).open("wb") as stream:
            pickle.dump(batch, stream)
    return root
