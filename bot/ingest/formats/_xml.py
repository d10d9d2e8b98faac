"""Safe XML (and XHTML) parsing of bytes from strangers.

No entity is ever expanded or fetched, no DTD loaded, nothing read from the network; the depth of
the tree is bounded by libxml2 (huge_tree off). A document that declares entities at all (the
"billion laughs" bomb, an external entity pointing at a local file or a URL) is refused: no
Word, EPUB or web page needs one. Every failure is a SkipFile naming the part at fault.
"""

from __future__ import annotations

from html.entities import html5

from lxml import etree

from bot.ingest.document import SkipFile


def xml_parser() -> etree.XMLParser:
    """A parser that expands no entity, loads no DTD and fetches nothing (depth bounded by libxml2)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)  # fmt: skip


def html_parser() -> etree.HTMLParser:
    """The same for HTML: nothing fetched, depth bounded; its error_log says where it stopped."""
    return etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)


_XML_PARSER = xml_parser()
_HTML_PARSER = html_parser()


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Bytes of an XML part (named `part` in messages) → its root element. Raises SkipFile."""
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise SkipFile(f"{part} is not well-formed XML ({_reason(error)})") from None
    _refuse_entities(root, part)
    _inline_named_entities(root)
    return root


def parse_xhtml(data: bytes, part: str) -> etree._Element:
    """An XHTML document → its root: as XML, else (undeclared `&nbsp;`, a stray `<br>`) as HTML.

    The HTML fallback knows HTML's named entities itself; it loads no DTD and fetches nothing.
    Raises SkipFile when neither parser makes a tree of it.
    """
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        if "amplification" in str(error) or "entity reference loop" in str(error):
            raise SkipFile(f"{part} is not well-formed XML ({_reason(error)})") from None
        if b"<!ENTITY" in data:
            raise SkipFile(_declares_entities(part)) from None
        try:
            root = etree.fromstring(data, _HTML_PARSER)
        except (etree.XMLSyntaxError, etree.ParserError, ValueError):
            root = None
        if root is None:
            raise SkipFile(f"{part} is neither XHTML nor HTML ({_reason(error)})") from None
    _refuse_entities(root, part)
    _inline_named_entities(root)
    return root


def local_name(element: etree._Element) -> str:
    """The tag without its namespace, in lower case ("{http://www.w3.org/1999/xhtml}P" → "p");
    "" for entity references and the like."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _refuse_entities(root: etree._Element, part: str) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SkipFile(_declares_entities(part))


def _declares_entities(part: str) -> str:
    return (
        f"{part} declares XML entities (<!ENTITY …>); they are never expanded or fetched, "
        "so the file is refused (entity expansion and external entities are a known attack)"
    )


def _inline_named_entities(root: etree._Element) -> None:
    """References such as `&nbsp;` that a DTD would define (XHTML 1.1 names one, never loaded) are
    left as references by the parser: each becomes its HTML character, an unknown one nothing."""
    for entity in list(root.iter(etree.Entity)):
        text = html5.get(f"{entity.name};", "") + (entity.tail or "")
        parent, previous = entity.getparent(), entity.getprevious()
        if parent is None:
            continue
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(entity)


def _reason(error: etree.XMLSyntaxError) -> str:
    message = str(error.msg or error).strip()
    if "amplification" in message or "entity reference loop" in message:
        return "its entities expand without bound: an 'entity expansion' attack"
    if "Excessive depth" in message:
        return "elements nested too deeply"
    return message.split(", line ")[0][:160] or "cannot be parsed"
