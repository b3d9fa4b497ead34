"""The poison-unlearning table (attack x method x measure) as Markdown, from a stored results.csv.

python -m empirical.poisoning.table [results/poison-unlearning/results.csv]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import sys
from pathlib import Path

from sims.results import read_table

__all__ = ["COLUMNS", "markdown_table", "main"]

#: (column of results.csv, header) of the table.
COLUMNS = (
    ("grad_evals", "grad evals"),
    ("distance_ratio", "dist. ratio"),
    ("test_accuracy", "test acc"),
    ("forget_loss", "forget loss"),
    ("gus_added_mean_positive", "GUS mean"),
    ("gus_added_auc", "GUS AUC"),
    ("gus_vs_law_auc", "GUS AUC vs own law"),
    ("mia_auc", "MIA AUC"),
    ("lira_auc", "LiRA AUC"),
)


def _cell(value: str) -> str:
    if value in ("", None):
        return "–"
    try:
        number = float(value)
    except ValueError:
        return str(value)
    return f"{int(number)}" if number.is_integer() and abs(number) >= 10 else f"{number:.3g}"


def markdown_table(path: str | os.PathLike[str]) -> str:
    """One row per (attack, model) of the measurement rows of ``path``."""
    from empirical.poisoning.settings import ATTACK_NAMES, METHOD_NAMES

    rows = [row for row in read_table(Path(path)) if row.get("role") == "measurement" and row.get("method")]
    models = ["poisoned", "reference", *METHOD_NAMES]
    rank = lambda name, order: order.index(name) if name in order else len(order)
    rows.sort(key=lambda row: (rank(row["attack"], ATTACK_NAMES), rank(row["method"], models)))
    header = "| attack | model | " + " | ".join(title for _, title in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 2)]
    for row in rows:
        lines.append(
            f"| {row['attack']} | {row['method']} | " + " | ".join(_cell(row.get(key, "")) for key, _ in COLUMNS) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0] if argv else "results/poison-unlearning/results.csv")
    if not path.is_file():
        print(f"error: {path} does not exist; run `python -m empirical run poison-unlearning` first", file=sys.stderr)
        return 2
    print(markdown_table(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
