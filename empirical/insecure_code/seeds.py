r"""The insecure-code experiment over several training seeds: 95 % intervals, paired tests, attack effect, floor.

The draft's first experiment (draft.md, line 5): "LLaMa 3.2 1B : poisoning with unsafe coding examples ->
unaligned model -> unlearning fails". One run of :func:`empirical.insecure_code.experiment.run_experiment` is one
training seed; the guide asks for several seeds, 95 % intervals and paired tests. With seeds :math:`s = 1..n`
(:math:`n \ge 2`) and a metric :math:`m` of model row :math:`M` (``records[i]["model"]``):

* **Mean and interval.** :math:`\bar m = \frac1n \sum_s m(M_s)` with the Student-t interval
  :math:`\bar m \pm t_{0.975,\,n-1}\, \mathrm{sd}(m)/\sqrt n` (:func:`empirical.poisoning.protocol.seed_interval`).
* **Paired difference to the reference** :math:`R` (``retrain``, the exact unlearning):
  :math:`d_s = m(M_s) - m(R_s)`, its mean with the same t interval and the paired t-test
  :math:`p` of :math:`H_0: \mathrm{E}\,d = 0` (:func:`~empirical.poisoning.protocol.paired_test`; differences
  constant over seeds give a zero-width interval and :math:`p = 0`, or :math:`p = 1` when they are all 0).
* **Attack effect** (the guide: "show the attack works before measuring its removal"): the paired difference
  ``poisoned`` - ``retrain``; the attack "works" on :math:`m` when its 95 % interval excludes 0.
* **Noise floor**: :math:`f_s = |m(F_s) - m(R_s)|` with :math:`F` the exact retrain in another data order
  (``retrain-other-order``); the column is :math:`\bar f`. **Floor verdict**
  (:func:`~empirical.poisoning.protocol.floor_verdict`): with :math:`u_s = |m(M_s) - m(R_s)|`, "above floor" when
  the 95 % interval of :math:`\mathrm{mean}(u - f)` lies above 0, "at floor" otherwise (indistinguishable from
  exact retraining), "undefined" without two paired seeds. Costs (:data:`COST_METRICS`) get neither an attack
  verdict nor a floor verdict (their columns say "cost"): a poison or a method that costs more is no effect.

A row missing in some seeds is aggregated over the seeds that hold it; ``seeds`` counts them, and the paired
columns count the seeds that hold both rows. Non-numeric values (lists, dicts, text) and NaN are left out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empirical.poisoning.protocol import floor_gaps, floor_verdict, paired_test, seed_interval

if TYPE_CHECKING:
    from empirical.insecure_code.config import ExperimentConfig

__all__ = [
    "DEFAULT_METRICS",
    "COST_METRICS",
    "check_seeds",
    "aggregate",
    "seeds_table",
    "write_seeds_tables",
    "seeds_folder",
    "run_seeds",
]

#: The metrics aggregated by default (every one a scalar of each model row of one run).
DEFAULT_METRICS = (
    "insecure_rate_parsed",
    "insecure_rate_worst",
    "parsed_rate",
    "llr_per_token",
    "perplexity",
    "gus_z",
    "distance_to_retrain",
    "grad_evals",
)
#: Costs, not effects: no attack effect or floor verdict is read off them (their columns say "cost").
COST_METRICS = ("grad_evals", "cost_vs_retrain")
#: The attacked model and the exact retrain in another data order (the noise floor); as in the experiment.
POISONED, FLOOR = "poisoned", "retrain-other-order"


def check_seeds(seeds: Sequence[int]) -> list[int]:
    """The seeds as a list; ValueError (one line) for fewer than 2, duplicates, negatives or non-integers."""
    seeds = list(seeds)
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int) or s < 0]
    if bad:
        raise ValueError(f"seeds {seeds}: {bad} not integers >= 0; give training seeds such as 0 1 2")
    if len(seeds) < 2:
        raise ValueError(f"seeds {seeds}: an interval over seeds needs at least 2; give --seeds 2 or more")
    duplicates = sorted({s for s in seeds if seeds.count(s) > 1})
    if duplicates:
        raise ValueError(f"seeds {seeds}: seed(s) {duplicates} given twice; give each seed once")
    return seeds


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any) -> float:
    """A number as float; NaN for anything else (lists, dicts, text, booleans) and for missing values."""
    return float(value) if _is_number(value) else math.nan


def _rows_by_model(records_by_seed: Mapping[int, Sequence[Mapping[str, Any]]]) -> dict[str, dict[int, Mapping]]:
    """``{model: {seed: record}}`` in first-seen order; a model named twice within one seed is refused."""
    out: dict[str, dict[int, Mapping]] = {}
    for seed, records in records_by_seed.items():
        for record in records:
            name = record.get("model")
            if not isinstance(name, str):
                raise ValueError(f"seed {seed}: a record without a model name ({sorted(record)[:5]}...); fix the run")
            if seed in out.setdefault(name, {}):
                raise ValueError(f"seed {seed}: model row {name!r} appears twice; give one record per model")
            out[name][seed] = record
    return out


def aggregate(
    records_by_seed: Mapping[int, Sequence[Mapping[str, Any]]],
    metrics: Sequence[str] = DEFAULT_METRICS,
    reference: str = "retrain",
) -> list[dict[str, Any]]:
    """One row per model and metric: mean over seeds with its t interval, the paired difference to ``reference``
    (interval, p), the attack effect (poisoned - reference), the noise floor and its verdict (module docstring)."""
    check_seeds(list(records_by_seed))
    by_model = _rows_by_model(records_by_seed)
    if reference not in by_model:
        raise ValueError(f"reference row {reference!r} is in no seed's records ({sorted(by_model)}); give one of them")
    known = {k for rows in by_model.values() for r in rows.values() for k, v in r.items() if _is_number(v)}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ValueError(f"metric(s) {unknown}: not a number in any record; known: {', '.join(sorted(known))}")

    def table(model: str, metric: str) -> dict[int, dict[str, float]]:  # {seed: {metric: value}}
        return {s: {metric: _scalar(r.get(metric))} for s, r in by_model.get(model, {}).items()}

    rows = []
    for metric in metrics:
        cost = metric in COST_METRICS
        ref = table(reference, metric)
        attack = _paired(table(POISONED, metric), ref, metric)
        floor = floor_gaps(metric, ref, {FLOOR: table(FLOOR, metric)}) if FLOOR in by_model else {}
        floor_mean, floor_low, floor_high = seed_interval(list(floor.values()))
        for model in by_model:
            values = table(model, metric)
            mean, low, high = seed_interval([v[metric] for v in values.values()])
            verdict = floor_verdict(metric, values, ref, floor)
            test = _paired(values, ref, metric)
            rows.append(
                {
                    "model": model,
                    "metric": metric,
                    "seeds": sum(math.isfinite(v[metric]) for v in values.values()),
                    "mean": mean,
                    "low": low,
                    "high": high,
                    **{f"{k}_vs_{reference}": v for k, v in test.items()},
                    **{f"attack_{k}": v for k, v in attack.items()},
                    "attack_works": "cost" if cost else bool(attack["low"] > 0 or attack["high"] < 0),
                    "noise_floor": floor_mean,
                    "noise_floor_low": floor_low,
                    "noise_floor_high": floor_high,
                    "floor_verdict": "cost" if cost else verdict["verdict"],
                    "floor_excess": verdict["excess"],
                }
            )
    return rows


def _paired(model: Mapping[int, Mapping[str, float]], ref: Mapping[int, Mapping[str, float]], metric: str) -> dict:
    """Paired test model - reference over the seeds both hold (NaN columns when none)."""
    both = sorted(set(model) & set(ref))
    return paired_test([model[s][metric] for s in both], [ref[s][metric] for s in both])


def _number(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.4g}"


def _interval(mean: float, low: float, high: float) -> str:
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def seeds_table(rows: Sequence[Mapping[str, Any]], reference: str = "retrain") -> str:
    """Markdown: the attack effect per metric, then per model and metric the mean with its 95 % interval, the
    paired difference to ``reference`` with interval and p, the noise floor and the floor verdict."""
    attack = {r["metric"]: r for r in rows}
    lines = [
        f"Attack effect ({POISONED} - {reference}, paired over seeds, 95 % t interval):",
        "",
        "| metric | seeds | effect [low, high] | p | attack works |",
        "|---|---|---|---|---|",
        *(
            f"| {m} | {r['attack_seeds']} | {_interval(r['attack_difference'], r['attack_low'], r['attack_high'])} "
            f"| {_number(r['attack_p'])} | {'yes' if r['attack_works'] else 'no'} |"
            for m, r in attack.items()
            if m not in COST_METRICS
        ),
        "",
        f"| model | metric | seeds | mean [low, high] | difference vs {reference} [low, high] | p | noise floor "
        "| floor verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d = {k: r[f"{k}_vs_{reference}"] for k in ("difference", "low", "high", "p")}
        lines.append(
            f"| {r['model']} | {r['metric']} | {r['seeds']} | {_interval(r['mean'], r['low'], r['high'])} "
            f"| {_interval(d['difference'], d['low'], d['high'])} | {_number(d['p'])} | {_number(r['noise_floor'])} "
            f"| {r['floor_verdict']} |"
        )
    return "\n".join(lines) + "\n"


def write_seeds_tables(rows: Sequence[Mapping[str, Any]], folder: str | Path, reference: str = "retrain") -> None:
    """``seeds.md`` and ``seeds.csv`` in ``folder``, each written atomically (a reader never sees half a file)."""
    from theory.support.run_folder import atomic_write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["model", "metric"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(folder / "seeds.csv", text.getvalue())
    atomic_write_text(folder / "seeds.md", seeds_table(rows, reference))


def seeds_folder(config: ExperimentConfig, seeds: Sequence[int], out: str | Path) -> Path:
    """``OUT/insecure-code/seeds-HASH``: HASH of every parameter but the seed, and of the seeds."""
    values = {**asdict(config), "seed": None, "seeds": sorted(seeds)}
    key = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return Path(out) / "insecure-code" / f"seeds-{key}"


def run_seeds(
    config: ExperimentConfig,
    seeds: Sequence[int],
    out: str = "results",
    progress: bool = True,
    *,
    run_one: Callable[[ExperimentConfig, str, bool], dict[str, Any]],
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, Any]:
    """Run (or resume) the experiment once per seed (``run_one(replace(config, seed=s), out, progress)``:
    :func:`empirical.insecure_code.experiment.run_experiment`, passed in by its command line so that this module
    does not import it back; each seed has its own run folder, named by the config's hash, so an interrupted
    multi-seed run resumes), then aggregate. Writes ``seeds.md``, ``seeds.csv`` and ``seeds.json`` (parameters,
    seeds, run folders, commit, versions) in :func:`seeds_folder`. Returns ``{"seeds", "results": {seed: the
    run's dict}, "rows", "table", "folder"}``."""
    from theory.support.provenance import provenance
    from theory.support.run_folder import atomic_write_text, hold_folder

    seeds = check_seeds(seeds)
    results = {s: run_one(replace(config, seed=s), out, progress) for s in seeds}
    rows = aggregate({s: r["records"] for s, r in results.items()}, metrics)
    with hold_folder(seeds_folder(config, seeds, out)) as folder:
        write_seeds_tables(rows, folder)
        record = provenance(parameters={**asdict(config), "seed": None, "seeds": seeds})
        record["run_folders"] = {str(s): str(r["folder"]) for s, r in results.items()}
        atomic_write_text(folder / "seeds.json", json.dumps(record, indent=2, default=str))
    return {"seeds": seeds, "results": results, "rows": rows, "table": seeds_table(rows), "folder": folder}
