"""Word (.docx): paragraphs and headings by their styles, footnotes and endnotes, core properties.

    word/document.xml   the body: each w:p a PARAGRAPH, or a HEADING when its style is a heading
                        (Heading 1…9, Title, Subtitle, or any style with an outline level);
                        deleted revisions, field codes, text boxes and tables of contents left out
    word/footnotes.xml  the notes a w:footnoteReference cites, numbered in order of citation
    word/endnotes.xml   likewise for w:endnoteReference; when both kinds exist their markers differ
                        (by the document's own number formats, else footnotes 1, 2… endnotes i, ii…);
                        a reference with a custom mark ("*", "†") keeps that mark when no other shows it
    docProps/core.xml   title, author (dc:creator); never its created or modified date, which tell when
                        the file was made or saved, not when the reading was written

Title, Author and Date paragraphs (by style) are metadata, not passages; see _take_shown_metadata.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from bot.ingest.document import HEADING, NOTE, PARAGRAPH, Block, Document, ReadLimits, SkipFile
from bot.ingest.formats._blocks import Citations, cut_at_text_limit, fill_markers, fold_spaces, language_code
from bot.ingest.formats._xml import parse_xml
from bot.ingest.formats._zip import ZipPackage, looks_like_zip
from bot.ingest.metadata import is_placeholder, parse_date, shown_byline_and_date
from bot.ingest.notes import can_cite

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE = {
    "title": "{http://purl.org/dc/elements/1.1/}title",
    "author": "{http://purl.org/dc/elements/1.1/}creator",
    "language": "{http://purl.org/dc/elements/1.1/}language",
}
KIND = "Word document"
_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: an encrypted .docx, or a .doc
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_STRICT_W = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
_TRANSITIONAL_W = W[1:-1].encode()
# Never text of the reading: deleted or moved-away revisions, field codes, drawings and text boxes
# (pull quotes repeat the body), embedded objects, the reference mark inside a note itself.
_SKIPPED = frozenset(
    W + tag
    for tag in (
        "del",
        "moveFrom",
        "delText",
        "instrText",
        "delInstrText",
        "drawing",
        "pict",
        "object",
        "txbxContent",
        "footnoteRef",
        "endnoteRef",
        "separator",
        "continuationSeparator",
        "rPr",
        "pPr",
    )
) | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
_SPACES = {W + "tab": " ", W + "br": " ", W + "cr": " ", W + "noBreakHyphen": "-", W + "ptab": " "}
# w:numFmt values of note numbering → how markers are written (others keep the default).
_NUMBER_FORMATS = {"decimal": "decimal", "lowerRoman": "roman", "upperRoman": "roman",
                   "lowerLetter": "letter", "upperLetter": "letter", "chicago": "symbol"}  # fmt: skip
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


class DocxReader:
    name = "Word (.docx)"
    suffixes = (".docx",)

    def sniff(self, head: bytes) -> bool:
        # A zip that is no Word document, and an encrypted one, are told apart by read().
        return looks_like_zip(head) or head.startswith(_COMPOUND_FILE)

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        if data.startswith(_COMPOUND_FILE):
            raise SkipFile(
                "a password-protected Word document (Word encrypts the whole file) or an old .doc renamed "
                "to .docx: save it as a .docx without a password"
            )
        package = ZipPackage(data, limits, KIND)
        main = _main_part(package)
        styles = _Styles.of(package)
        body = _part(package, main).find(W + "body")
        if body is None:
            raise SkipFile(f"{main} has no body (w:body)")
        settings = _part(package, "word/settings.xml")
        citations = Citations()
        paragraphs = list(_body_paragraphs(body, styles, citations))
        notes = _notes(package, settings, body, citations)
        metadata, paragraphs = _take_shown_metadata(_core_properties(package), paragraphs)
        blocks, warnings = cut_at_text_limit(
            [Block(PARAGRAPH if kind == _BODY else HEADING, text) for kind, text in paragraphs], limits
        )
        blocks = [fill_markers(b, notes.markers) for b in blocks]
        if not blocks:
            raise SkipFile(f"{KIND} without text (no paragraph has any)")
        return Document(tuple(blocks + notes.blocks), metadata=metadata, warnings=tuple(warnings))


_TITLE, _AUTHOR, _DATE, _HEADING, _BODY, _CONTENTS = "title", "author", "date", "heading", "body", "contents"
_HEAD_PARAGRAPHS = 6  # how far down a typed byline or date may stand


def _take_shown_metadata(core: dict[str, str], paragraphs: list[tuple[str, str]]) -> tuple[dict, list]:
    """Metadata from the Title, Author and Date paragraphs (as pandoc and many templates write them)
    over the core properties, and the paragraphs without those it took.

    The page's author and date win over the core properties (those name whoever made the file, and
    when); a core title wins over the Title paragraph, which then stays as a heading. A Date
    paragraph that is no date stays as text.
    """
    metadata = dict(core)
    authors = [text for kind, text in paragraphs if kind == _AUTHOR]
    if authors:
        metadata["author"] = authors[0] if len(authors) == 1 else f"{', '.join(authors[:-1])} and {authors[-1]}"
    dates = [(text, date) for kind, text in paragraphs if kind == _DATE and (date := parse_date(text))]
    if dates:
        metadata["date"] = dates[0][1]
    titles = [text for kind, text in paragraphs if kind == _TITLE]
    metadata.setdefault("title", titles[0] if titles else None)
    if not metadata["title"]:
        del metadata["title"]
    taken = {(_TITLE, metadata.get("title", "").casefold()), *((_DATE, text.casefold()) for text, _ in dates)}
    kept = [
        (_BODY if kind == _DATE else kind, text)
        for kind, text in paragraphs
        if kind != _AUTHOR and (kind, text.casefold()) not in taken
    ]
    # a byline and date typed as plain paragraphs under the title ("By Ruth Allen", "November 1998")
    head = kept[:_HEAD_PARAGRAPHS]
    shown, typed = shown_byline_and_date([text if kind == _BODY else None for kind, text in head],
                                         None if authors else core.get("author"))  # fmt: skip
    for key, styled in (("author", authors), ("date", dates)):  # over the core properties, not the styled ones
        if key in shown and not styled:
            metadata[key] = shown[key]
    return metadata, [p for i, p in enumerate(kept) if i not in typed]


@dataclass
class _Styles:
    """Paragraph styles by id: what each is (title, heading, body), following basedOn."""

    names: dict[str, str] = field(default_factory=dict)  # style id → name, lower case
    based_on: dict[str, str] = field(default_factory=dict)
    outlined: set[str] = field(default_factory=set)  # styles with an outline level (0–8: a heading)
    kinds: dict[str | None, str] = field(default_factory=dict)  # style id → its kind, once known

    @classmethod
    def of(cls, package: ZipPackage) -> _Styles:
        styles = cls()
        root = _part(package, "word/styles.xml")
        for style in root.iter(W + "style") if root is not None else ():
            style_id = style.get(W + "styleId")
            if not style_id:
                continue
            name = style.find(W + "name")
            styles.names[style_id] = ((name.get(W + "val") if name is not None else None) or style_id).lower()
            base = style.find(W + "basedOn")
            if base is not None and base.get(W + "val"):
                styles.based_on[style_id] = base.get(W + "val")
            if _outline_level(style.find(W + "pPr")) is not None:
                styles.outlined.add(style_id)
        return styles

    def chain(self, style_id: str | None) -> Iterator[str]:
        """The style and the styles it is based on (a loop in basedOn ends the chain)."""
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            yield style_id
            style_id = self.based_on.get(style_id)

    def name(self, style_id: str) -> str:
        return self.names.get(style_id, style_id.lower())

    def kind(self, paragraph: etree._Element) -> str:
        properties = paragraph.find(W + "pPr")
        kind = self._style_kind(_style_id(properties))
        return _HEADING if kind == _BODY and _outline_level(properties) is not None else kind

    def is_contents(self, paragraph: etree._Element) -> bool:
        """A table-of-contents entry or heading ("toc 1", "TOC Heading"): furniture, not text."""
        return self._style_kind(_style_id(paragraph.find(W + "pPr"))) == _CONTENTS

    def _style_kind(self, style_id: str | None) -> str:
        """What paragraphs of this style are; each style's basedOn chain is walked once."""
        if style_id not in self.kinds:
            self.kinds[style_id] = next(filter(None, map(self._own_kind, self.chain(style_id))), _BODY)
        return self.kinds[style_id]

    def _own_kind(self, style_id: str) -> str | None:
        name = self.name(style_id).replace(" ", "")
        if name.startswith("toc"):
            return _CONTENTS
        if name in (_TITLE, _AUTHOR, _DATE):
            return name
        if name == "subtitle" or (name.startswith("heading") and name[7:].isdigit()) or style_id in self.outlined:
            return _HEADING
        return None


