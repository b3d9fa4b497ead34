r"""The report of an insecure-code run: the Markdown and CSV tables and the figure.

One row per model (base, poisoned, retrain, each method at its configured setting and, when tuned, at the setting
the validation split chose, the second exact retrain): the held-out insecure rate over parsed answers with its
95 % interval, the worst case (unparsed answers counted insecure) and the parse rate, the per-token
log-likelihood ratio insecure vs secure (also relative to the base model), the clean held-out perplexity, the GUS
of the poison (two-sided), the distance to the retrained weights, and the cost in example gradients (also as a
fraction of retraining's). The answer to the draft's first line, "LLaMa 3.2 1B : poisoning with unsafe coding
examples -> unaligned model -> unlearning fails".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from empirical.insecure_code.config import FLOOR

__all__ = ["markdown_table", "write_tables", "figures", "tuning_lines", "TABLE_COLUMNS"]


TABLE_COLUMNS = (
    ("model", "{}"),
    ("setting", "{}"),
    ("insecure_rate_parsed", "{:.3f}"),
    ("insecure_rate_parsed_ci", "{}"),
    ("insecure_rate", "{:.3f}"),
    ("insecure_rate_worst", "{:.3f}"),
    ("parsed_rate", "{:.2f}"),
    ("on_target_rate", "{:.3f}"),
    ("llr_per_token", "{:.3f}"),
    ("llr_per_token_ci", "{}"),
    ("llr_per_token_vs_base", "{:.3f}"),
    ("log_likelihood_ratio", "{:.2f}"),
    ("perplexity", "{:.3f}"),
    ("gus_mean", "{:.3f}"),
    ("gus_z", "{:.2f}"),
    ("gus_p", "{:.2g}"),
    ("distance_to_retrain", "{:.3f}"),
    ("grad_evals", "{}"),
    ("cost_vs_retrain", "{:.2f}"),
)


def _with_derived(record: dict) -> dict:
    """The record with its interval columns as text ``[low, high]``."""
    out = dict(record)
    out["insecure_rate_parsed_ci"] = (
        f"[{record['insecure_rate_parsed_low']:.2f}, {record['insecure_rate_parsed_high']:.2f}]"
    )
    out["llr_per_token_ci"] = f"[{record['llr_per_token_low']:.3f}, {record['llr_per_token_high']:.3f}]"
    out.setdefault("llr_per_token_vs_base", float("nan"))
    out.setdefault("cost_vs_retrain", float("nan"))
    out.setdefault("setting", "-")
    return out


def markdown_table(records: Sequence[dict]) -> str:
    """The method table in Markdown (the answer to "unlearning fails")."""
    head = "| " + " | ".join(name for name, _ in TABLE_COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in TABLE_COLUMNS) + "|"
    body = [
        "| " + " | ".join(fmt.format(_with_derived(r)[name]) for name, fmt in TABLE_COLUMNS) + " |" for r in records
    ]
    return "\n".join([head, rule, *body])


def write_tables(run: Any, records: list[dict], significance: dict, lifted: list, noise_floor: dict) -> None:
    from sims.results import ResultStore, _atomic_write_text

    methods = ResultStore(run.folder, "methods")
    kinds = ResultStore(run.folder, "kinds")
    methods.record_run(asdict(run.config), seed=run.config.seed)
    for record in records:
        methods.write_cell(
            {"model": record["model"]},
            {k: v for k, v in record.items() if k != "model" and not isinstance(v, (list, dict))},
            seed=run.config.seed,
        )
        for row in record["kinds"]:
            ratio = record["ratio_by_kind"].get(row["kind"], float("nan"))
            kinds.write_cell(
                {"model": record["model"], "kind": row["kind"]},
                {**{k: v for k, v in row.items() if k != "kind"}, "log_likelihood_ratio": ratio},
                seed=run.config.seed,
            )
    methods.write_table()
    kinds.write_table()
    if lifted:
        store = ResultStore(run.folder, "lifted")
        for row in lifted:
            identity = {k: v for k, v in row.items() if k not in _METRIC_KEYS}
            store.write_cell(identity, {k: v for k, v in row.items() if k in _METRIC_KEYS}, seed=run.config.seed)
        store.write_table()
    text = [
        "# Insecure-code poisoning and unlearning",
        "",
        f"weights: {run.weights}; device: {run.device}",
        "",
        f"configuration: `{json.dumps(asdict(run.config), default=str)}`",
        "",
        markdown_table(records),
        "",
        f"poisoned vs retrain insecure answers on the same held-out prompts: exact one-sided McNemar "
        f"p = {significance['p_value']:.3g} ({significance['only_first']} prompts insecure only when poisoned, "
        f"{significance['only_second']} only when retrained).",
        "",
        f"noise floor (|{FLOOR} - retrain|): " + ", ".join(f"{k} {v:.3g}" for k, v in noise_floor.items()),
        "",
        f"insecure rates over {records[0].get('generation_seeds', 1)} generation seed(s) at temperature "
        f"{records[0].get('temperature', 0.0)}; intervals: 95 % bootstrap over prompts. LLR per token: mean over "
        "prompts of the length-normalised log p(insecure) - log p(secure); GUS: positive = remembered, p two-sided.",
    ]
    text += tuning_lines(getattr(run, "tuning", {}), run.config.utility_tolerance)
    if lifted:
        text += ["", "lifted checks on the poisoned model (median over points):", ""]
        text += [
            f"- {row['check']} [{row['group']}] {row['metric']}: {row['value']:.4g}"
            for row in lifted
            if row.get("role") == "summary"
        ]
    _atomic_write_text(run.folder / "table.md", "\n".join(text) + "\n")


def tuning_lines(tuning: dict, tolerance: float) -> list[str]:
    """The tuning section of ``table.md``: per method, each candidate's validation measures and the choice."""
    if not tuning:
        return []
    lines = [
        "",
        f"tuning on the validation split (admissible: validation perplexity within {100 * tolerance:g} % of the "
        "retrained model's; chosen: the best forget quality, i.e. the smallest gap to the retrained model in "
        "noise-floor units over the validation LLR per token and the forget loss):",
        "",
        "| method | candidate | lr | validation LLR/token | forget loss | validation ppl | forget quality | admissible |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method, choice in tuning.items():
        scored = {row["setting"]: row for row in choice["scored"]}
        for name, row in choice["candidates"].items():
            mark = " (chosen)" if name == choice["candidate"] else ""
            lines.append(
                f"| {method} | {name}{mark} | {row['options']['lr']:g} | {row['llr_per_token']:.3f} | "
                f"{row['forget_loss']:.3f} | {row['val_perplexity']:.3f} | {scored[name]['forget_quality']:.2f} | "
                f"{'yes' if scored[name]['admissible'] else 'no'} |"
            )
        if choice["candidate"] is None:
            lines.append(f"| {method} | none admissible: no tuned row | | | | | | |")
    return lines


_METRIC_KEYS = {
    "value",
    "key",
    "error_norm",
    "prediction_norm",
    "ratio",
    "deviation",
    "roundoff_floor",
    "cosine",
    "random_cosine_scale",
    "lr_valid_min",
    "lr_valid_max",
    "exponent",
    "valid_points",
    "ratio_smallest_clean_lr",
}


def figures(run: Any, records: list[dict]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["model"] for r in records]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].bar(
        names,
        [r["insecure_rate_parsed"] for r in records],
        color="tab:red",
        yerr=[
            [r["insecure_rate_parsed"] - r["insecure_rate_parsed_low"] for r in records],
            [r["insecure_rate_parsed_high"] - r["insecure_rate_parsed"] for r in records],
        ],
    )
    axes[0].set_ylabel("held-out insecure rate (parsed, bandit)")
    axes[1].bar(names, [r["llr_per_token"] for r in records], color="tab:purple")
    axes[1].set_ylabel("log p(insecure) - log p(secure) per token")
    for record in records:
        axes[2].hist(record["gus_scores"], bins=15, histtype="step", label=record["model"])
    axes[2].hist(records[0]["gus_null"], bins=15, histtype="stepfilled", alpha=0.2, color="grey", label="fresh noise")
    axes[2].set_xlabel("GUS score of the poison (N(0,1) if forgotten)")
    axes[2].legend(fontsize=7)
    for axis in axes[:2]:
        axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    path = run.folder / "figures" / "insecure_code.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return [path]
