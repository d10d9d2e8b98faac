"""Bytes → Document → Article: one reader per format, one shared pipeline after it.

    formats/     a reader per format (registry by suffix, checked against the content)
    document.py  the format-neutral Document every reader returns
    cleaning.py  boilerplate lines of scraped pages
    metadata.py  title, byline and date lines at the head of a text
    notes.py     notes lists, footnote entries, Ibidem, inline markers
    passages.py  blocks → paragraphs → passages (headings attached, long paragraphs split)
    pipeline.py  Document → Article (the order of the steps above)

Importing the package (as `bot.ingest.options` does for the configuration) loads only
document.py; the pipeline and its readers load when first used.
"""

from bot.ingest.document import Block, Document, ReadLimits, SkipFile

__all__ = ["Block", "Document", "ReadLimits", "SkipFile", "build_article", "read_document"]


def __getattr__(name: str):
    if name in ("build_article", "read_document"):
        from bot.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
