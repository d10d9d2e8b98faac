"""The load benchmark's memory figures (benchmarks/bot_load.py): where traced allocations grew, and
how much of a process's file-backed memory is a given folder's mapped files."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np

from benchmarks.bot_load import allocation_growth, mapped_rss_mb


def test_allocation_growth_names_the_line_that_allocated(tmp_path):
    tracemalloc.start(1)
    try:
        kept: list[bytes] = []
        first = tmp_path / "snapshot-1.pickle"
        tracemalloc.take_snapshot().dump(str(first))
        kept += [bytes(1000) + bytes([i % 256]) for i in range(2000)]  # about 2 MB in 2000 blocks
        second = tmp_path / "snapshot-2.pickle"
        tracemalloc.take_snapshot().dump(str(second))
    finally:
        tracemalloc.stop()
    growth = allocation_growth(first, second, top=3)
    top = growth["sites"][0]
    assert top["where"].startswith("tests/test_bot_load_memory.py:") and top["blocks"] >= 2000
    assert 1.8 <= growth["traced_growth_mb"] <= 3 and len(kept) == 2000


def test_mapped_rss_counts_the_resident_pages_of_the_folders_files_only(tmp_path):
    (tmp_path / "index").mkdir()
    np.save(tmp_path / "index" / "postings.npy", np.ones(2 << 20, dtype=np.uint8))
    np.save(tmp_path / "other.npy", np.ones(2 << 20, dtype=np.uint8))
    inside = np.load(tmp_path / "index" / "postings.npy", mmap_mode="r")
    outside = np.load(tmp_path / "other.npy", mmap_mode="r")
    before = mapped_rss_mb(os.getpid(), tmp_path / "index")
    assert int(inside.sum()) == inside.size and int(outside.sum()) == outside.size  # every page read
    after = mapped_rss_mb(os.getpid(), tmp_path / "index")
    assert before < 0.5 and 1.9 <= after <= 2.2
