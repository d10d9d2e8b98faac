"""Page furniture, never text: of scraped articles (comment prompts, share bars, newsletter boxes) and
of text pasted from a PDF (running heads, page numbers)."""

from __future__ import annotations

import re

# Scraped page furniture, never article text (case-insensitive). These fill a line from its start:
_FURNITURE_LINE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"(leave a (reply|comment)|post a comment|add a comment|comments?|\d+ comments?|join the discussion)\W*$",
            r"you must be logged in to post a comment",
            r"(your )?e-?mail( address)?( will not be published)?\W*$",
            r"(name|website|comment)\s*\*?\s*:?$",
            r"secure and spam free",
            r"get (amazing|our|the latest) (articles|news|stories|updates)",
            r"(sign up|subscribe)\b.{0,40}$",
            r"(photo|image|picture|cover|header image)s?( credits?)?\s*(:|by\b)",
            r"(credit|source): (ap|reuters|afp|getty|shutterstock)\b",
            r"\W*the (views|opinions) expressed (in|here|by)",
            r"\W*share (this|on)\b.{0,40}$",
            r"(related|read more|recommended)( articles| posts| stories)?\W*$",
            r"(tags?|categories|filed under)\s*:",
            r"original url\s*:",
        )
    ),
    re.IGNORECASE,
)
# ...and these may sit anywhere in a short line; the cheap substring test runs first.
_FURNITURE_PHRASE = re.compile(
    r"\bsign up now\b|delivered (straight )?to your inbox"
    r"|do not necessarily (reflect|represent) the (views|position|opinion)",
    re.IGNORECASE,
)
_FURNITURE_HINTS = ("sign up", "inbox", "necessarily")
_GLUED_WORD = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]*){2,}$")  # ZhenQianNiuNiu: spam keyword runs
# [a-z][A-Z][a-z]*[A-Z] anywhere; starting at the capital lets the search skip to capitals (2-3× faster)
_ANY_GLUED_WORD = re.compile(r"[A-Z](?<=[a-z][A-Z])[a-z]*[A-Z]")


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    if not text:
        return False
    if len(text) <= 300:
        if _FURNITURE_LINE.match(text):
            return True
        folded = text.casefold()
        if any(hint in folded for hint in _FURNITURE_HINTS) and _FURNITURE_PHRASE.search(text):
            return True
    if not _ANY_GLUED_WORD.search(text):  # the common case: no spam keyword at all
        return False
    words = text.split()
    glued = sum(1 for w in words if _GLUED_WORD.match(w))
    return len(words) >= 4 and glued / len(words) >= 0.5



# A running head or foot of text pasted from a PDF: "THE WEIMAR INFLATION 17", "18 ANNA KELLER", "17".
_PAGED_LINE = re.compile(r"(\d{1,4})(?:\s+(\D.{0,70}?))?|(\D.{0,70}?)\s+(\d{1,4})")
_MIN_PAGES = 3
# ...but "Chapter 1", "Week 2", "Part III 3": the text's own divisions, numbered as they rise.
_DIVISION = re.compile(
    r"(?:chapter|part|section|book|volume|vol\.?|unit|lesson|lecture|week|day|session|step|stage|act|scene|"
    r"appendix|table|figure|fig\.?|exercise|question|problem|article|psalm|canto|letter|no\.?|number|#)\b.*",
    re.IGNORECASE,
)


def _paged(line: str) -> tuple[tuple[str, bool], int] | None:
    """A line of some words (or none) and a number at one end → ((its words, number first), the number)."""
    paged = _PAGED_LINE.fullmatch(line.strip())
    if paged is None:
        return None
    if paged[1]:
        return ((paged[2] or "").casefold(), True), int(paged[1])
    if _DIVISION.fullmatch(paged[3]):
        return None
    return (paged[3].casefold(), False), int(paged[4])


def without_running_heads(blocks: list[list[str]]) -> list[list[str]]:
    """The blocks without the lines that repeat on every page with its number: the same words (or
    none) with a number at the same end, three times or more, the numbers rising like pages'."""
    numbers: dict[tuple[str, bool], list[int]] = {}
    for line in (line for block in blocks for line in block):
        if paged := _paged(line):
            numbers.setdefault(paged[0], []).append(paged[1])
    heads = {
        key
        for key, seen in numbers.items()
        if len(seen) >= _MIN_PAGES and all(a < b for a, b in zip(seen, seen[1:], strict=False))
    }
    if not heads:
        return blocks
    kept = ([line for line in block if not ((paged := _paged(line)) and paged[0] in heads)] for block in blocks)
    return [block for block in kept if block]
