r"""The LaTeX export: ``noncommute.sty`` and one generated file per lemma, so a paper typesets only what it cites.

``python -m theory export`` writes, into ``<out-dir>/latex/`` (default ``docs/latex/``):

* ``noncommute.sty`` -- copied unchanged from ``theory/paper/templates/noncommute.sty``: loads amsmath, amssymb
  and amsthm, defines ``\noncommutecite{<id>}`` (typeset lemma ``<id>`` once, where it stands, with the
  label ``lem:<id>``), the environments it uses and the package options ``appendix`` (the audit details)
  and ``allowopen`` (the paper's opt-in to open claims, also ``\noncommuteallowopen``);
* ``noncommute-<id>.tex`` -- one per registered lemma, compact: the statement (the registry's LaTeX),
  a one-line status mark (``\noncommutemark``, with the record's ``coverage`` when it has one) and, for a
  refuted claim, a remark with the counterexample in the draft's symbols and the correction; then the
  audit details (source, the draft's words, reading, interpretation, assumptions, uses, evidence) inside
  ``\ifnoncommuteappendix``. Proved and verified lemmas are typeset as *Lemma*, open claims as *Conjecture*
  (:data:`ENVIRONMENTS`), refuted claims as *Claim (refuted)*, and a refuted claim's corrections right after
  it, so "corrected by Lemma n" always resolves. References to other lemmas go through ``\noncommuteref``:
  "Lemma n" when the paper typesets that lemma, else its id -- never "Lemma ??";
* ``lemmas.tex`` -- the scorecard (:mod:`theory.paper.scorecard`) and the whole catalog (``\noncommutecite``
  of every lemma), for an appendix.

A minimal paper (``docs/authors-guide.md``)::

    \documentclass{article}
    \usepackage{noncommute}
    \begin{document}
    \noncommutecite{ga-exact-iff}
    By Lemma~\ref{lem:ga-exact-iff}, ...
    \end{document}

compiled with ``TEXINPUTS=docs/latex//: pdflatex paper.tex`` (twice), or with ``docs/latex/`` copied
next to it. ``python -m theory cite-check paper.tex`` checks the statuses and the labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from theory.paper.latex_titles import latex_title
from theory.paper.record_text import (
    GENERATED_MARKER,
    case_latex,
    case_text,
    escape_latex,
    evidence_rows,
    graph_words,
    latex_prose,
    trouble,
)
from theory.support.run_folder import atomic_write_text

__all__ = [
    "STY_TEMPLATE",
    "LEMMA_FILE_PREFIX",
    "ENVIRONMENTS",
    "lemma_file_name",
    "render_lemma_file",
    "render_catalog",
    "write_latex",
]

STY_TEMPLATE = Path(__file__).resolve().parent / "templates" / "noncommute.sty"
LEMMA_FILE_PREFIX = "noncommute-"


def lemma_file_name(lemma_id: str) -> str:
    """The generated file of one lemma: ``noncommute-<id>.tex``."""
    return f"{LEMMA_FILE_PREFIX}{lemma_id}.tex"


def _refs(ids: Iterable[str], known: set[str]) -> str:
    return ", ".join(
        f"\\noncommuteref{{{i}}}" if i in known else f"\\texttt{{{escape_latex(i)}}} (not registered)" for i in ids
    )


def _field(name: str, text: str) -> str:
    return f"\\noncommutefield{{{name}}}{{{text}}}"


#: theorem environment per status: a reader takes "Lemma" to mean proved
ENVIRONMENTS = {
    "proved": "noncommutelemma",
    "verified": "noncommutelemma",
    "open": "noncommuteconjecture",
    "refuted": "noncommuteclaim",
}
_UNCHECKED_NOTES = {"error": "check failed", "unverified": "not checked"}


def _status_mark(entry: Mapping[str, Any]) -> str:
    r"""The one-line status mark: ``\noncommutemark{<status>}{<detail>}{<id>}`` (coverage when the record has it)."""
    status, coverage = entry["status"], entry.get("coverage")
    detail = escape_latex(str(coverage)) if coverage and status in ("proved", "verified") else ""
    if status == "open":
        measured = ", ".join(entry.get("empirical") or entry.get("sims") or ())
        detail = f"measured by {escape_latex(measured)}" if measured else "not checkable here"
    if not entry.get("ok", True):
        detail = (detail + "; " if detail else "") + "the checks did not reproduce the registry"
    return f"\\noncommutemark{{{status}}}{{{detail}}}{{{escape_latex(entry['id'])}}}"


def _remark(entry: Mapping[str, Any], known: set[str]) -> list[str]:
    """A refuted claim's short remark: the counterexample, in the draft's symbols, and the correction."""
    if entry["counterexample"] is None and not entry["corrected_by"]:
        return []
    parts = []
    if entry["counterexample"] is not None:
        parts.append(f"Counterexample: {case_latex(entry['counterexample'])}.")
    if entry["corrected_by"]:
        parts.append(f"Corrected by {_refs(entry['corrected_by'], known)}.")
    return ["\\begin{noncommuteremark}", " ".join(parts), "\\end{noncommuteremark}"]


def _quote_latex(quote: str) -> str:
    """The draft's words as LaTeX: prose with its ``$...$`` maths; a quote cut out of a formula (LaTeX commands
    before its first ``$``, or an odd number of ``$``) has its formula closed, so that no source shows."""
    text = " ".join(quote.replace("$$", "$").split())
    first = text.find("$")
    if first < 0:
        return f"${text}$" if re.search(r"\\[A-Za-z]", text) else latex_prose(text)
    if re.search(r"\\[A-Za-z]|[_^]", text[:first]):  # begins inside a formula
        text = "$" + text
    if len(re.findall(r"(?<!\\)\$", text)) % 2:  # ends inside one
        text += "$"
    return latex_prose(text)


def _audit(entry: Mapping[str, Any], graph_status: Mapping[str, Any], known: set[str], used_by: list[str]) -> list[str]:
    r"""The audit details (source, the draft's words, reading, assumptions, uses, evidence): typeset only under
    the package option ``appendix`` (``\ifnoncommuteappendix``)."""
    lemma_id, status = entry["id"], entry["status"]
    claim = "Claim as written in the draft" if entry["as_written"] else "Lemma added by the package"
    lines = [
        "\\ifnoncommuteappendix",
        f"\\begin{{noncommuteevidence}}{{{status}}}",
        _field(
            claim,
            f"source: ``{latex_prose(entry['source'])}''; graph: "
            f"{escape_latex(graph_words(graph_status))}; id \\texttt{{{escape_latex(lemma_id)}}}.",
        ),
    ]
    if entry.get("quote"):
        lines.append(_field("The draft's words", f"``{_quote_latex(entry['quote'])}''"))
    if entry.get("reading"):
        lines.append(_field("Reading", latex_prose(entry["reading"])))
    if entry["interpretation"]:
        lines.append(_field("Interpretation", latex_prose(entry["interpretation"])))
    if entry["assumptions"]:
        lines.append(_field("Assumptions", "; ".join(latex_prose(a) for a in entry["assumptions"]) + "."))
    if entry["uses"]:
        lines.append(_field("Uses", _refs(entry["uses"], known) + "."))
    if used_by:
        lines.append(_field("Used by", _refs(used_by, known) + "."))
    if entry["counterexample"] is not None:
        reproduced = " (reproduced on this run)" if entry["counterexample_reproduced"] else ""
        lines.append(
            _field(f"Counterexample{reproduced}", f"\\texttt{{{escape_latex(case_text(entry['counterexample']))}}}")
        )
    rows = evidence_rows(entry)
    if rows:
        items = [
            f"\\item \\texttt{{{escape_latex(name)}}} ({escape_latex(kind)}): {escape_latex(result)}, "
            f"{escape_latex(amount)}. {latex_prose(what)}"
            for name, kind, result, amount, what in rows
        ]
        lines += [_field("Evidence", ""), "\\begin{itemize}", *items, "\\end{itemize}"]
    else:
        lines.append(_field("Evidence", escape_latex(entry["evidence_summary"]) + "."))
    if entry["problems"]:
        lines.append(
            _field("Problems" + escape_latex(trouble(entry)), " ".join(escape_latex(p) for p in entry["problems"]))
        )
    return lines + ["\\end{noncommuteevidence}", "\\fi"]


def render_lemma_file(
    entry: Mapping[str, Any], graph_status: Mapping[str, Any], known: set[str], used_by: list[str], header: str
) -> str:
    """``noncommute-<id>.tex`` of one record entry (see the module docstring).

    Compact by default: the statement (the registry's LaTeX statement, or ``statement_latex`` when an entry
    carries one), a one-line status mark, and for a refuted claim a remark with the counterexample and the
    correction; the audit details follow only under the package option ``appendix``.
    """
    lemma_id, status = entry["id"], entry["status"]
    environment = ENVIRONMENTS.get(status, "noncommuteclaim")
    title = latex_title(entry["title"])
    note = {"refuted": f"refuted: {title}", **{k: f"{v}: {title}" for k, v in _UNCHECKED_NOTES.items()}}.get(
        status, title
    )
    statement = entry.get("statement_latex") or entry["statement"]
    lines = [
        header,
        f"\\begin{{{environment}}}[{{{note}}}]\\label{{lem:{lemma_id}}}",
        statement,
        _status_mark(entry),
        f"\\end{{{environment}}}",
    ]
    if status == "open":
        lines.append(f"\\noncommuteopen{{{lemma_id}}}")
    lines += _remark(entry, known)
    lines += _audit(entry, graph_status, known, used_by)
    if status == "refuted":  # the correction follows the refuted claim, so its reference resolves
        lines += [f"\\noncommutecite{{{corrected}}}" for corrected in entry["corrected_by"] if corrected in known]
    return "\n".join(lines) + "\n"


def render_catalog(entries: list[dict[str, Any]], header: str) -> str:
    """``lemmas.tex``: the scorecard (:mod:`theory.paper.scorecard`), then every lemma in registry order
    (needs ``\\usepackage{noncommute}``)."""
    from theory.paper.scorecard import scorecard_from_entries

    card = scorecard_from_entries(entries)
    lines = [
        header,
        "% The whole catalog: \\input{lemmas} in the document body (needs \\usepackage{noncommute}).",
        f"\\noncommutescorecard{{{escape_latex(card.text())}}}",
    ]
    lines += [f"\\noncommutecite{{{entry['id']}}}" for entry in entries]
    return "\n".join(lines) + "\n"


def write_latex(
    entries: list[dict[str, Any]], graph: Mapping[str, dict[str, Any]], out_dir: str | Path, header: str
) -> list[Path]:
    """Write ``noncommute.sty``, one ``noncommute-<id>.tex`` per entry and ``lemmas.tex`` into ``out_dir``.

    Generated lemma files of ids that are no longer registered are removed (``header`` marks them).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    known = {entry["id"] for entry in entries}
    written = []
    sty = out_dir / "noncommute.sty"
    atomic_write_text(sty, STY_TEMPLATE.read_text(encoding="utf-8"))
    written.append(sty)
    for entry in entries:
        used_by = [other["id"] for other in entries if entry["id"] in other["uses"]]
        path = out_dir / lemma_file_name(entry["id"])
        atomic_write_text(
            path, render_lemma_file(entry, graph[entry["id"]], known, used_by, header.replace("<file>", path.name))
        )
        written.append(path)
    marker = GENERATED_MARKER
    for stale in out_dir.glob(f"{LEMMA_FILE_PREFIX}*.tex"):
        lemma_id = stale.name[len(LEMMA_FILE_PREFIX) : -len(".tex")]
        if lemma_id not in known and marker in stale.read_text(encoding="utf-8", errors="replace")[:500]:
            stale.unlink()
    catalog = out_dir / "lemmas.tex"
    atomic_write_text(catalog, render_catalog(entries, header.replace("<file>", catalog.name)))
    written.append(catalog)
    return written
