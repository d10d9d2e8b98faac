"""PDF (.pdf): pdfminer.six places every character; _pdf_layout turns them into reading-order blocks.

pdfminer.six (MIT) is used without its layout analysis: only characters with their font, size and
position, page by page, so memory stays flat and the work linear. Page labels come from the
catalog's /PageLabels; title and author from the document information dictionary (its CreationDate
is when the file was made, exported or downloaded: never the article's date, which only the page shows).

Rotated text: a page is read in the orientation most of its characters are set in (a landscape table
page, drawn sideways, reads as if turned upright; a page's /Rotate is ignored, the glyphs tell).
Text set in another orientation on that page, such as the vertical stamp in the margin of arXiv
preprints, a sideways sidebar or a diagonal watermark, is left out.

In the worker (ReadLimits.processes 2), a long file's second half of pages is read by a forked
process at the same time (bot.ingest.forked): the same result as one process, on two cores.

Refused with a reason: a password-protected file, one without a text layer (scanned), a damaged
one, more pages than ReadLimits.max_pages. Pages that fail alone are skipped with a warning.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from itertools import islice

from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFNoPageLabels, PDFPasswordIncorrect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from bot.ingest import progress
from bot.ingest.document import Block, Document, ReadLimits, SkipFile
from bot.ingest.forked import can_fork, in_two_processes
from bot.ingest.formats._pdf_layout import (
    MARK_GLYPHS,
    Page,
    Piece,
    body_size,
    build_blocks,
    drop_furniture,
    joins,
    page_lines,
    printed_labels,
    spaced,
    take_shown_metadata,
)
from bot.ingest.metadata import is_placeholder, parse_date

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # it warns about every odd object in a file

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


class PdfReader:
    name = "PDF"
    suffixes = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return b"%PDF-" in head[:1024]

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        document = _open(data)
        count = _page_count(document)
        if count > limits.max_pages:
            raise SkipFile(f"PDF has {count:,} pages, more than the limit of {limits.max_pages:,} (max_pages)")
        pages, warnings, images = _read_pages(document, limits, count)
        cover = _cover_sheet(pages[0]) if len(pages) > 1 else {}
        if cover:  # an archive's cover sheet: the article's metadata, not its text
            pages = pages[1:]
        if not any(page.segments for page in pages):
            if images:
                raise SkipFile("scanned PDF: its pages are images with no text layer (run OCR on it first)")
            raise SkipFile("PDF has no text on any page")
        size = body_size(pages)
        printed = drop_furniture(pages, size)
        stated = _metadata(document) | cover
        # the page's byline and date win over the properties, which name whoever made the file, and when;
        # the pipeline drops the title printed on the first page
        metadata = stated | take_shown_metadata(pages, size, stated.get("author"))
        blocks = build_blocks(pages, size)
        blocks, cut = _within(blocks, limits.max_text_chars)
        if cut:
            warnings.append(f"text cut at {limits.max_text_chars:,} characters (max_text_chars)")
        last = pages[-1].number  # physical: a cover sheet left out keeps its number
        labels = _page_labels(document, last) or printed_labels(printed, last)
        return Document(tuple(blocks), metadata, labels, tuple(warnings))


def _open(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)))
    except PDFPasswordIncorrect:
        raise SkipFile("password-protected PDF: it cannot be read without its password") from None
    except PDFEncryptionError as error:
        raise SkipFile(f"encrypted PDF that cannot be decrypted ({error})") from None
    except RecursionError:
        raise SkipFile("damaged PDF: its objects are nested too deeply to read") from None
    except Exception as error:  # pdfminer raises many kinds of error on broken input
        if b"%%EOF" not in data[-2048:]:
            raise SkipFile("damaged PDF: the file is cut short (no end-of-file marker: a broken download?)") from None
        raise SkipFile(f"damaged PDF: {_reason(error)}") from None


def _page_count(document: PDFDocument) -> int:
    """The page count the page tree declares (checked again while reading, as it may lie)."""
    try:
        pages = resolve1(document.catalog.get("Pages"))
        count = resolve1(pages.get("Count")) if isinstance(pages, dict) else 0
        return count if isinstance(count, int) else 0
    except Exception:
        return 0


MIN_PAGES_TO_SPLIT = 16  # below this, a second process costs more than it saves


def _read_pages(document: PDFDocument, limits: ReadLimits, count: int) -> tuple[list[Page], list[str], int]:
    """Every page's lines, reporting each page read (of the `count` declared). Returns (pages,
    warnings, how many pages hold only images).

    With limits.processes ≥ 2 (in the worker), the second half of the pages is read in a forked
    process at the same time (bot.ingest.forked): the same pages, warnings and errors as one process
    reading them all, in about half the time on two cores. Only this process reports progress (the
    pages both have begun: about twice its own); the forked one must not write to the worker's pipe."""
    if limits.processes >= 2 and count >= MIN_PAGES_TO_SPLIT and can_fork():
        middle = count // 2 + 1
        parts = in_two_processes(
            lambda: _read_range(document, limits, 1, middle, count, pace=2),
            lambda: _read_range(document, limits, middle, None, count, pace=0),
        )
    else:
        parts = (_read_range(document, limits, 1, None, count),)
    if any(part.too_many for part in parts):
        raise SkipFile(f"PDF has more than {limits.max_pages:,} pages (max_pages)")
    if any(part.error == _NESTED for part in parts):
        raise SkipFile("damaged PDF: its page tree is nested too deeply to read")
    pages = [page for part in parts for page in part.pages]
    failed = sorted({number for part in parts for number in part.failed})
    image_only = [number for part in parts for number in part.image_only]
    error = next((part.error for part in parts if part.error), None)
    if error and not pages:
        raise SkipFile(f"damaged PDF: {error}")
    if not pages and failed:
        raise SkipFile(f"damaged PDF: none of its {len(failed)} page(s) could be read")
    warnings = []
    if failed:
        warnings.append(f"damaged PDF: page(s) {_ranges(failed)} could not be read and are left out")
    if image_only and len(image_only) < len(pages):
        warnings.append(f"page(s) {_ranges(image_only)} are scanned images without a text layer, left out")
    return pages, warnings, len(image_only)


