"""The verification run and its JSON record (``python -m theory verify``).

A *verification record* is what ``list``, ``show``, the catalog, the LaTeX export and ``cite-check`` read.
``python -m theory verify`` writes it under ``results/`` (default :data:`DEFAULT_RECORD`,
``results/verification.json``, git-ignored), so running the checks never dirties the tree; only
``python -m theory export`` writes the tracked copy :data:`TRACKED_RECORD` (``docs/verification.json``,
profile ``ci``) and, with ``--thorough``, :data:`THOROUGH_RECORD` (``docs/verification-thorough.json``).
It holds

* ``provenance``: :func:`theory.support.provenance.provenance` (git commit, package versions, machine, time);
* ``profile``: the Hypothesis profile's name and settings (``max_examples``, ``derandomize``, ...);
* ``registry``: the lemma ids checked and ``source_sha256``, a hash of the ``theory`` sources that
  decide a status (every module except the command line and exports);
* ``lemmas``: one entry per lemma: its registry data, the derived ``status``, ``ok``, ``problems``,
  ``counterexample`` (stored or newly found, else null), whether a stored counterexample was
  reproduced, the evidence of every check (:mod:`theory.checking.status`; each passing check's
  ``negative_control`` in it) and a one-line evidence summary, and ``coverage``: the sizes its checks
  cover in words ("all p", "p <= 4"; :func:`theory.checking.status.lemma_coverage`), with
  ``coverage_every_size`` (whether that is every size the statement quantifies over: "proved" needs
  it) and ``coverage_by_check`` (one text per check), for ``list`` and the catalog, LaTeX and annotate.

When may a record stand in for running the checks (``list``, ``show``)? The git commit changes
whenever anything is committed (the record itself included), so it cannot decide; the record is
*fresh* when its ``source_sha256`` equals the hash of the current sources: then every status in it
is what the checks would derive now, under its profile. A stale record is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import settings

from theory.checking.links import measured_by
from theory.checking.profiles import PROFILES, load_profile, register_profiles
from theory.checking.registry import Lemma, OracleCheck, PropertyCheck, SympyProof, registry
from theory.checking.status import budget_exhausted, evaluate, lemma_coverage, time_budget
from theory.support.provenance import provenance

__all__ = [
    "DEFAULT_RECORD",
    "TRACKED_RECORD",
    "THOROUGH_RECORD",
    "default_record",
    "json_safe",
    "source_fingerprint",
    "using_profile",
    "profile_settings",
    "check_description",
    "format_score",
    "evidence_summary",
    "lemma_entry",
    "evaluate_lemmas",
    "run_verification",
    "merge_records",
    "write_record",
    "read_record",
    "record_is_fresh",
    "resolve_entries",
    "status_counts",
]

DEFAULT_RECORD = Path("results") / "verification.json"
TRACKED_RECORD = Path("docs") / "verification.json"
THOROUGH_RECORD = Path("docs") / "verification-thorough.json"
RECORD_SCHEMA = 1
# modules that present statuses but do not decide them: editing them keeps a record fresh
# relative to theory/: the command line, the record writer and the paper tools decide no status
_PRESENTATION_MODULES = frozenset(
    {"__main__.py", "cli.py", "threads.py", "checking/verify.py", "support/figure_style.py"}
)
_PRESENTATION_PACKAGES = ("paper/",)
_STATUS_DECIDING_PAPER_MODULES = frozenset({"paper/lemma_graph.py"})  # derived graph statuses
_LONG_VECTOR = 8  # worst cases (not counterexamples) with longer vectors are abbreviated in the record


# ----------------------------------------------------------------------------- JSON and fingerprints
def json_safe(value: Any) -> Any:
    """A strict-JSON copy of ``value``: non-finite floats and unknown objects become strings."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    return str(value)


