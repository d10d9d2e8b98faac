"""The answer engine: a loaded corpus, its BM25 index, and the questions and look-ups over them.

Usable without Discord: the command line and the bot both call this and only this.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.core import semantic, synonyms
from bot.core.analysis import Analyzer, analyzer_for
from bot.core.answer import (
    KNOWN_FLOOR,
    PASSAGE_FLOOR,
    PHRASE_DEPTH,
    QuestionTerms,
    carries,
    focused_quote,
    names_stand_together,
    question_terms,
)
from bot.core.index import BM25Index, ReferenceIndex
from bot.core.indexing import build_index, cited_sources, with_sources
from bot.core.models import Answer, Article, Corpus, Excerpt, FootnoteLookup, Passage, PassageLookup
from bot.core.ranking import RerankOptions, posting_weight_of, rerank, with_synonyms

ENGINES = {"numpy": BM25Index, "rank-bm25": ReferenceIndex}
ENGINE_NAMES = tuple(ENGINES)
TITLES_MAX = 3  # a question word in more titles than this gives no article its context
_ABOUT_A_PERSON = re.compile(r"\s*(?:who|whom|whose)\b|\s*(?:tell me about|what do you know about)\b", re.IGNORECASE)
# Verbs that report what an author wrote ("What does Weber say …", "According to Holm, …").
_REPORTING = ("say", "says", "said", "according", "write", "writes", "wrote", "think", "thinks", "argue", "argues",
              "claim", "claims", "mention", "mentions", "describe", "describes")  # fmt: skip
# A question about a reading as a piece of writing: who wrote it, when, what it is called.
_ABOUT_WRITING = re.compile(
    r"\b(?:wr[io]te|written|writes|writer|authors?|authored|published|publish|article|articles|paper|essay"
    r"|titled|title)\b",
    re.IGNORECASE,
)
Progress = Callable[[str, int, int], None]  # (stage, done, total): for a progress bar on a terminal


@dataclass(frozen=True)
class EngineOptions:
    top_k: int = 3
    quote_chars: int = 350
    engine: str = "numpy"
    # The second stage over BM25's best passages (ranking.py); depth 0 keeps BM25's order exactly.
    rerank: RerankOptions = RerankOptions()
    # The passage-level evidence gate (answer.PASSAGE_FLOOR): weak unless one shown passage's own
    # text carries the question, not just the corpus somewhere.
    passage_gate: bool = True
    # The share of the question's weight that passage must hold. Measured on the SQuAD set and its
    # neighbouring-topic negatives: 0.3 marks 6.7% of real questions weak and lets 45% of neighbours
    # through; 0.4: 10.4% and 40%; 0.5: 21% and 35%; 0.7: 55% and 10%.
    passage_floor: float = PASSAGE_FLOOR
    # With the passage gate: weak unless each name of several words the question uses ("Stanford
    # University") has its words together in one of the best PHRASE_DEPTH passages (answer.py).
    name_phrase_gate: bool = True
    # The quote window (answer.focused_quote): a sentence over quote_chars competes by its densest cut
    # (measured: the top quote shows the answer .662 -> .684 on the SQuAD set) ...
    quote_long_sentences: bool = True
    # ... and a window whose matched sentences hold the kind of word the question asks for (a number
    # for "how many", a name for "who") gains this share of the question's weight. Measured: no gain
    # on the tuning half (0.05: .709 -> .709; 0.3: .687), so 0: coverage alone.
    quote_answer_kind: float = 0.0
    # ... and a window weighs the summed BM25 of its sentences (answer.sentence_score, as the second stage
    # scores a passage's best sentence) instead of the share of the question's weight it covers.
    # Measured on the SQuAD set, odd half / even half: the top quote showing the answer .746/.667 ->
    # .754/.711.
    quote_by_sentences: bool = True
    # ... and a window shorter than quote_chars goes on into the next sentence, cut at a word, when that
    # part holds a question word. Measured on the SQuAD set, odd half / even half: the top quote showing
    # the answer .761/.785 -> .769/.793 (the same with 0, 20 or 80 characters of room required; without
    # the question word: the same figures, but a third of the quotes gained a trailing fragment).
    quote_fill: bool = True


class EngineUnavailable(Exception):
    """The configured search engine cannot run here (an optional package is missing)."""


def _require_reference_engine() -> None:
    try:
        import rank_bm25  # noqa: F401
    except ImportError:
        raise EngineUnavailable(
            "search.engine: rank-bm25 needs the rank-bm25 package: pip install 'studybot[reference]'"
        ) from None


def _load_semantic_model() -> None:
    """Loaded with the engine (once per process): a missing or damaged install stops the start, naming
    the key, instead of failing every question."""
    try:
        semantic.model()
    except semantic.SemanticUnavailable as exc:
        raise EngineUnavailable(str(exc)) from None


class Engine:
    def __init__(
        self, corpus: Corpus, options: EngineOptions | None = None, index=None, progress: Progress | None = None
    ):
        self.corpus = corpus
        self.options = options or EngineOptions()
        self.passages: Sequence[Passage] = corpus.passages  # from a saved index: made on demand
        self._articles = {a.id: a for a in corpus.articles}
        self._names: tuple[dict[str, list[int]], dict[str, list[int]], list[int]] | None = None  # _name_index()
        self._span: dict[str, tuple[int, int]] = {}  # article id -> its passages' [start, end) positions
        start = 0
        for article in corpus.articles:
            self._span[article.id] = (start, start + len(article.passages))
            start += len(article.passages)
        if self.options.rerank.semantic_weight and self.options.rerank.depth:  # depth 0: no second stage
            _load_semantic_model()
        languages = list(dict.fromkeys(a.language for a in corpus.articles)) or ["en"]
        self.analyzers: list[Analyzer] = [analyzer_for(lang) for lang in languages]
        self._reporting = frozenset(t for word in _REPORTING for t in self.analyzers[0].tokens(word))
        # Synonyms work in the second stage, from an English table: without either it stays unread.
        with_table = synonyms.LANGUAGE in languages and self.options.rerank.depth
        self._synonym_weight = self.options.rerank.synonym_weight if with_table else 0.0
        self.index = index if index is not None else self._build_index(progress)

    def _build_index(self, progress: Progress | None):
        if self.options.engine != "numpy":
            _require_reference_engine()
            documents = [with_sources(a.tokens(text), a.tokens(cited)) for a, text, cited in self.documents()]
            return ENGINES[self.options.engine].build(documents)
        return build_index(self.documents(), len(self.passages), progress)

    def documents(self) -> Iterator[tuple[Analyzer, str, str]]:
        """What each passage is indexed by: (its analyzer, its text, the sources it cites)."""
        for passage in self.passages:
            yield analyzer_for(self._articles[passage.article_id].language), passage.text, cited_sources(passage)

    # ------------------------------------------------------------ questions

    def understand(self, question: str) -> QuestionTerms:
        """The evidence gate's view of a question: its terms, their weights, what the corpus knows."""
        return self._authors_known(question, question_terms(question, self.analyzers, self.index.idf,
                                                            self.index.n_documents))  # fmt: skip

    def _authors_known(self, question: str, terms: QuestionTerms) -> QuestionTerms:
        """A question that names an author as one ("What does Weber say about tariffs?", "According to
        Holm, …"): the name is a word of the reading list (bylines are in no passage), known at the
        floor weight, and a verb that only reports it ("say", "according") is the question's frame when
        no passage uses it. Before, the name and the verb were "in no article" and outweighed the rest.
        The verb is the frame too after a name the passages say ("What did Kant say about …?")."""
        if _ABOUT_A_PERSON.match(question):
            return terms
        _, authors, _ = self._name_index()
        named = terms.names & authors.keys()
        analyzer = self.analyzers[0]
        reporting = self._reporting - terms.matched
        if not named and not (terms.names & terms.matched and reporting & set(terms.terms)):
            return terms  # a person the passages name ("What did Kant say …?") frames the question alike
        framed = terms.without(frozenset(reporting))
        words = {w: set(analyzer.tokens(w)) for w in terms.unknown_words}
        bylines_only = named - framed.matched  # a name some passage says keeps its own weight
        return replace(
            framed,
            weights={t: KNOWN_FLOOR if t in bylines_only else w for t, w in framed.weights.items()},
            matched=framed.matched | named,
            matched_words=(*framed.matched_words, *(w for w, ts in words.items() if ts & named)),
            unknown_words=tuple(w for w, ts in words.items() if not ts & (named | reporting)),
        )

    def ask(
        self, question: str, top_k: int | None = None, article_id: str | None = None, terms: QuestionTerms | None = None
    ) -> Answer:
        """`terms`: the question's understand() when the caller already has it (the bot's gate does)."""
        k = top_k or self.options.top_k
        terms = terms or self.understand(question)
        if not terms.answerable:
            return self.unanswered(question, terms)
        shown_terms = terms
        candidates, terms = self._searched(question, terms, article_id)
        depth = self.options.rerank.depth
        phrases = self.options.passage_gate and self.options.name_phrase_gate and bool(terms.phrases)
        ranked = self.index.top_k(list(terms.terms), max(k, depth, PHRASE_DEPTH * phrases), candidates=candidates)
        if not ranked:
            return self.unanswered(question, terms)
        if depth:
            if self._synonym_weight:
                ranked = with_synonyms(ranked, terms, self.index, self._synonym_weight, depth, candidates)
            context = self._title_context(terms) if self.options.rerank.title_context else {}
            scored = rerank(
                ranked, self.passages, self._analyzer_of, terms, self.index, self.options.rerank, question,
                lambda passage: context.get(passage.article_id, frozenset()),
                self._untitled(terms, context, candidates),
            )  # fmt: skip
            ranked = [(s.doc, s.score) for s in scored]
        names_together = not phrases or self._names_together(ranked[:PHRASE_DEPTH], terms)
        ranked = self._said_or_needed(ranked[:k], terms)
        excerpts = tuple(self._excerpt(rank, doc, score, terms) for rank, (doc, score) in enumerate(ranked, 1))
        named = self.named_articles(question, shown_terms)  # as asked: a named author names their articles
        return Answer(
            question=question,
            answered=True,
            weak=terms.weak or (self.options.passage_gate and not (self._carried(excerpts, terms) and names_together)),
            matched_terms=shown_terms.matched_words,
            unknown_terms=self._not_named(shown_terms.unknown_words, named),
            excerpts=excerpts,
            named_articles=named,
        )

    def _said_or_needed(self, ranked: list[tuple[int, float]], terms: QuestionTerms) -> list[tuple[int, float]]:
        """The ranked passages but those holding none of the question's words (found by synonyms alone)
        when the first holds every one: a better passage says it all, and a synonym of another sense
        ("initiative" for "enlightenment") would quote something unrelated. When a word is in no
        passage, such a passage may be the paraphrase that answers ("established" for "founded")."""
        asked = {t for t in terms.terms if t in terms.matched}
        if len(ranked) < 2 or not asked or terms.unknown_words:  # a word no passage says: synonyms may
            return ranked

        def said(doc: int) -> set[str]:  # the question's words the passage holds, its notes included
            passage = self.passages[doc]
            analyzer = self._analyzer_of(passage)
            texts = [passage.text, *(note.source for note in passage.footnotes)]
            return {t for text in texts for t in analyzer.tokens(text) if t in asked}

        if said(ranked[0][0]) != asked:
            return ranked
        return [ranked[0], *((doc, score) for doc, score in ranked[1:] if said(doc))]

    def _searched(
        self, question: str, terms: QuestionTerms, article_id: str | None
    ) -> tuple[np.ndarray | None, QuestionTerms]:
        """(the passages to search, None for all; the terms to search them for): the article asked
        about, else a named author's articles without the name, else everything."""
        if article_id is None:
            by_author = self._by_author_asked(question, terms)
            if by_author is not None:
                return by_author
        return self._article_candidates(article_id), terms

    def articles_named_by(self, question: str) -> tuple[Article, ...]:
        """The articles an answer to `question` names, as ask() finds them (a stored answer's other
        pages look them up again: the reading list may have changed)."""
        return self.named_articles(question, self.understand(question))

    def _title_context(self, terms: QuestionTerms) -> dict[str, frozenset[str]]:
        """Article id -> the question's terms its title holds (the second stage's title context). A term
        in more than TITLES_MAX titles is left out: it says little about any one article."""
        titles, _, _ = self._name_index()
        context: dict[str, frozenset[str]] = {}
        for term in dict.fromkeys(terms.terms):
            positions = titles.get(term, ())
            for position in positions if len(positions) <= TITLES_MAX else ():
                article_id = self.articles[position].id
                context[article_id] = context.get(article_id, frozenset()) | {term}
        return context

    def _untitled(
        self, terms: QuestionTerms, context: dict[str, frozenset[str]], candidates: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """The best passages of the titled articles (`context`) by the question's other words, with
        their first-stage score: the title's words say which article, not which passage, and plain
        BM25 put the passages repeating them first ("… the Notre Dame College of Science formed?"
        found the College of Science's paragraph 27th). The second stage weighs them with the rest."""
        titled = frozenset().union(*context.values())
        rest = [t for t in terms.terms if t not in titled]
        if not titled or not rest:
            return []
        spans = [np.arange(*self._span.get(article_id, (0, 0)), dtype=np.int64) for article_id in context]
        within = np.concatenate(spans)
        if candidates is not None:
            within = np.intersect1d(within, candidates)
        weight = posting_weight_of(self.index)
        found = self.index.top_k(rest, self.options.rerank.depth, candidates=within)
        return [(doc, sum(weight(t, doc) for t in terms.terms)) for doc, _ in found]

    def _analyzer_of(self, passage: Passage) -> Analyzer:
        return analyzer_for(self._articles[passage.article_id].language)

    def _carried(self, excerpts: Sequence[Excerpt], terms: QuestionTerms) -> bool:
        """The passage-level gate (answer.carries) on the top passage."""
        top = excerpts[0].passage
        return carries(top.text, self._analyzer_of(top), terms, self.index.n_documents, self.options.passage_floor)

    def _names_together(self, ranked: Sequence[tuple[int, float]], terms: QuestionTerms) -> bool:
        """The name-phrase gate (answer.names_stand_together) over the best ranked passages."""
        texts = [self._analyzer_of(p).tokens(p.text) for p in (self.passages[doc] for doc, _ in ranked)]
        return names_stand_together(terms.phrases, texts)

    def article_mentions(self, article_id: str, terms: QuestionTerms) -> bool:
        """Whether any passage of the article holds a matched term (a cheap check before the search)."""
        return bool(self.index.top_k(sorted(terms.matched), 1, candidates=self._article_candidates(article_id)))

    def unanswered(self, question: str, terms: QuestionTerms) -> Answer:
        named = self.named_articles(question, terms)
        return Answer(question, False, True, terms.matched_words, self._not_named(terms.unknown_words, named), (),
                      named)  # fmt: skip

    def _not_named(self, words: Sequence[str], named: Sequence[Article]) -> tuple[str, ...]:
        """The question's words no article uses, but those the named articles' titles or authors hold
        (no reply says "'rethinking' is in no article" under the article called Rethinking the Reset),
        looked up in the titles' and authors' index, not analysed again."""
        if not named:
            return tuple(words)
        titles, authors, _ = self._name_index()
        ids = {article.id for article in named}

        def shown(term: str) -> bool:
            return any(self.articles[p].id in ids for p in (*titles.get(term, ()), *authors.get(term, ())))

        analyzer = analyzer_for(named[0].language)
        return tuple(w for w in words if not all(shown(t) for t in analyzer.tokens(w)))

    def named_articles(self, question: str, terms: QuestionTerms) -> tuple[Article, ...]:
        """The articles (all of them, in corpus order) a question asks about by their title or
        author: the most of a title's words (half at least), or an author's name, when the question is
        about the writing ("Who wrote …", "the … article") or two or more of the title's words are and
        some are in no passage (one everyday word, "question" or "notes", names no article)."""
        titles, authors, title_sizes = self._name_index()
        asked = set(terms.terms)
        about_writing = bool(_ABOUT_WRITING.search(question))
        in_title: dict[int, set[str]] = {}
        for term in asked:
            for position in titles.get(term, ()):
                in_title.setdefault(position, set()).add(term)
        shares = {
            position: len(found) / title_sizes[position]
            for position, found in in_title.items()
            if len(found) * 2 >= title_sizes[position] and (about_writing or len(found) > 1 and found - terms.matched)
        }
        if about_writing:  # the author's name written as one ("Brown", not "brown bears")
            shares.update({position: 1.0 for term in terms.names for position in authors.get(term, ())})
        best = max(shares.values(), default=0.0)
        named = sorted(position for position, share in shares.items() if share == best) if best else []
        return tuple(self.articles[position] for position in named)

    def _name_index(self) -> tuple[dict[str, list[int]], dict[str, list[int]], list[int]]:
        """(title term → article positions, author term → positions, each title's term count), the
        titles and authors analysed as their article's text is; made at the first question."""
        if self._names is None:
            titles: dict[str, list[int]] = {}
            authors: dict[str, list[int]] = {}
            sizes = []
            for position, article in enumerate(self.articles):
                analyzer = analyzer_for(article.language)
                title = set(analyzer.tokens(article.title or ""))
                for term in title:
                    titles.setdefault(term, []).append(position)
                for term in set(analyzer.tokens(article.author or "")):
                    authors.setdefault(term, []).append(position)
                sizes.append(len(title))
            self._names = titles, authors, sizes
        return self._names

    def _by_author_asked(self, question: str, terms: QuestionTerms) -> tuple[np.ndarray, QuestionTerms] | None:
        """For a question that names an author ("… according to Tsygankov?", "What does Mironova say …"):
        (that author's articles' passages, the question's terms without the name), or None. The name
        says whose article to read, not what to find in it: searched for, it finds the author's bio.
        None for a question about the person ("Who is Andrei Tsygankov?"), or when the rest of the
        question is not enough to answer."""
        if _ABOUT_A_PERSON.match(question):
            return None
        _, authors, _ = self._name_index()
        named = terms.names & authors.keys()  # written as a name: "brown bears" asks of no Mark Brown
        positions = sorted({p for term in named for p in authors[term]})
        if not named:
            return None
        rest = terms.without(frozenset(named))
        if not rest.terms or not rest.answerable:
            return None
        spans = [self._span.get(self.articles[p].id, (0, 0)) for p in positions]
        return np.concatenate([np.arange(*span, dtype=np.int64) for span in spans]), rest

    def _article_candidates(self, article_id: str | None) -> np.ndarray | None:
        if article_id is None:
            return None
        return np.arange(*self._span.get(article_id, (0, 0)), dtype=np.int64)

    def _excerpt(self, rank: int, doc: int, score: float, terms: QuestionTerms) -> Excerpt:
        passage = self.passages[doc]
        article = self._articles[passage.article_id]
        quote, highlights = focused_quote(
            passage.text,
            analyzer_for(article.language),
            terms.idf,
            terms.matched,
            self.options.quote_chars,
            (terms.expects, terms.question_words),
            self.options.quote_answer_kind,
            self.options.quote_long_sentences,
            terms if self.options.quote_by_sentences else None,
            self.options.quote_fill,
        )
        return Excerpt(rank, float(score), passage, article, quote, highlights)

    # ------------------------------------------------------------ look-ups

    @property
    def articles(self) -> Sequence[Article]:
        return self.corpus.articles

    def article(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def footnote(self, article_id: str, marker: str) -> FootnoteLookup | None:
        article = self._articles.get(article_id)
        footnote = article.footnote(marker) if article else None
        if footnote is None:
            return None
        cited_by = tuple(p.id for p in article.passages if any(f.marker == footnote.marker for f in p.footnotes))
        return FootnoteLookup(article, footnote, cited_by)

    def prepare_lookups(self) -> Engine:
        """For callers that warm up off the event loop (the bot, at start and after a reload): the
        synonym table read now (about 20 ms) and the articles' titles and authors analysed (about
        15 ms a thousand articles), not on the first question; every other look-up is ready at load."""
        if self._synonym_weight:
            synonyms.table()
        self._name_index()
        return self

    def _position(self, passage_id: str) -> int | None:
        """Where a passage id is: an article's k-th passage is `<article id>:<k>` (models.Passage)."""
        article_id, _, number = passage_id.strip().rpartition(":")
        start, stop = self._span.get(article_id, (0, 0))
        if not (number.isascii() and number.isdigit()) or not 0 < int(number) <= stop - start:
            return None
        position = start + int(number) - 1
        return position if self.passages[position].id == passage_id.strip() else None

    def passage_ids(self) -> Iterator[str]:
        """Every passage id in passage order, without making passages that are made on demand."""
        for article in self.corpus.articles:
            if isinstance(article.passages, tuple):
                yield from (p.id for p in article.passages)
            else:  # a saved index's: `<article id>:<k>` by construction (bot.library.packed)
                yield from (f"{article.id}:{k}" for k in range(1, len(article.passages) + 1))

    def passages_by_id_prefix(self, typed: str, limit: int) -> list[Passage]:
        """Passages whose id starts with `typed` ("<article>:<n>"), looking only in the articles it names."""
        article_part, colon, number = typed.partition(":")
        if colon:
            passages = article.passages if (article := self.article(article_part)) else ()
            ordinals = (k for k in range(1, len(passages) + 1) if str(k).startswith(number))
            return [passages[k - 1] for k in itertools.islice(ordinals, limit)]  # made only when shown
        found: list[Passage] = []
        for article in self.articles:
            if article.id.casefold().startswith(typed.casefold()):
                found.extend(article.passages[: limit - len(found)])
            if len(found) >= limit:
                break
        return found

    def passage(self, passage_id: str) -> PassageLookup | None:
        position = self._position(passage_id)
        if position is None:
            return None
        passage = self.passages[position]
        siblings = self._articles[passage.article_id].passages
        i = passage.ordinal - 1
        return PassageLookup(
            article=self._articles[passage.article_id],
            passage=passage,
            previous=siblings[i - 1].id if i > 0 else None,
            next=siblings[i + 1].id if i + 1 < len(siblings) else None,
        )
