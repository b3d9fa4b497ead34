"""Benchmark: per-example gradients by vmap(grad) against a Python loop of grad calls, same batch, same process.

    python benchmarks/bench_empirical_per_example.py [--model small-cnn] [--batch 64] [--device cpu]

Prints both times (best of --repeats), their ratio, and the largest difference between the two results.
The PyTorch tutorial reports 6-10x on a small CNN (field notes).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402

import torch  # noqa: E402

from empirical.per_example import per_example_gradients, per_example_gradients_loop  # noqa: E402
from empirical.setup import prepare  # noqa: E402
from empirical.timing import best_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="small-cnn")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setup = prepare(args.model, args.data, dtype="float32", device=args.device, progress=False)
    objective, params = setup.objective()
    x, y = setup.batch(list(range(args.batch)))
    chunk = args.chunk or None
    fast_time, fast = best_of(args.repeats, lambda: per_example_gradients(objective, params, x, y, chunk_size=chunk))
    loop_time, slow = best_of(args.repeats, lambda: per_example_gradients_loop(objective, params, x, y))
    difference = max(float((fast[k] - slow[k]).abs().max()) for k in params)
    count = sum(v.numel() for v in params.values())
    print(f"{args.model} on {args.data}, {count} parameters, batch {args.batch}, {args.device}, "
          f"{torch.get_num_threads()} threads")
    print(f"vmap(grad): {fast_time * 1e3:8.2f} ms   loop: {loop_time * 1e3:8.2f} ms   "
          f"speed-up loop/vmap = {loop_time / fast_time:.2f}x   max |difference| = {difference:.2e}")


if __name__ == "__main__":
    main()
