"""Figures of the lifted checks, drawn from their result tables (``python -m empirical plot CHECK``).

One figure per (check, model, data) found under ``out_dir``, written to
``<fig_dir>/<check>_<model>_<data>.png`` (``fig_dir`` defaults to ``<out_dir>/<check>/figures``).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from empirical.poisoning.plots import PLOTTERS as POISONING_PLOTTERS
from sims.results import ResultStore
from theory.support import figure_style
from theory.support.figure_style import colour, legend_outside, log_plot

figure_style.use()

__all__ = ["plot_check"]

Rows = list[dict[str, Any]]


def _measurements(rows: Rows) -> Rows:
    return [row for row in rows if row.get("role") == "measurement"]


def _grouped(rows: Rows, key: str) -> dict[Any, Rows]:
    groups: dict[Any, Rows] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return dict(groups)


def _sweep(rows: Rows, title: str) -> plt.Figure:
    figure, axes = figure_style.figure(2)
    left, right = axes[0]
    cases = _grouped(_measurements(rows), "case")
    looks = figure_style.styles(cases)  # names sharing a colour get different markers
    for case, case_rows in cases.items():
        case_rows.sort(key=lambda r: r["lr"])
        lr = np.array([r["lr"] for r in case_rows])
        shade, marker = looks[str(case)]["color"], looks[str(case)]["marker"]
        log_plot(left, lr, [r["error_norm"] for r in case_rows], f"{marker}-", color=shade, label=case)
        log_plot(left, lr, [r["prediction_norm"] for r in case_rows], "--", color=shade)
        right.semilogx(lr, [r["ratio"] for r in case_rows], f"{marker}-", color=shade)
        left.loglog(lr, [r["roundoff_floor"] for r in case_rows], ":", color="grey")
    left.set(
        xlabel="learning rate $\\lambda$",
        ylabel="norm (parameter units)",
        title="measured (o-) vs $\\lambda^2$ prediction (--); rounding (:)",
    )
    right.axhline(1.0, color="black", lw=0.8)
    right.set(
        xlabel="learning rate $\\lambda$",
        ylabel="$\\langle E, P\\rangle / |P|^2$",
        title="ratio to the prediction",
        ylim=(-0.5, 2.5),
    )
    legend_outside(left, ncols=2)
    figure.suptitle(title)
    return figure


def _ascent(rows: Rows) -> plt.Figure:
    for row in rows:
        row["case"] = f"z={row.get('point')}"
    return _sweep(rows, "ascent-error: $\\theta_2 - \\theta_0$ vs $-\\lambda^2 H g$")


def _commutator(rows: Rows) -> plt.Figure:
    for row in rows:
        row["case"] = f"({row.get('point_a')},{row.get('point_b')})"
    return _sweep(rows, "commutator: $\\Phi_B\\Phi_A - \\Phi_A\\Phi_B$ vs $\\lambda^2 (H_B g_A - H_A g_B)$")


def _inversion(rows: Rows) -> plt.Figure:
    data = _measurements(rows)
    figure, axes = figure_style.figure(2)
    left, right = axes[0]
    rho = np.array([r["rho"] for r in data])
    rate = np.array([r["observed_rate"] for r in data], dtype=float)
    stable = np.array([str(r["forward_stable"]) in ("True", "true", "1") for r in data], dtype=bool)
    left.scatter(
        rho[stable], rate[stable], color=colour("linear"), label="forward stable ($\\lambda\\,$eig$_{max} < 2$)"
    )
    left.scatter(rho[~stable], rate[~stable], color=colour("logistic"), label="forward unstable")
    line = np.geomspace(min(rho.min(initial=1), 1) / 1.5, max(rho.max(initial=1), 1) * 1.5, 50)
    left.plot(line, line, "k--", lw=0.8, label="rate = rho")
    left.set_xscale("log")
    right.set_xscale("log")
    left.axvline(1, color="grey", lw=0.8)
    left.axhline(1, color="grey", lw=0.8)
    left.set_yscale("log")
    left.set(
        xlabel="$\\rho = \\lambda \\max|\\mathrm{eig}\\, H_z|$",
        ylabel="observed fixed-point rate",
        title="contraction of the fixed-point map",
    )
    legend_outside(left)
    relative_fp = [r["fp_final_error"] / r["fp_initial_error"] for r in data]
    relative_newton = [r["newton_error"] / r["fp_initial_error"] for r in data]
    order = np.argsort(rho)
    log_plot(
        right,
        rho[order],
        np.array(relative_fp)[order],
        "o",
        logx=True,
        color=colour("fixed_point"),
        label="fixed point",
        alpha=0.8,
    )
    log_plot(
        right,
        rho[order],
        np.array(relative_newton)[order],
        "x",
        logx=True,
        color=colour("newton"),
        label="Newton-MINRES",
    )
    right.axvline(1, color="grey", lw=0.8)
    right.set(xlabel="$\\rho$", ylabel="final error / initial error", title="inversion error")
    legend_outside(right)
    figure.suptitle("inversion-contraction")
    return figure


def _cosine(rows: Rows) -> plt.Figure:
    figure, axes = figure_style.figure(1)
    axis = axes[0, 0]
    by_epochs = sorted(_grouped(_measurements(rows), "pretrain_epochs").items())
    looks = figure_style.styles(f"pretrained {epochs}" for epochs, _ in by_epochs)
    for epochs, epoch_rows in by_epochs:
        by_k = _grouped(epoch_rows, "interleaved")
        ks = sorted(by_k)
        values = [np.array([r["cosine"] for r in by_k[k]]) for k in ks]
        look = looks[f"pretrained {epochs}"]
        shade = look["color"]
        axis.semilogx(
            ks, [np.median(v) for v in values], f"{look['marker']}-", color=shade, label=f"pretrained {epochs} ep."
        )
        axis.fill_between(ks, [v.min() for v in values], [v.max() for v in values], color=shade, alpha=0.15)
    axis.set(
        xlabel="interleaved mini-batches $k$",
        ylabel="$\\cos(g_z(\\theta_0), g_z(\\theta_1))$",
        title="Experiment 1: median, min-max band",
    )
    legend_outside(axis, ncols=2)
    return figure


def _craft(rows: Rows) -> plt.Figure:
    figure, axes = figure_style.figure(1)
    axis = axes[0, 0]
    points = _grouped(_measurements(rows), "point")
    looks = figure_style.styles(f"z={point}" for point in points)
    for point, point_rows in points.items():
        point_rows.sort(key=lambda r: r["step"])
        look = looks[f"z={point}"]
        axis.plot(
            [r["step"] for r in point_rows],
            [r["abs_cosine"] for r in point_rows],
            f"{look['marker']}-",
            color=look["color"],
            label=f"z={point}",
        )
    axis.set(
        xlabel="Adam step on the input",
        ylabel="$|\\cos(g_z(\\theta - \\lambda g_z), g_z(\\theta))|$",
        title="Experiment 2: crafting an orthogonal point",
        ylim=(0, 1.05),
    )
    legend_outside(axis, ncols=3)
    return figure


def _hard(rows: Rows) -> plt.Figure:
    data = _measurements(rows)
    spearman = {row["metric"]: row["value"] for row in rows if row.get("role") == "summary"}
    figure, axes = figure_style.figure(3)
    fgsm = np.array([r.get("kind") == "fgsm" for r in data], dtype=bool)
    labels = {"loss": "loss $\\ell_z$", "grad_norm": "$|g_z|$", "hessian_norm": "$|H_z|$"}
    for axis, name in zip(axes[0], ("loss", "grad_norm", "hessian_norm")):
        x = np.array([r[name] for r in data], dtype=float)
        y = np.array([r["ascent_error"] for r in data], dtype=float)
        axis.scatter(x[~fgsm], y[~fgsm], color=colour("data points"), label="data points", s=10)
        axis.scatter(x[fgsm], y[fgsm], color=colour("fgsm"), label="FGSM points", s=10)
        axis.set(
            xscale="log",
            yscale="log",
            xlabel=labels[name],
            ylabel="ascent error $|\\theta_2 - \\theta_0|$",
            title=f"Spearman {spearman.get(f'spearman_{name}_vs_ascent_error', float('nan')):.2f}",
        )
    legend_outside(axes[0, 0])
    figure.suptitle(
        f"hard-points; min Spearman between kinds {spearman.get('min_spearman_between_hard_kinds', float('nan')):.2f}"
    )
    return figure


_PLOTTERS = {
    "ascent-error": _ascent,
    "commutator": _commutator,
    "inversion-contraction": _inversion,
    "gradient-cosine": _cosine,
    "orthogonal-craft": _craft,
    "hard-points": _hard,
}
_PLOTTERS.update(POISONING_PLOTTERS)


def plot_check(
    name: str, out_dir: str | os.PathLike[str] = "results", fig_dir: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Draw check ``name``'s figures from ``out_dir`` into ``fig_dir`` (default ``<out_dir>/<name>/figures``, so
    that plotting never writes into the tracked docs unless asked); returns the files written."""
    if name not in _PLOTTERS:
        raise ValueError(f"unknown check {name!r}; known: {', '.join(_PLOTTERS)}")
    rows = ResultStore(out_dir, name).rows()
    if not rows:
        raise FileNotFoundError(
            f"no results for {name} under {Path(out_dir) / name}; run `python -m empirical run {name} ...` first"
        )
    fig_dir = Path(out_dir) / name / "figures" if fig_dir is None else Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (model, data), group in _grouped([{**r, "_key": (r["model"], r["data"])} for r in rows], "_key").items():
        figure = _PLOTTERS[name](group)
        # ignore: _suptitle is private, not in matplotlib's stubs; get_suptitle() needs matplotlib 3.8 (3.7 allowed)
        title = figure._suptitle.get_text() if figure._suptitle is not None else name  # type: ignore[attr-defined]
        figure.suptitle(f"{title}\n{model} on {data}: {_training_state(group)}")
        figure_style.wrap_labels(figure)
        path = fig_dir / f"{name}_{model}_{data.replace(':', '-')}.png"
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written


def _training_state(rows: Rows) -> str:
    """The model's training state recorded by the run (:func:`empirical.setup.prepare`), for the title."""
    try:
        setup = json.loads(rows[0].get("setup") or "{}")
    except (TypeError, ValueError):
        setup = {}
    if not isinstance(setup, dict):
        setup = {}
    epochs = setup.get("trained_epochs", (setup.get("train_options") or {}).get("epochs"))
    if rows[0].get("check") == "gradient-cosine" and not epochs:
        return "pretraining epochs per curve (legend)"
    return figure_style.training_state(epochs, setup.get("test_accuracy"))
