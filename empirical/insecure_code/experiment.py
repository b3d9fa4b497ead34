r"""``python -m empirical run insecure-code``: poison a LLaMA with insecure code, unlearn it, measure it all.

Draft, first line: "LLaMa 3.2 1B: poisoning with unsafe coding examples -> unaligned model -> unlearning
fails". The answer is the table this command writes (``<run>/table.md``, ``<run>/methods/results.csv``;
:mod:`.report`): one row per model (base, poisoned, retrain, each method at its configured setting and, with
``--tune-lr-factors``, at the setting tuned on the validation split (``<method>-tuned``), and a second exact
retrain) with the held-out insecure rate (bandit), the log-likelihood ratio insecure vs secure, the clean
held-out perplexity, the GUS of the poison, the distance to the retrained weights and the cost in gradient
evaluations. ``--seeds N`` runs N training seeds and adds the table over seeds (:mod:`.seeds`).

Stages (each skipped when its file exists, so an interrupted run resumes; every file is written
atomically): corpus -> tokenizer -> poisoned model -> retrain (the clean reference: same seed, same order
without the poison) -> unlearning methods -> the other-order retrain (the noise floor) -> tuning on the
validation split (:mod:`.tuning`: candidates, their validation measures, ``tuning.json``) -> evaluation of each
model -> significance test -> lifted checks on the poisoned model -> tables and figures. The run folder is
``<out>/insecure-code/<hash of the configuration>`` (:mod:`.config`), so runs with different parameters never
share a folder; ``config.json`` sits in it.

CPU default: a tiny LLaMA (hidden 128, 2 layers) and a BPE tokenizer trained on the corpus. ``--preset
smollm2``: the pretrained SmolLM2-135M-Instruct (:mod:`.smollm2`). GPU: ``--model-path FOLDER`` (LLaMA 3.2 1B
weights and tokenizer), bf16 autocast, gradient checkpointing, full fine-tuning or ``--lora-rank R``.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from empirical.insecure_code.config import (
    BASE,
    FLOOR,
    FLOOR_METRICS,
    MODELS,
    OWN_FILES,
    PRESETS,
    ExperimentConfig,
    check_corpus_sizes,
)
from empirical.insecure_code.report import figures, markdown_table, write_tables

__all__ = ["ExperimentConfig", "run_experiment", "main", "PRESETS", "resolve_device", "TUNED"]

#: The suffix of a method's row at the setting the validation split chose (:mod:`.tuning`).
TUNED = "-tuned"


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
                c.seed,
                c.n_clean,
                c.n_poison,
                c.n_heldout_per_kind,
                c.secure_share,
                n_heldout_benign=c.n_heldout_benign,
                n_validation_per_kind=c.n_validation_per_kind,
                n_validation_benign=c.n_validation_benign,
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
        self._check_validation_split()
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
        self.validation_chats = encode_examples(
            self.corpus.validation + self.corpus.validation_benign, self.tokenizer, c.max_length
        )
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

    def _check_validation_split(self) -> None:
        """Tuning needs a validation split whose prompts, and whose security answers, are disjoint from the training
        and held-out data."""
        from empirical.insecure_code.data import answer_overlap

        corpus, c = self.corpus, self.config
        if c.tune_lr_factors and not corpus.validation:
            raise ValueError(
                f"--tune-lr-factors {','.join(f'{f:g}' for f in c.tune_lr_factors)}: the corpus has no validation "
                "split (validation.jsonl with both answers); add one to --data-dir or give --tune-lr-factors ''"
            )
        validation = corpus.validation + corpus.validation_benign
        shared = {e.prompt for e in validation} & (corpus.training_prompts() | {e.prompt for e in corpus.heldout})
        # the answers of the security requests (what the validation LLR reads); benign answers, like the held-out
        # benign ones, may share the code of a training answer (a benign task has few ways to be written)
        leaked = answer_overlap(corpus.validation, corpus.clean + corpus.poison + corpus.heldout)
        if shared or leaked:
            example = sorted(shared)[0] if shared else leaked[0]
            raise ValueError(
                f"{len(shared) + len(leaked)} validation prompt(s) or answer(s) also occur in the training or held-out "
                f"data, e.g. {example[:80]!r}: the validation split must be disjoint from both"
            )

    # ------------------------------------------------------------------ models
    def _cached(self, name: str, build) -> dict:

        from empirical.insecure_code.lm import save_state

        path = self.folder / "models" / f"{name}.pt"
        info = self.folder / "models" / f"{name}.json"
        if path.is_file() and info.is_file():
            return {"path": str(path), **json.loads(info.read_text())}
        start, cpu = time.perf_counter(), time.process_time()
        state, meta = build()
        meta = {**meta, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}
        save_state(state, path)
        _atomic_json(info, meta)
        self.say(
            f"[{meta['seconds']:7.1f} s, cpu {meta['cpu_seconds']:.1f} s] {name}: "
            f"{meta.get('grad_evals', 0)} example gradients"
        )
        return {"path": str(path), **meta}

    @staticmethod
    def load_state(entry: dict) -> dict:
        """The trainable state of a model entry: kept in memory (the base model's) or read from its file. Entries
        hold paths, not states: a SmolLM2 state is 538 MB, and holding the dozen of a tuned run in memory ran the
        machine out of memory (16.6 GB resident, killed)."""
        import torch

        if "state" in entry:
            return entry["state"]
        return torch.load(entry["path"], map_location="cpu", weights_only=True)

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
            self.make_model, self.load_state(out["poisoned"]), self.clean, self.poison, self.train_config, self.progress
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

        def floor_retrain():  # the problem (a model and its optimiser) lives only while it trains
            other_order = replace(self.train_config, seed=self.train_config.seed + 1)
            floor = lm_problem(
                self.make_model, self.load_state(out["poisoned"]), self.clean, self.poison, other_order, self.progress
            )
            result = unlearn("retrain", floor)
            return result.state, {"grad_evals": result.grad_evals, "steps": result.steps}

        out[FLOOR] = self._cached(FLOOR, floor_retrain)
        from empirical.insecure_code.lm import trainable_state

        models = {BASE: {"state": trainable_state(self.make_model()), "grad_evals": 0}, **out}
        if c.tune_lr_factors:
            self.tuning = self.tune(problem, options, models)
            for method, choice in self.tuning.items():
                if choice["candidate"] == method:  # the configured setting won: the same model, evaluated once
                    models[f"{method}{TUNED}"] = {**models[method], "same_as": method}
                elif choice["candidate"] is not None:  # trained and cached by tune(): read back, never rebuilt
                    models[f"{method}{TUNED}"] = self._cached(choice["candidate"], None)
        order = [name for name in models if name != FLOOR] + [FLOOR]
        return {name: models[name] for name in order}

    def tune(self, problem: Any, options: dict[str, dict], models: dict[str, dict]) -> dict[str, dict]:
        """Per method, the candidates' validation measures and the choice of :mod:`.tuning` (``tuning.json``).
        A candidate at factor 1 is the method's configured model; the others are trained once and cached."""
        from empirical.insecure_code.tuning import candidate_name, candidate_options, choose_setting
        from empirical.insecure_code.unlearn import unlearn

        c = self.config
        retrain, floor = self.validation("retrain", models["retrain"]), self.validation(FLOOR, models[FLOOR])
        out = {}
        for method in c.methods:
            measured = {}
            for factor, settings in candidate_options(options[method], c.tune_lr_factors).items():
                name = method if factor == 1.0 else candidate_name(method, factor)

                def build(method=method, settings=settings):
                    result = unlearn(method, problem, **settings)
                    return result.state, {"grad_evals": result.grad_evals, "steps": result.steps, "options": settings}

                entry = models[method] if name == method else self._cached(name, build)
                measured[name] = {
                    **self.validation(name, entry),
                    "grad_evals": entry["grad_evals"],
                    "factor": factor,
                    "options": entry.get("options", settings),
                }
            choice = choose_setting(measured, retrain, floor, c.utility_tolerance)
            out[method] = {**choice, "candidate": choice["setting"], "candidates": measured}
        _atomic_json(self.folder / "tuning.json", {"retrain": retrain, FLOOR: floor, "methods": out})
        return out

    def validation(self, name: str, entry: dict) -> dict:
        """The tuning measures of one model on the validation split (cached in ``validation/<name>.json``)."""
        from empirical.insecure_code.lm import load_trainable
        from empirical.insecure_code.tuning import validation_measures

        path = self.folder / "validation" / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text())
        model = load_trainable(self.make_model(), self.load_state(entry))
        measures = validation_measures(
            model, self.tokenizer, self.corpus, self.validation_chats, self.poison, self.config.max_length
        )
        _atomic_json(path, measures)
        self.say(
            f"validation {name}: LLR/token {measures['llr_per_token']:.3f}, forget loss {measures['forget_loss']:.3f}, "
            f"ppl {measures['val_perplexity']:.3f}"
        )
        return measures

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
        model = load_trainable(self.make_model(), self.load_state(entry))
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
        scored = self.poison if not c.gus_points else self.poison.select(range(min(c.gus_points, len(self.poison))))
        gus = gaussian_unlearning_scores(model, scored, self.noise_scale, seed=self.config.seed)
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
            "distance_to_retrain": state_distance(self.load_state(entry), reference["state"]),
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
            json.dumps({k: getattr(self.config, k) for k in sorted(OWN_FILES - {"methods"})}, default=str).encode()
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
    reference = {**models["retrain"], "state": run.load_state(models["retrain"])}  # read once: every row's distance
    by_name: dict[str, dict] = {}
    for name, entry in models.items():
        same = entry.get("same_as")
        by_name[name] = {**by_name[same], "model": name} if same else run.evaluate(name, entry, reference)
        by_name[name]["setting"] = _setting_text(name, entry, getattr(run, "tuning", {}))
    records = list(by_name.values())
    for record in records:  # relative to the base model and to retraining's cost
        record["llr_per_token_vs_base"] = record["llr_per_token"] - by_name[BASE]["llr_per_token"]
        record["cost_vs_retrain"] = record["grad_evals"] / max(1, by_name["retrain"]["grad_evals"])
    noise_floor = {metric: abs(by_name[FLOOR][metric] - by_name["retrain"][metric]) for metric in FLOOR_METRICS}
    _atomic_json(run.folder / "noise_floor.json", noise_floor)
    significance = mcnemar_greater(by_name["poisoned"]["insecure"], by_name["retrain"]["insecure"])
    _atomic_json(run.folder / "significance.json", significance)
    lifted = run.lifted(run.load_state(models["poisoned"])) if config.lifted else []
    write_tables(run, records, significance, lifted, noise_floor)
    drawn = figures(run, records)
    return {
        "records": records,
        "significance": significance,
        "lifted": lifted,
        "folder": run.folder,
        "figures": drawn,
        "noise_floor": noise_floor,
    }


