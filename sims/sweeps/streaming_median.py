r"""Sweep ``streaming-median``: one-pass median estimates against the exact median as the stream grows.

Draft, opening notes: "Efficient streaming median". A stream of ``n_gradients`` gradients in
:math:`\mathbb R^P`, :math:`x_t = c + \sigma \xi_t` (a fixed centre :math:`c \sim N(0, I)`, i.i.d. noise ``noise``:
Gaussian or Student t with 3 degrees of freedom, scale :math:`\sigma`), fed in chunks of ``chunk``. Estimates
(:mod:`theory.models.aggregation.streaming`): the fixed-bin histogram on ``[-range_halfwidth, range_halfwidth]`` with
``bins`` bins, error at most :math:`w/2` (+ rounding, ``histogram_bound``) where both middle order statistics
are in range (lemma streaming-median-histogram), and the Robbins-Monro median (no worst-case bound). Metrics:
``histogram_error`` and ``stochastic_error`` (max over coordinates of :math:`|\hat m - m|`), the share of
coordinates in range, and the memory in bytes: exact (:math:`8nP`, every gradient), histogram
(:math:`8P(K+2) + 8`) and stochastic (:math:`8P + 8`), each known before the run; the exact median's memory
grows with the stream (lemma exact-streaming-median-memory), the others do not.
"""

from __future__ import annotations

import numpy as np

from sims.plotting import colour, legend_outside, log_plot, save_figure, subplots
from sims.sweeps.spec import Param, Sweep
from theory.models.aggregation.streaming import HistogramMedian, StochasticMedian, exact_median_bytes
from theory.support.validation import check_memory

LEMMAS = ("streaming-median-histogram", "streaming-median-exact", "exact-streaming-median-memory")

PARAMS = (
    Param(
        "n_gradients_list",
        "ints",
        [100, 1000, 10000, 20000],
        "stream length n",
        paper=[10**k for k in range(2, 7)],
        axis="n_gradients",
        minimum=1,
    ),
    Param("bins_list", "ints", [64, 1024], "histogram bins K", axis="bins", minimum=1),
    Param("noises", "strs", ["gaussian", "student3"], "noise law", axis="noise", choices=("gaussian", "student3")),
    Param("dim", "int", 50, "parameters P", minimum=1),
    Param("sigma", "float", 1.0, "noise scale", minimum=1e-12),
    Param("range_halfwidth", "float", 6.0, "histogram range [-h, h], stated before the run", minimum=1e-12),
    Param("chunk", "int", 1000, "gradients per update", minimum=1),
)


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    n, P, sigma, h = params["n_gradients"], params["dim"], params["sigma"], params["range_halfwidth"]
    check_memory(3 * 8.0 * n * P, f"a stream of {n:,} gradients of dimension {P:,}")
    centre = rng.standard_normal(P)
    noise = rng.standard_normal((n, P)) if params["noise"] == "gaussian" else rng.standard_t(3, (n, P))
    stream = centre + sigma * noise
    histogram = HistogramMedian(P, -h, h, params["bins"])
    stochastic = StochasticMedian(P, step=sigma, start=stream[0])
    for start in range(0, n, params["chunk"]):
        histogram.update(stream[start : start + params["chunk"]])
    stochastic.update(stream)
    exact = np.median(stream, axis=0)
    inside = histogram.in_range()
    error = np.abs(histogram.estimate() - exact)
    return {
        "histogram_error": float(error[inside].max()) if inside.any() else float("nan"),
        "histogram_bound": float(histogram.error_bound()),
        "in_range_share": float(inside.mean()),
        "stochastic_error": float(np.abs(stochastic.estimate() - exact).max()),
        "exact_bytes": exact_median_bytes(n, P),
        "histogram_bytes": HistogramMedian.memory_bytes(P, params["bins"]),
        "stochastic_bytes": StochasticMedian.memory_bytes(P),
        "sampling_scale": float(sigma * np.sqrt(np.pi / 2 / n)),
    }


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(2)
    for (noise, bins), group in frame.groupby(["noise", "bins"]):
        g = group.groupby("n_gradients").mean(numeric_only=True)
        key = colour(f"histogram K={bins} ({noise})")
        log_plot(axes[0, 0], g.index, g["histogram_error"], "o-", color=key, label=f"histogram $K={bins}$ ({noise})")
        axes[0, 0].loglog(g.index, g["histogram_bound"], ":", color=key)
        log_plot(axes[0, 0], g.index, g["stochastic_error"], "s--", color=key, label=f"Robbins-Monro ({noise})")
    g = frame.groupby("n_gradients").mean(numeric_only=True)
    axes[0, 1].loglog(g.index, g["exact_bytes"], "k-o", label="exact ($8nP$)")
    for bins, group in frame.groupby("bins"):
        axes[0, 1].loglog(
            g.index, group.groupby("n_gradients")["histogram_bytes"].mean(), "--", label=f"histogram $K={bins}$"
        )
    axes[0, 1].loglog(g.index, g["stochastic_bytes"], ":", label="Robbins-Monro")
    axes[0, 0].set(
        xlabel="gradients $n$",
        ylabel=r"$\max_j |\mathrm{estimate} - \mathrm{median}|$",
        title="error (dotted: stated bound)",
    )
    axes[0, 1].set(xlabel="gradients $n$", ylabel="bytes", title="memory")
    for ax in axes[0]:
        legend_outside(ax)
    return save_figure(fig, figures_dir, "streaming-median")


SWEEP = Sweep(
    "streaming-median",
    "Streaming median: accuracy and memory against the exact median",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
