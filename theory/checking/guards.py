r"""What a check's evidence is worth: the vacuity guard, and statement failures vs implementation failures.

**Vacuity guard** (issue 9, item 4). A drawn case *supports* a statement only when

* its :class:`~theory.checking.registry.Outcome` has ``premises_met=True`` (the predicate says the case is inside
  the statement's premises), and
* it is not *degenerate* by :func:`degenerate`: a case that holds vectors, every one of them all zero
  (nested lists included). This generic detector guards every existing lemma without rewriting it; a
  lemma with a narrower notion of degeneracy says so with ``premises_met=False``.

A check is *vacuous* when fewer cases supported it than :func:`vacuity_floor` asks:

* a Hypothesis property: at least ``VACUITY_FRACTION`` (one half) of the examples it ran, and at least
  ``MIN_SUPPORTING`` (5, or every example when fewer ran). Per profile (``theory.checking.profiles``): dev runs up
  to 40 examples per property (floor 20), ci 60 (floor 30), thorough 10,000 (floor 5,000);
* an mpmath :class:`~theory.checking.registry.OracleCheck`: at least half of its hand-chosen cases, and at least one.

A vacuous check is a *problem* (``verify`` fails, the pytest case fails) and establishes nothing: it
neither passes nor refutes. A case with ``premises_met=False`` also refutes nothing, even when its
outcome does not hold. Degeneracy only lowers the count of supporting cases: a degenerate case that
meets the premises and breaks the statement still refutes it (the detector must never hide a
counterexample the statement does not exclude).

**Implementation vs mathematics** (issue 9, item 5). A predicate may compare a float64 implementation
with the exact value of the statement (:func:`theory.checking.float_identity`): such a comparison tests the
*implementation* against its error model, not the statement. Every comparison made while a predicate
runs is written to a ledger (:func:`comparisons`, :func:`record_comparison`); when an outcome fails,
:func:`failure_kind` attributes the failure:

* ``"implementation"`` when the check evaluates only float64 (``PropertyCheck(oracle=False)``), or when
  every failing comparison recorded was an implementation comparison;
* ``"statement"`` otherwise (an exact or 60-digit evaluation of the statement broke it).

Only a statement failure can make a lemma ``refuted``. An implementation failure is a problem that names
the implementation and the case; the check goes on exploring the statement (:mod:`theory.checking.status`).

**Negative controls** (issue 19, item 1). A check that cannot fail is no check. :func:`perturbed` switches on
*perturbation mode* for a block: the engine (:mod:`theory.checking.status`) re-runs a passing proof, or a
property's predicate on cases that supported it, inside that block, and every decision point of
:mod:`theory.checking.building_blocks` then decides a perturbed statement instead of the real one
(an identity with one term doubled, a comparison with its gap widened by twice its tolerance, a
"differs" claim with both sides made equal). The check must reject the perturbed statement; one that
still passes never ran its "no" path, and is a problem. :func:`perturb_here` counts the decision points
reached, so the evidence says how many the control reached; ``perturbed(only=k)`` perturbs the k-th alone,
with which the engine checks that every decision point of a sympy proof is load-bearing (perturbing it
alone makes the proof fail).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = [
    "VACUITY_FRACTION",
    "MIN_SUPPORTING",
    "ORACLE_FRACTION",
    "vacuity_floor",
    "oracle_floor",
    "degenerate",
    "Comparison",
    "comparisons",
    "record_comparison",
    "failure_kind",
    "FLOOR_RULE",
    "perturbed",
    "perturbing",
    "perturb_here",
    "COUNT_ONLY",
]

#: Fraction of a property's examples that must support the statement.
VACUITY_FRACTION = 0.5
#: Fewest supporting examples a property needs (or all of them, when fewer ran).
MIN_SUPPORTING = 5
#: Fraction of an OracleCheck's hand-chosen cases that must support the statement (at least one).
ORACLE_FRACTION = 0.5
#: The floor in words, for problems and the record.
FLOOR_RULE = (
    f"at least {VACUITY_FRACTION:.0%} of the examples run and at least {MIN_SUPPORTING} "
    "must meet the premises and not be degenerate"
)


def vacuity_floor(examples: int) -> int:
    """Fewest supporting cases a Hypothesis property that ran ``examples`` examples needs."""
    if examples <= 0:
        return 1  # a property that ran nothing is vacuous
    return max(math.ceil(VACUITY_FRACTION * examples), min(MIN_SUPPORTING, examples))


def oracle_floor(cases: int) -> int:
    """Fewest supporting cases an OracleCheck with ``cases`` hand-chosen cases needs."""
    return max(1, math.ceil(ORACLE_FRACTION * cases))


def _zero_leaf(value: Any) -> bool | None:
    """True / False for a number (zero or not); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value == 0
    try:  # mpmath, numpy and sympy numbers
        return bool(value == 0) if hasattr(value, "__float__") else None
    except (TypeError, ValueError):
        return None


