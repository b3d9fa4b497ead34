"""Benchmark: the linear-regression permutation sweep, vectorised engine vs a per-trajectory Python loop.

Both run the same ``T`` random orders of per-sample SGD over the same data in this process; the script
prints the speed ratio, checks the two give the same final models, and reports the engine's achieved
floating-point throughput as a fraction of what numpy matmul reaches here (measured in this process).

FLOP model of one engine step (T trajectories, batch B, dimension p): margins ``2 T B p``, residual scaling
``T B``, gradient contraction ``2 T B p``, update ``2 T p``; total ``~ (4 B + 2) T p``.

    python benchmarks/bench_sims_permutations.py [--traj 256] [--n 200] [--p 20] [--epochs 5]
"""

from __future__ import annotations

import argparse
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


def best_of(repeats: int, function):
    """Shortest wall time of ``repeats`` calls (the machine is shared) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def matmul_flops(size: int = 1024, repeats: int = 5) -> float:
    """numpy matmul FLOP/s on this machine: best of ``repeats`` products of two size x size matrices."""
    a, b = np.random.default_rng(0).standard_normal((2, size, size))
    a @ b
    seconds, _ = best_of(repeats, lambda: a @ b)
    return 2 * size**3 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traj", type=int, default=256)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--p", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5, help="best-of repeats for every timing")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    data = synthetic_regression(args.n, args.p, rng, condition=10.0, noise=0.5)
    schedule = make_schedule(args.n, args.traj, args.epochs, 1, rng)
    model = make_model("linear", args.p)
    theta0 = np.zeros((args.traj, args.p))
    run_sgd(model, data.X, data.y, theta0, schedule.steps(0, 10), args.lr)  # warm-up
    engine_s, engine = best_of(args.repeats, lambda: run_sgd(model, data.X, data.y, theta0, schedule, args.lr).theta)
    loop_s, loop = best_of(args.repeats, lambda: loop_reference(data.X, data.y, theta0, schedule.indices, args.lr))
    difference = np.abs(engine - loop).max() / np.abs(loop).max()
    steps = schedule.n_steps
    flops = (4 * 1 + 2) * args.traj * args.p * steps
    achieved, peak = flops / engine_s, matmul_flops()
    print(f"trajectories={args.traj} steps={steps} p={args.p}")
    print(f"engine {engine_s:.3f} s, loop {loop_s:.3f} s, speed ratio {loop_s / engine_s:.1f}x "
          f"(max relative difference {difference:.1e})")
    print(f"engine {achieved / 1e9:.3f} GFLOP/s = {achieved / peak:.2%} of numpy matmul ({peak / 1e9:.1f} GFLOP/s)")


if __name__ == "__main__":
    main()