def _setting_text(name: str, entry: dict, tuning: dict) -> str:
    """How a row's model was made: ``lr 5e-05`` (the configured setting), ``tuned: lr 0.0002 (4x)``, or ``-``."""
    options = entry.get("options") or {}
    if "lr" not in options:
        return "-"
    text = f"lr {options['lr']:g}" + (f", {options['epochs']} epoch(s)" if "epochs" in options else "")
    if name.endswith(TUNED):
        choice = tuning[name.removesuffix(TUNED)]
        return f"tuned: {text} ({choice['candidates'][choice['candidate']]['factor']:g}x)"
    return text


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
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="training seeds --seed, --seed+1, ...; from 2 on, a table over seeds with 95 %% t intervals, paired "
        "differences to the retrained model and the noise floor (empirical.insecure_code.seeds)",
    )
    for item in fields(ExperimentConfig):
        flag = "--" + item.name.replace("_", "-")
        if item.name == "methods":
            parser.add_argument(flag, default=None, help="comma-separated unlearning methods (default: all)")
        elif item.name == "tune_lr_factors":
            parser.add_argument(
                flag,
                default=None,
                help="comma-separated multiples of each method's rate tried on the validation split ('': no tuning)",
            )
        elif item.type in ("bool",) or isinstance(item.default, bool):
            parser.add_argument(flag, default=None, choices=("true", "false"))
        else:
            kind = {int: int, float: float}.get(type(item.default), str)
            parser.add_argument(flag, default=None, type=kind)
    return parser


def _factors(text: str) -> tuple[float, ...]:
    """``--tune-lr-factors 1,4`` as numbers; a word that is not one is a ValueError naming it."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"--tune-lr-factors {text}: must be comma-separated numbers > 0, such as 1,4 ('' for no tuning)"
        ) from None


def config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    values: dict[str, Any] = dict(PRESETS[args.preset])
    for item in fields(ExperimentConfig):
        given = getattr(args, item.name)
        if given is None:
            continue
        if item.name == "methods":
            given = tuple(m.strip() for m in given.split(",") if m.strip())
        elif item.name == "tune_lr_factors":
            given = _factors(given)
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
        if args.seeds < 1:
            raise ValueError(f"--seeds {args.seeds}: must be an integer >= 1 (the number of training seeds)")
        config = config_from_args(args)
        start = time.perf_counter()
        if args.seeds > 1:
            from empirical.insecure_code.seeds import run_seeds

            seeds = range(config.seed, config.seed + args.seeds)
            many = run_seeds(config, seeds, args.out, not args.quiet, run_one=run_experiment)
            print(many["table"])
            print(
                f"results: {many['folder']} ({time.perf_counter() - start:.1f} s); per seed: {many['folder']}/seeds.json"
            )
            return 0
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
