"""Passages → BM25Index on every core: analysis in a pool of processes for a large corpus, then one build.

Each worker analyses a run of consecutive passages (an article, where the processes that read the
files analyse them too) into term ids of its own, and sends them back as one int32 array with the
run's terms listed in order of first occurrence; merging the runs in passage order (IndexBuilder)
gives every term the id it would get from one analyser reading the whole corpus (ids in order of
first occurrence, which the idf average depends on), so the index is the very same as a single
process builds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, islice
from operator import itemgetter

import numpy as np

from bot.core.analysis import Analyzer, TermEncoder, analyzer_for, by_first_occurrence
from bot.core.index import BM25Index
from bot.core.models import Article, Passage

POOL_FROM_PASSAGES = 50_000  # below this, starting processes costs more than it saves
RUN_PASSAGES = 20_000  # passages a worker analyses per task
Progress = Callable[[str, int, int], None]
# A run's terms in order of first occurrence, each token's index into them (int32), each passage's token count.
AnalysedRun = tuple[list[str], np.ndarray, np.ndarray]


def with_sources(own: list, cited: list) -> list:
    """A passage's terms, then once each the terms of its cited sources that it lacks.

    Source titles make a passage findable (Cyrillic titles included) without inflating the counts
    of words the passage already has ("president" in a title must not outweigh the text).
    """
    if not cited:
        return own
    have = set(own)
    return own + [t for t in dict.fromkeys(cited) if t not in have]


def cited_sources(passage: Passage) -> str:
    """The text of the sources a passage cites, indexed with it (with_sources)."""
    return " ".join(f.source for f in passage.footnotes)


def article_documents(article: Article) -> list[tuple[str, str, str]]:
    """(language, text, cited sources) of each passage of an article: what analyse_run takes."""
    return [(article.language, p.text, cited_sources(p)) for p in article.passages]


class IndexBuilder:
    """Analysed runs (analyse_run), added in passage order → one BM25Index.

    Each run's terms get their ids in the one vocabulary as the run is added, and its term ids go
    into one growing array (no list of pieces joined at the end: no second copy of every id)."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.passages = 0
        self._ids = np.zeros(0, np.int32)
        self._size = 0
        self._lengths: list[np.ndarray] = []

    def add(self, run: AnalysedRun) -> None:
        terms, ids, lengths = run
        vocabulary = self.vocabulary
        to_global = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), np.int32, len(terms))
        end = self._size + ids.size
        if end > self._ids.size:  # grown in place where the allocator can (realloc)
            self._ids.resize(max(end, self._ids.size * 3 // 2), refcheck=False)
        np.take(to_global, ids, out=self._ids[self._size : end])
        self._size = end
        self._lengths.append(lengths)
        self.passages += lengths.size

    def build(self, progress: Progress | None = None) -> BM25Index:
        if progress:
            progress("indexing", 0, 1)
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        self._ids.resize(self._size, refcheck=False)
        term_ids, self._ids, self._lengths = self._ids, np.zeros(0, np.int32), []
        index = BM25Index.from_flat(term_ids, lengths, self.vocabulary)
        if progress:
            progress("indexing", 1, 1)
        return index


def build_index(
    documents: Iterable[tuple[Analyzer, str, str]], total: int, progress: Progress | None = None
) -> BM25Index:
    """The index of (analyzer, text, cited sources) per passage, analysed on every core when there are many."""
    items = ((analyzer.language, text, cited) for analyzer, text, cited in documents)
    runs = iter(lambda: list(islice(items, RUN_PASSAGES)), [])
    workers = min(os.cpu_count() or 1, -(-total // RUN_PASSAGES))
    builder = IndexBuilder()
    for run in _analysed(runs, workers if total >= POOL_FROM_PASSAGES else 1):
        builder.add(run)
        if progress:
            progress("analysing passages", builder.passages, total)
    return builder.build(progress)


def _analysed(runs: Iterator[list], workers: int) -> Iterator[AnalysedRun]:
    """analyse_run of each run, in order: in this process, or in a pool (forkserver: safe beside threads)."""
    if workers <= 1:
        encoder = TermEncoder()
        yield from (analyse_run(run, encoder) for run in runs)
        return
    import multiprocessing  # only a build on several cores needs these
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = []  # at most two runs in flight per worker: memory stays bounded
        for run in runs:
            pending.append(pool.submit(analyse_in_worker, run))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_worker_encoder: TermEncoder | None = None  # a pool worker's, for all its runs (a pool lives one build)


def analyse_in_worker(run: list[tuple[str, str, str]]) -> AnalysedRun:
    """analyse_run with this process's encoder: for pool workers only (the encoder grows with every run)."""
    global _worker_encoder
    if _worker_encoder is None:
        _worker_encoder = TermEncoder()
    return analyse_run(run, _worker_encoder)


def analyse_run(run: list[tuple[str, str, str]], encoder: TermEncoder) -> AnalysedRun:
    """(language, text, cited) per passage → (the run's terms in order of first occurrence,
    each token's index into them end to end as int32, each passage's token count).

    Passages of one language are encoded together; the encoder's cache carries over from run to run."""
    pieces, lengths = [], []
    for language, group in groupby(run, key=itemgetter(0)):
        group = list(group)
        analyzer = analyzer_for(language)
        ids, counts = encoder.encode_texts(analyzer, [text for _, text, _ in group])
        citing = [i for i, (_, _, cited) in enumerate(group) if cited]
        if citing:
            ids, counts = _with_cited_sources(ids, counts, citing, encoder, analyzer, [group[i][2] for i in citing])
        pieces.append(ids)
        lengths.append(counts)
    ids = pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
    # The encoder's ids span every run this process has seen: renumber by first occurrence in this run.
    order, local = by_first_occurrence(ids, len(encoder.vocabulary))
    names = list(encoder.vocabulary)
    lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    return [names[t] for t in order.tolist()], local, lengths


def _with_cited_sources(
    ids: np.ndarray, counts: np.ndarray, citing: list[int], encoder: TermEncoder, analyzer: Analyzer, cited: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """with_sources for the passages `citing` (positions in the batch) and the sources they cite."""
    cited_ids, cited_counts = encoder.encode_texts(analyzer, cited)
    ends = np.cumsum(counts)
    cited_ends = np.cumsum(cited_counts).tolist()
    at, added = [], []
    for k, i in enumerate(citing):
        own = ids[ends[i] - counts[i] : ends[i]].tolist()
        extra = with_sources(own, cited_ids[cited_ends[k] - cited_counts[k] : cited_ends[k]].tolist())[len(own) :]
        at += [ends[i]] * len(extra)
        added += extra
        counts[i] += len(extra)
    return np.insert(ids, np.array(at, np.int64), np.array(added, np.int32)), counts
