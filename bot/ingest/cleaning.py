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
_PAGED_LINE = re.compile(r"(\d{1,3})(?:\s+(\D.{0,70}?))?|(\D.{0,70}?)\s+(\d{1,3})")
PAGE_OF = re.compile(r"page\s+(\d{1,5})\s*(?:of|/)\s*\d{1,5}", re.IGNORECASE)  # "Page 2 of 9": always furniture
_MIN_PAGES = 3
_MIN_PAGE_CHARS = 600  # the text between two pages' heads, at the least (a page holds 2,000 or more)
# ...but "Chapter 1", "Week 2", "Part III 3": the text's own divisions, numbered as they rise.
_DIVISION = re.compile(
    r"(?:chapter|part|section|book|volume|vol\.?|unit|lesson|lecture|week|day|session|step|stage|act|scene|"
    r"appendix|table|figure|fig\.?|exercise|question|problem|article|psalm|canto|letter|no\.?|number|#)\b.*",
    re.IGNORECASE,
)


def _paged(line: str) -> tuple[tuple[str, bool], int] | None:
    """A line of some words (or none) and a page-like number at one end → ((its words, number first), the number)."""
    paged = _PAGED_LINE.fullmatch(line.strip())
    if paged is None:
        return None
    if paged[1]:
        return (paged[2] or "", True), int(paged[1])
    if _DIVISION.fullmatch(paged[3]):
        return None
    return (paged[3], False), int(paged[4])


def without_running_heads(blocks: list[list[str]]) -> list[list[str]]:
    """The blocks without the lines a PDF printed on its pages: "Page 2 of 9", and the lines that repeat
    with the page's number (under 1,000: never a year) at the same end, three times or more, the
    numbers rising, a page of text apart, their words none, in capitals, or the title (the first
    line). A text's own numbered lines ("Source 1", "Seminar 2", "1914") are kept."""
    title = blocks[0][0].strip().casefold() if blocks and blocks[0] else ""
    parsed = [[_paged(line) for line in block] for block in blocks]  # each line read once
    seen: dict[tuple[str, bool], list[tuple[int, int]]] = {}  # key → (number, offset in the text)
    in_text: set[tuple[str, bool]] = set()  # keys seen inside a block of text, not as a block of their own
    offset = 0
    for block, pages in zip(blocks, parsed, strict=True):
        for line, paged in zip(block, pages, strict=True):
            words = paged[0][0] if paged else ""
            if paged and (not words or words.isupper() or words.casefold() == title):
                seen.setdefault(paged[0], []).append((paged[1], offset))
                if len(block) > 1:
                    in_text.add(paged[0])
            offset += len(line) + 1
    # a bare number standing as a block of its own may be a clause's or a section's: pages' numbers
    # also stand inside the text they cut
    heads = {key for key, found in seen.items() if _like_pages(found) and (key[0] or key in in_text)}
    # a book's left and right page heads ("18 AUTHOR", "TITLE 19"): two lines, each repeating
    worded = [key for key in seen if key[0]]
    both = sorted((hit for key in worded for hit in seen[key]), key=lambda hit: hit[1])
    if len(worded) == 2 and all(len(seen[key]) > 1 for key in worded) and _like_pages(both):
        heads.update(worded)

    def furniture(line: str, paged) -> bool:
        return bool(PAGE_OF.fullmatch(line.strip())) or (paged is not None and paged[0] in heads)

    kept = ([ln for ln, paged in zip(block, pages, strict=True) if not furniture(ln, paged)]
            for block, pages in zip(blocks, parsed, strict=True))  # fmt: skip
    return [block for block in kept if block]


def _like_pages(found: list[tuple[int, int]]) -> bool:
    """Whether a line's numbers and places are a page's: three or more, rising, a page of text apart."""
    return len(found) >= _MIN_PAGES and all(
        a < b and far - near >= _MIN_PAGE_CHARS for (a, near), (b, far) in zip(found, found[1:], strict=False)
    )
