"""Exact BM25Okapi (rank-bm25 0.2.2: k1 1.5, b 0.75, epsilon 0.25) over a compact inverted index.

Postings are kept as each passage's term frequency, not as finished weights: a question weighs
the postings of its terms as it reads them, idf·tf·(k1+1)/(tf + k1·(1−b+b·|D|/avgdl)) with the same
float operations in the same order as rank-bm25, and adds them in question order, so the scores are
bit-identical to the reference; a question costs work in proportion to its terms' postings, not to
the number of passages.

Layout (every array a .npy file, memory-mapped on load and shared by every process through the
page cache; about 2.5 bytes a posting where float64 weights and int32 ids took 12):
  offsets      int64, the postings of term t are [offsets[t], offsets[t+1]) (df = their number)
  term_blocks  int64, term t's postings are blocks [term_blocks[t], term_blocks[t+1]) of BLOCK each
               (the last one shorter)
  block_docs   int32, the first passage id of each block
  block_starts int64, block j's bytes are postings[block_starts[j]:block_starts[j+1]]
  block_kinds  uint8, the width in bytes (1-4) of the block's gaps, + TF_STORED when its term
               frequencies follow them (a block without stores tf 1 for every posting)
  postings     uint8: per block, the gaps between its consecutive passage ids (little-endian, of
               the block's width), then, when stored, one byte of term frequency per posting
  big_tf_at, big_tf   int64: the posting positions whose term frequency is TF_ESCAPE or more
               (stored as TF_ESCAPE), and the true frequencies
  doc_lengths  the number of terms of each passage, in the narrowest unsigned type that holds them
  idf_values   float64 per term, negative idf already floored
and vocabulary.json: the terms in id order, the number of passages and their total length.
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
FORMAT_VERSION = 2
BUILD_SLICE_TOKENS = 1 << 22  # tokens sorted (and postings encoded) at a time while building
BLOCK = 128  # postings a block: a question seeks block by block
TF_ESCAPE = 255  # a stored term frequency of 255 or more is looked up in big_tf
TF_STORED = 8  # block_kinds flag: the block's term frequencies follow its gaps
RATIO_TFS = 16  # term frequencies 0-15 of passages of up to RATIO_LENGTHS terms: tf·(k1+1)/(tf+norm)
RATIO_LENGTHS = 4096  # tabulated once per index for the C path; the rest computed as they come
ARRAYS = ("idf_values", "offsets", "term_blocks", "block_docs", "block_starts", "block_kinds", "postings",
          "big_tf_at", "big_tf", "doc_lengths")  # fmt: skip


class BM25Index:
    def __init__(self, vocabulary: dict[str, int], n_documents: int, total_length: int, **arrays: np.ndarray):
        self.vocabulary = vocabulary  # term -> term id, in order of first occurrence
        self.n_documents = n_documents
        self.total_length = total_length  # terms in all passages together
        self.avgdl = total_length / n_documents if n_documents else 0.0
        for name in ARRAYS:  # the layout in the module docstring
            setattr(self, name, arrays[name])
        self._ratios = _ratio_table(self.doc_lengths, self.avgdl)

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

        Built a slice of documents at a time, so that memory peaks at the (term, doc) pairs of one
        slice plus every posting's passage id and term frequency (6 bytes each), not a sort key per
        token for the whole corpus; the postings are then encoded a slice at a time.
        """
        n, n_terms, total = len(lengths), len(vocabulary), int(term_ids.size)
        lengths = np.asarray(lengths, dtype=np.int64)
        if n == 0 or n_terms == 0:
            doc_ids, tf, offsets = np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(n_terms + 1, np.int64)
            return cls(vocabulary, n, total, idf_values=np.zeros(n_terms), doc_lengths=narrowest(lengths),
                       **_encode(doc_ids, tf, offsets))  # fmt: skip
        if _bm25 is not None and hasattr(_bm25, "build_postings"):  # one pass in C: the very same arrays
            encoded = _encode_in_c(np.ascontiguousarray(term_ids, np.int32), lengths, n_terms)
            return cls(vocabulary, n, total, idf_values=_idf(np.diff(encoded["offsets"]).tolist(), n),
                       doc_lengths=narrowest(lengths), **encoded)  # fmt: skip
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

        # Pass 2: the slices' postings into place, docs ascending within each term.
        doc_ids = np.empty(int(offsets[-1]), dtype=np.int32)
        tf_all = np.empty(int(offsets[-1]), dtype=np.result_type(*(s[1].dtype for s in slices)))
        filled = offsets[:-1].copy()
        slices.reverse()
        while slices:
            docs, tf, counts = slices.pop()  # freed as soon as placed
            before = np.cumsum(counts) - counts  # where each term's run starts within the slice
            dest = np.repeat(filled - before, counts) + np.arange(docs.size)
            doc_ids[dest] = docs
            tf_all[dest] = tf
            filled += counts
            del docs, tf, dest

        # Pass 3: the postings encoded in blocks; idf as rank-bm25 computes it.
        encoded = _encode(doc_ids, tf_all, offsets)
        del doc_ids, tf_all
        return cls(vocabulary, n, total, idf_values=_idf(doc_freq.tolist(), n), doc_lengths=narrowest(lengths),
                   **encoded)  # fmt: skip

    # ------------------------------------------------------------ scoring

    def __contains__(self, term: str) -> bool:
        return term in self.vocabulary

    def idf(self, term: str) -> float | None:
        """The term's idf as BM25 uses it, or None when no passage has it."""
        t = self.vocabulary.get(term)
        return None if t is None else float(self.idf_values[t])

    def doc_freq(self, t: int) -> int:
        """The number of passages holding term t."""
        return int(self.offsets[t + 1] - self.offsets[t])

    def doc_freqs(self) -> np.ndarray:
        """Every term's number of passages (int64, by term id), from the postings' offsets."""
        return np.diff(self.offsets)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """The score of every document, exactly as rank-bm25's get_scores."""
        scores = np.zeros(self.n_documents)
        for term in query:
            t = self.vocabulary.get(term)
            if t is not None:
                docs, weights = self._weighted(t)
                scores[docs] += weights
        return scores

    def posting_weight(self, term: str, doc: int) -> float:
        """The term's BM25 weight in that document (0 if absent)."""
        t = self.vocabulary.get(term)
        if t is None or not 0 <= doc < self.n_documents:
            return 0.0
        if _bm25 is not None:  # the C top-k over the one document: a block seek, not a block decoded
            found = self._top_k_c(np.array([t], np.int64), 1, (doc, doc + 1))
            return found[0][1] if found else 0.0
        docs, weights = self._weighted(t, doc, doc + 1)
        return float(weights[0]) if docs.size else 0.0

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
            return self._top_k_numpy(terms, k, candidates, (0, self.n_documents))
        if _bm25 is None:
            return self._top_k_numpy(terms, k, None, span)
        return self._top_k_c(np.array(terms, np.int64), k, span)

    def _top_k_c(self, terms: np.ndarray, k: int, span: tuple[int, int]) -> list[tuple[int, float]]:
        ratios, _ = self._ratios
        return _bm25.top_k(
            self.offsets, self.term_blocks, self.block_docs, self.block_starts, self.block_kinds, self.postings,
            self.big_tf_at, self.big_tf, self.doc_lengths, self.idf_values, ratios,
            terms, K1, B, self.avgdl, BLOCK, RATIO_TFS, k, *span,
        )  # fmt: skip

    def _top_k_numpy(
        self, terms: list[int], k: int, candidates: np.ndarray | None, span: tuple[int, int]
    ) -> list[tuple[int, float]]:
        """top_k without the C extension (or for an arbitrary candidate set): the same results, slower."""
        lo, hi = span
        if lo >= hi:
            return []
        scores = np.zeros(hi - lo)
        hit = np.zeros(hi - lo, dtype=bool)
        for t in terms:  # query order, repeats kept: the same additions as scores()
            docs, weights = self._weighted(t, lo, hi)
            docs -= lo
            scores[docs] += weights
            hit[docs] = True
        if candidates is not None:
            allowed = np.zeros(hi - lo, dtype=bool)
            allowed[candidates[(candidates >= lo) & (candidates < hi)] - lo] = True
            hit &= allowed
        touched = np.flatnonzero(hit)
        if touched.size == 0:
            return []
        return _best(touched + lo, scores[touched], k)

    def _weighted(self, t: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Term t's postings in documents [lo, hi): their passage ids (int64) and BM25 weights, as
        rank-bm25 computes them: idf · (tf·(k1+1) / (tf + k1·(1 − b + b·|D|/avgdl)))."""
        docs, tf = self.postings_of(t, lo, self.n_documents if hi is None else hi)
        tf = tf.astype(np.float64)
        norm = K1 * (1 - B + B * self.doc_lengths[docs].astype(np.float64) / self.avgdl)
        ratio = tf * (K1 + 1)
        ratio /= tf + norm
        return docs, self.idf_values[t] * ratio

    def postings_of(self, t: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Term t's postings in documents [lo, hi), decoded: passage ids ascending (int64), term frequencies."""
        hi = self.n_documents if hi is None else hi
        b0, b1 = int(self.term_blocks[t]), int(self.term_blocks[t + 1])
        firsts = self.block_docs[b0:b1]
        first = b0 + max(int(np.searchsorted(firsts, lo, side="right")) - 1, 0)  # the block that may hold lo
        stop = b0 + int(np.searchsorted(firsts, hi, side="left"))  # blocks from here start at hi or later
        if first >= stop:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        p0, end = int(self.offsets[t]) + (first - b0) * BLOCK, int(self.offsets[t + 1])
        counts = np.minimum(BLOCK, end - (p0 + BLOCK * np.arange(stop - first)))
        block = np.repeat(np.arange(stop - first), counts)  # each posting's block, from `first`
        j = np.arange(block.size) - block * BLOCK  # each posting's place in its block
        kinds = self.block_kinds[first:stop]
        widths, starts = (kinds & 7).astype(np.int64), self.block_starts[first:stop]
        w = widths[block]
        at = starts[block] + w * (j - 1)  # where each gap begins (for j > 0)
        gaps = np.zeros(block.size, np.int64)
        for byte in range(4):
            take = (j > 0) & (w > byte)
            gaps[take] |= self.postings[at[take] + byte].astype(np.int64) << (8 * byte)
        summed = np.cumsum(gaps)
        docs = self.block_docs[first:stop].astype(np.int64)[block] + summed - summed[block * BLOCK]
        tf = np.ones(block.size, np.int64)
        stored = (kinds & TF_STORED).astype(bool)[block]
        tf[stored] = self.postings[(starts + widths * (counts - 1))[block][stored] + j[stored]]
        escaped = np.flatnonzero(tf == TF_ESCAPE)
        if escaped.size:
            at = np.minimum(np.searchsorted(self.big_tf_at, p0 + escaped), max(len(self.big_tf) - 1, 0))
            tf[escaped] = self.big_tf[at] if len(self.big_tf) else TF_ESCAPE
        inside = (docs >= lo) & (docs < hi)
        return docs[inside], tf[inside]

    # ------------------------------------------------------------ persistence

    def save(self, folder: Path) -> None:
        """Arrays as .npy files (memory-mappable) and the vocabulary as JSON, written then renamed."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            tmp = folder / f"{name}.npy.tmp"
            with tmp.open("wb") as fh:
                np.save(fh, getattr(self, name))
            tmp.replace(folder / f"{name}.npy")
        meta = {"format": FORMAT_VERSION, "n_documents": self.n_documents, "total_length": self.total_length,
                "terms": list(self.vocabulary)}  # fmt: skip
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
        if not _fits(arrays, len(meta["terms"]), int(meta["n_documents"])):
            raise ValueError(f"{folder}: the BM25 arrays do not fit together")
        vocabulary = {term: i for i, term in enumerate(meta["terms"])}
        return cls(vocabulary, int(meta["n_documents"]), int(meta["total_length"]), **arrays)


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


def narrowest(values: np.ndarray | Sequence[int]) -> np.ndarray:
    """Integers in the narrowest type that holds them (unsigned when none is negative): on disk and
    in the page cache a passage's length or a text offset takes 1-4 bytes, not 8."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and int(values.min()) < 0:
        return values
    top = int(values.max(initial=0))
    return values.astype(next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if top <= np.iinfo(t).max))


