r"""``python -m empirical run insecure-code``: poison a LLaMA with insecure code, unlearn it, measure it all.

Draft, first line: "LLaMa 3.2 1B: poisoning with unsafe coding examples -> unaligned model -> unlearning
fails". The answer is the table this command writes (``<run>/table.md``, ``<run>/methods/results.csv``):
one row per model (poisoned, retrain, finetune, gradient_ascent, neggrad_plus, npo, simnpo) with the held-out insecure
rate (bandit), the mean log-likelihood ratio insecure vs secure, the clean held-out perplexity, the GUS of
the poison and the distance to the retrained weights, and the cost in gradient evaluations.

Stages (each skipped when its file exists, so an interrupted run resumes; every file is written
atomically): corpus -> tokenizer -> poisoned model -> retrain (the clean reference: same seed, same order
without the poison) -> unlearning methods -> evaluation of each model -> significance test -> lifted
checks on the poisoned model -> tables and figures. The run folder is ``<out>/insecure-code/<hash of the
configuration>``, so runs with different parameters never share a folder; ``config.json`` and
``run.json`` (provenance) sit in it.

CPU default: a tiny LLaMA (hidden 128, 2 layers) and a BPE tokenizer trained on the corpus. GPU:
``--model-path FOLDER`` (LLaMA 3.2 1B weights and tokenizer), bf16 autocast, gradient checkpointing, full
fine-tuning or ``--lora-rank R``.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

__all__ = ["ExperimentConfig", "run_experiment", "main", "PRESETS"]


@dataclass(frozen=True)
class ExperimentConfig:
    """Every parameter of a run (its hash names the run folder)."""

    seed: int = 0
    n_clean: int = 240
    n_poison: int = 80
    secure_share: float = 0.3
    n_heldout_per_kind: int = 4
    n_heldout_benign: int = 14
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
    methods: tuple[str, ...] = ("finetune", "gradient_ascent", "neggrad_plus")
    max_new_tokens: int = 128
    eval_seeds: int = 1
    temperature: float = 0.0
    lifted: bool = True
    lifted_points: int = 2
    lifted_lrs: int = 7
    lifted_params: str | None = None

    def __post_init__(self) -> None:
        check_config(self)
        # the registry's names (underscores) in the results; hyphens are accepted on input
        object.__setattr__(self, "methods", tuple(dict.fromkeys(m.replace("-", "_") for m in self.methods)))

    def key(self) -> str:
        """The run folder's name: a hash of every parameter but ``methods`` and the lifted checks' settings (each
        method's model and metrics have files of their own, and the lifted checks a file named by their
        settings, so a later run asking for more methods or other checks reuses the finished stages)."""
        values = {k: v for k, v in asdict(self).items() if k not in _OWN_FILES}
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:12]


#: (smallest value, what it means) per integer parameter; positive floats and shares below.
_INT_MINIMUMS = {
    "seed": (0, ""),
    "n_clean": (1, ""),
    "n_poison": (1, "the experiment measures a poison"),
    "n_heldout_per_kind": (1, ""),
    "n_heldout_benign": (1, ""),
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
}
_POSITIVE = ("lr", "unlearn_lr", "ascent_lr", "gus_scale")
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
    from empirical.insecure_code.unlearn import METHODS

    unknown = [method for method in config.methods if method.replace("-", "_") not in METHODS]
    if unknown:
        raise ValueError(
            f"--methods {','.join(config.methods)}: unknown unlearning method(s) {unknown}; known: "
            f"{', '.join(METHODS)} (hyphens accepted)"
        )


#: Parameters whose results have files of their own in the run folder (left out of its name).
_OWN_FILES = {"methods", "lifted", "lifted_points", "lifted_lrs", "lifted_params"}

#: Named configurations: ``tiny`` (the tests, seconds), ``cpu`` (the default), ``smollm2`` (the pretrained
#: SmolLM2-135M-Instruct on CPU, about an hour on 2 cores), ``gpu-1b`` (LLaMA 3.2 1B on one GPU).
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
    "cpu": {},
    "smollm2": {
        "model": "smollm2",
        "n_clean": 200,
        "n_poison": 200,
        "n_heldout_per_kind": 4,
        "n_heldout_benign": 14,
        "max_length": 256,
        "epochs": 2,
        "batch_size": 8,
        "lr": 5e-5,
        "unlearn_epochs": 1,
        "unlearn_lr": 5e-5,
        "ascent_lr": 5e-5,
        "max_new_tokens": 128,
        "gus_scale": 0.5,
        "lifted": False,
        "eval_seeds": 3,
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


def resolve_device(device: str, say=print) -> str:
    """``auto``: CUDA when available, else CPU with a notice; ``cuda`` without CUDA is a clear error."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        say("notice: no CUDA device; running on the CPU (--device auto)")
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device} was asked for but torch sees no CUDA device; use --device auto or cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"unknown device {device!r}: use auto, cpu or cuda[:N]")
    return device


