"""The second stage: re-orders BM25's best passages by what their own text says about the question.

The first stage (exact BM25Okapi, sources included) finds candidates; this stage scores each of the
top `depth` by what the first stage cannot see:
- the BM25 weight of the question words the passage's *own text* holds (a cited book titled "The
  Marshall Plan" finds a passage, but must not outweigh a passage that quotes the person asked about);
- coverage: the share of the question's weight (idf, unknown words included) its text holds;
- proximity: the best share held by a window of two adjacent sentences, and whether that window
  holds the kind of word the question asks for (a number for "when", a name for "who");
- the best sentence: BM25 of the question's matched terms over each single sentence (answer.
  sentence_score, lengths relative to the candidates' mean sentence), the passage's best, relative to the
  best candidate's (the answer usually sits in one sentence that says most of the question);
- optionally, a split paragraph's pieces scored as the whole paragraph;
- optionally, the semantic similarity of question and passage (semantic.py, an optional extra), which
  sees a paraphrase that shares no word with the passage.
Before it, synonyms (synonyms.py, English): a passage lacking a question word is credited a share of
the BM25 weight of that word's best synonym it holds, and the passages BM25 finds by the synonyms alone
join the candidates ("established" for "founded").
The question words an article's title holds are its passages' context (title_context): they count as
said in each of its sentences, since a passage of "University of Notre Dame" is about Notre Dame whether
or not it repeats the name.
Its score is text BM25 relative to the best candidate's, plus the weighted shares (and the weighted
cosine, -1..1). Deterministic: ties keep the first stage's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core import semantic, synonyms
from bot.core.analysis import Analyzer
from bot.core.answer import QuestionTerms, holds_answer_kind, sentence_score
from bot.core.models import Passage
from bot.core.sentences import sentence_spans

WINDOW_SENTENCES = 2


@dataclass(frozen=True)
class RerankOptions:
    depth: int = 10  # first-stage passages re-ordered (10, 20 and 30 measured alike); 0: BM25 order
    # Measured on the SQuAD development set: coverage of the whole passage cost hit@1 (.740 -> .732 at
    # weight 1), the two-sentence window gained it (.740 -> .755 at weight 1); coverage stays switchable.
    coverage_weight: float = 0.0
    # Measured on the odd half of the SQuAD set (the even half checking), with the best sentence's weight
    # 0.75: the window at 1.0 -> 0.5 kept hit@1 (.821 both), hit@3 .910 -> .918.
    proximity_weight: float = 0.5
    # Added when the best window also holds a word of the kind the question asks for (a number for
    # "when"/"how many", a name for "who") that the question does not say itself.
    answer_kind_weight: float = 0.3
    # The best sentence's BM25 relative to the best candidate's. Measured on the SQuAD set, odd half
    # (tuning) / even half (check): hit@1 .776/.748 -> .821/.770 at 0.75, MRR .846/.822 -> .872/.840,
    # hit@3 unchanged (.918/.889); 0.5 and 1.0 measured alike, 0.1 gained half as much.
    sentence_weight: float = 0.75
    # Score a piece of a split paragraph by the text of its whole paragraph, so that a piece never wins
    # on its shorter length alone. Off by default: on the SQuAD set (14 of 55 paragraphs split) it cost
    # hit@1 (.766 -> .751), since the splitter already cuts even pieces.
    whole_paragraphs: bool = False
    # The cosine similarity of question and passage (semantic.py's static embedding, the `semantic` extra);
    # 0: off, the model never loaded. Measured on the SQuAD set, odd half (tuning) / even half (check):
    # 0.5: hit@1 .821/.770 -> .821/.778, hit@3 .918/.889 -> .925/.904, MRR .872/.838 -> .875/.844 (0.3
    # gained less, 0.75 and 1.0 gained hit@3 on the even half but lost hit@1 on the odd). Off by default:
    # the default install must answer as it always did, and the gain is a handful of questions.
    semantic_weight: float = 0.0
    # A question word's synonym in a passage that lacks the word counts this share of the synonym's BM25
    # weight (with_synonyms); 0: off. Measured on the SQuAD set, odd half (tuning) / even half (check):
    # 0.3: hit@3 .918/.889 -> .933/.926, MRR .872/.838 -> .874/.852, hit@1 .821/.770 -> .813/.778 (derived
    # words included, synonyms.py); 0.2 gained half as much; 0.5 cost a seeds dev question its first place.
    synonym_weight: float = 0.3
    # The question words an article's title holds count as said in each sentence of its passages (the
    # features above, not the text's BM25). Measured on the SQuAD set, odd half (tuning) / even half
    # (check): hit@1 .813/.785 -> .813/.844, hit@3 .933/.918 -> .933/.933, the top quote .754/.733 ->
    # .761/.785. Also crediting the text's BM25 with the words' idf lost hit@1 (at 1: .806/.844), and
    # searching the article again without them for more candidates found none the first stage had not.
    title_context: bool = True


@dataclass(frozen=True)
class Scored:
    doc: int
    score: float
    coverage: float  # share of the question's weight the passage's own text holds


@dataclass(frozen=True)
class Evidence:
    """What one passage's own text says about the question (the second stage's features)."""

    coverage: float  # share of the question's weight the text holds
    window: float  # the best share held by WINDOW_SENTENCES adjacent sentences
    kind: bool  # whether that window holds a word of the kind the question asks for
    present: frozenset[str]  # the question terms the text holds
    sentences: tuple[tuple[int, Counter], ...]  # each sentence's (length in terms, counts of question terms)


def text_evidence(
    text: str, analyzer: Analyzer, terms: QuestionTerms, context: frozenset[str] = frozenset()
) -> Evidence:
    """The second stage's view of one passage text; `context`: question terms its article's title holds,
    counted as said in each sentence that lacks them (not in `present`, which is the text's own)."""
    weights = terms.idf
    total = sum(weights.values())
    every = [(t, s) for t, s, _ in analyzer.words(text)]
    words = [(t, s) for t, s in every if t in weights]
    present = frozenset(t for t, _ in words)
    spans = sentence_spans(text) or [(0, len(text))]
    everywhere = sorted(context - present)  # (sorted: the same sums on every run)

    def held(lo: int, hi: int) -> list[str]:
        return [t for t, s in words if lo <= s < hi] + everywhere

    sentences = tuple((sum(1 for _, s in every if lo <= s < hi), Counter(held(lo, hi))) for lo, hi in spans)
    if not total:
        return Evidence(0.0, 0.0, False, present, sentences)
    coverage = sum(weights[t] for t in dict.fromkeys(held(0, len(text)))) / total
    best, best_span = 0.0, (0, len(text))
    for i in range(len(spans)):
        lo, hi = spans[i][0], spans[min(i + WINDOW_SENTENCES, len(spans)) - 1][1]
        share = sum(weights[t] for t in dict.fromkeys(held(lo, hi))) / total
        if share > best:
            best, best_span = share, (lo, hi)
        if i + WINDOW_SENTENCES >= len(spans):
            break
    kind = holds_answer_kind(text[best_span[0] : best_span[1]], terms.expects, terms.question_words)
    return Evidence(coverage, best, kind, present, sentences)


def best_sentence_scores(evidence: Sequence[Evidence], terms: QuestionTerms) -> list[float]:
    """Each passage's best sentence_score, sentence lengths taken relative to all these passages' mean."""
    lengths = [length for e in evidence for length, _ in e.sentences]
    mean_length = sum(lengths) / len(lengths) if lengths else 1.0
    return [
        max((sentence_score(length, counts, terms, mean_length) for length, counts in e.sentences), default=0.0)
        for e in evidence
    ]


def rerank(
    ranked: Sequence[tuple[int, float]],
    passages: Sequence[Passage],
    analyzer_of: Callable[[Passage], Analyzer],
    terms: QuestionTerms,
    index,
    options: RerankOptions,
    question: str,
    context_of: Callable[[Passage], frozenset[str]] | None = None,
    joined: Sequence[tuple[int, float]] = (),
) -> list[Scored]:
    """The first stage's (doc, score) list, best first, re-ordered over its first `options.depth`
    and the `joined` passages (doc, first-stage score), whatever their rank.
    `question`: its text, which the semantic similarity embeds (only with options.semantic_weight);
    `context_of`: a passage's title context (title_context), if any."""
    head, tail = list(ranked[: options.depth]), ranked[options.depth :]
    if joined:
        ranked_score = dict(tail)  # a joined passage the first stage ranked keeps that score (synonyms' credit)
        extra = {doc for doc, _ in joined} - {doc for doc, _ in head}
        head += [(doc, ranked_score.get(doc, score)) for doc, score in joined if doc in extra]
        tail = [(doc, score) for doc, score in tail if doc not in extra]
    posting_weight = posting_weight_of(index)
    rows = []
    for doc, score in head:
        passage = passages[doc]
        analyzer = analyzer_of(passage)
        evidence = text_evidence(passage.text, analyzer, terms, context_of(passage) if context_of else frozenset())
        pieces = _paragraph_pieces(passages, doc) if options.whole_paragraphs else [doc]
        if len(pieces) > 1:
            text_score = _whole_paragraph_score(pieces, doc, passages, analyzer, terms, index, posting_weight)
        else:  # BM25 less what the sources alone brought (query tokens the text lacks, at their weight)
            missing = (t for t in terms.terms if t not in evidence.present and t in terms.matched)
            text_score = score - sum(posting_weight(t, doc) for t in missing)
        rows.append((doc, text_score, evidence))
    sentences = best_sentence_scores([e for _, _, e in rows], terms) if options.sentence_weight else [0.0] * len(rows)
    best_text = max((r[1] for r in rows), default=0.0) or 1.0
    best_sentence = max(sentences, default=0.0) or 1.0
    o = options
    similar = _similarities(question, [passages[doc].text for doc, _, _ in rows]) if o.semantic_weight else None
    scored = [
        Scored(
            doc,
            text / best_text
            + o.coverage_weight * e.coverage
            + o.proximity_weight * e.window
            + o.answer_kind_weight * e.kind
            + o.sentence_weight * sentence / best_sentence
            + (o.semantic_weight * float(similar[i]) if similar is not None else 0.0),
            e.coverage,
        )
        for i, ((doc, text, e), sentence) in enumerate(zip(rows, sentences, strict=True))
    ]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))  # stable: ties keep BM25's order
    return [scored[i] for i in order] + [Scored(doc, score, float("nan")) for doc, score in tail]


