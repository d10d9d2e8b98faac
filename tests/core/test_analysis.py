from __future__ import annotations

import sys
import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.analysis import _TOKEN, Analyzer, analyzer_for


def test_core_never_imports_discord():
    import subprocess

    code = "import sys, bot.core.engine, bot.ingest, bot.library, bot.core.evaluation; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_stems_stopwords_and_case():
    tokens = Analyzer().tokens("The Talks between the ARMIES were talking")
    assert tokens == ["talk", "armi", "talk"]


def test_numbers_hyphenated_names_and_acronyms():
    tokens = Analyzer().tokens("New START-IV in 2014; U.S.-Russian mil-to-mil talks with the U.S.")
    assert "2014" in tokens and "start-iv" in tokens and "start" in tokens
    assert "mil-to-mil" in tokens and "u.s" in tokens and "us" not in tokens
    assert tokens.count("u.s") == 2


def test_unicode_words_nfkc_and_cyrillic():
    a = Analyzer()
    assert a.tokens("Разоружение пока подождет") == a.tokens("разоружения")[:1] + a.tokens("пока подождет")
    assert a.tokens("ＮＡＴＯ") == ["nato"]
    assert a.tokens("Russia’s") == a.tokens("Russia's") == ["russia"]


def test_word_spans_point_into_the_original_text():
    text = "Gen. Joe Dunford met START-IV talks"
    spans = list(Analyzer().words(text))
    assert ("dunford", 9, 16) in spans
    assert ("start-iv", 21, 29) in spans and ("start", 21, 26) in spans and ("iv", 27, 29) in spans
    for _term, start, end in spans:
        assert text[start:end]


def test_one_shared_analyzer_per_language():
    assert analyzer_for("en") is analyzer_for("en")
    assert analyzer_for("xx").language == "en"
    assert analyzer_for("ru").tokens("переговоры") == analyzer_for("ru").tokens("переговоров")


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([*"aAé.-’' \u00a0\t\nＮ¨\u0301ﬁ5ДжUS", "START-IV", "U.S.", "Russia's"])).map("".join))
def test_cached_tokens_equal_the_plain_definition(text):
    """The chunk cache is only a cache: same terms as analysing the whole text at once."""
    analyzer = Analyzer()
    plain = [t for w in _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()) for t in analyzer._terms(w)]
    assert analyzer.tokens(text) == plain
    assert analyzer.tokens(text) == plain  # warm cache too


def test_british_and_american_spellings_meet():
    a = Analyzer()
    for british, american in [
        ("favours", "favors"),
        ("behaviour", "behavior"),
        ("organisation", "organization"),
        ("recognised", "recognized"),
        ("analyse", "analyze"),
        ("centre", "center"),
        ("defence", "defense"),
    ]:
        assert a.tokens(british) == a.tokens(american), (british, american)
    assert a.tokens("hour") != a.tokens("hor") and a.tokens("four") == ["four"]


SAMPLE_WORDS = [
    "Talks", "talking,", "U.S.-Russian", "START-IV", "the", "Moscow's", "Russia’s", "2014", "(1991).", "favour",
    "organisations", "centre", "Разоружение", "переговоров,", "Abrüstung", "Straße", "négociations", "ＮＡＴＯ",
    "ﬁnal", "e\u0301te\u0301", "mil-to-mil", "‐dash‑", "'quoted'", "--", "...", "a", "ΣΊΣΥΦΟΣ", "日本語",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(SAMPLE_WORDS), max_size=12).map(" ".join), max_size=30),
    st.sampled_from(["en", "ru", "de", "fr", "el"]),
    st.integers(1, 40),
    st.integers(1, 8),
)
def test_encoded_batches_are_the_analyzers_tokens(texts, language, cap, batch):
    """TermEncoder (a batch at a time, its chunk table capped) gives each text exactly Analyzer.tokens'
    terms, numbered by first occurrence, whatever it has seen before."""
    from bot.core import analysis

    analyzer = analyzer_for(language)
    encoder = analysis.TermEncoder()
    vocabulary: dict[str, int] = {}
    expected = [[vocabulary.setdefault(t, len(vocabulary)) for t in analyzer.tokens(text)] for text in texts]
    old = analysis.MAX_CACHED_CHUNKS, analysis.TEXTS_AT_A_TIME
    analysis.MAX_CACHED_CHUNKS = cap  # small: chunks past it are analysed again in every batch
    analysis.TEXTS_AT_A_TIME = batch
    try:
        for _ in range(2):  # a cold table, then a warm one
            ids, lengths = encoder.encode_texts(analyzer, texts)
            assert lengths.tolist() == [len(e) for e in expected]
            assert ids.tolist() == [t for e in expected for t in e]
            assert list(encoder.vocabulary) == list(vocabulary)
        assert [encoder.encode(analyzer, text) for text in texts] == expected
    finally:
        analysis.MAX_CACHED_CHUNKS, analysis.TEXTS_AT_A_TIME = old


def test_a_long_running_analyzer_caches_at_most_the_cap_and_gives_the_same_terms(monkeypatch):
    """A bot's analyzer meets new words with every question and quote: each of its caches stops at
    MAX_CACHED_CHUNKS, and words past it are analysed again, to the same terms and spans."""
    from bot.core import analysis

    words = [f"{stem}{n}ings" for n in range(120) for stem in ("treat", "sanction")]
    text = " ".join(f"{w.capitalize()}," if i % 3 == 0 else w for i, w in enumerate(words))
    uncapped = analysis.Analyzer("en")
    expected_tokens, expected_words = uncapped.tokens(text), list(uncapped.words(text))
    monkeypatch.setattr(analysis, "MAX_CACHED_CHUNKS", 50)
    capped = analysis.Analyzer("en")
    for _ in range(2):  # filling the caches, then past them
        assert capped.tokens(text) == expected_tokens and list(capped.words(text)) == expected_words
    caches = (capped._cache, capped._chunks, capped._word_spans)
    assert [len(c) for c in caches] == [50, 50, 50]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["favour", "organis", "analys", "centre", "defence", "hour", "tre", "ence", "is", "ys"]),
       st.text(alphabet="abcdeilnorstuyz", max_size=6), st.sampled_from(["", "s", "e", "es", "ed", "ing", "ation"]))
def test_spelling_is_each_rule_in_turn(stem, prefix, ending):
    """The one search that skips words no spelling rule matches changes no term: every rule in turn, then the stem."""
    from bot.core.analysis import ENGLISH_STOPWORDS, SPELLING

    word = prefix + stem + ending
    assume(word not in ENGLISH_STOPWORDS)
    expected = word
    for pattern, replacement in SPELLING["en"]:
        expected = pattern.sub(replacement, expected)
    analyzer = Analyzer()
    assert analyzer.tokens(word) == [analyzer._stemmer.stemWord(expected)]
