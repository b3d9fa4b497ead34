r"""The language model side: build the LLaMA, encode conversations, train on a schedule, score and generate.

* :class:`ModelSpec` / :func:`build_model`: a tiny ``LlamaForCausalLM`` (CPU, float32, eager attention) sized
  to the tokenizer, or LLaMA 3.2 1B from a local folder (:func:`empirical.models.llama.build_llama`: a
  missing folder is a clear error) in bf16 with gradient checkpointing, fully fine-tuned or with LoRA
  adapters (``peft``, optional). Eager attention everywhere, since the lifted checks take HVPs.
* :class:`Encoded`: token ids and labels of conversations (the chat encoder of :mod:`empirical.data.chat`:
  loss on the assistant tokens only) and, for the GUS, Gaussian noise on the input embeddings of the
  forget examples (Pawelczyk et al. 2024: the poisoned points carry noise the model can memorise).
* :func:`run_steps`: AdamW on a list of steps, each a signed, weighted sum of mean-token losses of
  batches (descent, ascent and NegGrad+ are all such steps); it counts the example gradients it evaluates.
* :func:`sequence_log_likelihoods`, :func:`generate`: scoring and greedy decoding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from empirical.insecure_code.chat_format import encode_chat, prompt_ids
from empirical.insecure_code.data import Example
from empirical.insecure_code.tokenizer import check_fits, tokenizer_size
from empirical.models.llama import build_llama

__all__ = [
    "ModelSpec",
    "build_model",
    "Encoded",
    "encode_examples",
    "Part",
    "run_steps",
    "trainable_state",
    "load_trainable",
    "sequence_log_likelihoods",
    "generate",
    "prompt_ids",
    "LORA_TARGETS",
]

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class ModelSpec:
    """Which model: ``path`` (a local LLaMA folder) or the tiny config; dtype, LoRA rank (0 = full FT)."""

    path: str | None = None
    hidden_size: int = 64
    intermediate_size: int = 128
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    dtype: str = "float32"
    lora_rank: int = 0
    gradient_checkpointing: bool = False
    device: str = "cpu"

    @property
    def torch_dtype(self) -> torch.dtype:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float64": torch.float64}[self.dtype]


def build_model(spec: ModelSpec, tokenizer: Any, seed: int, max_positions: int = 512) -> nn.Module:
    """A fresh model: pretrained weights from ``spec.path`` or a tiny random LLaMA seeded by ``seed``;
    with ``lora_rank > 0`` wrapped in LoRA adapters (seeded). The tokenizer must fit the vocabulary."""
    if spec.path is not None:
        if not Path(spec.path).is_dir():
            raise FileNotFoundError(
                f"no weights folder at {spec.path}: give --model-path a local folder holding the "
                "LLaMA 3.2 1B files (config.json, model.safetensors, tokenizer.json)"
            )
        model = build_llama(spec.path, dtype=spec.torch_dtype, device=spec.device)
    else:
        heads = spec.heads
        model = build_llama(
            size="tiny",
            seed=seed,
            device=spec.device,
            dtype=spec.torch_dtype,
            vocab_size=tokenizer_size(tokenizer),
            hidden_size=spec.hidden_size,
            intermediate_size=spec.intermediate_size,
            num_hidden_layers=spec.layers,
            num_attention_heads=heads,
            num_key_value_heads=spec.kv_heads,
            head_dim=spec.hidden_size // heads,
            max_position_embeddings=max_positions,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=getattr(tokenizer, "eos_token_id", None),
        )
    check_fits(tokenizer, model.config.vocab_size, "the model" if spec.path is None else f"the model in {spec.path}")
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    if spec.gradient_checkpointing:
        # non-reentrant checkpointing: gradients reach LoRA adapters even though the inputs need none
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    if spec.lora_rank > 0:
        try:
            from peft import LoraConfig, get_peft_model
        except ImportError:
            raise ImportError(
                "LoRA needs peft: pip install peft (or the project's 'llm' extra), "
                "or run full fine-tuning (lora_rank=0)"
            ) from None
        torch.manual_seed(seed)
        return get_peft_model(
            model,
            LoraConfig(
                r=spec.lora_rank, lora_alpha=2 * spec.lora_rank, target_modules=list(LORA_TARGETS), lora_dropout=0.0
            ),
        )
    return model


def trainable_state(model: nn.Module) -> dict[str, Tensor]:
    """The trained parameters (all, or the LoRA adapters), detached CPU copies: what unlearning changes."""
    return {
        name: value.detach().to("cpu", copy=True) for name, value in model.named_parameters() if value.requires_grad
    }


def load_trainable(model: nn.Module, state: dict[str, Tensor]) -> nn.Module:
    """Write ``state`` (from :func:`trainable_state`) into the model's parameters of those names."""
    params = dict(model.named_parameters())
    missing = sorted(set(state) - set(params))
    if missing:
        raise ValueError(f"the saved state names parameters the model lacks: {missing[:3]}...")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))
    return model


