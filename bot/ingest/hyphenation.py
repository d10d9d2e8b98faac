"""Lines joined back into paragraphs: a line-end hyphen that breaks a word ("interna-" "tional") is
dropped, a real one ("long-" "term" where the text writes "long-term") kept. PDF pages and plain
text pasted from them both break words at line ends."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cached_property

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Prefixes English writes with a hyphen, unless the text writes the word joined: after "self-" a
# line-end hyphen is kept ("self-help"; not "selfish"); after "anti-", "non-", "quasi-" and "pseudo-" when
# the rest is a word the text uses ("anti-slavery" beside "slavery"; not "anti-cipate").
_SELF_SUFFIXES = frozenset({"ish", "ishly", "ishness", "less", "lessly", "lessness", "same"})
_PREFIXES = frozenset({"anti", "non", "quasi", "pseudo"})


class Vocabulary:
    """The document's own words, to tell a line-end hyphen that breaks a word ("interna-" "tional")
    from a real one ("mil-to-" "mil"; "long-" "term" where "long-term" is written elsewhere)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines

    @cached_property
    def words(self) -> Counter[str]:
        """Counted at the first line-end hyphen: most texts have none, and then cost nothing."""
        words: Counter[str] = Counter()
        for line in self._lines:
            found = _WORD.findall(line)
            for word in found[1:-1]:  # a line's first and last words may be broken
                words[word.casefold()] += 1
        return words

    def glue(self, previous: str, text: str) -> tuple[bool, str]:
        """How a line joins the text before it: (drop the hyphen ending `previous`?, the glue)."""
        if previous.endswith("\u00ad"):
            return True, ""
        if previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha() and text[:1].islower():
            head = previous.rsplit(" ", 1)[-1][:-1]
            tail = re.match(r"[\w'’-]*", text).group(0)
            compound, joined = f"{head}-{tail}".casefold(), f"{head}{tail}".casefold()
            real_hyphen = self.words[compound] > self.words[joined] or (
                not self.words[joined] and ("-" in head or "-" in tail or self._prefixed(head, tail))
            )
            return not real_hyphen, ""
        return False, " "

    def join(self, lines: Sequence[str]) -> str:
        """Lines of one paragraph as one text, broken words mended."""
        text = lines[0]
        for line in lines[1:]:
            drop, glue = self.glue(text, line)
            text = (text[:-1] if drop else text) + glue + line
        return text

    def _prefixed(self, head: str, tail: str) -> bool:
        """Whether `head`-`tail` is a prefix English keeps hyphenated before a word ("self-help")."""
        prefix, rest = head.casefold(), tail.casefold()
        if prefix == "self":
            return rest not in _SELF_SUFFIXES
        return prefix in _PREFIXES and self.words[rest] > 0
