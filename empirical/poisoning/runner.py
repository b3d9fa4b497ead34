r"""Lifted check ``poison-unlearning``: the protocol of :mod:`empirical.poisoning.protocol` over seeds x attacks x methods x settings.

Two phases, each a grid of cells (:func:`.grid.run_cell`) run by :func:`sims.runner.run_sweep` (joblib
processes by default, ``backend=dask`` for a cluster; resumable, one cell per file under
``<checkpoint_dir>/poison-unlearning/<key>/``):

1. **tuning** on ``tune_seeds`` seeds (``seed0 + 1000`` ...) that the report never uses: every setting of every
   method's grid (the registry's, :func:`.grid.grid_settings`), with the reference and the noise-floor retrains; per (attack, method)
   :func:`empirical.poisoning.protocol.select_setting` picks the best forget quality among the settings whose validation accuracy
   stays within ``tolerance`` of the retrained model's.
2. **report** on ``seeds`` seeds (``seed0`` ...): the poisoned model, the reference, the floor retrains, each
   method at the draft's setting and at the tuned one; test-half accuracy.

The rows: per (attack, model, measure) the mean over seeds with its 95 % interval (Student t), the noise floor
(mean ``|F - R|`` with its interval) and the verdict against the floor; per attack its success (:func:`empirical.poisoning.protocol.
attack_success`); the printed table is :func:`markdown_table`.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from empirical.checks.base import Row, summary
from empirical.poisoning.experiments import check_counts
from empirical.poisoning.grid import (
    BASELINES,
    GRID_SIZES,
    approximate_methods,
    draft,
    grid_settings,
    run_cell,
    setting_label,
)
from empirical.poisoning.protocol import (
    FLOOR_MODELS,
    attack_success,
    floor_gaps,
    floor_verdict,
    forget_quality,
    seed_interval,
    select_setting,
)
from empirical.poisoning.removal import MEASURES
from sims.results import ResultStore, parameters_key

__all__ = ["run", "markdown_table", "TUNE_SEED_OFFSET"]

#: Tuning seeds are seed0 + 1000, ...: models, poisons and sources the reported seeds never share.
TUNE_SEED_OFFSET = 1000
_CONFIG_KEYS = (
    "n_poisons",
    "epochs",
    "batch_size",
    "lr",
    "eps",
    "n_shadow",
    "influence_steps",
    "hessian_steps",
    "damping",
)


def _config(setup, settings: Mapping[str, Any], cache: Path) -> dict[str, Any]:
    describe = setup.describe or {}
    return {
        "model": setup.model_name,
        "data": setup.data_name,
        "model_options": describe.get("model_options", {}),
        "data_options": describe.get("data_options", {}),
        "dtype": describe.get("dtype", "float64"),
        "device": describe.get("device", "cpu"),
        **{k: settings[k] for k in _CONFIG_KEYS},
        "cache": str(cache),
    }


def _validate(settings: Mapping[str, Any]) -> None:
    from empirical.poisoning.attacks import ATTACKS

    approximate = approximate_methods()
    unknown = [a for a in settings["attacks"] if a not in ATTACKS] + [
        m for m in settings["methods"] if m.replace("-", "_") not in approximate
    ]
    if unknown:
        raise ValueError(
            f"unknown attack(s) or approximate method(s) {unknown}; attacks: {', '.join(ATTACKS)}; "
            f"methods: {', '.join(approximate)} (exact retraining is the reference)"
        )
    if settings["grid"] not in GRID_SIZES:
        raise ValueError(f"grid must be one of {', '.join(GRID_SIZES)}, got {settings['grid']!r}")
    if settings["seeds"] < 1 or settings["tune_seeds"] < 1:
        raise ValueError(f"seeds and tune_seeds must be >= 1, got {settings['seeds']} and {settings['tune_seeds']}")
    if not 0 <= settings["tolerance"] < 1:
        raise ValueError(f"tolerance is an accuracy difference in [0, 1), got {settings['tolerance']}")


def _sweep(name: str, allowed: set[tuple[str, str, str]], attacks, methods, labels):
    from sims.sweeps.spec import Param, Sweep

    return Sweep(
        name,
        name,
        "poison-unlearning cells (empirical.poisoning.grid.run_cell)",
        ("unlearning-fails-poisons",),
        (
            Param("attacks", "strs", list(attacks), "attacks", axis="attack"),
            Param("methods", "strs", list(methods), "models and methods", axis="method"),
            Param("settings", "strs", list(labels), "settings (JSON)", axis="setting"),
            Param("config", "str", "", "configuration (JSON)"),
        ),
        run_cell,
        lambda frame, out: [],
        keep=lambda cell: (cell["attack"], cell["method"], cell["setting"]) in allowed,
    )


def _phase(name: str, root: Path, allowed: set, config: dict, seed0: int, seeds: int, settings) -> list[dict]:
    from sims.runner import run_sweep

    attacks = sorted({a for a, _, _ in allowed})
    methods = sorted({m for _, m, _ in allowed})
    labels = sorted({s for _, _, s in allowed})
    sweep = _sweep(name, allowed, attacks, methods, labels)
    values = {
        "attacks": attacks,
        "methods": methods,
        "settings": labels,
        "config": json.dumps(config, sort_keys=True),
        "seeds": seeds,
        "seed0": seed0,
    }
    out = root / parameters_key({**values, "allowed": sorted(allowed)})
    run_sweep(
        sweep,
        values,
        out_dir=out,
        jobs=settings["jobs"],
        backend=settings["backend"],
        scheduler=settings["scheduler"] or None,
        progress=True,
    )
    return ResultStore(out, name).rows()


def _index(rows: list[dict]) -> dict[tuple[str, str, str], dict[int, dict]]:
    table: dict[tuple[str, str, str], dict[int, dict]] = {}
    for row in rows:
        metrics = {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in row.items()}
        table.setdefault((row["attack"], row["method"], row["setting"]), {})[int(row["seed"])] = metrics
    return table


def _mean_floor(table, attack: str) -> dict[str, float]:
    reference = table[(attack, "reference", "-")]
    floors = {name: table[(attack, name, "-")] for name in FLOOR_MODELS}
    return {
        m: float(np.nanmean(list(floor_gaps(m, reference, floors).values()) or [math.nan]))
        if any(math.isfinite(r[m]) for r in reference.values())
        else math.nan
        for m in MEASURES
    }


def _tune(table, attacks, methods, grid: str, tolerance: float) -> dict[tuple[str, str], dict]:
    chosen = {}
    for attack in attacks:
        reference = table[(attack, "reference", "-")]
        unit = _mean_floor(table, attack)
        goal = {m: float(np.mean([r[m] for r in reference.values()])) for m in MEASURES}
        for method in methods:
            candidates = {}
            for options in grid_settings(method, grid):
                label = setting_label(options)
                rows = table.get((attack, method, label), {})
                candidates[label] = [
                    {**row, "forget_quality": forget_quality(row, reference[seed], unit)}
                    for seed, row in rows.items()
                    if seed in reference
                ]
            accuracy = float(np.mean([r["val_accuracy"] for r in reference.values()]))
            chosen[(attack, method)] = select_setting(candidates, accuracy, tolerance)
            chosen[(attack, method)]["goal"] = goal
    return chosen


def run(setup, settings: Mapping[str, Any]) -> list[Row]:
    settings = {**settings, "methods": [m.replace("-", "_") for m in settings["methods"]]}
    _validate(settings)
    # each of `jobs` workers holds the poisoned, reference and floor models, the shadows and one unlearned copy
    check_counts(
        setup, settings["n_poisons"], settings["batch_size"], 4 * settings["jobs"] * (4 + settings["n_shadow"] + 1)
    )  # state, gradient, optimiser, copy
    base = Path(setup.checkpoint_dir) if setup.checkpoint_dir else Path(tempfile.mkdtemp(prefix="poison-unlearning-"))
    root = base / "poison-unlearning"
    cache = (
        root
        / "stages"
        / parameters_key(
            {
                "setup": setup.describe,
                "model": setup.model_name,
                "data": setup.data_name,
                **{k: settings[k] for k in _CONFIG_KEYS},
            }
        )
    )
    config = _config(setup, settings, cache)
    attacks, methods = list(settings["attacks"]), list(settings["methods"])
    baselines = [(a, b, "-") for a in attacks for b in ("reference", *FLOOR_MODELS)]
    tuning = set(baselines) | {
        (a, m, setting_label(o)) for a in attacks for m in methods for o in grid_settings(m, settings["grid"])
    }
    tune_rows = _phase(
        "poison-unlearning-tuning",
        root,
        tuning,
        config,
        settings["seed0"] + TUNE_SEED_OFFSET,
        settings["tune_seeds"],
        settings,
    )
    choices = _tune(_index(tune_rows), attacks, methods, settings["grid"], settings["tolerance"])
    report = (
        {(a, b, "-") for a in attacks for b in BASELINES}
        | {(a, m, setting_label(draft(m))) for a in attacks for m in methods}
        | {(a, m, c["setting"]) for (a, m), c in choices.items() if c["setting"] is not None}
    )
    table = _index(
        _phase("poison-unlearning-report", root, report, config, settings["seed0"], settings["seeds"], settings)
    )
    rows = _aggregate(table, attacks, methods, choices)
    print(markdown_table(rows, settings))
    return rows


def _variants(attack: str, methods, choices) -> list[tuple[str, str, str]]:
    out = [("poisoned", "-", "-")]
    for method in methods:
        out.append((method, "draft", setting_label(draft(method))))
        setting = choices[(attack, method)]["setting"]
        out.append((method, "tuned", setting if setting is not None else "none within tolerance"))
    return out


def _aggregate(table, attacks, methods, choices) -> list[Row]:
    lemma = "unlearning-fails-poisons"
    rows: list[Row] = []
    for attack in attacks:
        reference = table[(attack, "reference", "-")]
        floors = {name: table[(attack, name, "-")] for name in FLOOR_MODELS}
        success = attack_success(attack, table[(attack, "poisoned", "-")], reference)
        rows.append(
            Row(
                {"lemma_id": lemma, "attack": attack, "role": "attack-success", "measure": success["measure"]},
                {k: v for k, v in success.items() if k not in ("attack", "measure")},
            )
        )
        rows.append(summary(lemma, f"{attack}/attack_effect", success["difference"], attack=attack))
        for measure in MEASURES:
            gaps = floor_gaps(measure, reference, floors)
            f_mean, f_low, f_high = seed_interval(list(gaps.values()))
            r_mean, r_low, r_high = seed_interval([r[measure] for r in reference.values()])
            rows.append(
                Row(
                    {
                        "lemma_id": lemma,
                        "attack": attack,
                        "unlearner": "reference",
                        "variant": "-",
                        "setting": "-",
                        "measure": measure,
                    },
                    {
                        "mean": r_mean,
                        "low": r_low,
                        "high": r_high,
                        "floor": f_mean,
                        "floor_low": f_low,
                        "floor_high": f_high,
                        "verdict": "reference",
                        "cost_fraction": 1.0,
                        "nothing_to_remove": not success["significant"],
                    },
                )
            )
            for model, variant, setting in _variants(attack, methods, choices):
                values = table.get((attack, model, setting if model != "poisoned" else "-"), {})
                if not values:
                    continue
                mean, low, high = seed_interval([r[measure] for r in values.values()])
                verdict = floor_verdict(measure, values, reference, gaps)
                rows.append(
                    Row(
                        {
                            "lemma_id": lemma,
                            "attack": attack,
                            "unlearner": model,
                            "variant": variant,
                            "setting": setting,
                            "measure": measure,
                        },
                        {
                            "mean": mean,
                            "low": low,
                            "high": high,
                            "floor": f_mean,
                            "floor_low": f_low,
                            "floor_high": f_high,
                            **verdict,
                            "cost_fraction": float(np.mean([r["cost_fraction"] for r in values.values()])),
                            "nothing_to_remove": not success["significant"],
                        },
                    )
                )
        for method in methods:
            chosen = choices[(attack, method)]
            rows.append(
                Row(
                    {
                        "lemma_id": lemma,
                        "attack": attack,
                        "unlearner": method,
                        "role": "tuning",
                        "setting": chosen["setting"] or "none within tolerance",
                    },
                    {
                        "tolerance": chosen["tolerance"],
                        "reference_val_accuracy": chosen["reference_accuracy"],
                        "val_accuracy": chosen["chosen"]["val_accuracy"] if chosen["chosen"] else math.nan,
                        "forget_quality": chosen["chosen"]["forget_quality"] if chosen["chosen"] else math.nan,
                        "admissible_settings": sum(s["admissible"] for s in chosen["scored"]),
                        "grid_size": len(chosen["scored"]),
                    },
                )
            )
    at_floor = [
        r
        for r in rows
        if r.params.get("variant") == "tuned"
        and r.params["measure"] in ("forget_loss", "mia_auc", "lira_auc", "gus_z", "target_loss")
        and r.metrics.get("verdict") != "undefined"
        and not r.metrics["nothing_to_remove"]
    ]
    if at_floor:
        rows.append(
            summary(
                lemma,
                "tuned_forget_measures_at_floor_fraction",
                float(np.mean([r.metrics["verdict"] == "at floor" for r in at_floor])),
                key=True,
            )
        )
    return rows


def _interval(metrics: Mapping[str, float], digits: int = 3) -> str:
    mean, low, high = metrics["mean"], metrics["low"], metrics["high"]
    if not math.isfinite(mean):
        return "–"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{mean:.{digits}g}"
    return f"{mean:.{digits}g} [{low:.{digits}g}, {high:.{digits}g}]"


_MARK = {"at floor": "=", "above floor": "↑", "undefined": "", "reference": ""}


def markdown_table(rows: list[Row], settings: Mapping[str, Any] | None = None) -> str:
    """Attack success, then per attack one line per model x measure: mean [95 % CI] and its verdict mark
    (``=`` at the retrain noise floor, ``↑`` above it), the floor's line, cost as a fraction of retraining."""
    lines = []
    if settings is not None:
        lines.append(
            f"poison-unlearning: {settings['seeds']} seeds (tuning on {settings['tune_seeds']} other), "
            f"{settings['n_poisons']} poisons, {settings['epochs']} epochs, grid {settings['grid']}, "
            f"tolerance {settings['tolerance']}; 95 % Student-t intervals over seeds"
        )
    lines += [
        "",
        "| attack | effect measure | poisoned - reference [95 % CI] | paired t p | verdict |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row.params.get("role") == "attack-success":
            m = row.metrics
            lines.append(
                f"| {row.params['attack']} | {row.params['measure']} | "
                f"{_interval({'mean': m['difference'], 'low': m['low'], 'high': m['high']})} | {m['p']:.2g} | "
                f"{'significant effect' if m['significant'] else 'no significant effect: nothing to remove'} |"
            )
    measured = [r for r in rows if r.role == "measurement" and "measure" in r.params and "unlearner" in r.params]
    shown = [m for m in MEASURES if any(math.isfinite(r.metrics["mean"]) for r in measured if r.params["measure"] == m)]
    header = "| attack | model | variant | setting | cost/retrain | " + " | ".join(shown) + " |"
    lines += ["", header, "|" + "---|" * (5 + len(shown))]
    keys = []
    for row in measured:
        key = (row.params["attack"], row.params["unlearner"], row.params["variant"], row.params["setting"])
        if key not in keys:
            keys.append(key)
    for attack in dict.fromkeys(k[0] for k in keys):
        floor = {
            r.params["measure"]: r.metrics
            for r in measured
            if r.params["attack"] == attack and r.params["unlearner"] == "reference"
        }
        lines.append(
            f"| {attack} | floor | \\|F-R\\| | - | - | "
            + " | ".join(
                _interval({"mean": floor[m]["floor"], "low": floor[m]["floor_low"], "high": floor[m]["floor_high"]})
                for m in shown
            )
            + " |"
        )
        for key in [k for k in keys if k[0] == attack]:
            cells = {
                r.params["measure"]: r.metrics
                for r in measured
                if (r.params["attack"], r.params["unlearner"], r.params["variant"], r.params["setting"]) == key
            }
            cost = next(iter(cells.values()))["cost_fraction"]
            setting = key[3].replace("|", "/")
            lines.append(
                f"| {attack} | {key[1]} | {key[2]} | {setting} | {cost:.3g} | "
                + " | ".join(f"{_interval(cells[m])}{_MARK.get(cells[m].get('verdict', ''), '')}" for m in shown)
                + " |"
            )
    lines.append("")
    lines.append(
        "= : indistinguishable from the exact-retrain noise floor (paired over seeds); ↑ : above it. "
        "Nothing to remove: see the attack-success table."
    )
    return "\n".join(lines)
