"""Figures of the lifted checks, drawn from their result tables (``python -m empirical plot CHECK``).

One figure per (check, model, data) found under ``out_dir``, written to
``<fig_dir>/<check>_<model>_<data>.png``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from empirical.poisoning.plots import PLOTTERS as POISONING_PLOTTERS  # noqa: E402
from sims.results import ResultStore  # noqa: E402

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
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for index, (case, case_rows) in enumerate(_grouped(_measurements(rows), "case").items()):
        case_rows.sort(key=lambda r: r["lr"])
        lr = np.array([r["lr"] for r in case_rows])
        colour = f"C{index % 10}"
        left.loglog(lr, [r["error_norm"] for r in case_rows], "o-", color=colour, label=case)
        left.loglog(lr, [r["prediction_norm"] for r in case_rows], "--", color=colour)
        right.semilogx(lr, [r["ratio"] for r in case_rows], "o-", color=colour)
        left.loglog(lr, [r["roundoff_floor"] for r in case_rows], ":", color="grey")
    left.set(xlabel="learning rate", ylabel="norm", title="measured (o-) vs lr^2 prediction (--); rounding (:)")
    right.axhline(1.0, color="black", lw=0.8)
    right.set(xlabel="learning rate", ylabel="<E, P> / |P|^2", title="ratio to the prediction", ylim=(-0.5, 2.5))
    left.legend(fontsize=7)
    figure.suptitle(title)
    return figure


def _ascent(rows: Rows) -> plt.Figure:
    for row in rows:
        row["case"] = f"z={row.get('point')}"
    return _sweep(rows, "ascent-error: theta2 - theta0 vs -lr^2 H g")


def _commutator(rows: Rows) -> plt.Figure:
    for row in rows:
        row["case"] = f"({row.get('point_a')},{row.get('point_b')})"
    return _sweep(rows, "commutator: Phi_B Phi_A - Phi_A Phi_B vs lr^2 (H_B g_A - H_A g_B)")


def _inversion(rows: Rows) -> plt.Figure:
    data = _measurements(rows)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    rho = np.array([r["rho"] for r in data])
    rate = np.array([r["observed_rate"] for r in data], dtype=float)
    left.scatter(rho, rate, c=["C0" if r["forward_stable"] else "C3" for r in data])
    line = np.geomspace(min(rho.min(initial=1), 1) / 1.5, max(rho.max(initial=1), 1) * 1.5, 50)
    left.plot(line, line, "k--", lw=0.8, label="rate = rho")
    left.set_xscale("log")
    right.set_xscale("log")
    left.axvline(1, color="grey", lw=0.8)
    left.axhline(1, color="grey", lw=0.8)
    left.set_yscale("log")
    left.set(xlabel="rho = lr max|eig H_z| (log)", ylabel="observed fixed-point rate (log)",
             title="contraction (blue: lr eig_max < 2, forward stable)")
    left.legend(fontsize=8)
    relative_fp = [r["fp_final_error"] / r["fp_initial_error"] for r in data]
    relative_newton = [r["newton_error"] / r["fp_initial_error"] for r in data]
    right.semilogy(rho, relative_fp, "o", label="fixed point", alpha=0.7)
    right.semilogy(rho, relative_newton, "x", label="Newton-MINRES", ms=9)
    right.axvline(1, color="grey", lw=0.8)
    right.set(xlabel="rho (log)", ylabel="final error / initial error", title="inversion error")
    right.legend(fontsize=8)
    figure.suptitle("inversion-contraction")
    return figure


def _cosine(rows: Rows) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(6, 4))
    for index, (epochs, epoch_rows) in enumerate(sorted(_grouped(_measurements(rows), "pretrain_epochs").items())):
        by_k = _grouped(epoch_rows, "interleaved")
        ks = sorted(by_k)
        values = [np.array([r["cosine"] for r in by_k[k]]) for k in ks]
        axis.semilogx(ks, [np.median(v) for v in values], "o-", color=f"C{index}", label=f"pretrained {epochs} ep.")
        axis.fill_between(ks, [v.min() for v in values], [v.max() for v in values], color=f"C{index}", alpha=0.15)
    axis.set(xlabel="interleaved mini-batches k", ylabel="cos(g_z(theta0), g_z(theta1))",
             title="gradient-cosine (Experiment 1): median, min-max band")
    axis.legend(fontsize=8)
    return figure


def _craft(rows: Rows) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(6, 4))
    for index, (point, point_rows) in enumerate(_grouped(_measurements(rows), "point").items()):
        point_rows.sort(key=lambda r: r["step"])
        axis.plot([r["step"] for r in point_rows], [r["abs_cosine"] for r in point_rows], "o-", color=f"C{index % 10}",
                  label=f"z={point}")
    axis.set(xlabel="Adam step on the input", ylabel="|cos(g_z(theta - lr g_z), g_z(theta))|",
             title="orthogonal-craft (Experiment 2)", ylim=(0, 1.05))
    axis.legend(fontsize=7)
    return figure


def _hard(rows: Rows) -> plt.Figure:
    data = _measurements(rows)
    spearman = {row["metric"]: row["value"] for row in rows if row.get("role") == "summary"}
    figure, axes = plt.subplots(1, 3, figsize=(13, 4))
    colours = ["C3" if r.get("kind") == "fgsm" else "C0" for r in data]
    for axis, name in zip(axes, ("loss", "grad_norm", "hessian_norm")):
        axis.scatter([r[name] for r in data], [r["ascent_error"] for r in data], c=colours)
        axis.set(xscale="log", yscale="log", xlabel=name, ylabel="ascent error |theta2 - theta0|",
                 title=f"Spearman {spearman.get(f'spearman_{name}_vs_ascent_error', float('nan')):.2f}")
    figure.suptitle("hard-points (red: FGSM points); min Spearman between kinds "
                    f"{spearman.get('min_spearman_between_hard_kinds', float('nan')):.2f}")
    return figure


_PLOTTERS = {"ascent-error": _ascent, "commutator": _commutator, "inversion-contraction": _inversion,
             "gradient-cosine": _cosine, "orthogonal-craft": _craft, "hard-points": _hard}
_PLOTTERS.update(POISONING_PLOTTERS)


def plot_check(name: str, out_dir: str | os.PathLike[str] = "results",
               fig_dir: str | os.PathLike[str] = "docs/empirical") -> list[Path]:
    """Draw check ``name``'s figures from ``out_dir`` into ``fig_dir``; returns the files written."""
    if name not in _PLOTTERS:
        raise ValueError(f"unknown check {name!r}; known: {', '.join(_PLOTTERS)}")
    rows = ResultStore(out_dir, name).rows()
    if not rows:
        raise FileNotFoundError(f"no results for {name} under {Path(out_dir) / name}; run "
                                f"`python -m empirical run {name} ...` first")
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (model, data), group in _grouped([{**r, "_key": (r["model"], r["data"])} for r in rows], "_key").items():
        figure = _PLOTTERS[name](group)
        path = fig_dir / f"{name}_{model}_{data.replace(':', '-')}.png"
        figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    return written
