"""Property tests of the loader: no undocumented exceptions, no text lost or doubled, stable ids."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.sentences import sentence_spans, split_sentences
from bot.ingest import SkipFile, build_article
from bot.ingest.formats.text import decode, text_document
from bot.library import load_corpus

SETTINGS = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- strategies

# Lines that exercise every rule of the loader: metadata, boilerplate, notes lists, markers, headings.
TRICKY_LINES = [
    "# A Title",
    "#",
    "# ",
    "By Jane Roe",
    "by",
    "March 3, 2014",
    "2011-06-30",
    "31.02.2011",
    "Published: 30th June 2011",
    "Original url: https://example.org/x",
    "Original url:",
    "Notes",
    "References:",
    "About the Author",
    "Jane Roe",
    "[i] Ibid.",
    "[1] Ibid., p. 4",
    "[^3]: A source",
    "[ IV ]. Another source",
    "[12]",
    "[99999] Too long a marker",
    "Ibid.",
    "Leave A Reply",
    "Email address",
    "ZhenQianNiuNiu BaiJiaLeGame XinHuangGuan Casino",
    "The council met[3]. It agreed[^4] to go on [ iv ].",
    "What is to be done?",
    "it goes on in lowercase",
    "Dr. Smith met Mr. Jones in the U.S. in 2009.",
    "\u00a0\u2003 \t",
    "\ufeffBOM in the middle",
    "…",
    ".",
    "[",
    "]",
    "\r",
]
texts = st.text() | st.lists(st.sampled_from(TRICKY_LINES) | st.text(max_size=80) | st.just(""), max_size=30).map(
    "\n".join
)
byte_strings = st.binary(max_size=3000) | st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
    st.binary(max_size=3000) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
)

# Generated articles: words no rule mistakes for boilerplate, metadata (no "By", no month names),
# abbreviations or initials; every sentence starts with a capital and ends with terminal punctuation.
WORDS = (
    "treaty council alliance summit envoy minister border trade policy security reset dialogue crisis "
    "reform market energy pipeline region parliament Moscow Brussels Europe Washington nuclear missile "
    "defence interests values partnership cooperation strategy election sovereignty economy"
).split()
TITLE = "Generated Article Title"


VOCABULARY = [*WORDS, *(w.capitalize() for w in WORDS)]
# Drawn as text over one code character per word: much faster to generate than lists of words.
word_lists = st.text(alphabet="".join(chr(0x100 + i) for i in range(len(VOCABULARY))), min_size=1, max_size=30).map(
    lambda codes: [VOCABULARY[ord(c) - 0x100] for c in codes]
)
# Markers in the forms the notes list accepts, spaced ones included ("[ ii ]" after a full stop was
# once missed by the sentence splitter: see test_spaced_marker_after_full_stop_ends_a_sentence).
MARKERS = ["[1]", "[7]", "[23]", "[40]", "[iv]", "[^3]", "[xii]", "[ ii ]", "[ ^5 ]"]


def _sentence(words: list[str], end: str, marker: str | None, after: bool) -> str:
    text = " ".join([words[0].capitalize(), *words[1:]])
    if marker is None:
        return text + end
    if after:
        return text + end + marker
    return text + marker + end


sentences = st.builds(
    _sentence,
    word_lists,
    st.sampled_from([".", ".", ".", "!", "?", "…"]),
    st.none() | st.sampled_from(MARKERS),
    st.booleans(),
)


def _article(paragraphs, numbers, heading, separator, newline) -> tuple[str, list[list[str]]]:
    """(the file's text, the body paragraphs as lists of sentences)."""
    blocks = []
    for paragraph in paragraphs:  # a paragraph is one or more lines, broken between sentences
        lines = [[]]
        for sentence, breaks in paragraph:
            lines[-1].append(sentence)
            if breaks:
                lines.append([])
        blocks.append("\n".join(" ".join(line) for line in lines if line))
    notes = [f"[{n}] Source number {n}, page {n * 7}." for n in numbers]
    tail = [*heading, separator.join(notes)] if notes else []
    text = "\n\n".join([TITLE, *blocks, *tail]) + "\n"
    return text.replace("\n", newline), [[s for s, _ in paragraph] for paragraph in paragraphs]


articles = st.builds(
    _article,
    st.lists(st.lists(st.tuples(sentences, st.booleans()), min_size=1, max_size=6), min_size=1, max_size=8),
    st.lists(st.integers(1, 40), unique=True, max_size=12),
    st.sampled_from([[], ["Notes"]]),
    st.sampled_from(["\n", "\n\n"]),
    st.sampled_from(["\n", "\r\n"]),
)


def fold(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- no undocumented exceptions


@SETTINGS
@given(data=byte_strings)
def test_decode_returns_text_or_raises_skipfile(data: bytes) -> None:
    try:
        text, warning = decode(data)
    except SkipFile as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and "\r" not in text
    assert warning is None or "Windows-1252" in warning


@SETTINGS
@given(text=texts, max_chars=st.integers(200, 1500))
def test_parse_article_never_raises(text: str, max_chars: int) -> None:
    parsed = build_article("doc", "doc.txt", text_document(text), max_passage_chars=max_chars)
    article = parsed.article
    assert article.title
    assert all(isinstance(w, str) and w for w in parsed.warnings)
    for n, passage in enumerate(article.passages, 1):
        assert passage.id == f"doc:{n}" and passage.ordinal == n
        assert passage.text.strip() == passage.text and passage.text
        assert len(passage.text) <= max_chars


@settings(max_examples=300, deadline=None)
@given(data=byte_strings)
def test_load_corpus_never_raises_on_a_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "odd.txt").write_bytes(data)
        corpus = load_corpus(folder)
    assert len(corpus.articles) == 1 or any(w.message.startswith("skipped") for w in corpus.warnings)


# ---------------------------------------------------------------- nothing lost, nothing doubled


@SETTINGS
@given(article=articles, max_chars=st.just(200) | st.integers(200, 1500))
def test_every_sentence_lands_in_exactly_one_passage_in_order(article, max_chars: int) -> None:
    text, body = article
    parsed = build_article("gen", "gen.txt", text_document(text), max_passage_chars=max_chars)
    passages = parsed.article.passages
    assert parsed.article.title == TITLE
    assert (parsed.article.author, parsed.article.date) == (None, None)

    # nothing lost, nothing doubled, order kept
    expected = fold(" ".join(" ".join(paragraph) for paragraph in body))
    assert fold(" ".join(p.text for p in passages)) == expected
    assert all(len(p.text) <= max_chars for p in passages)

    # no sentence straddles two passages (unless it alone is longer than a passage may be)
    joined = "\x00".join(fold(p.text) for p in passages)
    cursor = 0
    for sentence in (s for paragraph in body for s in paragraph):
        if joined[cursor : cursor + 1] in (" ", "\x00"):
            cursor += 1
        found = joined[cursor : cursor + len(sentence)]
        if len(sentence) > max_chars:
            found = found.replace("\x00", " ")
        assert found == sentence, (sentence, joined[cursor : cursor + len(sentence) + 20])
        cursor += len(sentence)
    assert cursor == len(joined)


# ---------------------------------------------------------------- stable ids


@SETTINGS
@given(
    article=articles.map(lambda a: a[0]) | texts,
    article_id=st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
    max_chars=st.just(200) | st.integers(200, 1500),
)
def test_passage_ids_are_stable_and_numbered(article: str, article_id: str, max_chars: int) -> None:
    first = build_article(article_id, "a.txt", text_document(article), max_passage_chars=max_chars).article
    second = build_article(article_id, "a.txt", text_document(article), max_passage_chars=max_chars).article
    assert [(p.id, p.text) for p in first.passages] == [(p.id, p.text) for p in second.passages]
    assert [p.id for p in first.passages] == [f"{article_id}:{n}" for n in range(1, len(first.passages) + 1)]
    assert all(p.article_id == article_id for p in first.passages)
    numbers = [p.paragraph for p in first.passages]
    assert numbers == sorted(numbers)


# ---------------------------------------------------------------- the sentence splitter

sentence_texts = st.text() | st.lists(
    st.sampled_from(list("aZ9 .!?…\"'“”‘’«»()[]^\n\t\u00a0\u2028") + ["Dr.", "U.S.", " [12]", "[^3]", "[ iv ]"]),
    max_size=80,
).map("".join)


@SETTINGS
@given(text=sentence_texts)
def test_sentence_spans_are_ordered_disjoint_and_cover_all_non_space(text: str) -> None:
    spans = sentence_spans(text)
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous_end = end
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


def test_spaced_marker_after_full_stop_ends_a_sentence() -> None:
    """Regression (fixed in 673d0f4): '.[ ii ]' ends a sentence like '.[ii]' does."""
    assert split_sentences("One.[ ii ] Two.") == ["One.[ ii ]", "Two."]
    text = f"{TITLE}\n\nAlpha beta gamma delta epsilon.[ iv ] Kappa lambda mu nu xi omicron pi rho sigma tau.\n"
    passages = build_article("x", "x.txt", text_document(text), max_passage_chars=60).article.passages
    assert [p.text for p in passages] == [
        "Alpha beta gamma delta epsilon.[ iv ]",
        "Kappa lambda mu nu xi omicron pi rho sigma tau.",
    ]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="aZbY. -é\n", max_size=40))
def test_glued_word_search_finds_what_the_plain_pattern_finds(text):
    """The glued-word search starts at a capital (faster) and finds exactly [a-z][A-Z][a-z]*[A-Z]."""
    import re

    from bot.ingest.cleaning import _ANY_GLUED_WORD

    assert bool(_ANY_GLUED_WORD.search(text)) == bool(re.search(r"[a-z][A-Z][a-z]*[A-Z]", text))


def test_a_clergy_title_is_no_sentence_end() -> None:
    """"the Rev. John Jenkins" stays one name: a quote that ended at "the Rev." would cut it off."""
    text = "Its current president is the Rev. John Jenkins. Fr. Sorin founded it with Msgr. Smith."
    assert split_sentences(text) == [
        "Its current president is the Rev. John Jenkins.",
        "Fr. Sorin founded it with Msgr. Smith.",
    ]