def _fits(arrays: dict[str, np.ndarray], n_terms: int, n_documents: int) -> bool:
    """Whether saved arrays are one index's (a damaged or half-replaced copy is not): every size, each
    block's bytes and each term's blocks as its postings imply, so that no read can leave an array."""
    a = {name: np.asarray(array) for name, array in arrays.items()}  # plain views: memmap slicing is slow
    dtypes = {"offsets": np.int64, "term_blocks": np.int64, "block_docs": np.int32, "block_starts": np.int64,
              "block_kinds": np.uint8, "postings": np.uint8, "big_tf_at": np.int64, "big_tf": np.int64,
              "idf_values": np.float64}  # fmt: skip
    if any(a[name].dtype != dtype for name, dtype in dtypes.items()) or a["doc_lengths"].itemsize not in (1, 2, 4):
        return False
    n_blocks = len(a["block_docs"])
    sizes = {"idf_values": n_terms, "offsets": n_terms + 1, "term_blocks": n_terms + 1, "block_kinds": n_blocks,
             "block_starts": n_blocks + 1, "doc_lengths": n_documents, "big_tf": len(a["big_tf_at"])}  # fmt: skip
    if any(len(a[name]) != size for name, size in sizes.items()):
        return False
    df, blocks = np.diff(a["offsets"]), np.diff(a["term_blocks"])
    if a["offsets"][0] != 0 or a["term_blocks"][0] != 0 or np.any(df < 0) or np.any(blocks != -(-df // BLOCK)):
        return False
    counts = np.full(n_blocks, BLOCK, np.int64)  # postings a block: BLOCK but in each term's last block
    used = blocks > 0
    counts[a["term_blocks"][1:][used] - 1] = df[used] - BLOCK * (blocks[used] - 1)
    kinds = a["block_kinds"]
    widths = kinds & 7
    expected = widths * (counts - 1) + np.where(kinds & TF_STORED, counts, 0)
    starts = a["block_starts"]
    return bool(
        np.all((widths >= 1) & (widths <= 4) & ((kinds & ~np.uint8(7 | TF_STORED)) == 0))
        and starts[0] == 0
        and np.array_equal(np.diff(starts), expected)
        and starts[-1] == len(a["postings"])
    )


def _ratio_table(doc_lengths: np.ndarray, avgdl: float) -> tuple[np.ndarray, int]:
    """tf·(k1+1)/(tf + k1·(1−b+b·|D|/avgdl)) for tf < RATIO_TFS and |D| < the rows (at most
    RATIO_LENGTHS, fewer when no passage is that long), row-major by |D|; the rows."""
    rows = min(int(doc_lengths.max(initial=0)) + 1, RATIO_LENGTHS) if avgdl else 0
    norm = K1 * (1 - B + B * np.arange(rows, dtype=np.float64) / avgdl) if rows else np.zeros(0)
    tf = np.arange(RATIO_TFS, dtype=np.float64)
    ratio = tf * (K1 + 1)
    ratio = ratio / (tf + norm[:, None])
    return np.ascontiguousarray(ratio.reshape(-1)), rows


def _encode(doc_ids: np.ndarray, tf: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Postings (passage ids ascending within each term, term frequencies) → the block arrays of the
    module docstring, a slice of blocks at a time."""
    n_terms = len(offsets) - 1
    blocks_per_term = (np.diff(offsets) + BLOCK - 1) // BLOCK
    term_blocks = np.zeros(n_terms + 1, np.int64)
    np.cumsum(blocks_per_term, out=term_blocks[1:])
    owner = np.repeat(np.arange(n_terms), blocks_per_term)  # each block's term
    block_first = offsets[owner] + BLOCK * (np.arange(int(term_blocks[-1])) - term_blocks[owner])
    block_count = np.minimum(BLOCK, offsets[owner + 1] - block_first)
    del owner
    kinds, sizes, chunks, big_at, big = [], [], [], [], []
    per_slice = max(1, BUILD_SLICE_TOKENS // BLOCK)
    for lo in range(0, block_first.size, per_slice):
        firsts, counts = block_first[lo : lo + per_slice], block_count[lo : lo + per_slice]
        p0, p1 = int(firsts[0]), int(firsts[-1] + counts[-1])
        kind, size, data = _encode_blocks(doc_ids[p0:p1], tf[p0:p1], firsts - p0, counts)
        kinds.append(kind)
        sizes.append(size)
        chunks.append(data)
        escaped = np.flatnonzero(tf[p0:p1] >= TF_ESCAPE)
        big_at.append(escaped + p0)
        big.append(tf[p0:p1][escaped].astype(np.int64))
    block_starts = np.zeros(block_first.size + 1, np.int64)
    np.cumsum(np.concatenate(sizes) if sizes else np.zeros(0, np.int64), out=block_starts[1:])
    concat = lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)  # noqa: E731
    return {
        "offsets": offsets,
        "term_blocks": term_blocks,
        "block_docs": doc_ids[block_first].astype(np.int32),
        "block_starts": block_starts,
        "block_kinds": concat(kinds, np.uint8),
        "postings": concat(chunks, np.uint8),
        "big_tf_at": concat(big_at, np.int64),
        "big_tf": concat(big, np.int64),
    }


def _encode_in_c(term_ids: np.ndarray, lengths: np.ndarray, n_terms: int) -> dict[str, np.ndarray]:
    """_encode's arrays straight from the documents' term ids (bot/core/_bm25.c's build_postings)."""
    arrays = _bm25.build_postings(term_ids, np.ascontiguousarray(lengths, np.int64), n_terms, BLOCK)
    dtypes = (np.int64, np.int64, np.int32, np.int64, np.uint8, np.uint8, np.int64, np.int64)
    names = ("offsets", "term_blocks", "block_docs", "block_starts", "block_kinds", "postings", "big_tf_at", "big_tf")
    return {name: np.frombuffer(data, dtype) for name, data, dtype in zip(names, arrays, dtypes, strict=True)}


def _encode_blocks(
    docs: np.ndarray, tf: np.ndarray, firsts: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive blocks (`firsts` and `counts` within `docs`/`tf`) → their kinds, byte sizes and bytes."""
    block = np.repeat(np.arange(counts.size), counts)
    j = np.arange(docs.size) - firsts[block]
    gaps = np.diff(docs.astype(np.int64), prepend=0)
    gaps[firsts] = 0  # a block's first id is kept whole, in block_docs
    widest = np.maximum.reduceat(gaps, firsts)
    widths = np.select([widest < 2**8, widest < 2**16, widest < 2**24], [1, 2, 3], 4).astype(np.int64)
    stored = np.maximum.reduceat(tf, firsts) > 1
    sizes = widths * (counts - 1) + stored * counts
    starts = np.cumsum(sizes) - sizes
    data = np.zeros(int(sizes.sum()), np.uint8)
    w = widths[block]
    at = starts[block] + w * (j - 1)
    for byte in range(4):
        take = (j > 0) & (w > byte)
        data[at[take] + byte] = (gaps[take] >> (8 * byte)) & 0xFF
    with_tf = stored[block]
    data[(starts + widths * (counts - 1))[block][with_tf] + j[with_tf]] = np.minimum(tf[with_tf], TF_ESCAPE)
    return widths + stored * TF_STORED, sizes, data


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
