"""Benchmark: Hessian-vector products against one gradient, per HVP mode and model; Lanczos with and without
reusing the gradient graph. Everything in one process, on the same batches.

    python benchmarks/bench_empirical_hvp.py [--models mlp,small-cnn,resnet18] [--batch 32] [--repeats 5]

Models: the tanh MLP (digits, 32 hidden), the small CNN with BatchNorm (digits), ResNet18 narrow (width 16,
CIFAR-shaped synthetic data); float32, BatchNorm with batch statistics (``bn_mode=train``, the Hessian of
training), the thread policy of the command lines.

Per mode (:mod:`empirical.hvp`), two costs, each the best of ``--repeats`` and divided by one gradient:

* ``first``: a fresh operator's first product (builds whatever the mode keeps: for ``graph`` a gradient with
  ``create_graph``), i.e. one product at a new point;
* ``next``: a further product on the same operator at the same point, what Lanczos, Hutchinson and the
  inversion checks pay for all products but the first.

Beside each time ratio, the ratio of floating-point operations (``torch.utils.flop_counter``: convolutions and
matrix products, exact counts, independent of the machine's load): an exact HVP by either reverse-over-reverse
or forward-over-reverse differentiates a backward pass, and for a convolution ``y = W * a`` the backward's
two convolutions (``W^T * gO``, ``a * gO``) have four convolutions as their derivative (``ggO = W * ggI +
ggW * a``, ``gW = ggI * gO``, ``ga = ggW^T * gO``), two more follow through the forward graph: six against the
gradient's three. A convolutional network's HVP therefore costs about 2x its gradient in arithmetic
(ResNet18 narrow: 2.03x), and its time ratio sits near 2 on whatever machine. ``--pairs N`` times the
default mode's further product and the gradient alternately N times and prints the median and quartiles of
the paired ratios (robust to a shared machine's load, unlike a ratio of two separate minima).

Lanczos (best of ``--lanczos-repeats``): the top eigenvalue (``top_eigenvalues(k=1, which="LM", ncv=8, tol=1e-3)``) with one operator for all
products (graph reused) against a fresh operator for every product (graph rebuilt each time) and against
forward-over-reverse; the same start vector, so the same number of products.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()

import argparse
import functools
import os
import statistics
import time

import torch
from scipy.sparse.linalg import LinearOperator
from torch.utils.flop_counter import FlopCounterMode

from empirical.functional import tree_like
from empirical.hvp import HessianVectorProduct
from empirical.setup import prepare
from empirical.spectrum import hessian_operator, top_eigenvalues
from empirical.timing import best_of

MODELS = {
    "mlp": ("digits", {"hidden": 32}, {}),
    "small-cnn": ("digits", {}, {}),
    "resnet18": ("cifar-synthetic", {"width": 16}, {"n_train": 64, "n_test": 8}),
}
MODES = ("graph", "rev", "fwd")


def _fresh_each_product(objective, params, batch, mode: str) -> LinearOperator:
    """The Hessian operator without reuse: a new HessianVectorProduct (and graph) for every product."""
    template = hessian_operator(HessianVectorProduct(objective, params, batch, mode))
    return LinearOperator(
        template.shape,
        matvec=lambda v: hessian_operator(HessianVectorProduct(objective, params, batch, mode)).matvec(v),
        dtype=template.dtype,
    )


def _flops(function) -> int:
    """Floating-point operations of one call (convolutions and matrix products, torch's exact counts)."""
    with FlopCounterMode(display=False) as counter:
        function()
    return counter.get_total_flops()


def _paired_ratios(pairs: int, numerator, denominator, clock) -> list[float]:
    """numerator/denominator time ratios, the two timed alternately so that both see the same load."""
    numerator(), denominator()
    ratios = []
    for _ in range(pairs):
        start = clock()
        numerator()
        middle = clock()
        denominator()
        ratios.append((middle - start) / (clock() - middle))
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lanczos-repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=9, help="alternating timings of the default mode (0: none)")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--bn-mode", default="train", choices=("train", "eval"))
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU time on one thread (robust to a loaded machine)",
    )
    args = parser.parse_args()
    clock = time.perf_counter
    if args.cpu_time:
        torch.set_num_threads(1)
        clock = time.process_time
    timed = functools.partial(best_of, clock=clock)
    print(
        f"{'CPU' if args.cpu_time else 'wall'} time, {torch.get_num_threads()} threads, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, batch {args.batch}, "
        f"{args.dtype}, bn_mode={args.bn_mode}; load average {os.getloadavg()[0]:.1f}"
    )
    for name in args.models.split(","):
        data, options, data_options = MODELS[name]
        setup = prepare(
            name,
            data,
            model_options=options,
            data_options=data_options,
            dtype=args.dtype,
            bn_mode=args.bn_mode,
            progress=False,
        )
        objective, params = setup.objective()
        batch = setup.batch(list(range(args.batch)))
        vector = tree_like(params, torch.Generator().manual_seed(0))
        count = sum(v.numel() for v in params.values())
        gradient_s, _ = timed(args.repeats, lambda: objective.gradient(params, batch))
        gradient_flops = _flops(lambda: objective.gradient(params, batch))
        print(
            f"\n{name} {options}: {count:,} parameters; gradient {gradient_s * 1e3:.2f} ms, "
            f"{gradient_flops / 1e9:.4f} GFLOP"
        )
        for mode in MODES:
            first_s, _ = timed(args.repeats, lambda: HessianVectorProduct(objective, params, batch, mode)(vector))
            operator = HessianVectorProduct(objective, params, batch, mode)
            next_s, _ = timed(args.repeats, lambda: operator(vector))
            next_flops = _flops(lambda: operator(vector))
            default = " (default)" if mode == "graph" else ""  # what mode="auto" runs
            print(
                f"  HVP {mode:5s}{default:10s} first {first_s * 1e3:8.2f} ms = {first_s / gradient_s:5.2f}x gradient"
                f" | next {next_s * 1e3:8.2f} ms = {next_s / gradient_s:5.2f}x gradient, "
                f"{next_flops / gradient_flops:4.2f}x its FLOPs"
            )
        if args.pairs:
            operator = HessianVectorProduct(objective, params, batch)
            ratios = _paired_ratios(
                args.pairs, lambda: operator(vector), lambda: objective.gradient(params, batch), clock
            )
            quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
            print(
                f"  default mode's next product / gradient, {args.pairs} alternating pairs: median "
                f"{statistics.median(ratios):.2f}x (quartiles {quartiles[0]:.2f}-{quartiles[2]:.2f})"
            )
        runs = {}
        factories = {  # a fresh operator per run: "reused graph" pays its one graph build in every run
            "reused graph": lambda: hessian_operator(HessianVectorProduct(objective, params, batch)),
            "graph rebuilt per product": lambda: _fresh_each_product(objective, params, batch, "graph"),
            "forward-over-reverse": lambda: hessian_operator(HessianVectorProduct(objective, params, batch, "fwd")),
        }
        for label, factory in factories.items():
            seconds, found = timed(
                args.lanczos_repeats, lambda: top_eigenvalues(factory(), 1, which="LM", ncv=8, tol=1e-3), warmup=0
            )
            runs[label] = seconds
            print(
                f"  Lanczos, {label:26s} {seconds:7.2f} s, {found.matvecs} products, top eigenvalue "
                f"{found.value:.5g} (residual {found.residuals[0]:.1e})"
            )
        print(
            f"  Lanczos speed-up of graph reuse: {runs['graph rebuilt per product'] / runs['reused graph']:.2f}x "
            f"over rebuilding, {runs['forward-over-reverse'] / runs['reused graph']:.2f}x over forward-over-reverse"
        )


if __name__ == "__main__":
    main()
