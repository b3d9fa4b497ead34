"""Every check proves it can fail (issue 19, item 1): the decision points on false inputs, the negative
controls the engine runs, and the three plantings of the audit, each of which must make ``verify`` fail.

The plantings replace a function's code in place (``__code__``), as an edit of the source would: every
module that imported the function by name sees the planted body.
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

import theory.checking.building_blocks as building_blocks
import theory.lemmas.order_dependence as order_dependence
from theory.checking.building_blocks import (
    all_hold,
    at_least,
    compare,
    distinct,
    exactly_equal,
    is_nonzero,
    is_zero,
    is_zero_array,
    is_zero_matrix,
    is_zero_matrix_expression,
    strictly_below,
    symbolic_arrays,
    symbolic_vector,
    vectors_span,
)
from theory.checking.guards import comparisons, perturbed, perturbing
from theory.checking.registry import Lemma, OracleCheck, Outcome, PropertyCheck, SympyProof, every_size, fixed_sizes
from theory.checking.status import NEGATIVE_CASES, evaluate, lemma_coverage, run_check
from theory.cli import main

A, B = sympy.symbols("a b", real=True)


def _lemma(*checks) -> Lemma:
    return Lemma(id="zz-control", title="t", statement="s", source="test", as_written=False, checks=checks)


def _true_identity() -> bool:
    return is_zero((A + B) ** 2 - A**2 - 2 * A * B - B**2)


# ----------------------------------------------------------------------------- decision points on false inputs
def test_is_zero_rejects_false_identities_and_accepts_true_ones():
    assert is_zero((A + B) ** 2 - A**2 - 2 * A * B - B**2) and is_zero(sympy.sin(A) ** 2 + sympy.cos(A) ** 2 - 1)
    assert not is_zero((A + B) ** 2 - A**2 - B**2)  # the cross term missing
    assert not is_zero((A + B) ** 2 - A**2 - 2 * A * B + B**2)  # one sign flipped
    assert not is_zero(A) and not is_zero(sympy.Integer(1)) and not is_zero(sympy.Rational(1, 10**30))


def test_the_matrix_and_array_deciders_reject_one_wrong_entry():
    x = symbolic_vector("x", 2)
    assert is_zero_matrix(x * x.T - (x * x.T).T)
    assert not is_zero_matrix(x * x.T - (x * x.T).T + sympy.Matrix([[0, 0], [0, A]]))
    theta, vector, y, lr = symbolic_arrays(2, "theta", "x")
    assert is_zero_array(theta - theta) and not is_zero_array(theta - 2 * theta)
    assert not is_zero_array([0, 0, (A + 1) ** 2 - A**2 - 1])  # 2a is left over in the last entry
    n = sympy.Symbol("n", integer=True, positive=True)
    m = sympy.MatrixSymbol("M", n, n)
    assert is_zero_matrix_expression(m * (m + m) - 2 * m * m) and not is_zero_matrix_expression(m * (m + m) - m * m)


def test_is_nonzero_is_the_negation_on_decidable_inputs():
    assert is_nonzero(A - B) and is_nonzero(sympy.Integer(3)) and not is_nonzero((A + 1) ** 2 - A**2 - 2 * A - 1)


def test_the_numeric_deciders_on_both_sides_of_their_bound():
    assert compare(1.0, 1.0).holds and not compare(1.0 + 1e-9, 1.0).holds and not compare(float("nan"), 1.0).holds
    assert distinct(2.0, 1.0).holds and not distinct(1.0, 1.0).holds and not distinct(0.0, 0.0).holds
    assert strictly_below(0.5, 1).holds and not strictly_below(1, 1).holds
    assert at_least(1, 1).holds and not at_least(0.99, 1).holds
    assert exactly_equal(3, 3).holds and not exactly_equal(3, 4).holds
    assert not all_hold(compare(0.0, 1.0), compare(2.0, 1.0)).holds and all_hold(compare(0.0, 1.0)).holds


def test_perturbation_mode_flips_every_decision_point_on_true_statements():
    assert not perturbing()
    with perturbed() as counter, comparisons() as ledger:
        assert perturbing()
        assert not _true_identity()
        assert not is_zero(sympy.Integer(0))  # a single-term identity gets a free symbol added
        assert not is_zero_matrix(sympy.zeros(2, 2)) and not is_zero_array([0, 0])
        assert not is_nonzero(A)
        assert not compare(0.0, 1.0).holds and not compare(0.0, 1.0, implementation=True).holds
        assert not distinct(5.0, 1.0).holds and not strictly_below(0, 1).holds and not at_least(2, 1).holds
        assert not exactly_equal(3, 3).holds
        n = sympy.Symbol("n", integer=True, positive=True)
        assert not is_zero_matrix_expression(sympy.MatrixSymbol("M", n, n) - sympy.MatrixSymbol("M", n, n))
    assert counter[0] >= 12 and not perturbing()
    assert [comparison.holds for comparison in ledger] == [False] * 6


# ----------------------------------------------------------------------------- the engine runs the controls
def test_a_proof_routed_through_is_zero_rejects_its_control_and_is_proved():
    record = run_check(SympyProof("p", _true_identity, "d", coverage=every_size("size-free")))
    control = record["negative_control"]
    assert record["passed"] and control["rejected"] and control["points"] == 1 and control["load_bearing"] == 1
    assert (record["coverage"], record["every_size"]) == ("size-free", True)
    assert evaluate(_lemma(SympyProof("p", _true_identity, "d", coverage=every_size("size-free")))).status == "proved"


def test_a_proof_that_cannot_fail_is_a_problem_not_a_proof():
    for proof in (lambda: True, lambda: sympy.simplify(A - A) == 0):  # no decision point of building_blocks
        verdict = evaluate(_lemma(SympyProof("p", proof, "d", coverage=every_size("all p"))))
        assert verdict.status == "open" and not verdict.ok
        assert "accepted its negative control" in verdict.problems[0]


def test_an_explicit_negative_control_must_return_false():
    good = SympyProof("p", lambda: True, "argument", coverage=every_size("all p"), negative_control=lambda: False)
    assert evaluate(_lemma(good)).status == "proved"
    bad = SympyProof("p", lambda: True, "argument", coverage=every_size("all p"), negative_control=lambda: True)
    verdict = evaluate(_lemma(bad))
    assert verdict.status == "open" and "explicit perturbed variant" in verdict.problems[0]


def test_a_property_whose_verdict_ignores_its_comparisons_is_a_problem():
    always = PropertyCheck("p", st.integers(1, 9).map(lambda n: {"n": n}), lambda case: Outcome(True, 0.1), "r")
    verdict = evaluate(_lemma(always))
    control = verdict.evidence[0]["negative_control"]
    assert control["cases"] == NEGATIVE_CASES and control["rejected_cases"] == 0 and not control["rejected"]
    assert verdict.status == "open" and "accepted its negative control" in verdict.problems[0]
    compared = PropertyCheck("p", st.integers(1, 9).map(lambda n: {"n": n}), lambda case: compare(case["n"], 10.0), "r")
    verdict = evaluate(_lemma(compared))
    assert verdict.status == "verified" and verdict.ok and verdict.evidence[0]["negative_control"]["rejected"]
    explicit = OracleCheck(
        "o",
        lambda: [{"n": 1}, {"n": 2}],
        lambda case: Outcome(True, 0.1),
        "d",
        negative_control=lambda case: Outcome(False, 2.0, "perturbed"),
    )
    assert evaluate(_lemma(explicit)).status == "verified"


# ----------------------------------------------------------------------------- coverage decides proved / verified
def test_coverage_decides_between_proved_and_verified():
    fixed = SympyProof("p", _true_identity, "d", coverage=fixed_sizes("p <= 4"))
    every = SympyProof("q", _true_identity, "d", coverage=every_size("all p"))
    assert evaluate(_lemma(fixed)).status == "verified"
    assert evaluate(_lemma(every, fixed)).status == "verified"  # each proof covers part of the statement
    cross = SympyProof("c", _true_identity, "d", coverage=fixed_sizes("p <= 4"), cross_check=True)
    assert evaluate(_lemma(every, cross)).status == "proved"  # a cross-check does not limit the lemma
    undeclared = evaluate(_lemma(SympyProof("u", _true_identity, "d")))
    assert undeclared.status == "verified" and "declares no coverage" in undeclared.problems[0]
    coverage = lemma_coverage(_lemma(every, cross))
    assert coverage == {"text": "all p", "every_size": True, "by_check": {"q": "all p", "c": "p <= 4 (cross-check)"}}
    assert vectors_span(2).every_size and vectors_span(2).text == "all p (2 vectors in R^2)"


def test_the_six_fixed_size_lemmas_of_the_audit_are_not_proved():
    from theory.checking.registry import get

    for lemma_id in (
        "clean-training-forgets-iff",
        "gus-gaussian-null",
        "gus-fgsm-variant-null",
        "rank-one-hessian-proxies",
        "median-removal-not-from-median",
    ):
        assert not lemma_coverage(get(lemma_id))["every_size"], lemma_id
    assert lemma_coverage(get("ga-exact-iff"))["text"] == "all p (2 vectors in R^2)"
    # the sixth became symbolic in size (matrix symbols); its p <= 3 proof is kept as a cross-check
    assert lemma_coverage(get("influence-linear-in-gradient")) == {
        "text": "all p (matrix symbols of symbolic size)",
        "every_size": True,
        "by_check": {
            "linear-map-any-size": "all p (matrix symbols of symbolic size)",
            "linear-map": "p <= 3 (cross-check)",
        },
    }


# ----------------------------------------------------------------------------- the three plantings
def _verify(lemma_id: str, tmp_path) -> int:
    return main(["verify", "--only", lemma_id, "--record", str(tmp_path / "record.json"), "--no-progress"])


def test_planting_is_zero_returning_true_makes_verify_fail(monkeypatch, tmp_path, capsys):
    assert _verify("ga-exact-iff", tmp_path) == 0
    monkeypatch.setattr(building_blocks.is_zero, "__code__", (lambda expression: True).__code__)
    assert is_zero(A)  # the planting took: is_zero accepts a false identity
    assert _verify("ga-exact-iff", tmp_path) == 1
    assert "accepted its negative control" in capsys.readouterr().out


def test_planting_a_proof_body_returning_true_makes_verify_fail(monkeypatch, tmp_path, capsys):
    proof = order_dependence._prove_orthogonal_steps_commute_any_size
    monkeypatch.setattr(proof, "__code__", (lambda: True).__code__)
    assert _verify("commuting-steps-cheap", tmp_path) == 1
    assert "'induction-any-size' accepted its negative control" in capsys.readouterr().out


def test_planting_the_interleaved_all_sizes_proof_returning_true_makes_verify_fail(monkeypatch, tmp_path, capsys):
    proof = order_dependence._prove_interleaved_cost_all_sizes
    monkeypatch.setattr(proof, "__code__", (lambda: True).__code__)
    assert _verify("interleaved-unlearning-cost", tmp_path) == 1
    assert "'expected-cost-all-sizes' accepted its negative control" in capsys.readouterr().out


def test_list_shows_the_coverage_of_proved_and_verified_lemmas(tmp_path, capsys):
    record = tmp_path / "record.json"
    lemmas = ["ga-exact-iff", "median-removal-not-from-median"]
    assert main(["verify", "--only", *lemmas, "--record", str(record), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["list", "--only", *lemmas, "--record", str(record), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "coverage" in out.splitlines()[0]
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(tuple(lemmas))}
    assert "proved" in rows["ga-exact-iff"] and "all p (2 vectors in R^2)" in rows["ga-exact-iff"]
    assert "verified" in rows["median-removal-not-from-median"] and "n <= 64" in rows["median-removal-not-from-median"]
    import json

    entry = {item["id"]: item for item in json.loads(record.read_text())["lemmas"]}["median-removal-not-from-median"]
    assert (entry["coverage"], entry["coverage_every_size"]) == ("n <= 64", False)
    assert entry["coverage_by_check"] == {"explicit-pairs": "n <= 64"}


def test_every_decision_point_of_a_proof_must_be_load_bearing():
    def ignores_its_second_identity() -> bool:
        first = _true_identity()
        is_zero(A - A)  # decided, then dropped from the conclusion
        return first

    verdict = evaluate(_lemma(SympyProof("p", ignores_its_second_identity, "d", coverage=every_size("all p"))))
    control = verdict.evidence[0]["negative_control"]
    assert (control["points"], control["load_bearing"], control["rejected"]) == (2, 1, False)
    assert verdict.status == "open" and "[1] of 2 perturbed alone: they are not load-bearing" in verdict.problems[0]
