"""The worker process: a reader that hangs or swallows memory is ended at its limit, the rest loads.

The hostile readers are registered for made-up suffixes; the child process gets them by pickling
(they live in a small module of their own, cheap for the child to import), as it gets the real ones.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest

from bot.ingest import SkipFile, formats
from bot.ingest.options import IngestOptions
from bot.ingest.worker import ingest_file, ingest_file_async
from bot.library import load_corpus
from tests.ingest.hostile_readers import (
    BuggyReader,
    GreedyReader,
    IsolatedMarkdownReader,
    PagedMarkdownReader,
    SleepyReader,  # fmt: skip
)
from tests.ingest.pdf_fixtures import journal_article

LIMITS = IngestOptions(timeout_seconds=1.5, max_memory_mb=64)
ROOMY = IngestOptions(timeout_seconds=60)  # for readers meant to finish, on a loaded machine
ESSAY = (
    b"---\ntitle: Print\nauthor: Ann Wilson\n---\n\n## Pamphlets\n\n"
    b"*Brand Luther* made print[^w2009] matter.\n\n[^w2009]: Wilson, *Print* (2009), p. 3.\n"
)


@pytest.fixture
def hostile_formats(monkeypatch):
    readers = (*formats.READERS, SleepyReader(), GreedyReader(), BuggyReader(), IsolatedMarkdownReader(),
               PagedMarkdownReader())  # fmt: skip
    monkeypatch.setattr(formats, "READERS", readers)


def _ingest(name: str, data: bytes = b"x", options: IngestOptions = LIMITS):
    return ingest_file(name, data, article_id=Path(name).stem, path=name, options=options)


def test_a_reader_that_never_ends_is_stopped_at_the_time_limit(hostile_formats):
    started = time.monotonic()
    with pytest.raises(SkipFile, match=r"took longer than 1.5 s \(ingest.timeout_seconds\)"):
        _ingest("forever.sleepy")
    assert time.monotonic() - started < 1.5 + 10  # ended, not waited for (the reader sleeps an hour)
    assert multiprocessing.active_children() == []


def test_a_reader_that_allocates_too_much_is_stopped_at_the_memory_limit(hostile_formats):
    with pytest.raises(SkipFile, match=r"needed more than 64 MB \(ingest.max_memory_mb\)"):
        _ingest("hog.greedy")
    assert multiprocessing.active_children() == []


def test_a_reader_bug_is_a_skip_naming_the_reader_not_a_crash(hostile_formats):
    with pytest.raises(SkipFile, match=r"the buggy reader failed on it \(ValueError: index out of range"):
        _ingest("broken.buggy")


def test_an_article_read_in_a_worker_is_the_one_read_in_process(hostile_formats):
    isolated = _ingest("essay.mdw", ESSAY).article
    in_process = _ingest("essay.md", ESSAY).article
    assert isolated.passages and isolated.title == "Print" and isolated.author == "Ann Wilson"
    assert [(p.text, p.footnotes) for p in isolated.passages] == [(p.text, p.footnotes) for p in in_process.passages]


def test_size_cap_is_checked_before_any_process_starts(hostile_formats):
    with pytest.raises(SkipFile, match=r"2,000 bytes is over ingest.max_bytes.sleepy \(1,000\)"):
        _ingest("big.sleepy", b"x" * 2000, IngestOptions(max_bytes={"sleepy": 1000}))


def test_the_rest_of_the_corpus_loads_around_hostile_files(tmp_path, hostile_formats):
    (tmp_path / "good.txt").write_text("A good article\n\nThe treaty was signed in Geneva.\n", encoding="utf-8")
    (tmp_path / "essay.mdw").write_bytes(ESSAY)
    (tmp_path / "forever.sleepy").write_bytes(b"x")
    (tmp_path / "hog.greedy").write_bytes(b"x")
    corpus = load_corpus(tmp_path, options=IngestOptions(timeout_seconds=4, max_memory_mb=64))
    warned_about = [str(w) for w in corpus.warnings]
    assert [a.id for a in corpus.articles] == ["essay", "good"], warned_about
    assert corpus.article("essay").passages[0].text == "Pamphlets\nBrand Luther made print[w2009] matter."
    warned = {w.path: w.message for w in corpus.warnings}
    assert "took longer than 4 s" in warned["forever.sleepy"]
    assert "needed more than 64 MB" in warned["hog.greedy"]
    assert set(warned) == {"forever.sleepy", "hog.greedy"}


async def test_the_async_wrapper_leaves_the_event_loop_free(hostile_formats):
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        with pytest.raises(SkipFile, match="took longer than"):
            await ingest_file_async("forever.sleepy", b"x", article_id="f", path="f", options=LIMITS)
    finally:
        task.cancel()
    assert ticks >= 10  # the loop kept running while the worker was waited for (1.5 s ≈ 30 ticks)
    parsed = await ingest_file_async("essay.mdw", ESSAY, article_id="essay", path="essay.mdw", options=LIMITS)
    assert parsed.article.footnotes[0].marker == "w2009"


async def test_a_readers_page_reports_reach_the_event_loop_from_the_worker(hostile_formats):
    loop, heard = asyncio.get_running_loop(), []

    def on_progress(page: int, pages: int | None) -> None:
        assert asyncio.get_running_loop() is loop  # called on the loop, not in the waiting thread
        heard.append((page, pages))

    parsed = await ingest_file_async("essay.paged", ESSAY, article_id="essay", path="essay.paged", options=ROOMY,
                                     on_progress=on_progress)  # fmt: skip
    assert parsed.article.title == "Print"
    assert heard == [(1, 4), (2, 4), (3, 4), (4, 4)]  # 0.3 s apart: none held back by the 0.25 s spacing


def test_the_pdf_reader_reports_the_page_it_reads_of_how_many():
    data, _truth = journal_article(pages_wanted=12)
    heard: list[tuple[int, int | None]] = []
    parsed = ingest_file("journal.pdf", data, article_id="j", path="journal.pdf", options=ROOMY,
                         on_progress=lambda page, pages: heard.append((page, pages)))  # fmt: skip
    pages = max(page for p in parsed.article.passages for page in p.pages)
    assert heard and heard[0] == (1, pages)  # the first page is always reported, then at most 4 a second
    assert all(total == pages for _page, total in heard)
    assert [page for page, _ in heard] == sorted({page for page, _ in heard})
