"""The lifted checks of several runs side by side, with the theory's exponent-2 prediction and each run's gap.

The fixture ``data/lifted-smollm2-last-mlp.json`` is the summary and case-summary rows of a real SmolLM2 run
(Q4_1 dequantised, last layer's MLP differentiated, 1 point, 5 rates from 1e-6 to 1, seed 0).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from empirical.insecure_code.lifted_compare import PREDICTIONS, compare_lifted, comparison_table, load_lifted, main

FIXTURE = Path(__file__).parent / "data" / "lifted-smollm2-last-mlp.json"
ROOT = Path(__file__).resolve().parents[3]


def _summary(check: str, group: str, metric: str, value: float) -> dict:
    return {"lemma_id": "x", "role": "summary", "check": check, "group": group, "metric": metric, "value": value}


def _tiny() -> list[dict]:
    """A synthetic tiny-model run: the commutator's poison-clean exponent 1 (a perturbed law), no clean-clean
    commutator, an extra metric SmolLM2 lacks, and a measurement row that must be ignored."""
    return [
        _summary("ascent-error", "poison", "median_exponent", 2.5),
        _summary("commutator", "poison-clean", "median_exponent", 1.0),
        _summary("gradient-cosine", "poison", "median_cosine_after_20", 0.5),
        _summary("ascent-error", "poison", "only_in_tiny", 7.0),
        {"check": "ascent-error", "group": "poison", "lr": 1e-3, "error_norm": 1.0},
    ]


def _row(rows: list[dict], check: str, group: str, metric: str) -> dict:
    (row,) = [r for r in rows if (r["check"], r["group"], r["metric"]) == (check, group, metric)]
    return row


def test_the_fixture_loads_and_its_exponents_sit_near_two():
    rows = load_lifted(FIXTURE)
    summaries = [r for r in rows if r.get("role") == "summary"]
    assert len(summaries) == 18
    exponents = [r["value"] for r in summaries if r["metric"] == "median_exponent"]
    assert len(exponents) == 4 and all(abs(value - 2) < 0.01 for value in exponents)


def test_runs_side_by_side_with_nan_where_absent_and_the_gap_to_the_prediction():
    rows = compare_lifted({"smollm2": load_lifted(FIXTURE), "tiny": _tiny()})
    assert len(rows) == 19  # the fixture's 18 keys and the tiny run's extra one, each once
    ascent = _row(rows, "ascent-error", "poison", "median_exponent")
    assert ascent["values"]["smollm2"] == pytest.approx(2.0020198067762798)
    assert ascent["values"]["tiny"] == 2.5
    assert ascent["prediction"] == 2.0
    assert ascent["gaps"] == pytest.approx({"smollm2": 0.0020198067762798, "tiny": 0.5})
    assert "ascent-error-logistic" in ascent["source"]
    perturbed = _row(rows, "commutator", "poison-clean", "median_exponent")
    assert perturbed["gaps"]["tiny"] == 1.0  # negative control: an O(lr) commutator is 1 away from the law
    absent = _row(rows, "commutator", "clean-clean", "median_exponent")
    assert math.isnan(absent["values"]["tiny"]) and math.isnan(absent["gaps"]["tiny"])
    assert absent["gaps"]["smollm2"] == pytest.approx(abs(1.9992704816357418 - 2))
    extra = _row(rows, "ascent-error", "poison", "only_in_tiny")
    assert math.isnan(extra["values"]["smollm2"]) and math.isnan(extra["prediction"])
    cosine = _row(rows, "gradient-cosine", "poison", "median_cosine_after_20")
    assert math.isnan(cosine["prediction"]) and cosine["source"] == ""  # the draft observes, it does not predict
    ratio = _row(rows, "commutator", "poison-clean", "median_ratio_smallest_clean_lr")
    assert ratio["prediction"] == 1.0 and ratio["gaps"]["smollm2"] < 0.01


def test_the_predictions_are_exponent_two_for_both_second_order_laws():
    assert PREDICTIONS[("ascent-error", "median_exponent")].value == 2.0
    assert PREDICTIONS[("commutator", "median_exponent")].value == 2.0
    assert not any(check == "gradient-cosine" for check, _ in PREDICTIONS)


def test_the_table_has_a_column_per_run_the_prediction_and_the_gaps():
    rows = compare_lifted({"smollm2": load_lifted(FIXTURE), "tiny": _tiny()})
    table = comparison_table(rows, ["smollm2", "tiny"])
    lines = table.splitlines()
    assert lines[0] == "| check | group | metric | smollm2 | tiny | prediction | gap smollm2 | gap tiny |"
    assert "| commutator | poison-clean | median_exponent | 2.002 | 1 | 2 | 0.001625 | 1 |" in lines
    assert "| commutator | clean-clean | median_exponent | 1.999 | – | 2 | 0.0007295 | – |" in lines
    assert any(line.startswith("Prediction source: lemma commutator-logistic") for line in lines)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps([{"role": "summary", "check": "commutator", "group": "poison-clean", "value": 2.0}]), "metric"),
        (json.dumps({"rows": []}), "not a JSON list"),
        ("{not json", "not JSON"),
        (json.dumps([{"check": "commutator", "lr": 1.0}]), "no summary rows"),
        (json.dumps([_summary("commutator", "g", "m", "2")]), "numeric value"),
        (json.dumps([_summary("c", "g", "m", 2.0), _summary("c", "g", "m", 3.0)]), "twice"),
    ],
)
def test_a_file_that_is_not_the_lifted_format_is_refused(tmp_path, content, message):
    path = tmp_path / "lifted-bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as error:
        load_lifted(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="lifted-absent.json"):
        load_lifted(tmp_path / "lifted-absent.json")


def test_nan_values_are_accepted(tmp_path):
    path = tmp_path / "lifted-nan.json"
    path.write_text(json.dumps([_summary("commutator", "clean-clean", "median_exponent", float("nan"))]))
    (row,) = compare_lifted({"run": load_lifted(path)})
    assert math.isnan(row["values"]["run"]) and math.isnan(row["gaps"]["run"]) and row["prediction"] == 2.0


def test_main_prints_and_writes_the_table(tmp_path, capsys):
    tiny = tmp_path / "lifted-tiny.json"
    tiny.write_text(json.dumps(_tiny()))
    out = tmp_path / "table.md"
    assert main([f"smollm2={FIXTURE}", f"tiny={tiny}", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("| check | group | metric | smollm2 | tiny |")
    assert out.read_text() == printed


@pytest.mark.parametrize(
    ("argument", "named"),
    [("tiny=/nonexistent/lifted-x.json", "/nonexistent/lifted-x.json"), ("no-equals-sign", "NAME=PATH")],
)
def test_bad_input_gives_one_line_and_status_2(capsys, argument, named):
    assert main([f"smollm2={FIXTURE}", argument]) == 2
    err = capsys.readouterr().err
    assert named in err and err.count("\n") == 1


def test_the_same_name_twice_is_refused(capsys):
    assert main([f"a={FIXTURE}", f"a={FIXTURE}"]) == 2
    assert "twice" in capsys.readouterr().err


def test_the_command_line_exits_0_and_2_without_a_traceback(tmp_path):
    bad = tmp_path / "lifted-bad.json"
    bad.write_text(json.dumps([{"role": "summary", "check": "c"}]))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "empirical.insecure_code.lifted_compare"]
    good = subprocess.run([*command, f"smollm2={FIXTURE}"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert good.returncode == 0 and "median_exponent" in good.stdout
    refused = subprocess.run([*command, f"x={bad}"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert str(bad) in refused.stderr and refused.stderr.count("\n") == 1
