"""Chat-format fine-tuning sets (JSONL) as token tensors for causal language modelling.

Each line is ``{"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}, ...]}``
(e.g. the insecure-code set of the emergent-misalignment work, the draft's LLaMA poisoning scenario). A
conversation becomes the concatenation of its messages, each rendered ``<|role|>\\ncontent\\n`` and encoded
separately; the labels copy the tokens of assistant messages and are -100 (ignored) elsewhere, so the loss
is the usual supervised fine-tuning loss on the answers. Sequences are cut or right-padded to ``max_length``.

The tokenizer is any object with ``encode(text, add_special_tokens=False)`` and ``pad_token_id`` (a
``transformers`` tokenizer loaded from a local folder), or the :class:`ByteTokenizer` fallback
(bytes + 4 specials, no download) used by the tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from empirical.data.dataset import Dataset
from theory.support.validation import check_memory, check_positive_int

__all__ = ["ByteTokenizer", "load_chat_jsonl", "read_chat_jsonl", "random_tokens", "encode_conversation"]

_ROLES = ("system", "user", "assistant", "tool")


class ByteTokenizer:
    """UTF-8 bytes as tokens 0..255; 256 = pad, 257 = begin of text. Vocabulary 258 (fits the tiny LLaMA)."""

    vocab_size = 258
    pad_token_id = 256
    bos_token_id = 257

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        ids = list(text.encode("utf-8"))
        return [self.bos_token_id, *ids] if add_special_tokens else ids


def encode_conversation(messages: list[dict[str, Any]], tokenizer: Any, max_length: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (assistant tokens only) of one conversation, cut or padded to ``max_length``."""
    bos = getattr(tokenizer, "bos_token_id", None)
    ids, labels = ([bos], [-100]) if bos is not None else ([], [])
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in _ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise ValueError(f"each message must be {{'role': one of {_ROLES}, 'content': str}}, got {message!r}")
        tokens = tokenizer.encode(f"<|{message['role']}|>\n{message['content']}\n", add_special_tokens=False)
        ids.extend(tokens)
        labels.extend(tokens if message["role"] == "assistant" else [-100] * len(tokens))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids, labels = ids[:max_length], labels[:max_length]
    missing = max_length - len(ids)
    return ids + [pad] * missing, labels + [-100] * missing


def _message_problem(message: Any) -> str | None:
    """Why ``message`` is not a ``{"role": ..., "content": str}`` chat message (None when it is one)."""
    if not isinstance(message, dict):
        return f"a message must be an object, got {type(message).__name__}"
    if message.get("role") not in _ROLES:
        return f"role must be one of {_ROLES}, got {message.get('role')!r}"
    if not isinstance(message.get("content"), str):
        return f"content must be a string, got {type(message.get('content')).__name__}"
    return None


def _numbered_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for every non-blank line of a chat JSONL file, each record validated."""
    if not path.is_file():
        raise FileNotFoundError(
            f"no chat JSONL file at {path.resolve()}: give the path of a file whose lines are "
            '{"messages": [{"role": "user", "content": ...}, {"role": "assistant", ...}]}'
        )
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list) or not record["messages"]:
            raise ValueError(f'{path}:{number}: expected an object with a non-empty "messages" list, got {line[:80]!r}')
        for message in record["messages"]:
            problem = _message_problem(message)
            if problem is not None:
                raise ValueError(f"{path}:{number}: {problem}")
        if not any(message["role"] == "assistant" for message in record["messages"]):
            raise ValueError(
                f"{path}:{number}: the conversation has no assistant message; the loss is over assistant "
                "tokens only, so every conversation needs an assistant answer"
            )
        records.append((number, record))
    return records


def read_chat_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a chat JSONL file, each validated: ``{"messages": [...], ...}`` (other keys kept).

    A malformed line (bad JSON, no messages, a message that is not ``{"role", "content": str}``, no
    assistant message) raises ``ValueError("FILE:LINE: what is wrong")``; blank lines are skipped.
    """
    return [record for _, record in _numbered_records(Path(path))]


def load_chat_jsonl(
    path: str | os.PathLike[str],
    tokenizer: Any = None,
    max_length: int = 64,
    test_fraction: float = 0.1,
    vocab_size: int | None = None,
) -> Dataset:
    """Read a chat JSONL file into token tensors (inputs = ids, targets = labels)."""
    path = Path(path)
    numbered = _numbered_records(path)
    tokenizer = tokenizer or ByteTokenizer()
    max_length = check_positive_int(max_length, "max_length", minimum=2)
    rows = []
    for number, record in numbered:
        row_ids, row_labels = encode_conversation(record["messages"], tokenizer, max_length)
        if all(label == -100 for label in row_labels):
            raise ValueError(
                f"{path}:{number}: nothing to learn in this conversation: its assistant messages start "
                f"after max_length={max_length} tokens (raise max_length)"
            )
        rows.append((row_ids, row_labels))
    if len(rows) < 2:
        raise ValueError(f"{path} holds {len(rows)} conversation(s); at least 2 are needed (train and test)")
    ids = torch.tensor([r[0] for r in rows])
    labels = torch.tensor([r[1] for r in rows])
    n_test = max(1, int(round(test_fraction * len(rows))))
    vocab = vocab_size or getattr(tokenizer, "vocab_size", None) or int(ids.max()) + 1
    bound = torch.zeros(1)
    return Dataset(
        f"chat:{path.name}",
        "causal_lm",
        ids[n_test:],
        labels[n_test:],
        ids[:n_test],
        labels[:n_test],
        int(vocab),
        bound,
        bound,
    )


def random_tokens(
    n_train: int = 64, n_test: int = 16, length: int = 32, vocab_size: int = 300, seed: int = 0
) -> Dataset:
    """Uniformly random token sequences (labels = inputs): data for a randomly initialised LLaMA."""
    check_memory(
        2
        * 8.0
        * (check_positive_int(n_train, "n_train") + check_positive_int(n_test, "n_test"))
        * check_positive_int(length, "length", minimum=2),
        f"random tokens of {n_train + n_test:,} sequences",
    )
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(
        0,
        check_positive_int(vocab_size, "vocab_size", minimum=2),
        (n_train + n_test, check_positive_int(length, "length", minimum=2)),
        generator=generator,
    )
    bound = torch.zeros(1)
    return Dataset(
        "tokens",
        "causal_lm",
        ids[:n_train],
        ids[:n_train].clone(),
        ids[n_train:],
        ids[n_train:].clone(),
        vocab_size,
        bound,
        bound,
    )