_NESTED = "nested too deeply"


@dataclass
class _PagesRead:
    pages: list[Page] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # pages that could not be read
    image_only: list[int] = field(default_factory=list)
    error: str | None = None  # the page tree broke off here
    too_many: bool = False  # more than max_pages


def _read_range(
    document: PDFDocument, limits: ReadLimits, first: int, stop: int | None, count: int, pace: int = 1
) -> _PagesRead:
    """Pages first … stop - 1 (1-based; to the end when stop is None), in the order of the page tree.
    Before each page, reports how many pages are begun (`pace` per page of this range; 0: no reports)."""
    resources = PDFResourceManager(caching=True)
    device = _CharCollector(resources)
    interpreter = PDFPageInterpreter(resources, device)
    read = _PagesRead()
    number = 0
    try:
        for number, pdf_page in enumerate(islice(PDFPage.create_pages(document), limits.max_pages + 1), 1):
            if number > limits.max_pages:
                read.too_many = True
                break
            if number < first:
                continue
            if stop is not None and number >= stop:
                break
            if pace:  # pages begun so far, by one process or by two at about the same rate
                begun = pace * (number - 1) + 1
                progress.report(min(begun, count) or begun, count)
            device.start_page()
            pdf_page.rotate = 0  # the page in its content's own coordinates: the glyphs say how it turns
            try:
                interpreter.process_page(pdf_page)
            except Exception:  # RecursionError included: a page nested too deeply is a damaged page
                read.failed.append(number)
                continue
            turn, pieces = device.main_orientation()
            read.pages.append(page_lines(number, pieces, _turned_box(pdf_page.mediabox, turn)))
            if device.images and not pieces:
                read.image_only.append(number)
    except RecursionError:
        read.error = _NESTED
    except Exception as error:
        read.error = _reason(error)
        if number + 1 >= first:
            read.failed.append(number + 1)
    return read


def _turned_box(mediabox, turn: int) -> tuple[float, float, float, float]:
    """The page's box (pdfminer puts its lower left corner at 0, 0) in the frame of text turned
    `turn` quarter turns back to upright."""
    x0, y0, x1, y1 = mediabox if len(mediabox or ()) == 4 else (0, 0, 612, 792)
    width, height = abs(x1 - x0), abs(y1 - y0)
    corners = [_TURN_BACK[turn](x, y) for x in (0, width) for y in (0, height)]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


# A point (or direction) of text set `turn` quarter turns anticlockwise → where it lies once upright.
_TURN_BACK = (
    lambda x, y: (x, y),
    lambda x, y: (y, -x),
    lambda x, y: (-x, -y),
    lambda x, y: (-y, x),
)


