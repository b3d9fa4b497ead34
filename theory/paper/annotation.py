"""What the annotated draft is made of: where each quote sits (:class:`Anchor`), the gathered annotation
(:class:`Annotation`: anchors, statuses, coverage, measurements) and the links to the figures that measure a lemma.

:mod:`theory.paper.annotate` builds an :class:`Annotation`; :mod:`theory.paper.annotate_render` writes it as
HTML and Markdown. Both import this module; it imports neither.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from theory.checking.registry import Lemma

if TYPE_CHECKING:
    from theory.paper.scorecard import Scorecard

__all__ = ["REPOSITORY_ROOT", "Anchor", "Annotation", "relative_href", "figure_links"]

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Anchor:
    """Where a lemma's quote occurs: source offsets of its first occurrence, and how many there are."""

    lemma_id: str
    start: int
    end: int
    occurrences: int


@dataclass
class Annotation:
    """Everything the two renderings need: the anchors, the entries (statuses) and the context of each lemma."""

    draft_path: Path
    draft_text: str
    lemmas: dict[str, Lemma]
    anchors: list[Anchor]
    stale: list[Lemma]
    entries: dict[str, dict[str, Any]]
    origin: str
    coverage: dict[str, Any]
    measurements: dict[str, Any] = field(default_factory=dict)
    measurement_note: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def status(self, lemma_id: str) -> str:
        entry = self.entries.get(lemma_id)
        if entry is None:
            return "unverified"
        return entry["status"] if entry.get("ok", True) else "error"

    def readings(self, lemma_id: str) -> list[Lemma]:
        """The other readings of the same claim (same ``claim_key``), in registry order."""
        key = self.lemmas[lemma_id].claim_key
        return [lemma for lemma in self.lemmas.values() if lemma.claim_key == key and lemma.id != lemma_id]

    def scorecard(self) -> Scorecard:
        """The scorecard (:mod:`theory.paper.scorecard`) of every lemma of this annotation."""
        from theory.paper.scorecard import scorecard_from_entries

        return scorecard_from_entries(self.entries, self.lemmas)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for anchor in self.anchors:
            counts[self.status(anchor.lemma_id)] = counts.get(self.status(anchor.lemma_id), 0) + 1
        order = ("proved", "verified", "refuted", "open")
        return {s: counts[s] for s in (*order, *sorted(set(counts) - set(order))) if s in counts}


def relative_href(target: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()


def figure_links(entry: Mapping[str, Any], results: Path, out_dir: Path) -> list[tuple[str, str]]:
    """(label, relative href) of the figures and result folders of the sweeps and checks that measure a lemma."""
    docs = REPOSITORY_ROOT / "docs"
    links: list[tuple[str, str]] = []
    for kind, names in (("sims", entry.get("sims") or ()), ("empirical", entry.get("empirical") or ())):
        for name in names:
            figures = (
                sorted((docs / "sims").glob(f"{name}.png"))
                if kind == "sims"
                else sorted((docs / "empirical").glob(f"{name}_*.png"))
            )
            figures += sorted((results / name / "figures").glob("*.png"))
            links += [(f"{kind} {name}: {path.name}", relative_href(path, out_dir)) for path in figures]
            archived = docs / "empirical" / "results" / f"{name}.csv"
            if kind == "empirical" and archived.is_file():
                links.append((f"{kind} {name}: archived table", relative_href(archived, out_dir)))
            if (results / name).is_dir():
                links.append((f"{kind} {name}: results folder", relative_href(results / name, out_dir)))
            if not figures and not (results / name).is_dir():
                command = "sims run" if kind == "sims" else "empirical run"
                links.append((f"{kind} {name}: not run yet (python -m {command} {name})", ""))
    return links
