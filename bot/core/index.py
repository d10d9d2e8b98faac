"""Exact BM25Okapi (rank-bm25 0.2.2: k1 1.5, b 0.75, epsilon 0.25) over an inverted index in numpy.

Each posting stores its finished weight idf·tf·(k1+1)/(tf + k1·(1−b+b·|D|/avgdl)), computed with
the same float operations in the same order as rank-bm25, and a question adds the weights of its
terms' postings in question order: the scores are bit-identical to the reference, and a question
costs work in proportion to its terms' postings, not to the number of passages.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

try:
    from bot.core import _bm25  # the C top-k (setup.py builds it when a compiler is there)
except ImportError:
    _bm25 = None

K1, B, EPSILON = 1.5, 0.75, 0.25
FORMAT_VERSION = 1
BUILD_SLICE_TOKENS = 1 << 22  # tokens sorted at a time while building
ARRAYS = ("idf_values", "offsets", "doc_ids", "weights")  # saved as <name>.npy


class BM25Index:
    def __init__(
        self,
        vocabulary: dict[str, int],
        idf_values: np.ndarray,
        offsets: np.ndarray,
        doc_ids: np.ndarray,
        weights: np.ndarray,
        n_documents: int,
    ):
        self.vocabulary = vocabulary  # term -> term id, in order of first occurrence
        self.idf_values = idf_values  # float64 per term id, negative idf already floored
        self.offsets = offsets  # int64, postings of term t are [offsets[t], offsets[t+1])
        self.doc_ids = doc_ids  # int32 document ids, ascending within a term
        self.weights = weights  # float64 finished BM25 weight of each posting
        self.n_documents = n_documents

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> BM25Index:
        """From each document's terms (as rank-bm25 takes them)."""
        ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)  # ids in order of first occurrence
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        tokens = itertools.chain.from_iterable(documents)
        term_ids = np.fromiter(map(ids.__getitem__, tokens), np.int32, count=int(lengths.sum()))
        return cls.from_flat(term_ids, lengths, dict(ids))

    @classmethod
    def from_term_ids(cls, documents: Sequence[Sequence[int]], vocabulary: dict[str, int]) -> BM25Index:
        """From each document's term ids; ids number the vocabulary in order of first occurrence."""
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        term_ids = np.fromiter(itertools.chain.from_iterable(documents), np.int32, count=int(lengths.sum()))
        return cls.from_flat(term_ids, lengths, vocabulary)

    @classmethod
    def from_flat(cls, term_ids: np.ndarray, lengths: np.ndarray, vocabulary: dict[str, int]) -> BM25Index:
        """From every document's term ids end to end, `lengths` saying how many are each document's.

        Built a slice of documents at a time, so that memory peaks at about 1.5x the finished index
        (plus term_ids) instead of holding a sort key per token for the whole corpus.
        """
        n, n_terms, total = len(lengths), len(vocabulary), int(term_ids.size)
        if n == 0 or n_terms == 0:
            empty = np.zeros(0)
            return cls(vocabulary, empty, np.zeros(n_terms + 1, np.int64), np.zeros(0, np.int32), empty, n)
        lengths = np.asarray(lengths, dtype=np.int64)
        ends = np.cumsum(lengths)
        cuts = np.searchsorted(ends, np.arange(BUILD_SLICE_TOKENS, total, BUILD_SLICE_TOKENS), side="right")
        bounds = np.unique(np.concatenate(([0], cuts, [n]))).tolist()

        # Pass 1: each slice's (term, doc) pairs sorted by term then doc; runs of equal keys are term frequencies.
        slices, doc_freq = [], np.zeros(n_terms, np.int64)
        for first, stop in itertools.pairwise(bounds):
            docs, tf, counts = _slice_postings(term_ids, ends, lengths, first, stop, n_terms)
            doc_freq += counts
            slices.append((docs, tf, counts))
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(doc_freq, out=offsets[1:])

        # Pass 2: the slices' postings into place, docs ascending within each term; tf held in weights.
        doc_ids = np.empty(int(offsets[-1]), dtype=np.int32)
        weights = np.empty(int(offsets[-1]), dtype=np.float64)
        filled = offsets[:-1].copy()
        slices.reverse()
        while slices:
            docs, tf, counts = slices.pop()  # freed as soon as placed
            before = np.cumsum(counts) - counts  # where each term's run starts within the slice
            dest = np.repeat(filled - before, counts) + np.arange(docs.size)
            doc_ids[dest] = docs
            weights[dest] = tf
            filled += counts
            del docs, tf, dest

        # Pass 3: weights in place. Same operations, same order as rank_bm25.BM25Okapi.get_scores.
        idf_values = _idf(doc_freq.tolist(), n)
        avgdl = total / n
        norm = K1 * (1 - B + B * lengths.astype(np.float64) / avgdl)
        for lo in range(0, weights.size, BUILD_SLICE_TOKENS):
            hi = min(lo + BUILD_SLICE_TOKENS, weights.size)
            posting_terms = np.searchsorted(offsets, np.arange(lo, hi), side="right") - 1
            tf = weights[lo:hi]
            ratio = tf * (K1 + 1)
            ratio /= tf + norm[doc_ids[lo:hi]]
            part = idf_values[posting_terms]
            part *= ratio
            weights[lo:hi] = part
        return cls(vocabulary, idf_values, offsets, doc_ids, weights, n)

    # ------------------------------------------------------------ scoring

    def __contains__(self, term: str) -> bool:
        return term in self.vocabulary

    def idf(self, term: str) -> float | None:
        """The term's idf as BM25 uses it, or None when no passage has it."""
        t = self.vocabulary.get(term)
        return None if t is None else float(self.idf_values[t])

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """The score of every document, exactly as rank-bm25's get_scores."""
        scores = np.zeros(self.n_documents)
        for term in query:
            t = self.vocabulary.get(term)
            if t is not None:
                lo, hi = self.offsets[t], self.offsets[t + 1]
                scores[self.doc_ids[lo:hi]] += self.weights[lo:hi]
        return scores

    def top_k(self, query: Sequence[str], k: int, candidates: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best documents that contain a query term: (doc, score), best first, ties by doc order.

        `candidates`: the only documents that may be returned (a contiguous range, such as one
        article's passages, costs only the postings inside it). Work in proportion to the query
        terms' postings, never to the number of documents.
        """
        terms = [t for t in map(self.vocabulary.get, query) if t is not None]
        if not terms or k <= 0 or self.n_documents == 0:
            return []
        span = _as_range(candidates, self.n_documents)
        if span is None:  # an arbitrary set of documents
            return self._top_k_numpy(terms, k, candidates)
        if _bm25 is None:
            return self._top_k_numpy(terms, k, None if span == (0, self.n_documents) else np.arange(*span))
        terms_array = np.array(terms, np.int64)
        return _bm25.top_k(self.doc_ids, self.weights, self.offsets, terms_array, k, *span)

    def _top_k_numpy(self, terms: list[int], k: int, candidates: np.ndarray | None) -> list[tuple[int, float]]:
        """top_k without the C extension (or for an arbitrary candidate set): the same results, slower."""
        scores = np.zeros(self.n_documents)
        hit = np.zeros(self.n_documents, dtype=bool)
        for t in terms:  # query order, repeats kept: the same additions as scores()
            lo, hi = self.offsets[t], self.offsets[t + 1]
            docs = self.doc_ids[lo:hi]
            scores[docs] += self.weights[lo:hi]
            hit[docs] = True
        if candidates is not None:
            allowed = np.zeros(self.n_documents, dtype=bool)
            allowed[candidates[(candidates >= 0) & (candidates < self.n_documents)]] = True
            hit &= allowed
        touched = np.flatnonzero(hit)
        if touched.size == 0:
            return []
        return _best(touched, scores[touched], k)

    # ------------------------------------------------------------ persistence

    def save(self, folder: Path) -> None:
        """Arrays as .npy files (memory-mappable) and the vocabulary as JSON, written then renamed."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            tmp = folder / f"{name}.npy.tmp"
            with tmp.open("wb") as fh:
                np.save(fh, getattr(self, name))
            tmp.replace(folder / f"{name}.npy")
        meta = {"format": FORMAT_VERSION, "n_documents": self.n_documents, "terms": list(self.vocabulary)}
        tmp = folder / "vocabulary.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / "vocabulary.json")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """Memory-maps the arrays: processes on one machine share one copy through the page cache."""
        meta = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: index format {meta.get('format')} is not {FORMAT_VERSION}")
        arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
        vocabulary = {term: i for i, term in enumerate(meta["terms"])}
        return cls(vocabulary, n_documents=int(meta["n_documents"]), **arrays)


class ReferenceIndex:
    """rank_bm25.BM25Okapi behind the same interface (`search.engine: rank-bm25`): slow, for checking."""

    def __init__(self, bm25, documents: Sequence[Sequence[str]]):
        self.bm25 = bm25
        self.n_documents = len(documents)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> ReferenceIndex:
        from rank_bm25 import BM25Okapi

        if not documents or not any(documents):
            return cls(None, documents)
        return cls(BM25Okapi([list(d) for d in documents], k1=K1, b=B, epsilon=EPSILON), documents)

    def __contains__(self, term: str) -> bool:
        return self.bm25 is not None and term in self.bm25.idf

    def idf(self, term: str) -> float | None:
        return float(self.bm25.idf[term]) if term in self else None

    def scores(self, query: Sequence[str]) -> np.ndarray:
        if self.bm25 is None:
            return np.zeros(self.n_documents)
        return self.bm25.get_scores(list(query))

    def top_k(self, query: Sequence[str], k: int, candidates: np.ndarray | None = None) -> list[tuple[int, float]]:
        known = [q for q in query if q in self]
        if not known or k <= 0:
            return []
        freqs = self.bm25.doc_freqs
        touched = np.array([d for d in range(self.n_documents) if any(q in freqs[d] for q in known)], dtype=np.int64)
        if candidates is not None:
            touched = touched[np.isin(touched, candidates)]
        if touched.size == 0:
            return []
        return _best(touched, self.scores(query)[touched], k)


def _slice_postings(
    term_ids: np.ndarray, ends: np.ndarray, lengths: np.ndarray, first: int, stop: int, n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents [first, stop): each (term, doc) pair's doc and term frequency, by term then doc; pairs per term."""
    m = stop - first
    lo, hi = int(ends[first] - lengths[first]), int(ends[stop - 1])
    keys = term_ids[lo:hi].astype(np.int64)
    keys *= m
    keys += np.repeat(np.arange(m, dtype=np.int64), lengths[first:stop])
    keys.sort()
    run_starts = np.empty(keys.size, dtype=bool)
    run_starts[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=run_starts[1:])
    starts = np.flatnonzero(run_starts)
    tf = np.diff(starts, append=keys.size)
    terms, docs = np.divmod(keys[starts], m)
    docs += first
    counts = np.bincount(terms, minlength=n_terms)
    return docs.astype(np.int32), tf.astype(np.uint16 if tf.max(initial=0) < 2**16 else np.int32), counts


def _idf(doc_freq: list[int], n: int) -> np.ndarray:
    """idf per term id, floored like rank-bm25: the average is summed in vocabulary order before flooring."""
    values = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in doc_freq]
    total = 0.0
    for value in values:
        total += value
    floor = EPSILON * (total / len(values))
    return np.array([floor if v < 0 else v for v in values], dtype=np.float64)


def _as_range(candidates: np.ndarray | None, n: int) -> tuple[int, int] | None:
    """[lo, hi) when the candidates are all of one contiguous ascending run of documents, else None."""
    if candidates is None:
        return 0, n
    if candidates.size == 0:
        return 0, 0
    first, last = int(candidates[0]), int(candidates[-1])
    if last - first + 1 != candidates.size or (candidates.size > 1 and not np.all(np.diff(candidates) == 1)):
        return None
    return max(first, 0), min(last + 1, n)


def _best(docs: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (doc, score): best score first, equal scores by doc order, at the cut too."""
    if docs.size > k:
        kth = np.partition(scores, docs.size - k)[docs.size - k]  # the k-th best score
        keep = np.flatnonzero(scores >= kth)  # every doc tied with the k-th competes for its place
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:k]
    return [(int(docs[i]), float(scores[i])) for i in order]