def _turn(a: float, b: float, c: float, d: float) -> int | None:
    """How many quarter turns anticlockwise text with this matrix is set at; None if skewed or diagonal."""
    if abs(b) <= 0.01 * abs(a) and abs(c) <= 0.01 * abs(d):
        return 0 if a > 0 else 2
    if abs(a) <= 0.01 * abs(b) and abs(d) <= 0.01 * abs(c):
        return 1 if b > 0 else 3
    return None


def _glyph(font, cid: int) -> tuple[str, float, bool]:
    """(text, width, may it be part of a note marker?) of a character code: no text for spaces and
    codes without a Unicode mapping."""
    try:
        text = font.to_unichr(cid)
    except PDFUnicodeNotDefined:
        text = ""
    text = text if text.strip() else ""
    return (text, font.char_width(cid), text.isdigit() or text in MARK_GLYPHS)


class _CharCollector(PDFLayoutAnalyzer):
    """A pdfminer device that keeps only what the layout needs: the text of neighbouring glyphs, its
    x extent, baseline (text rise included), size and boldness (Piece), as if its line were upright,
    by orientation (upright, or turned by one, two or three quarter turns); and a count of images."""

    def __init__(self, resources: PDFResourceManager) -> None:
        super().__init__(resources, laparams=None)
        self.by_turn: tuple[list[Piece], ...] = ([], [], [], [])
        self.images = 0
        self._glyphs: dict[int, tuple[bool, bool, dict[int, tuple[str, float, bool]]]] = {}  # per font

    def start_page(self) -> None:
        self.by_turn, self.images = ([], [], [], []), 0

    def main_orientation(self) -> tuple[int, list[Piece]]:
        """The orientation most of the page's text is set in, and the pieces set in it."""
        turn = max(range(4), key=lambda t: sum(p.glyphs for p in self.by_turn[t]))
        return turn, self.by_turn[turn]

    def _font(self, font) -> tuple[bool, bool, dict[int, tuple[str, float, bool]]]:
        """(vertical?, bold?, cid → _glyph(cid)) of a font, looked up once per font."""
        known = self._glyphs.get(id(font))
        if known is None:
            known = self._glyphs[id(font)] = (font.is_vertical(), bool(_BOLD.search(font.fontname or "")), {})
        return known

    def render_string_horizontal(
        self, seq, matrix, pos, font, fontsize, scaling, charspace, wordspace, rise, dxscale, ncs, graphicstate
    ):
        """pdfminer's loop over a string's characters (same positions), fused with what render_char
        would do for each: the orientation and the font are looked up once per string, not per glyph,
        and neighbouring glyphs become one Piece (by the rules a run joins and spaces them with)."""
        x, y = pos
        vertical, bold, glyphs = self._font(font)
        a, b, c, d, e, f = matrix
        turn = None if vertical else _turn(a, b, c, d)
        if turn is not None:
            back = _TURN_BACK[turn]
            (ua, _), (_, ud) = back(a, b), back(c, d)  # the string's scale, once upright
            if ua * ud * scaling <= 0:
                turn = None  # mirrored text is no body text
        out = self.by_turn[turn] if turn is not None else None
        size, raised = abs(ud) * fontsize if out is not None else 0.0, (ud * rise if out is not None else 0.0)
        piece: Piece | None = None  # the piece being set; its texts in `texts`
        texts: list[str] = []
        last_baseline = 0.0  # of the last glyph set
        need_charspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                need_charspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if need_charspace:
                        x += charspace
                    glyph = glyphs.get(cid)
                    if glyph is None:
                        glyph = glyphs[cid] = _glyph(font, cid)
                    text, width, markish = glyph
                    advance = width * fontsize * scaling
                    if text and out is not None:
                        ex, fy = x * a + y * c + e, x * b + y * d + f
                        if turn:
                            ex, fy = back(ex, fy)
                        x1 = ex + ua * advance
                        left, right, baseline = min(ex, x1), max(ex, x1), fy + raised
                        joined = piece is not None and not markish
                        if joined and joins(left - piece.end, baseline - last_baseline, size):
                            if spaced(left - piece.end, size):
                                texts.append(" ")
                            texts.append(text)
                            piece.end, piece.x1, piece.glyphs = right, max(piece.x1, right), piece.glyphs + 1
                        else:
                            if piece is not None:
                                piece.text = "".join(texts)
                            piece = Piece(text, left, right, right, baseline, size, bold)
                            out.append(piece)
                            texts = [text]
                            if markish:  # a possible note marker stands alone
                                piece = None
                        last_baseline = baseline
                    x += advance
                    if cid == 32 and wordspace:
                        x += wordspace
                    need_charspace = True
        if piece is not None:
            piece.text = "".join(texts)
        return (x, y)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        return font.char_width(cid) * fontsize * scaling  # vertical writing only: left out

    def render_image(self, name, stream) -> None:
        self.images += 1

    def paint_path(self, graphicstate, stroke, fill, evenodd, path) -> None:
        pass  # rules and boxes carry no text


