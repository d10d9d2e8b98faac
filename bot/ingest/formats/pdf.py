"""PDF (.pdf): pdfminer.six places every character; _pdf_layout turns them into reading-order blocks.

pdfminer.six (MIT) is used without its layout analysis: only characters with their font, size and
position, page by page, so memory stays flat and the work linear. Page labels come from the
catalog's /PageLabels; title, author and date from the document information dictionary.

Refused with a reason: a password-protected file, one without a text layer (scanned), a damaged
one, more pages than ReadLimits.max_pages. Pages that fail alone are skipped with a warning.
"""

from __future__ import annotations

import io
import logging
import re
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
from bot.ingest.formats._pdf_layout import Char, Page, body_size, build_blocks, drop_furniture, page_lines

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
        if not any(page.segments for page in pages):
            if images:
                raise SkipFile("scanned PDF: its pages are images with no text layer (run OCR on it first)")
            raise SkipFile("PDF has no text on any page")
        size = body_size(pages)
        drop_furniture(pages, size)
        blocks = build_blocks(pages, size)
        blocks, cut = _within(blocks, limits.max_text_chars)
        if cut:
            warnings.append(f"text cut at {limits.max_text_chars:,} characters (max_text_chars)")
        metadata = _metadata(document)  # the pipeline drops the title printed on the first page
        return Document(tuple(blocks), metadata, _page_labels(document, len(pages)), tuple(warnings))


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


def _read_pages(document: PDFDocument, limits: ReadLimits, count: int) -> tuple[list[Page], list[str], int]:
    """Every page's lines, reporting each page read (of the `count` declared). Returns (pages,
    warnings, how many pages hold only images)."""
    resources = PDFResourceManager(caching=True)
    device = _CharCollector(resources)
    interpreter = PDFPageInterpreter(resources, device)
    pages: list[Page] = []
    failed: list[int] = []
    image_only: list[int] = []
    try:
        for number, pdf_page in enumerate(islice(PDFPage.create_pages(document), limits.max_pages + 1), 1):
            if number > limits.max_pages:
                raise SkipFile(f"PDF has more than {limits.max_pages:,} pages (max_pages)")
            device.chars, device.images = [], 0
            progress.report(number, count)
            try:
                interpreter.process_page(pdf_page)
            except Exception:  # RecursionError included: a page nested too deeply is a damaged page
                failed.append(number)
                continue
            chars, images = device.chars, device.images
            box = tuple(pdf_page.mediabox) if len(pdf_page.mediabox or ()) == 4 else (0, 0, 612, 792)
            pages.append(page_lines(number, chars, box))
            if images and not chars:
                image_only.append(number)
    except SkipFile:
        raise
    except RecursionError:
        raise SkipFile("damaged PDF: its page tree is nested too deeply to read") from None
    except Exception as error:
        if not pages:
            raise SkipFile(f"damaged PDF: {_reason(error)}") from None
        failed.append(len(pages) + 1)
    if not pages and failed:
        raise SkipFile(f"damaged PDF: none of its {len(failed)} page(s) could be read")
    warnings = []
    if failed:
        warnings.append(f"damaged PDF: page(s) {_ranges(failed)} could not be read and are left out")
    if image_only and len(image_only) < len(pages):
        warnings.append(f"page(s) {_ranges(image_only)} are scanned images without a text layer, left out")
    return pages, warnings, len(image_only)


class _CharCollector(PDFLayoutAnalyzer):
    """A pdfminer device that keeps only what the layout needs: each upright character's text, x
    extent, baseline (text rise included), size and boldness; and a count of images."""

    def __init__(self, resources: PDFResourceManager) -> None:
        super().__init__(resources, laparams=None)
        self.chars: list[Char] = []
        self.images = 0
        self._glyphs: dict[int, tuple[bool, bool, dict[int, tuple[str, float]]]] = {}  # per font

    def _font(self, font) -> tuple[bool, bool, dict[int, tuple[str, float]]]:
        """(vertical?, bold?, cid → (text, width)) of a font, looked up once per font."""
        known = self._glyphs.get(id(font))
        if known is None:
            known = self._glyphs[id(font)] = (font.is_vertical(), bool(_BOLD.search(font.fontname or "")), {})
        return known

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        vertical, bold, glyphs = self._font(font)
        glyph = glyphs.get(cid)
        if glyph is None:
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = ""
            glyph = glyphs[cid] = (text if text.strip() else "", font.char_width(cid))
        text, width = glyph
        advance = width * fontsize * scaling
        a, b, c, d, e, f = matrix
        if text and not (b or c or vertical) and a * d * scaling > 0:  # rotated text is no body text
            x1 = e + a * advance
            self.chars.append(Char(text, min(e, x1), max(e, x1), f + d * rise, abs(d) * fontsize, bold))
        return advance

    def render_image(self, name, stream) -> None:
        self.images += 1

    def paint_path(self, graphicstate, stroke, fill, evenodd, path) -> None:
        pass  # rules and boxes carry no text


def _metadata(document: PDFDocument) -> dict[str, str]:
    """Title, author and date (YYYY-MM-DD) from the document information dictionary."""
    found: dict[str, str] = {}
    try:
        info = resolve1(document.info[0]) if document.info else {}
        for key, name in (("Title", "title"), ("Author", "author")):
            value = resolve1(info.get(key))
            text = decode_text(value) if isinstance(value, bytes) else value if isinstance(value, str) else ""
            text = " ".join(text.split())
            if text and text.casefold() not in {"untitled", "anonymous", "unknown"}:
                found[name] = text
        created = resolve1(info.get("CreationDate"))
        created = decode_text(created) if isinstance(created, bytes) else str(created or "")
        date = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", created)
        if date and date.group(1) not in {"0000", "1970"}:
            found["date"] = "-".join(date.groups())
    except Exception:
        pass  # metadata is a bonus: a broken information dictionary costs nothing else
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
