"""How long `studybot ask` takes as a fresh process (target: ≤ 1 s wall; ≤ 1.5 s at 3M passages).

Run as `python -m benchmarks.cli_start [--runs 10] [--passages 1000000,3000000] [--json]`. On the
bundled corpus, the first run builds and saves the index in a temporary data folder; the timed runs
load it, as a moderator's terminal would; beside each, a fresh `python -c pass` (the interpreter) and
a fresh process importing what `ask` imports (their difference: the imports). For each `--passages` size it
writes a seeded corpus of that many generated passages (files of about 2 MB, under the text-file cap), runs
`studybot index` once, then times fresh `studybot ask` processes on the saved index and prints its size on disk
against the size of the corpus text (target: ≤ 1.3×).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUESTION = "Who heads the Joint Chiefs of Staff?"
GENERATED_QUESTION = "What does the reading say about treaty sanctions and the alliance?"
ASK_IMPORTS = "import bot.cli, bot.wiring"  # what `studybot ask` imports before it opens the saved index
PASSAGES_PER_FILE = 5_000  # about 2 MB of text a file
TARGET_S, TARGET_S_3M, TARGET_DISK_RATIO = 1.0, 1.5, 1.3


def measure(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "STUDYBOT_DATA_DIR": data_dir}
        command = [sys.executable, "-m", "bot", "ask", QUESTION]
        first = _timed(command, env)
        times, imports, bare = [], [], []
        for _ in range(runs):  # interleaved, so that a busy moment weighs on all three alike
            times.append(_timed(command, env))
            imports.append(_timed([sys.executable, "-c", ASK_IMPORTS], env))
            bare.append(_timed([sys.executable, "-c", "pass"], env))
        probe = "import bot.cli, sys; bot.cli.main(['ask', 'reset']); print('discord' in sys.modules)"
        imports_discord = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        ).stdout.strip().endswith("True")
    return {
        "first_run_s": round(first, 3),
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "interpreter_s": round(statistics.median(bare), 3),
        "imports_s": round(statistics.median(imports) - statistics.median(bare), 3),
        "imports_discord": imports_discord,
        "target_s": TARGET_S,
        "met": max(times) <= TARGET_S and not imports_discord,
    }


# ---------------------------------------------------------------- generated corpora


def write_generated_corpus(folder: Path, n_passages: int, seed: int = 7) -> int:
    """n seeded passages of 40-80 Zipf-drawn words (benchmarks.bot_load's vocabulary) as ~2 MB text
    files: a title line, then paragraphs between blank lines. Returns the bytes of text written."""
    from benchmarks.bot_load import MAX_WORDS, MIN_WORDS, Vocabulary

    vocab = Vocabulary(seed)
    words = np.array(vocab.words, dtype=object)
    rng = np.random.default_rng([seed, 3])
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for f in range(math.ceil(n_passages / PASSAGES_PER_FILE)):
        count = min(PASSAGES_PER_FILE, n_passages - f * PASSAGES_PER_FILE)
        lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, count)
        drawn = words[vocab.draw(rng, int(lengths.sum()))]
        ends = np.cumsum(lengths)
        paragraphs = [" ".join(drawn[end - n : end]).capitalize() + "." for n, end in zip(lengths, ends, strict=True)]
        text = f"# Reading {f + 1}\n\n" + "\n\n".join(paragraphs) + "\n"
        written += (folder / f"{f:04d}_reading.txt").write_text(text, encoding="utf-8")
    return written


def measure_generated(n_passages: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text_bytes = write_generated_corpus(root / "corpus", n_passages)
        config = write_config(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
        index_s = _timed([sys.executable, "-m", "bot", "index", "--config", str(config)], env)
        command = [sys.executable, "-m", "bot", "ask", "--config", str(config), GENERATED_QUESTION]
        times = [_timed(command, env) for _ in range(runs)]
        disk = sum(p.stat().st_size for p in (root / "data" / "index").rglob("*") if p.is_file())
    target = TARGET_S if n_passages <= 1_000_000 else TARGET_S_3M
    return {
        "passages": n_passages,
        "index_s": round(index_s, 1),
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "target_s": target,
        "text_mb": round(text_bytes / 1e6, 1),
        "saved_index_mb": round(disk / 1e6, 1),
        "disk_ratio": round(disk / text_bytes, 2),
        "met": statistics.median(times) <= target and disk / text_bytes <= TARGET_DISK_RATIO,
    }


def write_config(root: Path) -> Path:
    config = root / "config.yaml"
    config.write_text(f"data_dir: {root / 'data'}\ncorpus:\n  path: {root / 'corpus'}\n", encoding="utf-8")
    return config


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--passages", default="", help="comma-separated sizes of generated corpora, e.g. 1000000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(max(1, args.runs))
    sizes = [int(s) for s in args.passages.replace("_", "").split(",") if s.strip()]
    generated = [measure_generated(n, max(1, min(args.runs, 5))) for n in sizes]
    if args.json:
        print(json.dumps({"bundled": result, "generated": generated}))
        return
    print(f"studybot ask, fresh process: first run {result['first_run_s']} s (builds the index), then median "
          f"{result['median_s']} s, max {result['max_s']} s over {result['runs']} runs (of it: the interpreter "
          f"{result['interpreter_s']} s, imports {result['imports_s']} s); discord imported: "
          f"{result['imports_discord']}; target <= 1 s: {'met' if result['met'] else 'MISSED'}")
    for g in generated:
        print(f"{g['passages']:,} generated passages ({g['text_mb']} MB of text; studybot index {g['index_s']} s): "
              f"fresh studybot ask median {g['median_s']} s, max {g['max_s']} s over {g['runs']} runs "
              f"(target <= {g['target_s']} s); saved index {g['saved_index_mb']} MB on disk = {g['disk_ratio']}x "
              f"the text (target <= {TARGET_DISK_RATIO}x): {'met' if g['met'] else 'MISSED'}")


if __name__ == "__main__":
    main()
