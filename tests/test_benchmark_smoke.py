"""The search benchmark runs at a tiny size, keeps its --json contract, and agrees with rank-bm25."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE_KEYS = {"build_s", "build_index_only_s", "index_mb", "p50_ms", "p99_ms", "questions"}


def test_benchmark_smoke():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.search", "--passages", "2000", "--questions", "20", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    records = json.loads(run.stdout)
    assert isinstance(records, list) and len(records) == 1
    record = records[0]
    assert {"passages", "ours", "rank_bm25", "speedup_p50", "max_abs_diff", "reference_questions"} <= set(record)
    assert record["passages"] == 2000 and record["reference_questions"] == 20
    assert ENGINE_KEYS | {"disk_mb", "load_s"} <= set(record["ours"])
    assert set(record["rank_bm25"]) >= ENGINE_KEYS
    assert record["max_abs_diff"] <= 1e-9
    # A ratio from one run, not an absolute time: ours must beat rank-bm25 on the same questions.
    assert record["ours"]["p50_ms"] < record["rank_bm25"]["p50_ms"]
    assert record["speedup_p50"] > 1
