"""The `theory` command line through `main([...])`: list, show, verify (exit codes, the record)."""

from __future__ import annotations

import json

from hypothesis import settings

import theory.checking.registry as registry_module
from theory.checking.profiles import PROFILES
from theory.checking.registry import Lemma, SympyProof, get, registry
from theory.checking.status import evaluate
from theory.cli import format_table, main

REFUTED = "ga-error-middle-step"  # a claim of the draft with a stored counterexample
PROVED = "ga-linear-error"  # its correction, a sympy proof
ISSUE_KEYS = {
    "id",
    "title",
    "source",
    "statement",
    "as_written",
    "status",
    "uses",
    "corrected_by",
    "counterexample",
    "assumptions",
    "interpretation",
    "sims",
    "empirical",
    "evidence",
    "evidence_summary",
}


def _json_out(capsys) -> list[dict]:
    return json.loads(capsys.readouterr().out)


def test_list_json_has_the_keys_of_the_issue_and_the_derived_statuses(capsys):
    assert main(["list", "--json", "--only", REFUTED, PROVED, "--no-record", "--no-progress"]) == 0
    entries = {entry["id"]: entry for entry in _json_out(capsys)}
    assert set(entries) == {REFUTED, PROVED}
    for lemma_id, entry in entries.items():
        assert ISSUE_KEYS <= set(entry), ISSUE_KEYS - set(entry)
        lemma = get(lemma_id)
        assert entry["status"] == evaluate(lemma).status  # the status comes from running the checks
        assert (entry["title"], entry["statement"], entry["as_written"]) == (
            lemma.title,
            lemma.statement,
            lemma.as_written,
        )
        assert entry["uses"] == list(lemma.uses) and entry["corrected_by"] == list(lemma.corrected_by)
    refuted = get(REFUTED)
    assert entries[REFUTED]["counterexample"] == json.loads(json.dumps(dict(refuted.counterexample.case)))
    assert entries[PROVED]["counterexample"] is None


