"""ResultStore.claim: one set of parameters per results folder; resume with the same parameters only."""

from __future__ import annotations

import json

import pytest

from sims.results import ResultStore, atomic_write_bytes


def test_same_parameters_resume_other_parameters_are_refused(tmp_path):
    store = ResultStore(tmp_path, "exp")
    store.claim({"n": 4, "lrs": [0.1, 0.2]})
    store.write_cell({"n": 4, "seed": 0}, {"m": 1.0}, seed=0)
    ResultStore(tmp_path, "exp").claim({"lrs": [0.1, 0.2], "n": 4})  # same parameters, any order: resumes
    with pytest.raises(ValueError, match=r"n: 4 -> 5") as error:
        ResultStore(tmp_path, "exp").claim({"n": 5, "lrs": [0.1, 0.2]})
    assert "--out" in str(error.value) and "\n" not in str(error.value)
    assert json.loads((tmp_path / "exp" / "parameters.json").read_text()) == {"run": {"lrs": [0.1, 0.2], "n": 4}}


def test_cells_without_a_parameter_record_are_refused_unless_scoped(tmp_path):
    ResultStore(tmp_path, "exp").write_cell({"n": 1}, {"m": 1.0}, seed=0)
    with pytest.raises(ValueError, match="without a record of their parameters"):
        ResultStore(tmp_path, "exp").claim({"n": 1})
    store = ResultStore(tmp_path, "exp")
    store.claim({"setting": 1}, scope="mlp/digits", require_record=False)
    store.claim({"setting": 2}, scope="linear/regression", require_record=False)  # another pair: coexists
    with pytest.raises(ValueError, match=r"setting: 1 -> 3"):
        store.claim({"setting": 3}, scope="mlp/digits", require_record=False)


def test_nested_json_parameters_name_the_inner_key(tmp_path):
    store = ResultStore(tmp_path, "exp")
    store.claim({"settings": json.dumps({"lr": 0.1, "n": 2})})
    with pytest.raises(ValueError, match=r"settings\.lr: 0\.1 -> 0\.2"):
        store.claim({"settings": json.dumps({"lr": 0.2, "n": 2})})


def test_atomic_writes_leave_no_temporary_file_and_are_group_readable(tmp_path):
    path = tmp_path / "deep" / "file.bin"
    atomic_write_bytes(path, b"abc")
    assert path.read_bytes() == b"abc" and path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["file.bin"]


def test_a_changed_value_a_misplaced_cell_and_an_old_cell_without_checksum_are_set_aside(tmp_path, capsys):
    store = ResultStore(tmp_path, "exp")
    first = store.write_cell({"a": 1, "seed": 0}, {"m": 2.0}, seed=0)
    second = store.write_cell({"a": 2, "seed": 0}, {"m": 3.0}, seed=0)
    stored = json.loads(first.read_text())
    assert stored["cell_key"] == first.stem and len(stored["cell_checksum"]) == 64
    assert [row["m"] for row in store.rows()] == [2.0, 3.0] and "cell_key" not in store.rows()[0]
    first.write_text(first.read_text().replace('"m": 2.0', '"m": 2.5'))  # valid JSON, a changed value
    second.with_name("f" * 20 + ".json").write_text(second.read_text())  # a cell under another key's name
    old = {k: v for k, v in stored.items() if k not in ("cell_key", "cell_checksum")}
    (tmp_path / "exp" / "cells" / ("e" * 20 + ".json")).write_text(json.dumps(old))
    assert store.done_keys() == {second.stem}
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("warning: bad cell file") for line in err)
    assert any("checksum mismatch" in line and first.name in line for line in err)
    assert any(f"holds the cell '{second.stem}'" in line for line in err)
    assert sorted(p.name for p in (tmp_path / "exp" / "cells").glob("*.bad")) == sorted(
        [first.name + ".bad", "f" * 20 + ".json.bad", "e" * 20 + ".json.bad"]
    )
    table = store.write_table().read_text().splitlines()
    assert len(table) == 2 and table[1].startswith("2,3.0,0,")  # rebuilt from the valid cells only


def test_hold_is_reentrant_in_one_process_and_leaves_its_lock_file(tmp_path):
    store = ResultStore(tmp_path, "exp")
    with store.hold(), store.hold():  # re-entrant in one process
        store.claim({"a": 1})
    assert (tmp_path / "exp" / ".lock").is_file()
