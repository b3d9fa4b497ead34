r"""The protocol every poisoning experiment follows (issue 17; Pawelczyk et al. 2024 and the unlearning benchmarks).

1. **Attack success first.** The effect of an attack is the paired, per-seed difference of its measure
   (:data:`ATTACK_EFFECT`) between the poisoned model and the exactly retrained reference of the same seed, with a
   95 % interval over seeds (:func:`seed_interval`, Student t) and the paired t-test. An attack whose interval
   contains 0 has "nothing to remove": its unlearning rows say so (:func:`attack_success`).
2. **Tuning.** Each approximate method has a settings grid (the registry's, :func:`sims.unlearning.grid_points`);
   the rule of the literature (:func:`select_setting`): among the settings whose mean *validation* accuracy is within
   ``tolerance`` (default 0.02 = 2 points) of the retrained model's, the best forget quality; ties go to the
   cheaper setting. Selection runs on separate tuning seeds (models, poisons and sources the reported seeds never
   see) and the validation half of the test split; the reported numbers come from the reported seeds and the
   test half. The draft's setting is reported beside the tuned one.
3. **Noise floor.** For every measure :math:`m` and seed :math:`s`, the floor is the gap between the reference
   :math:`R_s` and exact retrains that differ from it only in seed (initialisation and order), data order, or a
   few clean points removed: :math:`f_s = \mathrm{mean}_k |m(F_{k,s}) - m(R_s)|` (:data:`FLOOR_MODELS`).
4. **Verdict.** A model's gap :math:`u_s = |m(M_s) - m(R_s)|` is compared with :math:`f_s` pairwise over seeds:
   "at floor" (indistinguishable from exact retraining) when the 95 % interval of :math:`\mathrm{mean}(u - f)`
   reaches 0 or below, "above floor" when it lies above 0 (:func:`floor_verdict`).

Forget quality (what tuning maximises): minus the mean over the measures that register the poisons
(:data:`FORGET_MEASURES`, those defined for the attack) of :math:`|m(M) - m(R)| / \bar f_m` (gap to the
reference in units of the mean noise floor), so that measures on different scales weigh alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "LEVEL",
    "ATTACK_EFFECT",
    "FLOOR_MODELS",
    "FORGET_MEASURES",
    "seed_interval",
    "paired_test",
    "attack_success",
    "floor_gaps",
    "floor_verdict",
    "forget_quality",
    "select_setting",
]

#: Two-sided level of every interval and test (95 % intervals).
LEVEL = 0.05
#: The measure that says whether an attack did anything (the influence attack targets a test point's loss; the
#: others leave their poisons memorised, which the forget loss registers).
ATTACK_EFFECT = {"influence": "target_loss"}
DEFAULT_EFFECT = "forget_loss"
#: Exact retrains of the noise floor: another seed (init + order), another data order, n clean points dropped.
FLOOR_MODELS = ("floor-seed", "floor-order", "floor-drop")
#: The measures that register the poisons (forget quality averages those the attack defines).
FORGET_MEASURES = ("forget_loss", "mia_auc", "lira_auc", "gus_z", "target_loss")


def _finite(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def seed_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, low, high): the Student-t 95 % interval of the mean over seeds (NaN below 2 seeds).

    The t interval is the paired t-test's own, so an interval excludes 0 exactly when the test rejects at
    ``level``. Not the percentile bootstrap: with 5 seeds it under-covers (at 2 seeds its interval is the range of
    the values, which excluded 0 for a difference whose t-test gave p = 0.17).
    """
    array = _finite(values)
    if array.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(array.mean())
    if array.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.isf(level / 2, array.size - 1) * array.std(ddof=1) / math.sqrt(array.size))
    return mean, mean - half, mean + half


