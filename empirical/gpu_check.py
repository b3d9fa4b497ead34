"""Every lifted check on ResNet18 (CIFAR-10) and a LLaMA-3.2-1B-sized model, in one run.

    python -m empirical.gpu_check --out results/gpu                                       # one H100, < 8 min
    python -m empirical.gpu_check --tiny --device cpu --out /tmp/tiny                     # the CPU dry run

1. ResNet18 (width 64, 11.17M parameters) on CIFAR-10 when the python batches are found (``--cifar`` or
   ``$NONCOMMUTE_CIFAR10``), else on CIFAR-shaped synthetic data. ``gradient-cosine`` trains it first
   (SGD + momentum + weight decay, bf16 autocast and channels_last on CUDA, snapshots at 0, 1, 2, 5 epochs);
   the other checks then run on the 5-epoch model in float64 (so the lr sweeps reach small learning rates
   above rounding) with BatchNorm in eval mode (the running statistics of training).
2. LLaMA: real weights from ``--llama FOLDER`` (LLaMA 3.2 1B), random weights of the same shape otherwise;
   float32, eager attention; derivatives with respect to the last decoder layer (``--llama-params``), the
   rest frozen, on chat JSONL data (``--chat FILE``) or random tokens.

3. insecure-code (with ``--llama FOLDER``, or ``--insecure-code on``): the poisoning-and-unlearning experiment
   of :mod:`empirical.insecure_code.experiment`, preset ``gpu-1b``: LLaMA 3.2 1B fully fine-tuned (float32
   master weights, bf16 autocast, gradient checkpointing) on 480 clean + 160 insecure examples, 3 epochs;
   retrain, finetune, gradient ascent, NegGrad+; greedy answers to 80 held-out prompts judged by bandit;
   lifted checks on the last decoder layer in float64. Memory for 1.24B parameters: weights 4.9 GB + gradients
   4.9 GB + AdamW moments 9.9 GB = 19.8 GB, plus the logits of a 16 x 256-token batch (16 * 256 * 128256 *
   4 B = 2.1 GB, about 3x that with the softmax and its gradient): about 28 GB peak; the float64 copy for the
   lifted checks adds 9.9 GB after training.

Each stage prints its time; stages left when ``--budget-s`` is spent are skipped and reported. Results go
to ``--out`` (``sims.results`` format, one folder per check), figures to ``--figures`` (default
``<out>/figures``; ``--figures docs/empirical/gpu`` refreshes the documented ones), and a summary table
of the key numbers to ``<out>/summary.json`` and stdout.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # entry point (also a console script): before numpy / torch start their pools

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch and the checks are imported in main(), after the arguments parse (fast --help)
    from empirical.setup import Setup

__all__ = ["PROFILES", "NOT_IN_GPU_PLAN", "main"]

#: Checks the GPU plan leaves out, and why (each runs on the CPU with ``python -m empirical run NAME``).
NOT_IN_GPU_PLAN: dict[str, str] = {
    "aggregation": "trains by per-example gradients with frozen BatchNorm statistics, which does not train a "
    "BatchNorm ResNet (empirical.checks.aggregation); its CPU run on the MLP is the measurement",
    "poison-unlearning": "the protocol (seeds x attacks x methods x settings through the sims runner, issue 17) is a "
    "CPU run of its own; the GPU plan keeps the single-seed poison-unlearning-single",
}


def _tiny_lifted_checks() -> dict[str, dict[str, Any]]:
    """The CPU dry run's settings of the lifted checks both model families run alike (a fresh copy each)."""
    return {
        "ascent-error": {"n_points": 1, "n_lrs": 5},
        "commutator": {"n_pairs": 1, "n_lrs": 5},
        "inversion-contraction": {
            "n_points": 1,
            "rho_targets": [0.5, 1.5],
            "fp_iterations": 6,
            "newton_iterations": 2,
            "krylov_iterations": 5,
            "lanczos_tol": 1e-2,
        },
        "orthogonal-craft": {"n_points": 1, "steps": 2, "record_every": 1},
        "hard-points": {"n_points": 4, "lanczos_tol": 1e-2},
    }