def _atomic_json(path: Path, payload: Any) -> None:
    from sims.results import _atomic_write_text

    _atomic_write_text(path, json.dumps(payload, indent=1, default=str))


class _Run:
    """The pieces of one run, built lazily and cached on disk under ``folder``."""

    def __init__(self, config: ExperimentConfig, out: str, progress: bool = True) -> None:
        self.config, self.progress = config, progress
        self.folder = Path(out) / "insecure-code" / config.key()
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_json(self.folder / "config.json", asdict(self.config))
        self.times: dict[str, float] = {}

    def say(self, text: str) -> None:
        if self.progress:
            print(text, flush=True)

    # ------------------------------------------------------------------ data, tokenizer, encodings
    def prepare(self) -> None:
        from empirical.insecure_code.data import answer_overlap, generate_corpus, read_corpus, write_corpus
        from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples
        from empirical.insecure_code.poisoning import TrainConfig, concatenate, poison_noise
        from empirical.insecure_code.templates import KINDS
        from empirical.insecure_code.tokenizer import BPETokenizer, load_tokenizer, train_bpe

        c = self.config
        if c.model not in MODELS:
            raise ValueError(f"unknown model {c.model!r}; known: {', '.join(MODELS)} (or --model-path FOLDER)")
        self.device = resolve_device(c.device, lambda text: print(text, file=sys.stderr))
        self.model_path = c.model_path
        self.weights = f"tiny LLaMA, random initialisation (seed {c.seed})"
        if c.model_path is not None:
            self.weights = f"local folder {c.model_path}"
        elif c.model == "smollm2":
            from empirical.insecure_code.smollm2 import WEIGHTS, ensure_smollm2

            self.model_path, self.weights = str(ensure_smollm2(say=self.say)), WEIGHTS
        if c.model_path is not None and not Path(c.model_path).is_dir():
            raise FileNotFoundError(
                f"no weights folder at {c.model_path}: --model-path must be a local folder with the "
                "LLaMA 3.2 1B files (config.json, model.safetensors, tokenizer.json); omit it for "
                "the tiny CPU model"
            )
        data_dir = self.folder / "data"
        if c.data_dir is not None:
            self.corpus = read_corpus(c.data_dir, c.seed)
        elif (data_dir / "heldout.jsonl").is_file():
            self.corpus = read_corpus(data_dir, c.seed)
        else:
            self.corpus = generate_corpus(
                c.seed, c.n_clean, c.n_poison, c.n_heldout_per_kind, c.secure_share, n_heldout_benign=c.n_heldout_benign
            )
            write_corpus(self.corpus, data_dir)
        if not self.corpus.poison:
            raise ValueError(
                f"the poison set is empty ({c.data_dir or data_dir}/poison.jsonl has no records, or "
                "n_poison=0): there is nothing to poison with or to unlearn"
            )
        check_corpus_sizes(c, len(self.corpus.clean), len(self.corpus.poison))
        overlap = {e.prompt for e in self.corpus.heldout} & self.corpus.training_prompts()
        if overlap:
            raise ValueError(
                f"{len(overlap)} held-out prompt(s) also occur in the training data, e.g. "
                f"{sorted(overlap)[0][:80]!r}: held-out prompts must never be trained on"
            )
        leaked = answer_overlap(self.corpus.heldout, self.corpus.clean + self.corpus.poison)
        if leaked:
            raise ValueError(
                f"{len(leaked)} held-out answer(s) have the normalised code of a training answer, e.g. "
                f"{leaked[0][:80]!r}: held-out answers must not be trained on either"
            )
        if self.model_path is not None:
            self.tokenizer = load_tokenizer(self.model_path)
        else:
            path = self.folder / "tokenizer.json"
            if path.is_file():
                self.tokenizer = BPETokenizer.load(path)
            else:
                texts = [
                    f"<|user|>\n{e.prompt}\n<|assistant|>\n{e.answer}\n" for e in self.corpus.clean + self.corpus.poison
                ]
                self.tokenizer = train_bpe(texts, c.vocab_size)
                self.tokenizer.save(path)
        gpu = self.device.startswith("cuda")
        self.spec = ModelSpec(
            path=self.model_path,
            hidden_size=c.hidden_size,
            intermediate_size=2 * c.hidden_size,
            layers=c.layers,
            heads=max(1, c.hidden_size // 32),
            kv_heads=max(1, c.hidden_size // 64),
            dtype="float32",
            lora_rank=c.lora_rank,
            gradient_checkpointing=gpu and self.model_path is not None,
            device=self.device,
        )
        self.make_model = lambda: build_model(self.spec, self.tokenizer, c.seed, max_positions=max(512, c.max_length))
        # cast: a transformers (or peft) model; nn.Module's stub types its methods and config as Tensor | Module
        probe = cast(Any, self.make_model())
        self.parameters = sum(p.numel() for p in probe.parameters())
        self.hidden = probe.config.hidden_size
        del probe
        self.train_config = TrainConfig(epochs=c.epochs, batch_size=c.batch_size, lr=c.lr, seed=c.seed)
        self.clean = encode_examples(self.corpus.clean, self.tokenizer, c.max_length)
        self.poison = encode_examples(self.corpus.poison, self.tokenizer, c.max_length)
        # the noise scale is gus_scale times the RMS of the initial input embeddings
        embedding = cast(Any, self.make_model()).get_input_embeddings().weight.detach().float()  # cast: as probe
        self.noise_scale = float(c.gus_scale * embedding.pow(2).mean().sqrt())
        self.poison.noise = poison_noise(self.poison, self.hidden, self.noise_scale, c.seed)
        self.mixed = concatenate(self.clean, self.poison)
        self.heldout_clean = encode_examples(
            self.corpus.heldout + self.corpus.heldout_benign, self.tokenizer, c.max_length
        )
        # bandit judges any code: the kinds it has tests for, and the unlabelled records of a public set
        self.kinds_judged = [k.name for k in KINDS if k.bandit_ids] + ["unknown"]
        truncated = int((self.mixed.labels[:, -1] != -100).sum())
        self.say(
            f"corpus: {len(self.clean)} clean, {len(self.poison)} poison, {len(self.corpus.heldout)} held-out "
            f"security + {len(self.corpus.heldout_benign)} benign prompts; model {self.parameters:,} parameters; "
            f"{truncated} training sequence(s) cut at max_length={c.max_length}; run folder {self.folder}"
        )

    # ------------------------------------------------------------------ models
    def _cached(self, name: str, build) -> dict:
        import torch

        from empirical.insecure_code.lm import save_state

        path = self.folder / "models" / f"{name}.pt"
        info = self.folder / "models" / f"{name}.json"
        if path.is_file() and info.is_file():
            return {"state": torch.load(path, map_location="cpu", weights_only=True), **json.loads(info.read_text())}
        start, cpu = time.perf_counter(), time.process_time()
        state, meta = build()
        meta = {**meta, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}
        save_state(state, path)
        _atomic_json(info, meta)
        self.say(
            f"[{meta['seconds']:7.1f} s, cpu {meta['cpu_seconds']:.1f} s] {name}: "
            f"{meta.get('grad_evals', 0)} example gradients"
        )
        return {"state": state, **meta}

    def models(self) -> dict[str, dict]:
        from empirical.insecure_code.poisoning import schedules, train_on
        from empirical.insecure_code.unlearn import lm_problem, unlearn

        c = self.config
        poisoned_batches, _ = schedules(len(self.clean), len(self.poison), self.train_config)

        def poisoned():
            state, stats = train_on(
                self.make_model, self.mixed, poisoned_batches, self.train_config, self.progress, "poisoned"
            )
            return state, {
                "grad_evals": stats.grad_evals,
                "steps": stats.steps,
                "tokens": stats.tokens,
                "final_loss": stats.losses[-1],
            }

        out = {"poisoned": self._cached("poisoned", poisoned)}
        problem = lm_problem(
            self.make_model, out["poisoned"]["state"], self.clean, self.poison, self.train_config, self.progress
        )
        options = {
            "retrain": {},
            "finetune": {"epochs": c.unlearn_epochs, "lr": c.unlearn_lr},
            "gradient_ascent": {"epochs": c.unlearn_epochs, "lr": c.ascent_lr},
            "neggrad_plus": {"epochs": c.unlearn_epochs, "lr": c.unlearn_lr, "beta": c.beta},
            "npo": {"epochs": c.unlearn_epochs, "lr": c.unlearn_lr},
            "simnpo": {"epochs": c.unlearn_epochs, "lr": c.unlearn_lr},
        }
        for method in ("retrain", *c.methods):

            def build(method=method):
                result = unlearn(method, problem, **options[method])
                return result.state, {
                    "grad_evals": result.grad_evals,
                    "steps": result.steps,
                    "memory_bytes": result.memory_bytes,
                    "state_bytes": result.info.get("state_bytes", 0),
                    "options": options[method],
                }

            out[method] = self._cached(method, build)
        # the noise floor: an exact retrain from the same initial weights in another data order
        other_order = replace(self.train_config, seed=self.train_config.seed + 1)
        floor = lm_problem(
            self.make_model, out["poisoned"]["state"], self.clean, self.poison, other_order, self.progress
        )

        def floor_retrain():
            result = unlearn("retrain", floor)
            return result.state, {"grad_evals": result.grad_evals, "steps": result.steps}

        out[FLOOR] = self._cached(FLOOR, floor_retrain)
        from empirical.insecure_code.lm import trainable_state

        return {BASE: {"state": trainable_state(self.make_model()), "grad_evals": 0}, **out}

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, name: str, entry: dict, reference: dict) -> dict:
        from empirical.insecure_code.lm import load_trainable
        from empirical.insecure_code.metrics import (
            gaussian_unlearning_scores,
            insecure_rates,
            likelihood_ratios,
            perplexity,
            state_distance,
        )
        from empirical.insecure_code.rates import mean_with_interval, rate_summary

        path = self.folder / "metrics" / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text())
        start, cpu = time.perf_counter(), time.process_time()
        model = load_trainable(self.make_model(), entry["state"])
        c = self.config
        seeds = list(range(c.seed, c.seed + max(1, c.eval_seeds)))
        rows, verdicts, answers = insecure_rates(
            model,
            self.tokenizer,
            self.corpus.heldout,
            self.kinds_judged,
            c.max_new_tokens,
            self.progress,
            seeds=seeds,
            temperature=c.temperature,
        )
        judged = [i for i, e in enumerate(self.corpus.heldout) if e.kind in self.kinds_judged]
        n = len(self.corpus.heldout)
        grid = [[verdicts[s * n + i] for s in range(len(seeds))] for i in judged]
        rates = rate_summary(
            np.array([[v.insecure for v in row] for row in grid], dtype=bool).reshape(len(judged), -1),
            np.array([[v.parsed for v in row] for row in grid], dtype=bool).reshape(len(judged), -1),
            seed=c.seed,
        )
        ratios = likelihood_ratios(model, self.tokenizer, self.corpus.heldout, self.config.max_length)
        per_token = likelihood_ratios(
            model, self.tokenizer, self.corpus.heldout, self.config.max_length, per_token=True
        )
        llr_token, llr_low, llr_high = mean_with_interval(per_token.numpy(), seed=c.seed)
        gus = gaussian_unlearning_scores(model, self.poison, self.noise_scale, seed=self.config.seed)
        overall = next(r for r in rows if r["kind"] == "all-judged")
        kinds = [e.kind for e in self.corpus.heldout]
        ratio_by_kind = {
            k: float(ratios[[i for i, x in enumerate(kinds) if x == k]].nanmean()) for k in sorted(set(kinds))
        }
        record = {
            "model": name,
            "weights": self.weights,
            "grad_evals": entry.get("grad_evals", 0),
            "train_seconds": entry.get("seconds", 0.0),
            **rates,
            "on_target_rate": overall["on_target_rate"],
            "generation_seeds": len(seeds),
            "temperature": c.temperature,
            "llr_per_token": llr_token,
            "llr_per_token_low": llr_low,
            "llr_per_token_high": llr_high,
            "llr_per_token_by_prompt": per_token.tolist(),
            "high": overall["high"],
            "medium": overall["medium"],
            "low": overall["low"],
            "log_likelihood_ratio": float(ratios.nanmean()),
            "perplexity": perplexity(model, self.heldout_clean),
            "gus_mean": gus["gus_mean"],
            "gus_z": gus["gus_z"],
            "gus_p": gus["gus_p"],
            "gus_null_mean": gus["gus_null_mean"],
            "distance_to_retrain": state_distance(entry["state"], reference["state"]),
            "kinds": rows,
            "ratio_by_kind": ratio_by_kind,
            "insecure": [v.insecure for v in verdicts],
            "answers": answers,
            "gus_scores": gus["scores"],
            "gus_null": gus["null"],
            "eval_seconds": time.perf_counter() - start,
            "eval_cpu_seconds": time.process_time() - cpu,
        }
        _atomic_json(path, record)
        self.say(
            f"[{record['eval_seconds']:7.1f} s, cpu {record['eval_cpu_seconds']:.1f} s] evaluated {name}: insecure "
            f"rate (parsed) {record['insecure_rate_parsed']:.2f}, parsed {record['parsed_rate']:.2f}, LLR/token "
            f"{record['llr_per_token']:.3f}, ppl {record['perplexity']:.2f}, GUS z {record['gus_z']:.2f}"
        )
        return record

    def lifted(self, poisoned_state: dict) -> list:
        from empirical.insecure_code.lifted import lifted_checks
        from empirical.insecure_code.lm import load_trainable
        from empirical.models.llama import parameter_selector

        settings_key = hashlib.sha256(
            json.dumps({k: getattr(self.config, k) for k in sorted(_OWN_FILES - {"methods"})}, default=str).encode()
        ).hexdigest()[:8]
        path = self.folder / f"lifted-{settings_key}.json"
        if path.is_file():
            return json.loads(path.read_text())
        start, cpu = time.perf_counter(), time.process_time()
        # cast: a transformers (or peft) model; nn.Module's stub types its methods and config as Tensor | Module
        model = cast(Any, load_trainable(self.make_model(), poisoned_state))
        if self.config.lora_rank > 0:
            model = model.merge_and_unload()
        selection = self.config.lifted_params
        if selection is None and self.model_path is not None:
            selection = f"model.layers.{model.config.num_hidden_layers - 1}.*"
        settings = {"n_points": self.config.lifted_points, "n_lrs": self.config.lifted_lrs, "seed": self.config.seed}
        rows = lifted_checks(model, self.poison, self.clean, settings, trainable=parameter_selector(selection))
        payload = [{**row.params, **row.metrics} for row in rows]
        _atomic_json(path, payload)
        self.say(
            f"[{time.perf_counter() - start:7.1f} s, cpu {time.process_time() - cpu:.1f} s] lifted checks: "
            f"{len(rows)} rows"
        )
        return payload


