"""The contents of the annotated draft: the banner, one note per marked claim, the HTML page and the Markdown copy.

:mod:`theory.paper.annotate` gathers the :class:`~theory.paper.annotate.Annotation` (anchors, statuses, coverage);
:mod:`theory.paper.annotate_html` renders Markdown and places the claims. This module writes what a reader sees.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from theory.paper.annotate_html import (
    STATUS_COLOURS,
    SYMBOLS,
    inject_markers,
    page,
    place_claims,
    render_inline,
    render_markdown,
)
from theory.paper.annotation import Annotation, figure_links, relative_href

__all__ = ["render_html", "render_annotated_markdown", "banner_lines"]

_BADGES = {"proved": "✅", "verified": "☑️", "refuted": "❌", "open": "⏳", "error": "⚠️", "unverified": "❔"}
_MEANINGS = {
    "proved": "a sympy identity established it",
    "verified": "no counterexample; the mpmath oracle agrees",
    "refuted": "a check broke it (stored counterexample)",
    "open": "not checkable here (empirical measures it)",
    "error": "a check crashed or did not reproduce the registry",
    "unverified": "no status in the record",
}


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def banner_lines(annotation: Annotation) -> dict[str, Any]:
    """The banner's facts, shared by the HTML and the Markdown."""
    counts = annotation.counts()
    coverage = annotation.coverage
    quoted = len(annotation.anchors) + len(annotation.stale)
    return {
        "counts": ", ".join(f"{count} {status}" for status, count in counts.items()) or "none",
        "scorecard": annotation.scorecard().text(),
        "marked": f"{len(annotation.anchors)} of {quoted} quoted lemma(s) of the registry marked in this draft",
        "coverage": (
            f"{coverage['mathematical_sentences']} mathematical sentences; "
            f"{coverage['with_a_marked_claim']} of them hold a marked claim "
            f"(counted by {coverage['counted_by']}); claims inventory (docs/claims.md): "
            f"{coverage['inventory']['mathematical_claims']} mathematical claims, "
            f"{coverage['inventory']['with_lemmas']} with lemmas"
        ),
        "origin": annotation.origin,
        "repeated": [f"{a.lemma_id} ({a.occurrences} times)" for a in annotation.anchors if a.occurrences > 1],
    }


# ----------------------------------------------------------------------------- HTML
def _status_badge(status: str) -> str:
    return (
        f'<span class="badge st-{html.escape(status)}">{SYMBOLS.get(status, "·")}&#x202F;{html.escape(status)}</span>'
    )


