"""LLaMA through ``transformers.LlamaForCausalLM``: real weights from a local folder, or a config.

The draft's motivating experiment ("LLaMa 3.2 1B: poisoning with unsafe coding examples") uses LLaMA 3.2 1B:
1,235,814,400 parameters, hidden 2048, 16 layers, 32 heads / 8 key-value heads, intermediate 8192,
vocabulary 128256, tied input and output embeddings (field notes, "Sizes").

* :func:`build_llama` loads ``from_pretrained(path)`` when a folder is given (no hub download: the folder must
  hold the weights), otherwise builds random weights from :func:`llama_config` (``size="tiny"`` for the CPU,
  ``"1b"`` for the LLaMA-3.2-1B shape).
* Attention is ``"eager"`` by default: forward-mode AD is missing for the fused SDPA kernels and double
  backward fails through flash attention (field notes, "torch.func pitfalls"), and every HVP needs one.
* Tied embeddings: ``named_parameters`` lists the shared matrix once (``model.embed_tokens.weight``) and
  ``functional_call(..., tie_weights=True)`` (the :class:`~empirical.functional.Objective` default) uses it
  for ``lm_head`` as well.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from transformers import PreTrainedModel

__all__ = ["llama_config", "build_llama", "parameter_selector"]

_SIZES: dict[str, dict[str, Any]] = {
    "tiny": dict(
        vocab_size=300,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        max_position_embeddings=256,
    ),
    "1b": dict(
        vocab_size=128256,
        hidden_size=2048,
        intermediate_size=8192,
        num_hidden_layers=16,
        num_attention_heads=32,
        num_key_value_heads=8,
        head_dim=64,
        max_position_embeddings=131072,
        rope_theta=500000.0,
        rope_scaling={
            "rope_type": "llama3",
            "factor": 32.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    ),
}


def llama_config(size: str = "tiny", attn_implementation: str = "eager", **overrides):
    """A ``LlamaConfig`` of the given size (``"tiny"`` or ``"1b"``) with tied embeddings; keys overridable."""
    from transformers import LlamaConfig

    if size not in _SIZES:
        raise ValueError(f"size must be one of {sorted(_SIZES)}, got {size!r}")
    values = {**_SIZES[size], "tie_word_embeddings": True, "rms_norm_eps": 1e-5, **overrides}
    # attn_implementation reaches PreTrainedConfig through the keyword arguments the dataclass signature hides
    return LlamaConfig(attn_implementation=attn_implementation, **values)  # type: ignore[call-arg]


def build_llama(
    path: str | os.PathLike[str] | None = None,
    size: str = "tiny",
    attn_implementation: str = "eager",
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
    device: str | torch.device = "cpu",
    **overrides,
) -> PreTrainedModel:
    """``LlamaForCausalLM`` from a local folder (``path``) or with random weights of ``size`` (built on
    ``device`` directly, so a 1B model is initialised on the GPU)."""
    from transformers import LlamaForCausalLM

    if path is not None:
        folder = Path(path)
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"no LLaMA checkpoint at {folder} (config.json missing). Put the LLaMA 3.2 1B files there "
                "(config.json, model.safetensors, tokenizer.json), e.g. `huggingface-cli download "
                "meta-llama/Llama-3.2-1B --local-dir <folder>` on a machine with internet, or omit the path "
                "to use random weights"
            )
        _check_checkpoint_folder(folder)
        try:
            model = LlamaForCausalLM.from_pretrained(folder, dtype=dtype, attn_implementation=attn_implementation)
        except Exception as error:
            raise ValueError(
                f"could not load the LLaMA checkpoint in {folder} ({type(error).__name__}: "
                f"{str(error).splitlines()[0][:120]}); check config.json and the weight files"
            ) from None
        return model.to(device)  # type: ignore[arg-type]  # transformers' decorated .to binds self wrongly in its stub
    torch.manual_seed(seed)
    with torch.device(device):
        model = LlamaForCausalLM(llama_config(size, attn_implementation, **overrides))
    return model.to(dtype)  # type: ignore[arg-type]  # as above


def _check_checkpoint_folder(folder: Path) -> None:
    """config.json parses as a LLaMA config and each *.safetensors file has a readable header, or ValueError
    naming the file (a truncated download, an HTML error page saved as a weight file, ...)."""
    config_path = folder / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise ValueError(f"{config_path} is not valid JSON{where}; copy the model's config.json again") from None
    if not isinstance(config, dict) or config.get("model_type", "llama") != "llama":
        kind = config.get("model_type") if isinstance(config, dict) else type(config).__name__
        raise ValueError(f"{config_path} is not a LLaMA config (model_type {kind!r}); give a LLaMA checkpoint folder")
    weights = sorted(folder.glob("*.safetensors"))
    if not weights and not any(folder.glob("*.bin")):
        raise FileNotFoundError(
            f"no weights in {folder} (no *.safetensors or *.bin file); copy model.safetensors there"
        )
    for path in weights:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(8)
            length = int.from_bytes(head, "little") if len(head) == 8 else -1
            header = stream.read(length) if 0 < length <= min(size - 8, 100_000_000) else b""
        try:
            if not isinstance(json.loads(header.decode("utf-8")), dict):
                raise ValueError
        except (UnicodeDecodeError, ValueError):
            raise ValueError(
                f"{path} is not a safetensors file (unreadable header; truncated or corrupt download); copy it again"
            ) from None


def parameter_selector(patterns: Sequence[str] | str | None) -> Callable[[str], bool] | None:
    """A ``trainable(name)`` filter for :func:`~empirical.functional.split_state` from glob patterns.

    ``"model.layers.15.mlp.*"`` differentiates one MLP block only (HVPs on a layer subset of a 1B model);
    several patterns are comma-separated or a list; ``None`` or ``"all"`` selects every parameter.
    """
    if patterns is None or patterns == "all":
        return None
    if isinstance(patterns, str):
        patterns = [item.strip() for item in patterns.split(",") if item.strip()]
    return lambda name: any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
