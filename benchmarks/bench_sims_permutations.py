"""Benchmark: the linear-regression permutation sweep, both engines vs a per-trajectory Python loop.

All three run the same ``T`` random orders of per-sample SGD over the same data in this process: the
compiled engine (``engine="fused"``, the default where it applies), the numpy engine (``engine="numpy"``,
the reference) and the plain loop. The script prints the speed ratios, checks that all give the same final
models, and reports each engine's achieved floating-point throughput against numpy matmul and its
achieved memory bandwidth against a STREAM-like copy (``np.copyto`` of 2 x 64 MiB arrays), both measured
in this process.

FLOP model of one step (T trajectories, batch B, dimension p): margins ``2 T B p``, residual scaling
``T B``, gradient contraction ``2 T B p``, update ``2 T p``; total ``~ (4 B + 2) T p``.
Byte model of one step (the traffic the step's definition implies, float64): read the example rows
``8 T B p``, read and write the parameters ``16 T p``, read index, weight and target ``24 T B``. The
compiled kernel keeps a trajectory's parameters in L1 cache across its steps, so its *effective* bandwidth
(these bytes over its time) may exceed the copy bandwidth of main memory: then it is bound by its
arithmetic and latency, not by memory.

    python benchmarks/bench_sims_permutations.py [--traj 1024] [--n 200] [--p 20] [--epochs 5]
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()

import argparse
import os
import time

import numpy as np

from sims.data import synthetic_regression
from sims.engines import make_model, make_schedule, run_sgd


def loop_reference(X, y, theta0, indices, lr):
    """Plain per-trajectory, per-step Python loop with numpy vectors (the baseline)."""
    finals = np.empty_like(theta0)
    for t in range(theta0.shape[0]):
        theta = theta0[t].copy()
        for i in indices[t, :, 0]:
            x = X[i]
            theta = theta - lr * (x @ theta - y[i]) * x
        finals[t] = theta
    return finals


CLOCK = [time.perf_counter]


def best_of(repeats: int, function):
    """Shortest time of ``repeats`` calls (the machine is shared) and the last result; wall time, or the process's
    CPU time with ``--cpu-time`` (every timed code runs one thread here)."""
    times, result = [], None
    for _ in range(repeats):
        start = CLOCK[0]()
        result = function()
        times.append(CLOCK[0]() - start)
    return min(times), result


def matmul_flops(size: int = 1024, repeats: int = 5) -> float:
    """numpy matmul FLOP/s on this machine: best of ``repeats`` products of two size x size matrices."""
    a, b = np.random.default_rng(0).standard_normal((2, size, size))
    a @ b
    seconds, _ = best_of(repeats, lambda: a @ b)
    return 2 * size**3 / seconds


def copy_bandwidth(mebibytes: int = 64, repeats: int = 5) -> float:
    """STREAM-like copy bandwidth in bytes/s: best of ``repeats`` ``np.copyto`` of a ``mebibytes`` array
    (counted as read + write, as STREAM does)."""
    source = np.random.default_rng(0).standard_normal(mebibytes * 2**20 // 8)
    target = np.empty_like(source)
    np.copyto(target, source)
    seconds, _ = best_of(repeats, lambda: np.copyto(target, source))
    return 2 * source.nbytes / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traj", type=int, default=1024)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--p", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5, help="best-of repeats for the engines' timings")
    parser.add_argument("--loop-repeats", type=int, default=2, help="best-of repeats for the (slow) loop")
    parser.add_argument("--cpu-time", action="store_true", help="time with CPU time (robust to a loaded machine)")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    rng = np.random.default_rng(0)
    data = synthetic_regression(args.n, args.p, rng, condition=10.0, noise=0.5)
    schedule = make_schedule(args.n, args.traj, args.epochs, 1, rng)
    model = make_model("linear", args.p)
    theta0 = np.zeros((args.traj, args.p))
    for engine in ("numpy", "fused"):  # warm-up (the fused kernel compiles on its first call)
        run_sgd(model, data.X, data.y, theta0, schedule.steps(0, 10), args.lr, engine=engine)
    times, finals = {}, {}
    for engine in ("fused", "numpy"):
        times[engine], finals[engine] = best_of(
            args.repeats, lambda: run_sgd(model, data.X, data.y, theta0, schedule, args.lr, engine=engine).theta
        )
    loop_s, loop = best_of(args.loop_repeats, lambda: loop_reference(data.X, data.y, theta0, schedule.indices, args.lr))
    steps = schedule.n_steps
    flops = (4 * 1 + 2) * args.traj * args.p * steps
    traffic = (8 * args.p + 16 * args.p + 24) * args.traj * steps
    peak, stream = matmul_flops(), copy_bandwidth()
    print(
        f"trajectories={args.traj} steps={steps} p={args.p} batch=1; {'CPU' if args.cpu_time else 'wall'} time; "
        f"load average {os.getloadavg()[0]:.1f}; OMP/BLAS threads {os.environ['OMP_NUM_THREADS']}"
    )
    print(f"loop {loop_s:.3f} s; numpy matmul {peak / 1e9:.1f} GFLOP/s; STREAM-like copy {stream / 1e9:.2f} GB/s")
    for engine in ("fused", "numpy"):
        seconds = times[engine]
        difference = np.abs(finals[engine] - loop).max() / np.abs(loop).max()
        print(
            f"engine={engine:5s} {seconds:.4f} s = {seconds / steps * 1e6:7.2f} us/step, "
            f"{loop_s / seconds:7.1f}x the loop (max relative difference {difference:.1e}); "
            f"{flops / seconds / 1e9:.3f} GFLOP/s = {flops / seconds / peak:.2%} of matmul; "
            f"{traffic / seconds / 1e9:.2f} GB/s = {traffic / seconds / stream:.0%} of copy bandwidth"
        )
    print(f"fused / numpy engine speed-up: {times['numpy'] / times['fused']:.1f}x")


if __name__ == "__main__":
    main()
