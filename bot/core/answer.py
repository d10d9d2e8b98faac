"""Question → Answer: the evidence gate, the question-focused quote and its highlights."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.analysis import Analyzer
from bot.core.sentences import sentence_spans

ELLIPSIS = "…"
_LEANS_BACK = re.compile(
    r"(?:in fact,?\s+|therefore,?\s+|thus,?\s+|however,?\s+|but\s+|and\s+)?(?:it|this|these|that|they|he|she|such)\b",
    re.IGNORECASE,
)
WEAK_SHARE = 0.4  # matched words carrying less than this share of the question's weight: a weak answer
# Below this share the readings do not answer the question: "Which wines is France famous for?" knows
# only "France" (0.22 of the weight), and quoting a passage about France would quote something unrelated.
ANSWER_FLOOR = 0.25
# The passage-level gate (Engine's passage_gate): an answer is weak unless one shown passage's own text
# holds PASSAGE_FLOOR of the question's weight and every rare name the question uses ("Stanford" asked
# of an article that names Stanford once, elsewhere). Rare: in under RARE_NAME_SHARE of the passages.
PASSAGE_FLOOR = 0.3
RARE_NAME_SHARE = 0.1
# A name's word: capitalised, short all-capitals acronyms (US, BA) left out since texts spell them out.
# (Requiring a name's words in a row, "Stanford University" against "Stanford Hall", was measured: real
# questions write names loosely, "Father Josh Carrier", and it doubled the weak answers.)
_NAME = re.compile(r"\b(?![A-Z]{1,3}\b)[A-Z][\w'’-]*")
# A name of several words ("Stanford University", "University of Michigan"): an answer about it needs its
# words together somewhere, not "Stanford Hall" in one place and "the university" in another. Measured on
# the SQuAD set: words next to each other or one word apart ("Father Edward Sorin" for "Father Sorin")
# among the first PHRASE_DEPTH ranked passages marked 1 real question weak and 5 of 40 neighbouring-topic
# questions (18 -> 13 answered without "weak"); next to each other only, or in the top passage alone,
# marked more real ones weak ("Father Sorin", or the many passages that say "the university").
_NAME_WORD = r"(?![A-Z]{1,3}\b)[A-Z][\w'’-]*"
_NAME_PHRASE = re.compile(rf"\b{_NAME_WORD}(?:(?: of| of the| de| du| von| van| der)? {_NAME_WORD})+")
# A number the readings never use ("Who won the Heisman Trophy in 2019?") counts as a rare name: the
# answer must say it, so the answer is weak (measured: 13 -> 11 of the 40 neighbours, 1 real question
# of 269 more weak: "Which president did Notre Dame have in 1947?", the text says 1946 to 1952).
_DIGITS = re.compile(r"\b\d[\d,.]*\b")
PHRASE_DEPTH = 10
PHRASE_GAP = 1  # words allowed between two words of a name


# The frame a question is asked in, not its topic: "How many …" is weak only if "many" counts as a
# missing word. Blanked out of the question (offsets kept) before it is analysed, in every language's
# analyzer; the words stay in passages. English frames; other languages' stopword lists cover theirs.
QUESTION_FRAME = re.compile(
    r"\b(?:how\s+(?:many|much|long|often|far|old|large|big|tall|high)"
    r"|(?:in\s+)?(?:what|which)\s+(?:year|years|kind\s+of|type\s+of|sort\s+of|percentage\s+of|number\s+of|amount\s+of)"
    r"|(?:what|who)\s+(?:is|was|are|were)\s+the\s+name\s+of|name\s+(?:the|a|an)"
    r"|(?:is|was|are|were)\s+(?:called|named|known\s+as)|called|named)\b",
    re.IGNORECASE,
)


# What kind of words the answer is made of, from the question's frame: a number (dates included) or a name.
_EXPECTS = (
    ("number", re.compile(
        r"\b(?:when|(?:what|which)\s+(?:years?|dates?|decades?|century|centuries|percentage|number|age|time)"
        r"|how\s+(?:many|much|long|old|often|far|large|big))\b",
        re.IGNORECASE)),
    ("name", re.compile(r"\b(?:who|whom|whose|(?:what|which)\s+(?:person|individual|people))\b", re.IGNORECASE)),
)
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    r"|hundred|thousand|million|billion|once|twice|dozen|first|second|third|century|decade)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<=[\w,;:] )[A-Z][\w'’-]+")  # a capitalised word inside a sentence


def expected_answer(question: str) -> str | None:
    """"number" or "name" when the question's frame asks for one, else None."""
    for kind, pattern in _EXPECTS:
        if pattern.search(question):
            return kind
    return None


