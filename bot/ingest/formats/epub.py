"""EPUB (.epub): the chapters in spine order, their footnotes, the package document's metadata.

    META-INF/container.xml  → the package document (.opf): metadata, manifest, spine
    spine                   → the chapters (XHTML), in reading order; covers, title and copyright
                              pages, tables of contents left out
    each chapter            → HEADING (h1–h6; the table of contents' title when the chapter has no
                              heading) and PARAGRAPH blocks
    note references         → `[marker]` in the text; the note they point at is a NOTE block and
                              never body text. A reference is a link marked as one (epub:type
                              "noteref", role "doc-noteref"), or a short marker-like link ("3", "iv",
                              "*") to a note element (epub:type footnote/endnote, role doc-footnote/
                              doc-endnote, an aside, an entry of a notes section) or from a <sup>.

Markers are the book's own ("3", "iv", "a", "*") when no two notes share one; books that number
their notes afresh in each chapter are numbered 1, 2, 3… through the book instead. A symbol or
letter that marks several notes ("*" in every chapter) gives way to numbers no other note has.
Print page breaks (epub:type "pagebreak", role "doc-pagebreak") give the blocks their pages and the
document its page labels.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, islice
from urllib.parse import unquote, urldefrag

from lxml import etree

from bot.ingest.document import HEADING, NOTE, PARAGRAPH, Block, Document, ReadLimits, SkipFile
from bot.ingest.formats._blocks import Citations, cut_at_text_limit, fill_markers, fold_spaces, iso_date, language_code
from bot.ingest.formats._xml import local_name, parse_xhtml, parse_xml
from bot.ingest.formats._zip import ZipPackage, looks_like_zip
from bot.ingest.notes import NOTES_HEADINGS, can_cite

KIND = "EPUB"
OPS = "{http://www.idpf.org/2007/ops}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
XMLENC = "{http://www.w3.org/2001/04/xmlenc#}"
_FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
XHTML_TYPES = ("application/xhtml+xml", "text/html", "application/xml")

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _HEADINGS | frozenset(
    "p div li blockquote pre dd dt td th caption figcaption section article header footer aside main "
    "ol ul dl table tr tbody thead tfoot figure hr address body center".split()
)
_CELLS = frozenset({"td", "th"})
_NEVER_TEXT = frozenset("head script style nav svg math object iframe noscript template button form select".split())
_NO_TYPES: frozenset[str] = frozenset()
_NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote", "note"})
_NOTES_TYPES = frozenset({"footnotes", "endnotes", "rearnotes"})
_NOTE_ROLES = frozenset({"doc-footnote", "doc-endnote"})
_NOT_TEXT_ROLES = frozenset({"doc-endnotes", "doc-pagebreak", "doc-toc"})
_FURNITURE_TYPES = frozenset({"pagebreak", "toc", "landmarks", "page-list", "loi", "lot"})
# Whole documents that are no reading: by the guide (EPUB 2), landmarks or epub:type (EPUB 3).
_FURNITURE_PAGES = frozenset(
    "cover title-page titlepage halftitlepage copyright-page copyright toc imprint colophon".split()
)
_MARKER_TEXT = re.compile(r"^[\[(]?\s*(\d{1,4}|[ivxlcdm]{1,7}|[a-z]|[*†‡§¶#]{1,3})\s*[\])]?\.?$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d{1,4}|[ivxlcdm]{1,7})$", re.IGNORECASE)
# The marker a note's text starts with: "3.", "[iv]", "*", "†", "a)" (a bare letter is a word: "a letter…").
_LEADING_MARKER = re.compile(
    r"^(?:[\[(]?(\d{1,4}|[ivxlcdm]{1,7}|[*†‡§¶]{1,3})[\])]?[.:]?|[\[(]?([a-z])(?:[\])]|\.))(?=\s|$)", re.IGNORECASE
)
PAGE_BREAK = "\x01"  # where a print page begins, in a block's text until it is folded
_BACK_TEXT = frozenset({"↩", "↩︎", "^", "↑", "back", "return", "[back]"})


class EpubReader:
    name = "EPUB (.epub)"
    suffixes = (".epub",)

    def sniff(self, head: bytes) -> bool:
        return looks_like_zip(head)  # a zip that is no EPUB is told apart by read()

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        book = _Book(ZipPackage(data, limits, KIND))
        notes = _find_notes(book)
        citations = Citations()
        blocks: list[Block] = []
        shown = book.metadata_texts()
        for path in book.chapters:
            chapter = _chapter_blocks(book, path, notes, citations)
            if not all(_plain(b.text).removeprefix("by ") in shown for b in chapter):
                blocks += chapter  # else a title page: nothing but the book's title, author, publisher
        blocks, warnings = cut_at_text_limit(_without_lone_notes_headings(blocks), limits)
        if not blocks:
            raise SkipFile(f"{KIND} without text (no chapter has any)")
        markers = _markers(notes, citations)
        note_blocks = [
            Block(NOTE, text, marker=markers[note])
            for note in [*citations.notes(), *(n for n in notes if n not in citations.order)]
            if (text := _note_text(notes[note], book))
        ]
        ordered = [markers[note] for note in citations.notes()]
        return Document(
            tuple([fill_markers(b, ordered) for b in blocks] + note_blocks),
            metadata=book.metadata(),
            page_labels=book.page_labels,
            warnings=tuple(book.warnings + warnings),
        )


@dataclass
class _Chapter:
    root: etree._Element
    ids: dict[str, etree._Element]


@dataclass
class _Book:
    """The package: its documents by path (parsed when first needed), spine and table of contents."""

    package: ZipPackage
    opf: etree._Element = field(init=False)
    chapters: list[str] = field(init=False)  # spine documents, in reading order
    media: dict[str, str] = field(init=False)  # manifest: path → media type
    titles: dict[str, str] = field(init=False)  # document path → its title in the table of contents
    references: dict[etree._Element, etree._Element] = field(default_factory=dict)  # note link → note
    page_labels: dict[int, str] = field(default_factory=dict)  # print pages by their page breaks, in order
    warnings: list[str] = field(default_factory=list)
    _documents: dict[str, _Chapter | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        opf_path = _package_document_path(self.package)
        self.opf = parse_xml(self.package.read(opf_path), opf_path)
        base = posixpath.dirname(opf_path)
        items = {}
        for item in self.opf.iter(OPF + "item"):
            if item.get("id") and item.get("href"):
                items[item.get("id")] = (_join(base, item.get("href")), item.get("media-type", ""), item)
        self.media = {path: media for path, media, _ in items.values()}
        spine = self.opf.find(OPF + "spine")
        if spine is None:
            raise SkipFile(f"damaged {KIND}: {opf_path} has no spine (the list of chapters)")
        refs = [items[ref.get("idref")] for ref in spine.iter(OPF + "itemref") if ref.get("idref") in items]
        chapters = list(dict.fromkeys(path for path, media, _ in refs if media in XHTML_TYPES))
        for path in chapters:
            if path not in self.package:
                self.warnings.append(f"chapter {path} is listed in the spine but missing from the file")
        chapters = [p for p in chapters if p in self.package]
        _refuse_encrypted(self.package, chapters)
        furniture = _furniture_paths(self, base, items, chapters)
        self.chapters = [p for p in chapters if p not in furniture]
        if not self.chapters:
            raise SkipFile(f"{KIND} without chapters: the spine of {opf_path} lists no XHTML document of the book")
        self.titles = _toc_titles(self, items, spine.get("toc"))

    def document(self, path: str) -> _Chapter | None:
        """A manifest's XHTML document, parsed once; None for anything else."""
        if path not in self._documents:
            chapter = None
            if self.media.get(path) in XHTML_TYPES and path in self.package:
                root = parse_xhtml(self.package.read(path), path)
                chapter = _Chapter(root, {el.get("id"): el for el in root.iter() if el.get("id")})
            self._documents[path] = chapter
        return self._documents[path]

    def target(self, path: str, href: str) -> etree._Element | None:
        """The element a link in document `path` points at (another document of the book included)."""
        if not href or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
            return None  # external (http:, mailto:)
        file, fragment = urldefrag(href)
        chapter = self.document(_join(posixpath.dirname(path), file) if file else path)
        return chapter.ids.get(unquote(fragment)) if chapter and fragment else None

    def metadata_texts(self) -> set[str]:
        """Every value of the package metadata (titles, creators, publisher, date…), for comparison."""
        block = self.opf.find(OPF + "metadata")
        elements = block.iter(f"{DC}*") if block is not None else ()
        return {_plain("".join(el.itertext())) for el in elements if el.tag != DC + "identifier"} - {""}

    def metadata(self) -> dict[str, str]:
        block = self.opf.find(OPF + "metadata")
        if block is None:
            return {}

        def values(tag: str) -> list[str]:
            return [text for el in block.iter(DC + tag) if (text := fold_spaces("".join(el.itertext())))]

        metadata: dict[str, str] = {}
        if titles := values("title"):
            metadata["title"] = titles[0]
        # A creator's role: opf:role (EPUB 2), or a <meta refines="#id" property="role"> (EPUB 3).
        roles = {
            m.get("refines", "").lstrip("#"): m.text for m in block.iter(OPF + "meta") if m.get("property") == "role"
        }
        authors = [
            el
            for el in block.iter(DC + "creator")
            if (el.get(OPF + "role") or roles.get(el.get("id", "")) or "aut") == "aut"
        ]
        if creators := list(dict.fromkeys(t for el in authors if (t := fold_spaces("".join(el.itertext()))))):
            metadata["author"] = creators[0] if len(creators) == 1 else f"{', '.join(creators[:-1])} and {creators[-1]}"
        dates = sorted(block.iter(DC + "date"), key=lambda d: d.get(OPF + "event", "publication") != "publication")
        if date := next((d for el in dates if (d := iso_date(fold_spaces(el.text or "")))), None):
            metadata["date"] = date
        if language := next((c for v in values("language") if (c := language_code(v))), None):
            metadata["language"] = language
        if publishers := values("publisher"):
            metadata["publication"] = publishers[0]
        return metadata


