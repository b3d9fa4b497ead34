"""Derive a lemma's status by running its checks, and collect the evidence.

Rules (the registry's module docstring defines the statuses; :mod:`theory.checking.guards` the two guards):

1. A lemma with a stored counterexample is ``refuted`` when its check still breaks the *statement* on
   that case. If the case no longer breaks it, the counterexample is stale: a *problem*. If the case
   violates the statement's premises (``premises_met=False``) or breaks only a float64 implementation,
   it refutes nothing: the lemma is ``open`` with a problem.
2. A lemma without checks is ``open``.
3. Otherwise every check runs. A property whose exact or 60-digit evaluation of the statement breaks
   makes the lemma ``refuted`` with the new shrunk counterexample, and a problem (the counterexample
   must be stored in the registry and a corrected lemma written). A sympy proof that does not go
   through is a problem too.
4. A float64 implementation that misses its error model (a ``PropertyCheck`` with ``oracle=False``, or
   a :func:`theory.checking.float_identity` comparison) is an *implementation problem*: it is named,
   with its first failing case, and never refutes; the property goes on exploring the statement.
5. A check with too few cases that met the premises and were not degenerate is *vacuous*
   (:func:`theory.checking.guards.vacuity_floor`): a problem, and no evidence either way.
6. Every passing check runs its *negative control* (:mod:`theory.checking.guards`, issue 19): a sympy proof
   re-run on perturbed identities, all at once and each of its first :data:`SINGLE_POINTS` decision points
   alone (each must be load-bearing), or its explicit perturbed variant, must return False; a property's
   predicate re-run in perturbation mode on up to :data:`NEGATIVE_CASES` cases that supported the
   statement must break on each. A control that is not rejected is a problem: the proof counts as not
   gone through, the property as no evidence. The control is recorded in the check's evidence.
7. With every check passing: ``proved`` if sympy proofs are among them and every one that is not a
   cross-check declares a coverage of every size (:func:`theory.checking.registry.every_size`);
   ``verified`` if the proofs cover fixed sizes only (the sizes are the lemma's coverage), or, without
   proofs, if a non-vacuous mpmath evaluation took part; fuzzing in float64 alone proves and verifies
   nothing (a problem). A sympy proof without a declared coverage is a problem and counts as fixed-size.
   A lemma whose sympy proof did not go through stays ``open``, with the problem reported.
8. A check that evaluated a draft formula of :mod:`theory.checking.formulas` makes the engine compare the
   package's implementation of that formula with it symbolically; a mismatch is an *implementation
   problem* of the lemma (its status stands: the statement was judged from the draft's formula).

Problems make the lemma's pytest case fail: pytest is the proof-checker.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import example, given, settings, target

from theory.checking.guards import (
    COUNT_ONLY,
    FLOOR_RULE,
    comparisons,
    degenerate,
    failure_kind,
    oracle_floor,
    perturbed,
    vacuity_floor,
)
from theory.checking.registry import Check, Lemma, OracleCheck, Outcome, PropertyCheck, SympyProof

__all__ = [
    "Verdict",
    "evaluate",
    "run_check",
    "STATUSES",
    "time_budget",
    "budget_exhausted",
    "NEGATIVE_CASES",
    "SINGLE_POINTS",
    "lemma_coverage",
]

STATUSES = ("proved", "verified", "refuted", "open")

#: How many supporting cases a property's negative control re-runs (the first ones that supported it).
NEGATIVE_CASES = 3
#: How many decision points of a sympy proof its negative control perturbs one at a time (the first ones).
SINGLE_POINTS = 8


@dataclass
class Verdict:
    """The derived status of a lemma, its evidence (one dict per check) and any problems."""

    lemma_id: str
    status: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    coverage: str = ""

    @property
    def ok(self) -> bool:
        """True when the checks reproduced what the registry says (no problems)."""
        return not self.problems


def _sympy_negative_control(check: SympyProof, points: int) -> dict[str, Any]:
    """Re-run the proof on perturbed statements (rule 6): every decision point at once, then each of the first
    :data:`SINGLE_POINTS` of the ``points`` the proof reached alone. ``rejected`` when every run returned False
    (or raised): no run may conclude True from a perturbed identity."""

    def concludes(only: int | None) -> tuple[bool, int, str]:
        try:
            with perturbed(only) as counter:
                return bool(check.prove()), counter[0], ""
        except Exception as error:  # the perturbed statement crashed the argument: it did not conclude
            return False, 0, f"{type(error).__name__}: {error}"

    if check.negative_control is not None:
        try:
            accepted, error = bool(check.negative_control()), ""
        except Exception as exception:
            accepted, error = False, f"{type(exception).__name__}: {exception}"
        detail = (
            "accepted: the perturbed variant returned True"
            if accepted
            else f"rejected: the perturbed variant {'raised ' + error if error else 'returned False'}"
        )
        return {
            "kind": "explicit perturbed variant",
            "rejected": not accepted,
            "points": points,
            "load_bearing": None,
            "detail": detail,
        }
    accepted, reached, error = concludes(None)
    alone = range(min(points, SINGLE_POINTS))
    not_bearing = [index for index in alone if concludes(index)[0]]
    if accepted:
        detail = f"accepted: the proof returned True with all {reached} decision point(s) perturbed"
    elif not_bearing:
        detail = (
            f"accepted: the proof returned True with decision point(s) {not_bearing} of {points} perturbed "
            "alone: they are not load-bearing"
        )
    else:
        detail = (
            f"rejected: the proof returned False with every decision point perturbed"
            f"{' (raised ' + error + ')' if error else ''}, and with each of {len(alone)} of {points} alone"
        )
    return {
        "kind": "perturbed identities (one term doubled)",
        "rejected": not accepted and not not_bearing,
        "points": points,
        "load_bearing": len(alone) - len(not_bearing),
        "detail": detail,
    }


def _run_sympy(check: SympyProof) -> dict[str, Any]:
    started = time.perf_counter()
    points = 0
    try:
        with perturbed(COUNT_ONLY) as counter:  # counts the decision points reached, perturbs none
            passed = bool(check.prove())
        points, detail = counter[0], check.description
    except Exception as error:  # a proof that crashes did not go through
        passed, detail = False, f"{check.description} -- raised {type(error).__name__}: {error}"
    coverage = check.coverage
    record = {
        "check": check.name,
        "kind": "sympy",
        "passed": passed,
        "detail": detail,
        "coverage": coverage.text if coverage else None,
        "every_size": bool(coverage and coverage.every_size),
        "cross_check": check.cross_check,
    }
    if passed:
        record["negative_control"] = _sympy_negative_control(check, points)
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


_DEADLINE: list[float] = []  # perf_counter() time after which properties stop drawing (innermost last)


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, Hypothesis properties stop evaluating cases once ``seconds`` have passed.

    The cases Hypothesis still draws are counted as ``skipped_for_budget`` in the evidence; the vacuity
    floor applies to the cases that ran. ``None`` means no budget.
    """
    if seconds is None:
        yield
        return
    if seconds <= 0:
        raise ValueError(f"the time budget must be a positive number of seconds, got {seconds}")
    _DEADLINE.append(time.perf_counter() + float(seconds))
    try:
        yield
    finally:
        _DEADLINE.pop()


