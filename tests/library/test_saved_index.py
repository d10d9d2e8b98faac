"""The saved index: reused while the corpus is unchanged, rebuilt when it changes, never trusted blindly."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot.config import bundled_corpus_dir, load_settings
from bot.core.models import passage_key
from bot.library import saved as library
from bot.wiring import library_options


@pytest.fixture
def settings(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(bundled_corpus_dir(), corpus)
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {{path: {corpus}}}\ndata_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return library_options(load_settings(config))


@pytest.fixture
def other(settings, tmp_path):
    """A second corpus folder; both folders' saved indexes written."""
    from dataclasses import replace

    other_folder = tmp_path / "other"
    other_folder.mkdir()
    (other_folder / "volcanoes.txt").write_text("Volcanoes erupt when magma rises.\n", encoding="utf-8")
    other = replace(settings, corpus_path=other_folder)
    library.open_library(settings, save=True)
    library.open_library(other, save=True)
    return other


def _no_parsing(*args, **kwargs):
    raise AssertionError("the corpus was parsed again")


def test_saved_index_is_reused_memory_mapped(settings, monkeypatch):
    first = library.open_library(settings, save=True)
    assert (library.index_dir(settings) / "fingerprint").exists()
    monkeypatch.setattr(library, "load_corpus", _no_parsing)
    again = library.open_library(settings)
    assert isinstance(again.index.postings, np.memmap)
    question = "Who heads the Joint Chiefs of Staff?"
    assert [e.score for e in again.ask(question).excerpts] == [e.score for e in first.ask(question).excerpts]


def test_a_fresh_build_serves_its_saved_copy_memory_mapped(settings):
    """What a build hands back (at a first start, a folder reload) is what a warm start would load:
    shared mapped pages and the saved button-key table, not a second copy in memory."""
    built = library.open_library(settings)
    assert isinstance(built.index.postings, np.memmap)
    assert built.corpus.passage_at_key is not None
    assert built.corpus.passage_at_key(passage_key(built.passages[3].id)) == 3


def test_saved_passages_and_footnotes_read_back_as_parsed(settings, monkeypatch):
    first = library.open_library(settings, save=True)
    monkeypatch.setattr(library, "load_corpus", _no_parsing)
    again = library.open_library(settings)
    assert again.articles == first.articles and list(again.passages) == list(first.passages)
    cited = next(p for p in first.passages if p.footnotes)
    assert again.passage(cited.id).passage.footnotes == cited.footnotes


def test_passages_from_the_other_index_are_refused(settings, other):
    mine, theirs = library.index_dir(settings), library.index_dir(other)
    for name in ("postings.npy", "block_docs.npy", "vocabulary.json"):  # a half-swapped copy: another corpus's
        shutil.copy(theirs / name, mine / name)
    assert library.open_library(settings).ask("Who heads the Joint Chiefs of Staff?").answered


def test_changed_corpus_is_rebuilt(settings):
    library.open_library(settings, save=True)
    extra = settings.corpus_path / "zz_new.txt"
    extra.write_text("Quantum entanglement seminar notes.\n", encoding="utf-8")
    engine = library.open_library(settings)
    assert engine.ask("quantum entanglement").answered
    extra.write_text("Now about volcanoes.\n", encoding="utf-8")
    engine = library.open_library(settings)
    assert not engine.ask("quantum entanglement").answered and engine.ask("volcanoes").answered


def test_changed_loading_settings_rebuild(settings):
    from dataclasses import replace

    library.open_library(settings, save=True)
    smaller = replace(settings, max_passage_chars=300)
    assert library.fingerprint(smaller) != library.fingerprint(settings)
    assert len(library.open_library(smaller).passages) > len(library.open_library(settings).passages)


@pytest.mark.parametrize("damaged", ["articles.json", "text_blob.npy", "note_offsets.npy", "postings.npy"])
def test_damaged_saved_index_is_ignored(settings, caplog, damaged):
    library.open_library(settings, save=True)
    (library.index_dir(settings) / damaged).write_bytes(b"not what was saved")
    engine = library.open_library(settings)
    assert engine.ask("reset").answered
    assert "rebuilding" in caplog.text


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("postings.npy", lambda a: a[:-1]),  # a block's bytes cut short
        ("block_kinds.npy", lambda a: a | 7),  # a gap width the layout does not have
        ("block_starts.npy", lambda a: np.concatenate(([0], a[1:] + 1))),  # blocks shifted by a byte
        ("term_blocks.npy", lambda a: a[::-1].copy()),  # blocks claimed by the wrong terms
    ],
)
def test_saved_postings_that_do_not_fit_together_are_rebuilt(settings, caplog, name, damage):
    """Well-formed .npy files whose contents disagree are caught before the C search reads past them."""
    question = "Who heads the Joint Chiefs of Staff?"
    scores = [e.score for e in library.open_library(settings, save=True).ask(question).excerpts]
    path = library.index_dir(settings) / name
    np.save(path, damage(np.load(path)))
    engine = library.open_library(settings)
    assert "rebuilding" in caplog.text
    assert [e.score for e in engine.ask(question).excerpts] == scores


