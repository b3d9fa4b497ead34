"""Model registry: ``build_model(name, dataset, **options)`` for the names of :data:`MODELS`.

``resnet18`` (CIFAR ResNet18, ``width``), ``small-cnn`` (``channels``, ``batchnorm``), ``mlp`` (``hidden``),
``linear`` (the draft's linear regression, regression data only), ``llama`` (``path`` or ``size``).
"""

from __future__ import annotations

import math
from typing import Any

from torch import nn

from empirical.models.llama import build_llama, llama_config, parameter_selector
from empirical.models.resnet import ResNet18
from empirical.models.small import MLP, LinearModel, SmallCNN

__all__ = [
    "MODELS",
    "build_model",
    "ResNet18",
    "SmallCNN",
    "MLP",
    "LinearModel",
    "build_llama",
    "llama_config",
    "parameter_selector",
]

MODELS = ("resnet18", "small-cnn", "mlp", "linear", "llama")


def build_model(name: str, dataset: Any, **options: Any) -> nn.Module:
    """Build model ``name`` shaped for ``dataset`` (an :class:`empirical.data.Dataset`)."""
    if name not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {name!r}")
    task, shape = dataset.task, tuple(dataset.train_x.shape[1:])
    if (name == "llama") != (task == "causal_lm"):
        raise ValueError(
            f"model {name!r} does not fit {task} data {dataset.name!r}: llama needs token data "
            "(chat/tokens), the others need images, vectors or regression data"
        )
    if name == "linear":
        if task != "regression":
            raise ValueError(
                "the linear model is the draft's linear regression: use regression data (--data regression)"
            )
        return LinearModel(math.prod(shape))
    if task == "regression":
        raise ValueError(f"regression data needs --model linear, got {name!r}")
    if name == "resnet18":
        return ResNet18(dataset.num_classes, in_channels=shape[0], **options)
    if name == "small-cnn":
        return SmallCNN(dataset.num_classes, in_channels=shape[0], **options)
    if name == "mlp":
        return MLP(math.prod(shape), dataset.num_classes, **options)
    if options.get("path"):
        return build_llama(**options)
    return build_llama(**{"vocab_size": dataset.num_classes, **options})
