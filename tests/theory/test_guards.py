"""The two guards of theory.checking.guards, and their sabotage checks (issue 9, items 4 and 5).

* Vacuity: a strategy patched to draw only zeros must make `verify` fail, naming the vacuous check.
* Implementation vs mathematics: float64 drift injected into an implementation must make `verify` fail
  with an implementation problem, and must never turn the lemma into "refuted".
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import strategies as st

import theory.checking.registry as registry_module
import theory.checking.strategies as strategies
import theory.lemmas.commutation as commutation
from theory.checking.building_blocks import compare, float_identity, oracle_identity
from theory.checking.guards import (
    FLOOR_RULE,
    MIN_SUPPORTING,
    comparisons,
    degenerate,
    failure_kind,
    oracle_floor,
    record_comparison,
    vacuity_floor,
)
from theory.checking.oracle import mp_vector, precision
from theory.checking.registry import (
    Counterexample,
    Lemma,
    OracleCheck,
    Outcome,
    PropertyCheck,
    SympyProof,
    every_size,
    get,
)
from theory.checking.status import evaluate
from theory.checking.strategies import linear_points
from theory.cli import main


def _identity() -> bool:
    """A true identity decided by is_zero, so that its negative control is rejected."""
    import sympy

    from theory.checking.building_blocks import is_zero

    a = sympy.Symbol("a", real=True)
    return is_zero((a + 1) ** 2 - a**2 - 2 * a - 1)


FUZZED = "ga-linear-error"  # proved by sympy, with a 60-digit Hypothesis property over linear_points
IMPLEMENTED = "lr-commutator-formula"  # proved by sympy, with a float64-vs-60-digits property of `commutator`


def _lemma(*checks, lemma_id="zz-guard", **fields) -> Lemma:
    return Lemma(id=lemma_id, title="t", statement="s", source="test", as_written=False, checks=checks, **fields)


def _verify(monkeypatch, tmp_path, lemma_id, *extra):
    path = tmp_path / "record.json"
    code = main(["verify", "--only", lemma_id, "--profile", "ci", "--record", str(path), "--no-progress", *extra])
    return code, json.loads(path.read_text())["lemmas"][0]


# ----------------------------------------------------------------------------- the detector and the floor
@pytest.mark.parametrize(
    "case, expected",
    [
        ({"theta": [0.0, 0.0], "x": [0.0, -0.0], "y": 3.0, "lr": 1.0}, True),
        ({"theta": [0.0, 0.0], "x": [0.0, 1e-300], "y": 0.0}, False),
        ({"batch": [[0.0, 0.0], [0.0]], "weights": {"w": [0, 0]}}, True),
        ({"batch": [[0.0, 0.0], [0.0, 2.0]]}, False),
        ({"dim": 3, "seed": 0}, False),  # no vectors: nothing to call degenerate
        ({"x": np.zeros(3)}, True),
        ({"x": mp_vector([0.0, 0.5])}, False),
        ({"x": ["a", "b"]}, False),
    ],
)
def test_a_case_is_degenerate_when_every_vector_is_all_zero(case, expected):
    assert degenerate(case) is expected


def test_the_floor_is_half_the_examples_and_at_least_five():
    assert [vacuity_floor(n) for n in (0, 1, 3, 5, 9, 10, 40, 60, 10_000)] == [1, 1, 3, 5, 5, 5, 20, 30, 5_000]
    assert [oracle_floor(n) for n in (0, 1, 2, 5, 512)] == [1, 1, 1, 3, 256]
    assert str(MIN_SUPPORTING) in FLOOR_RULE and "50%" in FLOOR_RULE


def test_the_ledger_attributes_a_failure_to_the_statement_or_the_implementation():
    with comparisons() as ledger:
        record_comparison(True, False, "float64 off")
        record_comparison(False, True, "statement fine")
    assert failure_kind(ledger, float64_only=False) == "implementation"
    with comparisons() as ledger:
        record_comparison(True, False)
        record_comparison(False, False)
    assert failure_kind(ledger, float64_only=False) == "statement"
    assert failure_kind([], float64_only=False) == "statement"  # an outcome built by hand speaks for the statement
    assert failure_kind([], float64_only=True) == "implementation"
    record_comparison(True, False)  # outside a ledger: ignored, no error
    with comparisons() as outer:
        with comparisons() as inner:
            compare(2.0, 1.0)
        float_identity(np.array([1.0]), mp_vector([1.0]), 1.0, 1)
    assert [(c.implementation, c.holds) for c in inner] == [(False, False)]
    assert [(c.implementation, c.holds) for c in outer] == [(True, True)]


# ----------------------------------------------------------------------------- vacuity
def test_sabotage_a_strategy_that_draws_only_zeros_makes_verify_fail(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(strategies, "vectors", lambda dim, scale=1.0: st.just([0.0] * dim))
    code, entry = _verify(monkeypatch, tmp_path, FUZZED)
    assert code == 1 and not entry["ok"]
    assert any("is vacuous" in problem for problem in entry["problems"]), entry["problems"]
    record = next(r for r in entry["evidence"] if r["kind"] == "hypothesis")
    assert record["vacuous"] and record["supporting"] == 0 and record["degenerate"] == record["examples"] > 0
    assert "PROBLEM" in capsys.readouterr().out
    assert not evaluate(get(FUZZED)).ok  # the pytest case of the lemma fails too


def test_without_sabotage_the_same_lemma_is_supported(tmp_path, monkeypatch):
    code, entry = _verify(monkeypatch, tmp_path, FUZZED)
    assert code == 0 and entry["ok"] and entry["status"] == "proved"
    record = next(r for r in entry["evidence"] if r["kind"] == "hypothesis")
    assert not record["vacuous"] and record["supporting"] >= record["vacuity_floor"] == vacuity_floor(
        record["examples"]
    )


def test_a_property_whose_cases_all_violate_the_premises_is_vacuous_and_refutes_nothing():
    check = PropertyCheck(
        "outside", linear_points(), lambda case: Outcome(False, 9.0, "no", premises_met=False), "r", oracle=True
    )
    verdict = evaluate(_lemma(check))
    assert verdict.status == "open" and verdict.counterexample is None
    assert any("is vacuous" in problem and "outside the premises" in problem for problem in verdict.problems)
    record = verdict.evidence[0]
    assert record["passed"] and record["premises_violated"] == record["examples"] > 0 and record["worst_case"] is None


def test_a_vacuous_oracle_check_establishes_nothing():
    cases = [{"x": [0.0, 0.0]}, {"x": [0.0]}, {"x": [1.0]}]
    verdict = evaluate(_lemma(OracleCheck("hand", lambda: cases, lambda case: compare(0.0, 1.0), "d")))
    assert verdict.status == "open" and verdict.evidence[0]["supporting"] == 1 and verdict.evidence[0]["vacuous"]
    assert any("half of the hand-chosen cases" in problem for problem in verdict.problems)
    enough = evaluate(_lemma(OracleCheck("hand", lambda: cases[1:], lambda case: compare(0.0, 1.0), "d")))
    assert enough.status == "verified" and enough.ok  # 1 of 2 meets the floor of one half


def test_a_degenerate_case_that_breaks_the_statement_still_refutes_it():
    check = PropertyCheck("zero-breaks", linear_points(), lambda case: Outcome(any(case["x"]), 2.0), "r")
    verdict = evaluate(_lemma(check))
    assert verdict.status == "refuted" and not any(verdict.counterexample["x"])


# ----------------------------------------------------------------------------- implementation vs mathematics
def test_sabotage_float64_drift_in_an_implementation_is_an_implementation_problem_never_a_refutation(
    monkeypatch, tmp_path, capsys
):
    real = commutation.commutator
    monkeypatch.setattr(commutation, "commutator", lambda *args: np.asarray(real(*args)) * (1 + 1e-9) + 1e-300)
    code, entry = _verify(monkeypatch, tmp_path, IMPLEMENTED)
    assert code == 1 and entry["status"] == "proved" and entry["counterexample"] is None
    problems = " ".join(entry["problems"])
    assert "implementation problem in check 'float64-vs-60-digits'" in problems
    record = next(r for r in entry["evidence"] if r["kind"] == "hypothesis")
    assert record["passed"] and record["implementation_failures"] > 0 and record["implementation_failing"]["case"]
    assert "PROBLEM" in capsys.readouterr().out


def _float_drift_predicate(case):
    """A statement that holds exactly (x + 0 = x at 60 digits) next to a float64 "implementation" that drifts."""
    with precision():
        exact = mp_vector(case["x"])
        statement = oracle_identity(exact + 0, exact, 1 + max(abs(v) for v in case["x"]), 2)
        drifted = float_identity(
            np.asarray(case["x"]) * (1 + 1e-6) + 1e-6, exact, 1 + max(abs(v) for v in case["x"]), 2
        )
    return Outcome(statement.holds and drifted.holds, max(statement.score, drifted.score), "both")


def test_an_oracle_check_with_a_drifting_implementation_is_not_refuted():
    cases = [{"x": [1.0, 2.0]}, {"x": [3.0]}]
    verdict = evaluate(_lemma(OracleCheck("drift", lambda: cases, _float_drift_predicate, "d")))
    # not refuted; and since no case ran clean, the check supports nothing either (vacuous)
    assert verdict.status == "open" and verdict.counterexample is None
    assert verdict.evidence[0]["implementation_failures"] == 2 and verdict.evidence[0]["passed"]
    assert any("implementation problem" in problem for problem in verdict.problems)
    assert any("is vacuous" in problem for problem in verdict.problems)


def test_a_float64_only_property_that_fails_is_an_implementation_problem():
    check = PropertyCheck(
        "float-only", linear_points(), lambda case: Outcome(case["lr"] < 1.0, case["lr"]), "r", oracle=False
    )
    verdict = evaluate(_lemma(check, SympyProof("p", _identity, "holds", coverage=every_size("all p"))))
    assert verdict.status == "proved" and verdict.counterexample is None
    assert any("implementation problem in check 'float-only'" in problem for problem in verdict.problems)


def test_a_stored_counterexample_outside_the_premises_or_only_in_float64_refutes_nothing():
    outside = PropertyCheck("c", linear_points(), lambda case: Outcome(False, premises_met=False, detail="x = 0"), "r")
    verdict = evaluate(_lemma(outside, counterexample=Counterexample("c", {"x": [0.0]}), corrected_by=("y",)))
    assert verdict.status == "open" and any("violates the statement's premises" in p for p in verdict.problems)
    assert verdict.evidence[0]["reproduced"] is False

    def float_only(case):
        return float_identity(np.array([1.5]), mp_vector([1.0]), 1.0, 1)

    drift = PropertyCheck("d", linear_points(), float_only, "r")
    verdict = evaluate(_lemma(drift, counterexample=Counterexample("d", {"x": [1.0]}), corrected_by=("y",)))
    assert verdict.status == "open" and any("breaks only the float64 implementation" in p for p in verdict.problems)

    statement = PropertyCheck("s", linear_points(), lambda case: compare(2.0, 1.0), "r")
    verdict = evaluate(_lemma(statement, counterexample=Counterexample("s", {"x": [1.0]}), corrected_by=("y",)))
    assert verdict.status == "refuted" and verdict.ok and verdict.evidence[0]["reproduced"] is True


def test_the_sabotaged_registry_lemma_is_the_one_the_pytest_case_checks(monkeypatch):
    # the pytest case of every lemma (tests/theory/test_lemmas.py) is evaluate(lemma).ok: it fails on both sabotages
    real = commutation.commutator
    monkeypatch.setattr(commutation, "commutator", lambda *args: np.asarray(real(*args)) * (1 + 1e-9) + 1e-300)
    verdict = evaluate(registry_module.get(IMPLEMENTED))
    assert not verdict.ok and verdict.status == "proved"
