"""The main text of a web page: page furniture pruned, the article's container chosen, its blocks read.

prune        scripts, forms, hidden parts, nav/aside/footer, and elements whose class, id or role
             says what they are (cookie, share, related, comments, newsletter, login, copyright…)
choose       the container holding the article: paragraphs score their parent and grandparent
             (text length, commas, low link density, readability-style); an <article> holding
             the best-scored container (or held by it) wins; well-scored siblings join it
read         headings from h1–h6 (and dt), paragraphs from p/li/blockquote and text runs in other blocks;
             link-dense and furniture blocks dropped; each paragraph once
"""

from __future__ import annotations

import re

from lxml import etree

from bot.ingest.cleaning import is_boilerplate
from bot.ingest.document import HEADING, PARAGRAPH, Block
from bot.ingest.formats.html.tree import clean, drop, elements, hints
from bot.ingest.metadata import parse_date

HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_DROP_TAGS = frozenset(
    "script style noscript template svg math canvas iframe frame frameset object embed video audio picture "
    "source track button input select textarea option optgroup label datalist output meter progress map area "
    "head title link meta base nav aside footer dialog figcaption menu".split()
)
_BLOCK_TAGS = (
    frozenset(
        "address article blockquote body center dd details dir div dl dt fieldset figure form header hgroup hr "
        "li main ol p pre section summary table tbody thead tfoot tr td th ul caption legend html".split()
    )
    | HEADINGS
)
_HEADING_TAGS = HEADINGS | {"dt"}  # a term of a definition list heads its definition
_PARAGRAPH_TAGS = frozenset(("p", "pre", "blockquote", "li", "td", "dd"))
_JUNK_ROLES = frozenset(
    "navigation banner contentinfo complementary search dialog alertdialog menu menubar toolbar form".split()
)
# Class/id words of page furniture (whole words between spaces, dashes and underscores).
_JUNK_HINT = re.compile(
    r"(?:^|[\s_-])("
    r"nav|navbar|navigation|menu|breadcrumbs?|skip|skiplink|cookies?|consent|gdpr|cmp|"
    r"share|sharing|sharebar|social|socials|socialmedia|related|recommended|recommendations|"
    r"more-stories|trending|popular|most-read|mostread|outbrain|taboola|"
    r"comments?|commentlist|comment-list|disqus|respond|replies|newsletter|subscribe|subscription|signup|"
    r"login|log-in|signin|register|paywall|promo|promotion|ad|ads|advert|adverts|advertisement|sponsor|"
    r"sponsored|footer|sidebar|widget|widgets|popup|modal|overlay|toolbar|pagination|pager|tags|tag-list|"
    r"byline|author|authors|author-bio|bio|dateline|timestamp|date|meta|copyright|legal|disclaimer|"
    r"caption|credits?|print|infobox|navbox|vertical-navbox|catlinks|editsection|mw-editsection|toc|"
    r"hatnote|noprint|mw-jump-link|printfooter|ambox|sistersitebox|authority-control|refbegin|"
    r"sr-only|visually-hidden|screen-reader-text|read-more|readmore|more-link|post-navigation|rating|"
    r"headerlink|permalink|anchorjs-link|header-anchor|heading-anchor"
    r")(?=$|[\s_-])"
)
_CONTENT_HINT = re.compile(r"article|content|body|entry|main|post|story|text|prose")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_MAX_HIDDEN_TEXT = 300  # a hidden element longer than this may be the article a script reveals: kept
_MIN_PARAGRAPH = 25  # characters of text outside links for a paragraph to score its container
_LINKED_PARAGRAPH = 300  # a shorter block more than half of whose text is links is a list of links
_BR = "\x1e"  # a <br> while a paragraph's text is gathered
_PARAGRAPH_BREAK = re.compile(rf"{_BR}\s*{_BR}[\s{_BR}]*")
# Page furniture that no class named; matched against the whole of a short block. A copyright line's
# "(c)" is followed by a year or a name: a lettered item "(c) when a member state asks …" is text.
_FURNITURE = re.compile(
    r"(©|\(c\)(?!\s+(?-i:[a-zà-ÿ]))|copyright\s*(©|\(c\))?\s*\d{4}).*|.*\ball rights reserved\b.*"
    r"|.*\b(we|this (site|website)) uses? cookies\b.*|.*\b(accept|reject|allow) (all )?cookies\b.*"
    r"|.*\bcookie (settings|preferences|policy)\b.*|(privacy|cookie) policy\W*"
    r"|terms (of (use|service)|and conditions)\W*"
    r"|read (more|also|next)\b.{0,120}|see (also|more)\W*|continue reading\b.{0,120}"
    r"|(more|related) (on|from|stories|articles|coverage)\b.{0,80}"
    r"|(log ?in|sign ?in|log ?out)( to| or| with| \|).{0,60}|(log ?in|sign ?in|register|subscribe)\W*"
    r"|create (a|an|a free) account\b.{0,60}"
    r"|\d+\s+(comments?|responses?|replies)\W*|(leave|post|add|write) a (comment|reply|response)\b.*"
    r"|what do you think\?.*|join the (discussion|conversation)\b.*|be the first to comment\b.*"
    r"|(show|view|load) (\d+ )?comments\b.*|comments are closed\W*"
    r"|.*\bnewsletter\b.*\b(sign up|subscribe|inbox|e-?mail)\b.*|.*\b(sign up|subscribe)\b.*\bnewsletter\b.*"
    r"|advertisement\W*|skip to (main )?content\W*|back to top\W*|share( this)?( article| story| post)?\W*"
    r"|(published|updated|posted|last (updated|modified))( on| at)?\b[^.!?]{0,40}\d{4}([^.!?]|[ap]\.m\.){0,25}",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"(By|BY|by)\s+[A-ZÀ-Þ][\w.'’-]*(\s+(and\s+)?[A-ZÀ-Þ][\w.'’-]*){0,5}(\s*[|,·—-].{0,60})?")
