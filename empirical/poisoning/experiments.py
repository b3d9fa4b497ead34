r"""The poisoning experiments as lifted checks of ``python -m empirical run``: poison-unlearning, hessian-poisons.

``poison-unlearning`` (draft, "Adversarial poisons with high loss" and "Conclusion on gradient ascent"):
for each attack, craft ``n_poisons`` poisons (10 in the draft) on a clean *surrogate* model (same data, seed
``seed + 1``), let them replace their sources in training, retrain the reference without them, run every
unlearning method, and evaluate each model (poisoned = "before", each method = "after", reference) against
the reference: distance ratio :math:`\|\theta_u - \theta_r\| / \|\theta_p - \theta_r\|`, accuracies, forget
loss, loss-threshold MIA and offline LiRA with ``n_shadow`` OUT shadow models (forgotten poisons against poisons
crafted the same way from test points), GUS with
the noise actually added (and the noise drawn, for the noisy attacks) against a fresh Gaussian null, and per
poison the loss, gradient norm, Hessian spectral norm / trace and ascent error on the poisoned model next to
random clean points. Each attack's rows are cached under ``<checkpoint_dir>/<check>/<key>/<attack>.json``
(``key``: a hash of the settings, setup, model, data and seed) so an interrupted run resumes. A cache file is
checked before use (:func:`theory.support.run_folder.read_checked_json`): its kind, its parameter hash, a
SHA-256 of its content and its shape (a non-empty list of ``{params, metrics}`` rows of that attack, one of
them the reference model's); a bad one (truncated, ``[]``, another shape, a changed value) is named on
stderr, set aside as ``<attack>.json.bad`` and recomputed.

``hessian-poisons`` (draft, "Adversarial poisons with irregular gradients"): the Hessian attack swept over
alpha, with its Hessian measure against the gradient norm, and the ascent error on these poisons against
random points (lemma hessian-poison-ascent-error).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from empirical.checks.ascent_error import ascent_error
from empirical.checks.base import Row, at_most_data, progress, summary
from empirical.functional import Objective, point, split_state, tree_norm
from empirical.poisoning.attacks import ATTACKS, DEFAULT_EPS, Poisons, craft
from empirical.poisoning.evaluation import (
    accuracy,
    detection,
    example_losses,
    gus_null,
    gus_statistic,
    lira_offline,
    logit_confidence,
    weight_distance,
)
from empirical.poisoning.measures import hessian_probes, input_gradients, per_example_summary
from empirical.poisoning.methods import METHODS, image_problem, unlearn
from empirical.poisoning.settings import HESSIAN_DEFAULTS, POISON_DEFAULTS, PRESETS
from empirical.poisoning.training import default_loss, run_steps, schedule, train_with_poisons
from empirical.train import TrainConfig
from theory.support.run_folder import read_checked_json, write_checked_json

__all__ = ["POISON_DEFAULTS", "HESSIAN_DEFAULTS", "run_poison_unlearning", "run_hessian_poisons", "PRESETS"]


def _resolve(settings: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    if settings["preset"] not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {settings['preset']!r}")
    resolved = dict(settings)
    for key, value in PRESETS[settings["preset"]].items():
        if key in defaults and settings[key] == defaults[key]:
            resolved[key] = value
    return resolved


def _surrogate(setup, config: TrainConfig) -> tuple[Objective, dict]:
    """The attacker's model: the same architecture trained on the clean data with seed + 1 (eval-mode loss)."""
    model = copy.deepcopy(setup.model)
    surrogate = TrainConfig(**{**config.__dict__, "seed": config.seed + 1})
    run_steps(
        model,
        setup.data.train_x,
        setup.data.train_y,
        schedule(setup.data.train_x.shape[0], surrogate),
        surrogate,
        default_loss(setup.data.task),
    )
    params, frozen = split_state(model)
    return Objective(model, setup.data.task, frozen, bn_mode="eval"), params


def _shadows(setup, config: TrainConfig, count: int, sources) -> list:
    """``count`` OUT shadow models: the architecture trained on the retain set (the clean data without the poisons'
    sources) with seeds seed + 2, seed + 3, ... They see neither a poison nor a source of a member or a held-out
    poison (those come from the test set), and every attack uses the same sources, so one set serves all."""
    models = []
    drop = torch.as_tensor(sources, dtype=torch.long)
    for offset in range(count):
        model = copy.deepcopy(setup.model)
        shadow = TrainConfig(**{**config.__dict__, "seed": config.seed + 2 + offset})
        run_steps(
            model,
            setup.data.train_x,
            setup.data.train_y,
            schedule(setup.data.train_x.shape[0], shadow, drop=drop),
            shadow,
            default_loss(setup.data.task),
        )
        models.append(model)
    return models


