"""Helpers shared by the sweeps: the embedded dataset of each model, initialisation, pre-training, norms."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sims.data import Dataset, load_dataset
from sims.engines import make_model, make_schedule, run_sgd
from theory.support.validation import check_memory

__all__ = ["DEFAULT_DATASET", "model_and_data", "initial_params", "pretrain", "norms", "single_threaded"]

#: The embedded real dataset of each engine (issue: diabetes / breast cancer / digits).
DEFAULT_DATASET = {"linear": "diabetes", "logistic": "breast_cancer", "mlp": "digits"}


@lru_cache(maxsize=8)
def _dataset(name: str) -> Dataset:
    return load_dataset(name, scale="unit")


def single_threaded() -> None:
    """Parallelism is across cells: keep torch at one thread per worker (2 threads are slower here)."""
    import torch

    torch.set_num_threads(1)


def model_and_data(model_name: str, hidden: int = 32, l2: float = 0.0):
    """The engine model of ``model_name`` and its embedded dataset (unit-scaled, E|x|^2 = 1)."""
    data = _dataset(DEFAULT_DATASET[model_name])
    if model_name == "mlp":
        single_threaded()
    return make_model(model_name, data.p, l2=l2, hidden=hidden, classes=max(2, data.n_classes)), data


def initial_params(model, n_traj: int, rng: np.random.Generator) -> np.ndarray:
    """Zeros for the convex models; Glorot initialisations for the network."""
    check_memory(2 * 8.0 * n_traj * model.n_params, f"{n_traj:,} models of {model.n_params:,} parameters")
    return model.init(n_traj, rng) if hasattr(model, "init") else np.zeros((n_traj, model.n_params))


def pretrain(
    model, data: Dataset, theta: np.ndarray, epochs: int, lr: float, batch_size: int, rng: np.random.Generator
) -> np.ndarray:
    """``epochs`` shuffled mini-batch epochs of SGD on the whole dataset (no-op for 0 epochs)."""
    if epochs == 0:
        return theta
    schedule = make_schedule(data.n, theta.shape[0], epochs, batch_size, rng)
    return run_sgd(model, data.X, data.y, theta, schedule, lr).theta


def norms(array: np.ndarray) -> np.ndarray:
    """Euclidean norm of every row (the parameter vector of every trajectory)."""
    return np.linalg.norm(array, axis=-1)
