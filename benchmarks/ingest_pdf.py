"""PDF ingest benchmark: a long two-column text PDF through the reader and build_article.

    python -m benchmarks.ingest_pdf [--pages 300] [--memory-pages 1000]

Both PDFs are typeset first by the test fixtures' typesetter (two columns, footnotes, running
headers, page labels; not timed). Then, each in a fresh child process so that peak memory is its
own: read_document + build_article on the bytes.

Measured: wall and CPU time for the --pages PDF (target ≤ 15 s on 2 cores), peak RSS (ru_maxrss of the
child) for the --memory-pages PDF (target < 500 MB), passages and footnotes found. On a shared
machine the wall time measures the other work too: compare the CPU time.
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


def _ingest(path: str) -> None:
    """Child: ingest one file, print figures as JSON."""
    from bot.ingest import build_article, read_document

    data = Path(path).read_bytes()
    start, cpu = time.perf_counter(), time.process_time()
    document = read_document("bench.pdf", data)
    article = build_article("bench", "bench.pdf", document).article
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_mb, "passages": len(article.passages),
                      "footnotes": len(article.footnotes), "bytes": len(data),
                      "pages": len(article.page_labels)}))


def _run(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.ingest_pdf", "--child", str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--memory-pages", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _ingest(args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        for label, pages, target in (("speed", args.pages, "≤ 15 s"), ("memory", args.memory_pages, "< 500 MB")):
            path = Path(folder) / f"{label}.pdf"
            made = _typeset(pages, path)
            figures = _run(path)
            print(f"{label:6}  {made:5d} pages  {figures['bytes'] / 1e6:6.1f} MB file  "
                  f"{figures['seconds']:6.1f} s ({figures['cpu_seconds']:.1f} s CPU)  "
                  f"peak RSS {figures['peak_rss_mb']:6.0f} MB  "
                  f"{figures['passages']} passages, {figures['footnotes']} footnotes   (target {target})")


if __name__ == "__main__":
    main()
