r"""Exports of a verification record: the catalog ``lemmas.md``, the LaTeX folder ``latex/`` and the lemma graph.

The lemma graph and its derived statuses are drawn by :mod:`theory.paper.lemma_graph`; the LaTeX files
(``noncommute.sty``, one ``noncommute-<id>.tex`` per lemma, the catalog ``lemmas.tex``) are written by
:mod:`theory.paper.latex_export`, whose docstring shows a minimal paper.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from theory.checking.registry import registry
from theory.checking.verify import lemma_entry, record_is_fresh, status_counts
from theory.paper.latex_export import lemma_file_name, render_catalog, render_lemma_file, write_latex
from theory.paper.lemma_graph import draw_graph, graph_statuses
from theory.paper.record_text import (
    BADGES,
    GENERATED_MARKER,
    MEANINGS,
    case_text,
    escape_latex,
    evidence_rows,
    graph_words,
    latex_prose,
    trouble,
)
from theory.paper.scorecard import scorecard_from_entries
from theory.support.run_folder import atomic_write_text

__all__ = [
    "export_entries",
    "graph_statuses",
    "latex_prose",
    "escape_latex",
    "render_markdown",
    "render_latex",
    "latex_header",
    "export_all",
    "GENERATED_MARKER",
]


# ----------------------------------------------------------------------------- entries and graph statuses
def export_entries(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The record's entries in registry order; registered lemmas it lacks become ``unverified``."""
    recorded = {entry["id"]: entry for entry in record["lemmas"]}
    lemmas = registry()
    gone = sorted(set(recorded) - set(lemmas))
    if gone:
        print(f"warning: the record has lemmas no longer registered, left out: {', '.join(gone)}", file=sys.stderr)
    missing = [lemma_id for lemma_id in lemmas if lemma_id not in recorded]
    if missing:
        print(
            f"warning: {len(missing)} registered lemma(s) not in the record, exported as unverified: "
            f"{', '.join(missing)}",
            file=sys.stderr,
        )
    return [
        recorded[lemma_id] if lemma_id in recorded else lemma_entry(lemma, "unverified", [], [])
        for lemma_id, lemma in lemmas.items()
    ]


def _provenance_line(record: Mapping[str, Any]) -> str:
    prov, profile = record["provenance"], record["profile"]
    versions = prov.get("versions", {})
    tools = ", ".join(
        f"{name} {versions[name]}" for name in ("python", "sympy", "mpmath", "hypothesis", "numpy") if name in versions
    )
    return (
        f"commit {prov.get('git_commit', 'unknown')}, {prov.get('created_utc', '')}; Hypothesis profile "
        f"{profile['name']} (max_examples={profile['max_examples']}, derandomize={profile['derandomize']}); {tools}"
    )


# ----------------------------------------------------------------------------- markdown
def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_links(ids: Iterable[str], known: set[str]) -> str:
    links = [f"[`{i}`](#{i})" if i in known else f"`{i}` (not registered)" for i in ids]
    return ", ".join(links) if links else "-"


