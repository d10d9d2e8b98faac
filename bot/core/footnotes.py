"""Footnotes: the notes list (entries, Ibidem) and the inline markers that cite it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.models import Footnote, normalise_marker

# A marker: [i], [12], [^3], [ IV ] — roman numerals or numbers, optionally caret-prefixed.
_MARK = r"\[\s*\^?\s*(?:\d{1,6}|[ivxlcdm]{1,8})\s*\]"
INLINE_MARKER = re.compile(_MARK, re.IGNORECASE)
# A notes-list entry: a marker at the start of a line, then its text ("[ii] U.S. Department…",
# "[^3]: Source", "[12]. Source").
ENTRY = re.compile(rf"^\s*({_MARK})\s*[:.]?\s*(\S.*)$", re.IGNORECASE)
_IBIDEM = re.compile(r"^ibid(?:em)?\.?(?=\W|$)[\s,.;:]*(.*)$", re.IGNORECASE | re.DOTALL)
NOTES_HEADINGS = frozenset({"notes", "footnotes", "endnotes", "references", "sources", "notes and references"})


@dataclass(frozen=True)
class Entry:
    marker: str  # normalised
    text: str


def parse_entry(line: str) -> Entry | None:
    match = ENTRY.match(line)
    return Entry(normalise_marker(match.group(1)), match.group(2).strip()) if match else None


def resolve(entries: list[Entry]) -> tuple[tuple[Footnote, ...], list[str]]:
    """Entries → footnotes with Ibidem resolved to the entry before it. Returns (footnotes, warnings).

    A duplicate marker keeps its first entry; an Ibidem with nothing before it stays as written.
    """
    footnotes: list[Footnote] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.marker in seen:
            warnings.append(f"footnote [{entry.marker}] has a second entry; the first one is kept")
            continue
        seen.add(entry.marker)
        ibid = _IBIDEM.match(entry.text)
        if ibid and footnotes:
            previous = footnotes[-1]
            detail = ibid.group(1).strip()
            source = f"{previous.source}, {detail}" if detail else previous.source
            footnotes.append(Footnote(entry.marker, source, previous.marker))
            continue
        if ibid:
            warnings.append(f"footnote [{entry.marker}] says Ibidem but no entry comes before it")
        footnotes.append(Footnote(entry.marker, entry.text))
    return tuple(footnotes), warnings


def cited_markers(text: str) -> list[str]:
    """Normalised markers cited in a text, in order of first citation."""
    return list(dict.fromkeys(normalise_marker(m) for m in INLINE_MARKER.findall(text)))
