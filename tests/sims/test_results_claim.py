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