def render_markdown(
    record: Mapping[str, Any],
    entries: list[dict[str, Any]],
    graph: Mapping[str, dict[str, Any]],
    record_name: str = "docs/verification.json",
    graph_image: str = "lemma-graph.svg",
) -> str:
    """The catalog: provenance, legend, counts, summary table, graph, then one section per lemma."""
    known = {entry["id"] for entry in entries}
    used_by = {i: [e["id"] for e in entries if i in e["uses"]] for i in known}
    corrects = {i: [e["id"] for e in entries if i in e["corrected_by"]] for i in known}
    counts = status_counts(entries)
    lines = [
        f"<!-- {GENERATED_MARKER} from {record_name}; do not edit -->",
        "# Lemma catalog",
        "",
        f"Every claim of the draft and every lemma the package adds, with the status derived by running its "
        f"checks. Record: `{record_name}` ({_provenance_line(record)}).",
        "",
    ]
    if not record_is_fresh(record):
        lines += [
            "> **Note:** the `theory` sources changed after this record was written; run "
            "`python -m theory verify` and `python -m theory export` again.",
            "",
        ]
    lines += ["## Legend", "", "| badge | status | meaning |", "| --- | --- | --- |"]
    shown = [s for s in BADGES if s in counts or s in ("proved", "verified", "refuted", "open")]
    lines += [f"| {BADGES[s]} | `{s}` | {MEANINGS[s]} |" for s in shown]
    lines += [
        "",
        "Graph statuses (leanblueprint): **ready** = every lemma it uses is proved or verified; "
        "**fully proved** = proved, and every lemma it uses, transitively, is proved. *Draft* marks a claim "
        "as written in the draft, *added* a lemma of the package (a correction, a generalisation, a helper). "
        "A worst score is the largest error over its error-model tolerance among the examples (above 1 "
        "breaks the statement).",
        "",
        "## Summary",
        "",
        scorecard_from_entries(entries).text(),
        "",
    ]
    lines.append(
        f"{len(entries)} lemmas: "
        + ", ".join(f"{BADGES.get(s, '')} {n} {s}" for s, n in counts.items())
        + f"; {sum(g['fully_proved'] for g in graph.values())} fully proved, "
        f"{sum(g['ready'] for g in graph.values())} ready; "
        f"{sum(not e.get('ok', True) for e in entries)} whose checks did not reproduce the registry."
    )
    refuted = [e for e in entries if e["status"] == "refuted" and e["as_written"]]
    if refuted:
        lines += ["", "Claims of the draft that the checks refuted:", ""]
        lines += [
            f"- [`{e['id']}`](#{e['id']}): {e['title']} -> corrected by {_md_links(e['corrected_by'], known)}"
            for e in refuted
        ]
    lines += ["", "| id | status | claim | graph | source | title |", "| --- | --- | --- | --- | --- | --- |"]
    for entry in entries:
        problem = " (problem)" if not entry.get("ok", True) else ""
        lines.append(
            f"| [`{entry['id']}`](#{entry['id']}) | {BADGES.get(entry['status'], '')} {entry['status']}{problem} | "
            f"{'draft' if entry['as_written'] else 'added'} | {_md_cell(graph_words(graph[entry['id']]))} | "
            f"{_md_cell(entry['source'])} | {_md_cell(entry['title'])} |"
        )
    lines += ["", "## Dependency graph", "", f"![lemma dependency graph]({graph_image})", "", "## Lemmas", ""]
    for entry in entries:
        lemma_id = entry["id"]
        lines += [
            f'<a id="{lemma_id}"></a>',
            f"### `{lemma_id}`: {entry['title']}",
            "",
            f"- **Status:** {BADGES.get(entry['status'], '')} **{entry['status']}**{trouble(entry)} "
            f"({graph_words(graph[lemma_id])}); LaTeX label `lem:{lemma_id}`",
            f"- **Claim:** {'as written in the draft' if entry['as_written'] else 'added by the package'}",
            f"- **Source:** {entry['source']}",
            f"- **Statement:** {entry['statement']}",
        ]
        if entry["interpretation"]:
            lines.append(f"- **Interpretation:** {entry['interpretation']}")
        if entry["assumptions"]:
            lines.append("- **Assumptions:** " + "; ".join(entry["assumptions"]))
        lines += [f"- **Uses:** {_md_links(entry['uses'], known)}; **used by:** {_md_links(used_by[lemma_id], known)}"]
        if entry["corrected_by"]:
            lines.append(f"- **Corrected by:** {_md_links(entry['corrected_by'], known)}")
        if corrects[lemma_id]:
            lines.append(f"- **Corrects:** {_md_links(corrects[lemma_id], known)}")
        if entry["counterexample"] is not None:
            reproduced = {True: ", reproduced", False: ", NOT reproduced"}.get(entry["counterexample_reproduced"], "")
            lines.append(f"- **Counterexample**{reproduced}: `{case_text(entry['counterexample'])}`")
        if entry["sims"] or entry["empirical"]:
            lines.append(
                f"- **Measured by:** sims {', '.join(entry['sims']) or '-'}; "
                f"empirical {', '.join(entry['empirical']) or '-'}"
            )
        rows = evidence_rows(entry)
        if rows:
            lines += [
                "- **Evidence:**",
                "",
                "  | check | kind | result | examples | drawn / proved |",
                "  | --- | --- | --- | --- | --- |",
            ]
            lines += ["  | " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
        else:
            lines.append(f"- **Evidence:** {entry['evidence_summary']}")
        if entry["problems"]:
            lines += ["", "  **Problems:**"] + [f"  - {_md_cell(problem)}" for problem in entry["problems"]]
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- LaTeX
def latex_header(record: Mapping[str, Any], record_name: str) -> str:
    """The comment lines at the top of every generated LaTeX file (``<file>`` stands for its name)."""
    return (
        f"% <file> -- {GENERATED_MARKER} from {record_name}; do not edit.\n"
        + f"% {_provenance_line(record)}".replace("\n", " ")
    )


def render_latex(
    record: Mapping[str, Any],
    entries: list[dict[str, Any]],
    graph: Mapping[str, dict[str, Any]],
    record_name: str = "docs/verification.json",
) -> dict[str, str]:
    """The LaTeX export as ``{file name: text}``: one ``noncommute-<id>.tex`` per lemma and ``lemmas.tex``
    (the files :func:`theory.paper.latex_export.write_latex` writes, except ``noncommute.sty``)."""

    header = latex_header(record, record_name)
    known = {entry["id"] for entry in entries}
    files = {}
    for entry in entries:
        name = lemma_file_name(entry["id"])
        used_by = [other["id"] for other in entries if entry["id"] in other["uses"]]
        files[name] = render_lemma_file(entry, graph[entry["id"]], known, used_by, header.replace("<file>", name))
    files["lemmas.tex"] = render_catalog(entries, header.replace("<file>", "lemmas.tex"))
    return files


# ----------------------------------------------------------------------------- all of it
def export_all(
    record: Mapping[str, Any], out_dir: str | Path = "docs", record_name: str = "docs/verification.json"
) -> list[Path]:
    """Write ``lemmas.md``, ``lemma-graph.png``, ``lemma-graph.svg`` and the LaTeX folder ``latex/`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not record_is_fresh(record):
        print(
            "warning: the theory sources changed since the record was written; exporting it as it is "
            "(run `python -m theory verify` for current statuses)",
            file=sys.stderr,
        )
    entries = export_entries(record)
    graph = graph_statuses(entries)

    markdown = out_dir / "lemmas.md"
    atomic_write_text(markdown, render_markdown(record, entries, graph, record_name))
    latex = write_latex(entries, graph, out_dir / "latex", latex_header(record, record_name))
    return [markdown, *latex, *draw_graph(entries, graph, out_dir)]
