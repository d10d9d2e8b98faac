"""The second stage: re-orders BM25's best passages by what their own text says about the question.

The first stage (exact BM25Okapi, sources included) finds candidates; this stage scores each of the
top `depth` by three things the first stage cannot see:
- the BM25 weight of the question words the passage's *own text* holds (a cited book titled "The
  Marshall Plan" finds a passage, but must not outweigh a passage that quotes the person asked about);
- coverage: the share of the question's weight (idf, unknown words included) its text holds;
- proximity: the best share held by a window of two adjacent sentences.
Its score is text BM25 relative to the best candidate's, plus the weighted shares. Deterministic:
ties keep the first stage's order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.analysis import Analyzer
from bot.core.answer import QuestionTerms
from bot.core.models import Passage
from bot.core.sentences import sentence_spans

WINDOW_SENTENCES = 2


@dataclass(frozen=True)
class RerankOptions:
    depth: int = 30  # first-stage passages re-ordered; 0 turns the second stage off
    coverage_weight: float = 1.0
    proximity_weight: float = 0.5


@dataclass(frozen=True)
class Scored:
    doc: int
    score: float
    coverage: float  # share of the question's weight the passage's own text holds


def text_coverage(text: str, analyzer: Analyzer, terms: QuestionTerms) -> tuple[float, float, frozenset[str]]:
    """(coverage, best two-sentence-window coverage, the question terms present) for one passage text."""
    weights, total = terms.weights, terms.total_weight
    words = [(t, s) for t, s, _ in analyzer.words(text) if t in weights]
    present = frozenset(t for t, _ in words)
    if not total:
        return 0.0, 0.0, present
    coverage = sum(weights[t] for t in dict.fromkeys(t for t, _ in words)) / total
    spans = sentence_spans(text) or [(0, len(text))]
    best = 0.0
    for i in range(len(spans)):
        lo, hi = spans[i][0], spans[min(i + WINDOW_SENTENCES, len(spans)) - 1][1]
        inside = dict.fromkeys(t for t, s in words if lo <= s < hi)
        best = max(best, sum(weights[t] for t in inside) / total)
        if i + WINDOW_SENTENCES >= len(spans):
            break
    return coverage, best, present


def rerank(
    ranked: Sequence[tuple[int, float]],
    passages: Sequence[Passage],
    analyzer_of: Callable[[Passage], Analyzer],
    terms: QuestionTerms,
    posting_weight: Callable[[str, int], float],
    options: RerankOptions,
) -> list[Scored]:
    """The first stage's (doc, score) list, best first, re-ordered over its first `options.depth`."""
    head, tail = ranked[: options.depth], ranked[options.depth :]
    rows = []
    for doc, score in head:
        passage = passages[doc]
        coverage, window, present = text_coverage(passage.text, analyzer_of(passage), terms)
        # What the sources alone brought: each query token the text lacks, at its posting's weight.
        cited_only = sum(posting_weight(t, doc) for t in terms.terms if t not in present and t in terms.matched)
        rows.append((doc, score - cited_only, coverage, window))
    best_text = max((r[1] for r in rows), default=0.0) or 1.0
    scored = [
        Scored(doc, text / best_text + options.coverage_weight * cov + options.proximity_weight * win, cov)
        for doc, text, cov, win in rows
    ]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))  # stable: ties keep BM25's order
    return [scored[i] for i in order] + [Scored(doc, score, float("nan")) for doc, score in tail]


def posting_weight_of(index) -> Callable[[str, int], float]:
    """posting_weight(term, doc): the term's BM25 weight in that document (0 if absent), for either index."""
    bm25 = getattr(index, "bm25", None)
    if bm25 is not None:  # rank-bm25's own formula and statistics

        def reference_weight(term: str, doc: int) -> float:
            tf = bm25.doc_freqs[doc].get(term, 0)
            norm = bm25.k1 * (1 - bm25.b + bm25.b * bm25.doc_len[doc] / bm25.avgdl)
            return float(bm25.idf.get(term, 0.0) * (tf * (bm25.k1 + 1) / (tf + norm))) if tf else 0.0

        return reference_weight

    def weight(term: str, doc: int) -> float:
        t = index.vocabulary.get(term)
        if t is None:
            return 0.0
        lo, hi = int(index.offsets[t]), int(index.offsets[t + 1])
        docs = index.doc_ids[lo:hi]
        i = int(np.searchsorted(docs, doc))
        return float(index.weights[lo + i]) if i < docs.size and docs[i] == doc else 0.0

    return weight
