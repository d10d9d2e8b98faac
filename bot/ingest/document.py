"""The format-neutral document every reader returns, and what a reader may be asked to respect.

A reader turns a file's bytes into blocks. Plain-text formats hand over raw TEXT blocks (the
lines between blank lines) and let the pipeline recognise headings, metadata lines and notes
lists; formats that mark structure (Word, HTML, EPUB, PDF) say what each block is
(HEADING, PARAGRAPH, NOTE). A document is one or the other: TEXT blocks, or structured ones.

Inline footnote references are written into block text as ``[marker]`` (``¹`` or a Word
reference mark becomes ``[1]``), so every format cites its notes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT = "text"  # raw lines ("\n" between them); the pipeline decides what they are
HEADING = "heading"
PARAGRAPH = "paragraph"
NOTE = "note"  # one footnote or endnote entry: `marker` and its text
KINDS = (TEXT, HEADING, PARAGRAPH, NOTE)


class SkipFile(Exception):
    """This file cannot be an article; the message says why (shown to the librarian)."""


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    marker: str | None = None  # NOTE only: the normalised marker ("12", "iv", "*")
    # Paged formats: (offset in text, 1-based physical page) where each page's part of the block
    # begins, in order; the first offset is 0. Empty for formats without pages.
    pages: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}")


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    # What the format itself says (core properties, <meta>, the package document): title, author,
    # date (YYYY-MM-DD), publication, url, language. Missing keys are guessed from the text.
    metadata: dict[str, str] = field(default_factory=dict)
    page_labels: dict[int, str] = field(default_factory=dict)  # physical page → printed label ("xii")
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadLimits:
    """What a reader may spend on one file; past a limit it raises SkipFile naming the limit (or cuts
    and warns, where the rest is still useful). Time and memory are bounded by the worker process
    that runs the reader, not here."""

    max_bytes: int = 2_000_000  # the file itself (per format: a PDF is larger than its text)
    max_pages: int = 2_000  # paged formats
    max_unpacked_bytes: int = 200_000_000  # zip-based formats (.docx, .epub): all members, uncompressed
    max_unpack_ratio: int = 200  # zip-based formats: uncompressed / compressed size of one member
    max_text_chars: int = 20_000_000  # text taken from one file; beyond it the rest is cut with a warning
    processes: int = 1  # processes a reader may use for one file (2 in the worker: bot.ingest.forked)
