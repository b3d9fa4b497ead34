"""Progress bars that stay readable in logs: tqdm on a terminal, plain lines elsewhere.

On a terminal the bar redraws in place. When stderr is not a terminal (a CI log, ``nohup``, a batch
scheduler's output file), tqdm's carriage-return redraws would pile up on one unreadable line; there the
bar prints one plain line per update instead, at most every ``log_interval`` seconds (30 by default), plus
the final line. Shared by `sims` and `empirical`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

__all__ = ["progress_bar"]

_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _LineStream:
    """A file-like stream turning tqdm's redraws into whole lines."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        for piece in _ESCAPES.sub("", text).replace("\r", "\n").split("\n"):
            if piece.strip():
                self.stream.write(piece.rstrip() + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    leave: bool = True,
    initial: int = 0,
    log_interval: float = 30.0,
) -> tqdm:
    """A tqdm bar on a terminal; plain lines every ``log_interval`` seconds on any other stderr."""
    stream = sys.stderr
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    options: dict[str, Any] = {
        "total": total,
        "desc": desc,
        "unit": unit,
        "disable": not enabled,
        "leave": leave,
        "initial": initial,
    }
    if not terminal:
        options.update(
            file=_LineStream(stream),
            mininterval=log_interval,
            maxinterval=max(log_interval, 60.0),
            ncols=100,
            ascii=True,
            dynamic_ncols=False,
            leave=True,
        )
    return tqdm(iterable, **options)