def _package_document_path(package: ZipPackage) -> str:
    if "META-INF/container.xml" not in package:
        raise SkipFile(f"not an {KIND}: a zip archive without META-INF/container.xml")
    container = parse_xml(package.read("META-INF/container.xml"), "META-INF/container.xml")
    paths = [r.get("full-path") for r in container.iter(CONTAINER + "rootfile") if r.get("full-path")]
    path = next((p for p in paths if p in package), None)
    if path is None:
        named = f" ({paths[0]})" if paths else ""
        raise SkipFile(f"damaged {KIND}: the package document{named} named by META-INF/container.xml is missing")
    return path


def _refuse_encrypted(package: ZipPackage, chapters: list[str]) -> None:
    """A book whose chapters META-INF/encryption.xml lists as encrypted (DRM) cannot be read.
    Fonts obfuscated the way EPUB allows are no obstacle."""
    if "META-INF/encryption.xml" not in package:
        return
    encryption = parse_xml(package.read("META-INF/encryption.xml"), "META-INF/encryption.xml")
    encrypted = set()
    for data in encryption.iter(XMLENC + "EncryptedData"):
        method = data.find(XMLENC + "EncryptionMethod")
        if method is not None and method.get("Algorithm") in _FONT_OBFUSCATION:
            continue
        encrypted |= {_join("", r.get("URI") or "") for r in data.iter(XMLENC + "CipherReference")}
    if encrypted & set(chapters):
        raise SkipFile(f"{KIND} is DRM-protected (its chapters are encrypted): use a DRM-free copy")