def _objective_of(run_model, state: dict, task: str) -> tuple[Objective, dict]:
    model = copy.deepcopy(run_model)
    model.load_state_dict(state)
    params, frozen = split_state(model)
    return Objective(model, task, frozen, bn_mode="eval"), params


def _craft_pair(attack: str, setup, surrogate, settings, indices, holdout, generator) -> tuple[Poisons, Poisons]:
    objective, params = surrogate
    eps = settings["eps"] if settings["eps"] > 0 else DEFAULT_EPS[attack]
    options: dict[str, Any] = {}
    if attack == "influence":
        options = {
            "train_batch": (setup.data.train_x, setup.data.train_y),
            "test_batch": setup.batch(_target_index(holdout), "test"),
            "steps": settings["influence_steps"],
            "damping": settings["damping"],
        }
    elif attack in ("hessian", "gradnorm"):
        options = {"steps": settings["hessian_steps"]}
    made = []
    for split, chosen in (("train", indices), ("test", holdout)):
        x, y = setup.batch(chosen, split)
        made.append(
            craft(
                attack,
                objective,
                params,
                x,
                y,
                torch.as_tensor(chosen),
                setup.data.lower,
                setup.data.upper,
                eps=eps,
                generator=generator,
                **dict(options),
            )
        )
    return made[0], made[1]


def _gus_rows(model_name: str, objective, params, poisons: Poisons, law_sample, generator, draws: int) -> dict:
    """GUS with the noise added (and drawn), against the fresh Gaussian null and the attack's own noise law.

    The added perturbation of poison i is normalised by its root-mean-square entry s_i (= eps for unclamped
    Gaussian noise), so that an isotropic Gaussian of the same energy gives N(0, 1); the fresh null draws
    N(0, s_i^2 I) on the same model, which is N(0, 1) whatever s_i.
    """
    out: dict[str, float] = {}
    delta = poisons.delta.reshape(len(poisons), -1)
    rms = delta.pow(2).mean(dim=1).sqrt().clamp_min(torch.finfo(delta.dtype).tiny)
    fresh = (
        gus_null(
            objective,
            params,
            poisons.sources,
            poisons.targets,
            1.0,
            lambda g: torch.randn(poisons.sources.shape, generator=g, dtype=torch.float64),
            draws,
            generator,
        )
        .cpu()
        .numpy()
    )
    added = (
        gus_statistic(
            objective,
            params,
            poisons.sources,
            poisons.targets,
            (delta / rms[:, None]).reshape(poisons.sources.shape),
            1.0,
        )
        .cpu()
        .numpy()
    )
    out.update(detection(added, fresh).as_dict("gus_added"))
    if poisons.attack in ("gaussian", "fgsm-variant"):
        drawn_noise = (
            poisons.noise
            if poisons.attack == "gaussian"
            else poisons.eps * torch.copysign(poisons.noise, law_sample["direction"])
        )  # the draft's eps copysign(eta, g)
        drawn = (
            gus_statistic(objective, params, poisons.sources, poisons.targets, drawn_noise, poisons.eps).cpu().numpy()
        )
        out.update(detection(drawn, fresh).as_dict("gus_drawn"))
        law = (
            gus_null(
                objective, params, poisons.sources, poisons.targets, poisons.eps, law_sample["sample"], draws, generator
            )
            .cpu()
            .numpy()
        )
        out.update(detection(drawn, law, standard_normal_null=False).as_dict("gus_vs_law"))
        out["gus_law_null_mean"] = float(law.mean())
        out["gus_law_null_std"] = float(law.std())
    out["gus_fresh_null_mean"], out["gus_fresh_null_std"] = float(fresh.mean()), float(fresh.std())
    return out


def _target_index(holdout) -> np.ndarray:
    """The influence attack's z_test: the first test example that is not a held-out poison source."""
    taken = set(int(i) for i in np.atleast_1d(holdout))
    return np.array([next(i for i in range(len(taken) + 1) if i not in taken)])


