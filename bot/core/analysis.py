"""One analyzer for passages and questions: Unicode words → index terms.

NFKC and case-folding, Unicode words (Cyrillic footnote titles are searchable), numbers kept,
hyphenated names kept whole *and* as their parts (START-IV → start-iv, start, iv), dotted
acronyms kept apart from words (U.S. → u.s, never the stopword "us"), English stopwords removed,
Snowball stems (PyStemmer) in the article's language; Cyrillic words use the Russian stemmer (in a
Serbian article, the Serbian one). Words keep their combining marks (Devanagari and Tamil vowel signs,
Yiddish points), at which Python's word pattern alone would cut words.
Stopwords per language: our English list; for the other Snowball languages the `stop-words`
package's lists (Snowball's own where they exist), else `stopwordsiso`'s, else the lists shipped in
stopwords/ (Nepali, Serbian, Tamil, Yiddish: sources and licences in its README).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import chain, repeat

import numpy as np
import Stemmer

try:
    from bot.core import _analysis  # chunks looked up in C (setup.py builds it when a compiler is there)
except ImportError:
    _analysis = None

MAX_CACHED_CHUNKS = 500_000
TEXTS_AT_A_TIME = 1_000  # texts TermEncoder splits at once without C: their chunks are Python strings until encoded
ANALYZER_VERSION = 5  # bump when a change here changes the terms of any text (saved indexes rebuild)

# Combining marks (Unicode category M) of the scripts Snowball stems: Python's \w does not match them.
WORD_MARKS = (
    "".join(chr(c) for c in (*range(0x0300, 0x1E00), *range(0x20D0, 0x2100)) if unicodedata.category(chr(c))[0] == "M")
    + "\u200c\u200d"
)  # zero-width (non-)joiners sit inside Devanagari words
_WORD_PART = rf"\w[\w{WORD_MARKS}]*"
# A dotted acronym (U.S., H.R.), or a word: letters/digits joined by inner hyphens or apostrophes.
_TOKEN = re.compile(rf"(?:[^\W\d_]\.){{2,}}|{_WORD_PART}(?:[-‐‑'’]{_WORD_PART})*")
_HYPHENS = re.compile(r"[-‐‑]")
_POSSESSIVE = re.compile(r"['’]s$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Snowball algorithms PyStemmer ships, by ISO 639-1 code.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "eo": "esperanto", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian",
    "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# Function words and the words people wrap a request in ("tell me", "give me"): they carry no topic.
ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me
    more most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over
    own same shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs
    them themselves then there there's these they they'd they'll they're they've this those through to too
    under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've
    your yours yourself yourselves also just may might must shall will s t can't tell give show explain
    describe please
    """.split()
)
# ISO 639-1 code -> the `stop-words` package's name, where it has a list (its Norwegian is "nb").
_STOP_WORDS_NAMES = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "es": "spanish",
    "fi": "finnish", "fr": "french", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "it": "italian",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish",
    "tr": "turkish",
}  # fmt: skip


_SHIPPED_STOPWORDS = ("ne", "sr", "ta", "yi")  # stopwords/<code>.txt


@cache
def stopwords_for(language: str) -> frozenset[str]:
    """The stopwords of a language (case-folded, NFKC): empty for a language no list covers."""
    if language == "en":
        return ENGLISH_STOPWORDS
    if language in _STOP_WORDS_NAMES:
        from stop_words import get_stop_words

        words = get_stop_words(_STOP_WORDS_NAMES[language])
    elif language in _SHIPPED_STOPWORDS:
        words = _shipped_stopwords(language)
    else:
        import stopwordsiso

        words = stopwordsiso.stopwords(language) if stopwordsiso.has_lang(language) else ()
    return frozenset(unicodedata.normalize("NFKC", w).casefold().replace("’", "'") for w in words)


