r"""Sweep ``inversion``: inverting one SGD step by closed form, Neumann series and fixed-point iteration.

Draft, "Inverting a single gradient step is hard" and "The fixed-point formulation". For a mean batch
step of linear regression with :math:`a = \lambda\,\lambda_{\max}(A_B)` (:math:`a = \lambda|x|^2` for one
point), the package proves: the step is invertible iff :math:`\lambda\lambda_i \ne 1` for all eigenvalues
(lr-inverse-iff), the Neumann series converges iff :math:`a < 1` (neumann-converges-iff) with truncation
error :math:`\frac{a^{K+1}}{|1-a|}|\tilde\theta\cdot\hat x|` after :math:`K` terms (neumann-first-order),
:math:`\Psi(\theta) = \theta_{+} + \lambda g(\theta)` contracts iff :math:`a < 1` with rate :math:`a`
(psi-contraction-iff, so :math:`K` iterations leave :math:`a^K |\theta_+ - \theta|`), while forward GD on
the same batch is stable iff :math:`a < 2`, contracting by :math:`|1-a|` per step (stable-but-not-invertible,
phi-lipschitz). For logistic regression, ``lr_L`` uses the local curvature
:math:`\lambda_{\max}(\sum_b \frac{1}{|B|}\sigma'(\theta\cdot x_b) x_b x_b^\top)` at the true preimage and only
the fixed point applies.

Per cell: ``n_points`` trajectories, each a batch of ``batch_size`` diabetes / breast-cancer points and a
random :math:`\theta \sim \mathcal N(0, I)`, the learning rate set per trajectory to ``lr_L / L``.
"""

from __future__ import annotations

import numpy as np

from sims.engines import Schedule, run_sgd
from sims.plotting import colour, legend_outside, log_plot, save_figure, subplots
from sims.sweeps.common import model_and_data, norms
from sims.sweeps.spec import Param, Sweep
from sims.unlearning.linear_inversion import invert_batch_step

LEMMAS = (
    "lr-inverse-small-shift",
    "lr-inverse-iff",
    "neumann-converges-small-shift",
    "neumann-converges-iff",
    "neumann-first-order",
    "step-non-injective",
    "fixed-point-formulation",
    "banach-not-contraction",
    "psi-contraction-iff",
    "psi-lipschitz",
    "stable-but-not-invertible",
    "phi-lipschitz",
    "gradient-insufficient",
)

PARAMS = (
    Param(
        "models",
        "strs",
        ["linear", "logistic"],
        "engine (linear: diabetes, logistic: breast cancer)",
        axis="model",
        choices=("linear", "logistic"),
    ),
    Param(
        "lr_Ls",
        "floats",
        [0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.01, 1.2, 1.5, 1.9, 2.1, 2.5],
        "learning rate times the step's smoothness L",
        axis="lr_L",
        minimum=1e-6,
    ),
    Param(
        "terms_list",
        "ints",
        [5, 20],
        "Neumann terms / fixed-point iterations K",
        paper=[1, 2, 5, 10, 20, 50],
        axis="terms",
        minimum=0,
    ),
    Param("batch_sizes", "ints", [1, 4], "points per step", paper=[1, 2, 4, 16], axis="batch_size", minimum=1),
    Param("n_points", "int", 64, "steps inverted per cell (the trajectory axis)", paper=256, minimum=1),
    Param("forward_steps", "int", 5, "repeated forward steps measuring the forward contraction", minimum=1),
)


