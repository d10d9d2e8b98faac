"""A large server library is saved in the data folder by version: a restart opens it without the store's articles."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from bot.core.engine import Engine
from bot.core.models import Article, Corpus
from bot.library.options import LibraryPolicy
from bot.library.registry import Libraries
from bot.library.saved import server_index_dir

from .test_registry import SHARED, _noted, _scores

A = 1001
OWN_TEXTS = (
    "Commons are shared resources managed by a community.",
    "Grazing land was a classic commons.",
    "Rules for the commons emerge from local agreement.",
    "Rivers flow to the sea, past grazing land.",
    "Glaciers once covered the grazing land of the valleys.",
)
QUESTIONS = ("Who manages grazing land?", "What did Ostrom govern?", "What carves valleys?", "Where do rivers flow?")


class Store:
    """The store's two reads of a server library; `readable = False` fails any read of the articles."""

    def __init__(self, articles: tuple[Article, ...], version: str = "1"):
        self.articles, self.version, self.readable = articles, version, True

    async def guild_articles(self, guild_id: int):
        if not self.readable:
            raise AssertionError("the articles were read from the store")
        return self.version, self.articles

    async def library_version(self, guild_id: int) -> str:
        return self.version


def libraries(store: Store, data_dir, policy: LibraryPolicy | None = None) -> Libraries:
    """A new process over the store (save_from_passages=1: this small library counts as large)."""
    return Libraries(SHARED, store.guild_articles, policy, guild_version=store.library_version,
                     data_dir=data_dir, save_from_passages=1)  # fmt: skip


def saved_versions(data_dir) -> list[str]:
    folder = server_index_dir(data_dir, A)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def restarted_without_articles(store: Store, data_dir, policy: LibraryPolicy | None = None) -> Libraries:
    fresh = libraries(store, data_dir, policy)
    fresh._encoder.encode = lambda articles: pytest.fail("the server's passages were analysed again")
    store.readable = False
    return fresh


def assert_ranks_as_fresh_builds(beside: Engine, alone: Engine, own: tuple[Article, ...]) -> None:
    together, apart = Engine(Corpus(SHARED.articles + own)), Engine(Corpus(own))
    for question in QUESTIONS:
        assert _scores(beside, question) == _scores(together, question) != []
        assert _scores(alone, question) == _scores(apart, question)


async def test_a_restart_opens_the_saved_library_and_ranks_exactly_as_before(tmp_path):
    own = (_noted("commons", *OWN_TEXTS),)
    store = Store(own)
    first = await libraries(store, tmp_path).engine_for(A)
    assert len(saved_versions(tmp_path)) == 1
    alone_policy = LibraryPolicy(search_shared_beside_own=False)
    await libraries(store, tmp_path / "apart", alone_policy).engine_for(A)
    beside = await restarted_without_articles(store, tmp_path).engine_for(A)
    alone = await restarted_without_articles(store, tmp_path / "apart", alone_policy).engine_for(A)
    assert_ranks_as_fresh_builds(beside, alone, own)
    assert [_scores(beside, q) for q in QUESTIONS] == [_scores(first, q) for q in QUESTIONS]


async def test_a_small_library_is_not_saved(tmp_path):
    store = Store((_noted("commons", *OWN_TEXTS),))
    plain = Libraries(SHARED, store.guild_articles, guild_version=store.library_version, data_dir=tmp_path)
    assert (await plain.engine_for(A)).ask("Who manages grazing land?").answered
    assert saved_versions(tmp_path) == []


async def test_a_new_version_is_built_from_the_store_and_replaces_the_old_copy(tmp_path):
    store = Store((_noted("commons", *OWN_TEXTS),))
    await libraries(store, tmp_path).engine_for(A)
    old = saved_versions(tmp_path)
    store.articles = (*store.articles, _noted("ferns", "Ferns spread by spores in damp shade."))
    store.version = "2"
    rebuilt = await libraries(store, tmp_path).engine_for(A)
    assert rebuilt.ask("How do ferns spread?").excerpts[0].passage.id == "ferns:1"
    assert len(saved_versions(tmp_path)) == 1 and saved_versions(tmp_path) != old
    beside = await restarted_without_articles(store, tmp_path).engine_for(A)
    assert [_scores(beside, q) for q in QUESTIONS] == [_scores(rebuilt, q) for q in QUESTIONS]


