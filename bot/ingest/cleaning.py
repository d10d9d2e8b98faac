"""Page furniture of scraped articles (comment prompts, share bars, newsletter boxes): never text."""

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
