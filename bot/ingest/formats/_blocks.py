"""What the readers of structured formats (Word, EPUB) share once the markup is parsed."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from bot.ingest.document import Block, ReadLimits


def fold_spaces(text: str) -> str:
    """Every run of (Unicode) whitespace one space, soft hyphens gone, ends trimmed."""
    return " ".join(text.replace("\u00ad", "").split())


def cut_at_text_limit(blocks: list[Block], limits: ReadLimits) -> tuple[list[Block], list[str]]:
    """The blocks up to ReadLimits.max_text_chars, and a warning when the rest was cut."""
    total = 0
    for index, block in enumerate(blocks):
        total += len(block.text)
        if total > limits.max_text_chars:
            kept = total - len(block.text)
            return blocks[:index], [f"text cut after {kept:,} characters (the limit max_text_chars)"]
    return blocks, []


def iso_date(value: str | None) -> str | None:
    """'2021-03-14T09:26:00Z' / '2021-03-14' → '2021-03-14'; a year alone, or no date → None."""
    if not value or len(value) < 10 or value[4:5] != "-" or value[7:8] != "-":
        return None
    year, month, day = value[:4], value[5:7], value[8:10]
    if not (year + month + day).isdigit() or not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return None if year in ("0000", "1601", "1900") else value[:10]  # Word's and Windows' "no date"


def language_code(value: str | None) -> str | None:
    """'en-US' → 'en', ' DE ' → 'de'; None when empty."""
    code = (value or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


class Citations:
    """Notes in order of first citation. Text holds a placeholder for each reference until every
    note has its marker (markers may depend on all the notes, e.g. renumbering); then fill_markers."""

    def __init__(self) -> None:
        self.order: dict[Hashable, int] = {}
        self.shown: dict[Hashable, str] = {}  # a note's own mark where the text shows one ("*")

    def placeholder(self, note: Hashable) -> str:
        return f"\x00{self.order.setdefault(note, len(self.order))}\x00"

    def notes(self) -> list[Hashable]:
        return list(self.order)


def fill_markers(block: Block, markers: list[str]) -> Block:
    """The block with each placeholder replaced by `[marker]` (markers in order of citation)."""
    if "\x00" not in block.text:
        return block
    pieces = block.text.split("\x00")  # text, number, text, number, …, text
    text = "".join(piece if i % 2 == 0 else f"[{markers[int(piece)]}]" for i, piece in enumerate(pieces))
    return replace(block, text=text)
