"""Blocks → paragraphs → passages: rejoin broken paragraphs, attach headings, split long paragraphs."""

from __future__ import annotations

import re

from bot.core.sentences import ENDS_CLAUSE, sentence_spans

MAX_HEADING_WORDS = 12


PageMarks = tuple[tuple[int, int], ...]  # (offset in the text, physical page), as in Block.pages
Unit = tuple[str, PageMarks, bool | None]  # text, its pages, heading? (None: guess from the text)


def paragraphs(blocks: list[str]) -> list[str]:
    """Blocks (text between blank lines) → paragraphs.

    A block that stops mid-sentence is rejoined with a next block that goes on in lowercase
    ("The Kremlin's" / "initiatives — …"); a heading joins the paragraph it introduces.
    """
    return [text for text, _ in attach_headings(rejoin_broken([(b, (), None) for b in blocks]))]


def rejoin_broken(units: list[Unit], lead_ins: bool = False) -> list[tuple[str, PageMarks, bool]]:
    """Join a unit that stops mid-sentence with a next one going on in lowercase, and with `lead_ins`
    one that leads in to what follows ("… made six demands:") with it, on a line of its own (plain
    text, where a list is one block); never a heading."""
    joined: list[list] = []
    for text, marks, heading in units:
        last = joined[-1] if joined else None
        leads_in = lead_ins and last is not None and _leads_in(last[0])
        if last and last[2] is not True and heading is not True and (leads_in or _broken_off(last[0], text)):
            glue = "\n" if leads_in else " "
            shift = len(last[0]) + 1
            last[0], last[1] = f"{last[0]}{glue}{text}", last[1] + tuple((o + shift, p) for o, p in marks)
        else:
            joined.append([text, tuple(marks), heading])
    return [(text, marks, is_heading(text) if heading is None else heading) for text, marks, heading in joined]


_BARE_PAGE_NUMBER = re.compile(r"\d{1,4}")
_LINE_END_HYPHEN = re.compile(r"[^\W\d]-$")


def join_page_breaks(blocks: list[list[str]]) -> list[list[str]]:
    """Text pasted from a PDF, where a page break cut a sentence (perhaps a word: "orphan-", "hood"):
    the page number standing alone between its halves is dropped, and a word broken at the break
    joins its other half in one block, for the line-end hyphen rule to mend."""
    out: list[list[str]] = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if out and following and len(block) == 1 and _BARE_PAGE_NUMBER.fullmatch(block[0].strip()) and _broken_off(
            out[-1][-1], following[0]
        ):
            continue  # the page number between the halves of a sentence
        if out and _LINE_END_HYPHEN.search(out[-1][-1].rstrip()) and _broken_off(out[-1][-1], block[0]):
            out[-1] = out[-1] + block
        else:
            out.append(block)
    return out


def attach_headings(units: list[tuple[str, PageMarks, bool]]) -> list[tuple[str, PageMarks]]:
    """Headings join the paragraph they introduce (a line each); headings at the very end stand alone."""
    result: list[tuple[str, PageMarks]] = []
    pending: list[tuple[str, PageMarks]] = []
    for text, marks, heading in units:
        if heading:
            pending.append((text, marks))
            continue
        result.append(_lines([*pending, (text, marks)]))
        pending = []
    if pending:
        result.append(_lines(pending))
    return result


def _lines(parts: list[tuple[str, PageMarks]]) -> tuple[str, PageMarks]:
    text, marks = parts[0][0], parts[0][1]
    for part, part_marks in parts[1:]:
        shift = len(text) + 1
        text, marks = f"{text}\n{part}", marks + tuple((o + shift, p) for o, p in part_marks)
    return text, tuple(dict.fromkeys(marks))


def is_heading(block: str) -> bool:
    """A short single line that does not end like a sentence ("What is to be done?" does count)."""
    if "\n" in block:
        return False
    text = block.strip().lstrip("#").strip()
    if not text or len(text.split(maxsplit=MAX_HEADING_WORDS)) > MAX_HEADING_WORDS:  # no need to split a paragraph
        return False
    return block.lstrip().startswith("#") or not re.search(r"[.,;:!…]$", text)


def _leads_in(previous: str) -> bool:
    """A paragraph ending in a colon introduces the next: a list, a quotation."""
    return previous.rstrip().endswith(":")


def _broken_off(previous: str, block: str) -> bool:
    first = block.lstrip()[:1]
    return bool(first) and first.islower() and not ENDS_CLAUSE.search(previous.rstrip())


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
