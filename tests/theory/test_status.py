"""theory.checking.status on small synthetic lemmas: every rule of the status derivation, and its failure paths.

Fast on purpose (trivial predicates), so that mutation testing (docs/authors-guide.md) can run them for
every mutant of theory/checking/status.py. Each test names the bug it would catch.
"""

from __future__ import annotations

import time

import pytest
import sympy
from hypothesis import strategies as st

from theory.checking.building_blocks import compare, is_zero, strictly_below
from theory.checking.profiles import PROFILES
from theory.checking.registry import (
    Counterexample,
    Lemma,
    OracleCheck,
    Outcome,
    PropertyCheck,
    SympyProof,
    every_size,
    fixed_sizes,
)
from theory.checking.status import STATUSES, Verdict, budget_exhausted, evaluate, run_check, time_budget
from theory.checking.strategies import linear_points
from theory.checking.verify import using_profile


def _lemma(*checks, **fields) -> Lemma:
    return Lemma(id="zz-status", title="t", statement="s", source="test", as_written=False, checks=checks, **fields)


def _ok(case):
    return compare(0.25, 1.0, "fine")


def _lr_below_one(case):
    return strictly_below(case["lr"], 1.0, "lr vs 1")  # breaks from lr = 1 on


def _square_expanded() -> bool:
    a = sympy.Symbol("a", real=True)
    return is_zero((a + 1) ** 2 - a**2 - 2 * a - 1)


PROOF = SympyProof("s", _square_expanded, "(a + 1)^2 expanded", coverage=every_size("size-free"))


def test_statuses_and_verdict_ok():
    assert STATUSES == ("proved", "verified", "refuted", "open")
    assert Verdict("a", "proved").ok and not Verdict("a", "proved", problems=["x"]).ok


def test_a_lemma_without_checks_is_open_without_problems():
    verdict = evaluate(_lemma())
    assert (verdict.status, verdict.problems, verdict.evidence, verdict.counterexample) == ("open", [], [], None)


def test_a_sympy_proof_that_raises_did_not_go_through():  # bug: a proof that raises counted as passed
    record = run_check(SympyProof("p", lambda: 1 / 0, "divides by zero"))
    assert record["passed"] is False and record["kind"] == "sympy"
    assert "raised ZeroDivisionError" in record["detail"] and record["detail"].startswith("divides by zero")
    verdict = evaluate(_lemma(SympyProof("p", lambda: 1 / 0, "d"), OracleCheck("o", lambda: [{"a": 1}], _ok, "d")))
    assert verdict.status == "open" and len(verdict.problems) == 1 and "did not go through" in verdict.problems[0]


def test_a_sympy_proof_that_returns_a_truthy_non_bool_counts_and_false_does_not():
    assert run_check(SympyProof("p", lambda: 1, "d"))["passed"] is True
    assert run_check(SympyProof("p", lambda: 0, "d"))["passed"] is False
    assert evaluate(_lemma(PROOF)).status == "proved"
    # a proof that cannot fail proves nothing: its negative control is accepted (issue 19)
    cannot_fail = evaluate(_lemma(SympyProof("p", lambda: True, "d", coverage=every_size("all p"))))
    assert cannot_fail.status == "open" and "accepted its negative control" in cannot_fail.problems[0]


def test_a_failing_mpmath_oracle_case_is_recorded_and_refutes():  # bug: the failing case was never recorded
    cases = [{"a": 1.0}, {"a": 5.0}, {"a": 7.0}, {"a": 0.5}]
    check = OracleCheck("o", lambda: cases, lambda case: compare(case["a"], 2.0), "hand-picked")
    record = run_check(check)
    assert record["passed"] is False and record["cases"] == 4 and record["kind"] == "mpmath"
    assert record["failing"]["case"] == {"a": 5.0} and "error 5.000e+00" in record["failing"]["detail"]
    assert record["worst_score"] == 3.5 and record["worst_case"] == {"a": 7.0}
    assert record["supporting"] == 2 and record["detail"] == "hand-picked" and record["seconds"] >= 0
    verdict = evaluate(_lemma(check))
    assert verdict.status == "refuted" and verdict.counterexample == {"a": 5.0}
    assert "found a counterexample {'a': 5.0}" in verdict.problems[-1] and "Store it" in verdict.problems[-1]


def test_only_mpmath_or_oracle_evidence_verifies_and_float64_alone_does_not():  # bug: == "mpmath" flipped
    oracle = evaluate(_lemma(OracleCheck("o", lambda: [{"a": 1.0}, {"a": 2.0}], _ok, "d")))
    assert (oracle.status, oracle.problems) == ("verified", [])
    fuzzed = evaluate(_lemma(PropertyCheck("p", linear_points(), _ok, "r", oracle=True)))
    assert (fuzzed.status, fuzzed.problems) == ("verified", [])
    float_only = evaluate(_lemma(PropertyCheck("p", linear_points(), _ok, "r", oracle=False)))
    assert float_only.status == "open" and float_only.problems == [
        "zz-status: only float64 fuzzing ran; add an mpmath oracle or a sympy proof"
    ]
    both = evaluate(
        _lemma(
            PropertyCheck("p", linear_points(), _ok, "r", oracle=False),
            OracleCheck("o", lambda: [{"a": 1.0}], _ok, "d"),
        )
    )
    assert (both.status, both.problems) == ("verified", [])
    proved = evaluate(_lemma(PropertyCheck("p", linear_points(), _ok, "r", oracle=False), PROOF))
    assert (proved.status, proved.problems) == ("proved", [])
    fixed = evaluate(_lemma(SympyProof("s", _square_expanded, "d", coverage=fixed_sizes("p <= 4"))))
    assert (fixed.status, fixed.problems, fixed.coverage) == ("verified", [], "p <= 4")


