"""Saved web pages (.html, .htm, .xhtml): the article's text, its footnotes and what the page says about it.

tree.py       bytes → text → a safe lxml tree (no entity expansion, no network); tree helpers
meta.py       title, author, date, publication, url, language from <head> and JSON-LD
footnotes.py  notes and their references, taken out of the tree before the main text is chosen
content.py    page furniture pruned, the article's container chosen, its headings and paragraphs
"""

from __future__ import annotations

import re

from bot.ingest.document import NOTE, PARAGRAPH, Block, Document, ReadLimits, SkipFile
from bot.ingest.formats.html import content
from bot.ingest.formats.html.footnotes import take_footnotes
from bot.ingest.formats.html.meta import page_metadata
from bot.ingest.formats.html.tree import decode, elements, parse, text_of

_MARKUP = re.compile(
    rb"<(!doctype\s+html|html|head|body|meta|title|article|main|div|p|h[1-6]|section|span|a|table|ul|ol|br|\?xml)[\s>/]",
    re.IGNORECASE,
)


class HtmlReader:
    name = "HTML"
    suffixes = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes) -> bool:
        """Markup near the start, in text (UTF-8/16 or a single-byte charset), not binary."""
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", errors="ignore").encode("utf-8")
        if b"\x00" in head:
            return False
        controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
        return controls <= len(head) // 100 and bool(_MARKUP.search(head))

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        if len(data) > limits.max_bytes:
            raise SkipFile(f"{len(data):,} bytes is over the size limit for one file ({limits.max_bytes:,} bytes)")
        text, warnings = decode(data)
        root, parse_warnings = parse(text)
        warnings += parse_warnings
        metadata = page_metadata(root)
        notes = take_footnotes(root)
        warnings += notes.warnings
        body = next(elements(root, "body"), root)
        content.prune(body)
        if "title" not in metadata:
            first_h1 = next((text_of(h) for h in elements(body, "h1")), "")
            if first_h1:
                metadata["title"] = first_h1
        blocks, cut = content.read_blocks(content.choose_roots(body), limits.max_text_chars)
        if cut:
            warnings.append(f"text cut at {limits.max_text_chars:,} characters (the limit for one file)")
        if not any(b.kind == PARAGRAPH for b in blocks):
            raise SkipFile("no article text in the page (only navigation, forms or scripts)")
        note_blocks = [Block(NOTE, text, marker=marker) for marker, text in notes.entries]
        return Document(tuple(blocks + note_blocks), metadata, warnings=tuple(warnings))
