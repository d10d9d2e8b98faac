"""Footnotes of a web page: taken out of the tree before the main text is chosen (extractors drop them).

Notes entries are the items of a notes list (`<ol class="footnotes">`, `<section class="footnotes">`,
Wikipedia's `<ol class="references">`, `role="doc-endnotes"`, `epub:type="footnotes"`), elements marked
`role="doc-footnote"`/`"doc-endnote"`/`epub:type="footnote"`, and whatever a reference link points at.
A reference is an in-page link that looks like one: `role="doc-noteref"`, `epub:type="noteref"`, or a
marker text ("1", "[12]", "iv", "*") in a `<sup>` or with a footnote-like class or target id.
Each reference becomes `[marker]` in the text; each entry a NOTE (its text without the back-link);
the entries and the lists that held them leave the tree, with a "Notes"/"References" heading above them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from bot.core.models import normalise_marker
from bot.ingest.formats.html.tree import drop, elements, epub_type, hints, is_inside, replace_with_text, text_of
from bot.ingest.notes import can_cite

_LIST_CLASSES = frozenset(
    "footnotes endnotes references reflist notes notelist footnote-list fn-list references-list".split()
)
_ENTRY_CLASSES = frozenset(("footnote", "endnote"))
_REF_HINT = re.compile(r"footnote|fnref|noteref|reference|\bref\b|\bfn\b|cite")
_TARGET_HINT = re.compile(r"^(fn|ftn|_ftn|footnote|note|endnote|cite_note|en|n)[\W_]?\d|footnote|endnote|cite_note|^fn")
# "1", "[12]", "iv", "[a]", "*", "†"; Wikipedia's note groups only in brackets: "[note 1]", "[nb 2]".
_MARKER_TEXT = re.compile(
    r"^\[?\s*(\d{1,4}|[ivxlcdm]{1,7}|[a-z]|[*†‡§¶]{1,3})\s*\]?$|^\[\s*[a-z][\w-]{0,19}\s\d{1,4}\s*\]$", re.IGNORECASE
)
_LEADING_MARKER = re.compile(r"^\[?\s*([^\s\].):]{1,8})\s*[\].):]?\s+")
_BACKLINK_HINT = re.compile(r"backlink|footnote-back|fn-back|footnote-return|cite-backlink|reversefootnote")
_BACK_SIGNS = re.compile(r"^[\s↑^↩︎⤴↵⮌🔙]+|[\s↑^↩︎⤴↵⮌]+$")
_LIST_ROLES = ("doc-endnotes", "doc-footnotes", "doc-bibliography")
_LIST_EPUB = ("footnotes", "endnotes", "rearnotes")
_ENTRY_ROLES = ("doc-footnote", "doc-endnote")
_ENTRY_EPUB = ("footnote", "endnote", "rearnote", "note")
_ENTRY_TAGS = frozenset(("li", "p", "div", "aside", "section", "dd", "dt", "td", "blockquote", "footer"))
_NEVER_ENTRY = frozenset(("html", "body", "main", "article"))
_NOTES_WORDS = frozenset(
    "notes footnotes endnotes references citations sources anmerkungen fußnoten einzelnachweise "
    "notas referencias références примечания сноски ссылки".split()
)


@dataclass
class PageNotes:
    entries: list[tuple[str, str]] = field(default_factory=list)  # (normalised marker, text), in page order
    warnings: list[str] = field(default_factory=list)


def take_footnotes(root: etree._Element) -> PageNotes:
    """Find the notes and their references; rewrite references as `[marker]`; remove the notes from the tree."""
    explicit = _explicit_entries(root)
    inside_explicit: set = {e for entry in explicit for e in elements(entry)}
    by_id = _ids(root)
    entries: set = set(explicit)
    markers: dict = {}  # entry → the marker its first reference shows
    refs: list = []
    for link in list(elements(root, "a")):
        target = _target(link, by_id)
        if target is None or link in inside_explicit or not _looks_like_ref(link, target):
            continue
        entry = _entry_for(target, entries)
        if entry is None or is_inside(link, entries) or entry in link.iterancestors():
            continue  # a back-link from a note, or a link into the text that holds it
        if entry not in entries:
            if any(a in entries for a in entry.iterancestors()):
                continue
            entries.add(entry)
        markers.setdefault(entry, _marker_of(link))
        refs.append((link, entry))

    ordered = [e for e in elements(root) if e in entries]
    ordinals = _ordinals(ordered)
    for entry in ordered:
        markers[entry] = markers.get(entry) or ordinals[entry]
    for link, entry in refs:
        replace_with_text(_ref_node(link), f"[{markers[entry]}]")
    page = PageNotes()
    for entry in ordered:
        text = _entry_text(entry, markers[entry])
        if text:
            page.entries.append((markers[entry], text))
    _remove_all(ordered)
    unlinked = sorted({m for m, _ in page.entries if not can_cite(m)})
    if unlinked:
        page.warnings.append(
            f"footnote markers {', '.join(f'[{m}]' for m in unlinked[:5])} are of a style not linked to passages"
        )
    return page


def _explicit_entries(root: etree._Element) -> list:
    """Entries the markup names as such: items of notes lists, elements with a footnote role."""
    entries: list = []
    covered: set = set()  # inside a notes list or an entry already taken
    for element in elements(root):
        if element in covered or not _may_mark_notes(element):
            continue
        role, epub, classes = element.get("role", ""), epub_type(element), _classes(element)
        if (
            role in _LIST_ROLES
            or any(t in _LIST_EPUB for t in epub)
            or (element.tag in ("ol", "ul", "section", "div", "aside", "footer", "dl") and classes & _LIST_CLASSES)
        ):
            for item in elements(element):
                if item.tag == "li" and item not in covered:
                    entries.append(item)
                    covered.update(elements(item))
                covered.add(item)
        elif (
            role in _ENTRY_ROLES
            or any(t in _ENTRY_EPUB for t in epub)
            or (element.tag in ("div", "aside", "li", "p", "section") and classes & _ENTRY_CLASSES)
        ):
            entries.append(element)
            covered.update(elements(element))
    return entries


def _may_mark_notes(element: etree._Element) -> bool:
    attributes = element.attrib
    return "class" in attributes or "id" in attributes or "role" in attributes or bool(epub_type(element))


def _classes(element: etree._Element) -> set[str]:
    return set(f"{element.get('class', '')} {element.get('id', '')}".lower().split())


def _ids(root: etree._Element) -> dict:
    by_id: dict = {}
    for element in elements(root):
        for name in (element.get("id"), element.get("name") if element.tag == "a" else None):
            if name and name not in by_id:
                by_id[name] = element
    return by_id


def _target(link: etree._Element, by_id: dict) -> etree._Element | None:
    href = link.get("href", "")
    if "#" not in href:
        return None
    fragment = href.split("#", 1)[1]
    return by_id.get(fragment) if fragment in by_id else by_id.get(unquote(fragment))


def _looks_like_ref(link: etree._Element, target: etree._Element) -> bool:
    if link.get("role") == "doc-noteref" or "noteref" in epub_type(link):
        return True
    if not _MARKER_TEXT.match(text_of(link)):
        return False
    parent = link.getparent()
    in_sup = (parent is not None and parent.tag == "sup") or any(c.tag == "sup" for c in link)
    return (
        in_sup
        or bool(_REF_HINT.search(hints(link)))
        or bool(parent is not None and _REF_HINT.search(hints(parent)))
        or bool(_TARGET_HINT.search((target.get("id") or target.get("name") or "").lower()))
    )


def _entry_for(target: etree._Element, explicit_set: set) -> etree._Element | None:
    """The note a reference points at: the known entry holding its target, else its nearest block."""
    for candidate in (target, *target.iterancestors()):
        if candidate in explicit_set:
            return candidate
    for candidate in (target, *target.iterancestors()):
        if candidate.tag in _NEVER_ENTRY:
            return None
        if candidate.tag in _ENTRY_TAGS:
            return candidate
    return None


def _marker_of(link: etree._Element) -> str:
    text = text_of(link)
    return normalise_marker(text) if _MARKER_TEXT.match(text) else ""


def _ordinals(entries: list) -> dict:
    """Each entry's marker if no reference names it: its list number (`<ol start>`, `<li value>`),
    a number its text begins with, else its place among the entries."""
    ordinals: dict = {}
    numbers: dict = {}  # list element → the next item number
    for place, entry in enumerate(entries, 1):
        parent = entry.getparent()
        if entry.tag == "li" and parent is not None:
            start = parent.get("start", "1")
            number = (
                int(entry.get("value"))
                if entry.get("value", "").isdigit()
                else numbers.get(parent, int(start) if start.isdigit() else 1)
            )
            numbers[parent] = number + 1
            ordinals[entry] = str(number)
            continue
        leading = re.match(r"^\s*\[?(\d{1,4})[\].):]?\s", text_of(entry) + " ")
        ordinals[entry] = leading.group(1) if leading else str(place)
    return ordinals


def _ref_node(link: etree._Element) -> etree._Element:
    """What the `[marker]` replaces: the link, or the `<sup>` that holds only it."""
    parent = link.getparent()
    if parent is not None and parent.tag == "sup" and text_of(parent) == text_of(link):
        return parent
    return link


def _entry_text(entry: etree._Element, marker: str) -> str:
    """The note's text without its back-links and without its own marker in front."""
    inside = {e.get(key) for e in elements(entry) for key in ("id", "name")}
    for element in list(elements(entry)):
        href = element.get("href", "")
        backlink = (
            element.get("role") == "doc-backlink"
            or _BACKLINK_HINT.search(hints(element))
            or (element.tag == "a" and href.startswith("#") and href[1:] not in inside)
        )
        if backlink and element is not entry:
            drop(element)
    text = _BACK_SIGNS.sub("", text_of(entry))
    leading = _LEADING_MARKER.match(text)
    if leading and normalise_marker(leading.group(1)) == marker:
        text = text[leading.end() :]
    return _BACK_SIGNS.sub("", text).strip()