def _shipped_stopwords(language: str) -> set[str]:
    """One of our stopwords/ lists, with the other spellings its language is written in."""
    from importlib.resources import files

    text = files("bot.core").joinpath("stopwords", f"{language}.txt").read_text(encoding="utf-8")
    words = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    if language == "sr":  # Serbian is written in Cyrillic and in Latin letters
        words |= {w.translate(_SERBIAN_LATIN) for w in words}
    elif language == "yi":  # Yiddish with or without points, with or without the ligatures װ ױ ײ
        bare = {_HEBREW_POINTS.sub("", unicodedata.normalize("NFKD", w)) for w in words}
        words |= bare
        for w in set(words):
            words |= {w.translate(_YIDDISH_SPLIT), _yiddish_joined(w.translate(_YIDDISH_SPLIT))}
    return words


_SERBIAN_LATIN = str.maketrans(
    dict(zip("абвгдђежзијклмнопрстћуфхцчш", "abvgdđežzijklmnoprstćufhcčš", strict=True))
    | {"љ": "lj", "њ": "nj", "џ": "dž"}
)
_HEBREW_POINTS = re.compile("[\u0591-\u05c7]")
_YIDDISH_SPLIT = str.maketrans({"װ": "וו", "ױ": "וי", "ײ": "יי"})


def _yiddish_joined(word: str) -> str:
    return word.replace("וו", "װ").replace("יי", "ײ").replace("וי", "ױ")


# British spellings meet American ones before stemming (a member writes "favours", the article "favors").
_BRITISH_ENDINGS = [
    (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),  # favour, behaviour, labour
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),  # organise, organisation
    (re.compile(r"(?<=\w{2})ys(e|es|ed|ing)$"), r"yz\1"),  # analyse
    (re.compile(r"^(cen|thea|me|li|fib|spec)tre(s?)$"), r"\1ter\2"),  # centre, theatre
    (re.compile(r"^(def|off|lic|pret)ence(s?)$"), r"\1ense\2"),  # defence
]
SPELLING = {"en": _BRITISH_ENDINGS}
# Whether any of a language's spelling patterns matches: most words match none, and one search beats trying each.
_ANY_SPELLING = {lang: re.compile("|".join(f"(?:{p.pattern})" for p, _ in rules)) for lang, rules in SPELLING.items()}


