"""Benchmark: ``--help`` latency of every command line against ``python -c pass``, in one run.

Each command runs as a fresh subprocess of this interpreter (so imports are paid every time); the wall time
is the best of ``--repeats`` runs (the machine is shared: the minimum is the least disturbed). The target
(issue 12) is every ``--help`` under 1.5 s; the ratio to ``python -c pass`` shows what the package's own
imports add on top of the interpreter's start.

    python benchmarks/bench_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = [
    ["-c", "pass"],
    ["-m", "theory", "--help"],
    ["-m", "theory", "verify", "--help"],
    ["-m", "sims", "--help"],
    ["-m", "sims", "run", "ascent-error", "--help"],
    ["-m", "sims", "plot", "inversion", "--help"],
    ["-m", "empirical", "--help"],
    ["-m", "empirical", "run", "--help"],
    ["-m", "empirical", "run", "insecure-code", "--help"],
    ["-m", "empirical.gpu_check", "--help"],
]


def wall_time(arguments: list[str], repeats: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, of the child) of ``repeats`` runs of
    ``python ARGUMENTS`` from the repository root. The CPU time is what the command costs whatever the load."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *arguments],
            cwd=ROOT,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--limit-s", type=float, default=1.5, help="target wall time of a --help")
    args = parser.parse_args()
    baseline, baseline_cpu = wall_time(COMMANDS[0], args.repeats)
    print(
        f"python -c pass: {baseline:.3f} s wall, {baseline_cpu:.3f} s CPU (best of {args.repeats}; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    worst = 0.0
    for command in COMMANDS[1:]:
        seconds, cpu = wall_time(command, args.repeats)
        worst = max(worst, seconds)
        mark = "ok" if seconds < args.limit_s else "SLOW"
        print(
            f"{' '.join(command[1:]):40s} {seconds:6.3f} s wall ({seconds / baseline:5.1f}x python -c pass)  "
            f"{cpu:6.3f} s CPU ({cpu / max(baseline_cpu, 1e-3):5.1f}x)  {mark}"
        )
    print(f"slowest --help: {worst:.3f} s wall (target < {args.limit_s} s)")


if __name__ == "__main__":
    main()
