r"""Sweep ``interleaved-unlearning``: every unlearning method against retraining, on linear regression.

Draft, "The problem of interleaved gradient steps": when the forget set is interleaved with the retain
set, an exact unlearner must undo every step from the first forgotten one and replay the rest, which is
"not more efficient than retraining" (lemma interleaved-unlearning-cost). With :math:`m` forgotten points
in random positions among :math:`n`, the retained steps before the first forgotten one number
:math:`(n-m)/(m+1)` on average, so rewind-and-replay over :math:`E` epochs costs a fraction

.. math:: 1 - \frac{1}{E(m+1)}

of retraining (``early``: the forgotten points open every epoch, cost 1; ``late``: they close every
epoch, cost :math:`1 - 1/E`). Approximate methods (gradient ascent, amnesiac, fine-tuning, NegGrad+) are
cheaper but do not reach the retrained model; their distance is reported relative to doing nothing,
:math:`|\theta_M - \theta_{\text{retrain}}| / |\theta_T - \theta_{\text{retrain}}|` (1 = no progress).
Exact inversion (closed form, Neumann, fixed point) is exact in exact arithmetic but amplifies rounding by
:math:`\prod_s \|(I - \lambda A_s)^{-1}\|`, the cost of inverting contracting steps.

Data: diabetes (``n_samples`` first rows, unit-scaled), ``n_traj`` random orders per cell, :math:`\theta_0 = 0`.
"""

from __future__ import annotations

import numpy as np

from sims.engines import Schedule, make_model, make_schedule
from sims.plotting import colour, legend_outside, log_plot, save_figure, styles, subplots
from sims.sweeps.common import model_and_data, norms
from sims.sweeps.spec import Param, Sweep
from sims.unlearning import EngineRun, unlearn

LEMMAS = (
    "interleaved-unlearning-cost",
    "commuting-steps-cheap",
    "ga-not-inverse",
    "gradient-insufficient",
    "lr-inverse-iff",
    "clean-training-forgets",
    "clean-training-forgets-iff",
    "interleaved-no-efficient-algorithm",
)

METHODS = (
    "rewind_replay",
    "gradient_ascent",
    "amnesiac",
    "finetune",
    "neggrad_plus",
    "inversion_closed",
    "inversion_neumann",
    "inversion_fixed_point",
)

