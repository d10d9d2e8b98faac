"""Readers that misbehave, for the worker-process tests (imported by the child process too)."""

from __future__ import annotations

import time

from bot.ingest import progress
from bot.ingest.document import Document, ReadLimits
from bot.ingest.formats.markdown import MarkdownReader


class SleepyReader:
    name = "sleepy"
    suffixes = (".sleepy",)

    def sniff(self, head: bytes) -> bool:
        return True

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        time.sleep(3600)
        raise AssertionError("woke up")


class GreedyReader(SleepyReader):
    name = "greedy"
    suffixes = (".greedy",)

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        hoard = [bytearray(16 * 1024 * 1024) for _ in range(256)]  # 4 GB, 16 MB at a time
        raise AssertionError(f"allocated {len(hoard)} chunks")


class BuggyReader(SleepyReader):
    name = "buggy"
    suffixes = (".buggy",)

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        raise ValueError("index out of range in the cross-reference table")


class IsolatedMarkdownReader(MarkdownReader):
    """Markdown, but under a suffix that is read in a worker process."""

    suffixes = (".mdw",)


class PagedMarkdownReader(MarkdownReader):
    """Markdown read in a worker "page by page": it reports pages 1–4 of 4, 0.3 s apart."""

    suffixes = (".paged",)

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        for page in range(1, 5):
            progress.report(page, 4)
            time.sleep(0.3)
        return super().read(data, limits)
