"""Benchmark: per-example gradients by vmap(grad) against a Python loop of grad calls, same batch, same process.

    python benchmarks/bench_empirical_per_example.py [--model small-cnn] [--batch 64] [--device cpu]

Prints both times (best of --repeats), their ratio, and the largest difference between the two results.
The PyTorch tutorial reports 6-10x on a small CNN (field notes). ``--profile`` adds where the time goes: the
torch operators with the most self CPU time in each method (``torch.profiler``), and the loop's fixed cost per
``grad`` call (a one-example gradient, dominated by Python and dispatch overhead, not arithmetic).
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()

import argparse
import functools
import os
import time

import torch

from empirical.per_example import per_example_gradients, per_example_gradients_loop
from empirical.setup import prepare
from empirical.timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="small-cnn")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: the thread policy's)")
    parser.add_argument("--profile", action="store_true", help="also print where the time goes")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU time on one thread (robust to a loaded machine)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.cpu_time:
        torch.set_num_threads(1)
    timed = functools.partial(best_of, clock=time.process_time if args.cpu_time else time.perf_counter)
    setup = prepare(args.model, args.data, dtype="float32", device=args.device, progress=False)
    objective, params = setup.objective()
    x, y = setup.batch(list(range(args.batch)))
    chunk = args.chunk or None
    fast_time, fast = timed(args.repeats, lambda: per_example_gradients(objective, params, x, y, chunk_size=chunk))
    loop_time, slow = timed(args.repeats, lambda: per_example_gradients_loop(objective, params, x, y))
    difference = max(float((fast[k] - slow[k]).abs().max()) for k in params)
    count = sum(v.numel() for v in params.values())
    print(
        f"{args.model} on {args.data}, {count} parameters, batch {args.batch}, {args.device}, "
        f"{torch.get_num_threads()} threads, {'CPU' if args.cpu_time else 'wall'} time; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"vmap(grad): {fast_time * 1e3:8.2f} ms   loop: {loop_time * 1e3:8.2f} ms   "
        f"speed-up loop/vmap = {loop_time / fast_time:.2f}x   max |difference| = {difference:.2e}"
    )
    if args.profile:
        _profile(objective, params, x, y, chunk, args.repeats, timed)


def _profile(objective, params, x, y, chunk, repeats: int, timed) -> None:
    from torch.profiler import ProfilerActivity, profile

    one_s, _ = timed(repeats, lambda: objective.gradient(params, (x[:1], y[:1])))
    batch_s, _ = timed(repeats, lambda: objective.gradient(params, (x, y)))
    forward_s, _ = timed(repeats, lambda: objective.loss(params, (x[:1], y[:1])))
    print(
        f"one-example gradient {one_s * 1e3:.3f} ms (its forward alone {forward_s * 1e3:.3f} ms); "
        f"batch-mean gradient of all {x.shape[0]} {batch_s * 1e3:.3f} ms: the loop pays ~{one_s * 1e3:.2f} ms of "
        f"fixed cost per example, the vmap about one batched backward plus the per-example weight gradients"
    )
    for label, function in (
        ("vmap(grad)", lambda: per_example_gradients(objective, params, x, y, chunk_size=chunk)),
        ("loop", lambda: per_example_gradients_loop(objective, params, x, y)),
    ):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            function()
        events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in events)
        ops = sum(e.count for e in events)
        print(
            f"{label}: {ops} operator calls, {total / 1e3:.1f} ms self CPU; top: "
            + ", ".join(f"{e.key} {e.self_cpu_time_total / total:.0%} ({e.count}x)" for e in events[:6])
        )


if __name__ == "__main__":
    main()