def _metadata(document: PDFDocument) -> dict[str, str]:
    """Title and author from the document information dictionary."""
    found: dict[str, str] = {}
    try:
        info = resolve1(document.info[0]) if document.info else {}
        for key, name in (("Title", "title"), ("Author", "author")):
            value = resolve1(info.get(key))
            text = decode_text(value) if isinstance(value, bytes) else value if isinstance(value, str) else ""
            text = " ".join(text.split())
            if text and not is_placeholder(name, text):
                found[name] = text
    except Exception:
        pass  # metadata is a bonus: a broken information dictionary costs nothing else
    return found


# An archive's cover sheet (JSTOR's): "Author(s): …", "Source: Past & Present, No. 1 (Feb., 1952), pp. 57-70",
# "Stable URL: https://www.jstor.org/stable/649990", and its terms of use.
_COVER_FIELD = re.compile(
    r"(Author\(s\)|Review by|Reviewed by|Source|Stable URL|Published by|Accessed|Reviewed work\(s\)):\s*(.+)"
)
_COVER_SOURCE = re.compile(r"(?P<publication>.+?)\s*\((?P<date>[^()]*\d{4}[^()]*)\)(?:,\s*pp?\.\s*.*)?\s*$")
_COVER_TERMS = re.compile(r"JSTOR is a not-for-profit|Your use of the JSTOR archive|JSTOR's Terms and Conditions", re.I)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_COVER_TITLE_LINES = 4


def _cover_sheet(page: Page) -> dict[str, str]:
    """The metadata a JSTOR cover sheet gives (title, author, publication, date, url), or {} for any
    other first page. The title is what stands above "Author(s):"."""
    lines = [line.text.strip() for seg in page.segments for line in seg]
    fields: dict[str, str] = {}
    field = None
    for line in lines:  # a field may wrap onto the next line
        match = _COVER_FIELD.fullmatch(line)
        if match:
            field = match[1]
            fields[field] = match[2].strip()
        elif field == "Source" and not _COVER_TERMS.search(line):
            fields[field] += " " + line
        else:
            field = None
    url = fields.get("Stable URL", "")
    first_field = next((i for i, line in enumerate(lines) if _COVER_FIELD.fullmatch(line)), len(lines))
    # a cover sheet: its fields under a short title, and the archive's terms of use (not a handout that
    # quotes a citation)
    if "jstor.org/stable" not in url.casefold() or first_field > _COVER_TITLE_LINES or not any(
        _COVER_TERMS.search(line) for line in lines
    ):
        return {}
    found = {"url": url.split()[0].rstrip(".")}
    if first_field:
        found["title"] = " ".join(lines[:first_field])
    author = fields.get("Author(s)") or fields.get("Review by") or fields.get("Reviewed by")
    if author:
        found["author"] = author
    source = _COVER_SOURCE.match(fields.get("Source", ""))
    if source:
        found["publication"] = source["publication"].rstrip(" ,")
        given = source["date"].strip()
        date = parse_date(given) or (year[1] if (year := _YEAR.search(given)) else None)  # "Winter, 1971-1972"
        if date:
            found["date"] = date
    return found


def _page_labels(document: PDFDocument, count: int) -> dict[int, str]:
    """Physical page → printed label, where the PDF says (/PageLabels)."""
    try:
        labels = list(islice(document.get_page_labels(), count))
    except PDFNoPageLabels:
        return {}
    except Exception:  # a broken label tree: physical numbers serve
        return {}
    return {number: str(label) for number, label in enumerate(labels, 1) if str(label) and str(label) != str(number)}


def _within(blocks: list[Block], max_chars: int) -> tuple[list[Block], bool]:
    total = 0
    for index, block in enumerate(blocks):
        total += len(block.text)
        if total > max_chars:
            return blocks[:index], True
    return blocks, False


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:200]


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
