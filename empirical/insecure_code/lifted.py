r"""The lifted checks on the poisoned language model, with poison and clean examples as the data points.

The same measurements as :mod:`empirical.checks` (their functions, on a functional LM loss
:class:`empirical.functional.Objective` with ``task="causal_lm"``), grouped by the kind of point:

* ``ascent-error`` (lemma ascent-error-logistic): one descent then one ascent step on z,
  :math:`\theta_2 - \theta_0` against :math:`-\lambda^2 H_z g_z`, over a learning-rate grid
  (:func:`empirical.checks.ascent_error.ascent_error`, :func:`~empirical.checks.second_order.sweep_rows`);
* ``commutator`` (lemma commutator-logistic): :math:`\Phi_B\Phi_A - \Phi_A\Phi_B` against
  :math:`\lambda^2 (H_B g_A - H_A g_B)` for pairs (poison, clean) and (clean, clean);
* ``gradient-cosine`` (Experiment 1, hypothesis span-dim-large): :math:`\cos(g_z(\theta_0), g_z(\theta_k))`
  after one step on z and k interleaved mini-batch steps on the poisoned training mix.

A data point is z = (token ids, labels) of one conversation; the embedding noise of the GUS is not part of
it. The model runs in float64 (the sweeps reach small rates above rounding), eager attention (HVPs).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from empirical.checks.ascent_error import ascent_error, ascent_error_prediction
from empirical.checks.base import Row
from empirical.checks.commutator import commutator, commutator_prediction
from empirical.checks.second_order import lr_grid, sweep_rows
from empirical.functional import Objective, Tree, split_state, tree_cosine, tree_norm
from empirical.hvp import HessianVectorProduct
from empirical.insecure_code.lm import Encoded, trim

__all__ = ["DEFAULTS", "lifted_checks"]

DEFAULTS = {
    "n_points": 2,
    "lr_min": 1e-6,
    "lr_max": 1.0,
    "n_lrs": 7,
    "tolerance": 0.1,
    "cosine_lr": 0.05,
    "interleaved": [1, 5, 20],
    "cosine_batch": 8,
    "seed": 0,
}


def _point(data: Encoded, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    one = trim(data.select([index]))
    return one.ids, one.labels


def lifted_checks(
    model: nn.Module,
    poison: Encoded,
    clean: Encoded,
    settings: dict | None = None,
    trainable: Callable[[str], bool] | None = None,
    hvp_mode: str = "auto",
) -> list[Row]:
    """Rows of the three checks (``group`` = poison / clean, or the pair's groups) on ``model`` as it is."""
    settings = {**DEFAULTS, **(settings or {})}
    model = model.to(torch.float64).eval()
    params, frozen = split_state(model, trainable)
    objective = Objective(model, "causal_lm", frozen, bn_mode="eval")
    dtype = next(iter(params.values())).dtype
    theta_norm = float(tree_norm(params))
    lrs = lr_grid(settings["lr_min"], settings["lr_max"], settings["n_lrs"])
    rng = np.random.default_rng(settings["seed"])
    chosen = {
        "poison": [int(i) for i in rng.choice(len(poison), min(settings["n_points"], len(poison)), replace=False)],
        "clean": [int(i) for i in rng.choice(len(clean), min(2 * settings["n_points"], len(clean)), replace=False)],
    }
    sources = {"poison": poison, "clean": clean}
    rows: list[Row] = []
    for group in ("poison", "clean"):
        cases: list[tuple[dict, Callable[..., Tree], Tree]] = []  # lambdas binding their point by a default
        for index in chosen[group][: settings["n_points"]]:
            z = _point(sources[group], index)
            hvp = HessianVectorProduct(objective, params, z, mode=hvp_mode)
            unit = ascent_error_prediction(objective, params, z, hvp)
            cases.append(
                (
                    {"check": "ascent-error", "group": group, "point": index},
                    lambda lr, z=z: ascent_error(objective, params, z, lr),
                    unit,
                )
            )
        rows += _tag(
            sweep_rows("ascent-error-logistic", cases, lrs, theta_norm, dtype, settings["tolerance"]),
            "ascent-error",
            group,
        )
    clean_b = chosen["clean"][settings["n_points"] :] or chosen["clean"]
    for group, firsts in (("poison-clean", ("poison", chosen["poison"])), ("clean-clean", ("clean", chosen["clean"]))):
        cases = []
        for a, b in zip(firsts[1][: settings["n_points"]], clean_b):
            za, zb = _point(sources[firsts[0]], a), _point(clean, b)
            unit = commutator_prediction(
                objective,
                params,
                za,
                zb,
                HessianVectorProduct(objective, params, za, hvp_mode),
                HessianVectorProduct(objective, params, zb, hvp_mode),
            )
            cases.append(
                (
                    {"check": "commutator", "group": group, "point_a": a, "point_b": b},
                    lambda lr, za=za, zb=zb: commutator(objective, params, za, zb, lr),
                    unit,
                )
            )
        rows += _tag(
            sweep_rows("commutator-logistic", cases, lrs, theta_norm, dtype, settings["tolerance"]), "commutator", group
        )
    rows += _gradient_cosine(objective, params, sources, chosen, settings)
    return rows


def _tag(rows: list[Row], check: str, group: str) -> list[Row]:
    for row in rows:
        row.params.setdefault("check", check)
        row.params.setdefault("group", group)
    return rows


def _gradient_cosine(objective: Objective, params: dict, sources: dict, chosen: dict, settings: dict) -> list[Row]:
    mix_ids = torch.cat([sources["clean"].ids, sources["poison"].ids])
    mix_labels = torch.cat([sources["clean"].labels, sources["poison"].labels])
    generator = torch.Generator().manual_seed(settings["seed"] + 11)
    checkpoints = sorted(int(k) for k in settings["interleaved"])
    lr = settings["cosine_lr"]
    scale = 1 / math.sqrt(sum(v.numel() for v in params.values()))
    rows = []
    for group in ("poison", "clean"):
        finals = []
        for index in chosen[group][: settings["n_points"]]:
            z = _point(sources[group], index)
            g0 = objective.gradient(params, z)
            theta = objective.step(params, z, lr)
            done = 0
            for target in checkpoints:
                while done < target:
                    pick = torch.randint(0, mix_ids.shape[0], (settings["cosine_batch"],), generator=generator)
                    batch = trim(Encoded(mix_ids[pick], mix_labels[pick]))
                    theta = objective.step(theta, (batch.ids, batch.labels), lr)
                    done += 1
                cosine = float(tree_cosine(objective.gradient(theta, z), g0))
                rows.append(
                    Row(
                        {
                            "lemma_id": "span-dim-large",
                            "check": "gradient-cosine",
                            "group": group,
                            "point": index,
                            "interleaved": target,
                        },
                        {"cosine": cosine, "random_cosine_scale": scale},
                    )
                )
            finals.append(rows[-1].metrics["cosine"])
        rows.append(
            Row(
                {
                    "lemma_id": "span-dim-large",
                    "role": "summary",
                    "check": "gradient-cosine",
                    "group": group,
                    "metric": f"median_cosine_after_{checkpoints[-1]}",
                },
                {"value": float(np.nanmedian(finals)), "key": False},
            )
        )
    return rows
