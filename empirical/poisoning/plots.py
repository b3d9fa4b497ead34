"""Figures of the poisoning checks (joined to :mod:`empirical.plots` by one line): one function per check."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["PLOTTERS"]

Rows = list[dict[str, Any]]


def _poison_unlearning(rows: Rows) -> plt.Figure:
    data = [r for r in rows if r.get("role") == "measurement" and r.get("method")]
    attacks = list(dict.fromkeys(r["attack"] for r in data))
    methods = [m for m in dict.fromkeys(r["method"] for r in data) if m not in ("reference",)]
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    width = 0.8 / max(len(methods), 1)
    for axis, metric, label in zip(axes, ("distance_ratio", "gus_added_mean_positive", "mia_auc"),
                                   ("|theta_u - theta_r| / |theta_p - theta_r|", "GUS mean (noise added)",
                                    "loss-threshold MIA AUC")):
        for index, method in enumerate(methods):
            values = [next((r[metric] for r in data if r["attack"] == a and r["method"] == method), np.nan)
                      for a in attacks]
            axis.bar(np.arange(len(attacks)) + index * width, values, width, label=method, color=f"C{index % 10}")
        axis.set_xticks(np.arange(len(attacks)) + 0.4 - width / 2, attacks, rotation=20, fontsize=8)
        axis.set(ylabel=label)
    axes[0].axhline(1.0, color="k", lw=0.8, ls="--")
    axes[2].axhline(0.5, color="k", lw=0.8, ls="--")
    axes[0].legend(fontsize=7)
    figure.suptitle("poison-unlearning: each method against the retrained reference (poisoned = before)")
    return figure


def _hessian_poisons(rows: Rows) -> plt.Figure:
    data = [r for r in rows if r.get("role") == "measurement"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    groups = list(dict.fromkeys((r["kind"], r["alpha"]) for r in data))
    for index, (kind, alpha) in enumerate(groups):
        chosen = [r for r in data if r["kind"] == kind and r["alpha"] == alpha]
        label = kind if kind != "hessian" else f"hessian alpha={alpha}"
        left.scatter([r["grad_norm"] for r in chosen], [r["hessian_spectral"] for r in chosen], label=label,
                     color=f"C{index % 10}")
        right.scatter([r["hessian_spectral"] for r in chosen], [r["ascent_error"] for r in chosen], label=label,
                      color=f"C{index % 10}")
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
            chosen = sorted((r[factor], r["seconds"]) for r in data if r["role_of"] == role
                            and all(r[f] == base[f] for f in factors if f != factor))
            if len({x for x, _ in chosen}) > 1:
                axis.plot(*zip(*chosen), "o-", color=f"C{index}", label=role)
        axis.set(xscale="log", yscale="log", xlabel=factor, ylabel="wall time (s)")
    axes[0].legend(fontsize=7)
    figure.suptitle("delta-influence-cost: defender vs attacker, one factor varied around the base point")
    return figure


PLOTTERS = {"poison-unlearning": _poison_unlearning, "hessian-poisons": _hessian_poisons,
            "delta-influence-cost": _delta_influence_cost}
