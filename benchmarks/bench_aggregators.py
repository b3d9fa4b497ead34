"""Benchmark: each aggregator's cost per step as a multiple of the mean's, and the streaming median's memory.

For batch sizes n and parameter counts P (grid capped at n P <= --cap entries, so that every batch fits in
memory on the shared machine), the script times one aggregation of a ``(n, P)`` float64 batch of Gaussian
gradients with every aggregator of ``theory.models.aggregation`` (best of --repeats, the mean timed in the same
process as the baseline) and prints the ratio to the mean. Expected orders: median, trimmed mean and
mean-around-median sort (O(n P log n)); the geometric median costs O(n P) per Weiszfeld iteration (iterations
printed); Krum forms the n x n Gram matrix (O(n^2 P)). Then the memory, in bytes, of the exact median (every
gradient, 8 n P) against the histogram sketch (8 P (K + 2) + 8) and Robbins-Monro (8 P + 8), known before
a run, for stream lengths 10^3..10^6.

    PYTHONPATH=. python benchmarks/bench_aggregators.py [--batches 32,128,1024] [--params 1000,10000,100000,1000000]
                                           [--cap 8388608] [--repeats 3] [--backend numpy|torch]
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import argparse
import time

import numpy as np

from theory.models.aggregation import AGGREGATORS, aggregate, weiszfeld
from theory.models.aggregation.streaming import HistogramMedian, StochasticMedian, exact_median_bytes


def best_of(repeats: int, function) -> float:
    """Shortest wall time of ``repeats`` calls (the machine is shared)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="32,128,1024")
    parser.add_argument("--params", default="1000,10000,100000,1000000")
    parser.add_argument("--cap", type=int, default=1 << 23, help="largest n * P timed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bins", type=int, default=1024)
    parser.add_argument("--backend", choices=("numpy", "torch"), default="numpy")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    names = [name for name in AGGREGATORS if name != "mean"]
    print(f"backend={args.backend}; time of one aggregation as a multiple of the mean's (best of {args.repeats})")
    print(f"{'n':>6} {'P':>9} {'mean ms':>9} " + " ".join(f"{name:>18}" for name in names) + "  weiszfeld iters")
    for n in map(int, args.batches.split(",")):
        for P in map(int, args.params.split(",")):
            if n * P > args.cap:
                print(f"{n:>6} {P:>9}   skipped (n P = {n * P:.1e} > cap {args.cap:.1e})")
                continue
            batch = rng.standard_normal((n, P))
            if args.backend == "torch":
                import torch

                torch.set_num_threads(1)
                batch = torch.from_numpy(batch)
            base = best_of(args.repeats, lambda: aggregate(batch, "mean"))
            ratios = [best_of(args.repeats, lambda name=name: aggregate(batch, name)) / base for name in names]
            iterations = weiszfeld(batch).iterations
            print(
                f"{n:>6} {P:>9} {1e3 * base:>9.3f} "
                + " ".join(f"{ratio:>18.1f}" for ratio in ratios)
                + f"  {iterations:>6}"
            )
    print(f"\nmemory in bytes (known before the run), P = 10^6 parameters, histogram K = {args.bins} bins")
    P = 10**6
    print(f"{'gradients n':>12} {'exact 8nP':>14} {'histogram':>14} {'Robbins-Monro':>14}")
    for n in (10**3, 10**4, 10**5, 10**6):
        print(
            f"{n:>12} {exact_median_bytes(n, P):>14.3e} {HistogramMedian.memory_bytes(P, args.bins):>14.3e} "
            f"{StochasticMedian.memory_bytes(P):>14.3e}"
        )
    sketch = HistogramMedian(1000, -5, 5, args.bins).update(rng.standard_normal((100, 1000)))
    print(
        f"measured: a {args.bins}-bin sketch of P = 1000 holds {sketch.nbytes} bytes, stated "
        f"{HistogramMedian.memory_bytes(1000, args.bins)}"
    )


if __name__ == "__main__":
    main()