def _abbreviate(case: Any) -> Any:
    """A worst case with long vectors replaced by their length, first entries and largest magnitude."""
    if not isinstance(case, dict):
        return case
    short: dict[str, Any] = {}
    for key, value in case.items():
        if isinstance(value, (list, tuple)) and len(value) > _LONG_VECTOR:
            numbers = [abs(v) for v in value if isinstance(v, (int, float))]
            short[key] = {
                "abbreviated": True,
                "length": len(value),
                "head": list(value[:4]),
                "max_abs": max(numbers) if numbers else None,
            }
        else:
            short[key] = value
    return short


def source_fingerprint() -> str:
    """SHA-256 of the ``theory`` modules that decide statuses (all but the command line and exports)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        presentation = relative in _PRESENTATION_MODULES or (
            relative.startswith(_PRESENTATION_PACKAGES) and relative not in _STATUS_DECIDING_PAPER_MODULES
        )
        if presentation or "__pycache__" in relative:
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# ----------------------------------------------------------------------------- profiles
@contextlib.contextmanager
def using_profile(name: str | None) -> Iterator[str]:
    """Load a Hypothesis profile (default :func:`default_profile_name`) and restore the previous one after."""
    previous = settings.get_current_profile_name()
    loaded = load_profile(name)
    try:
        yield loaded
    finally:
        settings.load_profile(previous)


def profile_settings(name: str) -> dict[str, Any]:
    """The profile's name and the settings that decide how hard the search was."""
    if name not in PROFILES:
        raise ValueError(f"unknown Hypothesis profile {name!r}; choose one of {sorted(PROFILES)}")
    register_profiles()
    chosen = settings.get_profile(name)
    return {
        "name": name,
        "max_examples": chosen.max_examples,
        "derandomize": chosen.derandomize,
        "deadline": json_safe(chosen.deadline),
        "database": None if chosen.database is None else type(chosen.database).__name__,
        "suppress_health_check": [check.name for check in chosen.suppress_health_check],
    }


# ----------------------------------------------------------------------------- per-lemma entries
def check_description(check: SympyProof | PropertyCheck | OracleCheck) -> str:
    """What a check does, in one sentence."""
    if isinstance(check, SympyProof):
        coverage = check.coverage.text if check.coverage else "coverage undeclared"
        role = "cross-check, " if check.cross_check else ""
        return f"sympy proof ({role}{coverage}): {check.description}"
    if isinstance(check, OracleCheck):
        return f"mpmath evaluation on chosen hard cases: {check.description}"
    oracle = "evaluated with the mpmath oracle" if check.oracle else "float64 only"
    regressions = f"; {len(check.examples)} stored @example case(s)" if check.examples else ""
    return f"Hypothesis property over {check.ranges}; {oracle}{regressions}"


def format_score(value: Any) -> str:
    """A worst score (error over tolerance) in three significant digits; strings ("inf") as they are."""
    return f"{value:.3g}" if isinstance(value, (int, float)) else str(value)


def _guard_words(record: dict[str, Any]) -> str:
    """How many cases supported the statement, against the vacuity floor (theory.checking.guards)."""
    return f"{record.get('supporting')} supporting, floor {record.get('vacuity_floor')}"


def _verdict_words(record: dict[str, Any]) -> str:
    words = "" if record.get("passed") else ", BROKEN"
    control = record.get("negative_control")
    if control is not None:
        words += (
            f", negative control rejected on {control['cases']}"
            if control["rejected"]
            else f", NEGATIVE CONTROL ACCEPTED ({control['detail']})"
        )
    if record.get("vacuous"):
        words += ", VACUOUS"
    if record.get("implementation_failures"):
        words += f", IMPLEMENTATION PROBLEM on {record['implementation_failures']} case(s)"
    return words


