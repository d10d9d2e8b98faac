"""Sentence boundaries, shared by the passage splitter and the quote window."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (closing quotes, brackets and footnote markers may follow), then
# whitespace, then something that can open a sentence.
_BOUNDARY = re.compile(r"""[.!?…]+["'”’»)\]]*(?:\[\s*\^?\s*\w{1,6}\s*\])*\s+(?=["'“‘«(\[]?[\w\d])""")
# A text ending a sentence or a clause (. ! ? … : ;), closing quotes, brackets and note markers after
# it ("…signed in 1919.[1]"): the passage splitter's, a document head's and a PDF line's one rule.
ENDS_CLAUSE = re.compile(r"""[.!?…:;]["'”’»)\]]*(?:\[[^\[\]\n]{1,20}\])*$""")
# Words whose trailing dot is no sentence end: titles (clergy's too: "the Rev. John Jenkins" is one
# name, not a sentence ending in "Rev."), initials, common short forms.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep st jr sr rev revd fr msgr hon bro
    mt ft vs etc e.g i.e cf al fig no
    vol pp p ed eds jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp u.s u.k u.n e.u
    """.split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence, covering all non-space text, in order."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        if _is_abbreviation(text, match.start()) or not _opens_sentence(text, match.end()):
            continue
        end = match.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
        start = _skip_space(text, match.end())
    end = len(text.rstrip())
    if end > start:
        spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].casefold()
    # "S." or "H.R." (initials) and known short forms; a lone number like "2009." ends a sentence.
    initials = word[-1:].isalpha() and all(len(part) == 1 for part in word.split("."))
    return word in _ABBREVIATIONS or initials


def _opens_sentence(text: str, i: int) -> bool:
    """What follows a boundary must start like a sentence: no lowercase continuation."""
    j = i
    while j < len(text) and text[j] in "\"'“‘«([":
        j += 1
    return j < len(text) and not text[j].islower()