def _law(attack: str, poisons: Poisons, surrogate) -> dict:
    """Fresh noise of the attack's own law: N(0, eps^2 I), or eps copysign(eta', grad of the surrogate)."""
    if attack == "fgsm-variant":
        objective, params = surrogate
        direction = input_gradients(objective, params, poisons.sources, poisons.targets)
        return {
            "direction": direction,
            "sample": lambda g: (
                poisons.eps
                * torch.copysign(
                    torch.randn(poisons.sources.shape, generator=g, dtype=torch.float64).to(direction), direction
                )
            ),
        }
    return {
        "direction": None,
        "sample": lambda g: poisons.eps * torch.randn(poisons.sources.shape, generator=g, dtype=torch.float64),
    }


def _model_rows(
    attack, run, state, label, cost, poisons, holdout, setup, settings, law, generator, names, shadows=()
) -> dict:
    task = setup.data.task
    model = run.model_at(state)
    objective, params = _objective_of(run.model, state, task)
    retain = run.retain_mask
    reference_gap = weight_distance(run.poisoned, run.reference, names)
    metrics: dict[str, Any] = {
        "grad_evals": cost,
        "distance_to_reference": weight_distance(state, run.reference, names),
        "distance_ratio": weight_distance(state, run.reference, names) / reference_gap
        if reference_gap > 0
        else float("nan"),
        "retain_accuracy": accuracy(model, run.inputs[retain], run.targets[retain]),
        "forget_accuracy": accuracy(model, poisons.inputs, poisons.targets),
        "test_accuracy": accuracy(model, setup.data.test_x, setup.data.test_y),
        "forget_loss": float(example_losses(model, poisons.inputs, poisons.targets, task).mean()),
    }
    members = -example_losses(model, poisons.inputs, poisons.targets, task).cpu().numpy()
    outsiders = -example_losses(model, holdout.inputs, holdout.targets, task).cpu().numpy()
    mia = detection(members, outsiders, standard_normal_null=False)
    metrics.update(
        {"mia_auc": mia.auc, "mia_auc_se": mia.auc_se, "mia_tpr_at_5": mia.tpr_at_5, "mia_tpr_at_1": mia.tpr_at_1}
    )
    if len(shadows) >= 2 and task == "classification":
        candidates = (torch.cat([poisons.inputs, holdout.inputs]), torch.cat([poisons.targets, holdout.targets]))
        reference = torch.stack([logit_confidence(shadow, *candidates) for shadow in shadows])
        scores = lira_offline(logit_confidence(model, *candidates), reference).cpu().numpy()
        lira = detection(scores[: len(poisons)], scores[len(poisons) :], standard_normal_null=False)
        metrics.update({"lira_auc": lira.auc, "lira_auc_se": lira.auc_se, "lira_tpr_at_5": lira.tpr_at_5})
    metrics.update(_gus_rows(label, objective, params, poisons, law, generator, settings["gus_draws"]))
    if attack == "influence":
        inputs, targets = setup.batch(_target_index(holdout.source_index.cpu().numpy()), "test")
        metrics["target_test_loss"] = float(example_losses(model, inputs, targets, task).mean())
    return metrics


def _point_rows(attack, run, poisons, setup, settings, generator, lemma) -> list[Row]:
    """Per-poison and per-clean-point loss, gradient norm, Hessian spectral norm / trace, ascent error (poisoned model)."""
    objective, params = _objective_of(run.model, run.poisoned, setup.data.task)
    clean_index = run.retain_mask.nonzero().flatten()
    chosen = clean_index[torch.randperm(clean_index.numel(), generator=generator)[: settings["n_clean"]]]
    rows = []
    for kind, (x, y) in (
        ("poison", (poisons.inputs, poisons.targets)),
        ("clean", (run.inputs[chosen], run.targets[chosen])),
    ):
        spectral = per_example_summary(objective, params, x, y, "spectral", power_iters=10, generator=generator)
        trace = per_example_summary(objective, params, x, y, "trace", probes=hessian_probes(params, 8, generator))
        for i in range(x.shape[0]):
            error = ascent_error(objective, params, point((x, y), i), settings["ascent_lr"])
            rows.append(
                Row(
                    {"lemma_id": lemma, "attack": attack, "kind": kind, "point": i, "role": "point"},
                    {
                        "loss": float(spectral["loss"][i]),
                        "grad_norm": float(spectral["grad_norm"][i]),
                        "hessian_spectral": float(spectral["spectral"][i]),
                        "hessian_trace": float(trace["trace"][i]),
                        "ascent_error": float(tree_norm(error)),
                    },
                )
            )
    return rows


