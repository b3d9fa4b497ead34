"""Tidy, resumable result tables shared by `sims` and `empirical`.

Layout of one experiment's output folder ``<out>/<experiment>/``::

    cells/<cell_key>.json   one finished cell: its parameters, metrics, seed and provenance
    results.csv             the tidy table, one row per (configuration, seed), rebuilt from cells/
    run.json                provenance of the latest run (git commit, versions, parameters)

A cell file is written to a temporary name and renamed into place (``os.replace`` is atomic on
POSIX), so a crash never leaves a half-written row, and a rerun skips every cell whose file exists:
an interrupted sweep loses no finished result and repeats none (guide: "Long sweeps are resumable").
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from theory.provenance import provenance

__all__ = ["ResultStore", "cell_key", "read_table"]

_PROVENANCE_COLUMNS = ("seed", "git_commit", "versions", "created_utc")


def cell_key(parameters: Mapping[str, Any]) -> str:
    """A stable file-name-safe key for a cell: a hash of its parameters in canonical JSON form."""
    canonical = json.dumps(dict(parameters), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class ResultStore:
    """The results of one experiment under ``out_dir/experiment``.

    ``parameters`` of a cell identify it (include the seed); ``metrics`` are what it measured.
    """

    def __init__(self, out_dir: str | os.PathLike[str], experiment: str) -> None:
        if not experiment or any(sep in experiment for sep in ("/", "\\")) or experiment.startswith("."):
            raise ValueError(f"experiment must be a plain folder name, got {experiment!r}")
        self.root = Path(out_dir) / experiment
        self.cells_dir = self.root / "cells"
        self.table_path = self.root / "results.csv"
        self.run_path = self.root / "run.json"

    def done_keys(self) -> set[str]:
        """Keys of the cells already finished (their files exist)."""
        if not self.cells_dir.is_dir():
            return set()
        return {path.stem for path in self.cells_dir.glob("*.json")}

    def is_done(self, parameters: Mapping[str, Any]) -> bool:
        """Whether the cell with these parameters is already stored."""
        return (self.cells_dir / f"{cell_key(parameters)}.json").exists()

    def record_run(self, parameters: Mapping[str, Any], seed: int | None = None) -> dict[str, Any]:
        """Write ``run.json`` with the provenance of this run and return it."""
        record = provenance(seed=seed, parameters=dict(parameters))
        _atomic_write_text(self.run_path, json.dumps(record, indent=2, default=str))
        return record

    def write_cell(self, parameters: Mapping[str, Any], metrics: Mapping[str, Any], seed: int | None = None) -> Path:
        """Store one finished cell atomically; returns its file."""
        overlap = set(parameters) & set(metrics)
        if overlap:
            raise ValueError(f"metrics must not repeat parameter names, got both for {sorted(overlap)}")
        record = provenance(seed=seed, parameters=dict(parameters))
        row = {**dict(parameters), **dict(metrics), "seed": seed, "git_commit": record["git_commit"],
               "versions": json.dumps(record["versions"], sort_keys=True), "created_utc": record["created_utc"]}
        path = self.cells_dir / f"{cell_key(parameters)}.json"
        _atomic_write_text(path, json.dumps(row, default=_json_default))
        return path

    def rows(self) -> list[dict[str, Any]]:
        """All finished cells as dictionaries, in a stable order (by their parameters)."""
        if not self.cells_dir.is_dir():
            return []
        rows = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(self.cells_dir.glob("*.json"))]
        return sorted(rows, key=lambda row: json.dumps({k: row[k] for k in row if k not in _PROVENANCE_COLUMNS},
                                                       sort_keys=True, default=str))

    def write_table(self) -> Path:
        """Rebuild ``results.csv`` from the cells (atomically) and return its path."""
        rows = self.rows()
        columns: list[str] = []
        for row in rows:
            columns.extend(key for key in row if key not in columns and key not in _PROVENANCE_COLUMNS)
        columns.extend(_PROVENANCE_COLUMNS)
        lines: list[str] = []

        class _Sink:
            def write(self, text: str) -> None:
                lines.append(text)

        writer = csv.DictWriter(_Sink(), fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        _atomic_write_text(self.table_path, "".join(lines))
        return self.table_path


def read_table(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read a results table written by :meth:`ResultStore.write_table` (raises if it is missing)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no results table at {path}; run the experiment first (python -m sims run NAME)")
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _json_default(value: Any) -> Any:
    """JSON encoding for numpy scalars and arrays found in metrics."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Iterable):
        return list(value)
    return str(value)
