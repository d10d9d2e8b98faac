"""Which language an article is written in, when neither the manifest nor the document says.

Script first (Greek, Armenian, Tamil, Hebrew letters name one Snowball language each), then stopword
ratios over the analyzer's own lists (analysis.stopwords_for): the language whose stopwords make up
the largest share of the text's words wins, if that share is clear (a stopword k languages share
counts 1/k for each). No model, nothing fetched; about
0.1 ms for a paragraph. Returns None when the text is too short or no language stands out, so the
caller keeps its default.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from bot.core.analysis import SNOWBALL, stopwords_for

MIN_WORDS = 4  # fewer words than this: no guess
MIN_SHARE = 0.06  # the winner's stopwords must make up at least this share of the words ...
MIN_LEAD = 1.25  # ... and this many times the runner-up's share
MAX_WORDS = 2000  # enough for a verdict; a long text is sampled from its start

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Scripts whose letters name the language among the Snowball ones (no stopword test needed).
_SCRIPT_LANGUAGE = {"GREEK": "el", "ARMENIAN": "hy", "TAMIL": "ta", "HEBREW": "yi"}
# Scripts several Snowball languages share; the stopword test chooses among them.
_SCRIPT_CANDIDATES = {
    "CYRILLIC": ("ru",),
    "ARABIC": ("ar",),
    "DEVANAGARI": ("hi",),
}
_LATIN = tuple(c for c in SNOWBALL if c not in {"el", "hy", "ta", "yi", "ru", "ar", "hi", "ne", "sr"})


@cache
def _stopword_languages(candidates: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """word -> the candidate languages whose stopword list has it."""
    owners: dict[str, list[str]] = {}
    for code in candidates:
        for word in stopwords_for(code):
            owners.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in owners.items()}


def _script(word: str) -> str:
    name = unicodedata.name(word[0], "")
    return name.split(" ", 1)[0] if name else ""


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language among the Snowball ones, or None when unsure."""
    words = [w.casefold().replace("’", "'") for w in _WORD.findall(unicodedata.normalize("NFKC", text)[: MAX_WORDS * 12])]
    words = words[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    script = Counter(map(_script, words)).most_common(1)[0][0]
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    candidates = _SCRIPT_CANDIDATES.get(script, _LATIN if script == "LATIN" else ())
    # A stopword several languages share counts for each of them in part (Danish and Norwegian, Catalan
    # and Spanish share many): the words only one language uses decide between neighbours.
    owners = _stopword_languages(candidates)
    score = dict.fromkeys(candidates, 0.0)
    for word in words:
        for code in owners.get(word, ()):
            score[code] += 1 / len(owners[word])
    shares = sorted(((value / len(words), code) for code, value in score.items()), reverse=True)
    if not shares or shares[0][0] < MIN_SHARE:
        return None
    if len(shares) > 1 and shares[0][0] < MIN_LEAD * shares[1][0]:
        return None
    return shares[0][1]
