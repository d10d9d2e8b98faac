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


def take_notes(blocks: list[list[str]]) -> tuple[list[Entry], list[list[str]], int]:
    """Split off the notes list: the run of blocks from the first entry to the last one.

    Inside that run, text that is no entry (a stray pull-quote) is dropped; a "Notes" heading right
    before it goes too. Returns (entries, the body blocks, how many stray lines were dropped).
    """
    entry_rows = [i for i, block in enumerate(blocks) if parse_entry(block[0])]
    if not entry_rows:
        return [], blocks, 0
    first, last = entry_rows[0], entry_rows[-1]
    entries: list[Entry] = []
    stray = 0
    for block in blocks[first : last + 1]:
        current: Entry | None = None
        for line in block:
            entry = parse_entry(line)
            if entry:
                if current:
                    entries.append(current)
                current = entry
            elif current:
                current = Entry(current.marker, f"{current.text} {line.strip()}")
            else:
                stray += 1
        if current:
            entries.append(current)
    head = blocks[:first]
    if head and len(head[-1]) == 1 and head[-1][0].strip().strip("#*: ").casefold() in NOTES_HEADINGS:
        head = head[:-1]
    return entries, head + blocks[last + 1 :], stray