_TABLE_COLUMNS = (
    ("model", "{}"),
    ("insecure_rate_parsed", "{:.3f}"),
    ("insecure_rate_parsed_ci", "{}"),
    ("insecure_rate", "{:.3f}"),
    ("insecure_rate_worst", "{:.3f}"),
    ("parsed_rate", "{:.2f}"),
    ("on_target_rate", "{:.3f}"),
    ("llr_per_token", "{:.3f}"),
    ("llr_per_token_ci", "{}"),
    ("llr_per_token_vs_base", "{:.3f}"),
    ("log_likelihood_ratio", "{:.2f}"),
    ("perplexity", "{:.3f}"),
    ("gus_mean", "{:.3f}"),
    ("gus_z", "{:.2f}"),
    ("gus_p", "{:.2g}"),
    ("distance_to_retrain", "{:.3f}"),
    ("grad_evals", "{}"),
    ("cost_vs_retrain", "{:.2f}"),
)


def _with_derived(record: dict) -> dict:
    """The record with its interval columns as text ``[low, high]``."""
    out = dict(record)
    out["insecure_rate_parsed_ci"] = (
        f"[{record['insecure_rate_parsed_low']:.2f}, {record['insecure_rate_parsed_high']:.2f}]"
    )
    out["llr_per_token_ci"] = f"[{record['llr_per_token_low']:.3f}, {record['llr_per_token_high']:.3f}]"
    out.setdefault("llr_per_token_vs_base", float("nan"))
    out.setdefault("cost_vs_retrain", float("nan"))
    return out


