"""theory.checking.verify: the record's helpers, on synthetic lemmas (fast, for mutation testing)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import theory.checking.registry as registry_module
import theory.checking.verify as verify
from theory.checking.profiles import default_profile_name
from theory.checking.registry import Counterexample, Lemma, OracleCheck, Outcome, PropertyCheck, SympyProof, every_size
from theory.checking.strategies import linear_points
from theory.checking.verify import (
    RECORD_SCHEMA,
    check_description,
    evidence_summary,
    format_score,
    json_safe,
    lemma_entry,
    merge_records,
    profile_settings,
    read_record,
    record_is_fresh,
    resolve_entries,
    run_verification,
    source_fingerprint,
    status_counts,
    write_record,
)


def _identity() -> bool:
    """A true identity decided by is_zero, so that its negative control is rejected."""
    import sympy

    from theory.checking.building_blocks import is_zero

    a = sympy.Symbol("a", real=True)
    return is_zero((a + 1) ** 2 - a**2 - 2 * a - 1)


def _lemma(lemma_id="zz-verify", *checks, **fields) -> Lemma:
    return Lemma(id=lemma_id, title="A title", statement="$s$", source="test", as_written=True, checks=checks, **fields)


@pytest.fixture
def registered(monkeypatch):
    """Two synthetic lemmas in the registry: one proved by a proof that holds, one whose proof crashes."""
    good = _lemma("zz-good", SympyProof("p", _identity, "holds", coverage=every_size("all p")))
    bad = _lemma("zz-bad", SympyProof("p", lambda: 1 / 0, "crashes"))
    crash = _lemma("zz-crash", OracleCheck("o", lambda: [{"a": 1}], lambda case: 1 / 0, "d"))
    for lemma in (good, bad, crash):
        monkeypatch.setitem(registry_module._REGISTRY, lemma.id, lemma)
    return good, bad, crash


def test_json_safe_keeps_json_and_stringifies_the_rest():
    value = {
        1: (1.5, float("inf"), -float("inf"), float("nan")),
        "b": {True, None} and [True, None, "s", 3],
        "n": np.float64(2.5),
        "a": np.arange(2),
        "o": object,
    }
    safe = json_safe(value)
    assert safe["1"][:3] == [1.5, "inf", "-inf"] and safe["1"][3] == "nan"
    assert safe["b"] == [True, None, "s", 3] and safe["n"] == 2.5 and safe["a"] == [0, 1]
    assert safe["o"] == str(object) and json.dumps(safe, allow_nan=False)
    assert json_safe(frozenset({2})) == [2] and isinstance(json_safe(True), bool)


def test_long_worst_cases_are_abbreviated_and_short_ones_kept():
    evidence = [
        {
            "check": "c",
            "kind": "hypothesis",
            "worst_case": {"x": [3.0, -9.0] + [0.0] * 7, "y": [1.0] * 8, "s": ["a"] * 9},
        }
    ]
    entry = lemma_entry(_lemma(), "verified", evidence, [])
    worst = entry["evidence"][0]["worst_case"]
    assert worst["x"] == {"abbreviated": True, "length": 9, "head": [3.0, -9.0, 0.0, 0.0], "max_abs": 9.0}
    assert worst["y"] == [1.0] * 8 and worst["s"]["max_abs"] is None
    assert verify._abbreviate([1] * 20) == [1] * 20


def test_lemma_entry_carries_the_registry_data_and_the_derived_status():
    lemma = _lemma(
        "zz-entry",
        PropertyCheck("p", linear_points(), lambda c: Outcome(True), "ranges", oracle=False, examples=({"x": 1},)),
        counterexample=Counterexample("p", {"x": 1}),
        corrected_by=("zz-fix",),
        assumptions=("a",),
        uses=("u",),
        interpretation="i",
        quote="q",
        reading="r",
        claim="k",
    )
    evidence = [{"check": "p", "kind": "counterexample", "reproduced": True}]
    entry = lemma_entry(lemma, "refuted", evidence, [], {"x": 1}, seconds=1.23456)
    assert (entry["id"], entry["label"], entry["title"], entry["statement"]) == (
        "zz-entry",
        "lem:zz-entry",
        "A title",
        "$s$",
    )
    assert entry["as_written"] is True and entry["assumptions"] == ["a"] and entry["uses"] == ["u"]
    assert (entry["quote"], entry["reading"], entry["claim"], entry["interpretation"]) == ("q", "r", "k", "i")
    assert entry["status"] == "refuted" and entry["ok"] and entry["counterexample_reproduced"] is True
    assert entry["seconds"] == 1.235 and entry["corrected_by"] == ["zz-fix"]
    assert entry["checks"] == [
        {
            "name": "p",
            "kind": "hypothesis",
            "description": "Hypothesis property over ranges; float64 only; 1 stored @example case(s)",
        }
    ]
    assert (
        lemma_entry(lemma, "refuted", [dict(evidence[0], reproduced=False)], ["x"])["counterexample_reproduced"]
        is False
    )
    assert lemma_entry(_lemma(), "open", [], [])["counterexample_reproduced"] is None
    assert not lemma_entry(_lemma(), "open", [], ["problem"])["ok"]


def test_check_descriptions_and_scores():
    assert check_description(SympyProof("s", lambda: True, "d")) == "sympy proof (coverage undeclared): d"
    assert (
        check_description(SympyProof("s", lambda: True, "d", coverage=every_size("all p"), cross_check=True))
        == "sympy proof (cross-check, all p): d"
    )
    assert (
        check_description(OracleCheck("o", lambda: [], lambda c: Outcome(True), "d"))
        == "mpmath evaluation on chosen hard cases: d"
    )
    assert (
        check_description(PropertyCheck("p", linear_points(), lambda c: Outcome(True), "r"))
        == "Hypothesis property over r; evaluated with the mpmath oracle"
    )
    assert [format_score(v) for v in (0.123456, 12345.0, 3, "inf")] == ["0.123", "1.23e+04", "3", "inf"]


def test_evidence_summary_names_each_kind_and_every_trouble():
    evidence = [
        {"check": "s", "kind": "sympy", "passed": True},
        {"check": "t", "kind": "sympy", "passed": False},
        {"check": "c", "kind": "counterexample", "reproduced": True},
        {"check": "d", "kind": "counterexample", "reproduced": False},
        {
            "check": "h",
            "kind": "hypothesis",
            "oracle": True,
            "examples": 60,
            "supporting": 58,
            "vacuity_floor": 30,
            "worst_score": 0.5,
            "passed": True,
        },
        {
            "check": "f",
            "kind": "hypothesis",
            "oracle": False,
            "examples": 40,
            "supporting": 3,
            "vacuity_floor": 20,
            "worst_score": 2.0,
            "passed": False,
            "vacuous": True,
            "implementation_failures": 2,
        },
        {
            "check": "m",
            "kind": "mpmath",
            "cases": 5,
            "supporting": 5,
            "vacuity_floor": 3,
            "worst_score": 0.1,
            "passed": True,
        },
        {"check": "x", "kind": "other", "detail": "something"},
    ]
    assert evidence_summary(evidence).split("; ") == [
        "s: sympy proof went through (coverage undeclared)",
        "t: sympy proof FAILED (coverage undeclared)",
        "c: stored counterexample reproduced",
        "d: stored counterexample NOT reproduced",
        "h: 60 Hypothesis examples (58 supporting, floor 30), mpmath oracle, worst score 0.5",
        "f: 40 Hypothesis examples (3 supporting, floor 20), float64 only, worst score 2, BROKEN, VACUOUS, "
        "IMPLEMENTATION PROBLEM on 2 case(s)",
        "m: 5 mpmath cases (5 supporting, floor 3), worst score 0.1",
        "x: something",
    ]
    assert evidence_summary([]) == "no checks: not checkable here"


def test_status_counts_in_conventional_order_then_the_others():
    entries = [{"status": s} for s in ("open", "error", "proved", "unverified", "proved", "refuted")]
    counts = status_counts(entries)
    assert list(counts.items()) == [("proved", 2), ("refuted", 1), ("open", 1), ("error", 1), ("unverified", 1)]


def test_profile_settings_and_unknown_profiles():
    assert profile_settings("ci")["derandomize"] is True and profile_settings("ci")["database"] is None
    assert profile_settings("thorough")["max_examples"] == 10_000
    with pytest.raises(ValueError, match="unknown Hypothesis profile 'nope'"):
        profile_settings("nope")


def test_a_crashing_check_is_an_error_entry_and_the_run_goes_on(registered):
    record = run_verification(["zz-good", "zz-crash", "zz-bad"], "dev", progress=False)
    entries = {entry["id"]: entry for entry in record["lemmas"]}
    assert (
        entries["zz-crash"]["status"] == "error"
        and "a check raised ZeroDivisionError" in entries["zz-crash"]["problems"][0]
    )
    assert entries["zz-good"]["status"] == "proved" and entries["zz-bad"]["status"] == "open"
    assert record["summary"]["problems"] == 2 and record["summary"]["counts"] == {"proved": 1, "open": 1, "error": 1}
    assert record["registry"]["lemma_ids"] == ["zz-good", "zz-crash", "zz-bad"] and not record["registry"]["complete"]
    assert record["schema"] == RECORD_SCHEMA and record["registry"]["source_sha256"] == source_fingerprint()
    assert record["summary"]["budget_exhausted"] is False and record["summary"]["unchecked"] == []
    assert record["profile"]["name"] == "dev" and record["provenance"]["parameters"]["only"] == [
        "zz-good",
        "zz-crash",
        "zz-bad",
    ]


def test_write_and_read_a_record_and_every_bad_file(tmp_path, registered):
    record = run_verification(["zz-good"], "dev", progress=False)
    path = write_record(record, tmp_path / "sub" / "record.json")
    assert (
        read_record(path) == json.loads(json.dumps(json_safe(record)))
        and not (path.parent / "record.json.tmp").exists()
    )
    with pytest.raises(FileNotFoundError, match="no verification record at .*absent.json"):
        read_record(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        read_record(tmp_path / "bad.json")
    for foreign in ([], {"schema": RECORD_SCHEMA + 1, "lemmas": []}, {"schema": RECORD_SCHEMA}):
        (tmp_path / "foreign.json").write_text(json.dumps(foreign))
        with pytest.raises(ValueError, match="not a verification record of schema"):
            read_record(tmp_path / "foreign.json")


def test_merge_keeps_only_a_fresh_record_of_the_same_profile(registered):
    previous = run_verification(["zz-good", "zz-bad"], "dev", progress=False)
    partial = run_verification(["zz-bad"], "dev", progress=False)
    merged = merge_records(previous, partial)
    assert [entry["id"] for entry in merged["lemmas"]] == ["zz-good", "zz-bad"]
    assert merged["merged"]["kept"] == 1 and merged["summary"]["counts"] == {"proved": 1, "open": 1}
    assert merged["summary"]["problems"] == 1 and merged["registry"]["lemma_ids"] == ["zz-good", "zz-bad"]
    assert merge_records(dict(previous, profile=dict(previous["profile"], name="ci")), partial) is partial
    stale = dict(previous, registry=dict(previous["registry"], source_sha256="0" * 64))
    assert merge_records(stale, partial) is partial and not record_is_fresh(stale) and record_is_fresh(previous)


def test_resolve_entries_uses_a_fresh_record_and_evaluates_what_it_lacks(tmp_path, registered):
    good, bad, _ = registered
    path = write_record(run_verification(["zz-good"], "dev", progress=False), tmp_path / "r.json")
    record = json.loads(path.read_text())
    record["lemmas"][0]["status"] = "marker"
    path.write_text(json.dumps(record))
    entries, origin = resolve_entries([good, bad], None, path, progress=False)
    assert entries["zz-good"]["status"] == "marker" and entries["zz-bad"]["status"] == "open"
    assert f"1 status(es) from {path} (profile dev" in origin and "1 status(es) evaluated now" in origin
    entries, origin = resolve_entries([good], "ci", path, progress=False)
    assert entries["zz-good"]["status"] == "proved" and "made under profile dev, not ci" in origin
    entries, origin = resolve_entries([good], None, None, progress=False)
    default = default_profile_name()  # dev here, ci when CI is set
    assert entries["zz-good"]["status"] == "proved" and origin == f"1 status(es) evaluated now under profile {default}"
    assert list(resolve_entries([bad, good], None, path, progress=False)[0]) == ["zz-bad", "zz-good"]


def test_the_fingerprint_ignores_presentation_modules_only(monkeypatch, tmp_path):
    package = tmp_path / "theory"
    for part in ("checking", "paper"):
        (package / part).mkdir(parents=True)
    (package / "checking" / "status.py").write_text("a = 1\n")
    (package / "cli.py").write_text("b = 1\n")
    (package / "paper" / "export.py").write_text("c = 1\n")
    (package / "paper" / "lemma_graph.py").write_text("d = 1\n")
    (package / "checking" / "verify.py").write_text("")
    monkeypatch.setattr(verify, "__file__", str(package / "checking" / "verify.py"))
    first = source_fingerprint()
    (package / "cli.py").write_text("b = 2\n")
    (package / "paper" / "export.py").write_text("c = 2\n")
    assert source_fingerprint() == first
    (package / "paper" / "lemma_graph.py").write_text("d = 2\n")  # derived graph statuses count
    second = source_fingerprint()
    assert second != first
    (package / "checking" / "status.py").write_text("a = 2\n")
    assert source_fingerprint() not in (first, second) and len(first) == 64


def test_the_run_reports_progress_durations_and_a_budget_that_ran_out(registered, capsys, tmp_path):
    record = run_verification(["zz-good"], "dev", progress=True)
    err = capsys.readouterr().err
    assert "checking lemmas" in err and "lemma/s" in err  # tqdm on stderr, counting lemmas
    assert 0 <= record["lemmas"][0]["seconds"] < 600 and 0 <= record["summary"]["seconds"] < 600
    crashed = run_verification(["zz-crash"], "dev", progress=False)["lemmas"][0]
    assert crashed["status"] == "error" and 0 <= crashed["seconds"] < 600
    cut = run_verification(["zz-good", "zz-bad"], "dev", progress=False, budget=1e-9)
    assert [entry["status"] for entry in cut["lemmas"]] == ["unverified", "unverified"]
    assert cut["lemmas"][0]["problems"] == [
        "zz-good: not checked: the time budget of 1e-09 s ran out; run verify with a larger --budget, or with --only "
        "for the remaining lemmas"
    ]
    assert cut["summary"]["unchecked"] == ["zz-good", "zz-bad"] and cut["summary"]["budget_exhausted"] is True
    assert cut["provenance"]["parameters"]["budget_s"] == 1e-9
    path = write_record(cut, tmp_path / "record.json")
    assert path.read_text().count("\n") > 20  # indented: a record diffs line by line in git
    assert set(profile_settings("dev")) == {
        "name",
        "max_examples",
        "derandomize",
        "deadline",
        "database",
        "suppress_health_check",
    }
    assert profile_settings("dev")["suppress_health_check"] == ["too_slow", "data_too_large", "filter_too_much"]
