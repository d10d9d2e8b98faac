"""Metadata: what the head of a text shows (title, byline, date, original url), merged with what the
format and the manifest say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

METADATA_KEYS = ("title", "author", "date", "publication", "url", "language")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BYLINE = re.compile(r"^\W*by\s+(.{2,120}?)\W*$", re.IGNORECASE)
URL_LINE = re.compile(r"^\W*original url\s*:\s*<?(\S+?)>?\s*$", re.IGNORECASE)
_ABOUT_AUTHOR = re.compile(r"^about (the )?authors?\W*$", re.IGNORECASE)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y", "%d.%m.%Y")


def parse_date(text: str) -> str | None:
    """'June 30, 2011' / '30 June 2011' / '2011-06-30' → '2011-06-30'; anything else → None."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().strip("*_ ").rstrip("."))
    cleaned = re.sub(r"^(published|posted|updated)( on)?\s*:?\s*", "", cleaned, flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


@dataclass
class Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    publication: str | None = None
    url: str | None = None
    language: str = "en"

    def updated(self, values: dict) -> Metadata:
        merged = {k: getattr(self, k) for k in METADATA_KEYS}
        merged.update({k: v for k, v in values.items() if v is not None})
        return Metadata(**merged)


def _plain(text: str) -> str:
    return _MD_LINK.sub(r"\1", text).strip().strip("*_").strip()


def take_metadata(blocks: list[list[str]]) -> tuple[Metadata, list[list[str]]]:
    """Metadata the text shows, and the blocks without the lines that showed it.

    The head of the file (before the first real paragraph) may hold a title (`# Title` or a lone
    short first line), a `By …` line and a date line; an `Original url:` line may be anywhere.
    """
    meta = Metadata()
    kept: list[list[str]] = []
    in_head = True
    for block in blocks:
        lines = []
        for line in block:
            url = URL_LINE.match(line)
            if url:
                meta.url = meta.url or url.group(1)
                continue
            if in_head and len(block) == 1:
                text = line.strip()
                if meta.title is None and text.startswith("# "):
                    meta.title = _plain(text[2:])
                    continue
                byline = _BYLINE.match(_plain(text))
                if meta.author is None and byline and len(text) <= 150:
                    meta.author = _plain(byline.group(1))
                    continue
                found_date = parse_date(_plain(text))
                if meta.date is None and found_date:
                    meta.date = found_date
                    continue
                if meta.title is None and not kept and len(text) <= 200 and not re.search(r"[.!?]$", text):
                    meta.title = _plain(text.lstrip("#"))
                    continue
            lines.append(line)
        if lines:
            kept.append(lines)
            in_head = in_head and len(lines) == 1 and len(lines[0]) < 40  # a long line ends the head
    meta.author = meta.author or _author_from_bio(kept)
    return meta, kept


def _author_from_bio(blocks: list[list[str]]) -> str | None:
    """An "About Author" heading followed by a lone name line names the author."""
    for heading, name in zip(blocks, blocks[1:], strict=False):
        if len(heading) == 1 and _ABOUT_AUTHOR.match(heading[0].strip()) and len(name) == 1:
            candidate = name[0].strip()
            if 1 < len(candidate.split()) <= 5 and not re.search(r"[.!?:]", candidate):
                return candidate
    return None
