"""Command line: python -m empirical list | run CHECK --model M --data D [--set k=v ...] | plot CHECK | show
(console script: noncommute-empirical).

python -m empirical run insecure-code [--preset tiny|cpu|gpu-1b] [--model-path FOLDER] ... runs the
LLaMA poisoning-and-unlearning experiment (empirical.insecure_code.experiment; its --help lists its options).

--set keys: model.K=V (model options, e.g. model.width=8), data.K=V (loader options, e.g. data.root=FOLDER),
train.K=V (pretraining, e.g. train.epochs=2), and the check's own settings; `run --help` lists every key
with its default and meaning, and an unknown key is an error listing the valid ones. Values are JSON when
they parse, else strings; lists are comma-separated (pretrain_epochs=0,1,2,5). Results go to OUT/CHECK/
(default results/), figures to OUT/CHECK/figures unless --figures says otherwise. Bad input and write errors
(a full disk, a read-only folder) exit with status 2 and one line on stderr; a second run on a results folder
while one runs is refused; Ctrl-C prints one line ("interrupted; ...") and exits with status 130.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # entry point (also a console script): before numpy / torch start their pools

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "parse_sets", "build_parser"]


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_sets(items: Sequence[str]) -> tuple[dict, dict, dict, dict]:
    """Split ``k=v`` items into (model options, data options, train options, check settings)."""
    groups: dict[str, dict] = {"model": {}, "data": {}, "train": {}, "check": {}}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        prefix, _, rest = key.partition(".")
        if rest and prefix in ("model", "data", "train"):
            groups[prefix][rest] = _value(value)
        else:
            groups["check"][key] = value
    return groups["model"], groups["data"], groups["train"], groups["check"]


def _list() -> None:
    from empirical.checks import CHECKS
    from empirical.options import data_names, model_names

    for check in CHECKS.values():
        print(f"{check.name:24s} lemmas: {', '.join(check.lemma_ids)}\n{'':24s} {check.description}")
        print(f"{'':24s} settings: " + ", ".join(f"{k}={v}" for k, v in check.defaults.items()))
    print(f"{'insecure-code':24s} LLaMA poisoned with insecure code, then unlearned (run insecure-code --help)")
    print(f"models: {', '.join(model_names())}\ndata:   {', '.join(data_names())}")


def _kept(out: str, check: str) -> int:
    """Resumable pieces of ``check`` on disk under ``out``: finished cells and cached attacks."""
    root = Path(out)
    return len(list((root / check / "cells").glob("*.json"))) + len(
        list((root / "checkpoints" / check).glob("*/*.json"))
    )


def _run(args: argparse.Namespace) -> None:
    from theory.support.run_folder import Interrupted, hold_folder
    from theory.support.validation import check_output_dir

    check_output_dir(args.out)
    if args.figures is not None:
        check_output_dir(args.figures, "--figures")
    model_options, data_options, train_options, settings = parse_sets(args.set or [])
    from empirical.checks import get_check, resolve_settings

    resolve_settings(get_check(args.check), settings)  # unknown or bad settings fail before any loading
    with hold_folder(Path(args.out) / args.check):  # one run per results folder (and its attack caches)
        try:
            _run_held(args, model_options, data_options, train_options, settings)
        except KeyboardInterrupt:
            raise Interrupted(_kept(args.out, args.check)) from None


def _run_held(
    args: argparse.Namespace, model_options: dict, data_options: dict, train_options: dict, settings: dict
) -> None:
    import torch

    from empirical.checks import run_check
    from empirical.plots import plot_check
    from empirical.setup import prepare

    if args.threads:
        torch.set_num_threads(args.threads)
    setup = prepare(
        args.model,
        args.data,
        model_options=model_options,
        data_options=data_options,
        train_options=train_options,
        device=args.device,
        dtype=args.dtype,
        seed=args.seed,
        bn_mode=args.bn_mode,
        hvp_mode=args.hvp_mode,
        params=args.params,
        checkpoint_dir=f"{args.out}/checkpoints",
    )
    rows = run_check(args.check, setup, settings, out_dir=args.out)
    for row in rows:
        if row.params.get("role") == "summary":
            mark = "*" if row.metrics["key"] else " "
            print(f"{mark} {row.params['lemma_id']:28s} {row.params['metric']:48s} {row.metrics['value']:.6g}")
    print(f"results: {args.out}/{args.check}/results.csv")
    if args.plot:
        for path in plot_check(args.check, args.out, args.figures):
            print(f"figure: {path}")


def _count(text: str) -> int:
    """argparse type of --threads and --seed: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with the one-line error format of the package (error: ..., status 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser(full_help: bool = False) -> argparse.ArgumentParser:
    """The parser; ``full_help`` adds every --set key to ``run --help`` (read from the source: no torch)."""
    parser = _Parser(
        prog="python -m empirical", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="the lifted checks, their lemma ids and settings; models; data")
    epilog = None
    if full_help:
        from empirical.options import help_text

        epilog = help_text()
    run = commands.add_parser(
        "run",
        help="run one lifted check and store its results",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one lifted check on a model and data set; store its rows under "
        "OUT/CHECK (one set of parameters per model/data pair).",
    )
    run.add_argument("check", help="the check (python -m empirical list shows them)")
    run.add_argument(
        "--model", default="small-cnn", help="resnet18, small-cnn, mlp, linear or llama (default: small-cnn)"
    )
    run.add_argument(
        "--data",
        default="digits",
        help="digits, cifar10, cifar-synthetic, regression, chat or tokens (default: digits)",
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="model.K, data.K, train.K or a check setting (repeatable; keys and their defaults listed below; default: none)",
    )
    run.add_argument("--out", default="results", help="output folder; results go to OUT/CHECK (default: results)")
    run.add_argument("--seed", type=_count, default=0, help="seed of the model initialisation and batches (default: 0)")
    run.add_argument(
        "--device", default="auto", help="auto (CUDA when present, else cpu), cpu or cuda[:N] (default: auto)"
    )
    run.add_argument(
        "--dtype",
        default="float64",
        choices=("float64", "float32"),
        help="dtype of the checks on every device (default: float64; pretraining on CUDA runs in "
        "float32 with bf16 autocast)",
    )
    run.add_argument(
        "--bn-mode",
        default="eval",
        choices=("eval", "train"),
        help="which Hessian: BatchNorm running statistics (eval) or batch statistics (train) (default: eval)",
    )
    run.add_argument(
        "--hvp-mode",
        default="auto",
        choices=("auto", "graph", "rev", "fwd"),
        help="Hessian-vector products (empirical.hvp): graph = reverse-over-reverse on a gradient graph built "
        "once per point, rev = rebuilt per product, fwd = forward-over-reverse (no graph kept); "
        "auto = graph, falling back to fwd (default: auto)",
    )
    run.add_argument(
        "--params", default=None, help="comma-separated glob patterns of the differentiated parameters (default: all)"
    )
    run.add_argument("--threads", type=_count, default=0, help="torch CPU threads, 0 = torch's default (default: 0)")
    run.add_argument("--plot", action="store_true", help="also draw the figures (default: off)")
    run.add_argument(
        "--figures",
        "--fig-dir",
        dest="figures",
        default=None,
        help="figure folder (default: OUT/CHECK/figures; --fig-dir is an old alias)",
    )
    plot = commands.add_parser("plot", help="draw a check's figures from its results")
    plot.add_argument("check", help="the check whose results to draw")
    plot.add_argument("--out", default="results", help="folder holding OUT/CHECK (default: results)")
    plot.add_argument(
        "--figures",
        "--fig-dir",
        dest="figures",
        default=None,
        help="figure folder (default: OUT/CHECK/figures; --fig-dir is an old alias)",
    )
    show = commands.add_parser("show", help="latest key measurement of each lemma")
    show.add_argument("--out", default="results", help="folder holding the results (default: results)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (also ``run insecure-code``); Ctrl-C: one line, status 130; a write error: one line
    naming the path, status 2 (:func:`~theory.support.run_folder.guarded_main`)."""
    from theory.support.run_folder import guarded_main

    return guarded_main(lambda: _main(argv))


def _main(argv: Sequence[str] | None = None) -> int:
    from theory.support.run_folder import describe_os_error

    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:2] == ["run", "insecure-code"]:  # the end-to-end LLaMA experiment has its own options
        from empirical.insecure_code.experiment import main as insecure_code_main

        return insecure_code_main(arguments[2:])
    parser = build_parser(full_help=bool({"-h", "--help"} & set(arguments)) and "run" in arguments)
    args = parser.parse_args(arguments)
    try:
        if args.command == "list":
            _list()
        elif args.command == "run":
            _run(args)
        elif args.command == "plot":
            from empirical.plots import plot_check

            for path in plot_check(args.check, args.out, args.figures):
                print(path)
        else:
            from empirical.records import latest_measurements

            for lemma, entry in sorted(latest_measurements(args.out).items()):
                print(
                    f"{lemma:28s} {entry['check']:22s} {entry['model']}/{entry['data']}  "
                    f"{entry['metric']} = {entry['value']:.6g}  ({entry['created_utc']})"
                )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # FileNotFoundError, NotADirectoryError, PermissionError, a full disk, ...
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 2
    except MemoryError as error:
        print(
            f"error: out of memory ({error}); use smaller sizes (--set) or a machine with more memory", file=sys.stderr
        )
        return 2
    return 0
