r"""One cell of the poison-unlearning grid: (seed, attack, model or method, setting) -> the removal measures.

Cells run through :func:`sims.runner.run_sweep`, the resumable runner of ``sims`` (joblib locally,
``backend="dask"`` on a cluster), one cell per file. A cell rebuilds what it needs from its parameters and two
stages it shares with the other cells of its seed, cached on disk (``torch.save``, read back with
``torch.load(weights_only=True)``, written atomically under a file lock, so parallel cells compute a stage once):

* **seed stage** (:func:`seed_stage`): the poison sources (``n_poisons`` training indices drawn with the seed),
  the split of the test set into held-out sources (MIA non-members), the influence target, and disjoint
  validation / test halves; the initial weights (``torch.manual_seed(seed)``, as :func:`empirical.setup.prepare`);
  the exactly retrained **reference** (retain set, the seed's order); the **noise floor** retrains
  (:data:`.protocol.FLOOR_MODELS`: ``floor-seed`` another initialisation and order, ``floor-order`` the same
  initialisation and another order, ``floor-drop`` the reference's run with ``n_poisons`` more clean points
  removed); the attacker's surrogate and the LiRA OUT shadows (as :mod:`.experiments`).
* **attack stage** (:func:`attack_stage`): the poisons crafted on the surrogate, poisons crafted the same way
  from the held-out test sources, the model trained with the poisons replacing their sources (same
  initialisation and order as the reference, so the two differ only by the poisons), and the unclamped noise
  the GUS needs.

Methods, their tuning grids and the draft's settings come from the one unlearning interface,
:mod:`sims.unlearning` (issue 22): a cell builds the shared problem with
:func:`empirical.poisoning.methods.poisoned_problem` (the torch image models' family) and runs
:func:`sims.unlearning.unlearn`; :func:`grid_settings` is :func:`sims.unlearning.grid_points` and :func:`draft`
is :func:`sims.unlearning.draft_setting` on the torch family (the draft's SGD settings: gradient ascent lr 1e-5,
momentum 0.9, weight decay 5e-4, 4 epochs; NegGrad+ beta 0.995, lr 1e-3). BatchNorm: the interface runs every
unlearning step in eval mode, so running statistics are the poisoned model's unless a setting says
``batch_statistics=True`` (issue 17 found the draft's gradient ascent changing test accuracy by up to 7 points
through those statistics alone). Cost: ``grad_evals`` (per-example gradient evaluations) and
``cost_fraction`` = ``grad_evals`` / the reference's (retraining's) evaluations.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from empirical.data import load_data
from empirical.models import build_model
from empirical.poisoning.attacks import Poisons
from empirical.poisoning.evaluation import weight_distance
from empirical.poisoning.methods import METHODS, poisoned_problem
from empirical.poisoning.protocol import FLOOR_MODELS
from empirical.poisoning.removal import Evaluation, removal_measures, shadow_confidences
from empirical.poisoning.training import default_loss, run_steps, schedule
from empirical.setup import DTYPES, Setup
from empirical.train import TrainConfig
from sims.unlearning import GRID_SIZES, draft_setting, grid_points, method_spec, unlearn

__all__ = [
    "BASELINES",
    "GRID_SIZES",
    "approximate_methods",
    "grid_settings",
    "draft",
    "setting_label",
    "seed_stage",
    "attack_stage",
    "unlearned_state",
    "run_cell",
]

#: Models measured without unlearning: the poisoned model, the exact reference and the noise-floor retrains.
BASELINES = ("poisoned", "reference", *FLOOR_MODELS)


def approximate_methods() -> tuple[str, ...]:
    """The registry's methods the torch image models run, less the exact ones (retraining is the reference)."""
    return tuple(name for name in METHODS if not method_spec(name).exact)


def grid_settings(method: str, size: str = "full") -> list[dict[str, Any]]:
    """The tuning settings of ``method``: the registry's grid (:func:`sims.unlearning.grid_points`)."""
    return grid_points(method, size)


def draft(method: str) -> dict[str, Any]:
    """The draft's setting of ``method`` on the grid's axes (the registry's torch defaults), so that a grid point
    equal to it is the same cell."""
    return draft_setting(method, "torch")


def setting_label(options: Mapping[str, Any]) -> str:
    """A setting as canonical JSON (the cell parameter ``setting``; ``"-"`` for the baselines)."""
    return json.dumps(dict(options), sort_keys=True)


# ----------------------------------------------------------------------------- context and stages
@functools.lru_cache(maxsize=2)
def _data(model: str, data: str, data_options: str, dtype: str, device: str):
    return load_data(data, **json.loads(data_options)).to(device, DTYPES[dtype])


