"""Command line: ``python -m empirical list | run CHECK --model M --data D [--set k=v ...] | plot CHECK | show``.

``--set`` keys: ``model.K=V`` (model options, e.g. ``model.width=8``), ``data.K=V`` (loader options, e.g.
``data.root=FOLDER``), ``train.K=V`` (pretraining, e.g. ``train.epochs=2``), and the check's own settings
(``python -m empirical list`` shows them with their defaults). Values are JSON when they parse, else strings;
lists are comma-separated (``pretrain_epochs=0,1,2,5``).
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # entry point (also a console script): before numpy / torch start their pools

import argparse
import json
import sys
from typing import Any, Sequence

__all__ = ["main", "parse_sets"]


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
    from empirical.data import DATASETS
    from empirical.models import MODELS

    for check in CHECKS.values():
        print(f"{check.name:24s} lemmas: {', '.join(check.lemma_ids)}\n{'':24s} {check.description}")
        print(f"{'':24s} settings: " + ", ".join(f"{k}={v}" for k, v in check.defaults.items()))
    print(f"models: {', '.join(MODELS)}\ndata:   {', '.join(DATASETS)}")


def _run(args: argparse.Namespace) -> None:
    import torch

    from empirical.checks import run_check
    from empirical.plots import plot_check
    from empirical.setup import prepare

    if args.threads:
        torch.set_num_threads(args.threads)
    model_options, data_options, train_options, settings = parse_sets(args.set or [])
    setup = prepare(args.model, args.data, model_options=model_options, data_options=data_options,
                    train_options=train_options, device=args.device, dtype=args.dtype, seed=args.seed,
                    bn_mode=args.bn_mode, hvp_mode=args.hvp_mode, params=args.params,
                    checkpoint_dir=f"{args.out}/checkpoints")
    rows = run_check(args.check, setup, settings, out_dir=args.out)
    for row in rows:
        if row.params.get("role") == "summary":
            mark = "*" if row.metrics["key"] else " "
            print(f"{mark} {row.params['lemma_id']:28s} {row.params['metric']:48s} {row.metrics['value']:.6g}")
    print(f"results: {args.out}/{args.check}/results.csv")
    if args.plot:
        for path in plot_check(args.check, args.out, args.fig_dir):
            print(f"figure: {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m empirical", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the lifted checks, their lemma ids and settings; models; data")
    run = commands.add_parser("run", help="run one lifted check and store its results")
    run.add_argument("check")
    run.add_argument("--model", default="small-cnn")
    run.add_argument("--data", default="digits")
    run.add_argument("--set", action="append", metavar="KEY=VALUE")
    run.add_argument("--out", default="results")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--device", default="cpu")
    run.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    run.add_argument("--bn-mode", default="eval", choices=("eval", "train"),
                     help="which Hessian: BatchNorm running statistics (eval) or batch statistics (train)")
    run.add_argument("--hvp-mode", default="auto", choices=("auto", "graph", "rev", "fwd"),
                     help="HVP mode (empirical.hvp); auto: reverse-over-reverse on the retained graph")
    run.add_argument("--params", default=None, help="glob patterns of the differentiated parameters (default all)")
    run.add_argument("--threads", type=int, default=0)
    run.add_argument("--plot", action="store_true", help="also draw the figures")
    run.add_argument("--fig-dir", default="docs/empirical")
    plot = commands.add_parser("plot", help="draw a check's figures from its results")
    plot.add_argument("check")
    plot.add_argument("--out", default="results")
    plot.add_argument("--fig-dir", default="docs/empirical")
    show = commands.add_parser("show", help="latest key measurement of each lemma")
    show.add_argument("--out", default="results")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            _list()
        elif args.command == "run":
            _run(args)
        elif args.command == "plot":
            from empirical.plots import plot_check

            for path in plot_check(args.check, args.out, args.fig_dir):
                print(path)
        else:
            from empirical.records import latest_measurements

            for lemma, entry in sorted(latest_measurements(args.out).items()):
                print(f"{lemma:28s} {entry['check']:22s} {entry['model']}/{entry['data']}  "
                      f"{entry['metric']} = {entry['value']:.6g}  ({entry['created_utc']})")
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
