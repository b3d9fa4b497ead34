"""Figures of the poisoning checks (joined to :mod:`empirical.plots` by one line): one function per check."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["PLOTTERS"]

Rows = list[dict[str, Any]]


def _poison_unlearning(rows: Rows) -> plt.Figure:
    data = [r for r in rows if r.get("role") == "measurement" and r.get("method")]
    attacks = list(dict.fromkeys(r["attack"] for r in data))
    methods = [m for m in dict.fromkeys(r["method"] for r in data) if m not in ("reference",)]
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    width = 0.8 / max(len(methods), 1)
    for axis, metric, label in zip(
        axes,
        ("distance_ratio", "gus_added_mean_positive", "mia_auc"),
        ("|theta_u - theta_r| / |theta_p - theta_r|", "GUS mean (noise added)", "loss-threshold MIA AUC"),
    ):
        for index, method in enumerate(methods):
            values = [
                next((r[metric] for r in data if r["attack"] == a and r["method"] == method), np.nan) for a in attacks
            ]
            axis.bar(np.arange(len(attacks)) + index * width, values, width, label=method, color=f"C{index % 10}")
        axis.set_xticks(np.arange(len(attacks)) + 0.4 - width / 2, attacks, rotation=20, fontsize=8)
        axis.set(ylabel=label)
    axes[0].axhline(1.0, color="k", lw=0.8, ls="--")
    axes[2].axhline(0.5, color="k", lw=0.8, ls="--")
    axes[0].legend(fontsize=7)
    figure.suptitle("poison-unlearning: each method against the retrained reference (poisoned = before)")
    return figure


def _protocol(rows: Rows) -> plt.Figure:
    """poison-unlearning (the protocol): per attack and measure, each model's mean with its 95 % interval; the grey
    band is the reference's value +- the exact-retrain noise floor."""
    data = [
        r for r in rows if r.get("measure") and r.get("unlearner") and r.get("role", "measurement") == "measurement"
    ]
    measures = [
        m
        for m in ("forget_loss", "mia_auc", "lira_auc", "test_accuracy")
        if any(np.isfinite(float(r["mean"])) for r in data if r["measure"] == m)
    ]
    attacks = list(dict.fromkeys(r["attack"] for r in data))
    figure, axes = plt.subplots(len(measures), 1, figsize=(14, 3.2 * len(measures)), squeeze=False)
    for axis, measure in zip(axes[:, 0], measures):
        labels, position = [], 0
        for attack in attacks:
            group = [r for r in data if r["attack"] == attack and r["measure"] == measure]
            reference = next((r for r in group if r["unlearner"] == "reference"), None)
            start = position
            for row in group:
                mean, low, high = (float(row[k]) for k in ("mean", "low", "high"))
                colour = (
                    "k"
                    if row["unlearner"] in ("reference", "poisoned")
                    else ("C0" if row["variant"] == "draft" else "C3")
                )
                axis.errorbar(
                    position,
                    mean,
                    yerr=[[max(mean - low, 0)], [max(high - mean, 0)]] if np.isfinite(low) else None,
                    fmt="o" if row["variant"] != "tuned" else "s",
                    color=colour,
                    ms=4,
                )
                labels.append(f"{attack}/{row['unlearner']}/{row['variant']}")
                position += 1
            if reference is not None:
                centre, floor = float(reference["mean"]), float(reference["floor"])
                axis.fill_between([start - 0.5, position - 0.5], centre - floor, centre + floor, color="0.85", zorder=0)
        axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=5)
        axis.set(ylabel=measure)
    figure.suptitle(
        "poison-unlearning: mean [95 % CI] over seeds; grey: reference +- retrain noise floor; "
        "blue circles draft, red squares tuned"
    )
    figure.tight_layout()
    return figure


def _hessian_poisons(rows: Rows) -> plt.Figure:
    data = [r for r in rows if r.get("role") == "measurement"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    groups = list(dict.fromkeys((r["kind"], r["alpha"]) for r in data))
    for index, (kind, alpha) in enumerate(groups):
        chosen = [r for r in data if r["kind"] == kind and r["alpha"] == alpha]
        label = kind if kind != "hessian" else f"hessian alpha={alpha}"
        left.scatter(
            [r["grad_norm"] for r in chosen],
            [r["hessian_spectral"] for r in chosen],
            label=label,
            color=f"C{index % 10}",
        )
        right.scatter(
            [r["hessian_spectral"] for r in chosen],
            [r["ascent_error"] for r in chosen],
            label=label,
            color=f"C{index % 10}",
        )
    left.set(xscale="log", yscale="log", xlabel="|grad_theta L(z)|", ylabel="||H_z||_2")
    right.set(xscale="log", yscale="log", xlabel="||H_z||_2", ylabel="ascent error |theta_2 - theta_0|")
    left.legend(fontsize=7)
    figure.suptitle("hessian-poisons: Hessian attack over alpha, gradient-norm attack, clean points")
    return figure


def _delta_influence_cost(rows: Rows) -> plt.Figure:
    data = [r for r in rows if r.get("role") == "measurement"]
    factors = ("n_train", "n_test", "n_transformations", "d")
    # the base point: each factor's most frequent value (the grid varies one factor at a time around it)
    base = {f: max({r[f] for r in data}, key=lambda v: sum(r[f] == v for r in data)) for f in factors}
    figure, axes = plt.subplots(1, 4, figsize=(17, 4))
    for axis, factor in zip(axes, factors):
        for index, role in enumerate(("defender", "attacker_fgsm", "attacker_influence")):
            chosen = sorted(
                (r[factor], r["seconds"])
                for r in data
                if r["role_of"] == role and all(r[f] == base[f] for f in factors if f != factor)
            )
            if len({x for x, _ in chosen}) > 1:
                axis.plot(*zip(*chosen), "o-", color=f"C{index}", label=role)
        axis.set(xscale="log", yscale="log", xlabel=factor, ylabel="wall time (s)")
    axes[0].legend(fontsize=7)
    figure.suptitle("delta-influence-cost: defender vs attacker, one factor varied around the base point")
    return figure


PLOTTERS = {
    "poison-unlearning": _protocol,
    "poison-unlearning-single": _poison_unlearning,
    "hessian-poisons": _hessian_poisons,
    "delta-influence-cost": _delta_influence_cost,
}
