"""Exact BM25 over several libraries searched as one, without rebuilding any of them.

A server searching its own library beside the shared one must rank as if the two were one
corpus: rank_bm25.BM25Okapi over the shared passages followed by the server's. Each library keeps
its raw statistics (document frequencies, term frequencies, passage lengths); a UnionScorer
combines them: idf over the union (N and document frequencies added, the negative-idf floor
from the union's average idf, summed in the union's first-occurrence order), passage lengths
against the union's average, the same float operations in the same order as rank-bm25. Building
it costs nothing in proportion to the shared library: a term's idf is worked out when a question
first uses it, and the floor (which needs every term's idf) only when some term's idf is negative.
A question costs work in proportion to its terms' postings in each library.

A library's statistics are a `Statistics`: `Postings` (arrays built from each passage's terms, for
a server's small library) or `IndexStatistics` (a saved BM25Index read in place: its memory-mapped
postings decoded per question term, nothing made for the whole vocabulary).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from bot.core.index import EPSILON, K1, B, BM25Index


class Statistics(Protocol):
    """One library's raw BM25 statistics, in the order its documents come."""

    vocabulary: Mapping[str, int]  # term -> id, in order of first occurrence
    n_documents: int
    total_length: float  # terms in all documents together

    def doc_freq(self, t: int) -> int:
        """The number of documents holding term t."""

    def doc_freqs(self) -> np.ndarray:
        """Every term's document frequency (int64, by term id): only for the idf floor."""

    def postings(self, t: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Term t's postings in documents [lo, hi): document ids ascending (int64), term frequencies (float64)."""

    def lengths_of(self, docs: np.ndarray) -> np.ndarray:
        """Those documents' numbers of terms (float64)."""


@dataclass(frozen=True)
class Postings:
    """Statistics as arrays, built from each document's terms (a server's own library)."""

    vocabulary: dict[str, int]  # term -> id, in order of first occurrence
    dfs: np.ndarray  # int64 document frequency per term id
    offsets: np.ndarray  # int64: postings of term t are [offsets[t], offsets[t+1])
    doc_ids: np.ndarray  # int32, ascending within a term
    tf: np.ndarray  # float64 term frequency of each posting
    lengths: np.ndarray  # float64 number of terms of each document

    @property
    def n_documents(self) -> int:
        return len(self.lengths)

    @cached_property
    def total_length(self) -> float:
        return float(self.lengths.sum())

    def doc_freq(self, t: int) -> int:
        return int(self.dfs[t])

    def doc_freqs(self) -> np.ndarray:
        return self.dfs

    def postings(self, t: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        p0, p1 = int(self.offsets[t]), int(self.offsets[t + 1])
        docs = self.doc_ids[p0:p1]
        a, b = np.searchsorted(docs, [lo, self.n_documents if hi is None else hi])
        return docs[a:b].astype(np.int64), self.tf[p0 + a : p0 + b]

    def lengths_of(self, docs: np.ndarray) -> np.ndarray:
        return self.lengths[docs]

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> Postings:
        """From each document's terms."""
        ids: dict[str, int] = {}
        encoded = [[ids.setdefault(term, len(ids)) for term in document] for document in documents]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        term_ids = np.fromiter(itertools.chain.from_iterable(encoded), np.int64, count=int(lengths.sum()))
        return cls.from_flat(term_ids, lengths, ids)

    @classmethod
    def from_flat(cls, term_ids: np.ndarray, lengths: np.ndarray, vocabulary: dict[str, int]) -> Postings:
        """From every document's term ids end to end (ids numbering `vocabulary` in order of first
        occurrence), `lengths` saying how many are each document's."""
        n, n_terms = len(lengths), len(vocabulary)
        lengths = np.asarray(lengths, dtype=np.int64)
        keys = np.asarray(term_ids, dtype=np.int64) * max(n, 1) + np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys.sort()
        terms_docs, tf = np.unique(keys, return_counts=True)
        terms, docs = np.divmod(terms_docs, max(n, 1))
        doc_freq = np.bincount(terms, minlength=n_terms).astype(np.int64)
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(doc_freq, out=offsets[1:])
        return cls(vocabulary, doc_freq, offsets, docs.astype(np.int32), tf.astype(np.float64),
                   lengths.astype(np.float64))  # fmt: skip


class IndexStatistics:
    """A saved BM25Index's statistics read in place (the shared library beside a server's): its
    memory-mapped postings are decoded per question term; nothing is copied at load. The decoded
    postings of the terms questions use most are kept (at most MAX_CACHED_POSTINGS postings in all,
    16 bytes each, least recently used let go): one cache for every server searching beside it."""

    MAX_CACHED_POSTINGS = 2_000_000

    def __init__(self, index: BM25Index):
        self.index = index
        self.vocabulary = index.vocabulary
        self.n_documents = index.n_documents
        self.total_length = float(index.total_length)
        self._decoded: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0  # postings held in _decoded
        self._lock = threading.Lock()  # questions of several servers are answered in threads

    def doc_freq(self, t: int) -> int:
        return self.index.doc_freq(t)

    def doc_freqs(self) -> np.ndarray:
        return self.index.doc_freqs()

    def postings(self, t: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        hi = self.n_documents if hi is None else hi
        with self._lock:
            found = self._decoded.get(t)
            if found is not None:
                self._decoded.move_to_end(t)
        if found is None:
            if hi - lo < self.n_documents:  # a range (one article): decode only its blocks
                docs, tf = self.index.postings_of(t, lo, hi)
                return docs, tf.astype(np.float64)
            found = self._keep(t)
        docs, tf = found
        a, b = np.searchsorted(docs, [lo, hi]) if (lo, hi) != (0, self.n_documents) else (0, docs.size)
        return docs[a:b], tf[a:b]

    def _keep(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        docs, tf = self.index.postings_of(t)
        found = (docs, tf.astype(np.float64))
        for array in found:
            array.flags.writeable = False  # shared by every question that reads them
        if docs.size <= self.MAX_CACHED_POSTINGS // 4:
            with self._lock:
                if t not in self._decoded:
                    self._decoded[t] = found
                    self._cached += docs.size
                while self._cached > self.MAX_CACHED_POSTINGS:
                    self._cached -= self._decoded.popitem(last=False)[1][0].size
        return found

    def lengths_of(self, docs: np.ndarray) -> np.ndarray:
        return self.index.doc_lengths[docs].astype(np.float64)


class UnionScorer:
    """rank-bm25's scores over the concatenation of `parts` (in this order)."""

    MAX_CACHED_IDF = 100_000  # idf values kept per union (terms questions have used)

    def __init__(self, parts: Sequence[Statistics]):
        self.parts = tuple(parts)
        self.starts = np.cumsum([0, *(p.n_documents for p in self.parts)])  # global id of each part's doc 0
        self.n_documents = int(self.starts[-1])
        total_length = sum(p.total_length for p in self.parts)
        self.avgdl = total_length / self.n_documents if self.n_documents else 0.0
        self._idf: dict[str, float | None] = {}
        self._floor: float | None = None

    def idf(self, term: str) -> float | None:
        """The term's idf over the union, negative values floored as rank-bm25 floors them; None if no
        library has the term."""
        if term in self._idf:
            return self._idf[term]
        df = 0
        for part in self.parts:
            t = part.vocabulary.get(term)
            if t is not None:
                df += part.doc_freq(t)
        value = None
        if df:
            n = self.n_documents
            value = math.log(n - df + 0.5) - math.log(df + 0.5)
            if value < 0:
                value = self.floor
        if len(self._idf) >= self.MAX_CACHED_IDF:
            self._idf.clear()
        self._idf[term] = value
        return value

    @property
    def floor(self) -> float:
        """What a negative idf becomes: epsilon times the average idf over the union's vocabulary."""
        if self._floor is None:
            self._floor = EPSILON * self._average_idf()
        return self._floor

    def _average_idf(self) -> float:
        """rank-bm25's average_idf: every union term's idf before flooring, in the concatenated corpus's
        first-occurrence order, added one float at a time (np.add.accumulate is sequential). Loops in
        Python only over the vocabularies after the first (a server's own, small)."""
        dfs = [np.array(p.doc_freqs(), dtype=np.int64) for p in self.parts]
        first = [np.ones(len(p.vocabulary), dtype=bool) for p in self.parts]  # the term occurs here first
        for j, part in enumerate(self.parts[1:], 1):
            for term, t in part.vocabulary.items():
                for i in range(j):
                    s = self.parts[i].vocabulary.get(term)
                    if s is not None:
                        dfs[i][s] += dfs[j][t]
                        first[j][t] = False
                        break
        union_df = np.concatenate([df[keep] for df, keep in zip(dfs, first, strict=True)])
        if not union_df.size:
            return 0.0
        n = self.n_documents
        present = np.zeros(int(union_df.max()) + 1, dtype=bool)  # idf once per distinct df, with math.log
        present[union_df] = True
        table = np.zeros(present.size)
        values = np.flatnonzero(present)
        table[values] = [math.log(n - df + 0.5) - math.log(df + 0.5) for df in values.tolist()]
        return float(np.add.accumulate(table[union_df])[-1]) / union_df.size

    def top_k(self, query: Sequence[str], k: int, candidates: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best documents holding a query term: (global doc id, score), best first, ties by doc order.
        `candidates`: the only documents that may be returned; only the postings between the first and
        the last of them are read (one article's passages cost only theirs)."""
        lo, hi = 0, self.n_documents
        if candidates is not None:
            candidates = candidates[(candidates >= 0) & (candidates < self.n_documents)]
            lo, hi = (int(candidates.min()), int(candidates.max()) + 1) if candidates.size else (0, 0)
        ids, weights = [], []
        for term in query:  # query order, repeats kept: the same additions as rank-bm25
            idf = self.idf(term)
            if idf is None:
                continue
            for start, part in zip(self.starts.tolist(), self.parts, strict=False):
                t = part.vocabulary.get(term)
                a, b = max(lo - start, 0), min(hi - start, part.n_documents)
                if t is None or a >= b:
                    continue
                docs, tf = part.postings(t, a, b)
                norm = K1 * (1 - B + B * part.lengths_of(docs) / self.avgdl)
                ids.append(docs + (start - lo))
                weights.append(idf * (tf * (K1 + 1) / (tf + norm)))
        if not ids or k <= 0:
            return []
        docs = np.concatenate(ids)  # ids from lo
        # bincount adds each document's weights in input order (terms in query order), from 0 as rank-bm25 does
        scores = np.bincount(docs, weights=np.concatenate(weights), minlength=hi - lo)
        touched = np.zeros(hi - lo, dtype=bool)
        touched[docs] = True
        if candidates is not None:
            allowed = np.zeros(hi - lo, dtype=bool)
            allowed[candidates - lo] = True
            touched &= allowed
        found_docs = np.flatnonzero(touched)
        found = scores[found_docs]
        if len(found_docs) > k:  # only those scoring at least the k-th best are sorted (ties kept)
            keep = found >= -np.partition(-found, k - 1)[k - 1]
            found_docs, found = found_docs[keep], found[keep]
        order = np.lexsort((found_docs, -found))[:k]
        return [(int(found_docs[i]) + lo, float(found[i])) for i in order]

    def posting_weight(self, term: str, doc: int) -> float:
        """The term's BM25 weight in that document over the union (0 if absent)."""
        idf = self.idf(term)
        part_index, local = self.locate(doc)
        part = self.parts[part_index]
        t = part.vocabulary.get(term)
        if idf is None or t is None:
            return 0.0
        docs, tf = part.postings(t, local, local + 1)
        if not docs.size:
            return 0.0
        norm = K1 * (1 - B + B * part.lengths_of(docs) / self.avgdl)
        return float((idf * (tf * (K1 + 1) / (tf + norm)))[0])

    def locate(self, doc: int) -> tuple[int, int]:
        """A global doc id → (part index, doc id within that part)."""
        part = int(np.searchsorted(self.starts, doc, side="right")) - 1
        return part, doc - int(self.starts[part])


class UnionIndex:
    """A UnionScorer behind the index interface the Engine uses (idf, n_documents, top_k)."""

    def __init__(self, parts: Sequence[Statistics]):
        self.scorer = UnionScorer(parts)
        self.n_documents = self.scorer.n_documents

    def __contains__(self, term: str) -> bool:
        return self.scorer.idf(term) is not None

    def posting_weight(self, term: str, doc: int) -> float:
        return self.scorer.posting_weight(term, doc)

    def idf(self, term: str) -> float | None:
        return self.scorer.idf(term)

    def top_k(self, query: Sequence[str], k: int, candidates: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.scorer.top_k(query, k, candidates)
