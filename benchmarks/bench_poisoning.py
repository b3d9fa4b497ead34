"""Benchmark: one step of each curvature attack as a multiple of one per-example gradient; GUS throughput.

    python benchmarks/bench_poisoning.py [--model small-cnn --set '{"channels": 8}'] [--data digits] [--poisons 10]

Baseline (same process, same poisons): the per-example parameter gradients of the poisons, ``vmap(grad)``.
Cost model (in units of that baseline, forward-over-reverse HVP = c ~ 2-3 gradients, field notes):

* ``fgsm-variant`` step: one input gradient, ~1;
* ``gradnorm`` step: the input gradient of |g_theta|^2 (reverse over reverse), ~2-3;
* ``hessian`` / spectral: ``power_iters`` HVPs for the eigenvector plus the input gradient of v^T H v and |g|^2
  (reverse over forward over reverse: third order, ~3c), so ~(power_iters + 3) c;
* ``hessian`` / trace or diagonal: ``probes`` HVPs and their input gradient, ~3 c * probes.

GUS: statistics per second (one vmapped input gradient per point and a dot product) and its time over the
per-example gradient baseline on the same points.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json

import torch

from empirical.per_example import per_example_gradients
from empirical.poisoning.attacks import craft
from empirical.poisoning.evaluation import gus_statistic
from empirical.setup import prepare
from empirical.timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="small-cnn")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--set", default='{"channels": 8}', help="model options as JSON")
    parser.add_argument("--poisons", type=int, default=10)
    parser.add_argument("--gus-points", type=int, default=500)
    parser.add_argument("--power-iters", type=int, default=10)
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setup = prepare(args.model, args.data, model_options=json.loads(args.set), dtype=args.dtype, progress=False)
    objective, params = setup.objective()
    indices = torch.arange(args.poisons)
    x, y = setup.batch(indices.numpy())
    lower, upper = setup.data.lower, setup.data.upper
    baseline, _ = best_of(args.repeats, lambda: per_example_gradients(objective, params, x, y))
    cases = {
        "fgsm-variant": ("fgsm-variant", {}),
        "gradnorm": ("gradnorm", {"steps": 1}),
        "hessian/spectral": ("hessian", {"steps": 1, "measure": "spectral", "power_iters": args.power_iters}),
        "hessian/trace": ("hessian", {"steps": 1, "measure": "trace", "probes": args.probes}),
        "hessian/diagonal": ("hessian", {"steps": 1, "measure": "diagonal", "probes": args.probes}),
    }
    count = sum(v.numel() for v in params.values())
    print(
        f"{args.model} {args.set} on {args.data}, {count} parameters, {args.poisons} poisons, {args.dtype}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"per-example gradients of the poisons (baseline): {baseline * 1e3:8.2f} ms")
    for label, (attack, options) in cases.items():
        seconds, _ = best_of(
            args.repeats, lambda: craft(attack, objective, params, x, y, indices, lower, upper, **options)
        )
        print(f"{label:18s} one step: {seconds * 1e3:9.2f} ms   ratio / gradient = {seconds / baseline:7.2f}")
    points = torch.arange(min(args.gus_points, setup.data.train_x.shape[0]))
    gx, gy = setup.batch(points.numpy())
    noise = 0.05 * torch.randn(gx.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(gx)
    gus_seconds, _ = best_of(args.repeats, lambda: gus_statistic(objective, params, gx, gy, noise, 0.05))
    grad_seconds, _ = best_of(args.repeats, lambda: per_example_gradients(objective, params, gx, gy))
    print(
        f"GUS on {len(points)} points: {gus_seconds * 1e3:8.2f} ms = {len(points) / gus_seconds:9.0f} statistics/s; "
        f"ratio / per-example gradients = {gus_seconds / grad_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
