"""Our BM25 index against rank_bm25.BM25Okapi: same tokens, same scores."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.core import index as index_module
from bot.core.index import BM25Index, ReferenceIndex


@pytest.fixture(autouse=True, params=["c", "numpy"])
def scorer(request, monkeypatch):
    """Every test runs on both top-k paths: the C extension and the numpy fallback."""
    if request.param == "c":
        assert index_module._bm25 is not None, "bot.core._bm25 is not built: pip install -e . with a C compiler"
    else:
        monkeypatch.setattr(index_module, "_bm25", None)
    return request.param


def random_corpus(rng: random.Random, n_docs: int, vocab: int):
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 1) for i in range(vocab)]  # Zipf-like: common words get negative idf
    return [rng.choices(words, weights, k=rng.randint(0, 30)) for _ in range(n_docs)], words


@pytest.mark.parametrize("seed", range(30))
def test_scores_match_rank_bm25(seed):
    rng = random.Random(seed)
    docs, words = random_corpus(rng, rng.randint(1, 120), rng.randint(2, 60))
    if not any(docs):
        docs[0] = ["w0"]
    ours, reference = BM25Index.build(docs), BM25Okapi(docs)
    for _ in range(10):
        query = rng.choices(words + ["unknown", "zzz"], k=rng.randint(1, 8))
        query += query[:2]  # repeated tokens count every time
        expected = reference.get_scores(query)
        got = ours.scores(query)
        assert np.max(np.abs(got - expected)) <= 1e-9
        for doc, score in ours.top_k(query, 5):
            assert score == pytest.approx(expected[doc], abs=1e-9)
        top = ours.top_k(query, 5)
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)


def test_idf_is_floored_like_the_reference():
    docs = [["common", "a"], ["common", "b"], ["common", "c"], ["rare"]]
    ours, reference = BM25Index.build(docs), BM25Okapi(docs)
    for term in ("common", "a", "rare"):
        assert ours.idf(term) == reference.idf[term]
    assert ours.idf("missing") is None and "common" in ours and "missing" not in ours


def test_top_k_only_returns_documents_with_a_query_term_and_respects_candidates():
    docs = [["alpha", "beta"], ["beta"], ["gamma"], ["alpha"]]
    index = BM25Index.build(docs)
    assert {d for d, _ in index.top_k(["alpha"], 10)} == {0, 3}
    assert [d for d, _ in index.top_k(["alpha"], 10, candidates=np.array([3]))] == [3]
    assert index.top_k(["nothing"], 10) == [] and index.top_k(["alpha"], 0) == []


def test_reference_engine_gives_the_same_ranking():
    rng = random.Random(7)
    docs, words = random_corpus(rng, 80, 40)
    ours, ref = BM25Index.build(docs), ReferenceIndex.build(docs)
    query = ["w3", "w10", "w3", "nope"]
    assert [s for _, s in ours.top_k(query, 10)] == pytest.approx([s for _, s in ref.top_k(query, 10)], abs=1e-9)
    assert ours.idf("w3") == ref.idf("w3")


def test_empty_index():
    index = BM25Index.build([])
    assert index.n_documents == 0 and index.top_k(["x"], 3) == [] and index.idf("x") is None


def test_save_and_load_memory_mapped(tmp_path):
    rng = random.Random(3)
    docs, words = random_corpus(rng, 200, 50)
    index = BM25Index.build(docs)
    index.save(tmp_path / "idx")
    loaded = BM25Index.load(tmp_path / "idx")
    assert isinstance(loaded.postings, np.memmap)
    query = ["w1", "w7", "w1"]
    assert np.array_equal(loaded.scores(query), index.scores(query))
    assert loaded.top_k(query, 5) == index.top_k(query, 5)


def test_index_from_encoder_ids_equals_index_from_tokens():
    """The engine's fast path (term ids straight from the analyzer) builds the very same index."""
    from bot.core.analysis import Analyzer, TermEncoder

    rng = random.Random(11)
    words = ["Talks", "talking,", "U.S.-Russian", "START-IV", "the", "Moscow's", "2014", "mil-to-mil", "Разоружение"]
    texts = [" ".join(rng.choices(words, k=rng.randint(0, 12))) for _ in range(300)]
    analyzer, encoder = Analyzer(), TermEncoder()
    from_ids = BM25Index.from_term_ids([encoder.encode(analyzer, t) for t in texts], encoder.vocabulary)
    from_tokens = BM25Index.build([analyzer.tokens(t) for t in texts])
    assert from_ids.vocabulary == from_tokens.vocabulary
    for name in index_module.ARRAYS:
        assert np.array_equal(getattr(from_ids, name), getattr(from_tokens, name)), name


