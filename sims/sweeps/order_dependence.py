r"""Sweep ``order-dependence``: the spread of final models over random orders of the same SGD steps.

Draft, "Inverting many gradient steps is hard since they don't commute" and "Easier cases": steps of
linear regression do not commute, :math:`[\Phi_z, \Phi_{z'}] = \lambda^2 (x\cdot x')(r' x - r x')`
(lemma lr-commutator-formula), of a smooth loss :math:`\lambda^2(H_{z'} g_z - H_z g_{z'}) + O(\lambda^3)`
(commutator-logistic); the draft conjectures that a single minimum makes every order reach the same
optimum (single-minimum-order-free), which the package refines: it holds for *consistent* least
squares (consistent-order-free) but not for inconsistent ones (inconsistent-order-gap). For random
reshuffling, Mishchenko, Khaled & Richtarik (2020, Thm. 1) bound the end-of-epoch distance to the optimum
by :math:`\|x - x^\star\|^2 \lesssim \gamma^2\sigma^2_{\rm shuffle}/\mu` with
:math:`\sigma^2_{\rm shuffle} \le \gamma L n \sigma_\star^2/4`, i.e. a distance :math:`O(\lambda^{3/2})`: the
predicted slope of the spread against the learning rate, once the start is forgotten, is 3/2. ``start =
optimum`` starts every order at the optimum (no transient), ``start = zero`` at 0.

Per cell: ``n_perms`` trajectories see the same ``n_samples`` synthetic points (dimension ``dim``) in
different random orders for ``epochs`` epochs, from :math:`\theta_0 = 0`. ``order = sorted`` (logistic
only) keeps the classes in blocks (class 0 then class 1), shuffled inside each block. Problems:
``consistent`` (:math:`y = X\theta^\star`), ``inconsistent`` (noise ``noise``), ``logistic`` (two classes
``separation`` apart, ridge ``l2`` so that the optimum is unique). The two-step commutator of random
pairs at the final mean model is measured on the engine and compared with its closed form / second-order
prediction.
"""

from __future__ import annotations

import numpy as np

from sims.data import synthetic_classification, synthetic_regression
from sims.engines import Schedule, make_model, make_schedule, point_gradient, run_sgd
from sims.engines.linear import least_squares_optimum
from sims.engines.logistic import logistic_optimum
from sims.plotting import colour, legend_outside, log_plot, save_figure, slope_label, subplots
from sims.sweeps.common import norms
from sims.sweeps.spec import Param, Sweep

LEMMAS = (
    "single-minimum-order-free",
    "consistent-order-free",
    "inconsistent-order-gap",
    "lr-commutator-formula",
    "commutator-small-lr",
    "commutator-grows-with-dim",
    "commutator-random-inputs",
    "commutator-logistic",
    "different-classes-no-commute",
    "steps-commute-iff-equal",
    "commutator-similar-points",
    "commutator-quadratic",
    "asymptotic-commutativity-networks",
)