def _style_id(properties: etree._Element | None) -> str | None:
    style = properties.find(W + "pStyle") if properties is not None else None
    return style.get(W + "val") if style is not None else None


def _outline_level(properties: etree._Element | None) -> int | None:
    level = properties.find(W + "outlineLvl") if properties is not None else None
    value = level.get(W + "val", "") if level is not None else ""
    return int(value) if value.isdigit() and int(value) < 9 else None  # 9 is body text


def _body_paragraphs(element: etree._Element, styles: _Styles, citations: Citations) -> Iterator[tuple[str, str]]:
    """(kind, text) of the non-empty paragraphs in reading order, without skipped parts or contents.

    A table row whose cells hold a paragraph each is one paragraph, its cells joined by " | "; a
    row of longer cells (a layout table) gives their paragraphs one by one.
    """
    walker = etree.iterwalk(element, events=("start",))
    for _, child in walker:
        if child is element:
            continue
        if child.tag in _SKIPPED or _is_contents_block(child):
            walker.skip_subtree()
        elif child.tag == W + "p":
            walker.skip_subtree()
            if not styles.is_contents(child) and (text := fold_spaces(_paragraph_text(child, citations))):
                yield styles.kind(child), text
        elif child.tag == W + "tr":
            walker.skip_subtree()
            cells = [list(_body_paragraphs(cell, styles, citations)) for cell in child.iter(W + "tc")]
            if all(len(cell) <= 1 for cell in cells):
                if row := " | ".join(text for cell in cells for _, text in cell):
                    yield _BODY, row
            else:
                yield from (paragraph for cell in cells for paragraph in cell)


