r"""``python -m theory cite-check PAPER.tex``: may the paper cite the lemmas it cites?

A citation is a ``lem:<id>`` key inside a reference command: ``\ref``, ``\eqref``, ``\pageref``,
``\nameref``, ``\autoref`` / ``\Autoref``, ``\cref`` / ``\Cref`` (comma-separated keys), ``\cpageref`` /
``\Cpageref``, ``\labelcref``, ``\labelcpageref``, ``\namecref`` / ``\nameCref`` / ``\lcnamecref`` (and
their plurals), ``\vref`` / ``\Vref``, ``\vpageref`` / ``\Vpageref``, ``\fullref``, ``\zcref`` /
``\zcpageref`` (zref-clever), ``\subref``, the target of ``\hyperref[...]`` and both keys of
``\crefrange`` / ``\Crefrange`` / ``\cpagerefrange`` / ``\vrefrange`` / ``\vpagerefrange``; starred forms
and optional ``[...]`` arguments included. ``\label`` is a definition, not a citation; keys without the
``lem:`` prefix are not lemmas. Comments follow TeX's rule: ``%`` starts one unless a backslash escapes
it, so ``\%`` is a percent sign and ``\\%`` a line break followed by a comment.
Files pulled in with ``\input{file}``, ``\input file``, ``\include``, ``\subfile``, ``\import{dir}{file}`` and
``\subimport{dir}{file}`` are followed (:mod:`theory.paper.latex_source`); comments, ``verbatim`` /
``lstlisting`` / ``minted`` / ``comment`` environments, ``\verb`` and ``\iffalse ... \fi`` blocks are not read,
as LaTeX does not typeset them. Generated lemma files (``docs/latex/``) are read only for the labels they
define. A file that is binary or not UTF-8 is an error, never "0 cited".

A cited lemma fails the check when

* its id is unknown, its status is not ``proved`` or ``verified`` (``refuted``, ``open``, or a check that
  crashed), or its checks reported problems (e.g. a sympy proof that no longer goes through);
* its label is not defined in the paper: the paper must typeset it with ``\noncommutecite{<id>}``
  (noncommute.sty; a refuted claim's file also typesets its corrections), ``\input`` a generated
  lemma file that defines it, or ``\label`` it -- else LaTeX prints "??".

``\noncommutecite`` of an unknown id fails too; of a refuted claim it is a note (the claim is typeset as
"Claim (refuted)"). An ``open`` lemma -- cited, or typeset with ``\noncommutecite`` -- fails unless the
paper opts in, in its main file, with ``\noncommuteallowopen`` or ``\usepackage[allowopen]{noncommute}``:
then it is a note (noncommute.sty typesets it as "Conjecture"). Statuses come from ``--record PATH`` when
given (lemmas missing there are evaluated), else from running the cited and typeset lemmas' checks now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.checking.registry import get, registry
from theory.checking.verify import resolve_entries
from theory.paper.latex_source import effective_source, includes, strip_comments

__all__ = [
    "Citation",
    "Paper",
    "strip_comments",
    "find_citations",
    "find_typeset",
    "find_labels",
    "read_paper",
    "collect_citations",
    "typeset_labels",
    "undefined_problems",
    "citation_problems",
    "run_cite_check",
    "CITABLE",
    "allows_open",
]

CITABLE = ("proved", "verified")
# the paper's opt-in to citing open claims (typeset as "Conjecture"): the command, or the package option
_ALLOW_OPEN = re.compile(
    r"\\noncommuteallowopen(?![A-Za-z])"
    r"|\\usepackage\s*\[[^\]]*\ballowopen\b[^\]]*\]\s*\{[^{}]*\bnoncommute\b[^{}]*\}"
)
# reference commands whose last mandatory argument is a comma-separated list of keys (optional [...] args allowed)
_REFERENCE_COMMANDS = (
    "ref",
    "eqref",
    "pageref",
    "nameref",
    "autoref",
    "Autoref",
    "cref",
    "Cref",
    "cpageref",
    "Cpageref",
    "labelcref",
    "labelcpageref",
    "namecref",
    "nameCref",
    "lcnamecref",
    "namecrefs",
    "nameCrefs",
    "lcnamecrefs",
    "vref",
    "Vref",
    "vpageref",
    "Vpageref",
    "fullref",
    "zcref",
    "zcpageref",
    "subref",
)
_OPTIONAL = r"(?:\s*\[[^\]]*\])*"
_REFERENCE = re.compile(
    r"\\(?:(?:[cC](?:page)?refrange|vrefrange|vpagerefrange)\*?"
    + _OPTIONAL
    + r"\s*\{(?P<first>[^{}]*)\}\s*\{(?P<last>[^{}]*)\}"
    r"|hyperref\s*\[(?P<target>[^\]]*)\]"
    r"|(?:" + "|".join(_REFERENCE_COMMANDS) + r")(?![A-Za-z])\*?" + _OPTIONAL + r"\s*\{(?P<keys>[^{}]*)\})"
)
_TYPESET = re.compile(r"\\noncommutecite\s*\{([^{}]*)\}")
_LABEL = re.compile(r"\\label\s*\{lem:([^{}]*)\}")


@dataclass(frozen=True)
class Citation:
    """One cited lemma id, where it is cited (file and line)."""

    lemma_id: str
    path: str
    line: int


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def find_citations(text: str, path: str = "<text>") -> list[Citation]:
    """Every ``lem:`` key cited in a LaTeX text by a reference command, in order of appearance (comments,
    verbatim material and ``\\iffalse`` blocks are not read: :func:`theory.paper.latex_source.effective_source`)."""
    text = effective_source(text)
    citations = []
    for match in _REFERENCE.finditer(text):
        keys = ",".join(group for group in match.group("first", "last", "target", "keys") if group is not None)
        line = _line_of(text, match.start())
        for key in keys.split(","):
            key = key.strip()
            if key.startswith("lem:"):
                citations.append(Citation(key[len("lem:") :], path, line))
    return citations


def find_typeset(text: str, path: str = "<text>") -> list[Citation]:
    r"""Every lemma typeset with ``\noncommutecite{<id>}`` (noncommute.sty), in order of appearance."""
    text = effective_source(text)
    return [Citation(match.group(1).strip(), path, _line_of(text, match.start())) for match in _TYPESET.finditer(text)]


def find_labels(text: str) -> set[str]:
    r"""Lemma ids whose label ``lem:<id>`` a text defines with ``\label``."""
    return {match.group(1).strip() for match in _LABEL.finditer(effective_source(text))}


def _read_tex(path: Path) -> str:
    """A LaTeX file's text; a binary or non-UTF-8 file is a ValueError naming it."""
    data = path.read_bytes()
    if b"\0" in data[:65536]:
        raise ValueError(f"{path} is a binary file, not LaTeX source; give the paper's .tex file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {error.start}: {error.reason}); "
            "give the paper's .tex source, saved as UTF-8"
        ) from None


