r"""Sweep ``aggregator-poisoning``: the poison's trace per aggregator, and what each unlearning method costs.

Extends ``poisoned-batches`` (draft, "Poisoned batches": poisons in a batch act as Byzantine gradients,
Farhadkhani et al. 2022) from mean / median to every aggregator of :mod:`theory.models.aggregation.robust`, against
the fraction of poisoned points. Data: ``n_samples`` rows of diabetes (unit-scaled) plus
``poison_fraction * n`` poisons, copies of random rows with the label shifted by ``amplitude``; linear
regression, mini-batches of ``batch_size``, the same random orders for every aggregator (seeded).

Metrics (medians over ``n_traj`` orders): ``trace`` :math:`|\theta_{\text{poisoned}} - \theta_{\text{clean}}|`
(clean = retrained without the poisons, same order), ``relative_trace`` (over :math:`|\theta_{\text{clean}}|`),
``clean_loss`` of the clean model; per unlearning method, ``distance_<method>`` to the clean model over the
trace (0 = exact, 1 = did nothing) and ``cost_<method>``, its gradient evaluations over retraining's.
Methods: ``rewind_replay`` (exact: rewind to the first poisoned step and replay without the poisons; works
for every aggregator because it recomputes the aggregate), ``step_correction`` (re-aggregate each poisoned
batch without its poisons at the stored :math:`\theta_t` and add :math:`\lambda(\mathrm{agg}_t -
\mathrm{agg}_t^{\text{clean}})`; ignores later steps), ``amnesiac``, ``finetune``, ``gradient_ascent``,
``neggrad_plus``. A robust aggregator that bounds the trace leaves less to unlearn, but only rewind-replay is
exact: with a median the stored aggregate does not even determine the clean step
(median-removal-not-from-median).
"""

from __future__ import annotations

import numpy as np

from sims.engines import aggregate_gradients, make_model, make_schedule
from sims.plotting import legend_outside, log_plot, save_figure, styles, subplots
from sims.sweeps.common import model_and_data, norms
from sims.sweeps.spec import Param, Sweep
from sims.unlearning import EngineRun, unlearn
from theory.models.aggregation import AGGREGATORS

LEMMAS = (
    "aggregator-breakdown",
    "median-removal-not-from-median",
    "median-window-suffices",
    "batch-weighted-decomposition",
)

METHODS = ("rewind_replay", "step_correction", "amnesiac", "finetune", "gradient_ascent", "neggrad_plus")

PARAMS = (
    Param("aggregators", "strs", list(AGGREGATORS), "aggregators (name or name:beta)", axis="aggregator"),
    Param(
        "poison_fractions",
        "floats",
        [0.05, 0.3],
        "poisons added, as a fraction of the clean data",
        paper=[0.01, 0.05, 0.1, 0.2, 0.3, 0.5],
        axis="poison_fraction",
        minimum=1e-6,
        maximum=1.0,
    ),
    Param("amplitude", "float", 8.0, "label shift of the poisons (target std units)", minimum=0.0),
    Param("batch_size", "int", 8, "mini-batch size", paper=32, minimum=1),
    Param("n_samples", "int", 200, "rows of diabetes used", paper=442, minimum=8, maximum=442),
    Param("lr", "float", 0.1, "learning rate", minimum=1e-12),
    Param("epochs", "int", 1, "training epochs", paper=5, minimum=1),
    Param("n_traj", "int", 4, "random orders per cell", paper=32, minimum=1),
    Param("beta", "float", 0.995, "NegGrad+ weight of the retain loss (draft: 0.995)", minimum=0.0, maximum=1.0),
)