PARAMS = (
    Param(
        "forget_fractions",
        "floats",
        [0.01, 0.05, 0.2],
        "fraction of the data to forget",
        paper=[0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
        axis="forget_fraction",
        minimum=1e-6,
        maximum=0.9,
    ),
    Param(
        "positions",
        "strs",
        ["interleaved", "early", "late"],
        "where the forgotten points sit in each epoch",
        axis="position",
        choices=("interleaved", "early", "late"),
    ),
    Param("lrs", "floats", [0.03, 0.3], "learning rate", paper=[0.01, 0.03, 0.1, 0.3, 0.6], axis="lr", minimum=1e-12),
    Param("batch_sizes", "ints", [1, 8], "mini-batch size", paper=[1, 4, 16, 64], axis="batch_size", minimum=1),
    Param("epochs", "int", 2, "training epochs", paper=5, minimum=1),
    Param("n_samples", "int", 200, "rows of diabetes used", paper=442, minimum=4, maximum=442),
    Param("n_traj", "int", 8, "random orders per cell (the trajectory axis)", paper=32, minimum=1),
    Param("ascent_epochs", "int", 1, "passes of gradient ascent over the forget set", minimum=1),
    Param("finetune_epochs", "int", 1, "epochs of fine-tuning / NegGrad+ on the retain set", minimum=1),
    Param("beta", "float", 0.995, "NegGrad+ weight of the retain loss (draft: 0.995)", minimum=0.0, maximum=1.0),
    Param("inversion_terms", "int", 20, "Neumann terms / fixed-point iterations per inverted step", minimum=0),
)


def place(schedule: Schedule, forget: np.ndarray, epochs: int, position: str) -> Schedule:
    """Reorder every epoch so that the forgotten points come first (``early``) or last (``late``)."""
    if position == "interleaved":
        return schedule
    T = schedule.n_traj
    flat_index = schedule.indices.reshape(T, epochs, -1)
    flat_weight = schedule.weights.reshape(T, epochs, -1)
    is_forget = forget[flat_index] & (flat_weight != 0)
    key = np.where(flat_weight == 0, 2, np.where(is_forget, 0, 1) if position == "early" else np.where(is_forget, 1, 0))
    order = np.argsort(key, axis=2, kind="stable")
    reorder = lambda a: np.take_along_axis(a, order, axis=2).reshape(schedule.indices.shape)
    return Schedule(reorder(flat_index), reorder(flat_weight))


def predicted_rewind_cost(m: int, epochs: int, position: str) -> float:
    """Expected rewind-and-replay cost as a fraction of retraining (module docstring)."""
    return {"interleaved": 1 - 1 / (epochs * (m + 1)), "early": 1.0, "late": 1 - 1 / epochs}[position]


def cell(params: dict) -> dict:
    rng = np.random.default_rng(params["seed"])
    _, data = model_and_data("linear")
    n, T = params["n_samples"], params["n_traj"]
    X, y = data.X[:n], data.y[:n]
    model = make_model("linear", data.p)
    m = max(1, int(round(params["forget_fraction"] * n)))
    forget = np.zeros(n, dtype=bool)
    forget[rng.choice(n, size=m, replace=False)] = True
    schedule = make_schedule(n, T, params["epochs"], params["batch_size"], rng)
    schedule = place(schedule, forget, params["epochs"], params["position"])
    run = EngineRun.train(model, X, y, np.zeros((T, data.p)), schedule, params["lr"], forget)
    problem = run.problem(rng)  # the methods' shuffles continue the cell's generator
    reference = unlearn("retrain", problem)
    baseline = norms(run.full.theta - reference.theta)
    results = [
        unlearn("rewind_replay", problem),
        unlearn("gradient_ascent", problem, epochs=params["ascent_epochs"]),
        unlearn("amnesiac", problem),
        unlearn("finetune", problem, epochs=params["finetune_epochs"]),
        unlearn("neggrad_plus", problem, beta=params["beta"], epochs=params["finetune_epochs"]),
    ]
    results += [
        unlearn(f"inversion_{method}", problem, terms=params["inversion_terms"])
        for method in ("closed", "neumann", "fixed_point")
    ]
    metrics = {
        "forgotten": m,
        "distance_full_to_retrain": float(np.median(baseline)),
        "retrain_cost": reference.grad_evals / T,
        "predicted_rewind_cost": predicted_rewind_cost(m, params["epochs"], params["position"]),
        "first_forgotten_step": float(np.mean(run.first_touch)),
        "n_steps": schedule.n_steps,
    }
    with np.errstate(over="ignore", invalid="ignore"):
        for result in results:
            relative = norms(result.theta - reference.theta) / np.maximum(baseline, 1e-300)
            metrics[f"distance_{result.method}"] = float(np.median(np.nan_to_num(relative, nan=np.inf)))
            metrics[f"cost_{result.method}"] = result.grad_evals / reference.grad_evals
            metrics[f"memory_bytes_{result.method}"] = result.memory_bytes / T
    return metrics


def plot(frame, figures_dir) -> list:
    fig, axes = subplots(3)
    inter = frame[frame["position"] == "interleaved"]
    lr_small, b_small = inter["lr"].min(), inter["batch_size"].min()
    sub = inter[np.isclose(inter["lr"], lr_small) & (inter["batch_size"] == b_small)]
    mean = sub.groupby("forget_fraction").mean(numeric_only=True)
    look = styles(METHODS)
    for method in METHODS:
        log_plot(axes[0, 0], mean.index, mean[f"distance_{method}"], "-", label=method, **look[method])
        axes[0, 1].semilogx(mean.index, mean[f"cost_{method}"], "-", label=method, **look[method])
    axes[0, 1].semilogx(mean.index, mean["predicted_rewind_cost"], "k--", label="predicted rewind $1-1/(E(m+1))$")
    axes[0, 0].set(
        xlabel="forget fraction (dimensionless)",
        ylabel="$|\\theta_M-\\theta_{re}|/|\\theta_T-\\theta_{re}|$ (ratio)",
        title=f"distance to retrained, $\\lambda$={lr_small:g}, B={b_small}",
    )
    axes[0, 1].set(
        xlabel="forget fraction (dimensionless)",
        ylabel="cost / retraining cost (gradient evaluations)",
        title="cost of each method",
        yscale="symlog",
    )
    lr_sub = frame[np.isclose(frame["lr"], lr_small) & (frame["batch_size"] == b_small)]
    for position, group in lr_sub.groupby("position"):
        g = group.groupby("forget_fraction").mean(numeric_only=True)
        axes[0, 2].semilogx(g.index, g["cost_rewind_replay"], "o", color=colour(position), label=f"{position} measured")
        axes[0, 2].semilogx(
            g.index, g["predicted_rewind_cost"], "--", color=colour(position), label=f"{position} predicted"
        )
    axes[0, 2].set(
        xlabel="forget fraction (dimensionless)",
        ylabel="rewind-replay cost / retraining (ratio)",
        title="position of the forgotten steps",
        ylim=(0, 1.05),
    )
    for ax in axes[0]:
        legend_outside(ax, ncols=1)
    return save_figure(fig, figures_dir, "interleaved-unlearning")


SWEEP = Sweep(
    "interleaved-unlearning",
    "Unlearning an interleaved forget set: distance to retraining and cost",
    __doc__,
    LEMMAS,
    PARAMS,
    cell,
    plot,
)
