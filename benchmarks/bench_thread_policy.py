"""Benchmark: ``python -m empirical.gpu_check --tiny`` under the default thread policy vs spinning barriers.

Both runs are fresh subprocesses started from this script one after the other, with the same thread count
(the policy's default: the cores this process may use) and the user's thread variables removed:

* default: nothing set, so :func:`theory.threads.apply_thread_policy` sets ``OMP_WAIT_POLICY=PASSIVE``;
* spinning: ``OMP_WAIT_POLICY=ACTIVE`` (what torch does when nothing sets the policy).

The ratio spinning / default is what a user of a shared machine gains. It depends on how loaded the machine
is (spinning threads compete with every other process): the load average is printed beside it.

    python benchmarks/bench_thread_policy.py [--skip llama] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLEARED = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NONCOMMUTE_THREADS")


def run_gpu_check(extra_environment: dict[str, str], skip: str, timeout_s: float) -> float:
    """Wall time of one ``gpu_check --tiny --device cpu`` run in a fresh process (into a temporary folder)."""
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(PYTHONPATH=str(ROOT), **extra_environment)
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "empirical.gpu_check",
            "--tiny",
            "--device",
            "cpu",
            "--out",
            f"{folder}/out",
            "--fig-dir",
            f"{folder}/figures",
            "--cifar",
            f"{folder}/none",
            "--budget-s",
            "1e9",
        ]
        if skip:
            command += ["--skip", skip]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL, timeout=timeout_s)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip", default="", help="families to skip, passed to gpu_check (resnet, llama)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each policy (best is kept)")
    parser.add_argument("--timeout-s", type=float, default=1800.0, help="limit of one run")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(
        f"gpu_check --tiny{' --skip ' + args.skip if args.skip else ''}; {cores} usable cores; "
        f"load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    times: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, extra in (("default (PASSIVE)", {}), ("spinning (ACTIVE)", {"OMP_WAIT_POLICY": "ACTIVE"})):
            seconds = run_gpu_check(extra, args.skip, args.timeout_s)
            times[name] = min(times.get(name, float("inf")), seconds)
            print(f"{name:18s} {seconds:8.1f} s  (load average now {os.getloadavg()[0]:.2f})", flush=True)
    ratio = times["spinning (ACTIVE)"] / times["default (PASSIVE)"]
    print(f"spinning / default = {ratio:.2f}x")


if __name__ == "__main__":
    main()
