"""Document → Article: the steps every format shares.

    TEXT blocks:  boilerplate lines dropped → metadata lines taken → notes list taken
                  → broken paragraphs rejoined, headings recognised
    other blocks: HEADING / PARAGRAPH as the reader marked them; NOTE blocks are the notes list
    then, for all: Ibidem resolved → headings joined to their paragraph → long paragraphs split
                  → passages with the footnotes they cite and the pages they lie on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.core.models import Article, Passage
from bot.ingest import notes
from bot.ingest.cleaning import is_boilerplate, without_running_heads
from bot.ingest.document import HEADING, NOTE, PARAGRAPH, TEXT, Block, Document, ReadLimits
from bot.ingest.formats import Reader, read_bytes
from bot.ingest.hyphenation import Vocabulary
from bot.ingest.language import detect_language
from bot.ingest.metadata import URL_LINE, take_metadata
from bot.ingest.passages import attach_headings, join_page_breaks, rejoin_broken, split_long

PageMarks = tuple[tuple[int, int], ...]  # (offset, physical page), as in Block.pages
_CITING_SENTENCE_END = re.compile(r"""[.!?…]["'”’»)]*(?:\[[^\[\]\n]{1,60}\])+$""")
_HASHES = re.compile(r"#{1,6}\s+(?=\S)")


@dataclass
class ParsedArticle:
    article: Article
    warnings: list[str] = field(default_factory=list)


def read_document(name: str, data: bytes, limits: ReadLimits | None = None, reader: Reader | None = None) -> Document:
    """A file's bytes → Document by its format's reader (or the one given). Raises SkipFile."""
    return read_bytes(name, data, limits or ReadLimits(), reader)


def build_article(
    article_id: str,
    path: str,
    document: Document,
    manifest_entry: dict | None = None,
    *,
    max_passage_chars: int = 1200,
) -> ParsedArticle:
    """One document → an Article with its passages and footnotes, plus warnings about it.

    Metadata: what the text shows, overridden by what the format says, overridden by the manifest.
    """
    warnings: list[str] = list(document.warnings)
    text_blocks = [_text_lines(b) for b in document.blocks if b.kind == TEXT]
    text_blocks = without_running_heads([lines for lines in text_blocks if lines])
    meta, text_blocks = take_metadata(text_blocks, guess_title=not document.metadata.get("title"))
    entries, text_blocks, stray = notes.take_notes(text_blocks)
    if stray:
        warnings.append(f"dropped {stray} line(s) in the notes list that are no footnote entry")
    entries += [notes.Entry(b.marker or "", b.text) for b in document.blocks if b.kind == NOTE]
    known = {e.marker for e in entries}
    text_blocks = [[notes.link_plain_markers(line, known) for line in b] for b in text_blocks]
    structured = [b for b in document.blocks if b.kind in (HEADING, PARAGRAPH)]
    if not meta.title and structured and structured[0].kind == HEADING and not document.metadata.get("title"):
        meta.title, structured = structured[0].text, structured[1:]
    meta = meta.updated(document.metadata).updated(manifest_entry or {})
    structured = _without_title_heading(structured, {document.metadata.get("title"), meta.title})
    footnotes, footnote_warnings = notes.resolve(entries)
    warnings.extend(footnote_warnings)
    by_marker = {f.marker: f for f in footnotes}

    vocabulary = Vocabulary([line for b in text_blocks for line in b])  # text pasted from a PDF: "work-" "ers"
    text_units = [(vocabulary.join(b), (), _never_heading(b)) for b in join_page_breaks(text_blocks)]
    units = [_without_hashes(u) for u in rejoin_broken(text_units, lead_ins=True)]
    units += rejoin_broken([(b.text, b.pages, b.kind == HEADING) for b in structured])
    passages: list[Passage] = []
    missing: set[str] = set()
    for number, (paragraph, marks) in enumerate(attach_headings(units), 1):
        for piece, pages in _pieces(paragraph, marks, max_passage_chars):
            cited = notes.cited_markers(piece, by_marker)
            missing.update(m for m in cited if m not in by_marker)
            ordinal = len(passages) + 1
            passages.append(
                Passage(
                    id=f"{article_id}:{ordinal}",
                    article_id=article_id,
                    ordinal=ordinal,
                    paragraph=number,
                    text=piece,
                    footnotes=tuple(by_marker[m] for m in cited if m in by_marker),
                    pages=pages,
                )
            )
    for marker in sorted(missing):
        warnings.append(f"footnote marker [{marker}] has no entry in the notes list")
    article = Article(
        id=article_id,
        path=path,
        title=meta.title or _title_from_name(path or article_id),
        author=meta.author,
        date=meta.date,
        publication=meta.publication,
        url=meta.url,
        language=_language(manifest_entry, document, passages) or meta.language,
        passages=tuple(passages),
        footnotes=footnotes,
        page_labels=tuple(document.page_labels.get(n, str(n)) for n in range(1, _last_page(passages) + 1)),
    )
    return ParsedArticle(article, warnings)