def test_list_table_has_one_row_per_lemma_with_its_status(capsys):
    assert main(["list", "--only", REFUTED, PROVED, "--no-record", "--no-progress"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.split()[:1] in ([REFUTED], [PROVED])}
    assert rows == {REFUTED: "refuted", PROVED: "proved"}
    assert "evaluated now under profile" in out


def test_list_uses_a_fresh_record_and_ignores_a_stale_one(tmp_path, capsys):
    record_path = tmp_path / "verification.json"
    assert main(["verify", "--only", PROVED, "--profile", "dev", "--out", str(record_path), "--no-progress"]) == 0
    record = json.loads(record_path.read_text())
    record["lemmas"][0]["status"] = "open"  # a marker: only a status read from the record can say "open"
    record_path.write_text(json.dumps(record))
    capsys.readouterr()

    main(["list", "--json", "--only", PROVED, "--record", str(record_path), "--no-progress"])
    assert _json_out(capsys)[0]["status"] == "open"
    main(["list", "--json", "--only", PROVED, "--record", str(record_path), "--profile", "ci", "--no-progress"])
    assert _json_out(capsys)[0]["status"] == "proved"  # made under dev, ci asked for: evaluated again

    record["registry"]["source_sha256"] = "0" * 64  # the sources changed since
    record_path.write_text(json.dumps(record))
    main(["list", "--json", "--only", PROVED, "--record", str(record_path), "--no-progress"])
    assert _json_out(capsys)[0]["status"] == "proved"


def test_show_prints_the_lemma_its_neighbours_and_its_counterexample(capsys, tmp_path):
    assert main(["show", REFUTED, "--no-record", "--no-progress", "--results", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    lemma = get(REFUTED)
    assert lemma.statement in out.replace("\n" + " " * 18, " ")
    assert "stored counterexample reproduced" in out
    assert json.dumps(dict(lemma.counterexample.case)) in out
    for corrected in lemma.corrected_by:
        assert corrected in out
    assert "latest empirical measurement:" in out

    assert main(["show", PROVED, "--no-record", "--no-progress", "--results", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    corrects_line = next(line for line in out.splitlines() if line.strip().startswith("corrects:"))
    assert REFUTED in corrects_line  # PROVED corrects REFUTED
    used_by = [other.id for other in registry().values() if PROVED in other.uses]
    used_by_line = next(line for line in out.splitlines() if line.strip().startswith("used by:"))
    assert all(other in used_by_line for other in used_by)


def test_show_an_unknown_id_exits_2_with_close_matches(capsys):
    assert main(["show", PROVED + "x", "--no-record"]) == 2
    err = capsys.readouterr().err
    assert "unknown lemma id" in err and f"did you mean {PROVED}" in err


def test_verify_writes_a_record_with_provenance_profile_and_evidence(tmp_path, capsys):
    before = settings.get_current_profile_name()
    out_path = tmp_path / "docs" / "verification.json"
    assert main(["verify", "--only", REFUTED, PROVED, "--profile", "ci", "--out", str(out_path), "--no-progress"]) == 0
    assert settings.get_current_profile_name() == before  # the profile of the test session is restored
    out = capsys.readouterr().out
    record = json.loads(out_path.read_text())
    assert len(record["provenance"]["git_commit"]) >= 7 and "hypothesis" in record["provenance"]["versions"]
    profile = record["profile"]
    assert (
        profile["name"] == "ci" and profile["max_examples"] == PROFILES["ci"]["max_examples"] and profile["derandomize"]
    )
    entries = {entry["id"]: entry for entry in record["lemmas"]}
    assert entries[REFUTED]["status"] == "refuted" and entries[REFUTED]["counterexample_reproduced"] is True
    assert entries[PROVED]["status"] == "proved" and entries[PROVED]["ok"]
    assert all(check["passed"] for check in entries[PROVED]["evidence"])
    assert "stored counterexample reproduced" in next(line for line in out.splitlines() if line.startswith(REFUTED))
    assert str(out_path) in out


def test_verify_exits_1_when_a_lemma_has_problems(tmp_path, capsys, monkeypatch):
    broken = Lemma(
        id="zz-false-identity",
        title="A proof that does not go through",
        statement="$0 = 1$",
        source="test",
        as_written=False,
        checks=(SympyProof("p", lambda: False, "always fails"),),
    )
    monkeypatch.setitem(registry_module._REGISTRY, broken.id, broken)
    out_path = tmp_path / "record.json"
    assert main(["verify", "--only", broken.id, "--out", str(out_path), "--no-progress"]) == 1
    entry = json.loads(out_path.read_text())["lemmas"][0]
    assert not entry["ok"] and entry["problems"] and "PROBLEM" in capsys.readouterr().out


def test_verify_rejects_an_unknown_id_before_running(tmp_path, capsys):
    assert main(["verify", "--only", "no-such-lemma", "--out", str(tmp_path / "r.json")]) == 2
    assert not (tmp_path / "r.json").exists() and "unknown lemma id" in capsys.readouterr().err


def test_format_table_pads_columns():
    lines = format_table(("a", "bb"), [("xxx", "y"), ("z", "wwww")]).splitlines()
    assert lines[0] == "a    bb" and lines[2] == "xxx  y" and lines[3] == "z    wwww"


def test_show_prints_the_latest_empirical_measurement_when_there_is_one(tmp_path, capsys, monkeypatch):
    import sys
    import types

    (tmp_path / "results").mkdir()
    fake = types.ModuleType("empirical.records")
    fake.latest_measurements = lambda out_dir="results": {REFUTED: {"metric": "ascent-error-ratio", "value": 0.25}}
    monkeypatch.setitem(sys.modules, "empirical.records", fake)
    assert main(["show", REFUTED, "--no-record", "--no-progress", "--results", str(tmp_path / "results")]) == 0
    assert '"metric": "ascent-error-ratio"' in capsys.readouterr().out

    monkeypatch.setitem(sys.modules, "empirical.records", None)  # not importable: said so, no traceback
    assert main(["show", REFUTED, "--no-record", "--no-progress"]) == 0
    assert "cannot be imported" in capsys.readouterr().out


def test_verify_only_keeps_the_other_lemmas_of_a_fresh_record_of_the_same_profile(tmp_path, capsys):
    out_path = tmp_path / "verification.json"
    run = ["verify", "--out", str(out_path), "--no-progress", "--profile", "dev", "--only"]
    assert main(run + [REFUTED]) == 0 and main(run + [PROVED]) == 0
    record = json.loads(out_path.read_text())
    order = list(registry())
    assert [entry["id"] for entry in record["lemmas"]] == sorted([REFUTED, PROVED], key=order.index)
    assert record["merged"]["kept"] == 1 and record["summary"]["counts"] == {"proved": 1, "refuted": 1}

    record["registry"]["source_sha256"] = "0" * 64  # stale: its entries may no longer hold
    out_path.write_text(json.dumps(record))
    assert main(run + [PROVED]) == 0
    assert [entry["id"] for entry in json.loads(out_path.read_text())["lemmas"]] == [PROVED]
    assert main(["verify", "--out", str(out_path), "--no-progress", "--profile", "ci", "--only", REFUTED]) == 0
    assert [entry["id"] for entry in json.loads(out_path.read_text())["lemmas"]] == [REFUTED]  # other profile
