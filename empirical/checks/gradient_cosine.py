r"""Lifted check ``gradient-cosine``: the draft's Experiment 1.

Draft, "Approximation error in a nonlinear setting": :math:`\cos(g_z(\theta_0), g_z(\theta_1))` with
:math:`\theta_1` the model after one step on z and then k interleaved mini-batch steps
(:math:`k = 1 \dots 500`), for models pretrained 0, 1, 2, 5 epochs (the draft's TODO). In linear
regression the two gradients are collinear with x (lemma ga-collinear, :math:`|\cos| = 1`); a cosine far
from 1 means :math:`g_z(\theta_0), g_z(\theta_1)` span more than a line (hypothesis span-dim-large,
:math:`\dim V_z` large), so gradient ascent with :math:`g_z(\theta_1)` cannot undo :math:`g_z(\theta_0)`.
Random directions in dimension p have :math:`|\cos| \approx p^{-1/2}` (lemma high-dim-orthogonal),
reported as ``random_cosine_scale``. A gradient of exactly zero (a saturated loss on a confidently
classified z) leaves the cosine undefined: NaN, left out of the medians.

Pretraining uses :func:`empirical.train.train` (SGD + momentum + weight decay, the ``train.*`` settings);
the interleaved steps are plain steps :math:`\Phi_B` of rate ``lr`` on seeded mini-batches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from empirical.checks.base import Row, at_most_data, summary
from empirical.checks.settings import GRADIENT_COSINE_DEFAULTS
from empirical.functional import point, tree_add, tree_cosine, tree_norm
from empirical.train import TrainConfig, batches, train

__all__ = ["DEFAULTS", "pretrain", "run"]

DEFAULTS = GRADIENT_COSINE_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch


def pretrain(setup: Any, settings: Mapping[str, Any]) -> dict[int, dict]:
    """Train ``setup.model`` to the largest of ``pretrain_epochs``; snapshots at each (cached in
    ``setup.checkpoint_dir`` when set)."""
    epochs = [int(e) for e in settings["pretrain_epochs"]]
    config = TrainConfig(
        epochs=max(epochs),
        batch_size=settings["train_batch_size"],
        lr=settings["train_lr"],
        seed=setup.seed,
        steps_per_epoch=settings["steps_per_epoch"] or None,
    )
    snapshots, _ = train(
        setup.model,
        setup.data,
        config,
        snapshot_epochs=epochs,
        checkpoint_dir=getattr(setup, "checkpoint_dir", None),
        progress=False,
    )
    return snapshots


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    for name in ("batch_size", "train_batch_size"):
        at_most_data(name, settings[name], setup.data.train_x.shape[0])
    original = {k: v.detach().clone() for k, v in setup.model.state_dict().items()}
    snapshots = pretrain(setup, settings)
    checkpoints = sorted(int(k) for k in settings["interleaved"])
    train_batch = (setup.data.train_x, setup.data.train_y)
    rows: list[Row] = []
    finals: dict[int, list[float]] = {}
    try:
        for epochs in sorted(int(e) for e in settings["pretrain_epochs"]):
            setup.model.load_state_dict(snapshots[epochs])
            objective, params = setup.objective()
            scale = 1 / math.sqrt(sum(v.numel() for v in params.values()))
            for index in setup.indices(settings["n_points"], settings["point_seed"]):
                z = point(train_batch, int(index))
                g0 = objective.gradient(params, z)
                theta = objective.step(params, z, settings["lr"])
                stream = batches(setup.data, settings["batch_size"], setup.seed + int(index), epoch=epochs, limit=None)
                done = 0
                bar = tqdm(
                    total=checkpoints[-1], desc=f"interleave e={epochs} z={int(index)}", leave=False, disable=None
                )
                for target in checkpoints:
                    while done < target:
                        try:
                            minibatch = next(stream)
                        except StopIteration:
                            stream = batches(
                                setup.data, settings["batch_size"], setup.seed + int(index) + done, epoch=epochs
                            )
                            minibatch = next(stream)
                        theta = objective.step(theta, minibatch, settings["lr"])
                        done += 1
                        bar.update(1)
                    cosine = float(tree_cosine(objective.gradient(theta, z), g0))
                    rows.append(
                        Row(
                            {
                                "lemma_id": "span-dim-large",
                                "pretrain_epochs": epochs,
                                "point": int(index),
                                "interleaved": target,
                            },
                            {
                                "cosine": cosine,
                                "distance": float(tree_norm(tree_add(theta, params, alpha=-1.0))),
                                "random_cosine_scale": scale,
                            },
                        )
                    )
                bar.close()
                finals.setdefault(epochs, []).append(rows[-1].metrics["cosine"])
    finally:
        setup.model.load_state_dict(original)
    for epochs, values in finals.items():
        rows.append(
            summary(
                "span-dim-large",
                f"median_cosine_pretrained_{epochs}_after_{checkpoints[-1]}",
                float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan"),
                key=epochs == max(finals),
            )
        )
    return rows
