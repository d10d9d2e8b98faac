"""A long PDF read in two processes (the worker's way) gives what one process gives, and the worker's
memory and time limits hold for both processes together."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.ingest import ReadLimits, SkipFile, build_article, forked, read_document
from bot.ingest.formats import pdf
from bot.ingest.options import IngestOptions
from bot.ingest.worker import ingest_file, run_limited
from tests.ingest.pdf_fixtures import journal_article

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="two processes need fork and prctl (Linux)")


@pytest.fixture(scope="module")
def long_pdf():
    data, truth = journal_article(pages_wanted=2 * pdf.MIN_PAGES_TO_SPLIT + 2, notes_count=30)
    assert len(truth.page_labels) >= pdf.MIN_PAGES_TO_SPLIT  # long enough to be split
    return data


def test_two_processes_read_exactly_what_one_reads(long_pdf, monkeypatch):
    splits = []
    real = pdf.in_two_processes
    monkeypatch.setattr(pdf, "in_two_processes", lambda *halves: splits.append(1) or real(*halves))
    one = read_document("long.pdf", long_pdf, ReadLimits(max_bytes=len(long_pdf), processes=1))
    assert splits == []
    two = read_document("long.pdf", long_pdf, ReadLimits(max_bytes=len(long_pdf), processes=2))
    assert splits == [1]
    assert two == one and len(one.blocks) > 50


def test_the_worker_reads_in_two_processes_the_article_one_process_builds(long_pdf):
    options = IngestOptions(max_bytes={"pdf": len(long_pdf)})
    heard: list[tuple[int, int | None]] = []
    in_worker = ingest_file("long.pdf", long_pdf, article_id="long", path="long.pdf", options=options,
                            on_progress=lambda page, pages: heard.append((page, pages)))  # fmt: skip
    alone = build_article("long", "long.pdf", read_document("long.pdf", long_pdf, ReadLimits(max_bytes=len(long_pdf))))
    assert in_worker.article == alone.article and in_worker.warnings == alone.warnings
    # Progress comes from the worker's own process only (the forked one never writes to its pipe).
    pages = len(alone.article.page_labels)
    assert heard[0] == (1, pages) and all(total == pages for _, total in heard)
    assert [page for page, _ in heard] == sorted({page for page, _ in heard})


def test_too_many_pages_in_either_half_is_refused_by_the_limit(long_pdf):
    limits = ReadLimits(max_bytes=len(long_pdf), max_pages=pdf.MIN_PAGES_TO_SPLIT, processes=2)
    with pytest.raises(SkipFile, match="max_pages"):
        read_document("long.pdf", long_pdf, limits)


def _grab_in_the_second_process(megabytes: int) -> tuple[int, int]:
    return forked.in_two_processes(lambda: 0, lambda: len(bytearray(megabytes * 2**20)))


def test_the_memory_limit_holds_for_both_processes_together():
    # Each process may take half of what the worker may grow by: 150 MB of 200 is too much for one.
    with pytest.raises(SkipFile, match="needed more than 200 MB"):
        run_limited(_grab_in_the_second_process, 150, timeout_seconds=60, max_memory_mb=200)
    assert run_limited(_grab_in_the_second_process, 40, timeout_seconds=60, max_memory_mb=200) == (0, 40 * 2**20)


def _sleep_in_the_second_process(pid_file: str) -> None:
    def sleep() -> None:
        Path(pid_file).write_text(str(os.getpid()))
        time.sleep(600)

    forked.in_two_processes(lambda: time.sleep(600), sleep)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait for a reaper that never comes)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_the_time_limit_ends_both_processes(tmp_path):
    pid_file = tmp_path / "second.pid"
    with pytest.raises(SkipFile, match="took longer than 2 s"):
        run_limited(_sleep_in_the_second_process, str(pid_file), timeout_seconds=2, max_memory_mb=200)
    second = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the second process dies with the worker
        if not _running(second):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the second process {second} outlived the worker")
