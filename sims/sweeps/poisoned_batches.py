r"""Sweep ``poisoned-batches``: what mean and median aggregation keep of a poison, and what can be undone.

Draft, "Poisoned batches": with mean aggregation the draft writes :math:`g_t = g_{t,c} + g_{t,p}` and
argues that the poison gradient is unknowable. The package corrects the decomposition to the weighted
:math:`g_t = \frac{n_c}{B} g_{t,c} + \frac{n_p}{B} g_{t,p}` (batch-weighted-decomposition), so a defender who
stored the batch mean and the model :math:`\theta_t` recovers the poison share exactly by recomputing the
clean gradients (poison-gradient-unknowable refuted when the batch mean is stored). What cannot be undone
cheaply is the effect of the poison on all *later* steps (non-commutativity): correcting each poisoned
step at its stored :math:`\theta_t`, :math:`\theta_T + \sum_t \lambda(g_t - \mathrm{agg}(g_{t,c}))`, still
misses the retrained model.

Data: diabetes (unit-scaled) plus ``poison_fraction * n`` poisons, copies of random points with the label
shifted by ``amplitude`` (linear regression is affine in the labels, so with mean aggregation the trace
of the poison is :math:`|d_0 + a\,d_1|`, affine in the amplitude :math:`a`, predicted from the runs with
shifts 0 and 1; at :math:`a = 0` the duplicated points alone leave a trace :math:`d_0`); ``median`` is the coordinate-wise median, whose
trace should saturate while poisons are a minority of each batch. Metrics (medians over ``n_traj``
random orders): the trace :math:`|\theta_{\text{poisoned}} - \theta_{\text{clean}}|`, the relative distance
to the clean retrained model after amnesiac unlearning and after the per-step correction, and the
relative errors of the draft's and of the weighted decomposition on the poisoned batches.
"""

from __future__ import annotations

import numpy as np

from sims.engines import aggregate_gradients, make_model, make_schedule, run_sgd
from sims.plotting import colour, legend_outside, log_plot, power_law_fit, save_figure, subplots
from sims.sweeps.common import model_and_data, norms
from sims.sweeps.spec import Param, Sweep
from sims.unlearning import EngineRun, unlearn

LEMMAS = (
    "batch-clean-plus-poison",
    "batch-weighted-decomposition",
    "poison-gradient-unknowable",
    "batch-mean-step",
    "commutator-high-amplitude",
)