def test_the_stored_counterexample_is_the_shrunk_one():  # bug: any failing case could be stored
    verdict = evaluate(_lemma(PropertyCheck("lr", linear_points(), _lr_below_one, "r")))
    assert verdict.status == "refuted" and not verdict.ok
    # lr = 10**e shrinks to e = 0; every vector to one zero entry; y to 0
    assert verdict.counterexample == {"theta": [0.0], "x": [0.0], "y": 0.0, "lr": 1.0}
    record = verdict.evidence[0]
    assert record["failing"]["case"] == verdict.counterexample and record["passed"] is False


def test_a_property_records_what_it_ran():
    seen = []

    def predicate(case):
        seen.append(case)
        return Outcome(True, case["lr"], "ok")

    with using_profile("ci"):
        record = run_check(
            PropertyCheck(
                "p",
                linear_points(),
                predicate,
                "ranges",
                oracle=True,
                examples=({"theta": [1.0], "x": [2.0], "y": 0.0, "lr": 123.0},),
            )
        )
    # the negative control re-runs the predicate on the first supporting cases
    assert record["examples"] + record["negative_control"]["cases"] == len(seen)
    assert record["max_examples"] == PROFILES["ci"]["max_examples"]
    assert seen[0]["lr"] == 123.0  # the stored @example runs first
    assert (
        record["worst_score"] == max(case["lr"] for case in seen)
        and record["worst_case"]["lr"] == record["worst_score"]
    )
    assert record["ranges"] == "ranges" and record["oracle"] is True and record["failing"] is None
    assert record["passed"] and not record["vacuous"] and record["skipped_for_budget"] == 0
    assert record["supporting"] + record["degenerate"] == record["examples"]


def test_a_nan_score_counts_as_the_worst():
    record = run_check(
        OracleCheck(
            "o",
            lambda: [{"a": 1.0}, {"a": 2.0}],
            lambda case: Outcome(True, float("nan") if case["a"] == 2.0 else 0.5),
            "d",
        )
    )
    assert record["worst_case"] == {"a": 2.0} and record["worst_score"] == float("inf")


def test_a_hypothesis_error_is_a_failure_with_its_message():
    never = PropertyCheck("never", st.integers().filter(lambda n: False), _ok, "r")
    record = run_check(never)
    assert record["passed"] is False and record["failing"]["case"] == {}
    assert "Unsatisfiable" in record["failing"]["detail"] or "FailedHealthCheck" in record["failing"]["detail"]


def test_a_stored_counterexample_is_reproduced_or_reported_stale():
    check = PropertyCheck("lr", linear_points(), _lr_below_one, "r")
    case = {"theta": [0.0], "x": [1.0], "y": 0.0, "lr": 2.0}
    verdict = evaluate(_lemma(check, counterexample=Counterexample("lr", case, "hand"), corrected_by=("y",)))
    assert (verdict.status, verdict.ok, verdict.counterexample) == ("refuted", True, case)
    assert verdict.evidence == [
        {
            "check": "lr",
            "kind": "counterexample",
            "reproduced": True,
            "premises_met": True,
            "failure": "statement",
            "case": case,
            "detail": "lr vs 1",
            "found_by": "hand",
        }
    ]
    stale = evaluate(_lemma(check, counterexample=Counterexample("lr", dict(case, lr=0.5)), corrected_by=("y",)))
    assert stale.status == "refuted" and stale.evidence[0]["reproduced"] is False
    assert len(stale.problems) == 1 and "no longer breaks check 'lr'" in stale.problems[0]


def test_a_counterexample_of_a_sympy_proof_is_a_type_error():
    lemma = _lemma(SympyProof("p", lambda: True, "d"), counterexample=Counterexample("p", {}), corrected_by=("y",))
    with pytest.raises(TypeError, match="property or oracle check"):
        evaluate(lemma)


def test_the_first_broken_check_gives_the_counterexample():
    first = OracleCheck("first", lambda: [{"a": 3.0}], lambda case: compare(case["a"], 1.0), "d")
    second = OracleCheck("second", lambda: [{"a": 9.0}], lambda case: compare(case["a"], 1.0), "d")
    verdict = evaluate(_lemma(SympyProof("s", lambda: True, "d"), first, second))
    assert verdict.status == "refuted" and verdict.counterexample == {"a": 3.0} and "'first'" in verdict.problems[-1]