def budget_exhausted() -> bool:
    """Whether the innermost :func:`time_budget` has run out."""
    return bool(_DEADLINE) and time.perf_counter() >= _DEADLINE[-1]


def _outcome_of(predicate: Any, case: Any, float64_only: bool) -> tuple[Outcome, str | None]:
    """Run a predicate on a case; the outcome and, when it fails, what failed ("statement" or "implementation")."""
    with comparisons() as ledger:
        outcome = predicate(case)
    if outcome.holds or not outcome.premises_met:
        return outcome, None
    return outcome, failure_kind(ledger, float64_only)


def _tally(stats: dict[str, Any], case: Any, outcome: Outcome, failed: str | None) -> bool:
    """Count one evaluated case in ``stats``; True when the case supports the statement (see theory.checking.guards)."""
    stats["examples"] += 1
    if not outcome.premises_met:
        stats["premises_violated"] += 1
        return False
    if failed == "implementation":
        stats["implementation_failures"] += 1
        if stats["implementation_failing"] is None:
            stats["implementation_failing"] = {"case": dict(case), "detail": outcome.detail}
        return False
    score = float(outcome.score) if outcome.score == outcome.score else float("inf")
    if score >= stats["worst_score"]:
        stats["worst_score"], stats["worst_case"] = score, dict(case)
    if degenerate(case):
        stats["degenerate"] += 1
        return False
    if failed is None:
        stats["supporting"] += 1
    return True