def ranking_by_score_then_passage(scores: np.ndarray, k: int) -> list[int]:
    """What a user sees as the order: best score first, equal scores in passage order."""
    hits = [d for d in range(len(scores)) if scores[d] != 0]
    return sorted(hits, key=lambda d: (-scores[d], d))[:k]


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_ties_at_the_cut_are_broken_by_passage_order(k):
    """`--top-k 3` shows the same first three as the full ranking, even when the third and fourth tie."""
    rng = random.Random(k)
    distinct = [["beta"] * (i + 2) + ["filler"] * i for i in range(3)]
    twins = [["beta", "gamma"] for _ in range(40)]  # forty passages with one and the same score
    docs = distinct + twins
    rng.shuffle(docs)
    index = BM25Index.build(docs)
    query = ["beta", "gamma"]
    full = [d for d, _ in index.top_k(query, len(docs))]
    assert full == ranking_by_score_then_passage(index.scores(query), len(docs))
    assert [d for d, _ in index.top_k(query, k)] == full[:k]
    inside = np.arange(10, 30)
    assert [d for d, _ in index.top_k(query, k, candidates=inside)] == [d for d in full if 10 <= d < 30][:k]


def test_article_range_restricts_the_ranking_to_its_passages():
    rng = random.Random(5)
    docs, words = random_corpus(rng, 300, 30)
    index = BM25Index.build(docs)
    query = ["w1", "w4", "w4", "w9"]
    full = index.top_k(query, 300)
    for lo, hi in ((0, 1), (17, 90), (250, 300), (299, 300), (40, 40)):
        inside = index.top_k(query, 5, candidates=np.arange(lo, hi))
        assert inside == [(d, s) for d, s in full if lo <= d < hi][:5]
    scattered = np.array([3, 77, 150, 151, 299])
    assert index.top_k(query, 10, candidates=scattered) == [(d, s) for d, s in full if d in set(scattered)]