def _join(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(href))).lstrip("/")


def _furniture_paths(book: _Book, base: str, items: dict, chapters: list[str]) -> set[str]:
    """Spine documents that are no reading: the navigation document, covers, title and copyright pages
    (by the EPUB 2 guide, the EPUB 3 landmarks, or the page's own epub:type)."""
    navs = [path for path, _, item in items.values() if "nav" in (item.get("properties") or "").split()]
    paths = set(navs)
    for nav_path in navs:
        nav = book.document(nav_path)
        for landmarks in (n for n in _elements(nav.root, "nav") if "landmarks" in _types(n)) if nav else ():
            for link in _elements(landmarks, "a"):
                if _types(link) & _FURNITURE_PAGES and (file := urldefrag(link.get("href") or "")[0]):
                    paths.add(_join(posixpath.dirname(nav_path), file))
    for reference in book.opf.iter(OPF + "reference"):  # EPUB 2 guide
        if (reference.get("type") or "").lower() in _FURNITURE_PAGES and reference.get("href"):
            paths.add(_join(base, urldefrag(reference.get("href"))[0]))
    for path in chapters:
        body = next(_elements(book.document(path).root, "body"), None)
        if body is not None and _page_types(body) & _FURNITURE_PAGES:
            paths.add(path)
    return paths


def _page_types(body: etree._Element) -> frozenset[str]:
    """epub:type of the body and of its first section (where EPUB 3 books mark a page's role)."""
    first = next((child for child in body if isinstance(child.tag, str)), None)
    return _types(body) | (_types(first) if first is not None and local_name(first) == "section" else set())