def holds_answer_kind(text: str, kind: str | None, question_words: frozenset[str]) -> bool:
    """Whether the text has a word of the expected kind that the question itself does not say."""
    if kind is None:
        return False
    pattern = _NUMBER if kind == "number" else _CAPITALISED
    return any(m.group().casefold() not in question_words for m in pattern.finditer(text))


def without_frame(question: str) -> str:
    """The question with its frame words blanked by spaces (offsets unchanged, for highlights)."""
    return QUESTION_FRAME.sub(lambda m: " " * len(m.group()), question)


# The gate's weights must not depend on the corpus's size: in a one-article corpus the article's topic
# words occur in most passages, where BM25's idf floors them near zero, while a word the corpus never
# uses would weigh ln(2N+1). For a term in a share p of the passages idf ≈ ln((1-p)/p) whatever N, so
# the gate weighs a word the corpus uses at least as one in a fifth of the passages (ln 4: measured
# against ln 2 and ln 9 on the SQuAD and seed sets), and a word it never uses as one in one
# passage of a hundred (ln 99). Ranking (quotes, second stage) keeps BM25's own idf.
KNOWN_FLOOR = math.log(4)
UNKNOWN_WEIGHT = math.log(99)


@dataclass(frozen=True)
class QuestionTerms:
    """What the evidence gate knows about a question."""

    terms: tuple[str, ...]  # index terms in question order, repeats kept (BM25 counts them)
    weights: dict[str, float]  # gate weight of each distinct term: idf, floored (see KNOWN_FLOOR)
    idf: dict[str, float]  # ranking weight of each distinct term (quotes, second stage): BM25's idf
    matched: frozenset[str]  # the distinct terms the corpus knows
    matched_words: tuple[str, ...]  # the question's own words, for people
    unknown_words: tuple[str, ...]
    names: frozenset[str] = frozenset()  # terms of the capitalised words past the question's first word
    expects: str | None = None  # expected_answer() of the question
    question_words: frozenset[str] = frozenset()  # the question's case-folded words, as written
    phrases: tuple[tuple[str, ...], ...] = ()  # the terms of each name of several words (name_phrases())

    def rare_names(self, n_passages: int) -> frozenset[str]:
        """Name terms the corpus rarely (or never) uses: an answer about them must say them."""
        share = max(1.0, RARE_NAME_SHARE * n_passages)
        rare = math.log(n_passages - share + 0.5) - math.log(share + 0.5)
        return frozenset(t for t in self.names if self.weights.get(t, math.inf) > rare)

    def without(self, dropped: frozenset[str]) -> QuestionTerms:
        """The question's terms but `dropped` (the words that chose an article, not what to find in it);
        the words people are shown stay as they were."""
        return replace(
            self,
            terms=tuple(t for t in self.terms if t not in dropped),
            weights={t: w for t, w in self.weights.items() if t not in dropped},
            idf={t: w for t, w in self.idf.items() if t not in dropped},
            matched=self.matched - dropped,
            names=self.names - dropped,
            phrases=tuple(p for p in self.phrases if not set(p) & dropped),
        )

    @property
    def answerable(self) -> bool:
        return bool(self.matched) and self.matched_share >= ANSWER_FLOOR

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values())

    @property
    def matched_share(self) -> float:
        total = self.total_weight
        return sum(self.weights[t] for t in self.weights if t in self.matched) / total if total else 0.0

    @property
    def weak(self) -> bool:
        return self.matched_share < WEAK_SHARE


