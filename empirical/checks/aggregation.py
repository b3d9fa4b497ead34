r"""Lifted check ``aggregation``: training a network with each aggregator on label-flipped data, and unlearning.

Draft, opening notes ("possible suboptimality of the median as an aggregator") and "Poisoned batches"
(poisons as Byzantine gradients). The sims sweeps ``aggregator-efficiency`` and ``aggregator-poisoning`` on a
network at CPU scale: ``n_train`` training points, a ``poison_fraction`` of them label-flipped
(:math:`y \to (y + 1) \bmod C`, the forget set); from one initialisation :math:`\theta_0`, mini-batch SGD where
each step takes the per-example gradients of the batch (``torch.func.vmap``, :mod:`empirical.per_example`),
flattens them to ``(B, P)`` and aggregates them with :func:`theory.models.aggregation.aggregate` (the same code sims
and the lemmas run). Per aggregator, the same batches: the poisoned model, the clean model (retrained with the
poisons removed from their batches), and the unlearning methods ``rewind_replay`` (from the checkpoint before
the first poisoned step: exact), ``amnesiac`` (subtract the poisoned steps' updates), ``gradient_ascent``
(one ascent pass over the poisons, reverse order) and ``finetune`` (one epoch on the retained points).

At equal training loss (``max_epochs`` > 0; issue 17): a fixed small budget measures training speed (the median
is slower with or without flips), so each aggregator also trains with and without the flips until its loss on
the correctly labelled points reaches the loss the mean reaches on clean data in ``epochs`` epochs
(:func:`equal_loss_rows`), and the flips' effect on test accuracy is compared there.

Metrics: ``trace`` :math:`|\theta_p - \theta_c|`, test accuracy of both models, ``flip_agreement`` (the share of
the poisons classified as their flipped label: the poison's trace in the predictions), per method its
distance to the clean model over the trace and its cost in per-example gradients over retraining's.
Integration point: the network poisoning work (FGSM and crafted poisons, its unlearning methods) can pass
its poisons as ``(inputs, targets, forget mask)`` to :func:`train_aggregated` instead of the label flips.
BatchNorm runs in ``eval`` mode (per-example gradients need it; the setup's ``bn_mode`` must be ``eval``). Measured
at these defaults on digits: the tanh MLP (``--model mlp``) reaches 90 % test accuracy with mean aggregation;
the small CNN stays near chance (with BatchNorm frozen at its running statistics it does not train by plain
SGD, and without BatchNorm it barely trains, as :class:`empirical.models.small.SmallCNN` records), so its
traces measure a network that has not learned. Robust aggregation needs per-example gradients, which
BatchNorm's batch statistics do not allow: that is a limit of the method, not of this check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from empirical.checks.base import Row, at_most_data, progress, summary
from empirical.checks.settings import AGGREGATION_DEFAULTS, AGGREGATION_LEMMA
from empirical.functional import flatten, unflatten
from empirical.per_example import per_example_gradients
from theory.models.aggregation import aggregate

__all__ = ["DEFAULTS", "run", "train_aggregated", "label_flips"]

DEFAULTS = AGGREGATION_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch
LEMMA = AGGREGATION_LEMMA


def label_flips(targets: torch.Tensor, fraction: float, classes: int, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """Targets with a ``fraction`` of them flipped to ``(y + 1) mod classes``, and the boolean mask of flips."""
    n = targets.shape[0]
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).choice(n, size=max(1, int(round(fraction * n))), replace=False)] = True
    flipped = targets.clone()
    flipped[torch.from_numpy(mask)] = (targets[torch.from_numpy(mask)] + 1) % classes
    return flipped, mask


def train_aggregated(
    objective,
    theta: torch.Tensor,
    like: Mapping[str, torch.Tensor],
    inputs,
    targets,
    batches: list[np.ndarray],
    lr: float,
    aggregator: str,
    sign: float = 1.0,
    record: bool = False,
) -> tuple[torch.Tensor, list[torch.Tensor], int]:
    """SGD over ``batches`` (index arrays; empty ones skipped) from the flat parameters ``theta``: each step
    aggregates the batch's per-example gradients. Returns the final parameters, the checkpoint before every
    step (when ``record``) and the number of per-example gradients evaluated."""
    checkpoints, evaluations = [], 0
    for index in batches:
        if record:
            checkpoints.append(theta.clone())
        if len(index) == 0:
            continue
        chosen = torch.as_tensor(np.array(index, dtype=np.int64))  # a copy: a reversed slice has negative strides
        grads = per_example_gradients(objective, unflatten(theta, like), inputs[chosen], targets[chosen])
        stacked = torch.cat([grads[name].reshape(len(index), -1) for name in like], dim=1)
        theta = theta - sign * lr * aggregate(stacked, aggregator)
        evaluations += len(index)
    if record:
        checkpoints.append(theta.clone())
    return theta, checkpoints, evaluations


def _loss(objective, theta, like, inputs, targets) -> float:
    with torch.no_grad():
        return float(objective.loss(unflatten(theta, like), (inputs, targets)))


def train_to_loss(
    objective,
    theta0,
    like,
    inputs,
    targets,
    clean,
    lr: float,
    aggregator: str,
    batch_size: int,
    target_loss: float,
    max_epochs: int,
    seed: int,
) -> dict[str, float]:
    """Train epoch by epoch (fresh seeded orders) until the mean training loss on the ``clean`` points (a boolean
    mask: the points whose labels are right) is at most ``target_loss``, or ``max_epochs``; returns the epochs
    used, whether the target was reached, the final clean-point loss and the parameters."""
    theta, rng, n = theta0, np.random.default_rng(seed), inputs.shape[0]
    keep = torch.from_numpy(clean)
    loss = _loss(objective, theta, like, inputs[keep], targets[keep])
    epochs = 0
    while loss > target_loss and epochs < max_epochs:
        order = rng.permutation(n)
        theta, _, _ = train_aggregated(
            objective,
            theta,
            like,
            inputs,
            targets,
            [order[i : i + batch_size] for i in range(0, n, batch_size)],
            lr,
            aggregator,
        )
        epochs += 1
        loss = _loss(objective, theta, like, inputs[keep], targets[keep])
    return {"epochs": epochs, "reached": loss <= target_loss, "loss": loss, "theta": theta}


def equal_loss_rows(
    setup, settings, objective, like, theta0, inputs, clean_targets, flipped_targets, forget
) -> list[Row]:
    """Issue 17: "median 0.28 vs mean 0.70 under 20 % label flips" compared aggregators at one small budget, where
    the median is slower whatever the flips. Here every aggregator trains, with and without the flips, until its
    loss on the correctly labelled points reaches the loss the mean reaches in ``epochs`` epochs on clean data
    (or ``max_epochs``): the flips' effect on test accuracy is then compared at equal training loss."""
    test = (setup.data.test_x, setup.data.test_y)
    everyone = np.ones(inputs.shape[0], dtype=bool)
    B, lr, seed = settings["batch_size"], settings["lr"], settings["order_seed"]
    rng = np.random.default_rng(seed)
    n = inputs.shape[0]
    budget = [
        order[i : i + B] for order in (rng.permutation(n) for _ in range(settings["epochs"])) for i in range(0, n, B)
    ]
    reference, _, _ = train_aggregated(objective, theta0, like, inputs, clean_targets, budget, lr, "mean")
    target = _loss(objective, reference, like, inputs, clean_targets)
    rows = []
    for aggregator in progress(settings["aggregators"], "aggregation to equal loss"):
        clean = train_to_loss(
            objective,
            theta0,
            like,
            inputs,
            clean_targets,
            everyone,
            lr,
            aggregator,
            B,
            target,
            settings["max_epochs"],
            seed,
        )
        flipped = train_to_loss(
            objective,
            theta0,
            like,
            inputs,
            flipped_targets,
            ~forget,
            lr,
            aggregator,
            B,
            target,
            settings["max_epochs"],
            seed,
        )
        accuracy = {
            name: _accuracy(objective, run["theta"], like, *test)
            for name, run in (("clean", clean), ("flipped", flipped))
        }
        rows.append(
            Row(
                {"lemma_id": LEMMA, "aggregator": aggregator, "role": "equal-loss"},
                {
                    "target_loss": target,
                    "epochs_clean": clean["epochs"],
                    "epochs_flipped": flipped["epochs"],
                    "reached_clean": float(clean["reached"]),
                    "reached_flipped": float(flipped["reached"]),
                    "test_accuracy_no_flips": accuracy["clean"],
                    "test_accuracy_flips": accuracy["flipped"],
                    "flip_accuracy_drop": accuracy["clean"] - accuracy["flipped"],
                },
            )
        )
    return rows