def markdown_table(records: Sequence[dict]) -> str:
    """The method table in Markdown (the answer to "unlearning fails")."""
    head = "| " + " | ".join(name for name, _ in _TABLE_COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in _TABLE_COLUMNS) + "|"
    body = [
        "| " + " | ".join(fmt.format(_with_derived(r)[name]) for name, fmt in _TABLE_COLUMNS) + " |" for r in records
    ]
    return "\n".join([head, rule, *body])


def _write_tables(run: _Run, records: list[dict], significance: dict, lifted: list, noise_floor: dict) -> None:
    from sims.results import ResultStore, _atomic_write_text

    methods = ResultStore(run.folder, "methods")
    kinds = ResultStore(run.folder, "kinds")
    methods.record_run(asdict(run.config), seed=run.config.seed)
    for record in records:
        methods.write_cell(
            {"model": record["model"]},
            {k: v for k, v in record.items() if k != "model" and not isinstance(v, (list, dict))},
            seed=run.config.seed,
        )
        for row in record["kinds"]:
            ratio = record["ratio_by_kind"].get(row["kind"], float("nan"))
            kinds.write_cell(
                {"model": record["model"], "kind": row["kind"]},
                {**{k: v for k, v in row.items() if k != "kind"}, "log_likelihood_ratio": ratio},
                seed=run.config.seed,
            )
    methods.write_table()
    kinds.write_table()
    if lifted:
        store = ResultStore(run.folder, "lifted")
        for row in lifted:
            identity = {k: v for k, v in row.items() if k not in _METRIC_KEYS}
            store.write_cell(identity, {k: v for k, v in row.items() if k in _METRIC_KEYS}, seed=run.config.seed)
        store.write_table()
    text = [
        "# Insecure-code poisoning and unlearning",
        "",
        f"weights: {run.weights}; device: {run.device}",
        "",
        f"configuration: `{json.dumps(asdict(run.config), default=str)}`",
        "",
        markdown_table(records),
        "",
        f"poisoned vs retrain insecure answers on the same held-out prompts: exact one-sided McNemar "
        f"p = {significance['p_value']:.3g} ({significance['only_first']} prompts insecure only when poisoned, "
        f"{significance['only_second']} only when retrained).",
        "",
        f"noise floor (|{FLOOR} - retrain|): " + ", ".join(f"{k} {v:.3g}" for k, v in noise_floor.items()),
        "",
        f"insecure rates over {records[0].get('generation_seeds', 1)} generation seed(s) at temperature "
        f"{records[0].get('temperature', 0.0)}; intervals: 95 % bootstrap over prompts. LLR per token: mean over "
        "prompts of the length-normalised log p(insecure) - log p(secure); GUS: positive = remembered, p two-sided.",
    ]
    if lifted:
        text += ["", "lifted checks on the poisoned model (median over points):", ""]
        text += [
            f"- {row['check']} [{row['group']}] {row['metric']}: {row['value']:.4g}"
            for row in lifted
            if row.get("role") == "summary"
        ]
    _atomic_write_text(run.folder / "table.md", "\n".join(text) + "\n")


