r"""Sweep ``ascent-error``: how far gradient ascent after descent lands from the start.

Draft, "Gradient ascent does not revert gradient descent". For one point :math:`z` and
:math:`\theta_1 = \theta_0 - \lambda g_z(\theta_0)`, :math:`\theta_2 = \theta_1 + \lambda g_z(\theta_1)`:

* linear regression: :math:`\theta_2 - \theta_0 = -\lambda^2 H g = -\lambda^2 r|x|^2 x` exactly
  (lemmas ga-linear-error, ga-error-norm: :math:`|\theta_2-\theta_0| = \lambda^2|x|^2|g|`, relative error
  :math:`\lambda|x|^2`); the ascent rate :math:`\mu^* = \lambda/(1-\lambda|x|^2)` undoes the step
  (ga-unlearning-rate);
* logistic regression and the tanh network: :math:`\theta_2-\theta_0 = -\lambda^2 H(\theta_0) g(\theta_0) +
  O(\lambda^3)` (ascent-error-quadratic, ascent-error-logistic), so the deviation from the prediction,
  relative to it, should shrink like :math:`\lambda`.

The trajectory axis holds ``n_points`` different data points (each trajectory does its descent and ascent
step on its own point, starting from the same pre-trained :math:`\theta_0`). ``input_scale`` multiplies
:math:`x` (the draft's "influential" / high-amplitude points). Metrics are medians over the points;
Spearman correlations of the error with the loss and the gradient norm test whether "high loss, large
gradient, large Hessian" rank points alike (hard-kinds-linear).
"""

from __future__ import annotations

import numpy as np

from sims.engines import Schedule, point_gradient, run_sgd
from sims.plotting import colour, legend_outside, log_plot, power_law_fit, save_figure, subplots
from sims.sweeps.common import initial_params, model_and_data, norms, pretrain
from sims.sweeps.spec import Param, Sweep

LEMMAS = (
    "ga-not-inverse",
    "ga-exact-iff",
    "ga-linear-error",
    "ga-error-norm",
    "ga-small-loss",
    "ga-unlearning-rate",
    "hard-kinds-linear",
    "three-hard-kinds-equivalent",
    "ascent-error-quadratic",
    "ascent-error-logistic",
)

PARAMS = (
    Param(
        "models",
        "strs",
        ["linear", "logistic", "mlp"],
        "engines (datasets: diabetes, breast cancer, digits)",
        axis="model",
        choices=("linear", "logistic", "mlp"),
    ),
    Param(
        "lrs",
        "floats",
        [0.01, 0.03, 0.1, 0.3, 1.0],
        "learning rate of the descent and the ascent step",
        paper=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
        axis="lr",
        minimum=1e-12,
    ),
    Param(
        "input_scales",
        "floats",
        [0.5, 1.0, 2.0],
        "factor applied to the input x of the point (amplitude)",
        paper=[0.25, 0.5, 1.0, 2.0, 4.0],
        axis="input_scale",
        minimum=1e-12,
    ),
    Param("n_points", "int", 64, "data points per cell (the trajectory axis)", paper=256, minimum=2),
    Param("pretrain_epochs", "int", 1, "epochs of mini-batch SGD (lr 0.1, batch 16) giving theta_0", minimum=0),
    Param("hidden", "int", 32, "hidden width of the network", minimum=1),
)


