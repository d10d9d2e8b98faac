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
    # The test extra installs the semantic extra: its row and the model's cost are printed.
    assert {"ask_semantic_p50_ms", "ask_semantic_p99_ms", "semantic_load_s", "semantic_model_mb"} <= set(record["ours"])
    assert set(record["rank_bm25"]) >= ENGINE_KEYS
    assert record["max_abs_diff"] <= 1e-9
    # A ratio from one run, not an absolute time: ours must beat rank-bm25 on the same questions.
    assert record["ours"]["p50_ms"] < record["rank_bm25"]["p50_ms"]
    assert record["speedup_p50"] > 1


def test_libraries_benchmark_smoke():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.libraries", "--libraries", "12", "--passages", "40", "--documents", "2",
         "--shared-passages", "300", "--questions", "60", "--max-loaded", "4", "--pdf-pages", "2", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    record = json.loads(run.stdout)
    assert record["libraries"] == 12 and record["questions"] == 60
    assert record["answered"] == 60  # every question is about a passage of the asking server's library
    assert record["loaded"]["count"] + record["not_loaded"]["count"] == 60
    assert record["not_loaded"]["count"] >= record["servers_asked"]  # each server's first question loads it
    assert record["loaded_at_end"] == 4  # the LRU bound holds: more servers asked than may stay loaded
    for key in ("loaded", "not_loaded"):
        assert record[key]["p50_ms"] <= record[key]["p99_ms"]
    assert record["rss_end_mb"] > 0 and record["pdf_answerable_s"] >= record["pdf_upload_s"] > 0
