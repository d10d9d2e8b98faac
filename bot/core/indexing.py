"""Passages → BM25Index on every core: analysis in a pool of processes for a large corpus, then one build.

Each worker analyses a run of consecutive passages into term ids of its own, and sends them back as
one int32 array with the run's terms listed in order of first occurrence; merging the runs in
passage order gives every term the id it would get from one analyser reading the whole corpus
(ids in order of first occurrence, which the idf average depends on), so the index is the very
same as a single process builds.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

import numpy as np

from bot.core.analysis import Analyzer, TermEncoder, analyzer_for
from bot.core.index import BM25Index

POOL_FROM_PASSAGES = 50_000  # below this, starting processes costs more than it saves
RUN_PASSAGES = 20_000  # passages a worker analyses per task
Progress = Callable[[str, int, int], None]


def with_sources(own: list, cited: list) -> list:
    """A passage's terms, then once each the terms of its cited sources that it lacks.

    Source titles make a passage findable (Cyrillic titles included) without inflating the counts
    of words the passage already has ("president" in a title must not outweigh the text).
    """
    if not cited:
        return own
    have = set(own)
    return own + [t for t in dict.fromkeys(cited) if t not in have]


def build_index(
    documents: Iterable[tuple[Analyzer, str, str]], total: int, progress: Progress | None = None
) -> BM25Index:
    """The index of (analyzer, text, cited sources) per passage, analysed on every core when there are many."""
    items = ((analyzer.language, text, cited) for analyzer, text, cited in documents)
    runs = iter(lambda: list(islice(items, RUN_PASSAGES)), [])
    workers = min(os.cpu_count() or 1, -(-total // RUN_PASSAGES))
    vocabulary: dict[str, int] = {}
    pieces, lengths, done = [], [], 0
    for terms, ids, run_lengths in _analysed(runs, workers if total >= POOL_FROM_PASSAGES else 1):
        to_global = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), np.int32, len(terms))
        pieces.append(to_global[ids])
        lengths.append(run_lengths)
        done += len(run_lengths)
        if progress:
            progress("analysing passages", done, total)
    if progress:
        progress("indexing", 0, 1)
    term_ids = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
    del pieces
    index = BM25Index.from_flat(term_ids, np.concatenate(lengths) if lengths else np.zeros(0, np.int64), vocabulary)
    if progress:
        progress("indexing", 1, 1)
    return index


def _analysed(runs: Iterator[list], workers: int) -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
    """analyse_run of each run, in order: in this process, or in a pool (forkserver: safe beside threads)."""
    if workers <= 1:
        encoder = TermEncoder()
        yield from (analyse_run(run, encoder) for run in runs)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = []  # at most two runs in flight per worker: memory stays bounded
        for run in runs:
            pending.append(pool.submit(_analyse_in_worker, run))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_worker_encoder: TermEncoder | None = None  # a pool worker's, for all its runs (the pool lives one build)


def _analyse_in_worker(run: list[tuple[str, str, str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    global _worker_encoder
    if _worker_encoder is None:
        _worker_encoder = TermEncoder()
    return analyse_run(run, _worker_encoder)


def analyse_run(run: list[tuple[str, str, str]], encoder: TermEncoder) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(language, text, cited) per passage → (the run's terms in order of first occurrence,
    each token's index into them end to end as int32, each passage's token count).

    The encoder's cache of chunk ids carries over from run to run."""
    flat: list[int] = []
    lengths = np.empty(len(run), dtype=np.int64)
    for i, (language, text, cited) in enumerate(run):
        analyzer = analyzer_for(language)
        terms = with_sources(encoder.encode(analyzer, text), encoder.encode(analyzer, cited))
        flat.extend(terms)
        lengths[i] = len(terms)
    ids = np.array(flat, dtype=np.int32)
    # The encoder's ids span every run this process has seen: renumber by first occurrence in this run.
    seen, first = np.unique(ids, return_index=True)
    order = np.argsort(first, kind="stable")
    local = np.empty(len(encoder.vocabulary), dtype=np.int32)
    local[seen[order]] = np.arange(order.size, dtype=np.int32)
    names = list(encoder.vocabulary)
    return [names[t] for t in seen[order].tolist()], local[ids], lengths