def cell(params: dict) -> dict:
    from scipy.stats import spearmanr  # imported here: scipy.stats takes ~1 s, and --help needs none of it

    rng = np.random.default_rng(params["seed"])
    model, data = model_and_data(params["model"], params["hidden"])
    theta0 = pretrain(model, data, initial_params(model, 1, rng), params["pretrain_epochs"], 0.1, 16, rng)
    T, lr = params["n_points"], params["lr"]
    chosen = rng.choice(data.n, size=T, replace=False)
    x, y = data.X[chosen] * params["input_scale"], data.y[chosen]
    theta0 = np.repeat(theta0, T, axis=0)
    own_point = Schedule.from_indices(np.arange(T).reshape(T, 1, 1))
    theta1 = run_sgd(model, x, y, theta0, own_point, lr).theta
    theta2 = run_sgd(model, x, y, theta1, own_point, lr, sign=-1.0).theta
    error = theta2 - theta0
    g0 = point_gradient(model, theta0, x, y)
    predicted = -(lr**2) * model.hessian_vector(theta0, x, y, g0)
    losses = model.point_loss(theta0, x, y)
    error_norm, predicted_norm = norms(error), norms(predicted)
    metrics = {
        "error_norm": float(np.median(error_norm)),
        "predicted_norm": float(np.median(predicted_norm)),
        "deviation_from_prediction": float(np.median(norms(error - predicted) / np.maximum(predicted_norm, 1e-300))),
        "relative_error": float(np.median(error_norm / np.maximum(norms(theta1 - theta0), 1e-300))),
        "lr_x_squared": float(np.median(lr * np.einsum("tp,tp->t", x, x))),
        "loss": float(np.median(losses)),
        "grad_norm": float(np.median(norms(g0))),
        "spearman_error_loss": float(spearmanr(error_norm, losses).statistic),
        "spearman_error_grad": float(spearmanr(error_norm, norms(g0)).statistic),
        "error_at_exact_rate": float("nan"),
    }
    if params["model"] == "linear":
        rate = lr / (1.0 - lr * np.einsum("tp,tp->t", x, x))
        back = theta1 + rate[:, None] * point_gradient(model, theta1, x, y)
        metrics["error_at_exact_rate"] = float(np.median(norms(back - theta0) / norms(theta1 - theta0)))
    return metrics


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    unit = frame[np.isclose(frame["input_scale"], 1.0)] if (np.isclose(frame["input_scale"], 1.0)).any() else frame
    for model, group in unit.groupby("model"):
        mean = group.groupby("lr")[["error_norm", "predicted_norm", "deviation_from_prediction"]].mean()
        slope, _ = power_law_fit(mean.index, mean["error_norm"])
        log_plot(
            axes[0, 0],
            mean.index,
            mean["error_norm"],
            "o",
            color=colour(model),
            label=f"{model} measured (slope {slope:.2f})",
        )
        log_plot(
            axes[0, 0], mean.index, mean["predicted_norm"], "-", color=colour(model), label=f"{model} $\\lambda^2|Hg|$"
        )
        log_plot(axes[0, 2], mean.index, mean["deviation_from_prediction"], "o-", color=colour(model), label=model)
    lr_mid = sorted(frame["lr"].unique())[len(frame["lr"].unique()) // 2]
    for model, group in frame[np.isclose(frame["lr"], lr_mid)].groupby("model"):
        mean = group.groupby("input_scale")[["error_norm", "predicted_norm"]].mean()
        slope, _ = power_law_fit(mean.index, mean["error_norm"])
        log_plot(
            axes[0, 1], mean.index, mean["error_norm"], "o", color=colour(model), label=f"{model} (slope {slope:.2f})"
        )
        log_plot(axes[0, 1], mean.index, mean["predicted_norm"], "-", color=colour(model))
    axes[0, 0].set(
        xlabel="learning rate $\\lambda$ (dimensionless)",
        ylabel="$|\\theta_2-\\theta_0|$ (parameter units)",
        title="ascent error vs learning rate (|x| scale 1)",
    )
    axes[0, 1].set(
        xlabel="input scale $|x|$ factor (dimensionless)",
        ylabel="$|\\theta_2-\\theta_0|$ (parameter units)",
        title=f"ascent error vs input scale ($\\lambda$={lr_mid:g})",
    )
    axes[0, 2].set(
        xlabel="learning rate $\\lambda$ (dimensionless)",
        ylabel="$|e - (-\\lambda^2 Hg)| / |\\lambda^2 Hg|$ (ratio)",
        title="deviation from 2nd-order prediction",
    )
    for ax in axes[0]:
        legend_outside(ax, ncols=1)
    epochs = int(frame["pretrain_epochs"].iloc[0]) if "pretrain_epochs" in frame else None
    fig.suptitle(f"$\\theta_0$ after {epochs} epoch(s) of mini-batch SGD" if epochs else "$\\theta_0$ = initialisation")
    return save_figure(fig, figures_dir, "ascent-error")


SWEEP = Sweep(
    "ascent-error",
    "Gradient ascent after descent vs the closed form and the 2nd-order prediction",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