def _banner_html(annotation: Annotation) -> str:
    facts = banner_lines(annotation)
    parts = [
        f'<section class="banner" id="banner"><strong>Annotated draft</strong> '
        f"<code>{html.escape(str(annotation.draft_path))}</code>",
        f'<p class="scorecard"><strong>{html.escape(facts["scorecard"])}</strong></p>',
        f"<p>{html.escape(facts['marked'])}: {html.escape(facts['counts'])}.<br>"
        f"{html.escape(facts['coverage'])}.<br>Statuses: {html.escape(facts['origin'])}.</p>",
    ]
    legend = "".join(
        f'<span class="st-{s}" title="{html.escape(_MEANINGS[s])}">{html.escape(s)}</span>' for s in STATUS_COLOURS
    )
    parts.append(
        f'<p class="legend">Colours (the lemma graph\'s legend): {legend} '
        f"Click a marked claim or its badge for its note.</p>"
    )
    if facts["repeated"]:
        parts.append(
            f"<p>Quotes occurring more than once (the first occurrence is marked): "
            f"{html.escape(', '.join(facts['repeated']))}.</p>"
        )
    if annotation.stale:
        items = "".join(
            f"<li><code>{html.escape(lemma.id)}</code> ({html.escape(annotation.status(lemma.id))}): "
            f"&ldquo;{html.escape(lemma.quote)}&rdquo;</li>"
            for lemma in annotation.stale
        )
        parts.append(
            f'<div class="stale" id="stale-quotes"><strong>{len(annotation.stale)} quote(s) no longer occur '
            f"in the draft</strong> (the draft changed: re-anchor or re-examine these lemmas):"
            f"<ul>{items}</ul></div>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _lemma_line(annotation: Annotation, lemma_id: str, failures: list[str]) -> str:
    lemma = annotation.lemmas.get(lemma_id)
    status = annotation.status(lemma_id)
    if lemma is None:
        return f"<code>{html.escape(lemma_id)}</code> (not registered)"
    reading = f" <em>reading: {html.escape(lemma.reading)}</em>" if lemma.reading else ""
    return (
        f"<code>{html.escape(lemma_id)}</code> {_status_badge(status)}{reading}: "
        f"{render_inline(lemma.statement, failures)}"
    )


def _note(annotation: Annotation, lemma_id: str, out_dir: Path, results: Path, failures: list[str]) -> str:
    lemma, entry = annotation.lemmas[lemma_id], annotation.entries.get(lemma_id, {})
    status = annotation.status(lemma_id)
    rows = [("Statement", render_inline(lemma.statement, failures))]
    if lemma.reading:
        rows.append(("Reading", html.escape(lemma.reading)))
    if lemma.interpretation:
        rows.append(("Interpretation", render_inline(lemma.interpretation, failures)))
    if lemma.assumptions:
        rows.append(("Assumptions", "<br>".join(render_inline(a, failures) for a in lemma.assumptions)))
    readings = annotation.readings(lemma_id)
    if readings:
        rows.append(
            (
                "Other readings of this claim",
                "<ul>"
                + "".join(f"<li>{_lemma_line(annotation, other.id, failures)}</li>" for other in readings)
                + "</ul>",
            )
        )
    checks = [
        f"<li>{html.escape(check['name'])} [{html.escape(check['kind'])}]: "
        f"{render_inline(check['description'], failures)}</li>"
        for check in entry.get("checks", [])
    ]
    rows.append(
        (
            "Checks",
            ("<ul>" + "".join(checks) + "</ul>" if checks else "none: not checkable here")
            + f"<p>Evidence: {render_inline(entry.get('evidence_summary', ''), failures)}</p>",
        )
    )
    if entry.get("counterexample") is not None:
        shown = json.dumps(entry["counterexample"], indent=1, default=str)
        rows.append(("Counterexample", f"<pre>{html.escape(shown)}</pre>"))
    if lemma.corrected_by:
        rows.append(
            (
                "Corrected by",
                "<ul>"
                + "".join(f"<li>{_lemma_line(annotation, other, failures)}</li>" for other in lemma.corrected_by)
                + "</ul>",
            )
        )
    if entry.get("problems"):
        rows.append(("Problems", "<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in entry["problems"]) + "</ul>"))
    links = figure_links(entry, results, out_dir)
    if links:
        rows.append(
            (
                "Figures and results",
                "<ul>"
                + "".join(
                    f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>'
                    if href
                    else f"<li>{html.escape(label)}</li>"
                    for label, href in links
                )
                + "</ul>",
            )
        )
    if status == "open":
        measurement = annotation.measurements.get(lemma_id)
        if measurement is not None:
            folder = results / measurement["check"]
            where = (
                f'<a href="{html.escape(relative_href(folder, out_dir))}">{html.escape(str(folder))}</a>'
                if folder.is_dir()
                else f"archived table docs/empirical/results/{html.escape(measurement['check'])}.csv"
            )
            rows.append(
                (
                    "Latest measurement",
                    f"<pre>{html.escape(json.dumps(measurement, indent=1, default=str))}</pre>run folder: {where}",
                )
            )
        else:
            rows.append(
                (
                    "Latest measurement",
                    html.escape(
                        annotation.measurement_note or "none recorded (measure with `python -m empirical run CHECK`)"
                    ),
                )
            )
    body = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    claim = "as written in the draft" if lemma.as_written else "added by the package"
    return (
        f'<section class="note st-{html.escape(status)}" id="note-{html.escape(lemma_id)}">'
        f"<h3><code>{html.escape(lemma_id)}</code> {_status_badge(status)}</h3>"
        f"<p><strong>{html.escape(lemma.title)}</strong> &mdash; {html.escape(lemma.source)}; {claim}.</p>"
        f"<dl>{body}</dl></section>"
    )


def render_html(annotation: Annotation, out_dir: Path, results: Path) -> tuple[str, list[str]]:
    """The page and the formulas latex2mathml could not convert."""
    failures: list[str] = []
    spans = [(anchor.start, anchor.end) for anchor in annotation.anchors]
    claims = [
        {"id": a.lemma_id, "status": annotation.status(a.lemma_id), "title": annotation.lemmas[a.lemma_id].title}
        for a in annotation.anchors
    ]
    body = place_claims(render_markdown(inject_markers(annotation.draft_text, spans), failures), claims)
    notes = "\n".join(_note(annotation, anchor.lemma_id, out_dir, results, failures) for anchor in annotation.anchors)
    if not notes:
        notes = "<p>No quoted claim was found in this draft.</p>"
    title = next(
        (line[2:].strip() for line in annotation.draft_text.splitlines() if line.startswith("# ")),
        str(annotation.draft_path),
    )
    return page(f"{title} (annotated)", _banner_html(annotation), body, notes), failures


# ----------------------------------------------------------------------------- Markdown
_MD_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$|`[^`\n]+`", re.S)


def _outside_math(text: str, position: int) -> int:
    """Move a position that lies inside a formula or code span to the end of it."""
    for match in _MD_MATH.finditer(text):
        if match.start() < position < match.end():
            return match.end()
        if match.start() >= position:
            break
    return position


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_annotated_markdown(annotation: Annotation, out_dir: Path, results: Path) -> str:
    """The draft with ``badge[^id]`` after each found quote, footnotes at the end and the banner on top."""
    text = annotation.draft_text
    insertions = []
    for anchor in annotation.anchors:
        status = annotation.status(anchor.lemma_id)
        position = _outside_math(text, anchor.end)
        line_end = text.find("\n", position)
        line = text[text.rfind("\n", 0, position) + 1 : len(text) if line_end < 0 else line_end]
        separator = "\n" if line.lstrip("> ").startswith("$$") else " "  # keep a display formula on its own line
        insertions.append(
            (position, f"{separator}<sup>{_BADGES.get(status, '')}&nbsp;{status}</sup>[^{anchor.lemma_id}]")
        )
    pieces, cursor = [], 0
    for position, insertion in sorted(insertions, key=lambda item: item[0]):
        pieces += [text[cursor:position], insertion]
        cursor = position
    pieces.append(text[cursor:])
    facts = banner_lines(annotation)
    top = [
        f"> **Annotated draft** (`python -m theory annotate`). **{facts['scorecard']}**",
        ">",
        f"> {facts['marked']}: {facts['counts']}.",
        f"> {facts['coverage']}. Statuses: {facts['origin']}.",
        "> Badges: "
        + ", ".join(f"{_BADGES[s]} {s} ({_MEANINGS[s]})" for s in ("proved", "verified", "refuted", "open"))
        + "; each badge's footnote gives the lemma.",
    ]
    if annotation.stale:
        top.append(">")
        top.append(f"> **{len(annotation.stale)} quote(s) no longer occur in the draft:**")
        top += [
            f"> - `{lemma.id}` ({annotation.status(lemma.id)}): “{_one_line(lemma.quote)}”"
            for lemma in annotation.stale
        ]
    notes = []
    for anchor in annotation.anchors:
        lemma, entry = annotation.lemmas[anchor.lemma_id], annotation.entries.get(anchor.lemma_id, {})
        status = annotation.status(anchor.lemma_id)
        parts = [
            f"**`{lemma.id}`** {_BADGES.get(status, '')} {status}: {_one_line(lemma.title)}.",
            f"Statement: {_one_line(lemma.statement)}",
        ]
        if lemma.reading:
            parts.append(f"Reading: {_one_line(lemma.reading)}.")
        for other in annotation.readings(lemma.id):
            parts.append(
                f"Other reading `{other.id}` ({annotation.status(other.id)}"
                + (f", {other.reading}" if other.reading else "")
                + ")."
            )
        if entry.get("counterexample") is not None:
            parts.append(f"Counterexample: `{_json(entry['counterexample'])}`.")
        for corrector in lemma.corrected_by:
            corrected = annotation.lemmas.get(corrector)
            statement = _one_line(corrected.statement) if corrected else "(not registered)"
            parts.append(f"Corrected by `{corrector}` ({annotation.status(corrector)}): {statement}")
        links = [f"[{label}]({href})" for label, href in figure_links(entry, results, out_dir) if href]
        if links:
            parts.append("See " + ", ".join(links) + ".")
        if status == "open" and anchor.lemma_id in annotation.measurements:
            parts.append(f"Latest measurement: `{_json(annotation.measurements[anchor.lemma_id])}`.")
        notes.append(f"[^{lemma.id}]: " + " ".join(parts))
    return "\n".join(top) + "\n\n" + "".join(pieces).rstrip("\n") + "\n\n" + "\n\n".join(notes) + "\n"