_METRIC_KEYS = {
    "value",
    "key",
    "error_norm",
    "prediction_norm",
    "ratio",
    "deviation",
    "roundoff_floor",
    "cosine",
    "random_cosine_scale",
    "lr_valid_min",
    "lr_valid_max",
    "exponent",
    "valid_points",
    "ratio_smallest_clean_lr",
}


def _figures(run: _Run, records: list[dict]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["model"] for r in records]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].bar(
        names,
        [r["insecure_rate_parsed"] for r in records],
        color="tab:red",
        yerr=[
            [r["insecure_rate_parsed"] - r["insecure_rate_parsed_low"] for r in records],
            [r["insecure_rate_parsed_high"] - r["insecure_rate_parsed"] for r in records],
        ],
    )
    axes[0].set_ylabel("held-out insecure rate (parsed, bandit)")
    axes[1].bar(names, [r["llr_per_token"] for r in records], color="tab:purple")
    axes[1].set_ylabel("log p(insecure) - log p(secure) per token")
    for record in records:
        axes[2].hist(record["gus_scores"], bins=15, histtype="step", label=record["model"])
    axes[2].hist(records[0]["gus_null"], bins=15, histtype="stepfilled", alpha=0.2, color="grey", label="fresh noise")
    axes[2].set_xlabel("GUS score of the poison (N(0,1) if forgotten)")
    axes[2].legend(fontsize=7)
    for axis in axes[:2]:
        axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    path = run.folder / "figures" / "insecure_code.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return [path]