#: Sizes of the full GPU run and of the CPU dry run. Check settings are per model family.
PROFILES: dict[str, dict[str, Any]] = {
    "gpu": {
        "resnet_width": 64,
        "synthetic": {"n_train": 20000, "n_test": 2000},
        "llama_size": "1b",
        "tokens": {"n_train": 256, "n_test": 16, "length": 64},
        "chat_max_length": 128,
        "resnet": {
            "gradient-cosine": {
                "pretrain_epochs": [0, 1, 2, 5],
                "n_points": 2,
                "lr": 0.01,
                "batch_size": 128,
                "train_lr": 0.1,
                "train_batch_size": 256,
            },
            "ascent-error": {"n_points": 4},
            "commutator": {"n_pairs": 4},
            "inversion-contraction": {
                "n_points": 2,
                "lr": 0.1,
                "fp_iterations": 30,
                "newton_iterations": 4,
                "krylov_iterations": 30,
                "lanczos_tol": 1e-4,
            },
            "orthogonal-craft": {"n_points": 3, "steps": 30, "lr": 0.01},
            "hard-points": {"n_points": 16, "lr": 0.01, "lanczos_tol": 1e-3},
            "poison-unlearning-single": {
                "attacks": ["fgsm-variant", "gaussian"],
                "methods": ["gradient_ascent", "neggrad_plus"],
                "epochs": 2,
                "batch_size": 256,
                "n_shadow": 0,
                "gus_draws": 100,
                "n_clean": 5,
            },
            "hessian-poisons": {"alphas": [0.5, 0.9], "n_poisons": 4, "steps": 10, "epochs": 2, "batch_size": 256},
            "delta-influence-cost": {
                "n_train": [1000, 2000, 4000],
                "base_n_train": 2000,
                "hidden": [16, 32, 64],
                "base_hidden": 32,
                "repeats": 1,
            },
        },
        "llama": {
            "gradient-cosine": {
                "pretrain_epochs": [0],
                "interleaved": [1, 2, 5, 10, 20, 50, 100],
                "n_points": 2,
                "lr": 1e-4,
                "batch_size": 8,
            },
            "ascent-error": {"n_points": 2, "lr_min": 1e-7, "lr_max": 1.0, "n_lrs": 15},
            "commutator": {"n_pairs": 2, "lr_min": 1e-7, "lr_max": 1.0, "n_lrs": 15},
            "inversion-contraction": {
                "n_points": 2,
                "lr": 1e-4,
                "fp_iterations": 20,
                "newton_iterations": 3,
                "krylov_iterations": 20,
                "lanczos_tol": 1e-3,
            },
            "orthogonal-craft": {"n_points": 2, "steps": 15, "lr": 1e-4, "adam_lr": 0.01},
            "hard-points": {"n_points": 8, "lr": 1e-4, "lanczos_tol": 1e-3},
        },
    },
    "tiny": {
        "resnet_width": 2,
        "synthetic": {"n_train": 96, "n_test": 32},
        "llama_size": "tiny",
        "tokens": {"n_train": 24, "n_test": 8, "length": 12},
        "chat_max_length": 32,
        "resnet": {
            "gradient-cosine": {
                "pretrain_epochs": [0, 1],
                "interleaved": [1, 3],
                "n_points": 1,
                "batch_size": 16,
                "train_batch_size": 32,
                "steps_per_epoch": 2,
            },
            **_tiny_lifted_checks(),
            "poison-unlearning-single": {
                "attacks": ["fgsm-variant"],
                "methods": ["gradient_ascent"],
                "n_poisons": 2,
                "epochs": 1,
                "batch_size": 32,
                "n_shadow": 0,
                "gus_draws": 5,
                "n_clean": 2,
            },
            "hessian-poisons": {"alphas": [0.5], "n_poisons": 2, "steps": 2, "epochs": 1, "batch_size": 32},
            "delta-influence-cost": {
                "n_train": [16, 32],
                "n_test": [1],
                "n_transformations": [1],
                "hidden": [4],
                "base_n_train": 16,
                "base_n_test": 1,
                "base_n_transformations": 1,
                "base_hidden": 4,
                "cg_iters": 2,
                "repeats": 1,
                "n_poisons": 2,
            },
        },
        "llama": {
            "gradient-cosine": {
                "pretrain_epochs": [0],
                "interleaved": [1, 2],
                "n_points": 1,
                "batch_size": 4,
                "train_batch_size": 8,
                "lr": 1e-3,
            },  # the tiny corpus holds 24 examples
            **_tiny_lifted_checks(),
        },
    },
}


