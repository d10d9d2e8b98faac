"""Two libraries searched as one rank exactly as rank-bm25 over their concatenation."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.core.index import BM25Index
from bot.core.union import IndexStatistics, Postings, UnionScorer

WORDS = [f"w{i}" for i in range(60)]


def from_index(documents):
    """A library's statistics read from its BM25Index, as the shared library's are."""
    return IndexStatistics(BM25Index.build(documents))


# The shared library as arrays built from its terms, or read from its index in place: the same scores.
SHARED_KINDS = pytest.mark.parametrize("shared_kind", [Postings.build, from_index], ids=["arrays", "index"])


def corpus(rng: random.Random, n: int, words=WORDS) -> list[list[str]]:
    return [[rng.choice(words[: rng.randint(5, len(words))]) for _ in range(rng.randint(1, 30))] for _ in range(n)]


@SHARED_KINDS
@pytest.mark.parametrize("seed", range(25))
def test_union_scores_equal_rank_bm25_over_the_concatenation(seed, shared_kind):
    rng = random.Random(seed)
    shared, own = corpus(rng, rng.randint(1, 80)), corpus(rng, rng.randint(1, 40), WORDS[20:] + ["only-here"])
    scorer = UnionScorer([shared_kind(shared), Postings.build(own)])
    reference = BM25Okapi(shared + own)
    for _ in range(10):
        query = [rng.choice(WORDS + ["only-here", "nowhere"]) for _ in range(rng.randint(1, 6))]
        expected = reference.get_scores(query)
        got = scorer.top_k(query, len(shared) + len(own))
        touched = {d for d, doc in enumerate(shared + own) if set(query) & set(doc)}
        assert {doc for doc, _ in got} == touched
        for doc, score in got:
            assert score == expected[doc], (seed, query, doc)  # bit-identical, not approximately
        assert [d for d, _ in got] == sorted(touched, key=lambda d: (-expected[d], d))  # ties by corpus order
        assert scorer.top_k(query, 3) == got[:3]  # the best few alone: the same, ties at the cut included


def test_locate_maps_global_ids_back_to_their_library():
    scorer = UnionScorer([Postings.build([["a"], ["b"]]), Postings.build([["a"], ["c"], ["a", "c"]])])
    assert [scorer.locate(d) for d in range(5)] == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]
    assert scorer.top_k(["c"], 1)[0][0] in (3, 4)


def test_an_empty_library_changes_nothing():
    docs = [["x", "y"], ["y"], ["z"]]
    alone, with_empty = UnionScorer([Postings.build(docs)]), UnionScorer([Postings.build(docs), Postings.build([])])
    assert alone.top_k(["y", "z"], 3) == with_empty.top_k(["y", "z"], 3)


def test_an_engine_over_two_libraries_answers_from_both_with_union_scores():
    from bot.core.engine import Engine
    from bot.core.models import Article, Corpus, Passage
    from bot.core.union import UnionIndex

    def article(article_id: str, texts: list[str]) -> Article:
        passages = tuple(Passage(f"{article_id}:{i}", article_id, i, i, text) for i, text in enumerate(texts, 1))
        return Article(article_id, f"{article_id}.txt", article_id, passages=passages)

    shared = Corpus((article("shared", ["Volcanoes erupt when magma rises.", "Glaciers carve valleys."]),))
    own = Corpus((article("week1", ["Our seminar on volcanoes met on Monday."]),))
    together = Corpus(shared.articles + own.articles)
    reference = Engine(together)  # the two as one corpus, indexed from scratch
    parts = [Postings.build([a for _, a in _documents(Engine(c))]) for c in (shared, own)]
    union = Engine(together, index=UnionIndex(parts))
    question = "When do volcanoes erupt?"
    expected = [(e.passage.id, e.score) for e in reference.ask(question, top_k=3).excerpts]
    assert [(e.passage.id, e.score) for e in union.ask(question, top_k=3).excerpts] == expected
    assert {p for p, _ in expected} == {"shared:1", "week1:1"}
    only_week1 = union.ask(question, article_id="week1")
    assert [e.passage.id for e in only_week1.excerpts] == ["week1:1"]


def _documents(engine):
    from bot.core.engine import with_sources

    for passage, (analyzer, text, cited) in zip(engine.passages, engine.documents(), strict=True):
        yield passage, with_sources(analyzer.tokens(text), analyzer.tokens(cited))


@SHARED_KINDS
def test_posting_weights_over_the_union_equal_rank_bm25s_single_term_scores(shared_kind):
    rng = random.Random(7)
    shared, own = corpus(rng, 30), corpus(rng, 10, WORDS[5:] + ["only-own"])
    scorer = UnionScorer([shared_kind(shared), Postings.build(own)])
    reference = BM25Okapi(shared + own)
    for term in [*WORDS[:10], "only-own"]:
        expected = reference.get_scores([term])
        assert [scorer.posting_weight(term, d) for d in range(40)] == list(expected)


@SHARED_KINDS
@pytest.mark.parametrize("seed", range(10))
def test_three_libraries_with_common_words_rank_as_rank_bm25_floor_included(seed, shared_kind):
    # Few words: many occur in most passages, so their idf is negative and takes rank-bm25's floor,
    # which averages every term's idf over the union (terms first met in any of the three).
    rng = random.Random(100 + seed)
    parts = [
        corpus(rng, rng.randint(1, 30), WORDS[:8]) + [["w0", "w1"]] * 40,
        corpus(rng, rng.randint(1, 10), WORDS[4:12] + ["new"]),
        corpus(rng, rng.randint(0, 10), WORDS[10:16]),
    ]
    scorer = UnionScorer([shared_kind(parts[0]), *map(Postings.build, parts[1:])])
    everything = [doc for part in parts for doc in part]
    reference = BM25Okapi(everything)
    for query in (["w1"], ["w5", "new", "w12"], ["w0", "w0", "w15"], ["w9", "nowhere"]):
        expected = reference.get_scores(query)
        assert [score for _, score in sorted(scorer.top_k(query, len(everything)))] == [
            expected[d] for d, doc in enumerate(everything) if set(query) & set(doc)
        ]
    assert any(reference.idf[t] == reference.average_idf * 0.25 for t in reference.idf)  # the floor was used


@pytest.mark.parametrize("cache", [IndexStatistics.MAX_CACHED_POSTINGS, 40], ids=["cached", "evicting"])
@pytest.mark.parametrize("seed", range(15))
def test_a_saved_shared_index_beside_a_library_ranks_as_rank_bm25_negative_idfs_included(seed, cache, tmp_path):
    """The shared index memory-mapped from disk, a server's library beside it: terms common to both
    (negative idf over the union, floored by the union's average), terms only in one of them; asked
    twice, from decoded postings kept or let go."""
    rng = random.Random(300 + seed)
    shared = corpus(rng, rng.randint(5, 60), WORDS[:30] + ["shared-only"]) + [["w0", "w1", "w2"]] * rng.randint(0, 40)
    own = corpus(rng, rng.randint(1, 20), WORDS[20:40] + ["own-only"]) + [["w0", "w25"]] * rng.randint(0, 15)
    BM25Index.build(shared).save(tmp_path)
    statistics = IndexStatistics(BM25Index.load(tmp_path))
    statistics.MAX_CACHED_POSTINGS = cache
    scorer = UnionScorer([statistics, Postings.build(own)])
    everything = shared + own
    reference = BM25Okapi(everything)
    queries = (["w0"], ["w0", "w25", "own-only"], ["shared-only", "w1", "w1"], ["w35", "nowhere"], ["w2", "w21"])
    for query in queries * 2:
        expected = reference.get_scores(query)
        for term in set(query) & set(reference.idf):
            assert scorer.idf(term) == reference.idf[term]
        got = scorer.top_k(query, len(everything))
        touched = {d for d, doc in enumerate(everything) if set(query) & set(doc)}
        assert [d for d, _ in got] == sorted(touched, key=lambda d: (-expected[d], d))  # ties by passage order
        assert all(score == expected[d] for d, score in got)  # bit-identical


def test_the_floor_is_rank_bm25s_when_most_passages_of_both_libraries_share_words():
    shared = [["a", "b"], ["a"], ["a", "c"], ["a", "b", "d"]] * 10
    own = [["a", "e"], ["b", "a"], ["f"]]
    scorer = UnionScorer([from_index(shared), Postings.build(own)])
    reference = BM25Okapi(shared + own)
    assert reference.idf["a"] == 0.25 * reference.average_idf  # "a" in nearly every passage: floored
    assert [scorer.idf(t) for t in "abcdef"] == [reference.idf[t] for t in "abcdef"]


@SHARED_KINDS
@pytest.mark.parametrize("seed", range(8))
def test_candidates_limit_the_ranking_to_them_with_the_same_scores(seed, shared_kind):
    """One article's passages (a contiguous run, in either library or across both) or any set of them."""
    from bot.core.union import UnionIndex

    rng = random.Random(500 + seed)
    shared, own = corpus(rng, rng.randint(10, 60)), corpus(rng, rng.randint(1, 30))
    index = UnionIndex([shared_kind(shared), Postings.build(own)])
    n = len(shared) + len(own)
    query = [rng.choice(WORDS) for _ in range(rng.randint(1, 5))]
    everything = index.top_k(query, n)
    lo = rng.randrange(n)
    runs = [np.arange(lo, rng.randint(lo + 1, n)), np.arange(len(shared), n), np.arange(0, len(shared))]
    for candidates in [*runs, np.array(sorted(rng.sample(range(n), rng.randint(1, n)))), np.zeros(0, np.int64)]:
        allowed = set(candidates.tolist())
        expected = [(d, score) for d, score in everything if d in allowed]
        assert index.top_k(query, n, candidates) == expected
        assert index.top_k(query, 2, candidates) == expected[:2]