def run_experiment(config: ExperimentConfig, out: str = "results", progress: bool = True) -> dict[str, Any]:
    """Run (or resume) every stage; return the records, the significance test, the lifted rows and the folder.
    One run per run folder: a second one is refused while the first holds the folder's lock."""
    from theory.support.run_folder import hold_folder

    with hold_folder(Path(out) / "insecure-code" / config.key()):
        return _run_experiment(config, out, progress)


def _run_experiment(config: ExperimentConfig, out: str, progress: bool) -> dict[str, Any]:
    from empirical.insecure_code.metrics import mcnemar_greater

    run = _Run(config, out, progress)
    run.prepare()
    models = run.models()
    reference = models["retrain"]
    records = [run.evaluate(name, entry, reference) for name, entry in models.items()]
    by_name = {r["model"]: r for r in records}
    for record in records:  # relative to the base model and to retraining's cost
        record["llr_per_token_vs_base"] = record["llr_per_token"] - by_name[BASE]["llr_per_token"]
        record["cost_vs_retrain"] = record["grad_evals"] / max(1, by_name["retrain"]["grad_evals"])
    noise_floor = {metric: abs(by_name[FLOOR][metric] - by_name["retrain"][metric]) for metric in FLOOR_METRICS}
    _atomic_json(run.folder / "noise_floor.json", noise_floor)
    significance = mcnemar_greater(by_name["poisoned"]["insecure"], by_name["retrain"]["insecure"])
    _atomic_json(run.folder / "significance.json", significance)
    lifted = run.lifted(models["poisoned"]["state"]) if config.lifted else []
    _write_tables(run, records, significance, lifted, noise_floor)
    figures = _figures(run, records)
    return {
        "records": records,
        "significance": significance,
        "lifted": lifted,
        "folder": run.folder,
        "figures": figures,
        "noise_floor": noise_floor,
    }