def evidence_summary(evidence: Sequence[dict[str, Any]]) -> str:
    """One line per record: examples, worst score (error over tolerance), passed or not."""
    parts = []
    for record in evidence:
        name, kind = record.get("check", "?"), record.get("kind")
        if kind == "sympy":
            control = record.get("negative_control")
            words = (
                ""
                if control is None
                else (", negative control rejected" if control["rejected"] else ", NEGATIVE CONTROL ACCEPTED")
            )
            parts.append(
                f"{name}: sympy proof {'went through' if record.get('passed') else 'FAILED'}"
                f" ({record.get('coverage') or 'coverage undeclared'}){words}"
            )
        elif kind == "counterexample":
            reproduced = "reproduced" if record.get("reproduced") else "NOT reproduced"
            parts.append(f"{name}: stored counterexample {reproduced}")
        elif kind == "hypothesis":
            oracle = ", mpmath oracle" if record.get("oracle") else ", float64 only"
            parts.append(
                f"{name}: {record.get('examples')} Hypothesis examples ({_guard_words(record)}){oracle}, "
                f"worst score {format_score(record.get('worst_score'))}{_verdict_words(record)}"
            )
        elif kind == "mpmath":
            parts.append(
                f"{name}: {record.get('cases')} mpmath cases ({_guard_words(record)}), "
                f"worst score {format_score(record.get('worst_score'))}{_verdict_words(record)}"
            )
        else:
            parts.append(f"{name}: {record.get('detail', kind)}")
    return "; ".join(parts) if parts else "no checks: not checkable here"


def lemma_entry(
    lemma: Lemma,
    status: str,
    evidence: list[dict[str, Any]],
    problems: list[str],
    counterexample: Any = None,
    seconds: float = 0.0,
) -> dict[str, Any]:
    """The record entry of one lemma: registry data, derived status, evidence (JSON-safe)."""
    reproduced = None
    if lemma.counterexample is not None:
        reproduced = any(record.get("kind") == "counterexample" and record.get("reproduced") for record in evidence)
    evidence = [
        dict(record, worst_case=_abbreviate(record["worst_case"])) if "worst_case" in record else record
        for record in evidence
    ]
    coverage = lemma_coverage(lemma)
    return json_safe(
        {
            "id": lemma.id,
            "label": lemma.label,
            "title": lemma.title,
            "source": lemma.source,
            "statement": lemma.statement,
            "as_written": lemma.as_written,
            "assumptions": list(lemma.assumptions),
            "interpretation": lemma.interpretation,
            "quote": lemma.quote,
            "reading": lemma.reading,
            "claim": lemma.claim_key,
            "uses": list(lemma.uses),
            "corrected_by": list(lemma.corrected_by),
            **{key: list(names) for key, names in measured_by(lemma.id).items()},
            "checks": [
                {"name": check.name, "kind": check.kind, "description": check_description(check)}
                for check in lemma.checks
            ],
            "status": status,
            "ok": not problems,
            "problems": list(problems),
            "coverage": coverage["text"],
            "coverage_every_size": coverage["every_size"],
            "coverage_by_check": coverage["by_check"],
            "counterexample": counterexample,
            "counterexample_reproduced": reproduced,
            "evidence": evidence,
            "evidence_summary": evidence_summary(evidence),
            "seconds": round(seconds, 3),
        }
    )


def _evaluate_one(lemma: Lemma) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        verdict = evaluate(lemma)
    except Exception as error:  # a crashing check is reported, and the run goes on
        trace = traceback.format_exception_only(type(error), error)[-1].strip()
        return lemma_entry(
            lemma, "error", [], [f"{lemma.id}: a check raised {trace}"], seconds=time.perf_counter() - started
        )
    return lemma_entry(
        lemma, verdict.status, verdict.evidence, verdict.problems, verdict.counterexample, time.perf_counter() - started
    )


