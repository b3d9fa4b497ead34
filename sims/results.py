"""Tidy, resumable result tables shared by `sims` and `empirical`.

Layout of one experiment's output folder ``<out>/<experiment>/``::

    cells/<cell_key>.json   one finished cell: its parameters, metrics, seed and provenance
    results.csv             the tidy table, one row per (configuration, seed), rebuilt from cells/
    run.json                provenance of the latest run (git commit, versions, parameters)
    parameters.json         the resolved parameters the folder's cells belong to (one entry per scope)

A folder holds the results of one set of parameters: :meth:`ResultStore.claim` refuses a run whose
parameters differ from those recorded (results of different parameters would otherwise merge into one
table and one figure), so resuming applies only to the same parameters.

One run writes into a folder at a time: :meth:`ResultStore.hold` takes the folder's advisory lock
(:func:`theory.support.run_folder.hold_folder`) and a second run is refused at once, naming the holder.
A cell file is written to a temporary file of unique name and renamed into place (``os.replace`` is atomic
on POSIX), so a crash never leaves a half-written row, and a rerun skips every cell whose file exists:
an interrupted sweep loses no finished result and repeats none (guide: "Long sweeps are resumable").
A cell carries its key (the hash of its parameters, which names its file) and a SHA-256 checksum of its
content; it is validated when read: one that does not parse as a finished cell, sits under another key's
name or fails its checksum (a value changed by hand) is reported by name on stderr, set aside as
``<key>.json.bad`` and counts as not done, so the next run recomputes it. ``results.csv`` is always rebuilt
from the valid cells. Files are created with mode 0644 (readable by the group).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from theory.support.provenance import provenance
from theory.support.run_folder import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    content_checksum,
    hold_folder,
    set_aside,
)

__all__ = ["ResultStore", "cell_key", "read_table", "atomic_write_bytes", "atomic_path", "parameters_key"]

_PROVENANCE_COLUMNS = ("seed", "git_commit", "versions", "created_utc")
#: Fields of a cell file that are not columns: its key (the file's name) and its content checksum.
_CHECK_FIELDS = ("cell_key", "cell_checksum")


def cell_key(parameters: Mapping[str, Any]) -> str:
    """A stable file-name-safe key for a cell: a hash of its parameters in canonical JSON form."""
    canonical = json.dumps(dict(parameters), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def parameters_key(parameters: Mapping[str, Any]) -> str:
    """A short hash of resolved parameters (12 hex digits), the same for equal parameters in any order."""
    canonical = json.dumps(dict(parameters), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _atomic_write_text(path: Path, text: str) -> None:
    atomic_write_text(path, text)


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
        self.parameters_path = self.root / "parameters.json"
        for folder in (self.root, *self.root.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise ValueError(
                        f"output folder {self.root}: {folder} is a file, not a folder; give a folder path with --out"
                    )
                break

    def hold(self) -> AbstractContextManager[Path]:
        """The folder's lock, held for a run (re-entrant): a second run on the folder raises
        :class:`~theory.support.run_folder.FolderBusy` naming the holder's pid and command."""
        return hold_folder(self.root)

    def claim(self, parameters: Mapping[str, Any], scope: str = "run", require_record: bool = True) -> None:
        """Record that this folder holds results of ``parameters`` (for ``scope``), or raise ``ValueError``
        when it already holds results of other parameters for that scope.

        ``require_record``: cells without a recorded parameter set (written before parameters.json existed)
        also count as other parameters.
        """
        parameters = json.loads(json.dumps(dict(parameters), sort_keys=True, default=str))
        recorded = self._recorded_parameters()
        previous = recorded.get(scope)
        if previous is not None and previous != parameters:
            changed = _differences(previous, parameters)
            shown = "; ".join(f"{key}: {old!r} -> {new!r}" for key, old, new in changed[:4])
            raise ValueError(
                f"{self.root} holds results of other parameters ({shown}{'; ...' if len(changed) > 4 else ''}); "
                "give another output folder with --out, or delete that folder to start over"
            )
        if previous is None and require_record and self._cell_files():
            raise ValueError(
                f"{self.root} holds results without a record of their parameters ({self.parameters_path.name} "
                "is missing); give another output folder with --out, or delete that folder to start over"
            )
        if previous is None:
            _atomic_write_text(
                self.parameters_path, json.dumps({**recorded, scope: parameters}, indent=1, sort_keys=True)
            )

    def _recorded_parameters(self) -> dict[str, Any]:
        if not self.parameters_path.is_file():
            return {}
        try:
            recorded = json.loads(self.parameters_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(
                f"{self.parameters_path} is unreadable ({error}); delete {self.root} to start over"
            ) from None
        if not isinstance(recorded, dict):
            raise ValueError(f"{self.parameters_path} is not a parameter record; delete {self.root} to start over")
        return recorded

    def _cell_files(self) -> list[Path]:
        return sorted(self.cells_dir.glob("*.json")) if self.cells_dir.is_dir() else []

    def _read_cell(self, path: Path) -> dict[str, Any] | None:
        """The cell stored in ``path`` (without its check fields), or None after reporting and setting aside
        an invalid one: not a finished cell, another key than its file name, or a failed content checksum."""
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(row, dict) or any(column not in row for column in (*_PROVENANCE_COLUMNS, *_CHECK_FIELDS)):
                raise ValueError(
                    "not a finished cell (a JSON object with seed, git_commit, versions, created_utc, "
                    "cell_key, cell_checksum)"
                )
            checksum = row.pop("cell_checksum")
            if row["cell_key"] != path.stem:
                raise ValueError(f"holds the cell {row['cell_key']!r}, not {path.stem!r}")
            if checksum != content_checksum(row):
                raise ValueError("content checksum mismatch: a value was changed after the cell was written")
            del row["cell_key"]
            return row
        except (OSError, UnicodeDecodeError, ValueError) as error:
            reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            set_aside(path, reason, "cell file")
            return None

    def done_keys(self) -> set[str]:
        """Keys of the cells already finished (their files exist and hold a valid cell)."""
        return {path.stem for path in self._cell_files() if self._read_cell(path) is not None}

    def is_done(self, parameters: Mapping[str, Any]) -> bool:
        """Whether the cell with these parameters is stored and valid (a corrupt one is moved aside)."""
        path = self.cells_dir / f"{cell_key(parameters)}.json"
        return path.exists() and self._read_cell(path) is not None

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
        row = {
            **dict(parameters),
            **dict(metrics),
            "seed": seed,
            "git_commit": record["git_commit"],
            "versions": json.dumps(record["versions"], sort_keys=True),
            "created_utc": record["created_utc"],
        }
        key = cell_key(parameters)
        row = json.loads(json.dumps({**row, "cell_key": key}, default=_json_default))
        row["cell_checksum"] = content_checksum(row)
        path = self.cells_dir / f"{key}.json"
        _atomic_write_text(path, json.dumps(row))
        return path

    def rows(self) -> list[dict[str, Any]]:
        """All finished cells as dictionaries, in a stable order (by their parameters)."""
        rows = [row for row in map(self._read_cell, self._cell_files()) if row is not None]
        return sorted(
            rows,
            key=lambda row: json.dumps(
                {k: row[k] for k in row if k not in _PROVENANCE_COLUMNS}, sort_keys=True, default=str
            ),
        )

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
    try:
        with path.open(newline="", encoding="utf-8") as stream:
            return list(csv.DictReader(stream))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(
            f"{path} is not a results table ({error}); point --out at an experiment's output folder"
        ) from None


def _as_mapping(value: Any) -> dict | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        with contextlib.suppress(ValueError):
            parsed = json.loads(value)
            return parsed if isinstance(parsed, dict) else None
    return None


def _differences(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted key, old value, new value) of every difference, descending into nested (JSON) mappings."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        inner_a, inner_b = _as_mapping(a), _as_mapping(b)
        if inner_a is not None and inner_b is not None:
            changes += _differences(inner_a, inner_b, f"{prefix}{key}.")
        else:
            changes.append((f"{prefix}{key}", a, b))
    return changes


def _json_default(value: Any) -> Any:
    """JSON encoding for numpy scalars and arrays found in metrics."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Iterable):
        return list(value)
    return str(value)