@dataclass
class Paper:
    """What a paper and the files it includes cite, typeset and define."""

    citations: list[Citation]
    typeset: list[Citation]
    labels: set[str]
    notes: list[str]


def read_paper(paper: str | Path) -> Paper:
    """Citations, ``\noncommutecite`` calls and lemma labels of a paper and of the files it includes."""
    paper = Path(paper)
    if paper.is_dir() or not paper.exists():
        raise FileNotFoundError(f"no LaTeX file at {paper}; give the path of the paper's main .tex file")
    from theory.paper.record_text import GENERATED_MARKER

    result = Paper([], [], set(), [])
    seen, queue = set(), [(paper, paper.parent)]
    while queue:
        path, base = queue.pop(0)
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        text = _read_tex(path)
        if path != paper and GENERATED_MARKER in text[:500]:
            # a generated lemma file defines lemmas; its own cross-references (refuted claims included) cite nothing
            result.labels |= find_labels(text) | {c.lemma_id for c in find_typeset(text)}
            result.notes.append(f"{path}: generated lemma file, read for the labels it defines")
            continue
        result.citations += find_citations(text, str(path))
        result.typeset += find_typeset(text, str(path))
        result.labels |= find_labels(text)
        for written, included, included_base in includes(effective_source(text), base, paper.parent):
            if included.is_file():
                queue.append((included, included_base))
            else:
                result.notes.append(f"{path}: included file {written!r} not found, not checked")
    return result


def allows_open(paper: str | Path) -> bool:
    r"""Whether the paper's main file opts in to citing open claims: ``\noncommuteallowopen`` or
    ``\usepackage[allowopen]{noncommute}`` outside comments."""
    return bool(_ALLOW_OPEN.search(strip_comments(_read_tex(Path(paper)))))


def collect_citations(paper: str | Path) -> tuple[list[Citation], list[str]]:
    """Citations of a paper and of the files it includes; also notes about skipped includes."""
    read = read_paper(paper)
    return read.citations, read.notes


def typeset_labels(typeset: list[Citation]) -> set[str]:
    r"""Lemma ids whose labels ``\noncommutecite`` defines: each typeset lemma and, for a refuted claim,
    the lemmas that correct it (its generated file typesets them after it), transitively."""
    lemmas = registry()
    defined: set[str] = set()
    queue = [citation.lemma_id for citation in typeset]
    while queue:
        lemma_id = queue.pop()
        if lemma_id in defined or lemma_id not in lemmas:
            continue
        defined.add(lemma_id)
        if lemmas[lemma_id].counterexample is not None:
            queue += list(lemmas[lemma_id].corrected_by)
    return defined


