from __future__ import annotations

import sys
import unicodedata

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.analysis import _TOKEN, Analyzer, TermEncoder, _analysis, analyzer_for, by_first_occurrence


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


ENCODERS = [False, True]  # in_c: the dict look-ups, the C table (without the extension built, these fail)


@pytest.mark.parametrize("in_c", ENCODERS)
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(SAMPLE_WORDS), max_size=12).map(" ".join), max_size=30),
    st.sampled_from(["en", "ru", "de", "fr", "el"]),
    st.integers(1, 40),
    st.integers(1, 8),
)
def test_encoded_batches_are_the_analyzers_tokens(in_c, texts, language, cap, batch):
    """TermEncoder (a batch at a time, its chunk table capped) gives each text exactly Analyzer.tokens'
    terms, numbered by first occurrence, whatever it has seen before."""
    from bot.core import analysis

    analyzer = analyzer_for(language)
    encoder = analysis.TermEncoder(in_c=in_c)
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


# Every kind of character the C split and look-up must treat as Python does: the whitespace str.split()
# knows (Latin-1's \x85 and \xa0, the ideographic space, the line separator), 1-, 2- and 4-byte strings,
# combining marks and joiners, both apostrophes and the hyphens, digits of other scripts, stopwords.
VARIED_TEXTS = [
    "The talks' end: U.S.-Russian START-IV (1991), Moscow's and Russia’s 2014 favour; the centre's.",
    "a\x85b\xa0c\u2003d\u3000e\u2028f\u2029g\x1ch\x1fi\tj\x0bk\x0cl\rm\nn  o",
    "Переговоры о разоружении, переговоров; Abrüstung, Straße und die Verträge — négociations, été, e\u0301te\u0301.",
    "ΣΊΣΥΦΟΣ σίσυφος ＮＡＴＯ ﬁnal ﬂow Ⅻ ½ ¹²³ ٣٤ ४२ 日本語の文章 😀emoji😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0001f600x",
    "नमस्ते दुनिया க்ஷ தமிழ் ינגלש ײִדיש װאָס \u200cجمله\u200d و این",
    "mil-to-mil ‐dash‑ --- ... 'quoted' l'homme d’état o'neill it's isn't I'M can't",
    "",
    "   ",
    "the of and a an is are was were be been",
]
LANGUAGES = ["en", "ru", "de", "fr", "el", "hi", "ta", "yi", "sr", "fa", "tr"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_c_look_up_gives_the_python_terms(language):
    """The C split and chunk table give the very ids the Python path gives, on every kind of text and
    in several languages, cold and then warm, one text at a time or all together."""
    analyzer = analyzer_for(language)
    texts = VARIED_TEXTS + [" ".join(VARIED_TEXTS), "\n".join(reversed(VARIED_TEXTS))]
    in_python, in_c = TermEncoder(in_c=False), TermEncoder(in_c=True)
    for _ in range(2):
        expected, got = in_python.encode_texts(analyzer, texts), in_c.encode_texts(analyzer, texts)
        assert got[1].tolist() == expected[1].tolist()
        assert got[0].tolist() == expected[0].tolist()
        assert list(in_c.vocabulary) == list(in_python.vocabulary)
    names = list(in_c.vocabulary)
    for text in texts:
        assert [names[i] for i in in_c.encode(analyzer, text)] == analyzer.tokens(text)
    assert len(in_c.vocabulary) > 20  # the texts have terms in every language: the test compared something


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), st.sampled_from(["en", "ru", "hi"]))
def test_c_look_up_of_any_text(text, language):
    """Any text, whatever its characters: the C path's terms are Analyzer.tokens'."""
    analyzer = analyzer_for(language)
    encoder = TermEncoder(in_c=True)
    names = lambda ids: [list(encoder.vocabulary)[i] for i in ids]  # noqa: E731
    assert names(encoder.encode(analyzer, text)) == analyzer.tokens(text)


def test_c_table_refuses_what_is_no_text():
    assert _analysis is not None, "bot.core._analysis is not built: pip install -e . with a C compiler"
    table = _analysis.ChunkTable()
    with pytest.raises(TypeError, match=r"texts\[1\] is bytes"):
        table.encode(["fine", b"bytes"], lambda chunk: [0], 10)
    with pytest.raises(ValueError, match="int32"):
        table.encode(["negative"], lambda chunk: [-1], 10)
    with pytest.raises(ZeroDivisionError):  # the analyser's own error comes through
        table.encode(["failing"], lambda chunk: [1 // 0], 10)
    asked = []
    ids, lengths = table.encode(["fine new", "new\u3000fine"], lambda chunk: asked.append(chunk) or [7, 8], 10)
    assert asked == ["new"]  # "fine" was kept from the first call (as [0]); "new" is analysed once
    assert np.frombuffer(ids, np.int32).tolist() == [0, 7, 8, 7, 8, 0]
    assert np.frombuffer(lengths, np.int64).tolist() == [3, 3]
    assert len(table) == 2


@pytest.mark.parametrize("in_c", ENCODERS)
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200))
def test_renumbered_by_first_occurrence(in_c, ids):
    """by_first_occurrence: ids in the order they first appear, and each id's place in that order."""
    from bot.core import analysis

    with pytest.MonkeyPatch.context() as patch:
        if not in_c:
            patch.setattr(analysis, "_analysis", None)
        order, local = by_first_occurrence(np.array(ids, np.int32), 31)
    assert order.dtype == local.dtype == np.int32
    assert order.tolist() == list(dict.fromkeys(ids))
    assert [order[i] for i in local.tolist()] == ids