def _toc_titles(book: _Book, items: dict, ncx_id: str | None) -> dict[str, str]:
    """Document path → the first title the table of contents gives it (EPUB 3 nav, else EPUB 2 NCX)."""
    titles: dict[str, str] = {}
    for path, _, item in items.values():
        if "nav" in (item.get("properties") or "").split() and (nav := book.document(path)):
            navs = list(_elements(nav.root, "nav"))
            for link in _elements(next((n for n in navs if "toc" in _types(n)), nav.root), "a"):
                file = urldefrag(link.get("href") or "")[0]
                if file and (text := fold_spaces("".join(link.itertext()))):
                    titles.setdefault(_join(posixpath.dirname(path), file), text)
    if not titles and ncx_id in items and items[ncx_id][0] in book.package:
        ncx_path = items[ncx_id][0]
        ncx = parse_xml(book.package.read(ncx_path), ncx_path)
        for point in ncx.iter(NCX + "navPoint"):
            label, content = point.find(f"{NCX}navLabel/{NCX}text"), point.find(NCX + "content")
            if label is not None and content is not None and content.get("src"):
                file = urldefrag(content.get("src"))[0]
                if text := fold_spaces(label.text or ""):
                    titles.setdefault(_join(posixpath.dirname(ncx_path), file), text)
    return titles


# ---------------------------------------------------------------- notes


@dataclass
class _Note:
    element: etree._Element
    shown: str | None  # the marker the book shows, when it is one markers can carry ("3", "iv")
    backlinks: set[str] = field(default_factory=set)  # ids of the references that point at it


def _find_notes(book: _Book) -> dict[etree._Element, _Note]:
    """The note elements of the book, in order of first citation, then those nothing cites; fills
    book.references (each note link → its note)."""
    notes: dict[etree._Element, _Note] = {}
    for path in book.chapters:
        for link in _elements(book.document(path).root, "a"):
            note = _note_of(book, path, link)
            if note is None:
                continue
            book.references[link] = note
            shown = _marker_text(link)
            shown = shown if shown and can_cite(shown) else None
            if note not in notes:
                notes[note] = _Note(note, shown)
            elif notes[note].shown != shown:
                notes[note].shown = None  # cited under two markers: renumbered
            if link.get("id"):
                notes[note].backlinks.add(link.get("id"))
    for path in book.chapters:
        for element in book.document(path).root.iter():
            if _is_note(element) and element not in notes and not _inside(element, notes):
                notes[element] = _Note(element, None)  # a note nothing cites: kept all the same
    return notes


def _note_of(book: _Book, path: str, link: etree._Element) -> etree._Element | None:
    """The note element a link cites, or None when it is no note reference."""
    explicit = "noteref" in _types(link) or link.get("role") == "doc-noteref"
    if not explicit and not _marker_text(link):
        return None
    target = book.target(path, link.get("href") or "")
    if target is None:
        return None
    block = _block_of(target)
    note = next((a for a in (block, *block.iterancestors()) if _is_note(a)), block)  # the whole <aside>
    if local_name(note) in ("body", "html") or note in set(link.iterancestors()):
        return None  # a link to its own paragraph or to a whole chapter cites no note
    if explicit:
        return note
    if _leads_its_block(link):
        return None  # the "7." that starts a note and links back to where it is cited
    if _is_note(note) or _in_notes_section(note):
        return note
    parent = link.getparent()
    in_sup = (parent is not None and local_name(parent) == "sup") or next(_elements(link, "sup"), None) is not None
    links_back = bool(link.get("id")) and any(
        urldefrag(a.get("href") or "")[1] == link.get("id") for a in islice(_elements(note, "a"), 20)
    )
    return note if in_sup or links_back else None


def _leads_its_block(link: etree._Element) -> bool:
    """Nothing but whitespace comes before the link in its paragraph (or list item, or cell)."""
    node = link
    while (parent := node.getparent()) is not None:
        previous = node.getprevious()
        while previous is not None:
            if (previous.tail or "").strip() or "".join(previous.itertext()).strip():
                return False
            previous = previous.getprevious()
        if (parent.text or "").strip():
            return False
        if local_name(parent) in _BLOCKS:
            return True
        node = parent
    return True


def _block_of(element: etree._Element) -> etree._Element:
    """The element itself when it is a block, else its nearest block ancestor (an anchor in a <p>)."""
    node = element
    while node is not None and local_name(node) not in _BLOCKS:
        node = node.getparent()
    return element if node is None or local_name(node) == "body" else node