def _accuracy(objective, theta, like, inputs, targets) -> float:
    with torch.no_grad():
        return float((objective.outputs(unflatten(theta, like), inputs).argmax(-1) == targets).double().mean())


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    if setup.data.task != "classification":
        raise ValueError(
            f"check aggregation needs a classification dataset (label flips), got task {setup.data.task!r}"
        )
    objective, params = setup.objective()
    like = {name: value.detach() for name, value in params.items()}
    theta0 = flatten(like).detach()
    at_most_data("n_train", settings["n_train"], setup.data.train_x.shape[0])
    n = settings["n_train"]
    at_most_data("batch_size", settings["batch_size"], n, "training points (n_train)")
    inputs, clean_targets = setup.data.train_x[:n], setup.data.train_y[:n]
    classes = int(setup.data.train_y.max()) + 1
    targets, forget = label_flips(clean_targets, settings["poison_fraction"], classes, settings["order_seed"])
    rng = np.random.default_rng(settings["order_seed"])
    B = settings["batch_size"]
    batches = [
        order[i : i + B] for order in (rng.permutation(n) for _ in range(settings["epochs"])) for i in range(0, n, B)
    ]
    clean_batches = [index[~forget[index]] for index in batches]
    touched = [bool(forget[index].any()) for index in batches]
    first = touched.index(True) if any(touched) else len(batches)
    lr = settings["lr"]
    test = (setup.data.test_x, setup.data.test_y)
    rows: list[Row] = []
    for aggregator in progress(settings["aggregators"], "aggregation"):
        train = lambda start, schedule, **kw: train_aggregated(
            objective, start, like, inputs, targets, schedule, lr, aggregator, **kw
        )
        poisoned, checkpoints, _ = train(theta0, batches, record=True)
        clean, _, retrain_cost = train(theta0, clean_batches)
        trace = float(torch.linalg.vector_norm(poisoned - clean))
        rewind, _, rewind_cost = train(checkpoints[first], clean_batches[first:])
        updates = [checkpoints[s + 1] - checkpoints[s] for s in range(len(batches))]
        amnesiac = poisoned - sum((updates[s] for s in range(len(batches)) if touched[s]), torch.zeros_like(poisoned))
        forgotten = np.flatnonzero(forget)
        ascent_batches = [forgotten[::-1][i : i + B].copy() for i in range(0, len(forgotten), B)]
        ascent, _, ascent_cost = train(poisoned, ascent_batches, sign=-1.0)
        finetune_order = np.random.default_rng(settings["order_seed"] + 1).permutation(np.flatnonzero(~forget))
        finetuned, _, finetune_cost = train(
            poisoned, [finetune_order[i : i + B] for i in range(0, len(finetune_order), B)]
        )
        flips = torch.from_numpy(forget)
        metrics = {
            "trace": trace,
            "test_accuracy_poisoned": _accuracy(objective, poisoned, like, *test),
            "test_accuracy_clean": _accuracy(objective, clean, like, *test),
            "flip_agreement_poisoned": _accuracy(objective, poisoned, like, inputs[flips], targets[flips]),
            "flip_agreement_clean": _accuracy(objective, clean, like, inputs[flips], targets[flips]),
        }
        for name, theta, cost in (
            ("rewind_replay", rewind, rewind_cost),
            ("amnesiac", amnesiac, 0),
            ("gradient_ascent", ascent, ascent_cost),
            ("finetune", finetuned, finetune_cost),
        ):
            metrics[f"distance_{name}"] = float(torch.linalg.vector_norm(theta - clean)) / max(trace, 1e-300)
            metrics[f"cost_{name}"] = cost / retrain_cost
        rows.append(Row({"lemma_id": LEMMA, "aggregator": aggregator}, metrics))
    by_name = {row.params["aggregator"]: row.metrics for row in rows}
    if "mean" in by_name:
        for name, metrics in by_name.items():
            rows.append(
                summary(
                    LEMMA,
                    f"trace_over_mean_{name}",
                    metrics["trace"] / max(by_name["mean"]["trace"], 1e-300),
                    key=name == "median",
                )
            )
    rows.append(
        summary(LEMMA, "max_distance_rewind_replay", max(m["distance_rewind_replay"] for m in by_name.values()))
    )
    if settings["max_epochs"] > 0:
        equal = equal_loss_rows(setup, settings, objective, like, theta0, inputs, clean_targets, targets, forget)
        rows += equal
        drops = {row.params["aggregator"]: row.metrics["flip_accuracy_drop"] for row in equal}
        for name, drop in drops.items():
            rows.append(summary(LEMMA, f"equal_loss_flip_accuracy_drop_{name}", drop))
    return rows