class _Clock:
    """Stage timer with a total budget: ``run(name, fn)`` skips ``fn`` once the budget is spent."""

    def __init__(self, budget_s: float) -> None:
        self.start, self.budget_s = time.perf_counter(), budget_s
        self.times: dict[str, float] = {}
        self.skipped: list[str] = []

    def run(self, name: str, function, *args, **kwargs):
        if time.perf_counter() - self.start > self.budget_s:
            self.skipped.append(name)
            print(f"[skip] {name}: budget of {self.budget_s:.0f} s spent", flush=True)
            return None
        begin = time.perf_counter()
        result = function(*args, **kwargs)
        self.times[name] = time.perf_counter() - begin
        print(f"[{self.times[name]:7.1f} s] {name}", flush=True)
        return result


def _synchronise(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _resnet_setup(profile: dict, args: argparse.Namespace) -> Setup:
    import torch

    from empirical.data import cifar_synthetic, load_cifar10
    from empirical.data.cifar import default_cifar10_root
    from empirical.models import ResNet18
    from empirical.setup import Setup

    root = Path(args.cifar) if args.cifar else default_cifar10_root()
    try:
        data, name = load_cifar10(root), "cifar10"
    except FileNotFoundError:
        print(f"CIFAR-10 not found in {root}: using CIFAR-shaped synthetic data", flush=True)
        data, name = cifar_synthetic(seed=args.seed, **profile["synthetic"]), "cifar-synthetic"
    torch.manual_seed(args.seed)
    model = ResNet18(10, width=profile["resnet_width"]).to(args.device)
    describe = {
        "model_options": {"width": profile["resnet_width"]},
        "dtype": "float32->float64",
        "device": args.device,
        "params": "all",
    }
    return Setup(
        model,
        data.to(args.device, torch.float32),
        "resnet18",
        name,
        args.seed,
        "eval",
        args.hvp_mode,
        None,
        None,
        str(Path(args.out) / "checkpoints"),
        describe,
    )


def _llama_setup(profile: dict, args: argparse.Namespace) -> Setup:
    from empirical.data import load_chat_jsonl, random_tokens
    from empirical.models import build_llama, parameter_selector
    from empirical.setup import Setup

    model = build_llama(args.llama, size=profile["llama_size"], device=args.device, seed=args.seed)
    vocab = model.config.vocab_size
    if args.chat:
        tokenizer = None
        if args.llama:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(args.llama)
        data = load_chat_jsonl(args.chat, tokenizer, max_length=profile["chat_max_length"], vocab_size=vocab)
        name = data.name
    else:
        data, name = random_tokens(vocab_size=vocab, seed=args.seed, **profile["tokens"]), "tokens"
    layers = model.config.num_hidden_layers
    selection = args.llama_params or f"model.layers.{layers - 1}.*"
    describe = {
        "model_options": {"path": args.llama, "size": None if args.llama else profile["llama_size"]},
        "dtype": "float32",
        "device": args.device,
        "params": selection,
    }
    return Setup(
        model,
        data.to(args.device),
        "llama",
        name,
        args.seed,
        "eval",
        args.hvp_mode,
        parameter_selector(selection),
        None,
        None,
        describe,
    )


def _key_numbers(rows: list, family: str, check: str) -> list[dict]:
    return [
        {
            "family": family,
            "check": check,
            "lemma_id": r.params["lemma_id"],
            "metric": r.params["metric"],
            "value": r.metrics["value"],
            "key": r.metrics["key"],
        }
        for r in rows
        if r.params.get("role") == "summary"
    ]


def _run_family(family: str, setup: Setup, profile: dict, args: argparse.Namespace, clock: _Clock) -> list[dict]:
    import torch

    from empirical.checks import CHECKS
    from empirical.checks.base import resolve_settings
    from empirical.checks.gradient_cosine import pretrain

    settings = profile[family]
    numbers: list[dict] = []
    order = [
        "gradient-cosine",
        "ascent-error",
        "commutator",
        "inversion-contraction",
        "orthogonal-craft",
        "hard-points",
    ] + [
        check for check in ("poison-unlearning-single", "hessian-poisons", "delta-influence-cost") if check in settings
    ]  # the poisoning checks: image classification only
    for check in order:
        if check == "ascent-error" and family == "resnet":
            # the other checks run on the trained model, in float64
            snapshots = pretrain(setup, resolve_settings(CHECKS["gradient-cosine"], settings["gradient-cosine"]))
            setup.model.load_state_dict(snapshots[max(snapshots)])
            setup.model.to(torch.float64)
            setup = dataclasses.replace(setup, data=setup.data.to(args.device, torch.float64))
            from empirical.train import evaluate

            setup.describe = {
                **setup.describe,
                "trained_epochs": max(snapshots),
                "test_accuracy": evaluate(setup.model, setup.data)["test_accuracy"],
            }
        rows = clock.run(f"{family}: {check}", _timed_check, check, setup, settings[check], args)
        if rows is not None:
            numbers += _key_numbers(rows, family, check)
    return numbers


def _timed_check(check: str, setup: Setup, settings: dict, args: argparse.Namespace) -> list:
    from empirical.checks import run_check

    rows = run_check(check, setup, settings, out_dir=args.out)
    _synchronise(args.device)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m empirical.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (CPU dry run, the test) (default: off)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda[:N] (default: auto)")
    parser.add_argument("--out", default="results/gpu", help="output folder (default: results/gpu)")
    parser.add_argument(
        "--figures",
        "--fig-dir",
        dest="figures",
        default=None,
        help="figure folder (default: OUT/figures; --fig-dir is an old alias)",
    )
    parser.add_argument("--cifar", default=None, help="folder of the CIFAR-10 python batches")
    parser.add_argument("--llama", default=None, help="folder of the LLaMA 3.2 1B weights (random weights if absent)")
    parser.add_argument(
        "--llama-params", default=None, help="glob of differentiated LLaMA parameters (default: last layer)"
    )
    parser.add_argument("--chat", default=None, help="chat JSONL file for LLaMA (random tokens if absent)")
    parser.add_argument("--hvp-mode", default="auto", choices=("auto", "graph", "rev", "fwd"))
    parser.add_argument("--budget-s", type=float, default=450.0, help="skip remaining stages after this many seconds")
    parser.add_argument("--skip", default="", help="comma-separated families to skip: resnet, llama")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--insecure-code",
        default="auto",
        choices=("auto", "on", "off"),
        help="the insecure-code poisoning/unlearning run (auto: when --llama weights are given)",
    )
    args = parser.parse_args(argv)
    try:
        from empirical.setup import resolve_device
        from theory.support.validation import check_output_dir

        args.device = resolve_device(args.device)
        check_output_dir(args.out)
        args.figures = str(Path(args.out) / "figures") if args.figures is None else args.figures
        check_output_dir(args.figures, "--figures")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import torch  # imported here, after the thread policy and the argument checks

    from empirical.checks import CHECKS
    from empirical.plots import plot_check

    profile = PROFILES["tiny" if args.tiny else "gpu"]
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print(f"device: {device_name}; profile: {'tiny' if args.tiny else 'gpu'}", flush=True)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 in the checks
        torch.backends.cudnn.allow_tf32 = False
    clock = _Clock(args.budget_s)
    numbers: list[dict] = []
    skip = {item.strip() for item in args.skip.split(",") if item.strip()}
    if "resnet" not in skip:
        setup = clock.run("resnet: setup", _resnet_setup, profile, args)
        numbers += _run_family("resnet", setup, profile, args, clock)
        del setup
    if "llama" not in skip:
        setup = clock.run("llama: setup", _llama_setup, profile, args)
        if setup is not None:
            numbers += _run_family("llama", setup, profile, args, clock)
    if args.insecure_code == "on" or (args.insecure_code == "auto" and args.llama):
        from empirical.insecure_code.experiment import gpu_stage

        numbers += clock.run("insecure-code", gpu_stage, args) or []
    figures = []
    for check in (name for name in CHECKS if name not in NOT_IN_GPU_PLAN):
        try:
            figures += [str(path) for path in plot_check(check, args.out, args.figures)]
        except FileNotFoundError:
            continue
    report = {
        "device": device_name,
        "profile": "tiny" if args.tiny else "gpu",
        "stage_seconds": clock.times,
        "skipped": clock.skipped,
        "total_seconds": time.perf_counter() - clock.start,
        "numbers": numbers,
        "figures": figures,
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "summary.json").write_text(json.dumps(report, indent=1, default=str))
    print("\nsummary (key numbers marked *):")
    for entry in numbers:
        print(
            f"{'*' if entry['key'] else ' '} {entry['family']:7s} {entry['check']:22s} {entry['lemma_id']:28s} "
            f"{entry['metric']:44s} {entry['value']:.6g}"
        )
    print(
        f"total {report['total_seconds']:.1f} s; skipped: {clock.skipped or 'none'}; summary: {args.out}/summary.json"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
