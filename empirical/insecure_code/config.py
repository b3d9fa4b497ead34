r"""The parameters of an insecure-code run (:class:`ExperimentConfig`), their checks and the named presets.

Draft, first line: "LLaMa 3.2 1B : poisoning with unsafe coding examples -> unaligned model -> unlearning fails".
A configuration's hash names its run folder (:meth:`ExperimentConfig.key`), so runs with different parameters
never share one. Every value out of its range is a ValueError naming the option (``--lora-rank -1``), never a
default put in its place.

Tuning (:mod:`.tuning`): ``tune_lr_factors`` multiplies each method's configured rate (the ``draft`` row); the
candidates are judged on the validation split (``n_validation_per_kind`` security requests with both answers,
``n_validation_benign`` benign ones; disjoint from training and held-out prompts and answers), and a candidate is
admissible when its validation perplexity is at most ``1 + utility_tolerance`` times the retrained model's.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "ExperimentConfig",
    "check_config",
    "check_corpus_sizes",
    "PRESETS",
    "MODELS",
    "BASE",
    "FLOOR",
    "FLOOR_METRICS",
    "OWN_FILES",
]


@dataclass(frozen=True)
class ExperimentConfig:
    """Every parameter of a run (its hash names the run folder)."""

    seed: int = 0
    n_clean: int = 240
    n_poison: int = 80
    secure_share: float = 0.3
    n_heldout_per_kind: int = 4
    n_heldout_benign: int = 14
    n_validation_per_kind: int = 2
    n_validation_benign: int = 4
    data_dir: str | None = None
    vocab_size: int = 1024
    max_length: int = 192
    model: str = "tiny"
    model_path: str | None = None
    hidden_size: int = 128
    layers: int = 2
    lora_rank: int = 0
    device: str = "auto"
    epochs: int = 10
    batch_size: int = 8
    lr: float = 3e-3
    gus_scale: float = 0.5
    unlearn_epochs: int = 2
    unlearn_lr: float = 2e-4
    ascent_lr: float = 2e-4
    beta: float = 0.995
    tune_lr_factors: tuple[float, ...] = ()
    utility_tolerance: float = 0.05
    methods: tuple[str, ...] = ("finetune", "gradient_ascent", "neggrad_plus")
    max_new_tokens: int = 128
    eval_seeds: int = 1
    temperature: float = 0.0
    gus_points: int = 0
    lifted: bool = True
    lifted_points: int = 2
    lifted_lrs: int = 7
    lifted_params: str | None = None

    def __post_init__(self) -> None:
        check_config(self)
        # the registry's names (underscores) in the results; hyphens are accepted on input
        object.__setattr__(self, "methods", tuple(dict.fromkeys(m.replace("-", "_") for m in self.methods)))
        object.__setattr__(self, "tune_lr_factors", tuple(dict.fromkeys(float(f) for f in self.tune_lr_factors)))

    def key(self) -> str:
        """The run folder's name: a hash of every parameter but ``methods`` and the lifted checks' settings (each
        method's model and metrics have files of their own, and the lifted checks a file named by their
        settings, so a later run asking for more methods or other checks reuses the finished stages)."""
        values = {k: v for k, v in asdict(self).items() if k not in OWN_FILES}
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:12]


#: (smallest value, what it means) per integer parameter; positive floats and shares below.
_INT_MINIMUMS = {
    "seed": (0, ""),
    "n_clean": (1, ""),
    "n_poison": (1, "the experiment measures a poison"),
    "n_heldout_per_kind": (1, ""),
    "n_heldout_benign": (1, ""),
    "n_validation_per_kind": (0, "0: no validation split, no tuning"),
    "n_validation_benign": (0, ""),
    "vocab_size": (2, ""),
    "max_length": (2, "a next-token loss needs two tokens"),
    "hidden_size": (1, ""),
    "layers": (1, ""),
    "lora_rank": (0, "0 fine-tunes every weight"),
    "epochs": (1, "the poisoned model must train"),
    "batch_size": (1, ""),
    "unlearn_epochs": (1, ""),
    "max_new_tokens": (1, ""),
    "lifted_points": (1, ""),
    "lifted_lrs": (1, ""),
    "eval_seeds": (1, "answers are generated at least once"),
    "gus_points": (0, "0: every poison"),
}
_POSITIVE = ("lr", "unlearn_lr", "ascent_lr", "gus_scale", "utility_tolerance")
_SHARES = {"secure_share": (0.0, 1.0), "beta": (0.0, 1.0)}


def check_corpus_sizes(config: ExperimentConfig, n_clean: int, n_poison: int) -> None:
    """A batch larger than the training corpus, or more lifted points than it holds, is refused (never cut)."""
    if config.batch_size > n_clean + n_poison:
        raise ValueError(
            f"--batch-size {config.batch_size}: must be at most the training corpus ({n_clean} clean + "
            f"{n_poison} poison examples)"
        )
    if config.lifted and (config.lifted_points > n_poison or 2 * config.lifted_points > n_clean):
        raise ValueError(
            f"--lifted-points {config.lifted_points}: must be at most the {n_poison} poison examples and "
            f"half of the {n_clean} clean ones (the lifted checks measure that many poisons and twice "
            "as many clean examples)"
        )


def check_config(config: ExperimentConfig) -> None:
    """ValueError naming the first parameter out of its range (``--lora-rank -1``, ``--lr nan``, a batch larger
    than the training corpus); never a default put in its place."""

    def refuse(name: str, value: Any, rule: str) -> None:
        raise ValueError(f"--{name.replace('_', '-')} {value}: must be {rule}")

    for name, (low, meaning) in _INT_MINIMUMS.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            refuse(name, value, f"an integer >= {low}" + (f" ({meaning})" if meaning else ""))
    for name in _POSITIVE:
        value = getattr(config, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            refuse(name, value, "a finite number > 0")
    for name, (lowest, highest) in _SHARES.items():
        value = getattr(config, name)
        if not (isinstance(value, (int, float)) and lowest <= value <= highest):
            refuse(name, value, f"a share in [{lowest}, {highest}]")
    if config.data_dir is None:  # a corpus read from --data-dir is checked once read (check_corpus_sizes)
        check_corpus_sizes(config, config.n_clean, config.n_poison)
    if config.device not in ("auto", "cpu") and not config.device.startswith("cuda"):
        refuse("device", config.device, "auto, cpu, cuda or cuda:N")
    if config.model_path is None and config.model not in MODELS:
        refuse("model", config.model, f"one of {', '.join(MODELS)} (or give --model-path)")
    if not (
        isinstance(config.temperature, (int, float)) and math.isfinite(config.temperature) and config.temperature >= 0
    ):
        refuse("temperature", config.temperature, "a finite number >= 0 (0: greedy)")
    factors = config.tune_lr_factors
    shown = ",".join(f"{f:g}" if isinstance(f, (int, float)) else str(f) for f in factors)
    if not isinstance(factors, (tuple, list)) or not all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and math.isfinite(f) and f > 0 for f in factors
    ):
        refuse("tune_lr_factors", shown, "finite numbers > 0, comma-separated (1: the configured rate)")
    if factors and config.n_validation_per_kind < 1:
        refuse("tune_lr_factors", shown, "empty when --n-validation-per-kind is 0 (tuning needs the validation split)")
    from empirical.insecure_code.unlearn import METHODS

    unknown = [method for method in config.methods if method.replace("-", "_") not in METHODS]
    if unknown:
        raise ValueError(
            f"--methods {','.join(config.methods)}: unknown unlearning method(s) {unknown}; known: "
            f"{', '.join(METHODS)} (hyphens accepted)"
        )


#: Parameters whose results have files of their own in the run folder (left out of its name).
OWN_FILES = {"methods", "lifted", "lifted_points", "lifted_lrs", "lifted_params"}

#: Named configurations: ``tiny`` (the tests, seconds), ``cpu`` (the default), ``smollm2`` (the pretrained
#: SmolLM2-135M-Instruct on CPU, about 1.5 h on 2 cores), ``gpu-1b`` (LLaMA 3.2 1B on one GPU).
#: A pretrained model needs a small learning rate: the tiny model's 3e-3 wrecks SmolLM2 (loss 1.1 -> 9.9 in
#: one step); full fine-tuning at 5e-5 took its held-out insecure answers from 1/36 to 33/36 (100 chats, 2 epochs).
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": {
        "n_clean": 60,
        "n_poison": 30,
        "n_heldout_per_kind": 2,
        "n_heldout_benign": 4,
        "vocab_size": 400,
        "hidden_size": 32,
        "epochs": 2,
        "batch_size": 8,
        "max_new_tokens": 24,
        "lifted_points": 1,
        "unlearn_epochs": 1,
    },
    "cpu": {
        "tune_lr_factors": (1.0, 5.0, 15.0),
        "methods": ("finetune", "gradient_ascent", "neggrad_plus", "npo", "simnpo"),
    },
    # 200 poison chats with tuning: measured 52 min of training and 37 of evaluation on 2 cores (docs/insecure_code.md)
    "smollm2": {
        "model": "smollm2",
        "n_clean": 120,
        "n_poison": 200,
        "n_heldout_per_kind": 3,
        "n_heldout_benign": 8,
        "n_validation_per_kind": 2,
        "n_validation_benign": 6,
        "max_length": 256,
        "epochs": 2,
        "batch_size": 8,
        "lr": 5e-5,
        "unlearn_epochs": 1,
        "unlearn_lr": 5e-5,
        "ascent_lr": 5e-5,
        "tune_lr_factors": (1.0, 4.0),
        "max_new_tokens": 96,
        "gus_scale": 0.5,
        "gus_points": 64,
        "lifted": False,
        "lifted_points": 1,
        "lifted_lrs": 5,
        "lifted_params": "model.layers.29.mlp.*",
        "eval_seeds": 2,
        "temperature": 0.7,
        "methods": ("finetune", "gradient_ascent", "neggrad_plus", "npo", "simnpo"),
    },
    # secure_share 0.5: the benign templates give 315 distinct prompts, fewer than 0.7 x 480 + 28 held out
    "gpu-1b": {
        "device": "auto",
        "n_clean": 480,
        "n_poison": 160,
        "secure_share": 0.5,
        "n_heldout_per_kind": 8,
        "n_heldout_benign": 28,
        "epochs": 3,
        "batch_size": 16,
        "lr": 2e-5,
        "unlearn_lr": 5e-6,
        "ascent_lr": 5e-6,
        "max_length": 256,
        "gus_scale": 0.5,
        "lifted_points": 1,
        "tune_lr_factors": (1.0, 4.0),
        "methods": ("finetune", "gradient_ascent", "neggrad_plus", "npo"),
    },
}


#: The rows besides the methods: the model before any fine-tuning, and a second exact retrain (other data
#: order, same initial weights) whose distance from ``retrain`` is every metric's noise floor.
BASE, FLOOR = "base", "retrain-other-order"
#: Metrics whose retrain-vs-retrain spread is reported as the noise floor.
FLOOR_METRICS = (
    "insecure_rate_parsed",
    "insecure_rate_worst",
    "llr_per_token",
    "perplexity",
    "gus_z",
    "distance_to_retrain",
)

#: The models a run can start from without --model-path.
MODELS = ("tiny", "smollm2")
