"""Paragraphs → passages: rejoin broken paragraphs, attach headings, split long paragraphs."""

from __future__ import annotations

import re

from bot.core.sentences import sentence_spans

_ENDS_SENTENCE = re.compile(r"""[.!?…:;]["'”’»)\]]*(?:\[\s*\^?\s*\w{1,6}\s*\])*$""")
MAX_HEADING_WORDS = 12


def paragraphs(blocks: list[str]) -> list[str]:
    """Blocks (text between blank lines) → paragraphs.

    A block that stops mid-sentence is rejoined with a next block that goes on in lowercase
    ("The Kremlin's" / "initiatives — …"); a heading joins the paragraph it introduces.
    """
    joined: list[str] = []
    for block in blocks:
        if joined and _broken_off(joined[-1], block):
            joined[-1] = f"{joined[-1]} {block}"
        else:
            joined.append(block)
    result: list[str] = []
    pending: list[str] = []  # headings waiting for their paragraph
    for block in joined:
        if is_heading(block):
            pending.append(block)
            continue
        result.append("\n".join([*pending, block]))
        pending = []
    if pending:  # headings at the very end stand alone
        result.append("\n".join(pending))
    return result


def is_heading(block: str) -> bool:
    """A short single line that does not end like a sentence ("What is to be done?" does count)."""
    if "\n" in block:
        return False
    text = block.strip().lstrip("#").strip()
    if not text or len(text.split()) > MAX_HEADING_WORDS:
        return False
    return block.lstrip().startswith("#") or not re.search(r"[.,;:!…]$", text)


def _broken_off(previous: str, block: str) -> bool:
    first = block.lstrip()[:1]
    return bool(first) and first.islower() and not _ENDS_SENTENCE.search(previous.rstrip())


def split_long(paragraph: str, max_chars: int) -> list[str]:
    """Pieces of at most max_chars, cut between sentences (a single longer sentence between words)."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    pieces: list[str] = []
    target = len(paragraph) / -(-len(paragraph) // max_chars)  # even pieces, not one full and a stub
    start = end = None
    for s, e in _sentences_within(paragraph, max_chars):
        if start is not None and (e - start > max_chars or end - start >= target):
            pieces.append(paragraph[start:end])
            start = None
        if start is None:
            start = s
        end = e
    if start is not None:
        pieces.append(paragraph[start:end])
    return pieces


def _sentences_within(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans; one longer than max_chars is cut further at the last space that fits."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        while end - start > max_chars:
            cut = text.rfind(" ", start + 1, start + max_chars)
            cut = cut if cut > start else start + max_chars
            spans.append((start, cut))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            spans.append((start, end))
    return spans