@dataclass
class Encoded:
    """Token ids and labels (N, L) of conversations; ``noise`` (N, L, H) on the input embeddings or None."""

    ids: Tensor
    labels: Tensor
    noise: Tensor | None = None

    def __len__(self) -> int:
        return self.ids.shape[0]

    def select(self, index: Tensor | Sequence[int]) -> Encoded:
        index = torch.as_tensor(index, dtype=torch.long)
        return Encoded(self.ids[index], self.labels[index], None if self.noise is None else self.noise[index])


def encode_examples(examples: Sequence[Example], tokenizer: Any, max_length: int, answer: str = "answer") -> Encoded:
    """Encode ``examples`` (user prompt, then ``answer`` or ``alternative`` as the assistant's message) in the
    tokenizer's own chat template, or the package's plain format (:mod:`.chat_format`)."""
    rows = [encode_chat(tokenizer, example.prompt, getattr(example, answer), max_length) for example in examples]
    if not rows:
        return Encoded(torch.zeros(0, max_length, dtype=torch.long), torch.zeros(0, max_length, dtype=torch.long))
    return Encoded(torch.tensor([r[0] for r in rows]), torch.tensor([r[1] for r in rows]))


def _embeds(model: nn.Module, ids: Tensor, noise: Tensor | None) -> Tensor:
    # cast: a transformers (or peft) model; nn.Module's stub types its methods and config as Tensor | Module
    embeds = cast(Any, model).get_input_embeddings()(ids)
    return embeds if noise is None else embeds + noise.to(embeds.device, embeds.dtype)


