"""Bytes → Document → Article: one reader per format, one shared pipeline after it.

    formats/     a reader per format (registry by suffix, checked against the content)
    document.py  the format-neutral Document every reader returns
    cleaning.py  boilerplate lines of scraped pages
    metadata.py  title, byline and date lines at the head of a text
    notes.py     notes lists, footnote entries, Ibidem, inline markers
    passages.py  blocks → paragraphs → passages (headings attached, long paragraphs split)
    pipeline.py  Document → Article (the order of the steps above)
"""

from bot.ingest.document import Block, Document, ReadLimits, SkipFile
from bot.ingest.pipeline import build_article, read_document

__all__ = ["Block", "Document", "ReadLimits", "SkipFile", "build_article", "read_document"]