def evaluate_lemmas(
    lemmas: Iterable[Lemma], progress: bool = True, budget: float | None = None
) -> list[dict[str, Any]]:
    """Evaluate lemmas under the loaded Hypothesis profile, with a tqdm progress bar on stderr.

    With a ``budget`` in seconds (:func:`theory.checking.status.time_budget`), properties stop evaluating cases
    when it runs out, and the lemmas not started by then are entered as ``unverified`` with a problem.
    """
    from tqdm import tqdm

    lemmas = list(lemmas)
    entries = []
    with (
        time_budget(budget),
        tqdm(lemmas, desc="checking lemmas", unit="lemma", file=sys.stderr, disable=not progress or not lemmas) as bar,
    ):
        for lemma in bar:
            bar.set_postfix_str(lemma.id)
            if budget_exhausted():
                entries.append(
                    lemma_entry(
                        lemma,
                        "unverified",
                        [],
                        [
                            f"{lemma.id}: not checked: the time budget of {budget:g} s ran out; run verify with a larger "
                            "--budget, or with --only for the remaining lemmas"
                        ],
                    )
                )
                continue
            entries.append(_evaluate_one(lemma))
    return entries


def _select(only: Sequence[str] | None) -> list[Lemma]:
    """The lemmas named by ``only`` (each checked with :func:`theory.checking.registry.get`), else all."""
    from theory.checking.registry import get

    lemmas = registry()
    return [get(lemma_id) for lemma_id in dict.fromkeys(only)] if only else list(lemmas.values())


def status_counts(entries: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many entries have each status (statuses in their conventional order first)."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    order = ("proved", "verified", "refuted", "open")
    return {status: counts[status] for status in (*order, *sorted(set(counts) - set(order))) if status in counts}


def run_verification(
    only: Sequence[str] | None = None, profile: str | None = None, progress: bool = True, budget: float | None = None
) -> dict[str, Any]:
    """Evaluate the lemmas (all, or those in ``only``) under a profile and return the record.

    ``budget`` (seconds) bounds the run (:func:`evaluate_lemmas`); the record's ``summary`` says whether it
    ran out (``budget_exhausted``) and how many cases were skipped for it.
    """
    lemmas = _select(only)
    with using_profile(profile) as name:
        started = time.perf_counter()
        entries = evaluate_lemmas(lemmas, progress, budget)
        seconds = time.perf_counter() - started
    skipped = sum(record.get("skipped_for_budget", 0) for entry in entries for record in entry["evidence"])
    unchecked = [entry["id"] for entry in entries if entry["status"] == "unverified"]
    all_ids = list(registry())
    return {
        "schema": RECORD_SCHEMA,
        "provenance": provenance(None, {"profile": name, "only": list(only or []), "budget_s": budget}),
        "profile": profile_settings(name),
        "registry": {
            "source_sha256": source_fingerprint(),
            "lemma_ids": [lemma.id for lemma in lemmas],
            "complete": len(lemmas) == len(all_ids),
            "registered": len(all_ids),
        },
        "summary": {
            "counts": status_counts(entries),
            "problems": sum(not entry["ok"] for entry in entries),
            "seconds": round(seconds, 3),
            "budget_s": budget,
            "budget_exhausted": bool(skipped or unchecked),
            "cases_skipped_for_budget": skipped,
            "unchecked": unchecked,
        },
        "lemmas": entries,
    }


def merge_records(previous: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any]:
    """Complete a partial run (``verify --only``) with the other entries of a previous record.

    Only a previous record that is fresh (same status-deciding sources) and was made under the same
    profile contributes: its other entries are what a full run would have recorded. Otherwise the
    partial record is returned unchanged. ``merged`` says how many entries were kept, and from which run.
    """
    if not record_is_fresh(previous) or previous.get("profile", {}).get("name") != partial["profile"]["name"]:
        return partial
    order = list(registry())
    rerun = {entry["id"] for entry in partial["lemmas"]}
    kept = [entry for entry in previous["lemmas"] if entry["id"] not in rerun and entry["id"] in order]
    entries = sorted(partial["lemmas"] + kept, key=lambda entry: order.index(entry["id"]))
    ids = [entry["id"] for entry in entries]
    return dict(
        partial,
        lemmas=entries,
        registry=dict(partial["registry"], lemma_ids=ids, complete=len(ids) == len(order)),
        summary=dict(
            partial["summary"], counts=status_counts(entries), problems=sum(not entry["ok"] for entry in entries)
        ),
        merged={
            "kept": len(kept),
            "from_git_commit": previous["provenance"].get("git_commit"),
            "from_created_utc": previous["provenance"].get("created_utc"),
        },
    )


# ----------------------------------------------------------------------------- reading and writing
def default_record() -> Path:
    """The record ``list`` / ``show`` read by default: :data:`DEFAULT_RECORD` when there is one, else
    the tracked :data:`TRACKED_RECORD` (either is used only when fresh: :func:`resolve_entries`)."""
    return DEFAULT_RECORD if DEFAULT_RECORD.is_file() or not TRACKED_RECORD.is_file() else TRACKED_RECORD


def write_record(record: dict[str, Any], path: str | Path = DEFAULT_RECORD) -> Path:
    """Write the record as strict JSON (atomically: a temporary file of unique name renamed over the target;
    a failed write leaves no temporary file and raises an ``OSError`` naming the path)."""
    from theory.support.run_folder import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps(json_safe(record), indent=1, allow_nan=False) + "\n")
    return path