def _is_note(element: etree._Element) -> bool:
    return bool(_types(element) & _NOTE_TYPES) or element.get("role") in _NOTE_ROLES


def _in_notes_section(element: etree._Element) -> bool:
    return any(_is_notes_section(a) or local_name(a) == "aside" for a in element.iterancestors()) or (
        local_name(element) == "aside"
    )


def _is_notes_section(element: etree._Element) -> bool:
    return bool(_types(element) & _NOTES_TYPES) or element.get("role") == "doc-endnotes"


def _inside(element: etree._Element, notes: dict) -> bool:
    return any(ancestor in notes for ancestor in element.iterancestors())


def _marker_text(link: etree._Element) -> str | None:
    """A link's text when it reads like a note marker ("3", "[iv]", "*"), without brackets."""
    match = _MARKER_TEXT.match(fold_spaces("".join(link.itertext())))
    return match.group(1).lower() if match else None


def _markers(notes: dict[etree._Element, _Note], citations: Citations) -> dict[etree._Element, str]:
    """Each note's marker: the book's own ("3", "iv", "a", "*") when no other cited note shows it; if
    two cited notes share a number, every note is numbered 1, 2, 3… in order of citation. A symbol or
    letter shown twice ("*" on every chapter), and notes nothing cites, get numbers no other note uses."""
    cited = citations.notes()
    shown = Counter(notes[n].shown for n in cited if notes[n].shown)
    if any(count > 1 and _NUMBERED.match(marker) for marker, count in shown.items()):
        markers = {note: str(number) for number, note in enumerate(cited, 1)}
    else:
        markers = {n: notes[n].shown for n in cited if notes[n].shown and shown[notes[n].shown] == 1}
    used = set(markers.values())
    free = (str(n) for n in count(1) if str(n) not in used)
    for note in [*cited, *notes]:
        if note not in markers:
            markers[note] = next(free)
    return markers