def with_synonyms(
    ranked: Sequence[tuple[int, float]],
    terms: QuestionTerms,
    index,
    weight: float,
    depth: int,
    candidates=None,
) -> list[tuple[int, float]]:
    """The first stage's (doc, score) list, best first, with each passage that lacks a question term
    credited `weight` times the BM25 weight of the term's best synonym it holds (English terms,
    synonyms.py), and the `depth` best passages by the synonyms alone added (within `candidates`, the
    first stage's own restriction); re-sorted, ties by passage order."""
    asked = set(terms.terms)
    alternatives = {
        term: known
        for term in dict.fromkeys(terms.terms)
        if (known := [s for s in synonyms.synonyms(term) if s not in asked and index.idf(s) is not None])
    }
    if not alternatives:
        return list(ranked)
    posting_weight = posting_weight_of(index)
    scores = dict(ranked)
    extra = sorted({s for found in alternatives.values() for s in found})
    for doc, _ in index.top_k(extra, depth, candidates=candidates):
        if doc not in scores:
            scores[doc] = sum(posting_weight(t, doc) for t in terms.terms)
    for doc in scores:
        for term, found in alternatives.items():
            if not posting_weight(term, doc):
                scores[doc] += weight * max(posting_weight(s, doc) for s in found)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _similarities(question: str, texts: Sequence[str]):
    """The semantic model's cosine of the question to each text (the model loaded with the engine)."""
    return semantic.model().similarities(question, texts)