def test_questions_from_many_threads_get_their_own_rankings():
    """The bot scores in worker threads: each thread's scratch is its own and is left clean."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(9)
    docs, words = random_corpus(rng, 2000, 80)
    index = BM25Index.build(docs)
    queries = [rng.choices(words, k=rng.randint(1, 6)) for _ in range(200)]
    expected = [index.top_k(q, 7) for q in queries]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda q: index.top_k(q, 7), queries)) == expected


def test_top_k_is_the_head_of_the_full_ranking_on_a_corpus_of_many_windows():
    """20,000 passages (the C path scores 4,096 ids at a time): every cut agrees with the full ranking."""
    rng = np.random.default_rng(21)
    words = [f"w{i}" for i in range(300)]
    p = 1 / np.arange(1, 301)
    docs = [[words[i] for i in rng.choice(300, int(n), p=p / p.sum())] for n in rng.integers(0, 12, 20_000)]
    index = BM25Index.build(docs)
    for _ in range(40):
        query = [words[i] for i in rng.choice(300, int(rng.integers(1, 6)))] + ["absent"]
        scores = index.scores(query)
        for k in (1, 10, 100):
            assert index.top_k(query, k) == [(d, scores[d]) for d in ranking_by_score_then_passage(scores, k)]
        lo, hi = sorted(int(x) for x in rng.integers(0, 20_000, 2))
        inside = [(d, s) for d, s in index.top_k(query, 20_000) if lo <= d < hi][:10]
        assert index.top_k(query, 10, candidates=np.arange(lo, hi)) == inside


@pytest.mark.parametrize("slice_tokens", [1, 7, 64])
def test_building_in_slices_gives_the_same_index(monkeypatch, slice_tokens):
    """The build sorts a slice of documents at a time (to bound memory): any slicing, the same arrays."""
    rng = random.Random(slice_tokens)
    docs, words = random_corpus(rng, 150, 40)
    docs[3] = docs[77] = []  # empty passages at slice edges too
    whole = BM25Index.build(docs)
    monkeypatch.setattr(index_module, "BUILD_SLICE_TOKENS", slice_tokens)
    sliced = BM25Index.build(docs)
    for name in index_module.ARRAYS:
        assert np.array_equal(getattr(sliced, name), getattr(whole, name)), name
    query = rng.choices(words, k=4)
    assert np.max(np.abs(sliced.scores(query) - BM25Okapi(docs).get_scores(query))) == 0


@pytest.mark.parametrize("pool", [False, True])
def test_passages_analysed_in_runs_and_processes_build_the_same_index(monkeypatch, pool):
    """Runs analysed apart (in a pool of processes for a large corpus) merge into the one-analyser index."""
    from bot.core import indexing
    from bot.core.analysis import Analyzer, TermEncoder

    rng = random.Random(13)
    words = ["Talks", "talking,", "U.S.-Russian", "START-IV", "the", "Moscow's", "2014", "Разоружение", "treaty"]
    words += [f"word{i}" for i in range(200)]
    texts = [" ".join(rng.choices(words, k=rng.randint(0, 15))) for _ in range(400)]
    cited = [rng.choice(["", "Moscow treaty archive", "Разоружение и безопасность"]) for _ in texts]
    passages = list(zip(texts, cited, strict=True))
    analyzer, encoder = Analyzer(), TermEncoder()
    encoded = [indexing.with_sources(encoder.encode(analyzer, t), encoder.encode(analyzer, c)) for t, c in passages]
    expected = BM25Index.from_term_ids(encoded, encoder.vocabulary)
    monkeypatch.setattr(indexing, "RUN_PASSAGES", 37)
    monkeypatch.setattr(indexing, "POOL_FROM_PASSAGES", 1 if pool else 10**9)
    stages = []
    built = indexing.build_index(
        ((analyzer, t, c) for t, c in passages), len(passages), lambda stage, done, total: stages.append(stage)
    )
    assert built.vocabulary == expected.vocabulary
    for name in index_module.ARRAYS:
        assert np.array_equal(getattr(built, name), getattr(expected, name)), name
    assert stages[0] == "analysing passages" and stages[-1] == "indexing"


def test_scores_are_rank_bm25s_bit_for_bit_past_every_shortcut_of_the_layout():
    """Term frequencies past the C path's table and past one byte (stored apart), a passage longer
    than the table's rows, gaps of two bytes, blocks where every frequency is 1 and blocks where not:
    the very floats of rank-bm25, on both paths."""
    rng = random.Random(17)
    words = [f"w{i}" for i in range(40)]
    docs = [rng.choices(words, k=rng.randint(1, 25)) for _ in range(1500)]
    docs[3] = ["w1"] * 20 + ["w2"]  # tf 20: past the table of small frequencies
    docs[700] = ["w1"] * 300 + ["w3"] * 256  # tf 300 and 256: past one byte
    docs[1400] = ["w2"] * 5000 + ["w1"]  # 5001 terms: past the table's rows
    for d in range(0, 1500, 400):  # "rare" every 400 passages: gaps of two bytes
        docs[d] = [*docs[d], "rare"]
    index, reference = BM25Index.build(docs), BM25Okapi(docs)
    assert sorted(index.big_tf.tolist()) == [256, 300, 5000]
    for query in (["w1"], ["w2", "w1", "w2"], ["w3", "rare", "w7"], ["rare"], words[:12]):
        expected = reference.get_scores(query)
        assert np.array_equal(index.scores(query), expected)
        top = index.top_k(query, 1500)
        assert [s for _, s in top] == [expected[d] for d, _ in top]
        assert [d for d, _ in top] == ranking_by_score_then_passage(expected, 1500)
    for term in ("w1", "w2", "w3", "rare", "unknown"):  # one term in one passage (the second stage's look-up)
        expected = reference.get_scores([term])
        assert [index.posting_weight(term, d) for d in range(1500)] == list(expected)


def test_postings_decode_to_what_was_encoded_at_every_gap_width():
    """Blocks whose gaps take 1, 2, 3 and 4 bytes; ranges cutting blocks anywhere."""
    block = index_module.BLOCK
    gaps = [1] * block + [300] * block + [70_000] * block + [2**24 + 1] * 10  # one block of each width
    ids = np.cumsum([7, *gaps]).astype(np.int32)
    tf = np.array([1 + (i % 7 == 0) * i for i in range(ids.size)], np.int64)
    tf[5] = 999  # past one byte: stored apart
    encoded = index_module._encode(ids, tf, np.array([0, ids.size], np.int64))
    assert (encoded["block_kinds"] & 7).tolist() == [1, 2, 3, 4]
    assert encoded["big_tf"].tolist() == tf[tf >= 255].tolist()
    index = BM25Index({"t": 0}, n_documents=int(ids[-1]) + 1, total_length=int(tf.sum()),
                      idf_values=np.array([1.5]), doc_lengths=np.zeros(0, np.uint8), **encoded)  # fmt: skip
    docs, freqs = index.postings_of(0)
    assert docs.tolist() == ids.tolist() and freqs.tolist() == tf.tolist()
    cuts = [0, 8, 100, int(ids[block]), int(ids[block]) + 1, int(ids[300]), int(ids[-3]), int(ids[-1]) + 1]
    for lo, hi in itertools.combinations(cuts, 2):
        docs, freqs = index.postings_of(0, lo, hi)
        inside = (ids >= lo) & (ids < hi)
        assert docs.tolist() == ids[inside].tolist() and freqs.tolist() == tf[inside].tolist(), (lo, hi)


def test_passages_far_apart_are_scored_by_both_paths_as_the_formula_says():
    """Passage ids past 2^24 (gaps of three and four bytes) through top_k, C or numpy."""
    n = 20_000_001
    holders = np.array([5, 300, 70_000, 16_800_000, 20_000_000], np.int32)
    tf = np.array([2, 1, 1, 2, 1], np.int64)
    lengths = np.zeros(n, np.uint8)
    lengths[holders] = [3, 1, 2, 4, 1]
    index = BM25Index({"a": 0}, n_documents=n, total_length=11, idf_values=np.array([2.25]), doc_lengths=lengths,
                      **index_module._encode(holders, tf, np.array([0, holders.size], np.int64)))  # fmt: skip
    avgdl = 11 / n
    weight = [2.25 * (f * (1.5 + 1) / (f + 1.5 * (1 - 0.75 + 0.75 * int(lengths[d]) / avgdl))) for d, f in
              zip(holders, tf, strict=True)]  # fmt: skip
    expected = sorted(zip(holders.tolist(), weight, strict=True), key=lambda pair: (-pair[1], pair[0]))
    assert index.top_k(["a"], 10) == expected
    assert index.top_k(["a", "a"], 2, candidates=np.arange(16_000_000, n)) == [
        (d, s + s) for d, s in expected if d >= 16_000_000
    ]


def test_the_c_build_makes_the_numpy_builds_arrays(monkeypatch, scorer):
    """build_postings (bot/core/_bm25.c) and the numpy build: the same arrays, types and bytes, with
    empty passages, term frequencies past one byte and gaps of every width (a passage past 2^24)."""
    from bot.core import _bm25

    rng = random.Random(23)
    docs, _ = random_corpus(rng, 700, 60)
    docs[5] = ["w1"] * 300 + ["w2"] * 255 + ["w3"] * 254  # stored apart from 255 up
    docs[9] = docs[10] = []
    vocabulary = {w: i for i, w in enumerate(dict.fromkeys(t for d in docs for t in d))}
    lengths = np.zeros(2**24 + 800, np.int64)  # passages 700 on are empty but for rare terms
    lengths[: len(docs)] = [len(d) for d in docs]
    ids = [vocabulary[t] for d in docs for t in d]
    far = {700: [0, 1, 2], 1000: [0], 70_700: [1], 2**24 + 790: [2, 2]}  # "far<i>": gaps of 2, 3 and 4 bytes
    for i in range(3):
        vocabulary[f"far{i}"] = len(vocabulary)
    for d, terms in far.items():
        lengths[d] = len(terms)
        ids += [vocabulary[f"far{i}"] for i in terms]
    ids = np.array(ids, np.int32)
    monkeypatch.setattr(index_module, "_bm25", _bm25)
    in_c = BM25Index.from_flat(ids, lengths, vocabulary)
    monkeypatch.setattr(index_module, "_bm25", None)
    in_numpy = BM25Index.from_flat(ids, lengths, vocabulary)
    assert sorted(in_c.big_tf.tolist()) == [255, 300] and {1, 2, 3, 4} <= set((in_c.block_kinds & 7).tolist())
    for name in (*index_module.ARRAYS, "n_documents", "total_length", "avgdl"):
        a, b = getattr(in_c, name), getattr(in_numpy, name)
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.array_equal(a, b), name
