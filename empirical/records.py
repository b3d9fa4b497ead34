"""The latest measurement of each lemma, read back from the result tables of the lifted checks.

``python -m theory show ID`` displays it beside the lemma's status: for each lemma id, the newest summary
row marked ``key`` (the check's headline number) across ``<out_dir>/<check>/cells/*.json`` and the
archived tables committed with the docs (``docs/empirical/results/<check>.csv``), so a fresh clone
shows the measurements that the documentation reports.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sims.results import ResultStore, read_table

#: Result tables archived beside the figures of docs/empirical (copies of results/<check>/results.csv).
ARCHIVE = Path(__file__).resolve().parent.parent / "docs" / "empirical" / "results"

__all__ = ["latest_measurements", "summary_rows"]


def summary_rows(
    out_dir: str | os.PathLike[str] = "results",
    check: str | None = None,
    archive: str | os.PathLike[str] | None = ARCHIVE,
    checks: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Every summary row stored by the lifted checks under ``out_dir`` and in ``archive``.

    Of one ``check``, or of the named ``checks``, if given (then ``empirical.checks``, and torch, is not imported).
    """
    if check is not None:
        names = [check]
    elif checks is not None:
        names = list(checks)
    else:
        from empirical.checks import CHECKS

        names = list(CHECKS)
    rows = []
    for name in names:
        if (Path(out_dir) / name).is_dir():
            rows += [row for row in ResultStore(out_dir, name).rows() if row.get("role") == "summary"]
        table = Path(archive) / f"{name}.csv" if archive is not None else None
        if table is not None and table.is_file():
            rows += [
                {**row, "key": row.get("key") in ("True", "true", "1")}
                for row in read_table(table)
                if row.get("role") == "summary"
            ]
    return rows


def latest_measurements(
    out_dir: str | os.PathLike[str] = "results",
    archive: str | os.PathLike[str] | None = ARCHIVE,
    checks: Sequence[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """``{lemma_id: {check, model, data, metric, value, created_utc, git_commit}}``, newest key summary per lemma.

    Read from the tables of ``checks`` if given (names of lifted checks), else of every lifted check.
    Empty when nothing has been measured (no folder, or no check run yet).
    """
    latest: dict[str, dict[str, Any]] = {}
    for row in summary_rows(out_dir, archive=archive, checks=checks):
        if not row.get("key"):
            continue
        entry = {
            "check": row["check"],
            "model": row["model"],
            "data": row["data"],
            "metric": row["metric"],
            "value": row["value"],
            "created_utc": row["created_utc"],
            "git_commit": row.get("git_commit"),
        }
        current = latest.get(row["lemma_id"])
        if current is None or entry["created_utc"] >= current["created_utc"]:
            latest[row["lemma_id"]] = entry
    return latest