def _paragraph_pieces(passages: Sequence[Passage], doc: int) -> list[int]:
    """The positions of every piece of doc's paragraph (one, unless the paragraph was split)."""
    passage = passages[doc]

    def same(i: int) -> bool:
        return 0 <= i < len(passages) and passages[i].article_id == passage.article_id and (
            passages[i].paragraph == passage.paragraph
        )

    lo, hi = doc, doc
    while same(lo - 1):
        lo -= 1
    while same(hi + 1):
        hi += 1
    return list(range(lo, hi + 1))


def _whole_paragraph_score(pieces, doc, passages, analyzer, terms, index, posting_weight) -> float:
    """BM25 of the text of doc's whole paragraph, so that a split paragraph competes as one: a short
    piece must not win on its length alone. The length normalisation comes from doc's own postings
    (norm = idf·tf·(k1+1)/weight − tf), scaled by the paragraph's length over the piece's."""
    from bot.core.index import K1, B

    counts = [Counter(analyzer.tokens(passages[i].text)) for i in pieces]
    own = counts[pieces.index(doc)]
    norm = None
    for t in terms.terms:
        weight, idf = posting_weight(t, doc), index.idf(t)
        if own.get(t) and weight > 0 and idf:
            norm = idf * own[t] * (K1 + 1) / weight - own[t]
            break
    if norm is None:
        return 0.0
    relative_length = (
        (norm / K1 - (1 - B)) / B * sum(map(sum, (c.values() for c in counts))) / max(1, sum(own.values()))
    )
    paragraph_norm = K1 * (1 - B + B * relative_length)
    tf = sum(counts, Counter())
    total = 0.0
    for t in terms.terms:
        if tf.get(t) and (idf := index.idf(t)):
            total += idf * tf[t] * (K1 + 1) / (tf[t] + paragraph_norm)
    return total


def posting_weight_of(index) -> Callable[[str, int], float]:
    """posting_weight(term, doc): the term's BM25 weight in that document (0 if absent), for either index."""
    own = getattr(index, "posting_weight", None)
    if own is not None:  # an index that knows how (ours, the union of libraries)
        return own
    bm25 = getattr(index, "bm25", None)
    if bm25 is not None:  # rank-bm25's own formula and statistics

        def reference_weight(term: str, doc: int) -> float:
            tf = bm25.doc_freqs[doc].get(term, 0)
            norm = bm25.k1 * (1 - bm25.b + bm25.b * bm25.doc_len[doc] / bm25.avgdl)
            return float(bm25.idf.get(term, 0.0) * (tf * (bm25.k1 + 1) / (tf + norm))) if tf else 0.0

        return reference_weight
    raise TypeError(f"{type(index).__name__} has no posting_weight")
