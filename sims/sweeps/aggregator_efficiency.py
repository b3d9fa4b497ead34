r"""Sweep ``aggregator-efficiency``: what each aggregator costs in variance and in final loss, against the mean.

Draft, opening notes: "possible suboptimality of the median as an aggregator (we discard lots of info
depending on batch size)". Per-example gradients of the quadratic :math:`\frac12|\theta - \theta^*|^2` with
additive noise, :math:`g_i = \theta - \theta^* + \sigma \xi_i`, :math:`\xi_i` i.i.d. per coordinate, unit
variance, ``gaussian`` or ``laplace``. For a symmetric noise every aggregator here is unbiased, so its update
noise has a variance :math:`v_{\mathrm{agg}}` per coordinate; the efficiency is
:math:`e = (\sigma^2/n)/v_{\mathrm{agg}}` (lemmas median-efficiency-finite, median-efficiency-asymptotic:
Gaussian median :math:`e(3) = 0.743`, :math:`e \to 2/\pi`; Laplace median :math:`e \to 2`). SGD at rate
:math:`\lambda` is then the linear recursion :math:`\delta_{s+1} = (1 - \lambda)\delta_s - \lambda \epsilon_s`,
whose stationary excess loss is :math:`E\frac12|\delta|^2 = \frac P2 \frac{\lambda v_{\mathrm{agg}}}{2 - \lambda}`:
the final excess loss over the mean's is :math:`1/e`.

Metrics: ``update_variance`` (measured on ``n_draws`` batches), ``efficiency`` and, for the median,
``efficiency_predicted`` (exact: mpmath for odd :math:`n`, the grid integral for even :math:`n`, Gaussian; mpmath
for odd :math:`n`, Laplace), ``excess_loss`` after ``steps`` SGD steps of ``n_traj`` trajectories from
:math:`\theta_0 = \theta^*`, its prediction ``excess_loss_predicted`` from the measured variance, and
``excess_over_mean`` (:math:`\approx 1/e`). ``efficiency_sampling_error`` is :math:`e\sqrt{2/N}` for
:math:`N` = ``n_draws`` :math:`\times P` draws: the standard error of a variance estimate for a near-Gaussian
aggregate (a heavier-tailed aggregate has a larger one); measured and predicted efficiencies should differ
by a few of it.
"""

from __future__ import annotations

import mpmath
import numpy as np

from sims.plotting import legend_outside, log_plot, save_figure, styles, subplots
from sims.sweeps.spec import Param, Sweep
from theory.models.aggregation import AGGREGATORS, aggregate, parse_aggregator
from theory.models.aggregation.efficiency import median_efficiency, median_variance_even
from theory.support.validation import check_memory

LEMMAS = (
    "median-suboptimal",
    "median-suboptimal-any-noise",
    "median-efficiency-finite",
    "median-efficiency-asymptotic",
)

PARAMS = (
    Param("aggregators", "strs", list(AGGREGATORS), "aggregators (name or name:beta)", axis="aggregator"),
    Param(
        "batch_sizes",
        "ints",
        [3, 8, 33],
        "batch size n",
        paper=[3, 4, 8, 9, 16, 33, 64, 128, 256],
        axis="batch_size",
        minimum=1,
    ),
    Param(
        "noises",
        "strs",
        ["gaussian", "laplace"],
        "per-example noise law (unit variance)",
        axis="noise",
        choices=("gaussian", "laplace"),
    ),
    Param("sigma", "float", 1.0, "noise standard deviation", minimum=1e-12),
    Param("dim", "int", 10, "parameters P", minimum=1),
    Param("lr", "float", 0.1, "learning rate", minimum=1e-12, maximum=1.0),
    Param("steps", "int", 50, "SGD steps (stationary after ~ 3 / lr)", paper=1000, minimum=1),
    Param("n_traj", "int", 16, "independent trajectories", paper=256, minimum=1),
    Param("n_draws", "int", 2000, "noise batches for the variance", paper=20000, minimum=2),
)