def _setup(config: Mapping[str, Any], seed: int) -> Setup:
    """The model of ``seed`` (initial weights as :func:`empirical.setup.prepare`) on the configured data."""
    data = _data(
        config["model"],
        config["data"],
        json.dumps(config["data_options"], sort_keys=True),
        config["dtype"],
        config["device"],
    )
    torch.manual_seed(seed)
    model = build_model(config["model"], data, **config["model_options"]).to(config["device"], DTYPES[config["dtype"]])
    return Setup(model, data, config["model"], config["data"], seed)


def _train_config(config: Mapping[str, Any], seed: int) -> TrainConfig:
    return TrainConfig(epochs=config["epochs"], batch_size=config["batch_size"], lr=config["lr"], seed=seed)


@contextlib.contextmanager
def _locked(path: Path):
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        yield


def _cached(path: Path, compute: Callable[[], dict]) -> dict:
    """The stage stored at ``path``, computed (and stored atomically) by one process when missing."""
    memory = _MEMORY.get(str(path))
    if memory is not None:
        return memory
    with _locked(path):
        if not path.is_file():
            value = compute()
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            torch.save(value, temporary)
            os.replace(temporary, path)
        value = torch.load(path, weights_only=True)  # tensors, numbers and strings only: no pickle of objects
    if len(_MEMORY) > 8:
        _MEMORY.clear()
    _MEMORY[str(path)] = value
    return value


_MEMORY: dict[str, dict] = {}


def _train(setup: Setup, inputs, targets, config: TrainConfig, drop=None, horizon=None, initial=None) -> dict:
    model = copy.deepcopy(setup.model)
    if initial is not None:
        model.load_state_dict(initial)
    plan = schedule(inputs.shape[0], config, drop=drop, horizon=horizon)
    run_steps(model, inputs, targets, plan, config, default_loss(setup.data.task))
    return {"state": copy.deepcopy(model.state_dict()), "examples": plan.examples, "horizon": plan.horizon}


