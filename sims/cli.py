"""Command line: python -m sims list | run NAME [--set k=v ...] | plot NAME  (console script: noncommute-sims).

Every sweep has its own run and plot sub-command, whose --help lists every parameter of the sweep with
its default, paper-scale value and meaning (generated from the sweep's parameter spec). Results go to
OUT/NAME/ (default results/NAME/), which holds one set of parameters: a rerun with other parameters is
refused (use another --out), a rerun with the same parameters resumes; a second run on a folder while one
runs is refused. Bad input and write errors (a full disk, a read-only folder) exit with status 2 and one
line on stderr; Ctrl-C prints "interrupted; N cells kept, rerun to resume" and exits with status 130.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # entry point (also a console script): before numpy / torch start their pools

import argparse
import sys
from pathlib import Path

from sims.registry import SWEEPS, get_sweep
from sims.runner import BACKENDS, run_sweep
from theory.support.run_folder import describe_os_error, guarded_main

__all__ = ["main", "build_parser"]


def _parse_sets(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set expects name=value, got {item!r}")
        name, value = item.split("=", 1)
        overrides[name.strip()] = value
    return overrides


class _Parser(argparse.ArgumentParser):
    """argparse with the one-line error format of the package (error: ..., status 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sims", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="list the sweeps, their lemma ids and parameters")
    run = commands.add_parser("run", help="run a sweep (skips finished cells)")
    plot = commands.add_parser("plot", help="draw a sweep's figure from its stored results")
    run_names = run.add_subparsers(dest="name", required=True, metavar="NAME", parser_class=_Parser)
    plot_names = plot.add_subparsers(dest="name", required=True, metavar="NAME", parser_class=_Parser)
    for name, sweep in SWEEPS.items():
        sub = run_names.add_parser(
            name, help=sweep.title, description=sweep.help_text(), formatter_class=argparse.RawDescriptionHelpFormatter
        )
        sub.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a parameter (lists comma-separated); the parameters and their defaults are listed above (repeatable; default: none)",
        )
        sub.add_argument("--paper", action="store_true", help="start from the paper-scale values (default: off)")
        sub.add_argument("--out", default="results", help="output folder; results go to OUT/NAME (default: results)")
        sub.add_argument("--jobs", type=int, default=2, help="parallel workers (default: 2)")
        sub.add_argument(
            "--backend",
            choices=BACKENDS,
            default="loky",
            help="joblib backend: loky (local processes) or dask (a dask.distributed cluster) (default: loky)",
        )
        sub.add_argument(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="dask scheduler address such as tcp://host:8786, reported unreachable after 10 s; "
            "without it --backend dask starts a local cluster (default: none)",
        )
        sub.add_argument(
            "--no-progress",
            action="store_true",
            help="hide the progress bar (default: shown; plain lines when stderr is not a terminal)",
        )
        sub.add_argument("--plot", action="store_true", help="draw the figure after the run (default: off)")
        sub.add_argument("--figures", default=None, help="figure folder (default: OUT/NAME/figures)")
        psub = plot_names.add_parser(name, help=sweep.title, description=sweep.title)
        psub.add_argument("--out", default="results", help="folder holding OUT/NAME/results.csv (default: results)")
        psub.add_argument("--figures", default=None, help="figure folder (default: OUT/NAME/figures)")
    return parser


def _plot(name: str, out: str, figures: str | None) -> list[Path]:
    from sims.plotting import load_frame

    sweep = get_sweep(name)
    paths = sweep.plot(load_frame(out, name), Path(figures) if figures else Path(out) / name / "figures")
    for path in paths:
        print(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Run the command line; Ctrl-C: one line, status 130 (:func:`~theory.support.run_folder.guarded_main`)."""
    return guarded_main(lambda: _main(argv))


def _main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for name, sweep in SWEEPS.items():
                print(f"{name}: {sweep.title}\n  lemmas: {', '.join(sweep.lemmas)}")
                for param in sweep.all_params:
                    print(f"    {param.help_line()}")
            return 0
        if args.command == "run":
            sweep = get_sweep(args.name)
            values = sweep.resolve(_parse_sets(args.set), paper=args.paper)
            table = run_sweep(
                sweep,
                values,
                args.out,
                jobs=args.jobs,
                backend=args.backend,
                scheduler=args.scheduler,
                progress=not args.no_progress,
            )
            print(table)
            if args.plot:
                _plot(args.name, args.out, args.figures)
            return 0
        _plot(args.name, args.out, args.figures)
        return 0
    except ValueError as error:
        parser.exit(2, f"error: {error}\n")
    except OSError as error:  # FileNotFoundError, NotADirectoryError, PermissionError, a full disk, ...
        parser.exit(2, f"error: {describe_os_error(error)}\n")
    except MemoryError as error:
        parser.exit(2, f"error: out of memory ({error}); use smaller sizes (--set) or a machine with more memory\n")


if __name__ == "__main__":
    sys.exit(main())