def _vectors(value: Any) -> Iterator[list | tuple]:
    """The outermost lists and tuples in a case (inside nested dicts too)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _vectors(item)
    elif isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        yield value.tolist() if hasattr(value, "tolist") else value


def _all_zero(vector: Any) -> bool:
    if isinstance(vector, (list, tuple)):
        return all(_all_zero(entry) for entry in vector)
    if isinstance(vector, Mapping):
        return all(_all_zero(entry) for entry in vector.values())
    return _zero_leaf(vector) is True


def degenerate(case: Any) -> bool:
    """Whether a case holds at least one vector and every vector of it is all zero (see module docstring)."""
    vectors = list(_vectors(case))
    return bool(vectors) and all(_all_zero(vector) for vector in vectors)


@dataclass(frozen=True)
class Comparison:
    """One comparison made while a predicate ran: float64 implementation vs exact, or the statement's own."""

    implementation: bool
    holds: bool
    detail: str = ""


_LEDGER: ContextVar[list[Comparison] | None] = ContextVar("noncommute_comparisons", default=None)


def record_comparison(implementation: bool, holds: bool, detail: str = "") -> None:
    """Write a comparison to the ledger of the predicate that is running (no-op outside :func:`comparisons`)."""
    ledger = _LEDGER.get()
    if ledger is not None:
        ledger.append(Comparison(bool(implementation), bool(holds), detail))


@contextlib.contextmanager
def comparisons() -> Iterator[list[Comparison]]:
    """Collect the comparisons made inside the block (a fresh ledger; nesting restores the outer one)."""
    ledger: list[Comparison] = []
    token = _LEDGER.set(ledger)
    try:
        yield ledger
    finally:
        _LEDGER.reset(token)


def failure_kind(ledger: list[Comparison], float64_only: bool) -> str:
    """``"implementation"`` or ``"statement"``: what a failing outcome says is wrong (module docstring)."""
    if float64_only:
        return "implementation"
    failing = [comparison for comparison in ledger if not comparison.holds]
    if failing and all(comparison.implementation for comparison in failing):
        return "implementation"
    return "statement"


_PERTURBATIONS: ContextVar[list[int] | None] = ContextVar("noncommute_perturbations", default=None)

#: ``perturbed(only=COUNT_ONLY)`` counts the decision points a run reaches and perturbs none of them.
COUNT_ONLY = -1


@contextlib.contextmanager
def perturbed(only: int | None = None) -> Iterator[list[int]]:
    """Perturbation mode for the block (see the module docstring); yields a one-item list counting the
    decision points reached so far. ``only=k`` perturbs the k-th decision point reached (from 0) and no other,
    ``only=COUNT_ONLY`` none (a counting run); ``None`` perturbs every one. Nesting restores the outer mode."""
    counter: list[Any] = [0, only]  # [decision points reached, only]: the count is the int callers read
    token = _PERTURBATIONS.set(counter)
    try:
        yield counter
    finally:
        _PERTURBATIONS.reset(token)


def perturbing() -> bool:
    """Whether a negative control (or its counting run) is running."""
    return _PERTURBATIONS.get() is not None


def perturb_here() -> bool:
    """Called by a decision point: counts it, and says whether it must decide the perturbed statement
    (always False outside :func:`perturbed`)."""
    counter = _PERTURBATIONS.get()
    if counter is None:
        return False
    index, only = counter[0], counter[1]
    counter[0] += 1
    return only is None or index == only
