"""The peers benchmark runs at a tiny size, keeps its --json contract, and says when a peer is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from benchmarks import peers

ROOT = Path(__file__).resolve().parent.parent
ROW_KEYS = {"engine", "passages", "build_s", "index_mb", "peak_mb", "p50_ms", "p99_ms", "overlap"}


def test_peers_benchmark_smoke():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.peers", "--passages", "2000", "--questions", "20", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    rows = {row["engine"]: row for row in json.loads(run.stdout)}
    assert list(rows) == list(peers.ENGINES)
    for engine, row in rows.items():
        installed = find_spec(peers.MODULES[engine].split(".")[0]) is not None
        assert ("missing" in row) == (not installed), engine
        if installed:
            assert set(row) >= ROW_KEYS and row["passages"] == 2000 and row["questions"] == 20
    # The exact top 10 is Studybot's; rank-bm25's own top 10 lies within it (ties at the 10th aside).
    assert rows["studybot"]["overlap"] == 1.0 and rows["rank-bm25"]["overlap"] == 1.0


def test_a_missing_peer_is_reported_not_left_out(monkeypatch):
    monkeypatch.setitem(peers.MODULES, "tantivy", "no_such_search_library")
    monkeypatch.setitem(peers.MODULES, "bm25s", "no_such_search_library")
    args = peers.parse_args(["--passages", "500", "--questions", "5"])
    rows = peers.run_size(500, args)
    assert [r["engine"] for r in rows] == list(peers.ENGINES)
    assert rows[2]["missing"] == rows[3]["missing"] == "no_such_search_library not installed"
    text = peers.table(rows, peers.machine())
    assert text.count("MISSING") == 2 and "no_such_search_library not installed" in text