def _top_eigenvalue(Xb: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Largest eigenvalue of sum_b weights_b x_b x_b^T per trajectory (weights already normalised)."""
    return np.linalg.eigvalsh(np.einsum("tb,tbp,tbq->tpq", weights, Xb, Xb))[:, -1]


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    model, data = model_and_data(params["model"])
    T, B, K = params["n_points"], params["batch_size"], params["terms"]
    batch = rng.integers(0, data.n, size=(T, B))
    Xb, yb, weights = data.X[batch], data.y[batch], np.full((T, B), 1.0 / B)
    theta = rng.standard_normal((T, data.p))
    curvature = weights * (model.link_derivative(np.einsum("tbp,tp->tb", Xb, theta)))
    L = _top_eigenvalue(Xb, curvature)
    lr = params["lr_L"] / L
    step = Schedule.from_indices(batch[:, None, :])
    theta_next = run_sgd(model, data.X, data.y, theta, step, lr).theta
    scale = norms(theta)
    metrics = {"lr_L_measured": float(np.median(lr * L))}
    with np.errstate(over="ignore", invalid="ignore"):
        methods = ("closed", "neumann", "fixed_point") if params["model"] == "linear" else ("fixed_point",)
        for method in ("closed", "neumann", "fixed_point"):
            if method in methods:
                estimate = invert_batch_step(model, theta_next, Xb, yb, np.ones((T, B)), lr, method, K)
                error = np.nan_to_num(norms(estimate - theta) / scale, nan=np.inf)
                metrics[f"error_{method}"] = float(np.median(error))
                metrics[f"converged_{method}"] = float(np.mean(error < 1e-6))
            else:
                metrics[f"error_{method}"] = metrics[f"converged_{method}"] = float("nan")
        a = params["lr_L"]
        if params["model"] == "linear" and B == 1:
            x_hat = Xb[:, 0] / norms(Xb[:, 0])[:, None]
            shifted = theta_next - lr[:, None] * yb * Xb[:, 0]
            along = np.abs(np.einsum("tp,tp->t", shifted, x_hat))
            metrics["predicted_neumann"] = float(np.median(a ** (K + 1) / abs(1 - a) * along / scale))
            metrics["predicted_fixed_point"] = float(np.median(a**K * norms(theta_next - theta) / scale))
        else:
            metrics["predicted_neumann"] = metrics["predicted_fixed_point"] = float("nan")
        # forward stability: repeat the forward step on the same batch, measure the per-step contraction
        repeated = Schedule.from_indices(np.repeat(batch[:, None, :], params["forward_steps"], axis=1))
        start_grad = norms(model.weighted_gradient(theta, Xb, yb, weights))
        end = run_sgd(model, data.X, data.y, theta, repeated, lr).theta
        end_grad = norms(model.weighted_gradient(end, Xb, yb, weights))
        ratio = np.nan_to_num(end_grad / np.maximum(start_grad, 1e-300), nan=np.inf, posinf=np.inf)
        metrics["forward_contraction"] = float(np.median(ratio ** (1.0 / params["forward_steps"])))
    metrics["predicted_forward_contraction"] = metrics["slowest_mode_contraction"] = float("nan")
    if params["model"] == "linear":
        # the batch gradient obeys g_{k+1} = (I - lr A_B) g_k, so the measured quantity -- the gradient-norm ratio
        # over forward_steps steps, per step -- is predicted exactly by applying I - lr A_B to g_0 that many times;
        # it mixes the modes as g_0 does. Its limit for many steps is the slowest non-zero mode
        # max |1 - lr lambda_i| (lambda_i > 0), which a few steps of a batch with B > 1 do not reach: g_0 has
        # little weight on the small eigenvalues.
        hessians = np.einsum("tb,tbp,tbq->tpq", weights, Xb, Xb)
        start = model.weighted_gradient(theta, Xb, yb, weights)
        gradient = start
        for _ in range(params["forward_steps"]):
            gradient = gradient - lr[:, None] * np.einsum("tpq,tq->tp", hessians, gradient)
        ratio = norms(gradient) / np.maximum(norms(start), 1e-300)
        metrics["predicted_forward_contraction"] = float(np.median(ratio ** (1.0 / params["forward_steps"])))
        eigenvalues = np.linalg.eigvalsh(hessians)
        active = eigenvalues > 1e-12 * eigenvalues[:, -1:]
        rate = np.where(active, np.abs(1 - lr[:, None] * eigenvalues), 0.0).max(axis=1)
        metrics["slowest_mode_contraction"] = float(np.median(rate))
    return metrics


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    K = frame["terms"].max()
    linear = frame[
        (frame["model"] == "linear") & (frame["batch_size"] == frame["batch_size"].min()) & (frame["terms"] == K)
    ]
    mean = linear.groupby("lr_L").mean(numeric_only=True)
    for method in ("closed", "neumann", "fixed_point"):
        log_plot(
            axes[0, 0],
            mean.index,
            mean[f"error_{method}"].clip(upper=1e30),
            "o",
            logx=False,
            color=colour(method),
            label=f"{method} measured",
        )
        if method != "closed":
            log_plot(
                axes[0, 0],
                mean.index,
                mean[f"predicted_{method}"].clip(upper=1e30),
                "-",
                logx=False,
                color=colour(method),
                label=f"{method} predicted",
            )
    batch_sizes = sorted(frame["batch_size"].unique())
    styles = ["o-", "s--", "^:", "D-."]
    for model, group in frame[frame["terms"] == K].groupby(["model", "batch_size"]):
        g = group.groupby("lr_L").mean(numeric_only=True)
        style = styles[batch_sizes.index(model[1]) % len(styles)]
        log_plot(
            axes[0, 1],
            g.index,
            g["error_fixed_point"].clip(upper=1e30),
            style,
            logx=False,
            color=colour(model[0]),
            label=f"{model[0]}, B={model[1]}",
        )
        axes[0, 2].plot(
            g.index,
            g["forward_contraction"].clip(0, 3),
            style[0],
            color=colour(model[0]),
            label=f"{model[0]}, B={model[1]}",
        )
        if model[0] == "linear":
            axes[0, 2].plot(
                g.index,
                g["predicted_forward_contraction"],
                style[1:] or "-",
                color=colour(model[0]),
                alpha=0.6,
                label=f"predicted, B={model[1]}",
            )
    for ax in axes[0]:
        ax.axvline(1.0, color="grey", linestyle=":")
        ax.axvline(2.0, color="grey", linestyle="--")
        ax.axvspan(1.0, 2.0, color="orange", alpha=0.08)
        legend_outside(ax, ncols=1)
    axes[0, 0].set(
        xlabel="$\\lambda L$ (dimensionless)",
        ylabel="relative error $|\\hat\\theta-\\theta|/|\\theta|$",
        title=f"linear, one point, K={K}",
    )
    axes[0, 1].set(
        xlabel="$\\lambda L$ (dimensionless)",
        ylabel="relative error $|\\hat\\theta-\\theta|/|\\theta|$",
        title=f"fixed-point inversion, K={K}",
    )
    axes[0, 2].set(
        xlabel="$\\lambda L$ (dimensionless)",
        ylabel="forward contraction per step (ratio)",
        title="forward GD stable iff < 1 (shaded: stable, not invertible by $\\Psi$)",
    )
    return save_figure(fig, figures_dir, "inversion")


SWEEP = Sweep(
    "inversion", "Inverting one step: closed form, Neumann, fixed point vs lr * L", __doc__, LEMMAS, PARAMS, cell, plot
)