def test_time_budget_stops_properties_and_restores_the_outer_budget():
    with pytest.raises(ValueError, match="positive"):
        with time_budget(0):
            pass
    assert not budget_exhausted()
    with time_budget(None):
        assert not budget_exhausted()
    with time_budget(3600):
        assert not budget_exhausted()
        with time_budget(1e-9):
            time.sleep(0.001)
            assert budget_exhausted()
            record = run_check(PropertyCheck("p", linear_points(), _ok, "r"))
        assert not budget_exhausted()
    assert not budget_exhausted()
    assert record["examples"] == 0 and record["skipped_for_budget"] > 0 and record["vacuous"]


def test_a_stored_counterexample_of_a_float64_only_check_refutes_nothing():
    check = PropertyCheck("f", linear_points(), lambda case: Outcome(False, 2.0, "float64 off"), "r", oracle=False)
    verdict = evaluate(_lemma(check, counterexample=Counterexample("f", {"x": [1.0]}), corrected_by=("y",)))
    assert (verdict.lemma_id, verdict.status, verdict.counterexample) == ("zz-status", "open", {"x": [1.0]})
    assert verdict.evidence[0]["failure"] == "implementation" and verdict.evidence[0]["reproduced"] is False
    assert verdict.problems == [
        "zz-status: implementation problem: the stored counterexample breaks only the float64 implementation checked "
        "by 'f' (float64 off), not the statement; fix the implementation or its error model, and remove the "
        "counterexample"
    ]
    outside = PropertyCheck("o", linear_points(), lambda case: Outcome(False, premises_met=False, detail="x = 0"), "r")
    verdict = evaluate(_lemma(outside, counterexample=Counterexample("o", {"x": [0.0]}), corrected_by=("y",)))
    assert verdict.problems == [
        "zz-status: the stored counterexample violates the statement's premises (x = 0), so it refutes nothing: "
        "find one inside the premises, or remove it"
    ]
    assert verdict.evidence[0]["premises_met"] is False and verdict.evidence[0]["failure"] is None


def test_every_check_reports_its_duration_in_seconds():
    def slow(case):
        time.sleep(0.01)
        return Outcome(True)

    records = [
        run_check(SympyProof("s", lambda: time.sleep(0.01) or True, "d")),
        run_check(OracleCheck("o", lambda: [{"a": 1.0}], slow, "d")),
        run_check(PropertyCheck("p", linear_points(), slow, "r")),
    ]
    for record in records:
        assert 0.01 <= record["seconds"] < 600 and record["seconds"] == round(record["seconds"], 3)


def test_the_vacuity_problem_of_an_oracle_check_counts_its_cases():
    cases = [{"x": [0.0]}, {"x": [0.0, 0.0]}, {"x": [1.0]}]
    verdict = evaluate(_lemma(OracleCheck("hand", lambda: cases, lambda case: compare(0.0, 1.0), "d")))
    assert verdict.problems == [
        "zz-status: check 'hand' is vacuous: only 1 of 3 cases met the premises and were not degenerate (0 outside "
        "the premises, 2 degenerate); the floor is 2 (half of the hand-chosen cases): fix the strategy"
    ]


def test_degenerate_cases_do_not_steer_the_search():
    # target() climbs from supporting cases only: fed a degenerate best case (constant scores tie with
    # the all-zero first example) it would draw a third of the ci examples all-zero (22 of 60, measured)
    with using_profile("ci"):
        record = run_check(PropertyCheck("p", linear_points(), lambda case: Outcome(True, 0.25), "r"))
    assert record["kind"] == "hypothesis" and record["examples"] == 60 and record["degenerate"] <= 8


def test_the_vacuity_problem_of_a_property_counts_its_examples_and_budget_skips_are_counted():
    check = PropertyCheck("outside", linear_points(), lambda case: Outcome(True, premises_met=False), "r")
    verdict = evaluate(_lemma(check))
    ran = verdict.evidence[0]["examples"]
    assert verdict.lemma_id == "zz-status" and ran > 1
    assert verdict.problems[0].startswith(
        f"zz-status: check 'outside' is vacuous: only 0 of {ran} cases met the "
        f"premises and were not degenerate ({ran} outside the premises, 0 degenerate)"
    )
    with time_budget(1e-9):
        time.sleep(0.001)
        skipped = run_check(PropertyCheck("p", linear_points(), _ok, "r"))
    assert skipped["skipped_for_budget"] > 1 and skipped["examples"] == 0


def test_only_supporting_cases_feed_target(monkeypatch):
    import theory.checking.status as status

    scores = []
    monkeypatch.setattr(status, "target", lambda score, label: scores.append((score, label)))
    run_check(PropertyCheck("impl", linear_points(), lambda case: Outcome(False, 7.0), "r", oracle=False))
    run_check(PropertyCheck("outside", linear_points(), lambda case: Outcome(True, 5.0, premises_met=False), "r"))
    assert scores == []  # implementation failures and cases outside the premises never steer the search
    run_check(PropertyCheck("fine", linear_points(), lambda case: Outcome(True, 0.5), "r"))
    assert scores and all(entry == (0.5, "fine") for entry in scores)
