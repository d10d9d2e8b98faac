"""Markdown (.md): read as text for now; headings and footnotes by the same rules as plain text."""

from __future__ import annotations

from bot.ingest.formats.text import TextReader


class MarkdownReader(TextReader):
    name = "Markdown"
    suffixes = (".md",)