def _note_text(note: _Note, book: _Book) -> str:
    """A note's text without its back link and without the marker it starts with."""
    parts: list[str] = []
    walker = etree.iterwalk(note.element, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if element is not note.element and _is_back_link(element, note, book):
                walker.skip_subtree()
                continue
            name = local_name(element)
            if name in _NEVER_TEXT or _types(element) & _FURNITURE_TYPES:
                walker.skip_subtree()
                continue
            if name in _BLOCKS or name == "br":
                parts.append(" ")
            parts.append(element.text or "")
        elif element is not note.element:
            parts.append(element.tail or "")
    text = fold_spaces("".join(parts))
    leading = _LEADING_MARKER.match(text)
    if leading and note.shown and (leading.group(1) or leading.group(2)).lower() == note.shown:
        text = text[leading.end() :]
    return re.sub(r"^[.:)\]]\s*", "", text.strip()).strip()


def _is_back_link(element: etree._Element, note: _Note, book: _Book) -> bool:
    if local_name(element) != "a":
        return False
    if "backlink" in _types(element) or element.get("role") == "doc-backlink" or element in book.references:
        return True
    fragment = urldefrag(element.get("href") or "")[1]
    text = fold_spaces("".join(element.itertext())).lower()
    return bool(fragment) and (fragment in note.backlinks or text in _BACK_TEXT or bool(_MARKER_TEXT.match(text)))


# ---------------------------------------------------------------- chapters


def _chapter_blocks(book: _Book, path: str, notes: dict, citations: Citations) -> list[Block]:
    """One chapter's HEADING and PARAGRAPH blocks; its title from the table of contents if it shows none."""
    blocks: list[Block] = []
    parts: list[str] = []
    heading_depth = 0

    def flush() -> None:
        nonlocal page
        text, pages, page = _fold_with_page_breaks("".join(parts), page)
        if text:
            blocks.append(Block(HEADING if heading_depth else PARAGRAPH, text, pages=pages))
        parts.clear()

    page = len(book.page_labels)  # the print page this chapter begins on (0: before the first one)

    skipped: set[etree._Element] = set()
    simple_rows: set[etree._Element] = set()  # table rows read as one line, cells joined by " | "
    inline_cells: set[etree._Element] = set()
    root = book.document(path).root
    body = next(_elements(root, "body"), root)
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        name = local_name(element)
        if event == "start":
            if element.attrib and _is_page_break(element):
                book.page_labels[len(book.page_labels) + 1] = _page_label(element, len(book.page_labels) + 1)
                parts.append(PAGE_BREAK)
                skipped.add(element)
                walker.skip_subtree()
            elif name in _NEVER_TEXT or element in notes or (element.attrib and _not_text(element)):
                skipped.add(element)
                walker.skip_subtree()
            elif element in book.references:
                parts.append(citations.placeholder(book.references[element]))
                skipped.add(element)
                walker.skip_subtree()
            elif name in _CELLS and element.getparent() in simple_rows:
                inline_cells.add(element)
                parts.append(" | " if element.getprevious() is not None else "")
                parts.append(element.text or "")
            elif name in _BLOCKS:
                flush()
                heading_depth += name in _HEADINGS
                if name == "tr" and _is_simple_row(element):
                    simple_rows.add(element)
                parts.append(element.text or "")
            else:
                parts.append(" " if name == "br" else element.text or "")
            continue
        if element not in skipped and element not in inline_cells and name in _BLOCKS:
            flush()
            heading_depth -= name in _HEADINGS
        if element is not body:
            parts.append(element.tail or "")
    flush()
    if (title := book.titles.get(path)) and not any(b.kind == HEADING for b in blocks):
        blocks.insert(0, Block(HEADING, title))
    return blocks


def _is_simple_row(row: etree._Element) -> bool:
    """A table row of cells without paragraphs or lists in them: one line of text, not a layout."""
    return all(local_name(cell) in _CELLS for cell in row if isinstance(cell.tag, str)) and not any(
        local_name(element) in _BLOCKS for cell in row for element in cell.iterdescendants()
    )


def _is_page_break(element: etree._Element) -> bool:
    return "pagebreak" in _types(element) or element.get("role") == "doc-pagebreak"


def _page_label(element: etree._Element, physical: int) -> str:
    """The printed page number a page break marks: its title, aria-label, or text ("214", "xii")."""
    for label in (element.get("title"), element.get("aria-label"), "".join(element.itertext())):
        if label := fold_spaces(label or "").removeprefix("Page ").removeprefix("page "):
            return label[:20]
    return str(physical)


def _fold_with_page_breaks(raw: str, page: int) -> tuple[str, tuple[tuple[int, int], ...], int]:
    """Text folded as by fold_spaces, each PAGE_BREAK taken out: (text, Block.pages, the page after).

    A page begins at the word after its break; a block before the book's first break has no pages,
    and the one holding it is taken to begin on that page.
    """
    if PAGE_BREAK not in raw:
        text = fold_spaces(raw)
        return text, (((0, page),) if page and text else ()), page
    first, text, marks, pending, space = page, "", [], None, False  # first: the page the block begins on
    for index, piece in enumerate(raw.replace("\u00ad", "").split(PAGE_BREAK)):
        if index:
            page = pending = page + 1
        space = space or piece[:1].isspace()
        if words := piece.split():
            if text and space:
                text += " "
            if pending is not None:
                marks.append((len(text), pending))
                pending = None
            text += " ".join(words)
            space = piece[-1:].isspace()
    if first and text and (not marks or marks[0][0] > 0):
        marks.insert(0, (0, first))
    elif marks:
        marks[0] = (0, marks[0][1])
    return text, tuple(marks), page


def _not_text(element: etree._Element) -> bool:
    """A notes section, a page-break number, a table of contents: never body text."""
    types = _types(element)
    return bool(types & (_NOTES_TYPES | _FURNITURE_TYPES)) or element.get("role") in _NOT_TEXT_ROLES


def _without_lone_notes_headings(blocks: list[Block]) -> list[Block]:
    """A "Notes" heading whose notes were taken out (no paragraph before the next heading) is dropped."""
    kept: list[Block] = []
    next_is_paragraph = False
    for block in reversed(blocks):
        if block.kind == HEADING and block.text.strip(" :").casefold() in NOTES_HEADINGS and not next_is_paragraph:
            continue
        kept.append(block)
        next_is_paragraph = block.kind == PARAGRAPH
    return kept[::-1]


def _plain(text: str) -> str:
    return fold_spaces(text).casefold()


def _types(element: etree._Element) -> frozenset[str]:
    """The epub:type tokens of an element (namespaced, or a plain "epub:type" attribute of HTML)."""
    value = element.get(OPS + "type") or element.get("epub:type")
    return frozenset(value.lower().split()) if value else _NO_TYPES


def _elements(root: etree._Element, name: str) -> Iterator[etree._Element]:
    """Descendants with this local name, in an XHTML namespace or none (HTML-parsed documents)."""
    return root.iter(f"{{http://www.w3.org/1999/xhtml}}{name}", name)