def question_terms(
    question: str, analyzers: Sequence[Analyzer], idf: Callable[[str], float | None], n_passages: int
) -> QuestionTerms:
    """Analyse a question with each corpus language's analyzer and weigh its terms by idf.

    Word by word: the terms the corpus knows, from any language (the first analyzer's keep their
    repeats, another language adds only terms it alone gives); a word no language finds is one
    unknown word, the first analyzer's term, unless some corpus language calls it a stopword ("who"
    stays no unknown word because a German article's analyzer does not drop it).
    """
    terms: list[str] = []
    word_of: dict[str, str] = {}
    expects = expected_answer(question)
    question_words = frozenset(w.casefold() for w in re.findall(r"[\w'’-]+", question))
    question = without_frame(question)
    spans: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for position, analyzer in enumerate(analyzers):
        for term, start, end in analyzer.words(question):
            spans.setdefault((start, end), []).append((position, term))
    known: dict[str, float | None] = {}
    for (start, end), found in spans.items():  # the first analyzer's order
        for _, term in found:
            if term not in known:
                known[term] = idf(term)
        keep = [(p, t) for p, t in found if known[t] is not None]
        if not keep:
            if len(analyzers) > 1 and any(a.is_stopword(question[start:end]) for a in analyzers):
                continue
            keep = [found[0]]
        for position, term in keep:
            word_of.setdefault(term, question[start:end].casefold())
            if position == 0 or term not in terms:
                terms.append(term)
    names = {t for m in _NAME.finditer(question) if m.start() for a in analyzers for t, _, _ in a.words(m.group())}
    numbers = (t for m in _DIGITS.finditer(question) for t, _, _ in analyzers[0].words(m.group()))
    names |= {t for t in numbers if known.get(t) is None}
    idfs = {term: known[term] for term in dict.fromkeys(terms)}
    weights = {term: UNKNOWN_WEIGHT if value is None else max(value, KNOWN_FLOOR) for term, value in idfs.items()}
    ranking = {term: UNKNOWN_WEIGHT if value is None else value for term, value in idfs.items()}
    matched = frozenset(term for term, value in idfs.items() if value is not None)
    return QuestionTerms(
        terms=tuple(terms),
        weights=weights,
        idf=ranking,
        matched=matched,
        matched_words=_unique(word_of[t] for t in weights if t in matched),
        unknown_words=_unique(word_of[t] for t in weights if t not in matched),
        names=frozenset(names & weights.keys()),
        phrases=name_phrases(question, analyzers[0]),
        expects=expects,
        question_words=question_words,
    )


def name_phrases(question: str, analyzer: Analyzer) -> tuple[tuple[str, ...], ...]:
    """The terms of each run of capitalised words in the question, past its first word ("Which Ohio State
    coach …" gives ("ohio", "state")), when there are two or more."""
    phrases = []
    for match in _NAME_PHRASE.finditer(question):
        start = match.start()
        while start > 0 and not question[start - 1].isspace():  # "O'Shaughnessy Hall" whole
            start -= 1
        words = question[start : match.end()].split()[0 if start else 1 :]
        terms = tuple(t for word in words for t in analyzer.tokens(word))
        if len(terms) > 1:
            phrases.append(terms)
    return tuple(phrases)


def names_stand_together(phrases: Sequence[Sequence[str]], texts: Sequence[Sequence[str]]) -> bool:
    """Whether each name's words stand together in one of the texts (their terms, in order): two of its
    words in a row, or PHRASE_GAP words apart."""
    if not phrases:
        return True
    gaps = range(1, PHRASE_GAP + 2)
    pairs = {pair for tokens in texts for gap in gaps for pair in zip(tokens, tokens[gap:], strict=False)}
    return all(any(pair in pairs for pair in zip(terms, terms[1:], strict=False)) for terms in phrases)