class Analyzer:
    """Turns text into index terms. The same instance serves the index and the questions."""

    def __init__(self, language: str = "en"):
        self.language = language if language in SNOWBALL else "en"
        self._stemmer = Stemmer.Stemmer(SNOWBALL[self.language])
        # Cyrillic words in a Latin-script article (a Russian title) stem as Russian; Serbian stems both.
        self._cyrillic = self._stemmer if self.language == "sr" else Stemmer.Stemmer("russian")
        self._stopwords = stopwords_for(self.language)
        self._spelling = SPELLING.get(self.language, [])
        self._any_spelling = _ANY_SPELLING.get(self.language)
        self._cache: dict[str, tuple[str, ...]] = {}  # case-folded token -> its terms
        self._chunks: dict[str, str] = {}  # whitespace-separated chunk of raw text -> its terms, space-joined
        self._word_spans: dict[str, tuple[tuple[str, int, int], ...]] = {}  # raw token -> words() of it

    def tokens(self, text: str) -> list[str]:
        """The index terms of a text, in order, repeats kept (BM25 counts them).

        No token spans whitespace, so the terms of each raw chunk ("Negotiations,") are cached:
        most chunks of a corpus repeat, and a dict lookup is cheaper than the regex.
        """
        raw = text.split()
        parts = list(map(self._chunks.get, raw))  # a C loop; misses (None) are filled below
        if None in parts:
            for i, terms in enumerate(parts):
                if terms is None:
                    parts[i] = terms = " ".join(self.chunk_terms(raw[i]))
                    if len(self._chunks) < MAX_CACHED_CHUNKS:
                        self._chunks[raw[i]] = terms
        return " ".join(parts).split()  # chunks without terms are "" and vanish here

    def chunk_terms(self, chunk: str) -> list[str]:
        """The terms of one whitespace-free chunk of raw text."""
        terms = []
        for word in _TOKEN.findall(unicodedata.normalize("NFKC", chunk).casefold()):
            terms.extend(self._word_cached(word))
        return terms

    def _word_cached(self, word: str) -> tuple[str, ...]:
        """_terms of a case-folded token, from the cache (at most MAX_CACHED_CHUNKS words: a bot's
        questions and quotes keep meeting new ones)."""
        terms = self._cache.get(word)
        if terms is None:
            terms = self._terms(word)
            if len(self._cache) < MAX_CACHED_CHUNKS:
                self._cache[word] = terms
        return terms

    def words(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(term, start, end) for each term, with [start, end) in the original text (for highlights)."""
        cache = self._word_spans
        for match in _TOKEN.finditer(text):
            raw = match.group()
            spans = cache.get(raw)
            if spans is None:
                spans = self._word_terms(raw)
                if len(cache) < MAX_CACHED_CHUNKS:
                    cache[raw] = spans
            start = match.start()
            for term, a, b in spans:
                yield term, start + a, start + b

    def _word_terms(self, raw: str) -> tuple[tuple[str, int, int], ...]:
        """(term, start, end) of one raw token's terms, offsets within the token."""
        word = unicodedata.normalize("NFKC", raw).casefold()
        terms = self._word_cached(word)
        if not terms:
            return ()
        if len(terms) == 1 or len(word) != len(raw):
            return tuple((term, 0, len(raw)) for term in terms)
        # A compound: the whole word, then each part at its own place.
        spans = [(terms[0], 0, len(raw))]
        offset = 0
        for part in _HYPHENS.split(raw):
            part_terms = self._terms(unicodedata.normalize("NFKC", part).casefold())
            if part_terms:
                spans.append((part_terms[0], offset, offset + len(part)))
            offset += len(part) + 1
        return tuple(spans)

    def is_stopword(self, word: str) -> bool:
        """Whether this language drops the word (any case) as a stopword."""
        return unicodedata.normalize("NFKC", word).casefold().replace("’", "'") in self._stopwords

    def _terms(self, word: str) -> tuple[str, ...]:
        """Terms of one case-folded token (the callers cache them, up to MAX_CACHED_CHUNKS words)."""
        if "." in word:  # a dotted acronym keeps its dots
            return (word.rstrip("."),)
        word = _POSSESSIVE.sub("", word).replace("’", "'")
        parts = [p for p in _HYPHENS.split(word) if p]
        if len(parts) > 1:
            whole = "-".join(parts)
            return (whole, *(t for p in parts for t in self._terms(p)))
        if not word or word in self._stopwords or (len(word) == 1 and not word.isdigit()):
            return ()
        if word.isdigit():
            return (word,)
        if _CYRILLIC.search(word):
            return (self._cyrillic.stemWord(word),)
        word = word.replace("'", "")
        if self._any_spelling and self._any_spelling.search(word):
            for pattern, replacement in self._spelling:
                word = pattern.sub(replacement, word)
        return (self._stemmer.stemWord(word),)


class TermEncoder:
    """Texts → term ids in one growing vocabulary (ids in order of first occurrence), to build an index.

    The same terms as Analyzer.tokens, a whole batch of texts at a time and without a Python object
    per token: each distinct raw chunk ("Negotiations,") is analysed once (Analyzer.chunk_terms) and
    its term ids kept; most chunks of a corpus repeat. With the C extension (`in_c`, the default when it
    is built) the split, the look-up and the term ids are C's (bot/core/_analysis.c); without it a
    batch is its chunks' rows in a table (one dict lookup per chunk), expanded to term ids by numpy.
    At most MAX_CACHED_CHUNKS chunks are kept, the rest analysed again at each meeting.
    """

    def __init__(self, in_c: bool | None = None) -> None:
        if in_c and _analysis is None:
            raise RuntimeError("the C extension bot.core._analysis is not built")
        self.in_c = _analysis is not None if in_c is None else in_c
        self.vocabulary: dict[str, int] = {}
        self._tables: dict[str, _analysis.ChunkTable] = {}  # per language, in C
        self._rows: dict[str, dict[str, int]] = {}  # per language: raw chunk -> its row in the table
        self._starts = array("q")  # row -> where its term ids start in _ids
        self._counts = array("q")  # row -> how many term ids it has (0 for a chunk without terms)
        self._ids = array("i")  # the term ids of every row, end to end

    def encode(self, analyzer: Analyzer, text: str) -> list[int]:
        """One text's term ids."""
        return self.encode_texts(analyzer, [text])[0].tolist()

    def encode_texts(self, analyzer: Analyzer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every text's term ids end to end (int32), and how many of them are each text's (int64)."""
        if self.in_c:  # no Python object per chunk: all at once
            return self._encode_in_c(analyzer, texts)
        step = TEXTS_AT_A_TIME
        batches = [self._encode(analyzer, texts[i : i + step]) for i in range(0, len(texts), step)]
        if len(batches) == 1:
            return batches[0]
        if not batches:
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        return np.concatenate([ids for ids, _ in batches]), np.concatenate([n for _, n in batches])

    def _encode_in_c(self, analyzer: Analyzer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        table = self._tables.get(analyzer.language)
        if table is None:
            table = self._tables[analyzer.language] = _analysis.ChunkTable()
        vocabulary = self.vocabulary

        def terms_of(chunk: str) -> list[int]:
            return [vocabulary.setdefault(t, len(vocabulary)) for t in analyzer.chunk_terms(chunk)]

        ids, lengths = table.encode(texts, terms_of, MAX_CACHED_CHUNKS)
        return np.frombuffer(ids, np.int32), np.frombuffer(lengths, np.int64)

    def _encode(self, analyzer: Analyzer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        split = list(map(str.split, texts))
        chunks_per_text = np.fromiter(map(len, split), np.int64, len(split))
        chunks = list(chain.from_iterable(split))
        del split
        known = self._rows.setdefault(analyzer.language, {})
        rows = np.fromiter(map(known.get, chunks, repeat(-1)), np.int64, len(chunks))
        for i in np.flatnonzero(rows < 0).tolist():  # chunks never seen (or not kept): analysed here
            rows[i] = self._row(analyzer, chunks[i], known)
        del chunks
        counts = np.frombuffer(self._counts, np.int64)[rows]
        starts = np.frombuffer(self._starts, np.int64)[rows]
        token_ends = np.cumsum(counts)
        # Each token's place in _ids: its chunk's start, plus its position within the chunk.
        places = np.repeat(starts - (token_ends - counts), counts)
        places += np.arange(places.size)
        ids = np.frombuffer(self._ids, np.int32)[places]
        text_ends = np.concatenate(([0], token_ends))[np.cumsum(chunks_per_text)]
        lengths = np.diff(text_ends, prepend=0)
        if len(self._counts) > MAX_CACHED_CHUNKS:  # rows past the cap were this batch's alone
            del self._ids[self._starts[MAX_CACHED_CHUNKS] :]
            del self._counts[MAX_CACHED_CHUNKS:], self._starts[MAX_CACHED_CHUNKS:]
        return ids, lengths

    def _row(self, analyzer: Analyzer, chunk: str, known: dict[str, int]) -> int:
        row = known.get(chunk)  # seen earlier in this batch
        if row is not None:
            return row
        vocabulary = self.vocabulary
        ids = [vocabulary.setdefault(t, len(vocabulary)) for t in analyzer.chunk_terms(chunk)]
        row = len(self._counts)
        self._starts.append(len(self._ids))
        self._counts.append(len(ids))
        self._ids.extend(ids)
        if row < MAX_CACHED_CHUNKS:  # kept for later batches
            known[chunk] = row
        return row


def by_first_occurrence(ids: np.ndarray, n_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """int32 ids below n_terms numbered again by first occurrence: the ids in that order, and each id's
    new number (both int32)."""
    if _analysis is not None:
        order, local = _analysis.renumber(np.ascontiguousarray(ids, np.int32), n_terms)
        return np.frombuffer(order, np.int32), np.frombuffer(local, np.int32)
    seen, first = np.unique(ids, return_index=True)
    order = seen[np.argsort(first, kind="stable")].astype(np.int32)
    numbers = np.empty(n_terms, dtype=np.int32)
    numbers[order] = np.arange(order.size, dtype=np.int32)
    return order, numbers[ids]


@cache
def analyzer_for(language: str) -> Analyzer:
    """One shared analyzer per language (its cache of stems is shared too)."""
    return Analyzer(language)