PARAMS = (
    Param(
        "problems",
        "strs",
        ["consistent", "inconsistent", "logistic"],
        "least squares with / without exact fit, or logistic regression",
        axis="problem",
        choices=("consistent", "inconsistent", "logistic"),
    ),
    Param(
        "lrs",
        "floats",
        [0.01, 0.03, 0.1, 0.3],
        "learning rate",
        paper=[0.003, 0.01, 0.03, 0.1, 0.3, 0.6],
        axis="lr",
        minimum=1e-12,
    ),
    Param("dims", "ints", [5, 20, 80], "input dimension p", paper=[2, 5, 10, 20, 40, 80, 160], axis="dim", minimum=1),
    Param(
        "epochs_list",
        "ints",
        [1, 4, 16],
        "epochs over the data",
        paper=[1, 2, 4, 8, 16, 32, 64],
        axis="epochs",
        minimum=1,
    ),
    Param(
        "orders",
        "strs",
        ["shuffled", "sorted"],
        "data order (sorted: class-sorted, logistic only)",
        axis="order",
        choices=("shuffled", "sorted"),
    ),
    Param(
        "starts",
        "strs",
        ["zero", "optimum"],
        "initial parameters: 0, or the optimum (no transient)",
        axis="start",
        choices=("zero", "optimum"),
    ),
    Param("n_samples", "int", 100, "data points", paper=400, minimum=2),
    Param("n_perms", "int", 32, "random orders per cell (the trajectory axis)", paper=128, minimum=2),
    Param("batch_size", "int", 1, "mini-batch size (1 = per-sample SGD)", minimum=1),
    Param("noise", "float", 0.5, "label noise of the inconsistent problem", minimum=0.0),
    Param("separation", "float", 2.0, "class separation of the logistic problem", minimum=0.0),
    Param("l2", "float", 0.01, "ridge coefficient of the logistic problem", minimum=1e-12),
    Param("condition", "float", 10.0, "condition number of the input covariance", minimum=1.0),
)


def _keep(cell: dict) -> bool:
    return cell["order"] == "shuffled" or cell["problem"] == "logistic"


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    n, p, T = params["n_samples"], params["dim"], params["n_perms"]
    if params["problem"] == "logistic":
        data = synthetic_classification(n, p, rng, params["separation"], params["condition"])
        model = make_model("logistic", p, l2=params["l2"])
        optimum = logistic_optimum(data.X, data.y, params["l2"])
    else:
        noise = 0.0 if params["problem"] == "consistent" else params["noise"]
        data = synthetic_regression(n, p, rng, params["condition"], noise)
        model = make_model("linear", p)
        optimum = least_squares_optimum(data.X, data.y)
    schedule = make_schedule(n, T, params["epochs"], params["batch_size"], rng, params["order"], labels=data.y)
    theta_start = np.zeros((T, p)) if params["start"] == "zero" else np.repeat(optimum[None], T, axis=0)
    final = run_sgd(model, data.X, data.y, theta_start, schedule, params["lr"]).theta
    center = final.mean(axis=0)
    spread = norms(final - center)
    # two-step commutators of random pairs at the mean final model: engine vs prediction
    pairs = rng.integers(0, n, size=(T, 2))
    theta = np.repeat(center[None], T, axis=0)
    ab = run_sgd(model, data.X, data.y, theta, Schedule.from_indices(pairs[:, :, None]), params["lr"]).theta
    ba = run_sgd(model, data.X, data.y, theta, Schedule.from_indices(pairs[:, ::-1, None]), params["lr"]).theta
    xa, ya, xb, yb = data.X[pairs[:, 0]], data.y[pairs[:, 0]], data.X[pairs[:, 1]], data.y[pairs[:, 1]]
    ga, gb = point_gradient(model, theta, xa, ya), point_gradient(model, theta, xb, yb)
    predicted = params["lr"] ** 2 * (model.hessian_vector(theta, xb, yb, ga) - model.hessian_vector(theta, xa, ya, gb))
    commutator = ab - ba  # (step a then b) - (step b then a) = lr^2 (H_b g_a - H_a g_b) + O(lr^3)
    same_class = ya == yb if params["problem"] == "logistic" else np.zeros(T, dtype=bool)
    return {
        "spread": float(np.median(spread)),
        "relative_spread": float(np.median(spread) / max(np.linalg.norm(optimum), 1e-300)),
        "distance_to_optimum": float(np.median(norms(final - optimum))),
        "mean_distance_to_optimum": float(np.linalg.norm(center - optimum)),
        "commutator_rms": float(np.sqrt(np.mean(norms(commutator) ** 2))),
        "commutator_predicted_rms": float(np.sqrt(np.mean(norms(predicted) ** 2))),
        "commutator_deviation": float(np.median(norms(commutator - predicted) / np.maximum(norms(predicted), 1e-300))),
        "commutator_same_class_rms": _rms(commutator[same_class]),
        "commutator_other_class_rms": _rms(commutator[~same_class])
        if params["problem"] == "logistic"
        else float("nan"),
    }


