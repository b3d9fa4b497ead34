r"""The paper draft as text: where it lives, and where a quote of it occurs.

Every as-written lemma carries ``quote``, the draft's own words (its markdown/LaTeX source) verbatim up
to whitespace. This module is the one place that decides what "occurs in the draft" means:

* :func:`normalise` -- runs of whitespace (spaces, tabs, newlines) become one space; leading and
  trailing whitespace is dropped. Nothing else changes: case, punctuation and LaTeX stay as written.
* :func:`find_quote` -- the span ``(start, end)`` of the first occurrence of a quote in the draft's
  *original* text (so an annotator can point at it), or ``None``.
* :func:`default_draft_path` -- ``$NONCOMMUTE_DRAFT`` if set, else ``shared/paper/draft.md`` beside the
  repository (``../shared/paper/draft.md`` from its root), also tried beside the main checkout of a git
  worktree and inside the repository (``shared/`` on the device machine).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["normalise", "find_quote", "find_quotes", "contains_quote", "default_draft_path", "read_draft", "DRAFT_ENV"]

#: Environment variable that names the draft explicitly.
DRAFT_ENV = "NONCOMMUTE_DRAFT"
_RELATIVE = Path("shared") / "paper" / "draft.md"
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """``text`` with every run of whitespace replaced by one space, stripped at both ends."""
    return _WHITESPACE.sub(" ", text).strip()


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of that character in ``text``."""
    characters: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"\S+|\s+", text):
        if match.group().isspace():
            if characters:  # a space between words; trailing whitespace is trimmed below
                characters.append(" ")
                offsets.append(match.start())
        else:
            characters.extend(match.group())
            offsets.extend(range(match.start(), match.end()))
    if characters and characters[-1] == " ":
        characters.pop()
        offsets.pop()
    return "".join(characters), offsets


def find_quote(draft_text: str, quote: str) -> tuple[int, int] | None:
    """Span ``(start, end)`` in ``draft_text`` of the first whitespace-normalised occurrence of ``quote``.

    ``draft_text[start:end]`` is the quoted passage as the draft writes it (its own line breaks). An
    empty or all-whitespace quote occurs nowhere (``None``): a quote must say something.
    """
    spans = find_quotes(draft_text, quote)
    return spans[0] if spans else None


def find_quotes(draft_text: str, quote: str) -> list[tuple[int, int]]:
    """Every span of ``quote`` in ``draft_text`` (whitespace-normalised), in draft order; ``[]`` when absent."""
    wanted = normalise(quote)
    if not wanted:
        return []
    text, offsets = _normalised_with_offsets(draft_text)
    spans, position = [], text.find(wanted)
    while position >= 0:
        spans.append((offsets[position], offsets[position + len(wanted) - 1] + 1))
        position = text.find(wanted, position + 1)
    return spans


def contains_quote(draft_text: str, quote: str) -> bool:
    """Whether ``quote`` occurs in ``draft_text`` up to whitespace."""
    return find_quote(draft_text, quote) is not None


def _repository_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _main_checkout(root: Path) -> Path | None:
    """The main working tree of a git worktree (``.git`` is then a file naming the worktree's git dir)."""
    marker = root / ".git"
    if not marker.is_file():
        return None
    content = marker.read_text(encoding="utf-8").strip()
    if not content.startswith("gitdir:"):
        return None
    gitdir = (root / content.split(":", 1)[1].strip()).resolve()
    common = gitdir / "commondir"
    common_dir = (gitdir / common.read_text(encoding="utf-8").strip()).resolve() if common.is_file() else gitdir
    return common_dir.parent


def _candidates() -> list[Path]:
    root = _repository_root()
    candidates = [root.parent / _RELATIVE]
    main = _main_checkout(root)
    if main is not None:
        candidates.append(main.parent / _RELATIVE)
    candidates.append(root / _RELATIVE)
    return candidates


def default_draft_path() -> Path:
    """Where the draft is: ``$NONCOMMUTE_DRAFT``, else the first existing candidate beside the repository.

    When none exists the first candidate (``../shared/paper/draft.md`` from the repository root) is
    returned, so that the caller's error message names the expected place.
    """
    explicit = os.environ.get(DRAFT_ENV)
    if explicit:
        return Path(explicit)
    candidates = _candidates()
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def read_draft(path: str | Path | None = None) -> str:
    """The draft's text; a missing file raises ``FileNotFoundError`` naming it and how to point at it."""
    target = Path(path) if path is not None else default_draft_path()
    if not target.is_file():
        raise FileNotFoundError(f"no paper draft at {target}: set ${DRAFT_ENV} to the draft's path")
    return _read(str(target), target.stat().st_mtime)
