"""PDF ingest benchmark: a long two-column text PDF through the reader and build_article.

    python -m benchmarks.ingest_pdf [--pages 300] [--memory-pages 1000]

Both PDFs are typeset first by the test fixtures' typesetter (two columns, footnotes, running
headers, page labels; not timed). Then, each in a fresh child process so that peak memory is its
own: read_document + build_article on the bytes, once in one process (processes=1, as outside the
worker) and once as the ingest worker reads it (processes=2: the second half of the pages in a
forked process at the same time), side by side so that both see the same load on a shared machine.

Measured: wall and CPU time (with two processes, each one's: on two idle cores the wall time is
about the larger) for the --pages PDF (target ≤ 15 s on 2 cores), peak RSS (ru_maxrss; with two
processes, the sum of both peaks: an upper bound) for the --memory-pages PDF (target < 500 MB),
passages and footnotes found (the same in both modes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _typeset(pages: int, path: Path) -> int:
    from tests.ingest.pdf_fixtures import journal_article

    # about 1.9 paragraphs per page at these sizes; one footnote every 5 paragraphs
    wanted = int(pages * 1.95)
    data, truth = journal_article(pages_wanted=wanted, notes_count=wanted)
    path.write_bytes(data)
    return len(truth.page_labels)


def _ingest(path: str, processes: int) -> None:
    """Child: ingest one file, print figures as JSON."""
    from bot.ingest import ReadLimits, build_article, read_document

    data = Path(path).read_bytes()
    limits = ReadLimits(max_bytes=len(data), processes=processes)
    start, cpu = time.perf_counter(), time.process_time()
    document = read_document("bench.pdf", data, limits)
    article = build_article("bench", "bench.pdf", document).article
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the forked half, if any
    seconds = time.perf_counter() - start
    cpu, forked_cpu = time.process_time() - cpu, children.ru_utime + children.ru_stime
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + children.ru_maxrss) / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "forked_cpu_seconds": forked_cpu, "peak_rss_mb": peak_mb,
                      "passages": len(article.passages),
                      "footnotes": len(article.footnotes), "bytes": len(data),
                      "pages": len(article.page_labels)}))


def _run(path: Path, processes: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.ingest_pdf", "--child", str(path), "--processes",
                          str(processes)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--memory-pages", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _ingest(args.child, args.processes)
        return
    with tempfile.TemporaryDirectory() as folder:
        for label, pages, target in (("speed", args.pages, "≤ 15 s"), ("memory", args.memory_pages, "< 500 MB")):
            path = Path(folder) / f"{label}.pdf"
            made = _typeset(pages, path)
            for processes in (1, 2):
                figures = _run(path, processes)
                print(f"{label:6}  {made:5d} pages  {processes} process{'es' if processes > 1 else '  '}  "
                      f"{figures['bytes'] / 1e6:6.1f} MB file  "
                      f"{figures['seconds']:6.1f} s (CPU {figures['cpu_seconds']:4.1f} s"
                      + (f" + {figures['forked_cpu_seconds']:4.1f} s forked" if processes > 1 else " " * 16) + ")  "
                      f"peak RSS {figures['peak_rss_mb']:6.0f} MB  "
                      f"{figures['passages']} passages, {figures['footnotes']} footnotes   (target {target})")


if __name__ == "__main__":
    main()
