"""PeakResidentMemory: a block that touches N bytes grows the peak by about N, one that touches none by little.

Each measurement runs in a fresh interpreter, as :mod:`empirical.peak_memory` asks: in a process that already
allocated and freed more than the block needs (pytest after hundreds of tests), the allocator hands back pages
that are still resident and the block reads low (``grown`` was 0 in a full run).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from empirical.peak_memory import peak_memory_supported

pytestmark = pytest.mark.skipif(not peak_memory_supported(), reason="needs Linux's /proc/self/clear_refs")

SIZE = 200 * 2**20
_REPOSITORY = Path(__file__).resolve().parents[2]


def _grown_in_a_fresh_process(block: str) -> int:
    """``peak.grown`` of ``block`` (Python source, run inside the ``with``) measured in a new interpreter."""
    source = (
        "import numpy as np\n"
        "from empirical.peak_memory import PeakResidentMemory\n"
        "with PeakResidentMemory() as peak:\n"
        + "".join(f"    {line}\n" for line in block.splitlines())
        + "print(peak.grown)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, cwd=_REPOSITORY, timeout=120, check=True
    )
    return int(result.stdout.strip())


def test_a_touched_array_counts_and_a_freed_one_still_counts_at_its_peak():
    grown = _grown_in_a_fresh_process(f"array = np.ones({SIZE}, dtype=np.uint8)  # written, so resident\ndel array")
    # the interpreter may map a little more around the call, or have released a little it held before
    # (pages freed while the array grows): allow 1 MiB below and 16 MiB above
    assert SIZE - 2**20 <= grown <= SIZE + 16 * 2**20


def test_an_idle_block_grows_little():
    assert _grown_in_a_fresh_process("sum(range(1000))") < 16 * 2**20


def test_a_block_that_touches_nothing_is_not_read_as_the_array():
    """Negative control for the first test's bounds: the same check rejects a block that allocates nothing."""
    grown = _grown_in_a_fresh_process("array = np.empty(0, dtype=np.uint8)")
    assert not SIZE - 2**20 <= grown <= SIZE + 16 * 2**20
