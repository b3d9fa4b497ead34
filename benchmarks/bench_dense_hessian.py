"""Benchmark: the dense Hessian of a small network, vectorised column blocks against a loop of HVPs; its memory
estimate against the measured peak. One process, the same batch.

    python benchmarks/bench_dense_hessian.py [--model small-cnn] [--examples 300] [--chunks 8,32,64] [--loop]

The issue that asked for the memory estimate measured 270 s and an 18 GB peak for the small CNN (float32,
batch statistics) at 300 examples, from ``torch.func.hessian`` vmapped over all columns at once. Here, per
chunk size: the time of :func:`empirical.hvp.dense_hessian` (columns by ``vmap`` of forward-over-reverse
products), the peak resident memory it added (:class:`empirical.peak_memory.PeakResidentMemory`) beside
:func:`empirical.hvp.dense_hessian_bytes`, and the default chunk the budget picks. ``--loop`` adds the
baseline: one ``graph``-mode HVP per column (the gradient graph built once and reused), its time and its
ratio to the default chunk, and the largest difference between the two matrices.

The first chunk measured runs in a process that has allocated nothing comparable yet; later ones may reuse
memory the allocator kept (their peaks can read low), so the default chunk is measured first.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()

import argparse
import contextlib
import os
import time

import torch

from empirical.functional import flatten, unflatten
from empirical.hvp import (
    HessianVectorProduct,
    activation_bytes,
    default_dense_chunk,
    dense_hessian,
    dense_hessian_bytes,
)
from empirical.peak_memory import PeakResidentMemory, peak_memory_supported
from empirical.setup import prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="small-cnn", choices=("small-cnn", "mlp"))
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--chunks", default="8,32,64", help="chunk sizes to time, after the default one")
    parser.add_argument("--loop", action="store_true", help="also time one graph-mode HVP per column")
    args = parser.parse_args()
    options = {"small-cnn": {}, "mlp": {"hidden": 32}}[args.model]
    setup = prepare(args.model, "digits", model_options=options, dtype="float32", bn_mode="train", progress=False)
    objective, params = setup.objective()
    batch = setup.batch(list(range(args.examples)))
    size = sum(value.numel() for value in params.values())
    itemsize = next(iter(params.values())).element_size()
    activations = activation_bytes(objective, params, batch)
    objective.gradient(params, batch)  # warm kernels before any peak is taken
    default = default_dense_chunk(size, itemsize, activations)
    print(
        f"{args.model}, {size:,} parameters, {args.examples} examples, float32, batch statistics; "
        f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}; activations of one gradient "
        f"{activations / 2**20:.2f} MiB; default chunk {default}"
    )
    measure = peak_memory_supported()
    chunks = [default] + [int(c) for c in args.chunks.split(",") if c and int(c) != default]
    matrix, seconds = None, {}
    for chunk in chunks:
        peak = PeakResidentMemory() if measure else None
        start = time.perf_counter()
        with peak or contextlib.nullcontext():
            matrix = dense_hessian(objective, params, batch, chunk=chunk, budget_bytes=10**13)
        seconds[chunk] = time.perf_counter() - start
        estimate = dense_hessian_bytes(size, itemsize, chunk, activations)
        measured = f"peak grew {peak.grown / 2**20:7.0f} MiB = {peak.grown / estimate:.2f} of" if peak else "estimate"
        print(
            f"  chunk {chunk:3d}{' (default)' if chunk == default else '          '}: {seconds[chunk]:7.2f} s, "
            f"{measured} {estimate / 2**20:.0f} MiB estimated"
        )
    if args.loop:
        product = HessianVectorProduct(objective, params, batch, mode="graph")
        start = time.perf_counter()
        columns = [flatten(product(unflatten(basis, params))) for basis in torch.eye(size, dtype=matrix.dtype)]
        loop_s = time.perf_counter() - start
        difference = float((torch.stack(columns, dim=1) - matrix).abs().max())
        print(
            f"  loop of {size:,} graph-mode HVPs: {loop_s:7.2f} s = {loop_s / seconds[default]:.2f}x the default "
            f"chunk; max |difference| {difference:.2e} (scale {float(matrix.abs().max()):.2e})"
        )


if __name__ == "__main__":
    main()
