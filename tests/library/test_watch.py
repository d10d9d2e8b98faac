"""The watched corpus folder: a file added, changed or removed replaces the shared engine once it
holds still; a half-written file waits; a failing rebuild keeps the old engine; questions are
answered from the old engine while the new one builds."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import pytest

from bot.library.registry import Libraries
from bot.library.saved import LibraryOptions, index_dir, open_library
from bot.library.watch import FolderWatcher, load_shared
from testing.memory import mapped_rss_kb
from tests.support.readings import QUESTION, READING

ONIONS = "# Onions\n\nOnions are layered bulbs grown in cool soil; farmers cure them in the sun.\n"
VOLCANOES = "# Volcanoes\n\nVolcanoes erupt when magma rises through the crust.\n"


@pytest.fixture
def options(tmp_path) -> LibraryOptions:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "onions.md").write_text(ONIONS, encoding="utf-8")
    (folder / "volcanoes.md").write_text(VOLCANOES, encoding="utf-8")
    return LibraryOptions(corpus_path=folder, data_dir=tmp_path / "data")


def watched(options: LibraryOptions, build=None) -> tuple[FolderWatcher, Libraries]:
    engine, key = load_shared(options)
    libraries = Libraries(engine)
    extra = {"build": build} if build else {}
    return FolderWatcher(options, libraries, key, interval=0, **extra), libraries


def answers_quokkas(libraries: Libraries) -> bool:
    answer = libraries.shared.ask(QUESTION)
    return answer.answered and any("twelve thousand" in e.quote for e in answer.excerpts)


async def test_an_added_file_is_answered_once_it_holds_still_for_a_poll(options):
    watcher, libraries = watched(options)
    (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
    assert await watcher.poll() is None  # just changed: it may still be being written
    assert not answers_quokkas(libraries)
    done = await watcher.poll()
    assert done is not None and done.added == ("quokkas",) and not done.removed and not done.changed
    assert done.articles == 3 and done.passages == len(libraries.shared.passages)
    assert answers_quokkas(libraries)
    assert await watcher.poll() is None and await watcher.poll() is None  # nothing more to do


async def test_a_changed_file_and_a_removed_file_are_picked_up(options):
    watcher, libraries = watched(options)
    (options.corpus_path / "onions.md").write_text(ONIONS + "\nShallots are milder cousins of onions.\n")
    (options.corpus_path / "volcanoes.md").unlink()
    await watcher.poll()
    done = await watcher.poll()
    assert done is not None and done.changed == ("onions",) and done.removed == ("volcanoes",)
    assert done.summary().startswith("removed volcanoes; changed onions — now 1 article, 2 passages (")
    assert libraries.shared.article("volcanoes") is None
    assert "Shallots" in libraries.shared.ask("Which cousins of onions are milder?").excerpts[0].quote


async def test_a_file_still_being_written_waits_until_it_stops_changing(options):
    builds = []

    def counting_build(opts):
        builds.append(1)
        return open_library(opts).prepare_lookups()

    watcher, libraries = watched(options, counting_build)
    half, rest = READING[: len(READING) // 3], READING[len(READING) // 3 :]
    path = options.corpus_path / "quokkas.md"
    path.write_text(half, encoding="utf-8")
    assert await watcher.poll() is None
    with path.open("a", encoding="utf-8") as more:  # still arriving at the next poll
        more.write(rest)
    assert await watcher.poll() is None and not builds
    done = await watcher.poll()
    assert done is not None and done.added == ("quokkas",) and len(builds) == 1
    assert answers_quokkas(libraries)  # the whole file, not the half first seen


async def test_a_failing_rebuild_keeps_the_old_engine_and_says_why(options, caplog):
    watcher, libraries = watched(options)
    before = libraries.shared
    (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
    (options.corpus_path / "manifest.yaml").write_text("articles: [unclosed\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="studybot.library"):
        await watcher.poll()
        assert await watcher.poll() is None
    assert libraries.shared is before and not answers_quokkas(libraries)
    assert "manifest.yaml" in caplog.text and "still answering from the previous one" in caplog.text
    assert await watcher.poll() is None and libraries.shared is before  # not retried until it changes again
    (options.corpus_path / "manifest.yaml").unlink()
    await watcher.poll()
    assert (await watcher.poll()).added == ("quokkas",) and answers_quokkas(libraries)


async def test_an_emptied_folder_keeps_the_old_engine(options, caplog):
    watcher, libraries = watched(options)
    before = libraries.shared
    for path in options.corpus_path.iterdir():
        path.unlink()
    with caplog.at_level(logging.WARNING, logger="studybot.library"):
        assert await watcher.poll(at_once=True) is None
    assert libraries.shared is before and before.article("onions") is not None
    assert "no article with text" in caplog.text


async def test_questions_are_answered_from_the_old_engine_while_the_new_one_builds(options):
    building, release = threading.Event(), threading.Event()

    def slow_build(opts):
        building.set()
        assert release.wait(10)
        return open_library(opts).prepare_lookups()

    watcher, libraries = watched(options, slow_build)
    before = libraries.shared
    (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
    reloading = asyncio.create_task(watcher.poll(at_once=True))
    try:
        assert await asyncio.to_thread(building.wait, 10)
        for _ in range(3):  # the event loop is free and serves the old engine
            assert await libraries.engine_for(None) is before
            assert before.ask("When do volcanoes erupt?").answered and not answers_quokkas(libraries)
            await asyncio.sleep(0.01)
    finally:
        release.set()
    done = await asyncio.wait_for(reloading, 10)
    assert done.added == ("quokkas",) and libraries.shared is not before and answers_quokkas(libraries)


async def test_reload_now_rebuilds_at_once_with_polling_off(options):
    watcher, libraries = watched(options)  # interval 0: no polling
    running = asyncio.create_task(watcher.run())
    try:
        (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
        await asyncio.sleep(0.2)
        assert not answers_quokkas(libraries)  # nobody looks without being asked
        watcher.reload_now()
        for _ in range(100):
            if answers_quokkas(libraries):
                break
            await asyncio.sleep(0.05)
        assert answers_quokkas(libraries)
    finally:
        running.cancel()


async def test_a_newer_saved_index_from_another_process_is_loaded(options):
    """`studybot index` (or `studybot reload`) saved the index anew: the bot loads that one."""
    watcher, libraries = watched(options)
    (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
    open_library(options)  # another process brings the saved index up to date
    done = await watcher.poll(at_once=True)
    assert done is not None and done.added == ("quokkas",) and answers_quokkas(libraries)


async def test_a_reload_brings_the_new_index_into_memory_before_any_question(options):
    """As at the bot's start: the rebuilt index's pages are mapped in by the reload, not by the first
    questions that touch them (bot.library.resident)."""
    watcher, libraries = watched(options)
    paragraphs = (f"Field note {n}: the {n % 97}th quokka colony counted {n * 7} burrows near creek {n % 13}."
                  for n in range(4000))  # fmt: skip
    (options.corpus_path / "notes.md").write_text("# Field notes\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    done = await watcher.poll(at_once=True)
    assert done is not None and done.added == ("notes",)
    on_disk = sum(p.stat().st_size for p in index_dir(options).glob("*.npy"))
    assert on_disk > 512 << 10  # several times the 64 KB a first touch maps around it
    assert mapped_rss_kb(os.getpid(), index_dir(options)) * 1024 >= 0.9 * on_disk


async def test_a_reload_that_could_not_save_its_index_maps_none_of_the_old_one_in(options, monkeypatch):
    """The data folder became read-only: the rebuilt engine answers from memory, and the reload does not
    fault in the old index's files, which the engine it replaced leaves behind."""
    from bot.library import watch

    watcher, libraries = watched(options)
    calls = []
    monkeypatch.setattr(watch, "make_resident", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr("bot.library.saved._write_saved", _refuse_to_write)
    (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
    done = await watcher.poll(at_once=True)
    assert done is not None and done.added == ("quokkas",) and answers_quokkas(libraries)
    assert calls == []
    monkeypatch.undo()  # writable again: the next rebuild is saved and mapped in
    watcher, libraries = watched(options)
    monkeypatch.setattr(watch, "make_resident", lambda *args, **kwargs: calls.append(args))
    (options.corpus_path / "onions.md").write_text(ONIONS + "\nShallots are milder cousins of onions.\n")
    assert (await watcher.poll(at_once=True)).changed == ("onions",)
    assert calls == [(index_dir(options),)]


def _refuse_to_write(*args, **kwargs):
    raise PermissionError("read-only file system")
