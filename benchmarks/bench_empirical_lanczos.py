"""Benchmark: Hessian-vector products needed for the top eigenvalue to 1e-3, Lanczos (ARPACK eigsh) against
power iteration, on batch Hessians of a network; same points, same process.

    python benchmarks/bench_empirical_lanczos.py [--model mlp] [--data digits] [--points 5] [--batch 16]

For each batch: a reference eigenvalue of largest magnitude by eigsh at tol 1e-10; power iteration run until
its estimate is within 1e-3 (relative) of the reference (the matvecs it needs, an oracle stopping rule that
favours it) and with its own stopping rule (Ritz residual < 1e-3 |value|, which bounds the error); Lanczos by eigsh(k=1, which="LM",
tol=1e-3) with Krylov bases ncv = 4, 8, 20 (a run costs at least ncv matvecs). Prints matvec counts,
achieved relative errors, and the median ratio power / Lanczos.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()

import argparse
import json

import numpy as np
import torch

from empirical.setup import prepare
from empirical.spectrum import hessian_operator, power_iteration, top_eigenvalue_lanczos


def power_matvecs_to(operator, target: float, relative: float, max_iter: int, seed: int) -> int:
    """Matvecs until the power-iteration Rayleigh quotient is within ``relative`` of ``target`` (oracle rule)."""
    vector = np.random.default_rng(seed).standard_normal(operator.shape[0])
    vector /= np.linalg.norm(vector)
    for iteration in range(1, max_iter + 1):
        product = operator.matvec(vector)
        if abs(vector @ product - target) <= relative * abs(target):
            return iteration
        vector = product / np.linalg.norm(product)
    return max_iter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--set", default='{"hidden": 32}', help="model options as JSON")
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setup = prepare(
        args.model,
        args.data,
        model_options=json.loads(args.set),
        progress=False,
        train_options={"epochs": 2, "lr": 0.05, "batch_size": 64},
    )
    objective, params = setup.objective()
    count = sum(v.numel() for v in params.values())
    print(f"{args.model} {args.set} on {args.data} (trained 2 epochs), {count} parameters, batches of {args.batch}")
    ratios = []
    for point in range(args.points):
        batch = setup.batch(setup.indices(args.batch, seed=point))
        operator = hessian_operator(setup.hvp(objective, params, batch))
        reference, _ = top_eigenvalue_lanczos(operator, tol=1e-10, seed=99)
        oracle = power_matvecs_to(operator, reference, 1e-3, args.max_iter, seed=point)
        found = power_iteration(operator, tol=1e-3, max_iter=args.max_iter, seed=point)
        value, rule_matvecs, converged = found.value, found.matvecs, found.converged
        runs = {ncv: top_eigenvalue_lanczos(operator, tol=1e-3, seed=point, ncv=ncv) for ncv in (4, 8, 20)}
        accurate = [m for ncv, (v, m) in runs.items() if abs(v - reference) <= 1e-3 * abs(reference)]
        best = min(accurate) if accurate else float("nan")
        ratios.append(oracle / best)
        lanczos = " ".join(
            f"ncv={ncv}: {m} ({abs(v - reference) / abs(reference):.0e})" for ncv, (v, m) in runs.items()
        )
        print(
            f"batch {point}: lambda = {reference:8.4f} | power: oracle stop {oracle:4d}, residual rule {rule_matvecs:4d} "
            f"(rel. error {abs(value - reference) / abs(reference):.0e}{'' if converged else ', not converged'}) "
            f"| Lanczos matvecs (rel. error) {lanczos}"
        )
    print(
        f"median ratio of matvecs, power (oracle stop) / Lanczos (fewest of the ncv runs reaching 1e-3) = "
        f"{np.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