def _new_stats() -> dict[str, Any]:
    return {
        "examples": 0,
        "supporting": 0,
        "premises_violated": 0,
        "degenerate": 0,
        "implementation_failures": 0,
        "implementation_failing": None,
        "worst_score": 0.0,
        "worst_case": None,
        "skipped_for_budget": 0,
    }


def _run_oracle(check: OracleCheck) -> dict[str, Any]:
    started = time.perf_counter()
    stats = _new_stats()
    failing = None
    supporting: list[dict[str, Any]] = []
    for case in check.cases():
        outcome, failed = _outcome_of(check.predicate, case, float64_only=False)
        if _tally(stats, case, outcome, failed) and failed is None and len(supporting) < NEGATIVE_CASES:
            supporting.append(dict(case))
        if failed == "statement" and failing is None:
            failing = {"case": dict(case), "detail": outcome.detail}
    cases = stats.pop("examples")
    floor = oracle_floor(cases)
    record = {
        "check": check.name,
        "kind": "mpmath",
        "passed": failing is None,
        "cases": cases,
        **stats,
        "vacuity_floor": floor,
        "vacuous": stats["supporting"] < floor and failing is None,
        "detail": check.description,
        "failing": failing,
    }
    if record["passed"] and supporting:
        record["negative_control"] = _property_negative_control(check, supporting, float64_only=False)
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


def _property_negative_control(
    check: PropertyCheck | OracleCheck, cases: list[dict[str, Any]], float64_only: bool
) -> dict[str, Any]:
    """Re-run the predicate (or the explicit perturbed one) on supporting cases in perturbation mode (rule 6):
    ``rejected`` when the outcome broke, inside the premises, on every one of them."""
    explicit = check.negative_control is not None
    predicate = check.negative_control if explicit else check.predicate
    rejected, reached, accepted = 0, 0, None
    for case in cases:
        try:
            with perturbed() as counter:
                outcome, _ = _outcome_of(predicate, case, float64_only)
            reached += counter[0]
            broke = not outcome.holds and outcome.premises_met
            detail = outcome.detail
        except Exception as error:  # the perturbed statement crashed the evaluation: it did not pass
            broke, detail = True, f"raised {type(error).__name__}: {error}"
        if broke:
            rejected += 1
        elif accepted is None:
            accepted = {"case": case, "detail": detail}
    kind = "explicit perturbed predicate" if explicit else "perturbed comparisons (gap widened by twice the tolerance)"
    return {
        "kind": kind,
        "cases": len(cases),
        "rejected_cases": rejected,
        "rejected": rejected == len(cases),
        "perturbed": reached,
        "accepted": accepted,
        "detail": f"{rejected} of {len(cases)} supporting case(s) rejected, {reached} comparison(s) perturbed",
    }


