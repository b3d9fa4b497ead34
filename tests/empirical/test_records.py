"""latest_measurements: the newest key summary per lemma, for `python -m theory show`."""

from __future__ import annotations

import json

from empirical.checks import run_check
from empirical.records import latest_measurements


def test_latest_measurements_after_two_checks(linear_setup, tmp_path):
    assert latest_measurements(tmp_path, archive=None) == {}
    run_check("ascent-error", linear_setup, {"n_points": 1, "n_lrs": 3}, out_dir=str(tmp_path))
    run_check("hard-points", linear_setup, {"n_points": 3}, out_dir=str(tmp_path))
    latest = latest_measurements(tmp_path, archive=None)
    assert set(latest) == {"ga-linear-error", "hard-kinds-linear"}
    # naming the checks (as `theory annotate` does, to spare importing them) reads only their tables
    named = latest_measurements(tmp_path, archive=None, checks=["ascent-error"])
    assert named == {"ga-linear-error": latest["ga-linear-error"]}
    entry = latest["ga-linear-error"]
    assert entry["check"] == "ascent-error" and entry["metric"] == "median_exponent"
    assert entry["model"] == "linear" and entry["data"] == "regression"
    cells = [json.loads(p.read_text()) for p in (tmp_path / "ascent-error" / "cells").glob("*.json")]
    key = [c for c in cells if c.get("role") == "summary" and c["key"]]
    assert entry["value"] == key[0]["value"]


def test_newest_run_wins(linear_setup, tmp_path):
    """Two runs (a rerun with the same settings: other settings need another folder): the record with the later
    created_utc is reported."""
    import time

    run_check("ascent-error", linear_setup, {"n_points": 1, "n_lrs": 3}, out_dir=str(tmp_path))
    first = latest_measurements(tmp_path, archive=None)["ga-linear-error"]["created_utc"]
    time.sleep(1.1)  # created_utc has one-second resolution
    run_check("ascent-error", linear_setup, {"n_points": 1, "n_lrs": 3}, out_dir=str(tmp_path))
    assert latest_measurements(tmp_path, archive=None)["ga-linear-error"]["created_utc"] > first


def test_archived_tables_are_read_when_no_run_is_stored(linear_setup, tmp_path):
    """A fresh clone has no results/ folder: the tables archived with the docs still give the measurement."""
    run_check("ascent-error", linear_setup, {"n_points": 1, "n_lrs": 3}, out_dir=str(tmp_path / "runs"))
    archive = tmp_path / "archive"
    archive.mkdir()
    from sims.results import ResultStore

    ResultStore(tmp_path / "runs", "ascent-error").write_table().replace(archive / "ascent-error.csv")
    from_archive = latest_measurements(tmp_path / "nothing-here", archive=archive)["ga-linear-error"]
    from_cells = latest_measurements(tmp_path / "runs", archive=None)["ga-linear-error"]
    assert from_archive["value"] == str(from_cells["value"]) and from_archive["check"] == "ascent-error"
