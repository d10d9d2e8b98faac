"""How long `studybot index` takes and how much memory it peaks at (targets: 1M passages ≤ 30 s and
≤ 1.5 GB; 3M ≤ 100 s and ≤ 4 GB).

    python -m benchmarks.build [--passages 1000000] [--runs 1] [--against CHECKOUT] [--corpus DIR] [--json]

Writes a seeded generated corpus (benchmarks.cli_start: files of about 2 MB, 200 files at 1M), then
runs `studybot index` as a fresh process on it with an empty data folder each time. While it runs,
the RSS of the process and of every process below it (the reading and analysis pools) is sampled
every 20 ms from /proc: the peak of the sum is the memory the build takes from the machine (shared
pages counted in each process, so an upper bound), and so is the CPU time of each, which a loaded
machine stretches much less than wall time. The parent's RSS includes the pages of the saved index
it writes through a memory map (page cache the kernel can drop): "parent anon MB" is its own memory
alone. The largest single process's peak comes from the kernel (wait4's usage of it and of the
children it reaped), which no sampling misses. The stage times are the ones `studybot index` prints.

`--against CHECKOUT`: another checkout of Studybot (its C extension built) indexes the same corpus
in the same run, the two alternating, so that before/after figures come from one machine state.
`--corpus DIR`: write the corpus there (or reuse it when it already holds the generated files)
instead of a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.cli_start import write_config, write_generated_corpus

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {1_000_000: (30.0, 1500.0), 3_000_000: (100.0, 4000.0)}  # passages: (seconds, peak MB)
PAGE, TICKS = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
STAGES = re.compile(r"\((?P<stages>[^()]*); (?P<total>[\d.]+) s in all\)")


def _descendants(pid: int) -> list[int]:
    """pid and every process below it (through /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return found


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * PAGE / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def _anon_mb(pid: int) -> float:
    """RssAnon: the resident memory that is the process's own, not file pages (the index it writes)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1000
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def _cpu_s(pid: int) -> float | None:
    """User + system seconds the process has run so far (/proc/PID/stat), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


class TreeSampler:
    """The peak RSS of a process and its descendants, summed, and the CPU time of each, sampled on a thread."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.peak_mb = self.peak_parent_mb = self.peak_parent_anon_mb = 0.0
        self.most_processes = 0
        self.cpu_s: dict[int, float] = {}  # pid -> its CPU seconds when last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _descendants(self.pid)
            self.peak_mb = max(self.peak_mb, sum(map(_rss_mb, pids)))
            self.peak_parent_mb = max(self.peak_parent_mb, _rss_mb(self.pid))
            self.peak_parent_anon_mb = max(self.peak_parent_anon_mb, _anon_mb(self.pid))
            self.most_processes = max(self.most_processes, len(pids))
            for p in pids:
                seconds = _cpu_s(p)
                if seconds is not None:
                    self.cpu_s[p] = seconds
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def index_once(checkout: Path, corpus: Path, n_passages: int) -> dict:
    """`studybot index` of `checkout` over `corpus` in a fresh data folder: seconds, peaks, stages."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "corpus").symlink_to(corpus.resolve(), target_is_directory=True)
        config = write_config(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
        env["PYTHONPATH"] = str(checkout)
        started = time.perf_counter()
        with (root / "output").open("w+b") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "index", "--config", str(config)],
                cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
            sampler = TreeSampler(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)  # usage: this process and the children it reaped
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.perf_counter() - started
            sampler.stop()
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
    returncode = proc.returncode
    if returncode != 0:
        raise RuntimeError(f"studybot index in {checkout} failed ({returncode}):\n{text[-3000:]}")
    indexed = re.search(r"([\d,]+) passages?", text)
    stages = STAGES.search(text)
    return {
        "checkout": str(checkout),
        "passages": n_passages,
        "indexed": int(indexed.group(1).replace(",", "")) if indexed else -1,
        "seconds": round(elapsed, 1),
        "peak_mb": round(sampler.peak_mb),
        "peak_parent_mb": round(sampler.peak_parent_mb),
        "peak_parent_anon_mb": round(sampler.peak_parent_anon_mb),
        "largest_process_mb": round(usage.ru_maxrss / 1000),  # kB
        "processes": sampler.most_processes,
        # CPU seconds: the machine's load stretches wall time, much less these.
        "cpu_s": round(sum(sampler.cpu_s.values()), 1),
        "cpu_parent_s": round(sampler.cpu_s.get(proc.pid, 0.0), 1),
        "stages": stages.group("stages") if stages else "",
    }


def _corpus(folder: Path, n_passages: int) -> float:
    """Writes the generated corpus unless `folder` already holds it; returns the MB of text."""
    marker = folder / ".generated"
    if marker.is_file() and marker.read_text(encoding="ascii").strip() == str(n_passages):
        return sum(p.stat().st_size for p in folder.glob("*.txt")) / 1e6
    written = write_generated_corpus(folder, n_passages)
    marker.write_text(f"{n_passages}\n", encoding="ascii")
    return written / 1e6


def measure(n_passages: int, runs: int, checkouts: list[Path], corpus: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus or Path(tmp) / "corpus"
        text_mb = _corpus(folder, n_passages)
        results: dict[str, list[dict]] = {str(c): [] for c in checkouts}
        for _ in range(runs):
            for checkout in checkouts:  # alternating: both see the same machine load
                results[str(checkout)].append(index_once(checkout, folder, n_passages))
    seconds, peak_mb = TARGETS.get(n_passages, (None, None))
    rows = []
    for records in results.values():
        best = min(records, key=lambda r: r["seconds"])
        rows.append({
            **best,
            "median_s": round(statistics.median(r["seconds"] for r in records), 1),
            "max_peak_mb": max(r["peak_mb"] for r in records),
            "runs": len(records),
        })  # fmt: skip
    return {
        "passages": n_passages,
        "text_mb": round(text_mb, 1),
        "target_s": seconds,
        "target_peak_mb": peak_mb,
        "load_average": round(os.getloadavg()[0], 1),
        "rows": rows,
    }


def table(result: dict) -> str:
    target = (
        f"target <= {result['target_s']:.0f} s, peak <= {result['target_peak_mb']:.0f} MB"
        if result["target_s"] else "no target at this size"
    )  # fmt: skip
    columns = ("median s", "cpu s (all)", "cpu s (parent)", "peak MB (all)", "parent MB", "parent anon MB",
               "largest MB", "procs", "met")  # fmt: skip
    lines = [
        f"studybot index, {result['passages']:,} generated passages ({result['text_mb']} MB of text); {target}; "
        f"load average {result['load_average']} (2 shared cores: compare rows, not absolute figures)",
        f"{'checkout':<24} " + " ".join(f"{c:>{len(c)}}" for c in columns) + "  stages",
    ]
    for row in result["rows"]:
        met = (
            "-" if not result["target_s"]
            else "yes" if row["median_s"] <= result["target_s"] and row["max_peak_mb"] <= result["target_peak_mb"]
            else "NO"
        )  # fmt: skip
        values = (row["median_s"], row["cpu_s"], row["cpu_parent_s"], row["max_peak_mb"], row["peak_parent_mb"],
                  row["peak_parent_anon_mb"], row["largest_process_mb"], row["processes"], met)  # fmt: skip
        cells = " ".join(f"{v:>{len(c)}}" for c, v in zip(columns, values, strict=True))
        lines.append(f"{Path(row['checkout']).name[-24:]:<24} {cells}  {row['stages']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", default="1000000", help="comma-separated corpus sizes")
    parser.add_argument("--runs", type=int, default=1, help="builds per checkout and size")
    parser.add_argument("--against", type=Path, action="append", default=[], help="another checkout to compare")
    parser.add_argument("--corpus", type=Path, help="folder to write (or reuse) the generated corpus in")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for other in args.against:
        if not (other / "bot" / "__main__.py").is_file():
            parser.error(f"--against {other}: not a checkout of Studybot (no bot/__main__.py)")
    sizes = [int(s) for s in args.passages.replace("_", "").split(",") if s.strip()]
    checkouts = [ROOT, *(p.resolve() for p in args.against)]
    results = []
    for n in sizes:
        corpus = args.corpus / str(n) if args.corpus else None
        if corpus:
            corpus.mkdir(parents=True, exist_ok=True)
        results.append(measure(n, max(1, args.runs), checkouts, corpus))
        if not args.json:
            print(table(results[-1]), flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
