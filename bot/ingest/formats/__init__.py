"""The readers, one per format, found by file suffix and checked against the content.

A reader is any object with `name`, `suffixes`, `sniff(head: bytes) -> bool` (does the content
look like this format?) and `read(data: bytes, limits: ReadLimits) -> Document` (raises SkipFile).
Adding a format is writing one such class and listing it in FORMATS by the module that holds it.

Reader modules are imported only when a file of their format is sniffed or read: PDF, Word, EPUB
and HTML pull in pdfminer and lxml (a few hundred ms), which a corpus of .txt and .md never needs.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Protocol

from bot.ingest.document import Document, ReadLimits, SkipFile
from bot.ingest.formats.text import binary_kind


class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]

    def sniff(self, head: bytes) -> bool: ...

    def read(self, data: bytes, limits: ReadLimits) -> Document: ...


@dataclass(frozen=True)
class LazyReader:
    """A reader known by its suffixes and `module:Class`, imported the first time it is needed."""

    suffixes: tuple[str, ...]
    target: str  # "package.module:ClassName"

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    def load(self) -> Reader:
        return _loaded(self.target)

    @property
    def name(self) -> str:
        return self.load().name

    def sniff(self, head: bytes) -> bool:
        return self.load().sniff(head)

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        return self.load().read(data, limits)


@functools.cache
def _loaded(target: str) -> Reader:
    module, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module), class_name)()


# Suffixes first (what a file name is matched against without importing anything), then where the
# reader is. Each reader class declares the same suffixes (tests/ingest check they agree).
FORMATS = (
    ((".txt",), "bot.ingest.formats.text:TextReader"),
    ((".md", ".markdown"), "bot.ingest.formats.markdown:MarkdownReader"),
    ((".html", ".htm", ".xhtml"), "bot.ingest.formats.html:HtmlReader"),
    ((".docx",), "bot.ingest.formats.docx:DocxReader"),
    ((".epub",), "bot.ingest.formats.epub:EpubReader"),
    ((".pdf",), "bot.ingest.formats.pdf:PdfReader"),
)
READERS: tuple[Reader, ...] = tuple(LazyReader(suffixes, target) for suffixes, target in FORMATS)
SNIFF_BYTES = 8192


def reader_modules() -> tuple[str, ...]:
    """The modules that hold the readers (what a worker process imports ahead of its first file)."""
    return tuple(dict.fromkeys(r.module for r in READERS if isinstance(r, LazyReader)))


def readable_suffixes() -> tuple[str, ...]:
    return tuple(s for reader in READERS for s in reader.suffixes)


def reader_for(name: str) -> Reader | None:
    """The reader for a file name by its suffix, or None for a format we do not read."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((r for r in READERS if suffix in r.suffixes), None)


def unreadable_format() -> SkipFile:
    return SkipFile(f"not a format Studybot reads (it reads {', '.join(readable_suffixes())})")


def read_bytes(name: str, data: bytes, limits: ReadLimits, reader: Reader | None = None) -> Document:
    """A file's bytes → Document, by the given reader or the one its suffix names. Raises SkipFile."""
    reader = reader or reader_for(name)
    if reader is None:
        raise unreadable_format()
    if not data:
        raise SkipFile("empty file")
    if not reader.sniff(data[:SNIFF_BYTES]):
        what = binary_kind(data[:SNIFF_BYTES])
        raise SkipFile(f"its name says {reader.name}, but its content is {what or 'not'}")
    return reader.read(data, limits)
