"""The readers, one per format, found by file suffix and checked against the content.

A reader is any object with `name`, `suffixes`, `sniff(head: bytes) -> bool` (does the content
look like this format?) and `read(data: bytes, limits: ReadLimits) -> Document` (raises SkipFile).
Adding a format is writing one such class and listing it in READERS.
"""

from __future__ import annotations

from typing import Protocol

from bot.ingest.document import Document, ReadLimits, SkipFile
from bot.ingest.formats.docx import DocxReader
from bot.ingest.formats.epub import EpubReader
from bot.ingest.formats.html import HtmlReader
from bot.ingest.formats.markdown import MarkdownReader
from bot.ingest.formats.pdf import PdfReader
from bot.ingest.formats.text import TextReader, binary_kind


class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]

    def sniff(self, head: bytes) -> bool: ...

    def read(self, data: bytes, limits: ReadLimits) -> Document: ...


READERS: tuple[Reader, ...] = (TextReader(), MarkdownReader(), HtmlReader(), DocxReader(), EpubReader(), PdfReader())
SNIFF_BYTES = 8192


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
    if not reader.sniff(data[:SNIFF_BYTES]):
        what = binary_kind(data[:SNIFF_BYTES])
        raise SkipFile(f"its name says {reader.name}, but its content is {what or 'not'}")
    return reader.read(data, limits)
