"""Data registry: ``load_data(name, **options)`` for the names of :data:`DATASETS`.

``digits`` (CPU default), ``cifar10`` (``root``), ``cifar-synthetic``, ``regression`` (``dim``),
``chat`` (``path``, ``tokenizer``, ``max_length``), ``tokens`` (random token sequences).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from empirical.data.chat import ByteTokenizer, load_chat_jsonl, random_tokens
from empirical.data.cifar import load_cifar10, write_fake_cifar10
from empirical.data.dataset import Dataset
from empirical.data.synthetic import cifar_synthetic, load_digits, regression

__all__ = [
    "DATASETS",
    "Dataset",
    "load_data",
    "load_cifar10",
    "write_fake_cifar10",
    "load_digits",
    "cifar_synthetic",
    "regression",
    "load_chat_jsonl",
    "random_tokens",
    "ByteTokenizer",
]

_LOADERS = {
    "digits": load_digits,
    "cifar10": load_cifar10,
    "cifar-synthetic": cifar_synthetic,
    "regression": regression,
    "chat": load_chat_jsonl,
    "tokens": random_tokens,
}
DATASETS = tuple(_LOADERS)


def load_data(name: str, **options: Any) -> Dataset:
    """Load dataset ``name`` with loader options (see each loader)."""
    if name not in _LOADERS:
        raise ValueError(f"data must be one of {DATASETS}, got {name!r}")
    if name == "chat" and "path" not in options:
        raise ValueError("--data chat needs --set path=FILE.jsonl")
    # cast: mypy joins the loaders' signatures to `function`; _LOADERS stays a plain (unannotated) assignment because
    # empirical.options reads it from the source (source_specs.name_mapping)
    return cast(Callable[..., Dataset], _LOADERS[name])(**options)