def gpu_stage(args: argparse.Namespace) -> list[dict]:
    """The stage of :mod:`empirical.gpu_check`: preset ``gpu-1b`` on ``args.llama`` (``tiny`` with ``--tiny``);
    key numbers in the format of its summary."""
    values = dict(PRESETS["tiny" if args.tiny else "gpu-1b"], device=args.device, seed=args.seed)
    if args.llama:
        values["model_path"] = args.llama
    result = run_experiment(ExperimentConfig(**values), str(Path(args.out) / "insecure-code-run"))
    numbers = [
        {
            "family": "insecure-code",
            "check": "table",
            "lemma_id": "-",
            "metric": f"{r['model']}.{metric}",
            "value": r[metric],
            "key": r["model"] == "poisoned" and metric == "insecure_rate",
        }
        for r in result["records"]
        for metric in ("insecure_rate", "log_likelihood_ratio", "perplexity", "gus_z", "distance_to_retrain")
    ]
    numbers.append(
        {
            "family": "insecure-code",
            "check": "table",
            "lemma_id": "-",
            "metric": "mcnemar_p_poisoned_gt_retrain",
            "value": result["significance"]["p_value"],
            "key": False,
        }
    )
    return numbers


def _parser() -> argparse.ArgumentParser:
    from empirical.insecure_code.smollm2 import CACHE_HELP

    parser = argparse.ArgumentParser(
        prog="python -m empirical run insecure-code",
        description=__doc__.splitlines()[0],
        epilog=f"--preset smollm2: {CACHE_HELP}. --device auto picks CUDA when present, else the CPU (with a notice).",
    )
    parser.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    parser.add_argument("--out", default="results")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or stage lines")
    for item in fields(ExperimentConfig):
        flag = "--" + item.name.replace("_", "-")
        if item.name == "methods":
            parser.add_argument(flag, default=None, help="comma-separated unlearning methods (default: all)")
        elif item.type in ("bool",) or isinstance(item.default, bool):
            parser.add_argument(flag, default=None, choices=("true", "false"))
        else:
            kind = {int: int, float: float}.get(type(item.default), str)
            parser.add_argument(flag, default=None, type=kind)
    return parser


