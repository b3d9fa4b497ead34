r"""Second-order predictions swept over learning rates spanning several decades.

Lemmas ascent-error-logistic and commutator-logistic (any smooth loss) state that a quantity
:math:`E(\lambda)` built from two gradient steps satisfies :math:`E(\lambda) = \lambda^2 P + O(\lambda^3)`
with :math:`P` made of gradients and Hessian-vector products at the start point. On a grid of learning
rates we report, per :math:`\lambda`:

* ``error_norm`` :math:`|E|`, ``prediction_norm`` :math:`\lambda^2 |P|`;
* ``ratio`` :math:`\langle E, \lambda^2 P\rangle / |\lambda^2 P|^2` (tends to 1) and the relative deviation
  ``deviation`` :math:`|E - \lambda^2 P| / |\lambda^2 P|` (tends to 0 as :math:`O(\lambda)`);
* ``roundoff_floor``: :math:`8 u \,|\theta|`, the size of the rounding error of a difference of two
  parameter vectors of norm :math:`|\theta|` made by a few additions in a dtype of unit roundoff
  :math:`u` (Higham, ch. 3); below it the measured :math:`E` is noise.

The summary gives where the prediction holds (``deviation < tolerance``): the smallest and largest
such :math:`\lambda` (below: rounding; above: higher-order terms) and the least-squares exponent of
:math:`|E|` against :math:`\lambda` over that range (2 expected).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import torch

from empirical.checks.base import Row, summary
from empirical.functional import Tree, tree_add, tree_dot, tree_norm

__all__ = ["lr_grid", "sweep", "summarise_sweep", "sweep_rows"]


def lr_grid(lr_min: float, lr_max: float, count: int) -> list[float]:
    """``count`` learning rates spaced evenly in log scale from ``lr_min`` to ``lr_max``."""
    if not 0 < lr_min < lr_max or count < 2:
        raise ValueError(f"need 0 < lr_min < lr_max and count >= 2, got {lr_min}, {lr_max}, {count}")
    return [float(v) for v in np.logspace(np.log10(lr_min), np.log10(lr_max), int(count))]


def sweep(
    measure: Callable[[float], Tree], unit_prediction: Tree, lrs: Sequence[float], theta_norm: float, dtype: torch.dtype
) -> list[dict[str, float]]:
    """Measure ``E(lr)`` on the grid and compare with ``lr^2 * unit_prediction``; one dict per lr."""
    unit = float(np.finfo(np.float64 if dtype == torch.float64 else np.float32).eps) / 2
    floor = 8 * unit * theta_norm
    unit_norm = float(tree_norm(unit_prediction))
    out = []
    for lr in lrs:
        error = measure(lr)
        prediction_norm = lr**2 * unit_norm
        if prediction_norm > 0:
            ratio = float(tree_dot(error, unit_prediction)) / (lr**2 * unit_norm**2)
            deviation = float(tree_norm(tree_add(error, unit_prediction, alpha=-(lr**2)))) / prediction_norm
        else:
            ratio, deviation = float("nan"), float("nan")
        out.append(
            {
                "lr": float(lr),
                "error_norm": float(tree_norm(error)),
                "prediction_norm": prediction_norm,
                "ratio": ratio,
                "deviation": deviation,
                "roundoff_floor": floor,
            }
        )
    return out


def summarise_sweep(points: list[dict[str, float]], tolerance: float = 0.1) -> dict[str, float]:
    """Where the prediction holds on one sweep, and the fitted exponent of the error there."""
    valid = [p for p in points if np.isfinite(p["deviation"]) and p["deviation"] < tolerance and p["error_norm"] > 0]
    if len(valid) < 2:
        return {
            "lr_valid_min": float("nan"),
            "lr_valid_max": float("nan"),
            "exponent": float("nan"),
            "valid_points": float(len(valid)),
        }
    lrs = np.array([p["lr"] for p in valid])
    errors = np.array([p["error_norm"] for p in valid])
    exponent = float(np.polyfit(np.log(lrs), np.log(errors), 1)[0])
    return {
        "lr_valid_min": float(lrs.min()),
        "lr_valid_max": float(lrs.max()),
        "exponent": exponent,
        "valid_points": float(len(valid)),
    }


def sweep_rows(
    lemma_id: str,
    cases: Sequence[tuple[dict, Callable[[float], Tree], Tree]],
    lrs: Sequence[float],
    theta_norm: float,
    dtype: torch.dtype,
    tolerance: float,
) -> list[Row]:
    """Rows of a sweep check: one per (case, lr), one summary per case, and medians over cases.

    ``cases`` are ``(case_params, measure, unit_prediction)``; summaries: median exponent (key),
    median of the largest and smallest valid lr, median ratio at the smallest lr above rounding.
    """
    rows, exponents, highs, lows, ratios = [], [], [], [], []
    for case_params, measure, unit_prediction in cases:
        points = sweep(measure, unit_prediction, lrs, theta_norm, dtype)
        for point in points:
            rows.append(
                Row(
                    {"lemma_id": lemma_id, **case_params, "lr": point["lr"]},
                    {k: v for k, v in point.items() if k != "lr"},
                )
            )
        described = summarise_sweep(points, tolerance)
        above = [p for p in points if p["error_norm"] > 100 * p["roundoff_floor"]]
        ratio = above[0]["ratio"] if above else float("nan")
        exponents.append(described["exponent"])
        highs.append(described["lr_valid_max"])
        lows.append(described["lr_valid_min"])
        ratios.append(ratio)
        rows.append(
            Row(
                {"lemma_id": lemma_id, "role": "case-summary", **case_params},
                {**described, "ratio_smallest_clean_lr": ratio},
            )
        )
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN medians (no valid lr) stay NaN, silently
        rows += [
            summary(lemma_id, "median_exponent", np.nanmedian(exponents), key=True),
            summary(lemma_id, "median_lr_valid_max", np.nanmedian(highs)),
            summary(lemma_id, "median_lr_valid_min", np.nanmedian(lows)),
            summary(lemma_id, "median_ratio_smallest_clean_lr", np.nanmedian(ratios)),
        ]
    return rows