async def test_a_library_emptied_leaves_no_saved_copy(tmp_path):
    store = Store((_noted("commons", *OWN_TEXTS),))
    await libraries(store, tmp_path).engine_for(A)
    store.articles, store.version = (), "2"
    assert await libraries(store, tmp_path).engine_for(A) is SHARED
    assert not server_index_dir(tmp_path, A).exists()


async def test_a_damaged_copy_is_ignored_with_a_warning_and_rebuilt(tmp_path, caplog):
    own = (_noted("commons", *OWN_TEXTS),)
    store = Store(own)
    await libraries(store, tmp_path).engine_for(A)
    (folder,) = server_index_dir(tmp_path, A).iterdir()
    for array in folder.glob("*.npy"):
        array.write_bytes(b"not an array")
    with caplog.at_level(logging.WARNING, logger="studybot.library"):
        beside = await libraries(store, tmp_path).engine_for(A)
    assert any("ignoring the saved index of server" in r.getMessage() for r in caplog.records)
    alone = await libraries(store, tmp_path / "apart", LibraryPolicy(search_shared_beside_own=False)).engine_for(A)
    assert_ranks_as_fresh_builds(beside, alone, own)
    again = await restarted_without_articles(store, tmp_path).engine_for(A)  # the rebuilt copy was saved
    assert [_scores(again, q) for q in QUESTIONS] == [_scores(beside, q) for q in QUESTIONS]


async def test_a_data_folder_that_cannot_be_written_still_answers(tmp_path, caplog):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data folder should be")  # every write under it fails, even as root
    own = (_noted("commons", *OWN_TEXTS),)
    with caplog.at_level(logging.WARNING, logger="studybot.library"):
        beside = await libraries(Store(own), blocked).engine_for(A)
    alone = await libraries(Store(own), blocked, LibraryPolicy(search_shared_beside_own=False)).engine_for(A)
    assert_ranks_as_fresh_builds(beside, alone, own)
    assert any("could not save the index of server" in r.getMessage() for r in caplog.records)


async def test_beside_a_saved_shared_library_both_are_read_in_place_and_button_keys_resolve(tmp_path):
    import shutil

    from bot.config import bundled_corpus_dir
    from bot.core.models import passage_key
    from bot.library.saved import LibraryOptions, open_library

    shutil.copytree(bundled_corpus_dir(), tmp_path / "corpus")
    shared = open_library(LibraryOptions(tmp_path / "corpus", tmp_path / "data"))
    own = (_noted("commons", *OWN_TEXTS),)
    store = Store(own)
    await Libraries(shared, store.guild_articles, guild_version=store.library_version, data_dir=tmp_path / "data",
                    save_from_passages=1).engine_for(A)  # fmt: skip
    restarted = Libraries(shared, store.guild_articles, guild_version=store.library_version,
                          data_dir=tmp_path / "data", save_from_passages=1)  # fmt: skip
    store.readable = False
    beside = await restarted.engine_for(A)
    together = Engine(Corpus(shared.articles + own))
    for question in (*QUESTIONS, "Who pressed the reset button with Russia?"):
        assert _scores(beside, question) == _scores(together, question)
    assert _scores(beside, "Who manages grazing land?")[0][0].startswith("commons:")
    assert not _scores(beside, "Who pressed the reset button with Russia?")[0][0].startswith("commons:")
    for passage in (shared.passages[0], own[0].passages[-1]):
        position = beside.corpus.passage_at_key(passage_key(passage.id))
        assert beside.passages[position].id == passage.id


# -- a change heard on the change feed (from this host or another): older copies leave the data folder

FERNS = _noted("ferns", "Ferns spread by spores in damp shade.", "A fern unrolls its fronds in spring.")
B = 1002


def holding(data_dir, text: bytes) -> list:
    return [p for p in data_dir.rglob("*") if p.is_file() and text in p.read_bytes()]


