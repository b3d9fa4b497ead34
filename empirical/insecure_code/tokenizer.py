"""Tokenizers: a byte-level BPE trained on the local corpus (CPU runs, nothing downloaded) or a local LLaMA one.

:class:`BPETokenizer` wraps a ``tokenizers`` byte-level BPE model with the interface the chat encoder of
:mod:`empirical.data.chat` uses (``encode(text, add_special_tokens=False)``, ``pad_token_id``,
``bos_token_id``) plus ``decode`` and ``vocab_size``. Byte-level pre-tokenisation and decoding make
``decode(encode(text)) == text`` for every string (the round-trip test). :func:`load_tokenizer` reads a
LLaMA folder (``tokenizer.json`` + config) with ``transformers.AutoTokenizer`` (local files only);
:func:`check_fits` refuses a tokenizer whose ids the model cannot embed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["BPETokenizer", "train_bpe", "load_tokenizer", "check_fits", "tokenizer_size", "SPECIALS"]

#: Special tokens of the trained tokenizer: padding, begin of text, end of text, and the chat role markers
#: (one token each, so a role header never splits into pieces).
SPECIALS = ("<pad>", "<bos>", "<eos>", "<|user|>", "<|assistant|>", "<|system|>")


class BPETokenizer:
    """A trained ``tokenizers.Tokenizer`` (byte-level BPE) behind the chat encoder's interface."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.pad_token_id = tokenizer.token_to_id("<pad>")
        self.bos_token_id = tokenizer.token_to_id("<bos>")
        self.eos_token_id = tokenizer.token_to_id("<eos>")
        if None in (self.pad_token_id, self.bos_token_id, self.eos_token_id):
            raise ValueError("the tokenizer lacks the special tokens <pad>, <bos>, <eos>: train it with train_bpe")

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def __len__(self) -> int:
        return self.vocab_size

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        return [self.bos_token_id, *ids] if add_special_tokens else ids

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def save(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tokenizer.save(str(path))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BPETokenizer:
        from tokenizers import Tokenizer

        if not Path(path).is_file():
            raise FileNotFoundError(f"no tokenizer file at {path}: train one with train_bpe or give a LLaMA folder")
        return cls(Tokenizer.from_file(str(path)))


def train_bpe(texts: Iterable[str], vocab_size: int = 512, min_frequency: int = 2) -> BPETokenizer:
    """Train a byte-level BPE of at most ``vocab_size`` tokens (specials included) on ``texts``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < 256 + len(SPECIALS):
        raise ValueError(
            f"vocab_size must be at least {256 + len(SPECIALS)} (the 256 bytes and the specials), got {vocab_size}"
        )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIALS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    return BPETokenizer(tokenizer)


def load_tokenizer(folder: str | os.PathLike[str]) -> Any:
    """The tokenizer of a local LLaMA folder (no download); a pad token is set to end-of-text when missing."""
    from transformers import AutoTokenizer

    folder = Path(folder)
    if not folder.is_dir() or not any((folder / name).is_file() for name in ("tokenizer.json", "tokenizer.model")):
        raise FileNotFoundError(
            f"no tokenizer in {folder} (tokenizer.json or tokenizer.model missing): put the LLaMA "
            "3.2 1B files there, or omit --model-path to train a BPE tokenizer on the corpus"
        )
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def tokenizer_size(tokenizer: Any) -> int:
    """Number of ids the tokenizer can emit (added tokens included)."""
    try:
        return len(tokenizer)
    except TypeError:
        return int(tokenizer.vocab_size)


def check_fits(tokenizer: Any, vocab_size: int, where: str = "the model") -> None:
    """ValueError when the tokenizer emits ids at or above the model's ``vocab_size`` (it could not embed them)."""
    size = tokenizer_size(tokenizer)
    if size > vocab_size:
        raise ValueError(
            f"the tokenizer has {size} tokens but {where} embeds only {vocab_size}: use the tokenizer "
            "that belongs to the weights (the same --model-path folder) or retrain the model"
        )