_CACHE_KIND = "poison-unlearning-attack/1"


def _cache(setup, check: str, settings: Mapping[str, Any], attack: str) -> Path | None:
    """The cache file of one attack's rows: ``<checkpoint_dir>/<check>/<key>/<attack>.json``, ``key`` the hash
    of everything the rows depend on (None without a checkpoint folder)."""
    if not setup.checkpoint_dir:
        return None
    key = hashlib.sha256(
        json.dumps(
            {
                "settings": dict(settings),
                "setup": setup.describe,
                "model": setup.model_name,
                "data": setup.data_name,
                "seed": setup.seed,
            },
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()[:12]
    return Path(setup.checkpoint_dir) / check / key / f"{attack}.json"


def _check_cached_rows(payload: Any, attack: str) -> None:
    """Raise ``ValueError`` unless ``payload`` is the rows of ``attack``: a non-empty list of ``{params, metrics}``
    objects, all of that attack, with the reference model's row among them."""
    if not isinstance(payload, list) or not payload:
        raise ValueError("not a non-empty list of rows")
    for item in payload:
        if not (
            isinstance(item, dict)
            and set(item) == {"params", "metrics"}
            and isinstance(item["params"], dict)
            and isinstance(item["metrics"], dict)
        ):
            raise ValueError("a row is not {params: {...}, metrics: {...}}")
        if item["params"].get("attack") != attack:
            raise ValueError(f"holds rows of attack {item['params'].get('attack')!r}, expected {attack!r}")
    if not any(item["params"].get("method") == "reference" for item in payload):
        raise ValueError("no row of the reference model")


def _load(path: Path | None, attack: str) -> list[Row] | None:
    """The cached rows of ``attack``, or None when there are none or the cache file is bad (then it is set aside)."""
    if path is None:
        return None
    payload = read_checked_json(
        path,
        _CACHE_KIND,
        path.parent.name,
        validate=lambda rows: _check_cached_rows(rows, attack),
        what="attack cache file",
    )
    return None if payload is None else [Row(item["params"], item["metrics"]) for item in payload]


def _save(path: Path | None, rows: list[Row]) -> None:
    if path is not None:
        write_checked_json(
            path, _CACHE_KIND, path.parent.name, [{"params": r.params, "metrics": r.metrics} for r in rows]
        )


def _config(setup, settings) -> TrainConfig:
    return TrainConfig(epochs=settings["epochs"], batch_size=settings["batch_size"], lr=settings["lr"], seed=setup.seed)


def check_counts(setup, n_poisons: int, batch_size: int, models: int) -> None:
    """Sizes within the data, and ``models`` copies of the model (surrogate, runs, methods, shadows) within the
    memory budget, before anything is trained."""
    from empirical.setup import check_model_memory

    at_most_data("batch_size", batch_size, setup.data.train_x.shape[0])
    check_model_memory(setup.model, models, "the poisoning runs")
    if n_poisons < 1:
        raise ValueError(f"n_poisons must be >= 1, got {n_poisons}")
    for split, tensor in (("train", setup.data.train_x), ("test", setup.data.test_x)):
        if n_poisons + (1 if split == "test" else 0) > tensor.shape[0]:
            raise ValueError(f"n_poisons={n_poisons} exceeds the {split} set ({tensor.shape[0]} examples)")


def run_poison_unlearning(setup, settings: Mapping[str, Any]) -> list[Row]:
    settings = _resolve(settings, POISON_DEFAULTS)
    unknown = [a for a in settings["attacks"] if a not in ATTACKS] + [
        m for m in settings["methods"] if m.replace("-", "_") not in METHODS
    ]
    if unknown:
        raise ValueError(
            f"unknown attack(s) or method(s) {unknown}; attacks: {', '.join(ATTACKS)}; methods: {', '.join(METHODS)}"
        )
    check_counts(
        setup, settings["n_poisons"], settings["batch_size"], 4 * (4 + settings["n_shadow"] + len(settings["methods"]))
    )  # state, gradient, optimiser, copy
    config = _config(setup, settings)
    surrogate = _surrogate(setup, config)
    sources = setup.indices(settings["n_poisons"], settings["point_seed"])
    shadows = _shadows(setup, config, settings["n_shadow"], sources) if settings["n_shadow"] else []
    names = [name for name, _ in setup.model.named_parameters()]
    rows: list[Row] = []
    lemma = "unlearning-fails-poisons"
    for attack in progress(settings["attacks"], "poison-unlearning"):
        cache = _cache(setup, "poison-unlearning", settings, attack)
        cached = _load(cache, attack)
        if cached is not None:
            rows += cached
            continue
        generator = torch.Generator().manual_seed(settings["point_seed"])
        indices = setup.indices(settings["n_poisons"], settings["point_seed"])
        holdout = setup.indices(settings["n_poisons"], settings["point_seed"], split="test")
        poisons, outsiders = _craft_pair(attack, setup, surrogate, settings, indices, holdout, generator)
        run = train_with_poisons(copy.deepcopy(setup.model), setup.data, poisons, config)
        law = _law(attack, poisons, surrogate)
        problem = image_problem(run, seed=setup.seed)
        results = [("poisoned", run.poisoned, 0), ("reference", run.reference, run.retain_plan.examples)]
        for method in settings["methods"]:
            name = method.replace("-", "_")
            if name in ("retrain", "rewind_replay") and not settings["rerun_exact"]:
                # exact methods: their state is the reference bit for bit (tests/empirical/test_poisoning.py);
                # only their cost is computed here, from the plans
                start = run.rewind_checkpoint() if name == "rewind_replay" else 0
                results.append((name, run.reference, sum(int(b.numel()) for b in run.retain_plan.batches[start:])))
                continue
            outcome = unlearn(method, problem)
            results.append((outcome.method, outcome.state, outcome.grad_evals))
        attack_rows = []
        info = {k: v for k, v in poisons.info.items() if isinstance(v, (int, float, str))}
        for label, state, cost in results:
            metrics = _model_rows(
                attack, run, state, label, cost, poisons, outsiders, setup, settings, law, generator, names, shadows
            )
            attack_rows.append(
                Row(
                    {
                        "lemma_id": lemma,
                        "attack": attack,
                        "method": label,
                        "stage": "before" if label == "poisoned" else "after",
                        "attack_info": json.dumps(info, sort_keys=True),
                    },
                    metrics,
                )
            )
            if label not in ("poisoned", "reference"):
                for metric in ("distance_ratio", "gus_added_mean_positive", "mia_auc", "lira_auc"):
                    if metric not in metrics:
                        continue
                    attack_rows.append(
                        summary(lemma, f"{attack}/{label}/{metric}", metrics[metric], attack=attack, method=label)
                    )
        reference = next(r for r in attack_rows if r.params.get("method") == "reference")
        # on the reference (never saw the poisons): the null GUS assumes. Only the Gaussian noise has the N(0, 1)
        # null of lemma gus-gaussian-null; the FGSM variant's is lemma gus-fgsm-variant-null; the other attacks
        # add a deterministic perturbation, for which no null of that kind exists.
        null_lemma = {"gaussian": "gus-gaussian-null", "fgsm-variant": "gus-fgsm-variant-null"}.get(attack, lemma)
        attack_rows.append(
            summary(
                null_lemma,
                f"{attack}/reference/gus_added_mean",
                reference.metrics["gus_added_mean_positive"],
                attack=attack,
                method="reference",
            )
        )
        attack_rows += _point_rows(attack, run, poisons, setup, settings, generator, "three-hard-kinds-equivalent")
        _save(cache, attack_rows)
        rows += attack_rows
    for attack in settings["attacks"]:
        points = [r for r in rows if r.role == "point" and r.params["attack"] == attack]
        poison = [r.metrics["grad_norm"] for r in points if r.params["kind"] == "poison"]
        clean = [r.metrics["grad_norm"] for r in points if r.params.get("kind") == "clean"]
        if poison and clean:
            rows.append(
                summary(
                    "poisons-large-gradients",
                    f"{attack}/median_poison_over_clean_grad_norm",
                    float(np.median(poison) / np.median(clean)),
                    attack=attack,
                )
            )
    ratios = [
        r.metrics["distance_ratio"]
        for r in rows
        if r.role == "measurement" and r.params.get("method") in ("gradient_ascent", "neggrad_plus")
    ]
    if ratios:
        rows.append(summary(lemma, "gradient_methods_min_distance_ratio", float(np.nanmin(ratios)), key=True))
    return rows


def run_hessian_poisons(setup, settings: Mapping[str, Any]) -> list[Row]:
    settings = _resolve(settings, HESSIAN_DEFAULTS)
    check_counts(setup, settings["n_poisons"], settings["batch_size"], 4 * (2 + 16))  # surrogate and 16 probes
    config = _config(setup, settings)
    objective, params = _surrogate(setup, config)
    lemma = "hessian-poison-ascent-error"
    rows: list[Row] = []
    generator = torch.Generator().manual_seed(settings["point_seed"])
    indices = setup.indices(settings["n_poisons"], settings["point_seed"])
    x, y = setup.batch(indices)
    probes = hessian_probes(params, 16, generator)

    def describe(kind: str, alpha: float, inputs, targets) -> list[dict]:
        spectral = per_example_summary(
            objective, params, inputs, targets, "spectral", power_iters=30, generator=generator
        )
        trace = per_example_summary(objective, params, inputs, targets, "trace", probes=probes)
        diagonal = per_example_summary(objective, params, inputs, targets, "diagonal", probes=probes)
        out = []
        for i in range(inputs.shape[0]):
            error = tree_norm(ascent_error(objective, params, point((inputs, targets), i), settings["ascent_lr"]))
            out.append(
                {
                    "kind": kind,
                    "alpha": alpha,
                    "point": i,
                    "loss": float(spectral["loss"][i]),
                    "grad_norm": float(spectral["grad_norm"][i]),
                    "hessian_spectral": float(spectral["spectral"][i]),
                    "hessian_trace": float(trace["trace"][i]),
                    "hessian_diagonal": float(diagonal["diagonal"][i]),
                    "ascent_error": float(error),
                }
            )
        return out

    measured = describe("clean", 0.0, x, y)
    crafted = {}
    for alpha in progress(settings["alphas"], "hessian-poisons"):
        poisons = craft(
            "hessian",
            objective,
            params,
            x,
            y,
            torch.as_tensor(indices),
            setup.data.lower,
            setup.data.upper,
            generator=generator,
            alpha=alpha,
            measure=settings["measure"],
            steps=settings["steps"],
            balance=settings["balance"],
        )
        crafted[alpha] = poisons.inputs
        measured += describe("hessian", alpha, poisons.inputs, poisons.targets)
    gradnorm = craft(
        "gradnorm",
        objective,
        params,
        x,
        y,
        torch.as_tensor(indices),
        setup.data.lower,
        setup.data.upper,
        generator=generator,
        steps=settings["steps"],
    )
    measured += describe("gradnorm", 1.0, gradnorm.inputs, gradnorm.targets)
    for entry in measured:
        rows.append(
            Row(
                {
                    "lemma_id": lemma,
                    "kind": entry.pop("kind"),
                    "alpha": entry.pop("alpha"),
                    "point": entry.pop("point"),
                },
                entry,
            )
        )
    clean_error = np.median([r.metrics["ascent_error"] for r in rows if r.params.get("kind") == "clean"])
    for alpha in settings["alphas"]:
        group = [r.metrics for r in rows if r.params.get("kind") == "hessian" and r.params["alpha"] == alpha]
        rows.append(
            summary(
                lemma,
                f"alpha={alpha}/median_ascent_error_over_clean",
                np.median([g["ascent_error"] for g in group]) / clean_error,
                alpha=alpha,
            )
        )
        rows.append(
            summary(
                lemma,
                f"alpha={alpha}/median_spectral_over_grad_norm",
                np.median([g["hessian_spectral"] / max(g["grad_norm"], 1e-300) for g in group]),
                alpha=alpha,
            )
        )
    group = [r.metrics for r in rows if r.params.get("kind") == "gradnorm"]
    rows.append(
        summary(
            lemma,
            "gradnorm/median_ascent_error_over_clean",
            np.median([g["ascent_error"] for g in group]) / clean_error,
        )
    )
    alphas = sorted(crafted)
    if len(alphas) >= 2:  # does alpha change the poisons at all? (issue 17: not as the draft writes the objective)
        rows.append(
            summary(
                lemma,
                "max_input_change_between_alphas",
                max(float((crafted[a] - crafted[b]).abs().max()) for a, b in zip(alphas, alphas[1:])),
                balance=settings["balance"],
            )
        )
    best = max(settings["alphas"])
    group = [r.metrics for r in rows if r.params.get("kind") == "hessian" and r.params["alpha"] == best]
    rows.append(
        summary(
            lemma,
            "max_alpha_median_ascent_error_over_clean",
            np.median([g["ascent_error"] for g in group]) / clean_error,
            key=True,
        )
    )
    return rows
