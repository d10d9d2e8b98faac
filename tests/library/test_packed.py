"""The saved corpus as memory-mapped arrays: what is read back is what was saved, damage is refused."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.engine import Engine
from bot.core.models import Article, Corpus, Footnote, LoadWarning, Passage
from bot.library import packed


def _article(article_id: str, texts: list[str], footnotes=(), cites=None, pages=None, **fields) -> Article:
    passages = tuple(
        Passage(f"{article_id}:{i}", article_id, i, (i + 1) // 2, text,
                footnotes=tuple((cites or {}).get(i, ())), pages=tuple((pages or {}).get(i, ())))
        for i, text in enumerate(texts, 1)
    )  # fmt: skip
    return Article(article_id, f"/corpus/{article_id}.pdf", article_id.title(), passages=passages,
                   footnotes=tuple(footnotes), **fields)  # fmt: skip


@pytest.fixture
def corpus() -> Corpus:
    first, ibid, op_cit = (
        Footnote("1", "Kennan, The Long Telegram, 1946."),
        Footnote("2", "Kennan, The Long Telegram, 1946.", "1"),
        Footnote("3", "See Kennan, The Long Telegram, 1946, p. 4.", "1", op_cit=True),
    )
    paged = _article(
        "kennan", ["Containment was the doctrine [1].", "Ibid. again [2] and [1].", "Naïve «quotes» — 東京 ✓ [3]"],
        footnotes=(first, ibid, op_cit), cites={1: (first,), 2: (ibid, first), 3: (op_cit,)},
        pages={1: (3,), 2: (3, 4)},
        author="A. Writer", date="1947-07-01", publication="Foreign Affairs", url="https://example.org/x",
        language="en", page_labels=("i", "ii", "1", "2"),
    )  # fmt: skip
    empty = _article("empty", [])
    plain = _article("notes_de", ["Die Entspannungspolitik begann 1969."], language="de")
    return Corpus((paged, empty, plain), (LoadWarning("/corpus/bad.pdf", "no text layer"),))


def test_a_saved_corpus_reads_back_equal(corpus, tmp_path):
    packed.save_corpus(tmp_path, corpus)
    loaded = packed.load_corpus(tmp_path)
    assert loaded.articles == corpus.articles
    assert list(loaded.passages) == list(corpus.passages)
    assert loaded.warnings == corpus.warnings
    kennan = loaded.article("kennan")
    assert kennan.passages[1].footnotes[0].ibid_of == "1" and kennan.passages[0].footnotes[0].ibid_of is None
    assert kennan.passages[2].footnotes[0].op_cit and not kennan.passages[1].footnotes[0].op_cit
    assert kennan.footnote("[2]").source == "Kennan, The Long Telegram, 1946."
    assert kennan.page_label(3) == "1"


def test_passages_behave_as_a_tuple(corpus, tmp_path):
    packed.save_corpus(tmp_path, corpus)
    passages, expected = packed.load_corpus(tmp_path).passages, corpus.passages
    assert len(passages) == 4 and passages[-1] == expected[-1] and passages[1:3] == expected[1:3]
    assert list(passages[::2]) == list(expected[::2]) and list(passages[3:1]) == []
    assert passages[:2] + passages[2:] == expected
    with pytest.raises(IndexError):
        passages[4]


def test_engine_over_a_saved_corpus_finds_passages_by_id(corpus, tmp_path):
    packed.save_corpus(tmp_path, corpus)
    engine = Engine(packed.load_corpus(tmp_path))
    found = engine.passage("kennan:2")
    assert found.passage.text == "Ibid. again [2] and [1]." and (found.previous, found.next) == ("kennan:1", "kennan:3")
    assert engine.passage(" notes_de:1 ").passage.article_id == "notes_de"
    for wrong in ("kennan:0", "kennan:4", "kennan:x", "kennan:²", "nobody:1", "kennan", ""):
        assert engine.passage(wrong) is None, wrong
    assert list(engine.passage_ids()) == [p.id for p in corpus.passages]
    assert engine.footnote("kennan", "1").cited_by == ("kennan:1", "kennan:2")
    assert engine.ask("containment doctrine").excerpts[0].passage.id == "kennan:1"


def test_a_passage_off_the_id_layout_is_not_packed(tmp_path):
    stray = Passage("kennan:7", "kennan", 7, 1, "Numbered by hand.")
    with pytest.raises(packed.Unpackable, match="kennan:7"):
        packed.save_corpus(tmp_path, Corpus((Article("kennan", "/k.txt", "K", passages=(stray,)),)))


@pytest.mark.parametrize("name", ["text_blob", "text_offsets", "paragraphs", "note_string_offsets", "pages"])
def test_a_truncated_array_is_refused(corpus, tmp_path, name):
    packed.save_corpus(tmp_path, corpus)
    array = np.load(tmp_path / f"{name}.npy")
    np.save(tmp_path / f"{name}.npy", array[:-1])
    with pytest.raises(ValueError, match="do not fit together"):
        packed.load_corpus(tmp_path)


async def test_a_server_library_beside_a_saved_shared_one(corpus, tmp_path):
    from bot.library.registry import Libraries

    packed.save_corpus(tmp_path, corpus)
    shared = Engine(packed.load_corpus(tmp_path))
    own = (_article("quokkas", ["Quokkas live on Rottnest Island."]),)

    async def guild_articles(guild_id: int):
        return "1", own

    engine = await Libraries(shared, guild_articles).engine_for(1)
    assert len(engine.passages) == 5 and engine.passages[-1].id == "quokkas:1" and engine.passages[0].id == "kennan:1"
    assert engine.ask("Where do quokkas live?").excerpts[0].passage.id == "quokkas:1"
    assert engine.ask("containment doctrine").excerpts[0].passage.id == "kennan:1"
    assert engine.passage("kennan:3").next is None and engine.passage("quokkas:1").passage.article_id == "quokkas"
    assert [p.id for p in engine.passages_by_id_prefix("kennan:", 2)] == ["kennan:1", "kennan:2"]


async def test_a_button_key_finds_its_passage_beside_a_saved_shared_library(corpus, tmp_path):
    """A combined library answers a button's key from the shared table and the server's own keys: the
    first click builds nothing over the shared passages."""
    from bot.app.answering import PassageKeys
    from bot.core.models import passage_key
    from bot.library.registry import Libraries

    packed.save_corpus(tmp_path, corpus)
    shared = Engine(packed.load_corpus(tmp_path))
    own = (_article("quokkas", ["Quokkas live on Rottnest Island.", "They eat leaves."]),)

    async def guild_articles(guild_id: int):
        return "1", own

    engine = await Libraries(shared, guild_articles).engine_for(1)
    ids = [p.id for p in engine.passages]
    assert ids[-2:] == ["quokkas:1", "quokkas:2"]
    for position, passage_id in enumerate(ids):
        assert engine.corpus.passage_at_key(passage_key(passage_id)) == position
    assert engine.corpus.passage_at_key(passage_key("quokkas:3")) is None
    assert engine.corpus.passage_at_key("zz" * 9) is None
    keys = PassageKeys(engine)
    assert keys.passage_id(passage_key("kennan:2")) == "kennan:2"
    assert keys.passage_id(passage_key("quokkas:2")) == "quokkas:2"


def test_a_corpus_without_notes_or_text_reads_back(tmp_path):
    bare = Corpus((_article("blank", ["", ""]),))
    packed.save_corpus(tmp_path, bare)
    assert list(packed.load_corpus(tmp_path).passages) == list(bare.passages)


def test_a_button_key_finds_its_passage_in_the_saved_table(corpus, tmp_path):
    """A button carries passage_key(id); the saved table finds the passage without building a dict."""
    from bot.core.models import passage_key

    packed.save_corpus(tmp_path, corpus)
    loaded = packed.load_corpus(tmp_path)
    passages = list(corpus.passages)
    for position, passage in enumerate(passages):
        assert loaded.passage_at_key(passage_key(passage.id)) == position
    other = passage_key("kennan:99")  # no such passage: a key of the right shape that is in no table
    assert loaded.passage_at_key(other) is None
    for malformed in ("", "zz" * 9, passage_key(passages[0].id).upper(), passage_key(passages[0].id)[:-1]):
        assert loaded.passage_at_key(malformed) is None


def test_a_saved_article_knows_its_version_without_reading_its_passages(corpus, tmp_path, monkeypatch):
    """An answer at 1M passages asks the version of each article it quotes: a saved index keeps them,
    so none is worked out again over thousands of memory-mapped passages."""
    from bot.core import versions

    packed.save_corpus(tmp_path, corpus)
    loaded = packed.load_corpus(tmp_path)
    monkeypatch.setattr(versions, "_fingerprint", lambda article: pytest.fail("fingerprinted again"))
    assert [versions.article_version(a) for a in loaded.articles] == [a.version for a in loaded.articles]
    monkeypatch.undo()
    assert [versions.article_version(a) for a in loaded.articles] == [versions._fingerprint(a) for a in corpus.articles]
