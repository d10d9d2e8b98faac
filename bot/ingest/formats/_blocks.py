"""What the readers of structured formats (Word, EPUB) share once the markup is parsed."""

from __future__ import annotations

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