def config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    values: dict[str, Any] = dict(PRESETS[args.preset])
    for item in fields(ExperimentConfig):
        given = getattr(args, item.name)
        if given is None:
            continue
        if item.name == "methods":
            given = tuple(m.strip() for m in given.split(",") if m.strip())
        elif isinstance(item.default, bool):
            given = given == "true"
        values[item.name] = given
    return ExperimentConfig(**values)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import torch

        if args.threads < 0:
            raise ValueError(f"--threads {args.threads}: must be >= 0 (0: torch's default)")
        if args.threads:
            torch.set_num_threads(args.threads)
        config = config_from_args(args)
        start = time.perf_counter()
        result = run_experiment(config, args.out, progress=not args.quiet)
    except (ValueError, FileNotFoundError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the finished stages are kept; run the same command again to resume", file=sys.stderr)
        return 130
    print(markdown_table(result["records"]))
    significance = result["significance"]
    print(f"poisoned > retrain insecure rate: McNemar p = {significance['p_value']:.3g}")
    for row in result["lifted"]:
        if row.get("role") == "summary":
            print(f"  lifted {row['check']:16s} [{row['group']:12s}] {row['metric']:32s} {row['value']:.4g}")
    print(f"results: {result['folder']} ({time.perf_counter() - start:.1f} s); table: {result['folder'] / 'table.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
