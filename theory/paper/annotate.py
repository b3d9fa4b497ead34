r"""The draft, annotated in place: ``python -m theory annotate DRAFT.md [--out DIR] [--strict]``.

Every as-written lemma carries ``quote``, the draft's own words (whitespace may differ). This command
finds each quote in the draft's Markdown source, derives the lemmas' statuses (from a fresh verification
record, else by running their checks: :func:`theory.checking.verify.resolve_entries`), and writes under ``--out``
(default ``results/annotate``), never into the tree:

``annotated-draft.html``
    the draft rendered by markdown-it-py with MathML mathematics (:mod:`theory.paper.annotate_html`); each
    found quote is one element with ``data-lemma`` and ``data-status``, coloured with the lemma graph's
    legend, whose pop-over (and note at the end of the page) gives the statement, the other readings of
    the claim with their verdicts, the checks, the stored counterexample, the corrections with their
    status, the figures and result folders of the sweeps and checks that measure it, and for an ``open``
    lemma the latest empirical measurement. A banner at the top counts the mathematical sentences,
    those holding a marked claim, the statuses, and lists every quote that no longer occurs.
``annotated-draft.md``
    the draft's Markdown with a badge and a footnote after each found quote (renders on a code-hosting
    site); the same banner as a block quote at the top.
``annotate.json``
    the counts, the quotes not found, the timings, and the run's provenance.

Matching is on whitespace-normalised text (:func:`normalise`, :func:`find_quote`); a quote that occurs
several times marks its first occurrence and says so. Exit codes: 0; 1 with ``--strict`` when a quote
no longer occurs; 2 bad input (missing draft, not UTF-8, larger than ``--max-size`` MiB (default 5), bad record).
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from theory.checking.registry import Lemma, registry
from theory.paper.annotation import Anchor, Annotation, figure_links, relative_href
from theory.paper.draft import default_draft_path, find_quote, find_quotes, normalise

__all__ = [
    "DEFAULT_OUT",
    "DraftError",
    "Anchor",
    "Annotation",
    "normalise",
    "find_quote",
    "default_draft_path",
    "read_draft",
    "figure_links",
    "relative_href",
    "locate_quotes",
    "math_sentences",
    "annotate",
    "register_command",
]

DEFAULT_OUT = Path("results") / "annotate"
#: Largest draft read without --max-size, in MiB (a 50 MB draft grew annotate past 2 GB of memory).
DEFAULT_MAX_MIB = 5.0
HTML_NAME, MARKDOWN_NAME, SUMMARY_NAME = "annotated-draft.html", "annotated-draft.md", "annotate.json"


class DraftError(ValueError):
    """A draft that cannot be read: the message is one line naming the file and what to do."""


# ----------------------------------------------------------------------------- quotes
def read_draft(path: str | Path, max_mib: float = DEFAULT_MAX_MIB) -> str:
    """The draft's text; :class:`DraftError` when it is missing, not a file, larger than ``max_mib`` MiB
    (rendering grows with the draft: a 1 MiB draft took 15 s and 216 MiB peak, a 50 MB one went past 2 GB),
    or not UTF-8."""
    path = Path(path)
    if not path.exists():
        raise DraftError(f"draft file {path} does not exist; pass the path of the draft's Markdown file")
    if not path.is_file():
        raise DraftError(f"draft {path} is not a file; pass the path of the draft's Markdown file")
    if not (isinstance(max_mib, (int, float)) and max_mib > 0):
        raise DraftError(f"--max-size {max_mib}: give a size in MiB > 0")
    size = path.stat().st_size
    if size > max_mib * 2**20:
        raise DraftError(
            f"draft {path} holds {size / 2**20:,.1f} MiB, over the limit of {max_mib:g} MiB; "
            f"pass --max-size {int(size / 2**20) + 1} to annotate it anyway"
        )
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is no part of the text
    except UnicodeDecodeError as error:
        raise DraftError(
            f"draft {path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8 and run again"
        ) from None


def locate_quotes(draft_text: str, lemmas: Sequence[Lemma]) -> tuple[list[Anchor], list[Lemma]]:
    """The anchors of the quoted lemmas found in the draft (in draft order) and the quoted lemmas not found."""
    anchors, stale = [], []
    for lemma in lemmas:
        if not lemma.quote:
            continue
        spans = find_quotes(draft_text, lemma.quote)
        if spans:
            anchors.append(Anchor(lemma.id, spans[0][0], spans[0][1], len(spans)))
        else:
            stale.append(lemma)
    anchors.sort(key=lambda anchor: (anchor.start, -anchor.end))
    return anchors, stale


# ----------------------------------------------------------------------------- coverage
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$", re.S)
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|#|>|\$\$))")


def math_sentences(draft_text: str) -> list[tuple[int, int]]:
    """Source spans of the draft's *mathematical sentences*: sentences (or displayed formulas) holding ``$`` math.

    Sentences end at ``.``, ``!`` or ``?`` followed by white space, at blank lines and at the start of a
    list item, heading, block quote or display formula; full stops inside formulas and code do not count.
    """
    masked = list(draft_text)
    for pattern in (_CODE, _MATH):
        for match in pattern.finditer(draft_text):
            masked[match.start() : match.end()] = "x" * (match.end() - match.start())
    masked_text = "".join(masked)
    spans, cursor = [], 0
    boundaries: list[re.Match[str] | None] = [*_BOUNDARY.finditer(masked_text), None]
    for boundary in boundaries:
        end = boundary.start() if boundary else len(draft_text)
        segment = draft_text[cursor:end]
        if _MATH.search(segment) and not _CODE.fullmatch(segment.strip()):
            spans.append((cursor, end))
        cursor = boundary.end() if boundary else end
    return spans


def _coverage(draft_text: str, anchors: Sequence[Anchor]) -> dict[str, Any]:
    """Two counts: sentences of this draft holding a formula that a marked claim touches, and the claims
    inventory of :mod:`theory.paper.claims` (every mathematical sentence of the draft, with or without a lemma)."""
    from theory.paper.claims import coverage as inventory_coverage

    sentences = math_sentences(draft_text)
    starts = [anchor.start for anchor in anchors]
    checked = 0
    for start, end in sentences:
        first = bisect.bisect_left(starts, end)  # anchors starting before the sentence's end
        if any(anchor.end > start for anchor in anchors[:first]):
            checked += 1
    return {
        "mathematical_sentences": len(sentences),
        "with_a_marked_claim": checked,
        "counted_by": "theory.paper.annotate.math_sentences (sentences that hold a formula, and displayed formulas)",
        "inventory": inventory_coverage(),
    }


# ----------------------------------------------------------------------------- statuses and links
def _measurements(results: Path, checks: Sequence[str]) -> tuple[dict[str, Any], str]:
    """The latest empirical measurement per lemma from the tables of ``checks`` (empirical.records), or why none."""
    try:
        from empirical.records import latest_measurements
    except ImportError:
        return {}, "empirical.records cannot be imported: install the `empirical` extra"
    try:  # naming the checks spares importing them (and torch): the record says which checks measure a lemma
        return latest_measurements(out_dir=results, checks=checks), ""
    except Exception as error:  # an unreadable store must not hide the draft
        return {}, f"could not read measurements from {results}: {type(error).__name__}: {error}"


def collect(
    draft_path: Path,
    draft_text: str,
    lemmas: Mapping[str, Lemma],
    profile: str | None,
    record_path: Path | None,
    results: Path,
    progress: bool,
) -> Annotation:
    """Locate the quotes and resolve the statuses of the lemmas a note mentions (quoted, readings, corrections)."""
    from theory.checking.verify import resolve_entries

    lemmas = dict(lemmas)
    anchors, stale = locate_quotes(draft_text, list(lemmas.values()))
    started = time.perf_counter()
    entries: dict[str, dict[str, Any]] = {}
    origin = "no lemma: nothing to evaluate"
    if anchors or stale:  # every lemma: the banner's scorecard (theory.paper.scorecard) counts them all
        entries, origin = resolve_entries(list(lemmas.values()), profile, record_path, progress)
    annotation = Annotation(
        draft_path, draft_text, lemmas, anchors, stale, entries, origin, _coverage(draft_text, anchors)
    )
    resolved = time.perf_counter()
    open_ids = [anchor.lemma_id for anchor in anchors if annotation.status(anchor.lemma_id) == "open"]
    if open_ids:
        checks = dict.fromkeys(name for lemma_id in open_ids for name in entries[lemma_id].get("empirical") or ())
        annotation.measurements, annotation.measurement_note = _measurements(results, list(checks))
    annotation.seconds = {
        "statuses": round(resolved - started, 3),
        "measurements": round(time.perf_counter() - resolved, 3),
    }
    return annotation


# ----------------------------------------------------------------------------- writing
def _write(path: Path, text: str) -> Path:
    """Write atomically: a temporary file of unique name renamed over the target (none left on failure)."""
    from theory.support.run_folder import atomic_write_text

    atomic_write_text(path, text)
    return path


def annotate(
    draft: str | Path,
    out_dir: str | Path = DEFAULT_OUT,
    *,
    profile: str | None = None,
    record_path: str | Path | None = None,
    results: str | Path = "results",
    lemmas: Mapping[str, Lemma] | None = None,
    progress: bool = False,
    max_mib: float = DEFAULT_MAX_MIB,
) -> dict[str, Any]:
    """Write the annotated draft (HTML, Markdown, summary JSON) under ``out_dir``; return the summary.

    A draft above ``max_mib`` MiB is refused (:func:`read_draft`)."""
    from theory.paper.annotate_render import render_annotated_markdown, render_html
    from theory.support.provenance import provenance

    started = time.perf_counter()
    draft_path = Path(draft)
    text = read_draft(draft_path, max_mib)
    out_dir, results = Path(out_dir), Path(results)
    annotation = collect(
        draft_path,
        text,
        registry() if lemmas is None else lemmas,
        profile,
        None if record_path is None else Path(record_path),
        results,
        progress,
    )
    resolved = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    page, failures = render_html(annotation, out_dir, results)
    html_path = _write(out_dir / HTML_NAME, page)
    md_path = _write(out_dir / MARKDOWN_NAME, render_annotated_markdown(annotation, out_dir, results))
    rendered = time.perf_counter()
    summary = {
        "draft": str(draft_path),
        "html": str(html_path),
        "markdown": str(md_path),
        "quoted_lemmas": len(annotation.anchors) + len(annotation.stale),
        "marked": len(annotation.anchors),
        "counts": annotation.counts(),
        "coverage": annotation.coverage,
        "statuses_from": annotation.origin,
        "scorecard": annotation.scorecard().as_dict(),
        "marked_lemmas": {anchor.lemma_id: annotation.status(anchor.lemma_id) for anchor in annotation.anchors},
        "repeated_quotes": {a.lemma_id: a.occurrences for a in annotation.anchors if a.occurrences > 1},
        "stale_quotes": [{"id": lemma.id, "quote": lemma.quote} for lemma in annotation.stale],
        "math_not_converted": failures,
        "seconds": {
            **annotation.seconds,
            "reading_and_quotes": round(resolved - started - sum(annotation.seconds.values()), 3),
            "rendering": round(rendered - resolved, 3),
        },
    }
    summary["provenance"] = provenance(
        None,
        {
            "draft": str(draft_path),
            "out": str(out_dir),
            "profile": profile,
            "record": None if record_path is None else str(record_path),
        },
    )
    _write(out_dir / SUMMARY_NAME, json.dumps(summary, indent=1, default=str) + "\n")
    return summary


# ----------------------------------------------------------------------------- command line
def _run(args: argparse.Namespace) -> int:
    from theory.checking.verify import DEFAULT_RECORD

    record = None if args.no_record else Path(args.record or DEFAULT_RECORD)
    if args.draft is None:
        args.draft = default_draft_path()  # when absent, read_draft names the expected place
    summary = annotate(
        args.draft,
        args.out,
        profile=args.profile,
        record_path=record,
        results=args.results,
        progress=not args.no_progress,
        max_mib=args.max_size,
    )
    counts = ", ".join(f"{count} {status}" for status, count in summary["counts"].items()) or "none"
    coverage = summary["coverage"]
    print(
        f"wrote {summary['html']}\nwrote {summary['markdown']}\n"
        f"{summary['marked']} of {summary['quoted_lemmas']} quoted lemmas marked: {counts}. "
        f"Statuses: {summary['statuses_from']}.\n{summary['scorecard']['text']}\n"
        f"{coverage['mathematical_sentences']} mathematical sentences, {coverage['with_a_marked_claim']} "
        f"with a marked claim. Rendering took {summary['seconds']['rendering']:.2f} s (statuses "
        f"{summary['seconds']['statuses']:.2f} s, measurements {summary['seconds']['measurements']:.2f} s)."
    )
    if summary["math_not_converted"]:
        print(
            f"{len(summary['math_not_converted'])} formula(s) not converted to MathML (shown as LaTeX): "
            + "; ".join(summary["math_not_converted"])
        )
    if summary["stale_quotes"]:
        print(
            f"{len(summary['stale_quotes'])} quote(s) no longer occur in {args.draft}: "
            + ", ".join(item["id"] for item in summary["stale_quotes"])
        )
        return 1 if args.strict else 0
    return 0


def register_command(commands: Any) -> argparse.ArgumentParser:
    """Add ``annotate`` to the subcommands of ``python -m theory``."""
    from theory.checking.profiles import PROFILES

    command = commands.add_parser(
        "annotate",
        help="the draft as HTML and Markdown, each claim marked with its verdict",
        description=__doc__.split("\n\n")[0],
    )
    command.add_argument(
        "draft",
        metavar="DRAFT.md",
        nargs="?",
        default=None,
        help="the draft's Markdown (default $NONCOMMUTE_DRAFT, or shared/paper/draft.md beside "
        "the repository or above it)",
    )
    command.add_argument("--out", default=str(DEFAULT_OUT), help=f"output folder (default {DEFAULT_OUT})")
    command.add_argument("--strict", action="store_true", help="exit 1 when a quote no longer occurs in the draft")
    command.add_argument("--results", default="results", help="folder of sims/empirical results (default results)")
    command.add_argument("--record", default=None, help="verification record to read (default docs/verification.json)")
    command.add_argument("--no-record", action="store_true", help="ignore the record: run the checks now")
    command.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help="Hypothesis profile for lemmas the record lacks (default: dev, or ci when $CI is set)",
    )
    command.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    command.add_argument(
        "--max-size",
        type=float,
        default=DEFAULT_MAX_MIB,
        metavar="MIB",
        help=f"largest draft to read, in MiB (default {DEFAULT_MAX_MIB:g}; rendering a 1 MiB draft "
        "takes about 15 s and 200 MiB of memory)",
    )
    command.set_defaults(handler=_run)
    return command