PARAMS = (
    Param(
        "amplitudes",
        "floats",
        [0.5, 2.0, 8.0, 32.0],
        "label shift of the poisons (target units, std 1)",
        paper=[0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
        axis="amplitude",
        minimum=0.0,
    ),
    Param("aggregates", "strs", ["mean", "median"], "batch aggregation", axis="aggregate", choices=("mean", "median")),
    Param(
        "batch_sizes", "ints", [2, 8, 32], "mini-batch size", paper=[2, 4, 8, 16, 32, 64], axis="batch_size", minimum=1
    ),
    Param("poison_fraction", "float", 0.1, "poisons added, as a fraction of the clean data", minimum=1e-6, maximum=1.0),
    Param("lr", "float", 0.1, "learning rate", minimum=1e-12),
    Param("epochs", "int", 2, "training epochs", paper=5, minimum=1),
    Param("n_traj", "int", 8, "random orders per cell (the trajectory axis)", paper=32, minimum=1),
)


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    _, data = model_and_data("linear")
    n, T, lr, aggregate = data.n, params["n_traj"], params["lr"], params["aggregate"]
    n_poison = max(1, int(round(params["poison_fraction"] * n)))
    source = rng.choice(n, size=n_poison, replace=False)
    X = np.concatenate([data.X, data.X[source]])
    y = np.concatenate([data.y, data.y[source] + params["amplitude"]])
    poison = np.arange(len(y)) >= n
    model = make_model("linear", data.p)
    schedule = make_schedule(len(y), T, params["epochs"], params["batch_size"], rng)
    run = EngineRun.train(model, X, y, np.zeros((T, data.p)), schedule, lr, poison, aggregate)
    problem = run.problem()
    clean = unlearn("retrain", problem).theta
    trace = norms(run.full.theta - clean)
    # per-step correction at the stored checkpoints, and the decompositions on the poisoned batches
    touched = schedule.steps_touching(poison)
    correction = np.zeros_like(clean)
    draft_errors, weighted_errors = [], []
    checkpoints, updates = run.full.checkpoints, run.full.updates
    assert checkpoints is not None and updates is not None  # EngineRun.train records both by default
    for s in np.flatnonzero(touched.any(axis=0)):
        rows = touched[:, s]
        theta_s = checkpoints[rows, s]
        index, weights = schedule.indices[rows, s], schedule.weights[rows, s]
        grads = model.per_example_gradients(theta_s, X[index], y[index])
        is_poison = poison[index] & (weights != 0)
        clean_w, poison_w = np.where(is_poison, 0.0, weights), np.where(is_poison, weights, 0.0)
        step = -updates[rows, s] / lr
        correction[rows] += lr * (step - aggregate_gradients(grads, clean_w, aggregate))
        if aggregate == "mean":
            g_c, g_p = aggregate_gradients(grads, clean_w, "mean"), aggregate_gradients(grads, poison_w, "mean")
            n_c, n_p, B = clean_w.sum(1, keepdims=True), poison_w.sum(1, keepdims=True), weights.sum(1, keepdims=True)
            scale = np.maximum(norms(step), 1e-300)
            draft_errors.append(norms(step - (g_c + g_p)) / scale)
            weighted_errors.append(norms(step - (n_c / B * g_c + n_p / B * g_p)) / scale)
    predicted = float("nan")
    if aggregate == "mean":  # SGD with mean aggregation is affine in the labels: interpolate shifts 0 and 1
        shifted = [
            run_sgd(model, X, np.concatenate([data.y, data.y[source] + shift]), run.theta0, schedule, lr).theta
            for shift in (0.0, 1.0)
        ]
        predicted = float(np.median(norms(shifted[0] + params["amplitude"] * (shifted[1] - shifted[0]) - clean)))
    relative = lambda theta: float(np.median(norms(theta - clean) / np.maximum(trace, 1e-300)))
    return {
        "poisons": n_poison,
        "trace": float(np.median(trace)),
        "predicted_trace": predicted,
        "relative_trace": float(np.median(trace / np.maximum(norms(clean), 1e-300))),
        "distance_amnesiac": relative(unlearn("amnesiac", problem).theta),
        "distance_step_correction": relative(run.full.theta + correction),
        "draft_decomposition_error": float(np.median(np.concatenate(draft_errors))) if draft_errors else float("nan"),
        "weighted_decomposition_error": float(np.max(np.concatenate(weighted_errors)))
        if weighted_errors
        else float("nan"),
    }


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    batch_sizes = sorted(frame["batch_size"].unique())
    for (aggregate, batch), group in frame.groupby(["aggregate", "batch_size"]):
        g = group.groupby("amplitude").mean(numeric_only=True)
        # colour: the aggregation (the method); marker: the batch size; line: solid mean, dashed median
        style = "os^Dv"[batch_sizes.index(batch) % 5] + ("-" if aggregate == "mean" else "--")
        alpha = 0.45 + 0.55 * batch_sizes.index(batch) / max(1, len(batch_sizes) - 1)
        slope, _ = power_law_fit(g.index, g["trace"])
        log_plot(
            axes[0, 0],
            g.index,
            g["trace"],
            style,
            color=colour(aggregate),
            alpha=alpha,
            label=f"{aggregate}, B={batch} (slope {slope:.2f})",
        )
        axes[0, 1].semilogx(
            g.index,
            g["distance_step_correction"],
            style,
            color=colour(aggregate),
            alpha=alpha,
            label=f"{aggregate}, B={batch}",
        )
        log_plot(
            axes[0, 2],
            g.index,
            g["distance_amnesiac"],
            style,
            color=colour(aggregate),
            alpha=alpha,
            label=f"{aggregate}, B={batch}",
        )
    for (aggregate, batch), group in frame.groupby(["aggregate", "batch_size"]):
        if aggregate == "mean":
            g = group.groupby("amplitude")["predicted_trace"].mean()
            axes[0, 0].loglog(
                g.index,
                g.values,
                ":",
                color="k",
                linewidth=0.8,
                label="predicted (mean: affine in the labels)" if batch == frame["batch_size"].min() else None,
            )
    axes[0, 0].set(
        xlabel="poison label shift (target std units)",
        ylabel="$|\\theta_{poisoned}-\\theta_{clean}|$ (parameter units)",
        title="trace of the poison",
    )
    axes[0, 1].set(
        xlabel="poison label shift (target std units)",
        ylabel="distance to clean / trace (ratio)",
        title="per-step correction at stored $\\theta_t$",
    )
    axes[0, 2].set(
        xlabel="poison label shift (target std units)",
        ylabel="distance to clean / trace (ratio)",
        title="amnesiac (subtract poisoned batches)",
    )
    for ax in axes[0]:
        legend_outside(ax, ncols=1)
    return save_figure(fig, figures_dir, "poisoned-batches")


SWEEP = Sweep(
    "poisoned-batches",
    "Poisoned batches: trace kept by mean / median aggregation, what can be undone",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