def _rms(rows: np.ndarray) -> float:
    return float(np.sqrt(np.mean(norms(rows) ** 2))) if len(rows) else float("nan")


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    start = "optimum" if (frame["start"] == "optimum").any() else frame["start"].iloc[0]
    shuffled = frame[(frame["order"] == "shuffled") & (frame["start"] == start)]
    epochs_max, dim_mid = shuffled["epochs"].max(), sorted(shuffled["dim"].unique())[len(shuffled["dim"].unique()) // 2]
    for problem, group in shuffled[(shuffled["epochs"] == epochs_max) & (shuffled["dim"] == dim_mid)].groupby(
        "problem"
    ):
        mean = group.groupby("lr")["relative_spread"].mean()
        log_plot(
            axes[0, 0],
            mean.index,
            mean.values,
            "o",
            color=colour(problem),
            label=f"{problem} ({slope_label(mean.index, mean.values)})",
        )
        if problem != "consistent" and mean.iloc[-1] > 0:
            ref = mean.values[-1] * (mean.index / mean.index[-1]) ** 1.5
            axes[0, 0].loglog(
                mean.index, ref, "--", color=colour(problem), label=f"{problem}: predicted $\\propto\\lambda^{{3/2}}$"
            )
    axes[0, 0].set(
        xlabel="learning rate $\\lambda$ (dimensionless)",
        ylabel="spread over orders / $|\\theta^\\star|$ (ratio)",
        title=f"order dependence, start {start}, p={dim_mid}, {epochs_max} epochs",
    )
    shuffled = (
        frame[(frame["order"] == "shuffled") & (frame["start"] == "zero")]
        if (frame["start"] == "zero").any()
        else shuffled
    )
    lr_mid = sorted(shuffled["lr"].unique())[len(shuffled["lr"].unique()) // 2]
    for problem, group in shuffled[np.isclose(shuffled["lr"], lr_mid)].groupby("problem"):
        for j, (epochs, sub) in enumerate(group.groupby("epochs")):
            mean = sub.groupby("dim")["relative_spread"].mean()
            log_plot(
                axes[0, 1],
                mean.index,
                mean.values,
                "o-",
                color=colour(problem),
                alpha=0.4 + 0.6 * j / max(1, group["epochs"].nunique() - 1),
                label=f"{problem}, {epochs} ep",
            )
    axes[0, 1].set(
        xlabel="input dimension p (count)",
        ylabel="spread over orders / $|\\theta^\\star|$ (ratio)",
        title=f"spread vs dimension, start 0 ($\\lambda$={lr_mid:g})",
    )
    logistic = frame[
        (frame["problem"] == "logistic")
        & (frame["epochs"] == epochs_max)
        & (frame["dim"] == dim_mid)
        & (frame["start"] == ("zero" if (frame["start"] == "zero").any() else start))
    ]
    for order, group in logistic.groupby("order"):
        mean = group.groupby("lr")[["distance_to_optimum", "spread"]].mean()
        log_plot(
            axes[0, 2],
            mean.index,
            mean["distance_to_optimum"],
            "o-",
            color=colour(order),
            label=f"{order}: distance to optimum",
        )
        log_plot(axes[0, 2], mean.index, mean["spread"], "s--", color=colour(order), label=f"{order}: spread")
    axes[0, 2].set(
        xlabel="learning rate $\\lambda$ (dimensionless)",
        ylabel="parameter distance (parameter units)",
        title="logistic, start 0: shuffled vs class-sorted",
    )
    for ax in axes[0]:
        legend_outside(ax, ncols=1)
    return save_figure(fig, figures_dir, "order-dependence")


SWEEP = Sweep(
    "order-dependence",
    "Spread of final models over random orders of the same steps",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
    keep=_keep,
)