# A byline's tail is a desk or a date, never a sentence: "By October, the strike had spread to every pit."
_SENTENCE_TAIL = re.compile(r"(?:.*\b[a-zà-ÿ][\w'’-]*\b){3}.*[.!?]")
_MAX_FURNITURE = 220  # a block longer than this is text, whatever it starts with
_MAX_DATE = 60  # a block this short that is a date (a dateline) is no text


def prune(body: etree._Element) -> None:
    """Remove page furniture; an element that says it is content and holds most of the text stays.

    Headings and what is inside them are judged by tag and class only: their ids are made of their
    words (Wikipedia's "Social_effects" is no share bar)."""
    stats = _stats(body)
    total = max(1, stats[body][0])
    doomed = []
    in_heading: set = set()
    for element in elements(body):
        if element is body:
            continue
        if element.tag in HEADINGS or element.getparent() in in_heading:
            in_heading.add(element)
        furniture = element.tag in _DROP_TAGS or element.get("role", "") in _JUNK_ROLES
        if furniture or (_hidden(element) and stats[element][0] <= _MAX_HIDDEN_TEXT):
            doomed.append(element)
        else:
            hinted = element.get("class", "").lower() if element in in_heading else hints(element)
            if _JUNK_HINT.search(hinted) and not (_CONTENT_HINT.search(hinted) and stats[element][0] > total / 2):
                doomed.append(element)
    for element in doomed:
        drop(element)


def _hidden(element: etree._Element) -> bool:
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(element.get("style", "").lower()))
    )


def choose_roots(body: etree._Element) -> list[etree._Element]:
    """The element(s) holding the article text, in page order."""
    scores, stats = _scores(body)
    if not scores:
        return [body]
    top = max(scores, key=scores.get)
    semantic = _semantic_container(body, stats)
    if semantic is not None and (semantic is top or top in semantic.iterancestors() or semantic in top.iterancestors()):
        return [semantic]
    parent = top.getparent()
    if parent is None:
        return [top]
    threshold = max(10.0, scores[top] * 0.2)
    roots = []
    for sibling in parent:
        if not isinstance(sibling.tag, str):
            continue
        if sibling is top or scores.get(sibling, 0.0) >= threshold or _good_paragraph(sibling, stats):
            roots.append(sibling)
    return roots


def _good_paragraph(element: etree._Element, stats: dict) -> bool:
    if element.tag != "p" or element not in stats:
        return False
    length, links, _ = stats[element]
    return length - links >= 80 and links < 0.25 * length


def _stats(body: etree._Element) -> dict:
    """element → (text length, link text length, commas) of what is inside it, in one bottom-up pass."""
    stats: dict = {}
    for element in reversed(list(elements(body))):
        length, commas = len(element.text or ""), (element.text or "").count(",")
        links = 0
        for child in element:
            tail = child.tail or ""
            length, commas = length + len(tail), commas + tail.count(",")
            if child in stats:
                child_length, child_links, child_commas = stats[child]
                length, links, commas = length + child_length, links + child_links, commas + child_commas
        stats[element] = (length, length if element.tag == "a" else links, commas)
    return stats


def _scores(body: etree._Element) -> tuple[dict, dict]:
    stats = _stats(body)
    scores: dict = {}
    for element, (length, links, commas) in stats.items():
        own = length - links
        if element.tag not in _PARAGRAPH_TAGS or own < _MIN_PARAGRAPH:
            continue
        if any(child.tag in _PARAGRAPH_TAGS for child in element):
            continue  # the paragraphs inside it score for themselves
        score = 1 + commas + min(own / 100, 3)
        for level, ancestor in enumerate(element.iterancestors(), 1):
            if ancestor not in stats:
                break  # above <body>
            scores[ancestor] = scores.get(ancestor, 0.0) + score / (1 if level == 1 else level * 1.5)
            if level == 4:
                break
    for element in scores:
        length, links, _ = stats[element]
        scores[element] *= 1 - links / max(1, length)
        if _CONTENT_HINT.search(hints(element)):
            scores[element] *= 1.25
    return scores, stats