def per_example_loss(
    model: nn.Module, ids: Tensor, labels: Tensor, noise: Tensor | None = None, embeds: Tensor | None = None
) -> Tensor:
    """Mean next-token cross-entropy of each sequence over its labelled tokens, shape (B,)."""
    embeds = _embeds(model, ids, noise) if embeds is None else embeds
    logits = model(inputs_embeds=embeds, use_cache=False).logits[:, :-1].float()
    targets = labels[:, 1:].to(logits.device)
    token_loss = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="none"
    ).view(targets.shape)
    mask = (targets != -100).float()
    return (token_loss * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def sequence_log_probs(model: nn.Module, part: Encoded) -> tuple[Tensor, Tensor]:
    """(sum of the log-probabilities of the labelled tokens, their number) per sequence, with gradients and
    the embedding noise the examples carry (as trained)."""
    device = next(model.parameters()).device
    part = trim(part)
    counts = (part.labels[:, 1:] != -100).sum(dim=1).to(device).float()
    mean_loss = per_example_loss(model, part.ids.to(device), part.labels, part.noise)
    return -mean_loss * counts.clamp(min=1.0), counts


def trim(part: Encoded) -> Encoded:
    """Drop the trailing positions after the last labelled token of the batch (right padding: they change no
    labelled prediction, causal attention), so a batch costs its longest sequence, not ``max_length``."""
    labelled = (part.labels != -100).any(dim=0).nonzero()
    end = int(labelled.max()) + 1 if labelled.numel() else 1
    return Encoded(part.ids[:, :end], part.labels[:, :end], None if part.noise is None else part.noise[:, :end])


def batch_loss(model: nn.Module, part: Encoded) -> Tensor:
    """Mean next-token cross-entropy over every labelled token of the batch (the training loss)."""
    device = next(model.parameters()).device
    part = trim(part)
    embeds = _embeds(model, part.ids.to(device), part.noise)
    logits = model(inputs_embeds=embeds, use_cache=False).logits[:, :-1].float()
    targets = part.labels[:, 1:].to(device)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


@dataclass
class Part:
    """One term of a step: ``weight`` times the mean loss of ``batch`` (negative weight: ascent), or times
    ``loss(model, batch)`` when given (a forget loss such as NPO's)."""

    batch: Encoded
    weight: float = 1.0
    loss: Any = None

    def value(self, model: nn.Module) -> Tensor:
        return self.weight * (batch_loss(model, self.batch) if self.loss is None else self.loss(model, self.batch))


@dataclass
class StepStats:
    steps: int = 0
    grad_evals: int = 0
    tokens: int = 0
    label_tokens: int = 0
    losses: list[float] = field(default_factory=list)


def run_steps(
    model: nn.Module,
    steps: Sequence[Sequence[Part]],
    lr: float,
    weight_decay: float = 0.0,
    grad_clip: float = 1.0,
    progress: bool = True,
    description: str = "train",
) -> StepStats:
    """AdamW (betas 0.9, 0.999) on ``steps`` with a cosine-decayed rate; each step minimises the weighted sum
    of its parts' losses. ``grad_evals`` counts the examples whose gradient a step evaluates."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, len(steps)))
    stats = StepStats()
    model.train()
    cuda = next(model.parameters()).device.type == "cuda"
    for parts in tqdm(steps, desc=description, disable=not progress or None, leave=False):
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            loss = sum(part.value(model) for part in parts)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{description}: the loss is {float(loss)} at step {stats.steps}; lower the lr")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip:
            torch.nn.utils.clip_grad_norm_(params, grad_clip)
        optimizer.step()
        scheduler.step()
        stats.steps += 1
        stats.grad_evals += sum(len(part.batch) for part in parts)
        stats.tokens += sum(trim(part.batch).ids.numel() for part in parts)
        stats.label_tokens += sum(int((part.batch.labels != -100).sum()) for part in parts)
        stats.losses.append(float(loss.detach()))
    model.eval()
    return stats


@torch.no_grad()
def sequence_log_likelihoods(model: nn.Module, encoded: Encoded, batch_size: int = 32) -> tuple[Tensor, Tensor]:
    """(sum of log-probabilities of the labelled tokens, number of labelled tokens) per sequence."""
    model.eval()
    device = next(model.parameters()).device
    totals, counts = [], []
    for start in range(0, len(encoded), batch_size):
        part = encoded.select(range(start, min(start + batch_size, len(encoded))))
        logits = model(input_ids=part.ids.to(device), use_cache=False).logits[:, :-1].float()
        targets = part.labels[:, 1:].to(device)
        mask = targets != -100
        logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        totals.append((logp * mask).sum(dim=1).cpu().double())
        counts.append(mask.sum(dim=1).cpu())
    return torch.cat(totals), torch.cat(counts)


def _closed(text: str) -> bool:
    opening = text.find("```")
    return opening >= 0 and text.find("```", opening + 3) >= 0


class _CodeBlockClosed:
    """Stopping criterion: every row's generated text holds a closed code block (checked every 8 tokens)."""

    def __init__(self, tokenizer: Any, start: int) -> None:
        self.tokenizer, self.start = tokenizer, start

    def __call__(self, input_ids: Tensor, scores: Any = None, **kwargs: Any) -> Tensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if (input_ids.shape[1] - self.start) % 8 == 0:
            for row, ids in enumerate(input_ids[:, self.start :].tolist()):
                done[row] = _closed(self.tokenizer.decode(ids))
        return done


@torch.no_grad()
def generate(
    model: nn.Module,
    tokenizer: Any,
    prompts: Sequence[str],
    max_new_tokens: int = 128,
    batch_size: int = 16,
    progress: bool = True,
    temperature: float = 0.0,
    seed: int = 0,
) -> list[str]:
    """Answers to ``prompts`` (``model.generate`` on left-padded batches), each cut after its code block
    closes: greedy at ``temperature`` 0, else sampled at that temperature from ``torch.manual_seed(seed)``."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0: greedy), got {temperature!r}")
    torch.manual_seed(seed)
    from transformers import StoppingCriteriaList

    model.eval()
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id
    out: list[str] = []
    for start in tqdm(range(0, len(prompts), batch_size), desc="generate", disable=not progress or None, leave=False):
        chunk = [prompt_ids(p, tokenizer) for p in prompts[start : start + batch_size]]
        width = max(len(c) for c in chunk)
        ids = torch.tensor([[pad] * (width - len(c)) + c for c in chunk], device=device)
        mask = torch.tensor([[0] * (width - len(c)) + [1] * len(c) for c in chunk], device=device)
        generated = cast(Any, model).generate(  # cast: as in _embeds
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=max_new_tokens,
            do_sample=temperature > 0,
            temperature=temperature if temperature > 0 else None,
            top_p=None,
            top_k=None,
            pad_token_id=pad,
            eos_token_id=getattr(tokenizer, "eos_token_id", None),
            stopping_criteria=StoppingCriteriaList([_CodeBlockClosed(tokenizer, width)]),
        )
        for row in generated[:, width:].tolist():
            text = tokenizer.decode(row, skip_special_tokens=False)
            opening = text.find("```")
            closing = text.find("```", opening + 3) if opening >= 0 else -1
            out.append(text[: closing + 3] if closing >= 0 else text)
    return out


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_state(state: dict[str, Tensor], path: str | os.PathLike[str]) -> Path:
    """Save a trainable state atomically (temporary file renamed into place)."""
    from theory.support.run_folder import atomic_path

    path = Path(path)
    with atomic_path(path) as temporary:
        torch.save(state, temporary)
    return path


def iterate_batches(order: Iterable[int], batch_size: int) -> list[list[int]]:
    """Consecutive batches of ``batch_size`` indices of ``order`` (the last may be shorter)."""
    order = list(order)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
