"""Peak resident memory of a block of code, from Linux's per-process counters (for benchmarks and the tests
that check memory estimates such as :func:`empirical.hvp.dense_hessian_bytes`).

``/proc/self/status`` holds ``VmRSS`` (resident now) and ``VmHWM`` (the high-water mark of the address space).
Writing ``5`` to ``/proc/self/clear_refs`` resets the high-water mark to the current resident size, so
:class:`PeakResidentMemory` measures what a block adds at its peak: ``VmHWM`` after the block minus ``VmRSS``
before it. ``resource.getrusage(...).ru_maxrss`` cannot serve: Linux carries it across ``fork`` and ``exec``,
so a subprocess started by a large parent (pytest) reports the parent's peak.

Freed memory that the allocator keeps resident is reused without growing the count, so a block measured in a
process that already allocated and freed more than it needs reads low; measure in a fresh process.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

__all__ = ["PeakResidentMemory", "peak_memory_supported"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_bytes(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise RuntimeError(f"{_STATUS}: {field} in unexpected unit {unit!r}")
            return int(value) * 1024
    raise RuntimeError(f"{_STATUS} has no {field} line")


def _reset_high_water_mark() -> None:
    """Set ``VmHWM`` to the current resident size (``5`` into ``clear_refs``); OSError where unsupported."""
    _CLEAR_REFS.write_text("5")


def peak_memory_supported() -> bool:
    """Whether this system lets a process reset and read its resident high-water mark (Linux 4.0+); trying
    resets the mark, which is harmless (every measurement resets it first)."""
    try:
        _status_bytes("VmHWM")
        _reset_high_water_mark()
    except (OSError, RuntimeError):
        return False
    return True


class PeakResidentMemory:
    """``with PeakResidentMemory() as peak: ...`` then ``peak.grown``: bytes the block added at its peak."""

    def __init__(self) -> None:
        self.before = 0
        self.grown = 0

    def __enter__(self) -> PeakResidentMemory:
        try:
            _reset_high_water_mark()
        except OSError:
            raise RuntimeError(f"cannot reset the resident high-water mark ({_CLEAR_REFS}): Linux 4.0+ only") from None
        self.before = _status_bytes("VmRSS")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.grown = max(0, _status_bytes("VmHWM") - self.before)
