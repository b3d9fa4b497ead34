"""The ``--set`` keys of ``python -m empirical run``: which exist, their defaults, their meaning, their checks.

Four groups: ``model.K`` (keyword arguments of the model's constructor), ``data.K`` (of the data loader),
``train.K`` (fields of :class:`empirical.train.TrainConfig`) and the check's own settings (its ``DEFAULTS``).
The valid keys and their defaults are read from those signatures, so help and validation follow the code;
a key that is not among them is an error listing the valid ones (``train.epoch=2`` would otherwise be
stored and ignored, leaving the network untrained). The signatures are read from the source
(:mod:`empirical.source_specs`), not imported: this module imports no torch, and ``run --help`` lists every
key in well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from empirical import source_specs

__all__ = [
    "MEANINGS",
    "model_names",
    "data_names",
    "model_keys",
    "data_keys",
    "train_keys",
    "check_options",
    "check_finite_values",
    "help_text",
]

#: One line per key: what it means (keys shared by several groups mean the same everywhere).
MEANINGS = {
    # models
    "width": "channels of the first ResNet stage (64 is ResNet18)",
    "channels": "channels of the first convolution",
    "batchnorm": "BatchNorm after each convolution (true/false)",
    "activation": "activation function (relu, tanh, gelu, softplus)",
    "hidden": "hidden units per layer",
    "path": "local folder (LLaMA weights: config.json + model.safetensors) or file (chat JSONL)",
    "size": "random-weight LLaMA shape: tiny (CPU) or 1b (LLaMA 3.2 1B)",
    "attn_implementation": "attention kernel; eager is needed for forward-mode AD",
    "vocab_size": "vocabulary size",
    "hidden_size": "LLaMA hidden size",
    "intermediate_size": "LLaMA MLP width",
    "num_hidden_layers": "LLaMA decoder layers",
    "num_attention_heads": "LLaMA attention heads",
    "num_key_value_heads": "LLaMA key-value heads",
    "head_dim": "LLaMA head dimension",
    "max_position_embeddings": "LLaMA context length",
    "rope_theta": "LLaMA rotary base",
    "rms_norm_eps": "LLaMA RMSNorm epsilon",
    "tie_word_embeddings": "LLaMA tied input/output embeddings",
    # data
    "root": "folder of the CIFAR-10 python batches (data_batch_1..5, test_batch)",
    "n_train": "training examples",
    "n_test": "test examples",
    "dim": "input dimension",
    "noise": "noise level (label noise for regression, pixel noise for cifar-synthetic)",
    "seed": "random seed",
    "tokenizer": "tokenizer object (Python API only)",
    "max_length": "tokens per conversation (cut or padded)",
    "test_fraction": "share of conversations held out",
    "length": "tokens per sequence",
    # training
    "epochs": "pretraining epochs (0: no training)",
    "batch_size": "mini-batch size",
    "lr": "learning rate",
    "momentum": "SGD momentum",
    "weight_decay": "SGD weight decay",
    "schedule": "learning-rate schedule: constant or cosine",
    "steps_per_epoch": "cap on steps per epoch (none or 0: a full pass)",
    # check settings
    "n_points": "data points measured",
    "n_pairs": "pairs of points measured",
    "lr_min": "smallest learning rate of the sweep",
    "lr_max": "largest learning rate of the sweep",
    "n_lrs": "learning rates in the sweep (log-spaced)",
    "tolerance": "relative tolerance of the headline verdict",
    "point_seed": "seed choosing the points",
    "same_class": "draw both points of a pair from one class",
    "pretrain_epochs": "pretraining epochs of the snapshots (comma-separated)",
    "interleaved": "interleaved mini-batches after the step on z (comma-separated)",
    "train_lr": "pretraining learning rate",
    "train_batch_size": "pretraining mini-batch size",
    "fgsm_eps": "FGSM step size of the crafted hard points",
    "lanczos_tol": "Lanczos tolerance of the top eigenvalue",
    "rho_targets": "targets of lr max|eig H_z| (comma-separated)",
    "fp_iterations": "fixed-point iterations",
    "newton_iterations": "Newton iterations",
    "krylov_iterations": "MINRES iterations per Newton step",
    "steps": "Adam steps on the input",
    "adam_lr": "Adam learning rate on the input",
    "record_every": "record every k Adam steps",
}

# constructor arguments filled from the data, not by the user
_FILLED = frozenset({"num_classes", "in_channels", "in_features", "dtype", "device", "self", "tokenizer"})

#: Where each model's constructor is defined (the names of empirical.models.MODELS).
_CONSTRUCTORS = {
    "resnet18": "ResNet18",
    "small-cnn": "SmallCNN",
    "mlp": "MLP",
    "linear": "LinearModel",
    "llama": "build_llama",
}


def _defaults(package: str, name: str) -> dict[str, Any]:
    """Keyword defaults of ``name`` as ``package`` exposes it (read from the module that defines it)."""
    return source_specs.keyword_defaults(source_specs.imported_from(package, name), name, skip=_FILLED)


def model_names() -> tuple[str, ...]:
    """The names of empirical.models.MODELS."""
    return tuple(source_specs.constant("empirical.models", "MODELS"))


def data_names() -> tuple[str, ...]:
    """The names of empirical.data.DATASETS (the keys of its loader table)."""
    return tuple(source_specs.name_mapping("empirical.data", "_LOADERS"))


def model_keys(model: str) -> dict[str, Any]:
    """``{key: default}`` of the ``model.K`` options of ``model`` (a name of empirical.models.MODELS)."""
    if model not in model_names() or model not in _CONSTRUCTORS:
        raise ValueError(f"model must be one of {model_names()}, got {model!r}")
    keys = _defaults("empirical.models", _CONSTRUCTORS[model])
    if model == "llama":
        keys.update(source_specs.constant("empirical.models.llama", "_SIZES")["tiny"])
        keys.update({"rms_norm_eps": 1e-5, "tie_word_embeddings": True, "rope_theta": 10000.0})
    return keys


def data_keys(data: str) -> dict[str, Any]:
    """``{key: default}`` of the ``data.K`` options of dataset ``data``."""
    loaders = source_specs.name_mapping("empirical.data", "_LOADERS")
    if data not in loaders:
        raise ValueError(f"data must be one of {tuple(loaders)}, got {data!r}")
    return _defaults("empirical.data", loaders[data])


def train_keys() -> dict[str, Any]:
    """``{key: default}`` of the ``train.K`` options (the fields of TrainConfig)."""
    keys = source_specs.dataclass_defaults("empirical.train", "TrainConfig")
    return {**keys, "epochs": 0}  # the command line trains only when train.epochs > 0


def _unknown(group: str, owner: str, options: Mapping[str, Any], known: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        prefix = f"{group}." if group != "check" else ""
        raise ValueError(
            f"unknown option {', '.join(prefix + key for key in unknown)} for {owner}; valid: "
            f"{', '.join(prefix + key for key in known) or 'none'}"
        )


def check_finite_values(options: Mapping[str, Any], group: str) -> None:
    """Every number among the option values (lists included) must be finite."""
    for key, value in options.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"--set {group}.{key}={item}: must be a finite number")


def check_options(
    model: str,
    data: str,
    model_options: Mapping[str, Any],
    data_options: Mapping[str, Any],
    train_options: Mapping[str, Any],
) -> None:
    """Raise ``ValueError`` naming any unknown or non-finite ``model.K`` / ``data.K`` / ``train.K`` option."""
    _unknown("model", f"model {model}", model_options, model_keys(model))
    _unknown("data", f"data {data}", data_options, data_keys(data))
    _unknown("train", "training", train_options, train_keys())
    for group, options in (("model", model_options), ("data", data_options), ("train", train_options)):
        check_finite_values(options, group)


def _line(prefix: str, key: str, default: Any) -> str:
    shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
    return f"    {prefix}{key}={shown}  {MEANINGS.get(key, '')}".rstrip()


def help_text() -> str:
    """Every ``--set`` key with its default and meaning, per model, dataset, training and check."""
    from empirical.checks import CHECKS

    lines = ["--set keys (KEY=VALUE, repeatable; lists comma-separated; defaults shown):", "  training (train.K):"]
    lines += [_line("train.", key, value) for key, value in train_keys().items()]
    for model in model_names():
        lines.append(f"  model {model} (model.K):")
        lines += [_line("model.", key, value) for key, value in model_keys(model).items()] or ["    (no options)"]
    for data in data_names():
        lines.append(f"  data {data} (data.K):")
        lines += [_line("data.", key, value) for key, value in data_keys(data).items()] or ["    (no options)"]
    for check in CHECKS.values():
        lines.append(f"  check {check.name} (settings, no prefix): {check.description}")
        lines += [_line("", key, value) for key, value in check.defaults.items()]
    return "\n".join(lines)