def _remove_all(entries: list) -> None:
    """Remove the entries, then each container left without text, and a notes heading right above it."""
    parents = list(dict.fromkeys(e.getparent() for e in entries if e.getparent() is not None))
    headings = [h for h in map(_heading_before, entries) if h is not None]  # notes that stand right under one
    for element in entries + headings:
        drop(element)
    for parent in parents:
        while parent is not None and parent.tag not in _NEVER_ENTRY and not _has_text_beyond_headings(parent):
            above, heading = parent.getparent(), _heading_before(parent)
            drop(parent)
            if heading is not None:
                drop(heading)
                break
            parent = above


def _has_text_beyond_headings(element: etree._Element) -> bool:
    headings = [e for e in elements(element) if e.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    heading_text = sum(len(text_of(h)) for h in headings if _is_notes_heading(h))
    return len(text_of(element)) > heading_text


def _heading_before(element: etree._Element) -> etree._Element | None:
    """The notes heading just before a notes container: an `<h2>` itself, or a wrapper holding one."""
    previous = element.getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()
    if previous is None:
        return None
    headings = [e for e in elements(previous) if e.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    if (
        len(headings) == 1
        and _is_notes_heading(headings[0])
        and len(text_of(previous)) <= len(text_of(headings[0])) + 12
    ):
        return previous
    return None


def _is_notes_heading(heading: etree._Element) -> bool:
    words = re.findall(r"\w+", text_of(heading).casefold())
    return 0 < len(words) <= 4 and any(w in _NOTES_WORDS for w in words)