def carries(
    text: str, analyzer: Analyzer, terms: QuestionTerms, n_passages: int, floor: float = PASSAGE_FLOOR
) -> bool:
    """The passage-level gate: the text holds `floor` of the question's weight and every rare name the
    question uses (the best passage, not just the corpus somewhere, must carry the question)."""
    present = set(analyzer.tokens(text))
    total = terms.total_weight
    share = sum(w for t, w in terms.weights.items() if t in present) / total if total else 0.0
    return share >= floor and terms.rare_names(n_passages) <= present


# BM25 parameters of a sentence's score (the second stage's best sentence, the quote window): a sentence
# is short, so tf saturates sooner and length matters less than for a passage (the usual short-field choice).
# Measured on the SQuAD set's odd half: k1 1.2, b 0.5 best of (1.2, 0.5), (0.9, 0.4), (1.2, 0.75), (1.5, 0.3),
# (0.6, 0.5) (hit@1 .821, the top quote .746; 0.9/0.4: .813, .731); the even half agreed.
SENTENCE_K1 = 1.2
SENTENCE_B = 0.5


def sentence_score(length: int, counts: Mapping[str, int], terms: QuestionTerms, mean_length: float) -> float:
    """BM25 of one sentence (`length` terms, `counts` of the question's terms in it) for the question's
    matched terms, each once, summed in question order; `mean_length`: the sentences' mean it is held to."""
    norm = SENTENCE_K1 * (1 - SENTENCE_B + SENTENCE_B * length / (mean_length or 1.0))
    score = 0.0
    for term in dict.fromkeys(terms.terms):
        tf = counts.get(term, 0)
        if tf and term in terms.matched:
            score += terms.idf[term] * tf * (SENTENCE_K1 + 1) / (tf + norm)
    return score


