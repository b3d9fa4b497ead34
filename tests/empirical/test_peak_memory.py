"""PeakResidentMemory: a block that touches N bytes grows the peak by about N, one that touches none by little."""

from __future__ import annotations

import numpy as np
import pytest

from empirical.peak_memory import PeakResidentMemory, peak_memory_supported

pytestmark = pytest.mark.skipif(not peak_memory_supported(), reason="needs Linux's /proc/self/clear_refs")

SIZE = 200 * 2**20


def test_a_touched_array_counts_and_a_freed_one_still_counts_at_its_peak():
    with PeakResidentMemory() as peak:
        array = np.ones(SIZE, dtype=np.uint8)  # written, so resident
        del array
    # the interpreter may map a little more around the call, or have released a little it held before
    # (pages freed while the array grows): allow 1 MiB below and 16 MiB above
    assert SIZE - 2**20 <= peak.grown <= SIZE + 16 * 2**20


def test_an_idle_block_grows_little():
    with PeakResidentMemory() as peak:
        sum(range(1000))
    assert peak.grown < 16 * 2**20
