"""What a second process on the same saved index costs in memory (target: ≤ 100 MB private at 1M),
and what the saved index costs on disk (target: ≤ 1.3× the corpus text).

Run as `python -m benchmarks.shared_memory [--passages 1000000] [--questions 20] [--json]`. Writes a
seeded generated corpus (benchmarks.cli_start), runs `studybot index` once, then starts two processes
one after the other that each open the saved library as the bot does (bot.wiring.open_shared_library,
then its pages mapped in as `studybot run` does at start: make_shared_index_resident), answer the
same questions and wait. With both alive it reads /proc/PID/smaps_rollup of each:
RSS, PSS (shared pages split between the processes that map them), USS (Private_Clean +
Private_Dirty: what the process alone holds, freed when it exits) and shared. The second
process's USS is what it adds to the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cli_start import TARGET_DISK_RATIO, write_config, write_generated_corpus

TARGET_PRIVATE_MB = 100.0
WORKER = """
import sys
from bot.config import load_settings
from bot.wiring import make_shared_index_resident, open_shared_library
settings = load_settings(sys.argv[1])
engine = open_shared_library(settings)
make_shared_index_resident(settings)
words = sorted(engine.index.vocabulary, key=lambda t: -len(t))[:200]
for i in range(int(sys.argv[2])):
    engine.ask(" ".join(words[3 * i : 3 * i + 3]))
print("ready", flush=True)
sys.stdin.read()
"""


def smaps_rollup(pid: int) -> dict[str, float]:
    """Rss, Pss, Uss, Shared of a process in MB, from /proc/PID/smaps_rollup."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        kb[name] = int(rest.split()[0])
    mb = lambda *names: round(sum(kb.get(n, 0) for n in names) / 1024, 1)  # noqa: E731
    return {
        "rss_mb": mb("Rss"),
        "pss_mb": mb("Pss"),
        "uss_mb": mb("Private_Clean", "Private_Dirty"),
        "shared_mb": mb("Shared_Clean", "Shared_Dirty"),
    }


def measure(n_passages: int, questions: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text_bytes = write_generated_corpus(root / "corpus", n_passages)
        config = write_config(root)
        subprocess.run([sys.executable, "-m", "bot", "index", "--config", str(config)], check=True, capture_output=True)
        disk = sum(p.stat().st_size for p in (root / "data" / "index").rglob("*") if p.is_file())
        workers, ready_s = [], []
        try:
            for _ in range(2):
                started = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-c", WORKER, str(config), str(questions)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                workers.append(proc)
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"worker {proc.pid} exited with {proc.wait()}")
                ready_s.append(round(time.perf_counter() - started, 2))
            first, second = (smaps_rollup(p.pid) for p in workers)
        finally:
            for proc in workers:
                proc.stdin.close()
                proc.wait(timeout=60)
    return {
        "passages": n_passages,
        "text_mb": round(text_bytes / 1e6, 1),
        "saved_index_mb": round(disk / 1e6, 1),
        "disk_ratio": round(disk / text_bytes, 3),
        "target_disk_ratio": TARGET_DISK_RATIO,
        "questions": questions,
        "ready_s": ready_s,
        "first": first,
        "second": second,
        "target_private_mb": TARGET_PRIVATE_MB,
        "met": second["uss_mb"] <= TARGET_PRIVATE_MB and disk / text_bytes <= TARGET_DISK_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    r = measure(args.passages, max(1, min(args.questions, 60)))
    if args.json:
        print(json.dumps(r))
        return
    print(f"{r['passages']:,} generated passages ({r['text_mb']} MB of text), two processes on one saved index, "
          f"{r['questions']} questions each (ready after {r['ready_s'][0]} s and {r['ready_s'][1]} s):")
    for name in ("first", "second"):
        m = r[name]
        print(f"  {name:<7} RSS {m['rss_mb']:>7} MB   PSS {m['pss_mb']:>7} MB   USS (private) {m['uss_mb']:>7} MB   "
              f"shared {m['shared_mb']:>7} MB")
    print(f"the second process adds {r['second']['uss_mb']} MB private (target <= {TARGET_PRIVATE_MB:g} MB): "
          f"{'met' if r['second']['uss_mb'] <= TARGET_PRIVATE_MB else 'MISSED'}")
    print(f"the saved index takes {r['saved_index_mb']} MB on disk, {r['disk_ratio']}x the text "
          f"(target <= {TARGET_DISK_RATIO}x): {'met' if r['disk_ratio'] <= TARGET_DISK_RATIO else 'MISSED'}")


if __name__ == "__main__":
    main()