def _run_property(check: PropertyCheck) -> dict[str, Any]:
    """Run a Hypothesis property under the current settings profile and summarise it."""
    started = time.perf_counter()
    stats = _new_stats()
    failures: list[tuple[dict[str, Any], Outcome]] = []
    supporting: list[dict[str, Any]] = []

    def body(case: dict[str, Any]) -> None:
        if budget_exhausted():
            stats["skipped_for_budget"] += 1
            return
        outcome, failed = _outcome_of(check.predicate, case, float64_only=not check.oracle)
        # climb toward breaking the statement from supporting cases only: a degenerate best case would
        # pull the search toward more degenerate cases
        if _tally(stats, case, outcome, failed):
            target(
                min(float(outcome.score) if outcome.score == outcome.score else float("inf"), 1e300), label=check.name
            )
            if failed is None and len(supporting) < NEGATIVE_CASES:
                supporting.append(dict(case))
        if failed == "statement":
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
    floor = vacuity_floor(stats["examples"])
    default = settings.default
    assert default is not None  # None only while hypothesis itself is being imported
    record = {
        "check": check.name,
        "kind": "hypothesis",
        "passed": passed,
        **stats,
        "max_examples": default.max_examples,
        "ranges": check.ranges,
        "oracle": check.oracle,
        "vacuity_floor": floor,
        "vacuous": passed and stats["supporting"] < floor,
        "failing": failing,
    }
    if passed and supporting:
        record["negative_control"] = _property_negative_control(check, supporting, float64_only=not check.oracle)
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


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
    float64_only = isinstance(check, PropertyCheck) and not check.oracle
    outcome, failed = _outcome_of(check.predicate, counterexample.case, float64_only)
    evidence = {
        "check": check.name,
        "kind": "counterexample",
        "reproduced": failed == "statement",
        "premises_met": outcome.premises_met,
        "failure": failed,
        "case": dict(counterexample.case),
        "detail": outcome.detail,
        "found_by": counterexample.found_by,
    }
    verdict = Verdict(lemma.id, "refuted", [evidence], dict(counterexample.case))
    if not outcome.premises_met:
        verdict.status = "open"
        verdict.problems.append(
            f"{lemma.id}: the stored counterexample violates the statement's premises ({outcome.detail}), so it "
            "refutes nothing: find one inside the premises, or remove it"
        )
    elif failed == "implementation":
        verdict.status = "open"
        verdict.problems.append(
            f"{lemma.id}: implementation problem: the stored counterexample breaks only the float64 implementation "
            f"checked by {check.name!r} ({outcome.detail}), not the statement; fix the implementation or its error "
            "model, and remove the counterexample"
        )
    elif outcome.holds:
        verdict.problems.append(
            f"{lemma.id}: the stored counterexample no longer breaks check {check.name!r} ({outcome.detail}); "
            "the claim may now hold: re-examine it and remove the counterexample"
        )
    return verdict


def _guard_problems(lemma: Lemma, record: dict[str, Any]) -> list[str]:
    """Vacuity and implementation problems of one check's evidence (see theory.checking.guards)."""
    problems = []
    if record.get("vacuous"):
        ran = record.get("examples", record.get("cases"))
        problems.append(
            f"{lemma.id}: check {record['check']!r} is vacuous: only {record['supporting']} of {ran} cases met the "
            f"premises and were not degenerate ({record['premises_violated']} outside the premises, "
            f"{record['degenerate']} degenerate); the floor is {record['vacuity_floor']} "
            f"({FLOOR_RULE if record['kind'] == 'hypothesis' else 'half of the hand-chosen cases'}): fix the strategy"
        )
    control = record.get("negative_control")
    if control is not None and not control["rejected"]:
        if record["kind"] == "sympy":
            problems.append(
                f"{lemma.id}: sympy proof {record['check']!r} accepted its negative control ({control['kind']}: "
                f"{control['detail']}): it cannot fail, so it proves nothing; route its conclusions through "
                "theory.checking.building_blocks.is_zero / is_zero_matrix / is_nonzero, or give a negative_control"
            )
        else:
            accepted = control["accepted"] or {}
            problems.append(
                f"{lemma.id}: check {record['check']!r} accepted its negative control ({control['kind']}: "
                f"{control['detail']}; first accepted {accepted.get('case')}: {accepted.get('detail')}): its verdict "
                "does not depend on the statement; decide it with compare / distinct, or give a negative_control"
            )
    if record["kind"] == "sympy" and record["passed"] and record.get("coverage") is None:
        problems.append(
            f"{lemma.id}: sympy proof {record['check']!r} declares no coverage: give it "
            "coverage=every_size(...) or fixed_sizes(...) (counted as fixed sizes until then)"
        )
    if record.get("implementation_failures"):
        failing = record["implementation_failing"]
        problems.append(
            f"{lemma.id}: implementation problem in check {record['check']!r}: the float64 implementation missed its "
            f"error model on {record['implementation_failures']} case(s), first {failing['case']} "
            f"({failing['detail']}); this says nothing about the statement: fix the implementation"
        )
    return problems


