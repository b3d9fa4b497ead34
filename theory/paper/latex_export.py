r"""The LaTeX export: ``noncommute.sty`` and one generated file per lemma, so a paper typesets only what it cites.

``python -m theory export`` writes, into ``<out-dir>/latex/`` (default ``docs/latex/``):

* ``noncommute.sty`` -- copied unchanged from ``theory/paper/templates/noncommute.sty``: loads amsmath, amssymb
  and amsthm, defines ``\noncommutecite{<id>}`` (typeset lemma ``<id>`` once, where it stands, with the
  label ``lem:<id>``) and the environments it uses;
* ``noncommute-<id>.tex`` -- one per registered lemma: the statement, then its status, source,
  interpretation, assumptions, counterexample and evidence, one field per line. A claim with status
  ``refuted`` is typeset as *Claim (refuted)* with its counterexample, and its corrections are typeset
  right after it, so "corrected by Lemma n" always resolves. References to other lemmas go through
  ``\noncommuteref``: "Lemma n" when the paper typesets that lemma, else its id -- never "Lemma ??";
* ``lemmas.tex`` -- the whole catalog (``\noncommutecite`` of every lemma), for an appendix.

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

from pathlib import Path
from typing import Any, Iterable, Mapping

from theory.support.run_folder import atomic_write_text
from theory.paper.record_text import (GENERATED_MARKER, case_text, escape_latex, evidence_rows, graph_words,
                                     latex_prose, trouble)

__all__ = ["STY_TEMPLATE", "LEMMA_FILE_PREFIX", "lemma_file_name", "render_lemma_file", "render_catalog",
           "write_latex"]

STY_TEMPLATE = Path(__file__).resolve().parent / "templates" / "noncommute.sty"
LEMMA_FILE_PREFIX = "noncommute-"


def lemma_file_name(lemma_id: str) -> str:
    """The generated file of one lemma: ``noncommute-<id>.tex``."""
    return f"{LEMMA_FILE_PREFIX}{lemma_id}.tex"


def _refs(ids: Iterable[str], known: set[str]) -> str:
    return ", ".join(f"\\noncommuteref{{{i}}}" if i in known else f"\\texttt{{{escape_latex(i)}}} (not registered)"
                     for i in ids)


def _field(name: str, text: str) -> str:
    return f"\\noncommutefield{{{name}}}{{{text}}}"


def render_lemma_file(entry: Mapping[str, Any], graph_status: Mapping[str, Any], known: set[str],
                      used_by: list[str], header: str) -> str:
    """``noncommute-<id>.tex`` of one record entry (see the module docstring)."""
    lemma_id, status = entry["id"], entry["status"]
    refuted = status == "refuted"
    environment = "noncommuteclaim" if refuted else "noncommutelemma"
    title = latex_prose(entry["title"])
    note = f"refuted: {title}" if refuted else title
    claim = "Claim as written in the draft" if entry["as_written"] else "Lemma added by the package"
    lines = [header, f"\\begin{{{environment}}}[{{{note}}}]\\label{{lem:{lemma_id}}}", entry["statement"],
             f"\\end{{{environment}}}",
             f"\\begin{{noncommuteevidence}}{{{status}}}",
             _field(claim, f"source: ``{latex_prose(entry['source'])}''; graph: "
                           f"{escape_latex(graph_words(graph_status))}; id \\texttt{{{escape_latex(lemma_id)}}}.")]
    if entry.get("quote"):
        lines.append(_field("The draft's words", f"``{latex_prose(entry['quote'])}''"))
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
        lines.append(_field(f"Counterexample{reproduced}",
                            f"\\texttt{{{escape_latex(case_text(entry['counterexample']))}}}"))
    if entry["corrected_by"]:
        lines.append(_field("Corrected by", _refs(entry["corrected_by"], known) + "."))
    rows = evidence_rows(entry)
    if rows:
        items = [f"\\item \\texttt{{{escape_latex(name)}}} ({escape_latex(kind)}): {escape_latex(result)}, "
                 f"{escape_latex(amount)}. {latex_prose(what)}" for name, kind, result, amount, what in rows]
        lines += [_field("Evidence", ""), "\\begin{itemize}", *items, "\\end{itemize}"]
    else:
        lines.append(_field("Evidence", escape_latex(entry["evidence_summary"]) + "."))
    if entry["problems"]:
        lines.append(_field("Problems" + escape_latex(trouble(entry)), " ".join(escape_latex(p) for p in entry["problems"])))
    lines.append("\\end{noncommuteevidence}")
    if refuted:  # the correction follows the refuted claim, so its reference resolves
        lines += [f"\\noncommutecite{{{corrected}}}" for corrected in entry["corrected_by"] if corrected in known]
    return "\n".join(lines) + "\n"


def render_catalog(entries: list[dict[str, Any]], header: str) -> str:
    """``lemmas.tex``: every lemma, in registry order (needs ``\\usepackage{noncommute}``)."""
    lines = [header, "% The whole catalog: \\input{lemmas} in the document body (needs \\usepackage{noncommute})."]
    lines += [f"\\noncommutecite{{{entry['id']}}}" for entry in entries]
    return "\n".join(lines) + "\n"


def write_latex(entries: list[dict[str, Any]], graph: Mapping[str, dict[str, Any]], out_dir: str | Path,
                header: str) -> list[Path]:
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
        atomic_write_text(path, render_lemma_file(entry, graph[entry["id"]], known, used_by,
                                                  header.replace("<file>", path.name)))
        written.append(path)
    marker = GENERATED_MARKER
    for stale in out_dir.glob(f"{LEMMA_FILE_PREFIX}*.tex"):
        lemma_id = stale.name[len(LEMMA_FILE_PREFIX):-len(".tex")]
        if lemma_id not in known and marker in stale.read_text(encoding="utf-8", errors="replace")[:500]:
            stale.unlink()
    catalog = out_dir / "lemmas.tex"
    atomic_write_text(catalog, render_catalog(entries, header.replace("<file>", catalog.name)))
    written.append(catalog)
    return written