def _is_contents_block(element: etree._Element) -> bool:
    """A content control holding the table of contents (w:docPartGallery "Table of Contents")."""
    if element.tag != W + "sdt":
        return False
    gallery = element.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "contents" in (gallery.get(W + "val") or "").lower()


def _paragraph_text(paragraph: etree._Element, citations: Citations | None) -> str:
    """A paragraph's text: its runs' w:t, tabs and breaks as spaces, note references as placeholders."""
    parts: list[str] = []
    walker = etree.iterwalk(paragraph, events=("start",))
    custom_mark_run = custom_note = None
    for _, element in walker:
        tag = element.tag
        if tag in _SKIPPED:
            walker.skip_subtree()
        elif tag == W + "t":
            if custom_mark_run is None or element.getparent() is not custom_mark_run:
                parts.append(element.text or "")
            elif citations is not None:  # the custom mark ("*", "†") the reference shows
                citations.shown[custom_note] = citations.shown.get(custom_note, "") + (element.text or "").strip()
        elif tag in _SPACES:
            parts.append(_SPACES[tag])
        elif tag in (W + "footnoteReference", W + "endnoteReference") and citations is not None:
            kind = "footnote" if tag == W + "footnoteReference" else "endnote"
            custom_note = (kind, element.get(W + "id", ""))
            parts.append(citations.placeholder(custom_note))
            # A custom mark ("*") follows in the same run as text; the marker replaces it.
            custom_mark_run = element.getparent() if element.get(W + "customMarkFollows") in ("1", "true") else None
    return "".join(parts)


@dataclass
class _Notes:
    markers: list[str]  # by citation number
    blocks: list[Block]


def _notes(package: ZipPackage, settings: etree._Element | None, body: etree._Element, citations: Citations) -> _Notes:
    """The cited footnotes and endnotes as NOTE blocks, each with its marker (uncited notes Word never shows)."""
    cited = citations.notes()
    kinds = {kind for kind, _ in cited}
    formats = {kind: _number_format(kind, settings, body) for kind in kinds}
    if len(kinds) == 2 and formats["footnote"][0] == formats["endnote"][0]:
        formats["endnote"] = ("roman" if formats["footnote"][0] == "decimal" else "decimal", formats["endnote"][1])
    texts = {kind: _note_texts(package, kind) for kind in kinds}
    custom = Counter(citations.shown.values())
    markers = [""] * len(cited)
    blocks: list[Block] = []
    for kind in ("footnote", "endnote"):
        style, start = formats.get(kind, ("decimal", 1))
        position = 0
        for number, note in enumerate(cited):
            if note[0] != kind:
                continue
            mark = citations.shown.get(note, "")
            if mark and custom[mark] == 1 and can_cite(mark.lower()):
                markers[number] = mark.lower()  # a custom mark takes no number from the sequence
            else:
                markers[number], position = _format(start + position, style), position + 1
            if text := texts[kind].get(note[1]):
                blocks.append(Block(NOTE, text, marker=markers[number]))
    taken = [m for m in markers if m]
    if len(set(taken)) < len(taken):  # a custom mark equal to a number: numbers for all, in order
        markers = [str(n) for n in range(1, len(cited) + 1)]
        blocks = [
            Block(NOTE, texts[k].get(i, ""), marker=m)
            for (k, i), m in zip(cited, markers, strict=True)
            if texts[k].get(i)
        ]
    return _Notes(markers, blocks)


