r"""Lifted check ``hard-points``: the draft's three kinds of hard points, measured on the same points.

Draft, "Towards the general case": gradient ascent is hypothesised to err most on points with (1) a high
loss :math:`L(z, \theta)`, (2) a large gradient :math:`|g_z(\theta)|`, (3) a large Hessian
:math:`|\nabla^2_\theta L(z, \theta)|_2`, "equivalent when the loss is convex" (claim
three-hard-kinds-equivalent). In linear regression they are tied exactly, :math:`|g|^2 = 2 L |H|` and the
ascent error is :math:`\lambda^2 |H| |g|` (lemma hard-kinds-linear); on a network we measure the three
quantities and the ascent error :math:`|\theta_2 - \theta_0|` at rate ``lr`` on each point, and report
Spearman rank correlations between all of them (``scipy.stats.spearmanr``). Points are training points;
with ``fgsm_eps > 0`` half of them are replaced by the draft's FGSM variant
:math:`x + \varepsilon\,\mathrm{copysign}(\eta, \nabla_x l)`, :math:`\eta \sim N(0, I)`, projected onto the
valid range (high-loss poisons). The Hessian norm is :math:`\max(|\mu_{\min}|, |\mu_{\max}|)` by Lanczos.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr
from torch.func import grad

from empirical.checks.ascent_error import ascent_error
from empirical.checks.base import Row, progress, summary
from empirical.checks.settings import HARD_POINTS_DEFAULTS
from empirical.functional import Objective, Tree, point, tree_norm
from empirical.spectrum import extreme_eigenvalues, hessian_operator

__all__ = ["DEFAULTS", "QUANTITIES", "fgsm_point", "run"]

DEFAULTS = HARD_POINTS_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch
QUANTITIES = ("loss", "grad_norm", "hessian_norm", "ascent_error")


def fgsm_point(
    objective: Objective,
    params: Tree,
    batch: tuple,
    eps: float,
    generator: torch.Generator,
    lower: torch.Tensor,
    upper: torch.Tensor,
) -> tuple:
    """The draft's FGSM variant x + eps * copysign(eta, grad_x l), projected onto [lower, upper]."""
    inputs, targets = batch
    direction = grad(lambda x: objective.loss(params, (x, targets)))(inputs)
    eta = torch.randn(inputs.shape, generator=generator, dtype=torch.float64).to(inputs)
    return torch.maximum(torch.minimum(inputs + eps * torch.copysign(eta, direction), upper), lower), targets


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    objective, params = setup.objective()
    train_batch = (setup.data.train_x, setup.data.train_y)
    generator = torch.Generator().manual_seed(settings["point_seed"])
    adversarial = settings["fgsm_eps"] > 0 and setup.data.task == "classification"
    rows: list[Row] = []
    values: dict[str, list[float]] = {name: [] for name in QUANTITIES}
    lemma = "hard-kinds-linear" if setup.is_linear else "three-hard-kinds-equivalent"
    indices = setup.indices(settings["n_points"], settings["point_seed"])
    for number, index in enumerate(progress(indices, "hard-points")):
        z = point(train_batch, int(index))
        kind = "clean"
        if adversarial and number % 2 == 1:
            z, kind = (
                fgsm_point(objective, params, z, settings["fgsm_eps"], generator, setup.data.lower, setup.data.upper),
                "fgsm",
            )
        hvp = setup.hvp(objective, params, z)  # one operator, its gradient graph reused by every Lanczos product
        spectrum = extreme_eigenvalues(hessian_operator(hvp), tol=settings["lanczos_tol"])
        measured = {
            "loss": float(objective.loss(params, z)),
            "grad_norm": float(tree_norm(objective.gradient(params, z))),
            "hessian_norm": spectrum.spectral_norm,
            "ascent_error": float(tree_norm(ascent_error(objective, params, z, settings["lr"]))),
        }
        for name in QUANTITIES:
            values[name].append(measured[name])
        rows.append(
            Row(
                {"lemma_id": lemma, "point": int(index), "kind": kind, "hvp_mode": hvp.mode_used},
                {**measured, "eig_min": spectrum.smallest, "eig_max": spectrum.largest},
            )
        )
    correlations = {}
    for first, second in combinations(QUANTITIES, 2):
        rho = float(spearmanr(values[first], values[second]).statistic) if len(values[first]) > 2 else float("nan")
        correlations[(first, second)] = rho
        rows.append(summary(lemma, f"spearman_{first}_vs_{second}", rho))
    kinds = [correlations[pair] for pair in combinations(QUANTITIES[:3], 2)]
    rows.append(summary(lemma, "min_spearman_between_hard_kinds", float(np.min(kinds)), key=True))
    return rows
