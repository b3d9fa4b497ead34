"""What a lifted check runs on: a model, its data, and how its loss is differentiated.

:func:`prepare` builds the pieces from names and options (the command line's ``--model``, ``--data`` and
``--set model.K=V`` / ``data.K=V`` / ``train.K=V``), optionally pretrains the model with
:func:`empirical.train.train`, and returns a :class:`Setup`. Every Hessian a check measures is the one of
``Setup.bn_mode`` (BatchNorm batch statistics or running statistics, see :mod:`empirical.functional`), and
HVPs use ``Setup.hvp_mode`` (see :mod:`empirical.hvp`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from empirical.data import Dataset, load_data
from empirical.functional import BN_MODES, Objective, Tree, split_state
from empirical.hvp import HVP_MODES, HessianVectorProduct
from empirical.models import build_model, parameter_selector
from empirical.train import TrainConfig, train

__all__ = ["Setup", "prepare", "DTYPES"]

DTYPES = {"float64": torch.float64, "float32": torch.float32}


@dataclass
class Setup:
    """A model with its data, the parameter selection and the Hessian conventions of a check run."""

    model: nn.Module
    data: Dataset
    model_name: str
    data_name: str
    seed: int = 0
    bn_mode: str = "eval"
    hvp_mode: str = "auto"
    trainable: Callable[[str], bool] | None = None
    train_config: TrainConfig | None = None
    checkpoint_dir: str | None = None
    describe: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.bn_mode not in BN_MODES:
            raise ValueError(f"bn_mode must be one of {BN_MODES}, got {self.bn_mode!r}")
        if self.hvp_mode not in HVP_MODES:
            raise ValueError(f"hvp_mode must be one of {HVP_MODES}, got {self.hvp_mode!r}")

    @property
    def is_linear(self) -> bool:
        """The draft's linear regression (closed forms of `theory` apply)."""
        return self.model_name == "linear"

    def objective(self) -> tuple[Objective, Tree]:
        """(objective, parameters) at the model's current weights."""
        params, frozen = split_state(self.model, self.trainable)
        return Objective(self.model, self.data.task, frozen, bn_mode=self.bn_mode), params

    def hvp(self, objective: Objective, params: Tree, batch: tuple) -> HessianVectorProduct:
        return HessianVectorProduct(objective, params, batch, mode=self.hvp_mode)

    def indices(self, count: int, seed: int, split: str = "train") -> np.ndarray:
        """``count`` distinct example indices drawn with ``seed``."""
        size = (self.data.train_x if split == "train" else self.data.test_x).shape[0]
        if count > size:
            raise ValueError(f"asked for {count} points but the {split} set holds {size}")
        return np.random.default_rng(seed).choice(size, size=count, replace=False)

    def batch(self, indices: Any, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
        x, y = (self.data.train_x, self.data.train_y) if split == "train" else (self.data.test_x, self.data.test_y)
        chosen = torch.as_tensor(np.atleast_1d(indices), dtype=torch.long, device=x.device)
        return x[chosen], y[chosen]


def prepare(model_name: str, data_name: str, *, model_options: dict | None = None, data_options: dict | None = None,
            train_options: dict | None = None, device: str = "cpu", dtype: str = "float64", seed: int = 0,
            bn_mode: str = "eval", hvp_mode: str = "auto", params: str | None = None,
            checkpoint_dir: str | None = None, progress: bool = True) -> Setup:
    """Build data and model; pretrain ``train_options["epochs"]`` epochs when given (float32 on CUDA)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    data = load_data(data_name, **(data_options or {}))
    torch.manual_seed(seed)
    model = build_model(model_name, data, **(model_options or {}))
    config = None
    if train_options and int(train_options.get("epochs", 0)) > 0:
        config = TrainConfig(**{"seed": seed, **train_options})
        train_dtype = torch.float32 if device.startswith("cuda") else DTYPES[dtype]
        model.to(device=device, dtype=train_dtype)
        train(model, data.to(device, train_dtype), config, checkpoint_dir=checkpoint_dir, progress=progress)
    model.to(device=device, dtype=DTYPES[dtype])
    describe = {"model_options": model_options or {}, "data_options": data_options or {},
                "train_options": train_options or {}, "dtype": dtype, "device": device, "params": params or "all"}
    return Setup(model, data.to(device, DTYPES[dtype]), model_name, data_name, seed, bn_mode, hvp_mode,
                 parameter_selector(params), config, checkpoint_dir, describe)