def _note_texts(package: ZipPackage, kind: str) -> dict[str, str]:
    """word/footnotes.xml or endnotes.xml → {note id: text}, without separators and empty notes."""
    part = f"word/{kind}s.xml"
    root = _part(package, part)
    texts: dict[str, str] = {}
    for note in root.iter(W + kind) if root is not None else ():
        if note.get(W + "type", "normal") != "normal":
            continue  # separator, continuationSeparator, continuationNotice
        text = fold_spaces(" ".join(_paragraph_text(p, None) for p in note.iter(W + "p")))
        if text:
            texts[note.get(W + "id", "")] = text
    return texts


def _number_format(kind: str, settings: etree._Element | None, body: etree._Element) -> tuple[str, int]:
    """How the document numbers this kind of note: ("decimal" | "roman", first number).

    Word's defaults are 1, 2, 3 for footnotes and i, ii, iii for endnotes; the last section's
    properties, then the document settings, may say otherwise: letters ("a", "b") and Chicago's
    symbols ("*", "†", "‡", "§", "**") too.
    """
    style, start = ("decimal" if kind == "footnote" else "roman"), 1
    for holder in (settings, body.find(W + "sectPr")):
        properties = holder.find(f"{W}{kind}Pr") if holder is not None else None
        if properties is None:
            continue
        number_format = properties.find(W + "numFmt")
        value = number_format.get(W + "val", "") if number_format is not None else ""
        style = _NUMBER_FORMATS.get(value, style)
        first = properties.find(W + "numStart")
        if first is not None and (first.get(W + "val") or "").isdigit():
            start = max(1, min(int(first.get(W + "val")), 100_000))
    return style, start


def _format(number: int, style: str) -> str:
    """1 → "1" (decimal), "i" (roman), "a" (letter: …, z, aa, bb), "*" (symbol: *, †, ‡, §, **, ††, …)."""
    if style == "decimal":
        return str(number)
    if style in ("letter", "symbol"):
        signs = "abcdefghijklmnopqrstuvwxyz" if style == "letter" else "*†‡§"
        repeat, sign = divmod(number - 1, len(signs))
        return signs[sign] * (repeat + 1) if style == "letter" or repeat < 4 else str(number)  # past §§§§: numbers
    roman = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        roman += letters * count
    return roman


def _core_properties(package: ZipPackage) -> dict[str, str]:
    root = _part(package, "docProps/core.xml")
    if root is None:
        return {}
    values = {
        key: fold_spaces(element.text or "") for key, tag in _CORE.items() if (element := root.find(tag)) is not None
    }
    named = ("title", "author")
    metadata = {key: values[key] for key in named if values.get(key) and not is_placeholder(key, values[key])}
    if language := language_code(values.get("language")):
        metadata["language"] = language
    return metadata


def _main_part(package: ZipPackage) -> str:
    """word/document.xml, or wherever the package relationships (_rels/.rels) say the body is."""
    if "word/document.xml" in package:
        return "word/document.xml"
    relationships = _part(package, "_rels/.rels")
    for relation in relationships.iter(_REL + "Relationship") if relationships is not None else ():
        target = (relation.get("Target") or "").lstrip("/")
        if relation.get("Type", "").endswith("/officeDocument") and target in package:
            return target
    raise SkipFile(f"not a {KIND}: a zip archive without word/document.xml")


def _part(package: ZipPackage, name: str) -> etree._Element | None:
    """An optional part, parsed; None when the archive lacks it. A document saved as "Strict Open
    XML" names its elements in another namespace; they are read as the usual ones."""
    if name not in package:
        return None
    return parse_xml(package.read(name).replace(_STRICT_W, _TRANSITIONAL_W), name)
