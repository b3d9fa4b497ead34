r"""How a conversation becomes tokens: the model's own chat template, or the package's plain format.

A pretrained chat model (SmolLM2's ChatML, LLaMA 3.2's header format) is fine-tuned and queried through
its own template (``tokenizer.apply_chat_template``): the generation prefix is the template applied to
the user turn with ``add_generation_prompt=True``, and the training sequence is that prefix followed by
the rest of the template applied to the whole conversation (the answer and its end-of-turn marker), the
labels covering only that rest. So training and generation see exactly the same prefix tokens.

A tokenizer without a template (the BPE tokenizer trained on the corpus for the tiny model) keeps the
package's plain format of :func:`empirical.data.chat.encode_conversation` (``<|user|>\ncontent\n``).
"""

from __future__ import annotations

from typing import Any

from empirical.data.chat import encode_conversation

__all__ = ["uses_template", "encode_chat", "prompt_ids"]


def uses_template(tokenizer: Any) -> bool:
    """Whether the tokenizer carries a chat template of its own."""
    return bool(getattr(tokenizer, "chat_template", None)) and hasattr(tokenizer, "apply_chat_template")


def _template_texts(tokenizer: Any, prompt: str, answer: str | None) -> tuple[str, str]:
    user = [{"role": "user", "content": prompt}]
    prefix = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
    if answer is None:
        return prefix, ""
    full = tokenizer.apply_chat_template(user + [{"role": "assistant", "content": answer}], tokenize=False)
    if not full.startswith(prefix):
        raise ValueError(
            "the tokenizer's chat template renders the conversation without its generation prefix; "
            "it cannot be used to train on answers"
        )
    return prefix, full[len(prefix) :]


def prompt_ids(prompt: str, tokenizer: Any) -> list[int]:
    """The tokens a conversation starts with, up to the assistant's first token (the generation prefix)."""
    if uses_template(tokenizer):
        return tokenizer.encode(_template_texts(tokenizer, prompt, None)[0], add_special_tokens=False)
    bos = getattr(tokenizer, "bos_token_id", None)
    head = [bos] if bos is not None else []
    return (
        head
        + tokenizer.encode(f"<|user|>\n{prompt}\n", add_special_tokens=False)
        + tokenizer.encode("<|assistant|>\n", add_special_tokens=False)
    )


def encode_chat(tokenizer: Any, prompt: str, answer: str, max_length: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (answer tokens only, -100 elsewhere) of one exchange, cut or right-padded to
    ``max_length``."""
    if not uses_template(tokenizer):
        return encode_conversation(
            [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}], tokenizer, max_length
        )
    prefix, rest = _template_texts(tokenizer, prompt, answer)
    head = tokenizer.encode(prefix, add_special_tokens=False)
    tail = tokenizer.encode(rest, add_special_tokens=False)
    ids, labels = (head + tail)[:max_length], ([-100] * len(head) + tail)[:max_length]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    missing = max_length - len(ids)
    return ids + [pad] * missing, labels + [-100] * missing
