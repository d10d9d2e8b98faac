"""Exact BM25 over several libraries searched as one, without rebuilding any of them.

A server searching its own library beside the shared one must rank as if the two were one
corpus: rank_bm25.BM25Okapi over the shared passages followed by the server's. Each library keeps
its raw statistics (document frequencies, term frequencies, passage lengths); a UnionScorer
combines them: idf over the union (N and document frequencies added, the negative-idf floor
from the union's average idf, summed in the union's first-occurrence order), passage lengths
against the union's average, the same float operations in the same order as rank-bm25. Building
it costs one pass over the union vocabulary (once per pair of library versions); a question costs
work in proportion to its terms' postings in each library.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.index import EPSILON, K1, B


@dataclass(frozen=True)
class Postings:
    """One library's raw BM25 statistics, in the order its documents come."""

    vocabulary: dict[str, int]  # term -> id, in order of first occurrence
    doc_freq: np.ndarray  # int64 per term id
    offsets: np.ndarray  # int64: postings of term t are [offsets[t], offsets[t+1])
    doc_ids: np.ndarray  # int32, ascending within a term
    tf: np.ndarray  # float64 term frequency of each posting
    lengths: np.ndarray  # float64 number of terms of each document

    @property
    def n_documents(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> Postings:
        ids: dict[str, int] = {}
        encoded = [[ids.setdefault(term, len(ids)) for term in document] for document in documents]
        n, n_terms = len(encoded), len(ids)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        keys = np.fromiter(itertools.chain.from_iterable(encoded), np.int64, count=int(lengths.sum()))
        keys = keys * max(n, 1) + np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys.sort()
        terms_docs, tf = np.unique(keys, return_counts=True)
        terms, docs = np.divmod(terms_docs, max(n, 1))
        doc_freq = np.bincount(terms, minlength=n_terms).astype(np.int64)
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(doc_freq, out=offsets[1:])
        return cls(ids, doc_freq, offsets, docs.astype(np.int32), tf.astype(np.float64), lengths.astype(np.float64))


class UnionScorer:
    """rank-bm25's scores over the concatenation of `parts` (in this order)."""

    def __init__(self, parts: Sequence[Postings]):
        self.parts = tuple(parts)
        self.starts = np.cumsum([0, *(p.n_documents for p in self.parts)])  # global id of each part's doc 0
        self.n_documents = int(self.starts[-1])
        total_length = sum(float(p.lengths.sum()) for p in self.parts)
        self.avgdl = total_length / self.n_documents if self.n_documents else 0.0
        union_df: dict[str, int] = {}
        for part in self.parts:  # first-occurrence order of the concatenated corpus
            for term, t in part.vocabulary.items():
                union_df[term] = union_df.get(term, 0) + int(part.doc_freq[t])
        n = self.n_documents
        idf = {term: math.log(n - df + 0.5) - math.log(df + 0.5) for term, df in union_df.items()}
        total = 0.0
        for value in idf.values():  # summed in vocabulary order, as rank-bm25 does
            total += value
        floor = EPSILON * (total / len(idf)) if idf else 0.0
        self.idf = {term: floor if value < 0 else value for term, value in idf.items()}

    def top_k(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best documents holding a query term: (global doc id, score), best first, ties by doc order."""
        ids, weights = [], []
        for term in query:  # query order, repeats kept: the same additions as rank-bm25
            idf = self.idf.get(term)
            if idf is None:
                continue
            for start, part in zip(self.starts, self.parts, strict=False):
                t = part.vocabulary.get(term)
                if t is None:
                    continue
                lo, hi = part.offsets[t], part.offsets[t + 1]
                docs, tf = part.doc_ids[lo:hi], part.tf[lo:hi]
                norm = K1 * (1 - B + B * part.lengths[docs] / self.avgdl)
                ids.append(docs.astype(np.int64) + start)
                weights.append(idf * (tf * (K1 + 1) / (tf + norm)))
        if not ids or k <= 0:
            return []
        unique, inverse = np.unique(np.concatenate(ids), return_inverse=True)
        scores = np.zeros(len(unique))
        np.add.at(scores, inverse, np.concatenate(weights))  # in order: per document, terms in query order
        order = np.lexsort((unique, -scores))[:k]
        return [(int(unique[i]), float(scores[i])) for i in order]

    def posting_weight(self, term: str, doc: int) -> float:
        """The term's BM25 weight in that document over the union (0 if absent)."""
        idf = self.idf.get(term)
        part_index, local = self.locate(doc)
        part = self.parts[part_index]
        t = part.vocabulary.get(term)
        if idf is None or t is None:
            return 0.0
        lo, hi = int(part.offsets[t]), int(part.offsets[t + 1])
        i = int(np.searchsorted(part.doc_ids[lo:hi], local))
        if i >= hi - lo or part.doc_ids[lo + i] != local:
            return 0.0
        tf = part.tf[lo + i]
        return float(idf * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * part.lengths[local] / self.avgdl))))

    def locate(self, doc: int) -> tuple[int, int]:
        """A global doc id → (part index, doc id within that part)."""
        part = int(np.searchsorted(self.starts, doc, side="right")) - 1
        return part, doc - int(self.starts[part])


class UnionIndex:
    """A UnionScorer behind the index interface the Engine uses (idf, n_documents, top_k)."""

    def __init__(self, parts: Sequence[Postings]):
        self.scorer = UnionScorer(parts)
        self.n_documents = self.scorer.n_documents

    def __contains__(self, term: str) -> bool:
        return term in self.scorer.idf

    def posting_weight(self, term: str, doc: int) -> float:
        return self.scorer.posting_weight(term, doc)

    def idf(self, term: str) -> float | None:
        return self.scorer.idf.get(term)

    def top_k(self, query: Sequence[str], k: int, candidates: np.ndarray | None = None) -> list[tuple[int, float]]:
        if candidates is None:
            return self.scorer.top_k(query, k)
        allowed = set(candidates.tolist())
        ranked = self.scorer.top_k(query, self.n_documents)
        return [(doc, score) for doc, score in ranked if doc in allowed][:k]