def _language(manifest_entry: dict | None, document: Document, passages: list[Passage]) -> str | None:
    """The language the manifest or the format states, else the one the text is written in."""
    stated = (manifest_entry or {}).get("language") or document.metadata.get("language")
    return stated or detect_language(" ".join(p.text for p in passages[:40]))


def _title_from_name(path: str) -> str:
    """A document that states no title is called by its file's name: "week_3-notes.txt" → "week 3-notes"."""
    name = PurePosixPath(path.replace("\\", "/"))
    return name.stem.replace("_", " ").strip() or name.name


def _without_title_heading(blocks: list[Block], titles: set[str | None]) -> list[Block]:
    """The title printed at the top (a page's or a chapter's <h1>, a PDF's first line) is the title, not
    text of its own: a heading among the first blocks that repeats the stated title is dropped."""
    folded = {" ".join(t.split()).casefold() for t in titles if t}
    for index, block in enumerate(blocks[:5]):
        if block.kind == HEADING and " ".join(block.text.split()).casefold() in folded:
            return blocks[:index] + blocks[index + 1 :]
    return blocks


def _text_lines(block: Block) -> list[str]:
    """A TEXT block's lines without page furniture (an `Original url:` line is metadata, kept)."""
    return [line for line in block.text.split("\n") if not is_boilerplate(line) or URL_LINE.match(line)]


def _never_heading(lines: list[str]) -> bool | None:
    """False for a line that ends a sentence and cites a note ("…in 1648.[1]"); else None (guess)."""
    citing = len(lines) == 1 and lines[0].endswith("]") and _CITING_SENTENCE_END.search(lines[0])
    return False if citing else None


def _without_hashes(unit: tuple[str, PageMarks, bool]) -> tuple[str, PageMarks, bool]:
    """A `## Heading` of a text file is shown as "Heading"."""
    text, marks, heading = unit
    hashes = _HASHES.match(text) if heading else None
    return (text[hashes.end() :], marks, heading) if hashes else unit


def _pieces(paragraph: str, marks: PageMarks, max_chars: int) -> list[tuple[str, tuple[int, ...]]]:
    """The paragraph's passages, each with the physical pages its text lies on."""
    pieces = split_long(paragraph, max_chars)
    if not marks:
        return [(piece, ()) for piece in pieces]
    out, position = [], 0
    for piece in pieces:
        start = paragraph.find(piece, position)
        start = position if start < 0 else start
        end = position = start + len(piece)
        pages = [page for offset, page in marks if offset < end]
        first = max((i for i, (offset, _) in enumerate(marks) if offset <= start), default=0)
        out.append((piece, tuple(dict.fromkeys(pages[first:]))))
    return out


def _last_page(passages: list[Passage]) -> int:
    return max((max(p.pages) for p in passages if p.pages), default=0)