def _control_failed(record: dict[str, Any]) -> bool:
    control = record.get("negative_control")
    return control is not None and not control["rejected"]


def lemma_coverage(lemma: Lemma, evidence: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The sizes the lemma's checks cover: ``text`` (the proofs' declared coverages, cross-checks aside; for a
    lemma checked without a proof, "sampled: " and the ranges drawn), ``every_size`` (every proof that is not a
    cross-check covers every size) and ``by_check`` (one text per check)."""
    by_check: dict[str, str] = {}
    for check in lemma.checks:
        if isinstance(check, SympyProof):
            by_check[check.name] = (check.coverage.text if check.coverage else "undeclared") + (
                " (cross-check)" if check.cross_check else ""
            )
        elif isinstance(check, PropertyCheck):
            by_check[check.name] = f"sampled: {check.ranges}"
        else:
            by_check[check.name] = f"chosen cases: {check.description}"
    proofs = [check for check in lemma.checks if isinstance(check, SympyProof)]
    main = [check for check in proofs if not check.cross_check] or proofs
    if main:
        text = "; ".join(dict.fromkeys(check.coverage.text if check.coverage else "undeclared" for check in main))
    elif lemma.checks:
        text = "sampled: " + "; ".join(dict.fromkeys(by_check.values())).replace("sampled: ", "")
    else:
        text = ""
    every = bool(main) and all(check.coverage is not None and check.coverage.every_size for check in main)
    return {"text": text, "every_size": every, "by_check": by_check}


def evaluate(lemma: Lemma) -> Verdict:
    """Run the lemma's checks (under the current Hypothesis profile) and derive its status."""
    coverage = lemma_coverage(lemma)["text"]
    if lemma.counterexample is not None:
        verdict = _reproduce(lemma)
        verdict.coverage = coverage
        return verdict
    if not lemma.checks:
        return Verdict(lemma.id, "open")
    from theory.checking.formulas import formulas_used, implementation_problems

    with formulas_used() as used:
        evidence = [run_check(check) for check in lemma.checks]
    verdict = Verdict(lemma.id, "open", evidence, coverage=coverage)
    broken = [record for record in evidence if record["kind"] != "sympy" and not record["passed"]]
    for record in evidence:
        if record["kind"] == "sympy" and not record["passed"]:
            verdict.problems.append(
                f"{lemma.id}: sympy proof {record['check']!r} did not go through: {record['detail']}"
            )
        verdict.problems += _guard_problems(lemma, record)
    verdict.problems += [f"{lemma.id}: {problem}" for problem in implementation_problems(used)]
    if broken:
        verdict.status = "refuted"
        verdict.counterexample = broken[0]["failing"]["case"]
        verdict.problems.append(
            f"{lemma.id}: check {broken[0]['check']!r} found a counterexample {verdict.counterexample} "
            f"({broken[0]['failing']['detail']}). Store it as the lemma's counterexample and write the corrected lemma."
        )
        return verdict
    proofs = [record for record in evidence if record["kind"] == "sympy"]
    main = [record for record in proofs if not record.get("cross_check")] or proofs
    # evidence for the statement: a passing check that is not vacuous, whose negative control was rejected,
    # and that evaluated the statement exactly or at 60 digits
    high_precision = [
        record
        for record in evidence
        if record["kind"] != "sympy"
        and not record.get("vacuous")
        and not _control_failed(record)
        and (record["kind"] == "mpmath" or record.get("oracle"))
    ]
    if any(not record["passed"] or _control_failed(record) for record in proofs):
        verdict.status = "open"  # a proof that did not go through, or cannot fail, establishes nothing
    elif proofs:
        verdict.status = "proved" if all(record.get("every_size") for record in main) else "verified"
    elif high_precision:
        verdict.status = "verified"
    elif not any(record.get("vacuous") or _control_failed(record) for record in evidence):
        verdict.problems.append(f"{lemma.id}: only float64 fuzzing ran; add an mpmath oracle or a sympy proof")
    return verdict