def step_correction(run: EngineRun) -> np.ndarray:
    """theta_T + sum over poisoned steps of lr (agg_t - agg_t without the poisons), both at the stored theta_t."""
    schedule, lr, X, y = run.schedule, run.lr, run.X, run.y
    touched = schedule.steps_touching(run.forget)
    theta = run.full.theta.copy()
    checkpoints, updates = run.full.checkpoints, run.full.updates
    assert checkpoints is not None and updates is not None  # EngineRun.train records both by default
    for s in np.flatnonzero(touched.any(axis=0)):
        rows = touched[:, s]
        index, weights = schedule.indices[rows, s], schedule.weights[rows, s]
        grads = run.model.per_example_gradients(checkpoints[rows, s], X[index], y[index])
        clean_w = np.where(run.forget[index], 0.0, weights)
        step = -updates[rows, s] / lr[rows, None]
        theta[rows] += lr[rows, None] * (step - aggregate_gradients(grads, clean_w, run.aggregate))
    return theta


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    _, data = model_and_data("linear")
    n, T, lr = params["n_samples"], params["n_traj"], params["lr"]
    n_poison = max(1, int(round(params["poison_fraction"] * n)))
    source = rng.choice(n, size=n_poison, replace=True)
    X = np.concatenate([data.X[:n], data.X[source]])
    y = np.concatenate([data.y[:n], data.y[source] + params["amplitude"]])
    poison = np.arange(len(y)) >= n
    model = make_model("linear", data.p)
    schedule = make_schedule(len(y), T, params["epochs"], params["batch_size"], rng)
    run = EngineRun.train(model, X, y, np.zeros((T, data.p)), schedule, lr, poison, params["aggregator"])
    problem = run.problem(np.random.default_rng(params["seed"] + 1))
    reference = unlearn("retrain", problem)
    clean = reference.theta
    trace = norms(run.full.theta - clean)
    results = {
        "rewind_replay": unlearn("rewind_replay", problem),
        "amnesiac": unlearn("amnesiac", problem),
        "finetune": unlearn("finetune", problem, epochs=1),
        "gradient_ascent": unlearn("gradient_ascent", problem),
        "neggrad_plus": unlearn("neggrad_plus", problem, beta=params["beta"], epochs=1),
    }
    residual = X[:n] @ clean.T - y[:n, None]
    metrics = {
        "poisons": n_poison,
        "trace": float(np.median(trace)),
        "relative_trace": float(np.median(trace / np.maximum(norms(clean), 1e-300))),
        "clean_loss": float(np.median(0.5 * np.mean(residual**2, axis=0))),
        "retrain_cost": reference.grad_evals / T,
    }
    with np.errstate(over="ignore", invalid="ignore"):
        distances = {name: norms(result.theta - clean) for name, result in results.items()}
        distances["step_correction"] = norms(step_correction(run) - clean)
        for name in METHODS:
            relative = distances[name] / np.maximum(trace, 1e-300)
            metrics[f"distance_{name}"] = float(np.median(np.nan_to_num(relative, nan=np.inf)))
            evals = (
                results[name].grad_evals
                if name in results
                else int(schedule.steps_touching(poison).sum() * params["batch_size"])
            )
            metrics[f"cost_{name}"] = evals / reference.grad_evals
    return metrics


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    look = styles(frame["aggregator"].unique())
    for name, group in frame.groupby("aggregator"):
        g = group.groupby("poison_fraction").mean(numeric_only=True)
        log_plot(axes[0, 0], g.index, g["trace"], "-", label=name, **look[name])
        axes[0, 1].semilogx(g.index, g["distance_step_correction"], "-", label=name, **look[name])
        axes[0, 2].semilogx(g.index, g["distance_finetune"], "-", label=name, **look[name])
    axes[0, 0].set(
        xlabel="poisoned fraction",
        ylabel=r"$|\theta_{\mathrm{poisoned}} - \theta_{\mathrm{clean}}|$",
        title="trace of the poison",
    )
    axes[0, 1].set(xlabel="poisoned fraction", ylabel="distance to clean / trace", title="per-step correction")
    axes[0, 2].set(xlabel="poisoned fraction", ylabel="distance to clean / trace", title="fine-tuning (1 epoch)")
    legend_outside(axes[0, 0], ncols=2)
    return save_figure(fig, figures_dir, "aggregator-poisoning")


SWEEP = Sweep(
    "aggregator-poisoning",
    "Poisons under every aggregator: trace, and the cost and error of unlearning",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
