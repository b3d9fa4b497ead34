r"""``python -m theory cite-check PAPER.tex``: may the paper cite the lemmas it cites?

A citation is a ``lem:<id>`` key inside a reference command: ``\ref``, ``\eqref``, ``\pageref``,
``\nameref``, ``\autoref``, ``\cref`` / ``\Cref`` (comma-separated keys), ``\cpageref``, ``\labelcref``,
``\vref``, the target of ``\hyperref[...]`` and both keys of ``\crefrange`` / ``\Crefrange``, starred
forms included. ``\label`` is a definition, not a citation; keys without the ``lem:`` prefix are not
lemmas; comments are skipped.
Files pulled in with ``\input`` / ``\include`` / ``\subfile`` are followed (relative to the paper's
folder), except the generated ``lemmas.tex``, whose own cross-references include the refuted claims.

A cited lemma fails the check when its id is unknown, its status is not ``proved`` or ``verified``
(``refuted``, ``open``, or a check that crashed), or its checks reported problems (e.g. a sympy
proof that no longer goes through). Statuses come from ``--record PATH`` when given
(lemmas missing there are evaluated), else from running the cited lemmas' checks now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from theory.registry import get, registry
from theory.verify import resolve_entries

__all__ = ["Citation", "strip_comments", "find_citations", "collect_citations", "citation_problems",
           "run_cite_check", "CITABLE"]

CITABLE = ("proved", "verified")
_REFERENCE_COMMANDS = ("ref", "eqref", "pageref", "nameref", "autoref", "cref", "Cref", "cpageref", "Cpageref",
                       "labelcref", "vref", "Vref")
_REFERENCE = re.compile(
    r"\\(?:(?:[cC](?:page)?refrange)\*?\s*\{(?P<first>[^{}]*)\}\s*\{(?P<last>[^{}]*)\}"
    r"|hyperref\s*\[(?P<target>[^\]]*)\]"
    r"|(?:" + "|".join(_REFERENCE_COMMANDS) + r")\*?\s*\{(?P<keys>[^{}]*)\})")
_INCLUDE = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}")
_COMMENT = re.compile(r"(?<!\\)%.*")


@dataclass(frozen=True)
class Citation:
    """One cited lemma id, where it is cited (file and line)."""

    lemma_id: str
    path: str
    line: int


def strip_comments(text: str) -> str:
    r"""The text with every ``%`` comment removed (``\%`` kept), line structure unchanged."""
    return "\n".join(_COMMENT.sub("", line) for line in text.split("\n"))


def find_citations(text: str, path: str = "<text>") -> list[Citation]:
    """Every ``lem:`` key cited in a LaTeX text, in order of appearance."""
    text = strip_comments(text)
    citations = []
    for match in _REFERENCE.finditer(text):
        keys = ",".join(group for group in match.group("first", "last", "target", "keys") if group is not None)
        line = text.count("\n", 0, match.start()) + 1
        for key in keys.split(","):
            key = key.strip()
            if key.startswith("lem:"):
                citations.append(Citation(key[len("lem:"):], path, line))
    return citations


def collect_citations(paper: str | Path) -> tuple[list[Citation], list[str]]:
    """Citations of a paper and of the files it includes; also notes about skipped includes."""
    paper = Path(paper)
    if not paper.is_file():
        raise FileNotFoundError(f"no LaTeX file at {paper}; give the path of the paper's main .tex file")
    from theory.export import GENERATED_MARKER

    citations, notes, seen, queue = [], [], set(), [paper]
    while queue:
        path = queue.pop(0)
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        text = path.read_text(encoding="utf-8", errors="replace")
        if path != paper and GENERATED_MARKER in text[:500]:
            notes.append(f"skipped {path}: generated lemma file (defines the lemmas, cites nothing)")
            continue
        citations += find_citations(text, str(path))
        for match in _INCLUDE.finditer(strip_comments(text)):
            included = paper.parent / match.group(1).strip()
            if not included.is_file() and included.suffix != ".tex":
                included = included.with_name(included.name + ".tex")
            if included.is_file():
                queue.append(included)
            else:
                notes.append(f"{path}: included file {match.group(1)!r} not found, not checked")
    return citations, notes


def citation_problems(citations: list[Citation], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One message per cited id that is unknown (no entry) or not citable, naming all the places it is cited."""
    places: dict[str, list[str]] = {}
    for citation in citations:
        places.setdefault(citation.lemma_id, []).append(f"{citation.path}:{citation.line}")
    problems = []
    for lemma_id, where in places.items():
        at = ", ".join(where)
        if lemma_id not in entries:
            try:
                get(lemma_id)
                reason = "has no status"
            except KeyError as error:  # the registry's message, with close matches
                reason = error.args[0]
            problems.append(f"lem:{lemma_id}: {reason} -- cited at {at}")
            continue
        entry = entries[lemma_id]
        if entry["status"] not in CITABLE:
            fix = ""
            if entry["status"] == "refuted" and entry.get("corrected_by"):
                fix = "; cite the correction " + ", ".join(f"lem:{c}" for c in entry["corrected_by"])
            elif entry["status"] == "open":
                fix = "; it is stated but not checked here"
            problems.append(f"lem:{lemma_id} is {entry['status']}{fix} -- cited at {at}")
        elif not entry.get("ok", True):
            problems.append(f"lem:{lemma_id} is {entry['status']} but its checks did not reproduce the registry "
                            f"({entry['problems'][0] if entry.get('problems') else 'see `python -m theory show`'}) "
                            f"-- cited at {at}")
    return problems


def run_cite_check(paper: str | Path, record_path: str | Path | None = None, profile: str | None = None,
                   progress: bool = True) -> tuple[int, str]:
    """Check a paper's citations; returns (exit code 0 or 1, report). A missing paper raises FileNotFoundError."""
    citations, notes = collect_citations(paper)
    lemmas = registry()
    cited = [lemmas[i] for i in dict.fromkeys(c.lemma_id for c in citations) if i in lemmas]
    if record_path is not None and not Path(record_path).is_file():
        raise FileNotFoundError(f"no verification record at {record_path}; run `python -m theory verify` first")
    entries, origin = resolve_entries(cited, profile, record_path, progress) if cited else ({}, "")
    problems = citation_problems(citations, entries)
    distinct = len({c.lemma_id for c in citations})
    lines = [f"note: {note}" for note in notes]
    if problems:
        lines += [f"{paper}: {len(problems)} of {distinct} cited lemma(s) cannot be cited:"]
        lines += [f"  - {problem}" for problem in problems]
    else:
        lines.append(f"OK: {distinct} cited lemma(s), {len(citations)} citation(s) in {paper}, all proved or verified")
    if origin:
        lines.append(f"statuses: {origin}")
    return (1 if problems else 0), "\n".join(lines)
