r"""Sweep ``gradient-cosine``: the draft's Experiment 1 on small models.

Draft, "Approximation error in a nonlinear setting", Experiment 1: train :math:`\theta_0` on a point
:math:`z`, then on ``n_batches`` interleaved mini-batches, giving :math:`\theta_1`, and measure
:math:`\cos(g_z(\theta_0), g_z(\theta_1))`, for an untrained (``pretrain_epochs = 0``) and a pre-trained
model. The draft observed cosines near 1 untrained and 0.3-0.5 after 2 epochs, rising with the number
of batches. For linear and logistic regression every :math:`g_z` is collinear with :math:`x`, so
:math:`|\cos| = 1` exactly (lemma ga-collinear); random directions in :math:`\mathbb R^P` would give
:math:`\mathbb E\cos^2 = 1/P` (high-dim-orthogonal), drawn as a reference. ``n_points`` points per cell
on the trajectory axis, each with its own random batches; mean cross-entropy, SGD at rate ``lr``.
"""

from __future__ import annotations

import numpy as np

from sims.engines import Schedule, make_schedule, point_gradient, run_sgd
from sims.plotting import colour, legend_outside, log_plot, save_figure, subplots
from sims.sweeps.common import initial_params, model_and_data, norms, pretrain
from sims.sweeps.spec import Param, Sweep

LEMMAS = ("ga-collinear", "high-dim-orthogonal", "span-dim-large", "ga-gradient-difference")

PARAMS = (
    Param(
        "models",
        "strs",
        ["mlp", "logistic"],
        "engine (mlp: digits, logistic: breast cancer, linear: diabetes)",
        axis="model",
        choices=("mlp", "logistic", "linear"),
    ),
    Param(
        "n_batches_list",
        "ints",
        [1, 5, 20, 100, 500],
        "interleaved mini-batches after the step on z",
        paper=[1, 2, 5, 10, 20, 50, 100, 200, 500],
        axis="n_batches",
        minimum=0,
    ),
    Param(
        "pretrain_epochs_list",
        "ints",
        [0, 2],
        "epochs of pre-training before the step on z",
        paper=[0, 1, 2, 5, 10],
        axis="pretrain_epochs",
        minimum=0,
    ),
    Param("lr", "float", 0.5, "learning rate (pre-training, the step on z, the batches)", minimum=1e-12),
    Param("batch_size", "int", 32, "mini-batch size", minimum=1),
    Param("n_points", "int", 16, "points z per cell (the trajectory axis)", paper=64, minimum=1),
    Param("hidden", "int", 32, "hidden width of the network", minimum=1),
)


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    model, data = model_and_data(params["model"], params["hidden"])
    T, lr = params["n_points"], params["lr"]
    theta = pretrain(
        model, data, initial_params(model, 1, rng), params["pretrain_epochs"], lr, params["batch_size"], rng
    )
    theta0 = np.repeat(theta, T, axis=0)
    chosen = rng.choice(data.n, size=T, replace=False)
    x, y = data.X[chosen], data.y[chosen]
    after_z = run_sgd(model, data.X, data.y, theta0, Schedule.from_indices(chosen.reshape(T, 1, 1)), lr).theta
    if params["n_batches"] > 0:
        epochs = -(-params["n_batches"] * params["batch_size"] // data.n)
        batches = make_schedule(data.n, T, epochs, params["batch_size"], rng).steps(0, params["n_batches"])
        theta1 = run_sgd(model, data.X, data.y, after_z, batches, lr).theta
    else:
        theta1 = after_z
    g0, g1 = point_gradient(model, theta0, x, y), point_gradient(model, theta1, x, y)
    cosine = np.einsum("tp,tp->t", g0, g1) / np.maximum(norms(g0) * norms(g1), 1e-300)
    return {
        "cos_median": float(np.median(cosine)),
        "cos_mean": float(np.mean(cosine)),
        "cos_q10": float(np.quantile(cosine, 0.1)),
        "cos_q90": float(np.quantile(cosine, 0.9)),
        "abs_cos_min": float(np.min(np.abs(cosine))),
        "n_params": model.n_params,
        "random_direction_rms_cos": float(1 / np.sqrt(model.n_params)),
        "grad_norm_ratio": float(np.median(norms(g1) / np.maximum(norms(g0), 1e-300))),
        "train_loss": float(np.mean(model.loss(theta1, data.X, data.y))),
    }


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(2)
    styles = ["o-", "s--", "^:", "D-."]
    for (model, epochs), group in frame.groupby(["model", "pretrain_epochs"]):
        g = group.groupby("n_batches").mean(numeric_only=True)
        xs = g.index.to_numpy().clip(0.5)
        style = styles[sorted(frame["pretrain_epochs"].unique()).index(epochs) % len(styles)]
        axes[0, 0].semilogx(
            xs, g["cos_median"], style, color=colour(model), label=f"{model}, {epochs} pre-train epochs"
        )
        axes[0, 0].fill_between(xs, g["cos_q10"], g["cos_q90"], color=colour(model), alpha=0.12)
        log_plot(axes[0, 1], xs, g["grad_norm_ratio"], style, color=colour(model), label=f"{model}, {epochs} ep")
    for model, group in frame.groupby("model"):
        level = group["random_direction_rms_cos"].iloc[0]
        axes[0, 0].axhline(level, linestyle=":", color="grey")
        axes[0, 0].text(1, level + 0.01, f"random directions, {model}: $1/\\sqrt{{P}}$ = {level:.2f}", fontsize=7)
    bottom = min(0.0, float(frame["cos_q10"].min())) - 0.05
    axes[0, 0].set(
        xlabel="interleaved mini-batches (count)",
        ylabel="$\\cos(g_z(\\theta_0), g_z(\\theta_1))$ (median, 10-90%)",
        title="Experiment 1: gradient cosine",
        ylim=(bottom, 1.05),
    )
    axes[0, 1].set(
        xlabel="interleaved mini-batches (count)",
        ylabel="$|g_z(\\theta_1)|/|g_z(\\theta_0)|$ (ratio)",
        title="gradient norm after the batches",
    )
    for ax in axes[0]:
        legend_outside(ax, ncols=1)
    return save_figure(fig, figures_dir, "gradient-cosine")


SWEEP = Sweep(
    "gradient-cosine",
    "Experiment 1: cos(g_z(theta_0), g_z(theta_1)) after interleaved batches",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