def undefined_problems(citations: list[Citation], defined: set[str]) -> list[str]:
    """One message per cited id whose label no exported lemma file (nor the paper) defines."""
    places: dict[str, list[str]] = {}
    for citation in citations:
        if citation.lemma_id not in defined:
            places.setdefault(citation.lemma_id, []).append(f"{citation.path}:{citation.line}")
    return [
        f"lem:{lemma_id} is cited but not defined in the paper (LaTeX would print ??): typeset it with "
        f"\\noncommutecite{{{lemma_id}}} (noncommute.sty) -- cited at {', '.join(where)}"
        for lemma_id, where in places.items()
    ]


def citation_problems(
    citations: list[Citation], entries: Mapping[str, Mapping[str, Any]], allow_open: bool = False
) -> list[str]:
    """One message per cited id that is unknown (no entry) or not citable, naming all the places it is cited;
    with ``allow_open`` (the paper's opt-in) an open lemma is citable."""
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
        if entry["status"] not in CITABLE and not (allow_open and entry["status"] == "open"):
            fix = ""
            if entry["status"] == "refuted" and entry.get("corrected_by"):
                fix = "; cite the correction " + ", ".join(f"lem:{c}" for c in entry["corrected_by"])
            elif entry["status"] == "open":
                fix = (
                    "; it is stated but not checked here (to cite it as a conjecture, add \\noncommuteallowopen "
                    "to the preamble)"
                )
            problems.append(f"lem:{lemma_id} is {entry['status']}{fix} -- cited at {at}")
        elif not entry.get("ok", True):
            problems.append(
                f"lem:{lemma_id} is {entry['status']} but its checks did not reproduce the registry "
                f"({entry['problems'][0] if entry.get('problems') else 'see `python -m theory show`'}) "
                f"-- cited at {at}"
            )
    return problems


def run_cite_check(
    paper: str | Path, record_path: str | Path | None = None, profile: str | None = None, progress: bool = True
) -> tuple[int, str]:
    """Check a paper's citations; returns (exit code 0 or 1, report). A missing paper raises FileNotFoundError."""
    read = read_paper(paper)
    citations, notes = read.citations, list(read.notes)
    lemmas = registry()
    allow_open = allows_open(paper)
    cited = [lemmas[i] for i in dict.fromkeys(c.lemma_id for c in [*citations, *read.typeset]) if i in lemmas]
    if record_path is not None and not Path(record_path).is_file():
        raise FileNotFoundError(f"no verification record at {record_path}; run `python -m theory verify` first")
    entries, origin = resolve_entries(cited, profile, record_path, progress) if cited else ({}, "")
    problems = citation_problems(citations, entries, allow_open)
    cited_ids = {c.lemma_id for c in citations}
    # an open lemma typeset without a \ref is still presented to the reader: the same rule
    problems += citation_problems(
        [
            c
            for c in read.typeset
            if c.lemma_id in entries and c.lemma_id not in cited_ids and entries[c.lemma_id]["status"] == "open"
        ],
        entries,
        allow_open,
    )
    opened = sorted(
        {i for i in cited_ids | {c.lemma_id for c in read.typeset} if i in entries and entries[i]["status"] == "open"}
    )
    if allow_open and opened:
        notes.append(
            f"the paper opts in to open claims (\\noncommuteallowopen): {', '.join(opened)} typeset as "
            '"Conjecture", not checked here'
        )
    unknown_typeset = [c for c in read.typeset if c.lemma_id not in lemmas]
    problems += citation_problems(unknown_typeset, {})  # \noncommutecite of an unknown id: no file to typeset
    known_problem_ids = {c.lemma_id for c in citations if c.lemma_id not in entries}
    defined = read.labels | typeset_labels(read.typeset)
    problems += undefined_problems([c for c in citations if c.lemma_id not in known_problem_ids], defined)
    for typeset in dict.fromkeys(c.lemma_id for c in read.typeset if c.lemma_id in lemmas):
        if lemmas[typeset].counterexample is not None:
            notes.append(
                f'\\noncommutecite{{{typeset}}} typesets a refuted claim, as "Claim (refuted)" with its '
                "counterexample and correction; do not cite it as support"
            )
    distinct = len({c.lemma_id for c in citations})
    lines = [f"note: {note}" for note in notes]
    if problems:
        lines += [f"{paper}: {len(problems)} of {distinct} cited lemma(s) cannot be cited:"]
        lines += [f"  - {problem}" for problem in problems]
    else:
        which = "all proved or verified" + (", or open by the paper's opt-in" if allow_open and opened else "")
        lines.append(f"OK: {distinct} cited lemma(s), {len(citations)} citation(s) in {paper}, {which}")
    if origin:
        lines.append(f"statuses: {origin}")
    return (1 if problems else 0), "\n".join(lines)