def read_record(path: str | Path = DEFAULT_RECORD) -> dict[str, Any]:
    """Read a verification record; FileNotFoundError / ValueError say what to run instead."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no verification record at {path}; run `python -m theory verify --record {path}` first"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); regenerate it with `python -m theory verify`") from error
    if not isinstance(record, dict) or record.get("schema") != RECORD_SCHEMA or "lemmas" not in record:
        raise ValueError(
            f"{path} is not a verification record of schema {RECORD_SCHEMA}; "
            "regenerate it with `python -m theory verify`"
        )
    return record


def record_is_fresh(record: Mapping[str, Any]) -> bool:
    """Whether the record was written from the current status-deciding sources (see module docstring)."""
    return record.get("registry", {}).get("source_sha256") == source_fingerprint()


def resolve_entries(
    lemmas: Sequence[Lemma],
    profile: str | None = None,
    record_path: str | Path | None = DEFAULT_RECORD,
    progress: bool = True,
) -> tuple[dict[str, dict[str, Any]], str]:
    """Entries for ``lemmas``: from a fresh record where it has them, else evaluated now.

    A record stands in only when it is fresh (:func:`record_is_fresh`) and, if ``profile`` is given,
    was made under that profile. Lemmas it lacks are evaluated under ``profile`` (default
    :func:`theory.checking.profiles.default_profile_name`: ``dev`` interactively). Returns the entries by id
    and a sentence saying where the statuses come from.
    """
    entries: dict[str, dict[str, Any]] = {}
    origins = []
    if record_path is not None and Path(record_path).is_file():
        record = read_record(record_path)
        made_under = record.get("profile", {}).get("name")
        if not record_is_fresh(record):
            origins.append(f"{record_path} ignored: the theory sources changed since it was written")
        elif profile is not None and made_under != profile:
            origins.append(f"{record_path} ignored: made under profile {made_under}, not {profile}")
        else:
            wanted = {lemma.id for lemma in lemmas}
            entries = {entry["id"]: entry for entry in record["lemmas"] if entry["id"] in wanted}
            if entries:
                origins.append(
                    f"{len(entries)} status(es) from {record_path} (profile {made_under}, "
                    f"commit {record['provenance'].get('git_commit', 'unknown')[:12]})"
                )
    missing = [lemma for lemma in lemmas if lemma.id not in entries]
    if missing:
        with using_profile(profile) as name:
            entries.update((entry["id"], entry) for entry in evaluate_lemmas(missing, progress))
        origins.append(f"{len(missing)} status(es) evaluated now under profile {name}")
    return {lemma.id: entries[lemma.id] for lemma in lemmas}, "; ".join(origins)
