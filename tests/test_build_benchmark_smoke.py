"""The build benchmark runs at a tiny size, indexes every generated passage and prints its figures as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_build_benchmark_smoke(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.build", "--passages", "3000", "--corpus", str(tmp_path), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    [result] = json.loads(run.stdout)
    assert result["passages"] == 3000 and result["text_mb"] > 0
    [row] = result["rows"]
    assert row["indexed"] == 3000  # studybot index saw every passage written
    assert row["seconds"] > 0 and row["cpu_s"] > 0
    assert 0 < row["peak_parent_anon_mb"] <= row["peak_parent_mb"] <= row["peak_mb"]
    assert "reading articles" in row["stages"] and "indexing" in row["stages"]