def _unique(words) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def focused_quote(
    text: str,
    analyzer: Analyzer,
    weights: dict[str, float],
    matched: set[str],
    limit: int,
    answer_kind: tuple[str | None, frozenset[str]] = (None, frozenset()),
    kind_bonus: float = 0.0,
    cut_long_sentences: bool = True,
    by_sentences: QuestionTerms | None = None,
    fill: bool = True,
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The run of whole sentences (≤ limit chars) that covers the most question weight.

    With `by_sentences` (the question's terms) a window weighs instead the sum of its sentences'
    sentence_score (a cut of a long sentence: the score of the cut), over the passage's best sentence's:
    the sentences that say most of the question, the way the second stage ranks passages.

    `answer_kind` is the question's (expected_answer(), its own words): a window whose sentences that
    hold a matched word also hold a word of that kind (a number for "how many", a name for "who")
    the question does not say gains `kind_bonus` of the question's weight (0: coverage alone).
    With `fill`, a window shorter than the limit goes on into the text after it, cut at a word, when
    that text holds a matched word: the answer often sits in the sentence after the one that says the
    question ("… behind the basilica is the Grotto. It is a replica of the grotto at Lourdes …"), and
    a sentence too long to join whole is quoted as far as the room allows.
    Returns the quote, with an ellipsis where the passage was cut, and the spans of matched words
    within it. A single sentence over the limit is cut around its first match.
    """
    every = list(analyzer.words(text))
    words = [(t, s, e) for t, s, e in every if t in matched]
    spans = sentence_spans(text) or [(0, len(text))]
    total = sum(weights[t] for t in dict.fromkeys(t for t, _, _ in words)) or 1.0
    if by_sentences is not None:
        sentence_weight = _sentence_weigher(every, spans, by_sentences)
    kind, question_words = answer_kind
    # Per sentence: whether it holds a matched word and a word of the expected kind.
    answers = [
        kind_bonus > 0
        and any(lo <= s < hi for _, s, _ in words)
        and holds_answer_kind(text[lo:hi], kind, question_words)
        for lo, hi in spans
    ]

    def covered(start: int, end: int) -> float:  # summed in text order: the same float on every run
        if by_sentences is not None:
            share = sentence_weight(start, end)
        else:
            share = sum(weights[t] for t in dict.fromkeys(t for t, s, e in words if start <= s and e <= end)) / total
        holds = any(a for (lo, hi), a in zip(spans, answers, strict=True) if start <= lo and hi <= end)
        return share + kind_bonus * holds if share > 0 else 0.0

    best: tuple[float, bool, int, int, int] | None = None  # (weight, self-contained, length, start, end)
    for i, (start, stop) in enumerate(spans):
        if stop - start > limit and cut_long_sentences:  # a sentence over the limit: its densest cut
            lo, hi = _densest_cut(text, [s for _, s, _ in words if start <= s < stop], start, stop, limit, covered)
            candidate = (covered(lo, hi), False, hi - lo, lo, hi)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
            continue
        # A window opening on "It …"/"This …" leans on the sentence before: prefer one that includes it.
        contained = i == 0 or not _LEANS_BACK.match(text, start)
        for j in range(i, len(spans)):
            end = spans[j][1]
            if end - start > limit:
                break
            candidate = (covered(start, end), contained, end - start, start, end)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    if best is not None and (best[0] > 0 or not words):
        start, end = best[3], best[4]
        if fill and end - start < limit:
            _, filled = _snap_to_words(text, start, min(len(text), start + limit))
            if any(end <= s and e <= filled for _, s, e in words):
                end = filled
    else:  # the densest sentence is longer than the limit: cut a window around the first match
        first = words[0][1] if words else 0
        start = max(0, min(first - limit // 3, len(text) - limit))
        end = min(len(text), start + limit)
        start, end = _snap_to_words(text, start, end)
    quote, offset = text[start:end].strip(), start + (len(text[start:end]) - len(text[start:end].lstrip()))
    highlights = [(s - offset, e - offset) for t, s, e in words if start <= s and e <= end]
    if start > 0:
        quote = ELLIPSIS + " " + quote
        highlights = [(s + 2, e + 2) for s, e in highlights]
    if end < len(text.rstrip()):
        quote = quote + " " + ELLIPSIS
    return quote, merge_spans(highlights)


def _sentence_weigher(
    every: Sequence[tuple[str, int, int]], spans: Sequence[tuple[int, int]], terms: QuestionTerms
) -> Callable[[int, int], float]:
    """weight(start, end): the summed sentence_score of the sentences (or parts) of text[start:end],
    over the best whole sentence's (focused_quote's by_sentences)."""
    per_sentence = [[(t, s) for t, s, e in every if lo <= s < hi] for lo, hi in spans]
    mean_length = sum(map(len, per_sentence)) / len(per_sentence) if per_sentence else 1.0

    def score(words: Sequence[tuple[str, int]]) -> float:
        return sentence_score(len(words), Counter(t for t, _ in words), terms, mean_length)

    whole = [score(words) for words in per_sentence]
    best = max(whole, default=0.0) or 1.0

    def weight(start: int, end: int) -> float:
        total = 0.0
        for (lo, hi), words, value in zip(spans, per_sentence, whole, strict=True):
            if start <= lo and hi <= end:
                total += value
            elif lo < end and start < hi:  # a cut of a sentence
                total += score([(t, s) for t, s in words if start <= s < end])
        return total / best

    return weight


def _densest_cut(text: str, starts: list[int], lo: int, hi: int, limit: int, covered) -> tuple[int, int]:
    """The limit-long cut of text[lo:hi] (snapped to words) covering the most weight: each cut opens a
    little before one of the matched words (`starts`); ties go to the earliest."""
    best: tuple[float, int, int] | None = None
    for anchor in starts or [lo]:
        start = max(lo, min(anchor - limit // 6, hi - limit))
        start, end = _snap_to_words(text, start, min(hi, start + limit))
        weight = covered(start, end)
        if best is None or weight > best[0]:
            best = (weight, start, end)
    return best[1], best[2]


def merge_spans(spans) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping spans (a compound and its parts highlight as one)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a cut inward to the nearest whitespace so no word is split."""
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end