def _semantic_container(body: etree._Element, stats: dict) -> etree._Element | None:
    """The page's `<article>` with the most text outside links, else its `itemprop="articleBody"`."""
    for wanted in (lambda e: e.tag == "article", lambda e: e.get("itemprop") == "articleBody"):
        found = [e for e in elements(body) if wanted(e) and e in stats]
        if found:
            return max(found, key=lambda e: stats[e][0] - stats[e][1])
    return None


class _Gatherer:
    """Walks the chosen containers and gathers blocks, a paragraph at every block boundary."""

    def __init__(self, max_chars: int):
        self.blocks: list[Block] = []
        self.max_chars = max_chars
        self.chars = 0
        self.cut = False
        self._parts: list[str] = []
        self._link_chars = 0
        self._seen: set[str] = set()

    def add(self, text: str | None, link: str | None, in_heading: bool) -> None:
        """Text of the block being gathered; `link` is the href of the link it is in, if any."""
        if text:
            text = clean(text)
            self._parts.append(text)
            if link is not None and not (in_heading and link.startswith("#")):
                self._link_chars += len(text.strip())  # a heading's link to itself is no link away

    def br(self) -> None:
        self._parts.append(_BR)

    def flush(self, kind: str, in_table: bool) -> None:
        raw, link_chars = "".join(self._parts), self._link_chars
        self._parts, self._link_chars = [], 0
        pieces = [" ".join(p.replace(_BR, " ").split()) for p in _PARAGRAPH_BREAK.split(raw)]
        pieces = [p for p in pieces if p]
        total = sum(len(p) for p in pieces)
        density = link_chars / max(1, total)
        if not pieces or density > 0.8 or (density > 0.5 and total < _LINKED_PARAGRAPH):
            return  # nothing, or mostly links (related stories, "Read more: …", tag lists)
        for piece in pieces:
            self._keep(kind if len(pieces) == 1 else PARAGRAPH, piece, in_table)

    def _keep(self, kind: str, text: str, in_table: bool) -> None:
        if self.cut or (in_table and len(text) < _MIN_PARAGRAPH) or is_furniture(text):
            return
        if kind == PARAGRAPH and len(text) >= 60:
            if text in self._seen:
                return
            self._seen.add(text)
        if self.chars + len(text) > self.max_chars:
            self.cut = True
            return
        self.chars += len(text)
        self.blocks.append(Block(kind, text))


def is_furniture(text: str) -> bool:
    """A short block that is page furniture: a copyright line, a cookie notice, a comment count…"""
    if len(text) > _MAX_FURNITURE:
        return False
    if _FURNITURE.fullmatch(text) or is_boilerplate(text):
        return True
    if _BYLINE.fullmatch(text) and not _SENTENCE_TAIL.fullmatch(text):
        return True
    return len(text) <= _MAX_DATE and any(c.isdigit() for c in text) and parse_date(text) is not None


def read_blocks(roots: list[etree._Element], max_chars: int) -> tuple[list[Block], bool]:
    """The containers' headings and paragraphs in page order; True as well when cut at max_chars."""
    gatherer = _Gatherer(max_chars)
    for root in roots:
        _walk(root, gatherer)
    return _without_empty_sections(gatherer.blocks), gatherer.cut


def _walk(root: etree._Element, gatherer: _Gatherer) -> None:
    """Document order without recursion: (element, entering?) on a stack."""
    headings = tables = 0
    links: list[str] = []  # hrefs of the links we are in
    stack: list[tuple[etree._Element, bool]] = [(root, True)]
    while stack:
        element, entering = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        if entering and tag is None:  # a comment or an entity: only its tail is text
            gatherer.add(element.tail, links[-1] if links else None, headings > 0)
            continue
        if tag in _BLOCK_TAGS:
            gatherer.flush(HEADING if headings else PARAGRAPH, tables > 0)
        if entering:
            headings += tag in _HEADING_TAGS
            tables += tag == "table"
            if tag == "a":
                links.append(element.get("href", ""))
            if tag == "br":
                gatherer.br()
            gatherer.add(element.text, links[-1] if links else None, headings > 0)
            stack.append((element, False))
            stack.extend((child, True) for child in reversed(element))
            continue
        headings -= tag in _HEADING_TAGS
        tables -= tag == "table"
        if tag == "a":
            links.pop()
        if element is not root:
            gatherer.add(element.tail, links[-1] if links else None, headings > 0)
    gatherer.flush(PARAGRAPH, False)


def _without_empty_sections(blocks: list[Block]) -> list[Block]:
    """Without the headings after the last paragraph (their sections were furniture)."""
    last = max((i for i, b in enumerate(blocks) if b.kind == PARAGRAPH), default=-1)
    return blocks[: last + 1]
