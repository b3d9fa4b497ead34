"""Derive a lemma's status by running its checks, and collect the evidence.

Rules (the registry's module docstring defines the statuses):

1. A lemma with a stored counterexample is ``refuted`` when its check still breaks on that case.
   If the case no longer breaks the statement the counterexample is stale: a *problem*.
2. A lemma without checks is ``open``.
3. Otherwise every check runs. A property that Hypothesis breaks makes the lemma ``refuted`` with
   the new shrunk counterexample, and a problem (the counterexample must be stored in the registry
   and a corrected lemma written). A sympy proof that does not go through is a problem too.
4. With every check passing: ``proved`` if a sympy proof is among them, else ``verified`` if an
   mpmath evaluation took part; fuzzing in float64 alone proves and verifies nothing (a problem).
   A lemma whose sympy proof did not go through stays ``open``, with the problem reported.

Problems make the lemma's pytest case fail: pytest is the proof-checker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import example, given, settings, target

from theory.registry import Check, Lemma, OracleCheck, Outcome, PropertyCheck, SympyProof

__all__ = ["Verdict", "evaluate", "run_check", "STATUSES"]

STATUSES = ("proved", "verified", "refuted", "open")


@dataclass
class Verdict:
    """The derived status of a lemma, its evidence (one dict per check) and any problems."""

    lemma_id: str
    status: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the checks reproduced what the registry says (no problems)."""
        return not self.problems


def _run_sympy(check: SympyProof) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        passed = bool(check.prove())
        detail = check.description
    except Exception as error:  # a proof that crashes did not go through
        passed, detail = False, f"{check.description} -- raised {type(error).__name__}: {error}"
    return {"check": check.name, "kind": "sympy", "passed": passed, "detail": detail,
            "seconds": round(time.perf_counter() - started, 3)}


def _run_oracle(check: OracleCheck) -> dict[str, Any]:
    started = time.perf_counter()
    cases, worst, worst_case, failing = 0, 0.0, None, None
    for case in check.cases():
        outcome = check.predicate(case)
        cases += 1
        if outcome.score >= worst:
            worst, worst_case = outcome.score, dict(case)
        if not outcome.holds and failing is None:
            failing = {"case": dict(case), "detail": outcome.detail}
    return {"check": check.name, "kind": "mpmath", "passed": failing is None, "cases": cases,
            "worst_score": worst, "worst_case": worst_case, "detail": check.description,
            "failing": failing, "seconds": round(time.perf_counter() - started, 3)}


def _run_property(check: PropertyCheck) -> dict[str, Any]:
    """Run a Hypothesis property under the current settings profile and summarise it."""
    started = time.perf_counter()
    stats: dict[str, Any] = {"examples": 0, "worst_score": 0.0, "worst_case": None}
    failures: list[tuple[dict[str, Any], Outcome]] = []

    def body(case: dict[str, Any]) -> None:
        outcome = check.predicate(case)
        stats["examples"] += 1
        score = float(outcome.score) if outcome.score == outcome.score else float("inf")
        if score >= stats["worst_score"]:
            stats["worst_score"], stats["worst_case"] = score, dict(case)
        target(min(score, 1e300), label=check.name)
        if not outcome.holds:
            failures.append((dict(case), outcome))
            raise AssertionError(f"{check.name} broken: {outcome.detail}")

    test = given(check.strategy)(body)
    for case in reversed(check.examples):
        test = example(case)(test)
    test = settings(settings.default, deadline=None)(test)
    passed = True
    try:
        test()
    except (AssertionError, hypothesis.errors.HypothesisException) as error:
        passed = False
        if not failures:
            failures.append(({}, Outcome(False, detail=f"{type(error).__name__}: {error}")))
    failing = None
    if failures:
        case, outcome = failures[-1]  # Hypothesis replays the shrunk example last
        failing = {"case": case, "detail": outcome.detail}
    return {"check": check.name, "kind": "hypothesis", "passed": passed, "examples": stats["examples"],
            "max_examples": settings.default.max_examples, "ranges": check.ranges, "oracle": check.oracle,
            "worst_score": stats["worst_score"], "worst_case": stats["worst_case"], "failing": failing,
            "seconds": round(time.perf_counter() - started, 3)}


def run_check(check: Check) -> dict[str, Any]:
    """Run one check and return its evidence record."""
    if isinstance(check, SympyProof):
        return _run_sympy(check)
    if isinstance(check, OracleCheck):
        return _run_oracle(check)
    return _run_property(check)


def _reproduce(lemma: Lemma) -> Verdict:
    counterexample = lemma.counterexample
    assert counterexample is not None
    check = lemma.check(counterexample.check)
    if isinstance(check, SympyProof):
        raise TypeError(f"lemma {lemma.id}: a counterexample must belong to a property or oracle check")
    outcome = check.predicate(counterexample.case)
    evidence = {"check": check.name, "kind": "counterexample", "reproduced": not outcome.holds,
                "case": dict(counterexample.case), "detail": outcome.detail, "found_by": counterexample.found_by}
    verdict = Verdict(lemma.id, "refuted", [evidence], dict(counterexample.case))
    if outcome.holds:
        verdict.problems.append(
            f"{lemma.id}: the stored counterexample no longer breaks check {check.name!r} ({outcome.detail}); "
            "the claim may now hold: re-examine it and remove the counterexample"
        )
    return verdict


def evaluate(lemma: Lemma) -> Verdict:
    """Run the lemma's checks (under the current Hypothesis profile) and derive its status."""
    if lemma.counterexample is not None:
        return _reproduce(lemma)
    if not lemma.checks:
        return Verdict(lemma.id, "open")
    evidence = [run_check(check) for check in lemma.checks]
    verdict = Verdict(lemma.id, "open", evidence)
    broken = [record for record in evidence if record["kind"] != "sympy" and not record["passed"]]
    for record in evidence:
        if record["kind"] == "sympy" and not record["passed"]:
            verdict.problems.append(f"{lemma.id}: sympy proof {record['check']!r} did not go through: {record['detail']}")
    if broken:
        verdict.status = "refuted"
        verdict.counterexample = broken[0]["failing"]["case"]
        verdict.problems.append(
            f"{lemma.id}: check {broken[0]['check']!r} found a counterexample {verdict.counterexample} "
            f"({broken[0]['failing']['detail']}). Store it as the lemma's counterexample and write the corrected lemma."
        )
        return verdict
    if verdict.problems:  # a proof that did not go through leaves the lemma unestablished
        verdict.status = "open"
    elif any(record["kind"] == "sympy" for record in evidence):
        verdict.status = "proved"
    elif any(record["kind"] == "mpmath" or record.get("oracle") for record in evidence):
        verdict.status = "verified"
    else:
        verdict.problems.append(f"{lemma.id}: only float64 fuzzing ran; add an mpmath oracle or a sympy proof")
    return verdict
