"""Bytes → a safe lxml tree, and the small tree operations the other HTML modules share.

Parsing never resolves a declared entity and never fetches anything: HTML goes through libxml2's
HTML parser (it knows only the HTML named entities and ignores a DTD's internal subset), XHTML
through an XML parser with entity resolution, DTD loading and network off. libxml2 caps nesting
at 256 levels without `huge_tree`; the page is read up to there (and a warning says so).
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from bot.ingest.document import SkipFile
from bot.ingest.formats._xml import html_parser, xml_parser

MAX_DEPTH = 255  # libxml2's nesting cap without huge_tree; it stops reading the page there
_HEAD = 4096  # where a charset declaration must be
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,300}\?>")
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]{0,500}\[", re.IGNORECASE)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]+")
_XHTML = "http://www.w3.org/1999/xhtml"
_EPUB = "{http://www.idpf.org/2007/ops}"


def decode(data: bytes) -> tuple[str, list[str]]:
    """The page's bytes → text, by its BOM, its declared charset, or UTF-8 (Windows-1252 if not)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), []
    if b"\x00" in data[:_HEAD]:
        raise SkipFile("binary file (NUL bytes), not a web page")
    declared = _declared_charset(data[:_HEAD])
    try:
        return data.decode(declared or "utf-8"), []
    except UnicodeDecodeError:
        if declared not in (None, "utf-8"):
            return data.decode(declared, errors="replace"), [
                f"not valid {declared} text as it declares; bad bytes replaced"
            ]
    text = data.decode("cp1252", errors="replace")
    return text, ["not valid UTF-8: read as Windows-1252 (Latin-1); save it as UTF-8"]


def _declared_charset(head: bytes) -> str | None:
    match = _XML_ENCODING.match(head) or _CHARSET.search(head)
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # Browsers read Latin-1 and ASCII pages as Windows-1252 (its superset); so do we.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def parse(text: str) -> tuple[etree._Element, list[str]]:
    """Text → the root element (tags and attributes by their local names, but see `epub_type`)."""
    text = _strip_doctype_subset(_XML_DECLARATION.sub("", clean(text), count=1))
    if not text.strip():
        raise SkipFile("empty web page")
    root = _parse_xhtml(text) if _looks_xhtml(text) else None
    warnings = []
    if root is None:
        parser = html_parser()
        try:
            root = etree.fromstring(text, parser=parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            raise SkipFile(f"not a readable web page ({exc})") from None
        if root is None:
            raise SkipFile("empty web page")
        if any("Excessive depth" in error.message for error in parser.error_log):
            warnings.append(f"markup nested deeper than {MAX_DEPTH} levels: the page is read only up to there")
    return root, warnings


def _looks_xhtml(text: str) -> bool:
    return _XHTML in text[:_HEAD]


def _parse_xhtml(text: str) -> etree._Element | None:
    """Well-formed XHTML as XML (self-closing anchors stay empty); None if it is not well-formed."""
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=xml_parser())
    except etree.XMLSyntaxError:
        return None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
            for name in [n for n in element.attrib if n.startswith("{") and not n.startswith(_EPUB)]:
                value = element.attrib.pop(name)
                if etree.QName(name).localname not in element.attrib:
                    element.attrib[etree.QName(name).localname] = value
    return root


def _strip_doctype_subset(text: str) -> str:
    """A DOCTYPE's internal subset (entity declarations) would show as text: cut it out unread."""
    match = _DOCTYPE_SUBSET.search(text, 0, 2000)
    if not match:
        return text
    end = text.find("]>", match.end())
    return text if end < 0 else text[: match.start()] + text[end + 2 :]


def elements(root: etree._Element, *tags: str):
    """The elements under root (root included) in document order; comments and entities left out."""
    return root.iter(*tags) if tags else root.iter(etree.Element)


def epub_type(element: etree._Element) -> list[str]:
    """Its epub:type words (an attribute of that name in HTML, of the OPS namespace in XHTML)."""
    return (element.get("epub:type") or element.get(_EPUB + "type") or "").split()


def hints(element: etree._Element) -> str:
    """Its class and id, lowercased, for class/id hint patterns."""
    return f"{element.get('class', '')} {element.get('id', '')}".lower()


def text_of(element: etree._Element) -> str:
    """Its text content, whitespace runs folded to one space (control characters an entity made, gone)."""
    return " ".join(clean("".join(element.itertext())).split())


def clean(text: str) -> str:
    """Without control characters (`&#1;` is parsed into one)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def drop(element: etree._Element) -> None:
    """Remove an element and what is inside it, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def replace_with_text(element: etree._Element, text: str) -> None:
    """Put `text` where the element was (the element and what is inside it go)."""
    element.tail = text + (element.tail or "")
    drop(element)


def is_inside(element: etree._Element, ancestors: set) -> bool:
    return element in ancestors or any(a in ancestors for a in element.iterancestors())