def paired_test(first: Sequence[float], second: Sequence[float]) -> dict[str, float]:
    """Paired comparison over seeds: mean difference first - second, its 95 % interval, paired t-test p."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need one per seed on both sides, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    difference = a[keep] - b[keep]
    mean, low, high = seed_interval(difference)
    if difference.size >= 2 and np.ptp(difference) > 0:
        p = float(stats.ttest_1samp(difference, 0.0).pvalue)
    else:  # one seed: no test; constant differences: a zero-width interval
        p = float("nan") if difference.size < 2 else (1.0 if mean == 0 else 0.0)
    return {"difference": mean, "low": low, "high": high, "p": p, "seeds": int(difference.size)}


def attack_success(
    attack: str, poisoned: Mapping[int, Mapping[str, float]], reference: Mapping[int, Mapping[str, float]]
) -> dict[str, Any]:
    """The attack's effect (poisoned - reference) on its measure over the seeds both hold; significant when the
    95 % interval excludes 0."""
    measure = ATTACK_EFFECT.get(attack, DEFAULT_EFFECT)
    seeds = sorted(set(poisoned) & set(reference))
    test = paired_test([poisoned[s][measure] for s in seeds], [reference[s][measure] for s in seeds])
    significant = bool(np.isfinite(test["low"]) and (test["low"] > 0 or test["high"] < 0))
    return {"attack": attack, "measure": measure, **test, "significant": significant}


def floor_gaps(
    measure: str, reference: Mapping[int, Mapping[str, float]], floors: Mapping[str, Mapping[int, Mapping[str, float]]]
) -> dict[int, float]:
    """Per seed, the mean over the floor models of ``|m(F) - m(R)|`` (NaN where the measure is undefined)."""
    out = {}
    for seed, row in reference.items():
        gaps = [abs(floors[name][seed][measure] - row[measure]) for name in floors if seed in floors[name]]
        gaps = [gap for gap in gaps if math.isfinite(gap)]
        out[seed] = float(np.mean(gaps)) if gaps else float("nan")
    return out


def floor_verdict(
    measure: str,
    model: Mapping[int, Mapping[str, float]],
    reference: Mapping[int, Mapping[str, float]],
    floor: Mapping[int, float],
) -> dict[str, Any]:
    """Gap to the reference against the floor, paired over seeds: "at floor", "above floor" or "undefined"."""
    seeds = sorted(set(model) & set(reference) & set(floor))
    gaps = [abs(model[s][measure] - reference[s][measure]) for s in seeds]
    test = paired_test(gaps, [floor[s] for s in seeds])
    if not np.isfinite(test["difference"]):
        verdict = "undefined"
    elif np.isfinite(test["low"]) and test["low"] > 0:
        verdict = "above floor"
    elif np.isfinite(test["low"]):
        verdict = "at floor"
    else:
        verdict = "undefined"  # one seed: no interval, no verdict
    return {"verdict": verdict, "excess": test["difference"], "excess_low": test["low"], "excess_high": test["high"]}


def forget_quality(
    row: Mapping[str, float],
    reference: Mapping[str, float],
    mean_floor: Mapping[str, float],
    measures: Sequence[str] = FORGET_MEASURES,
) -> float:
    """Minus the mean gap to the reference in floor units over the defined ``measures`` (module docstring; the
    language models pass their own validation measures, :mod:`empirical.insecure_code.tuning`)."""
    terms = []
    for measure in measures:
        value, goal, unit = (
            row.get(measure, math.nan),
            reference.get(measure, math.nan),
            mean_floor.get(measure, math.nan),
        )
        if all(math.isfinite(x) for x in (value, goal, unit)):
            terms.append(abs(value - goal) / max(unit, 1e-12))
    return -float(np.mean(terms)) if terms else float("nan")


def select_setting(
    candidates: Mapping[str, Sequence[Mapping[str, float]]],
    reference_accuracy: float,
    tolerance: float = 0.02,
    utility: str = "val_accuracy",
) -> dict[str, Any]:
    """The tuning rule. ``candidates[setting]`` holds one row per tuning seed with the ``utility`` (validation
    accuracy for the image models; higher is better), ``forget_quality`` and ``grad_evals``;
    ``reference_accuracy`` is the retrained model's mean validation utility. Returns the chosen setting (None when
    no setting keeps the utility within ``tolerance``), with the admissible settings and why each other setting
    was left out."""
    if not tolerance >= 0:
        raise ValueError(f"the accuracy tolerance must be >= 0, got {tolerance}")
    scored: list[dict[str, Any]] = []
    for setting, rows in candidates.items():
        accuracy = float(np.mean([r[utility] for r in rows]))
        quality = float(np.mean([r["forget_quality"] for r in rows]))
        cost = float(np.mean([r["grad_evals"] for r in rows]))
        scored.append(
            {
                "setting": setting,
                utility: accuracy,
                "forget_quality": quality,
                "grad_evals": cost,
                "admissible": accuracy >= reference_accuracy - tolerance and math.isfinite(quality),
            }
        )
    admissible = [s for s in scored if s["admissible"]]
    chosen = max(admissible, key=lambda s: (s["forget_quality"], -s["grad_evals"])) if admissible else None
    return {
        "setting": chosen["setting"] if chosen else None,
        "chosen": chosen,
        "scored": scored,
        "reference_accuracy": reference_accuracy,
        "tolerance": tolerance,
    }
