"""HTML reader benchmark: how long a saved page takes to become an Article, and that it grows linearly.

    python -m benchmarks.html_reader [--repeat 3]

Pages (made here, nothing fetched): the Wikipedia-style test page with 40 references; that page's body
repeated (each copy's sentences numbered, so none is a duplicate) to 0.5, 1 and 2 MB; a 1 MB page of
5,000 footnotes; 2 MB of tiny inline spans; 100,000 nested <div>s after a paragraph (read up to
libxml2's depth cap); a 50 MB page (refused by size).
Measured: the best of --repeat runs of read_document + build_article (seconds, MB/s), the passages and
footnotes found. Target: linear in size (2 MB ≈ 2× the 1 MB time). Wall-clock figures: on a machine
shared with other CPU-heavy work they measure that work too (the load average is printed first).
"""

from __future__ import annotations

import argparse
import os
import re
import time

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from tests.ingest.html_pages import wikipedia_page


def _scaled_wikipedia(target_bytes: int) -> bytes:
    page = wikipedia_page()
    start, end = page.index("<p>"), page.index('<div class="mw-heading mw-heading2"><h2 id="See_also">')
    body, copies, size = page[start:end], [], 0
    while size < target_bytes:
        n = len(copies)
        copy = re.sub(r"(<p>)", rf"\1Copy {n}: ", body)
        copy = re.sub(r'id="([^"]+)"', rf'id="\1-{n}"', copy)
        copies.append(copy)
        size += len(copy)
    return (page[:start] + "".join(copies) + page[end:]).encode()


def _footnote_page(count: int) -> bytes:
    refs = "".join(
        f"<p>Paragraph {i} tells of the harbour in year {1700 + i}, and what the town did.<sup>"
        f'<a href="#fn{i}" id="r{i}">{i}</a></sup></p>'
        for i in range(1, count + 1)
    )
    notes = "".join(f'<li id="fn{i}">Town accounts, folio {i}. <a href="#r{i}">↩</a></li>' for i in range(1, count + 1))
    return f'<html><body><article>{refs}<ol class="footnotes">{notes}</ol></article></body></html>'.encode()


def _spans(target_bytes: int) -> bytes:
    span = '<span class="w">tide</span> '
    return ("<html><body><p>" + span * (target_bytes // len(span)) + "</p></body></html>").encode()


def _deep(levels: int) -> bytes:
    top = "<p>" + "Near the top of the page, before the deep part. " * 3 + "</p>"
    return ("<html><body>" + top + "<div>" * levels + "<p>deep</p>" + "</div>" * levels + "</body></html>").encode()


def _measure(name: str, data: bytes, repeat: int) -> None:
    limits = ReadLimits(max_bytes=60_000_000)
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            article = build_article("bench", "bench.html", read_document("bench.html", data, limits)).article
            outcome = f"{len(article.passages):>6} passages {len(article.footnotes):>6} footnotes"
        except SkipFile as skip:
            outcome = f"skipped: {skip}"
        best = min(best, time.perf_counter() - started)
    size = len(data) / 1e6
    print(f"{name:<34} {size:>7.2f} MB {best:>8.3f} s {size / best:>7.1f} MB/s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"{'page':<34} {'size':>10} {'best':>10} {'speed':>12}  found")
    _measure("wikipedia-style, 40 references", wikipedia_page().encode(), args.repeat)
    for size in (500_000, 1_000_000, 2_000_000):
        _measure(f"wikipedia body to {size / 1e6:g} MB", _scaled_wikipedia(size), args.repeat)
    _measure("5,000 footnotes", _footnote_page(5000), args.repeat)
    _measure("2 MB of inline spans", _spans(2_000_000), args.repeat)
    _measure("100,000 nested divs", _deep(100_000), args.repeat)
    limits_default = ReadLimits()
    try:
        read_document("huge.html", b"<html><body><p>" + b"x" * 50_000_000, limits_default)
    except SkipFile as skip:
        print(f"{'50 MB page, default limits':<34} refused: {skip}")


if __name__ == "__main__":
    main()