def test_unwritable_data_folder_still_answers(settings, tmp_path, caplog):
    from dataclasses import replace

    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    engine = library.open_library(replace(settings, data_dir=blocker / "data"))
    assert engine.ask("reset").answered and "could not save the index" in caplog.text


def test_each_corpus_folder_keeps_its_own_saved_index(settings, other, monkeypatch):
    assert library.index_dir(settings) != library.index_dir(other)
    monkeypatch.setattr(library, "load_corpus", _no_parsing)  # switching back and forth parses nothing
    assert library.open_library(settings).ask("reset").answered
    assert library.open_library(other).ask("volcanoes").answered


def test_an_unchanged_corpus_is_not_hashed_again(settings, monkeypatch):
    library.open_library(settings, save=True)
    monkeypatch.setattr(library, "fingerprint", _no_parsing)  # reading every byte is not needed
    assert library.open_library(settings).ask("reset").answered


def test_a_touched_but_unchanged_file_is_hashed_once_then_trusted(settings, monkeypatch):
    import os

    library.open_library(settings, save=True)
    some_file = next(settings.corpus_path.glob("*.txt"))
    os.utime(some_file, ns=(1, 1))
    monkeypatch.setattr(library, "load_corpus", _no_parsing)
    assert library.open_library(settings).ask("reset").answered  # hashed: same bytes, saved copy used
    monkeypatch.setattr(library, "fingerprint", _no_parsing)
    assert library.open_library(settings).ask("reset").answered  # the new stat key was remembered


def test_buttons_of_the_saved_library_find_their_passages_from_the_saved_key_table(settings, monkeypatch, tmp_path):
    """The bot resolves a button's passage key through the saved table (no dict over every passage at
    start) and gets the passage the key was made from, as a library held in memory does."""
    from dataclasses import replace

    from bot.app.answering import PassageKeys
    from bot.core.models import passage_key

    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    built = library.open_library(replace(settings, data_dir=blocker / "data"))  # nowhere to save: in memory
    library.open_library(settings, save=True)
    monkeypatch.setattr(library, "load_corpus", _no_parsing)
    saved = library.open_library(settings)
    assert saved.corpus.passage_at_key is not None and built.corpus.passage_at_key is None
    from_saved, from_built = PassageKeys(saved), PassageKeys(built)
    for passage in list(built.passages)[::7]:
        key = passage_key(passage.id)
        assert from_saved.passage_id(key) == from_built.passage_id(key) == passage.id
    assert from_saved.passage_id(passage_key("no-such-article:1")) is None


def test_the_garbage_collector_is_paused_for_a_build_and_back_after_it_even_when_it_fails(settings, monkeypatch):
    import gc

    seen = []
    real = library.load_corpus

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(library, "load_corpus", watched)
    assert gc.isenabled()
    library.open_library(settings, save=True)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(library, "load_corpus", _no_parsing)
    with pytest.raises(AssertionError, match="parsed again"):
        library.open_library(settings, save=True)
    assert gc.isenabled()


def test_of_two_loads_of_a_stale_folder_at_once_one_builds_and_the_other_loads_its_copy(settings, monkeypatch):
    """Two bot processes (here threads, each with its own lock file handle) after a corpus change: the
    index is built once, not twice; both answer from it."""
    import threading
    import time

    real_build, builds = library._build_library, []

    def slow_build(*args, **kwargs):
        builds.append(threading.get_ident())
        time.sleep(0.3)  # the other load arrives while this one builds
        return real_build(*args, **kwargs)

    monkeypatch.setattr(library, "_build_library", slow_build)
    engines = []
    loads = [threading.Thread(target=lambda: engines.append(library.open_library(settings))) for _ in range(2)]
    for load in loads:
        load.start()
    for load in loads:
        load.join(timeout=60)
    assert len(engines) == 2 and len(builds) == 1
    question = "Who is Andrei Tsygankov?"
    assert [e.ask(question).excerpts[0].passage.id for e in engines] == [
        engines[0].ask(question).excerpts[0].passage.id
    ] * 2