def quotes_ferns(engine: Engine) -> bool:
    return any(e.passage.id.startswith("ferns:") for e in engine.ask("How do ferns spread by spores?").excerpts)


class TwoServers(Store):
    """Server A's library as Store's; server B's is the commons alone, at version "1" throughout."""

    async def guild_articles(self, guild_id: int):
        return await super().guild_articles(guild_id) if guild_id == A else ("1", (_noted("commons", *OWN_TEXTS),))

    async def library_version(self, guild_id: int) -> str:
        return self.version if guild_id == A else "1"


async def test_a_change_heard_drops_older_copies_of_that_server_only_and_keeps_the_current_one(tmp_path):
    store = TwoServers((_noted("commons", *OWN_TEXTS), FERNS))
    libs = libraries(store, tmp_path)
    await libs.engine_for(A)
    await libs.engine_for(B)
    (current,), others = saved_versions(tmp_path), sorted(server_index_dir(tmp_path, B).rglob("*"))
    libs.changed(A)  # a notice for a version already saved here (this host's own change): nothing to drop
    await libs.dropped()
    assert saved_versions(tmp_path) == [current]
    store.articles, store.version = store.articles[:1], "2"  # ferns removed on another host
    libs.changed(A)
    await libs.dropped()
    assert not server_index_dir(tmp_path, A).exists() and holding(tmp_path, b"spores") == []
    assert libs.version_of(A) is None and libs.version_of(B) == "1"
    assert sorted(server_index_dir(tmp_path, B).rglob("*")) == others
    assert not quotes_ferns(await libs.engine_for(A))


async def test_a_change_heard_while_a_load_reads_the_old_articles_leaves_no_copy_of_them(tmp_path):
    """The load in flight answers from what it read; the copy it saved goes once it is done, and the
    next question builds without the removed document."""
    store = Store((_noted("commons", *OWN_TEXTS), FERNS))
    read, reading, go_on = store.guild_articles, asyncio.Event(), asyncio.Event()

    async def slow(guild_id: int):
        found = await read(guild_id)
        reading.set()
        await go_on.wait()
        return found

    store.guild_articles = slow
    libs = libraries(store, tmp_path)
    asking = asyncio.create_task(libs.engine_for(A))
    await reading.wait()
    store.articles, store.version = store.articles[:1], "2"  # removed meanwhile, on another host
    libs.changed(A)
    go_on.set()
    assert quotes_ferns(await asking)  # in flight before the drop: what it read
    await libs.dropped()
    assert holding(tmp_path, b"spores") == [] and libs.version_of(A) is None
    assert not quotes_ferns(await libs.engine_for(A))
    assert holding(tmp_path, b"spores") == [] and holding(tmp_path, b"grazing land")


async def test_a_load_cancelled_while_its_thread_saves_a_copy_does_not_resurrect_the_removed_text(
    tmp_path, monkeypatch
):
    """A cancelled question lets go of the server's lock, but its build thread goes on and saves a copy
    of what it read: the drop waits for that thread before removing the server's older copies."""
    import bot.library.registry as registry

    store = Store((_noted("commons", *OWN_TEXTS), FERNS))
    libs = libraries(store, tmp_path)
    building, release, saved = threading.Event(), threading.Event(), threading.Event()
    encode, save = libs._encoder.encode, registry.save_server_library

    def slow_encode(articles):
        building.set()
        release.wait(10)
        return encode(articles)

    def noted_save(*args):
        try:
            return save(*args)
        finally:
            saved.set()

    libs._encoder.encode = slow_encode
    monkeypatch.setattr(registry, "save_server_library", noted_save)
    asking = asyncio.create_task(libs.engine_for(A))
    assert await asyncio.to_thread(building.wait, 10)
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking
    store.articles, store.version = store.articles[:1], "2"
    libs.changed(A)
    await asyncio.sleep(0.05)  # the drop has the lock now: it must wait for the thread
    release.set()
    assert await asyncio.to_thread(saved.wait, 10)
    await libs.dropped()
    assert holding(tmp_path, b"spores") == []
    assert not quotes_ferns(await libs.engine_for(A))