def seed_stage(config: Mapping[str, Any], seed: int) -> dict:
    """Splits, reference, noise-floor retrains, surrogate and shadows of ``seed`` (module docstring)."""
    from empirical.poisoning.experiments import _shadows, _target_index

    def compute() -> dict:
        setup = _setup(config, seed)
        data, n = setup.data, config["n_poisons"]
        rng = np.random.default_rng(seed)
        sources = np.sort(rng.choice(data.train_x.shape[0], n, replace=False))
        order = rng.permutation(data.test_x.shape[0])
        holdout = np.sort(order[:n])
        target = _target_index(holdout)
        rest = np.array([i for i in order[n:] if i != int(target[0])])
        validation, test = np.sort(rest[: len(rest) // 2]), np.sort(rest[len(rest) // 2 :])
        retain = np.setdiff1d(np.arange(data.train_x.shape[0]), sources)
        extra = np.sort(rng.choice(retain, min(n, len(retain) - 1), replace=False))
        train_config = _train_config(config, seed)
        x, y = data.train_x, data.train_y
        drop = torch.as_tensor(sources)
        reference = _train(setup, x, y, train_config, drop=drop)
        other = _setup(config, seed + 10_000)
        floors = {
            "floor-seed": _train(other, x, y, _train_config(config, seed + 10_000), drop=drop)["state"],
            "floor-order": _train(setup, x, y, _train_config(config, seed + 20_000), drop=drop)["state"],
            "floor-drop": _train(setup, x, y, train_config, drop=torch.as_tensor(np.r_[sources, extra]))["state"],
        }
        # the attacker's model: the clean training set, the seed's initialisation, another order (as experiments.py)
        surrogate = _train(setup, x, y, _train_config(config, seed + 1))["state"]
        shadows = [model.state_dict() for model in _shadows(setup, train_config, config["n_shadow"], sources)]
        as_tensor = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.long)
        return {
            "sources": as_tensor(sources),
            "holdout": as_tensor(holdout),
            "target": as_tensor(target),
            "validation": as_tensor(validation),
            "test": as_tensor(test),
            "initial": setup.model.state_dict(),
            "reference": reference["state"],
            "retrain_examples": reference["examples"],
            "horizon": reference["horizon"],
            **floors,
            "surrogate": surrogate,
            "shadows": [copy.deepcopy(s) for s in shadows],
        }

    return _cached(Path(config["cache"]) / f"seed-{seed}.pt", compute)


def _poisons_dict(poisons: Poisons) -> dict:
    return {
        "inputs": poisons.inputs,
        "targets": poisons.targets,
        "sources": poisons.sources,
        "source_index": poisons.source_index,
        "eps": float(poisons.eps),
        "noise": poisons.noise,
    }


def attack_stage(config: Mapping[str, Any], seed: int, attack: str) -> dict:
    """Poisons, held-out poisons, the poisoned model and the GUS noise of ``attack`` at ``seed``."""
    from empirical.poisoning.experiments import _craft_pair, _law

    def compute() -> dict:
        stage = seed_stage(config, seed)
        setup = _setup(config, seed)
        setup.model.load_state_dict(stage["surrogate"])
        from empirical.functional import Objective, split_state

        params, frozen = split_state(setup.model)
        surrogate = (Objective(setup.model, setup.data.task, frozen, bn_mode="eval"), params)
        generator = torch.Generator().manual_seed(seed)
        poisons, outsiders = _craft_pair(
            attack, setup, surrogate, config, stage["sources"].numpy(), stage["holdout"].numpy(), generator
        )
        noise = None
        if attack == "gaussian":
            noise = poisons.noise
        elif attack == "fgsm-variant":
            noise = poisons.eps * torch.copysign(poisons.noise, _law(attack, poisons, surrogate)["direction"])
        setup.model.load_state_dict(stage["initial"])
        inputs, targets = setup.data.train_x.clone(), setup.data.train_y.clone()
        inputs[stage["sources"]] = poisons.inputs
        poisoned = _train(setup, inputs, targets, _train_config(config, seed), horizon=stage["horizon"])
        return {
            "poisons": _poisons_dict(poisons),
            "holdout": _poisons_dict(outsiders),
            "poisoned": poisoned["state"],
            "gus_noise": noise if noise is not None else torch.zeros(0),
            "has_gus": noise is not None,
        }

    return _cached(Path(config["cache"]) / f"seed-{seed}-{attack}.pt", compute)


# ----------------------------------------------------------------------------- one cell
def _evaluation(config, seed_data: dict, attack_data: dict, setup: Setup, attack: str) -> Evaluation:
    data = setup.data
    poisons, holdout = attack_data["poisons"], attack_data["holdout"]
    evaluation = Evaluation(
        forget=(poisons["inputs"], poisons["targets"]),
        sources=poisons["sources"],
        holdout=(holdout["inputs"], holdout["targets"]),
        validation=(data.test_x[seed_data["validation"]], data.test_y[seed_data["validation"]]),
        test=(data.test_x[seed_data["test"]], data.test_y[seed_data["test"]]),
        task=data.task,
        gus_noise=attack_data["gus_noise"] if attack_data["has_gus"] else None,
        gus_scale=poisons["eps"],
        target=(data.test_x[seed_data["target"]], data.test_y[seed_data["target"]]) if attack == "influence" else None,
    )
    if len(seed_data["shadows"]) >= 2 and data.task == "classification":
        shadows = []
        for state in seed_data["shadows"]:
            model = copy.deepcopy(setup.model)
            model.load_state_dict(state)
            shadows.append(model)
        evaluation.shadow_confidence = shadow_confidences(shadows, evaluation)
    return evaluation


def unlearned_state(
    setup: Setup,
    seed_data: dict,
    attack_data: dict,
    method: str,
    options: Mapping[str, Any],
    seed: int,
    batch_size: int,
    training_rate: float | None = None,
) -> tuple[dict, int]:
    """Run ``method`` with ``options`` from the poisoned model of the attack stage through the unlearning
    interface (:func:`sims.unlearning.unlearn`); (state, grad_evals)."""
    data = setup.data
    inputs = data.train_x.clone()
    inputs[seed_data["sources"]] = attack_data["poisons"]["inputs"]
    problem = poisoned_problem(
        setup.model,
        attack_data["poisoned"],
        inputs,
        data.train_y,
        seed_data["sources"],
        default_loss(data.task),
        batch_size,
        training_rate,
        seed=seed,
    )
    result = unlearn(method, problem, **dict(options))
    return result.state, result.grad_evals


def run_cell(cell: Mapping[str, Any]) -> dict[str, float]:
    """The measures of one cell: ``seed``, ``attack``, ``method`` (a baseline or a method), ``setting`` (JSON),
    ``config`` (JSON of the run's configuration)."""
    config = json.loads(cell["config"])
    seed, attack, method = int(cell["seed"]), cell["attack"], cell["method"]
    seed_data = seed_stage(config, seed)
    attack_data = attack_stage(config, seed, attack)
    setup = _setup(config, seed)
    if method in BASELINES:
        state = attack_data["poisoned"] if method == "poisoned" else seed_data[method]
        grad_evals = seed_data["retrain_examples"] if method in ("reference", *FLOOR_MODELS) else 0
    else:
        state, grad_evals = unlearned_state(
            setup, seed_data, attack_data, method, json.loads(cell["setting"]), seed, config["batch_size"], config["lr"]
        )
    model = copy.deepcopy(setup.model)
    model.load_state_dict(state)
    metrics = removal_measures(model, _evaluation(config, seed_data, attack_data, setup, attack))
    names = [name for name, _ in setup.model.named_parameters()]
    metrics.update(
        {
            "grad_evals": float(grad_evals),
            "cost_fraction": grad_evals / seed_data["retrain_examples"],
            "distance_to_reference": weight_distance(state, seed_data["reference"], names),
        }
    )
    return metrics