def noise(rng: np.random.Generator, law: str, shape: tuple) -> np.ndarray:
    """Unit-variance noise: N(0, 1), or Laplace of scale 1/sqrt 2."""
    return rng.standard_normal(shape) if law == "gaussian" else rng.laplace(0.0, np.sqrt(0.5), shape)


def predicted_median_efficiency(n: int, law: str) -> float:
    """The lemma's exact efficiency of the median (NaN where not computed: even n with Laplace noise)."""
    if n % 2:
        with mpmath.workdps(30):
            return float(median_efficiency(n, law))
    return 1.0 / (n * median_variance_even(n)) if law == "gaussian" else float("nan")


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    spec = parse_aggregator(params["aggregator"])
    n, P, sigma, lr, law = params["batch_size"], params["dim"], params["sigma"], params["lr"], params["noise"]
    check_memory(
        3 * 8.0 * max(params["n_draws"], params["n_traj"]) * n * P,
        f"{max(params['n_draws'], params['n_traj']):,} batches of {n} gradients of dimension {P:,}",
    )
    if spec.name in ("krum", "multi_krum") and n >= 3 and not n - 2 * int(spec.beta * n + 1e-12) - 2 > 0:
        spec = parse_aggregator(f"{spec.name}:0")  # Krum's condition n - 2f - 2 > 0 fails: no corruption assumed
    updates = aggregate(sigma * noise(rng, law, (params["n_draws"], n, P)), spec)
    variance = float(np.mean(updates**2))  # the aggregators are unbiased for symmetric noise
    efficiency = sigma**2 / n / variance
    delta = np.zeros((params["n_traj"], P))
    for _ in range(params["steps"]):
        delta -= lr * aggregate(delta[:, None, :] + sigma * noise(rng, law, (params["n_traj"], n, P)), spec)
    excess = float(np.mean(0.5 * np.sum(delta**2, axis=1)))
    stationary = lambda v: P / 2 * lr * v / (2 - lr) * (1 - (1 - lr) ** (2 * params["steps"]))
    predicted = predicted_median_efficiency(n, law) if spec.name == "median" else float("nan")
    draws = params["n_draws"] * P
    return {
        "update_variance": variance,
        "efficiency": efficiency,
        "efficiency_predicted": predicted,
        "efficiency_sampling_error": efficiency * np.sqrt(2 / draws),
        "excess_loss": excess,
        "excess_loss_predicted": stationary(variance),
        "excess_over_mean": excess / stationary(sigma**2 / n),
        "beta_used": spec.beta,
    }


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(2)
    look = styles(frame["aggregator"].unique())  # the noise law is the line style: solid Gaussian, dashed other
    for (law, name), group in frame.groupby(["noise", "aggregator"]):
        g = group.groupby("batch_size").mean(numeric_only=True)
        line = "-" if law == "gaussian" else "--"
        axes[0, 0].semilogx(g.index, g["efficiency"], line, label=f"{name} ({law})", **look[name])
        log_plot(axes[0, 1], g.index, g["excess_loss"], line, label=f"{name} ({law})", **look[name])
        if name == "median":
            axes[0, 0].semilogx(g.index, g["efficiency_predicted"], "k:", linewidth=0.8)
    axes[0, 0].axhline(2 / np.pi, color="k", linewidth=0.5)
    axes[0, 0].set(
        xlabel="batch size $n$",
        ylabel=r"$\mathrm{Var(mean)} / \mathrm{Var(aggregate)}$",
        title=r"efficiency (dotted: lemma; line: $2/\pi$)",
    )
    axes[0, 1].set(xlabel="batch size $n$", ylabel="final excess loss", title="SGD on a noisy quadratic")
    legend_outside(axes[0, 0], ncols=2)
    return save_figure(fig, figures_dir, "aggregator-efficiency")


SWEEP = Sweep(
    "aggregator-efficiency",
    "Median and robust aggregators: variance and final loss against the mean",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
