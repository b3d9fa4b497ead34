"""What a lifted check runs on: a model, its data, and how its loss is differentiated.

:func:`prepare` builds the pieces from names and options (the command line's ``--model``, ``--data`` and
``--set model.K=V`` / ``data.K=V`` / ``train.K=V``), optionally pretrains the model with
:func:`empirical.train.train`, and returns a :class:`Setup`. Every Hessian a check measures is the one of
``Setup.bn_mode`` (BatchNorm batch statistics or running statistics, see :mod:`empirical.functional`), and
HVPs use ``Setup.hvp_mode`` (see :mod:`empirical.hvp`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from empirical.data import Dataset, load_data
from empirical.functional import BN_MODES, Objective, Tree, split_state
from empirical.hvp import HVP_MODES, HessianVectorProduct
from empirical.models import build_model, parameter_selector
from empirical.train import TrainConfig, train

__all__ = ["Setup", "prepare", "DTYPES", "resolve_device", "check_model_memory"]

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


def check_model_memory(model: nn.Module, copies: int, what: str) -> None:
    """``ValueError`` (theory.support.validation.check_memory) when ``copies`` float64 copies of ``model``'s
    parameters and buffers would pass the memory budget: the checks hold several states (gradients, HVPs,
    the unlearned and retrained models) besides the model itself."""
    from theory.support.validation import check_memory

    count = sum(tensor.numel() for tensor in (*model.parameters(), *model.buffers()))
    check_memory(8.0 * count * copies, f"{what}: {copies} copies of {count:,} parameters")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is usable, else ``cpu``; a CUDA device that is not there is a ValueError."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"--device {device!r} is not a device; use auto, cpu or cuda (cuda:N)") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            why = "torch is built without CUDA" if torch.version.cuda is None else "no GPU is visible"
            raise ValueError(
                f"--device {device}: CUDA is not available on this machine ({why}); use --device cpu or --device auto"
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s) here; use cuda:0")
    elif parsed.type != "cpu":
        raise ValueError(f"--device {device}: only cpu and cuda are supported; use --device cpu or auto")
    return str(parsed)


def prepare(
    model_name: str,
    data_name: str,
    *,
    model_options: dict | None = None,
    data_options: dict | None = None,
    train_options: dict | None = None,
    device: str = "cpu",
    dtype: str = "float64",
    seed: int = 0,
    bn_mode: str = "eval",
    hvp_mode: str = "auto",
    params: str | None = None,
    checkpoint_dir: str | None = None,
    progress: bool = True,
) -> Setup:
    """Build data and model; pretrain ``train_options["epochs"]`` epochs when given (float32 on CUDA).

    Every option is checked before anything is loaded (:mod:`empirical.options`): an unknown key, a
    non-finite value or a device that is not there is a ``ValueError``. ``device="auto"`` picks CUDA when
    present. The checks run in ``dtype`` (float64 by default, on every device); pretraining on CUDA runs in
    float32 with bf16 autocast.
    """
    from empirical.options import check_options

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    device = resolve_device(device)
    check_options(model_name, data_name, model_options or {}, data_options or {}, train_options or {})
    config = TrainConfig(**{"seed": seed, "epochs": 0, **train_options}) if train_options else None
    data = load_data(data_name, **(data_options or {}))
    torch.manual_seed(seed)
    model = build_model(model_name, data, **(model_options or {}))
    check_model_memory(model, 4, f"model {model_name}")
    if config is not None and config.epochs > 0:
        train_dtype = torch.float32 if device.startswith("cuda") else DTYPES[dtype]
        model.to(device=device, dtype=train_dtype)
        train(model, data.to(device, train_dtype), config, checkpoint_dir=checkpoint_dir, progress=progress)
    else:
        config = None
    model.to(device=device, dtype=DTYPES[dtype])
    describe = {
        "model_options": model_options or {},
        "data_options": data_options or {},
        "train_options": train_options or {},
        "dtype": dtype,
        "device": device,
        "params": params or "all",
        "trained_epochs": config.epochs if config is not None else 0,
    }
    if config is not None and data.task == "classification":
        from empirical.train import evaluate

        describe["test_accuracy"] = evaluate(model, data.to(device, DTYPES[dtype]))["test_accuracy"]
    return Setup(
        model,
        data.to(device, DTYPES[dtype]),
        model_name,
        data_name,
        seed,
        bn_mode,
        hvp_mode,
        parameter_selector(params),
        config,
        checkpoint_dir,
        describe,
    )
