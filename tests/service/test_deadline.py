"""A database that hangs cannot hold a first reply: every call a first reply waits on gives up in time."""

from __future__ import annotations

import asyncio

import pytest

from bot.service import deadline
from bot.service.admin import SettingsChange
from bot.service.asking import Question
from bot.service.library import Library, Upload
from bot.storage import StorageUnavailable
from tests.service.conftest import GUILD, member

BUDGET_S = 0.05


class HangingStore:
    """Every read and write waits forever, as behind a lock on a server that never answers."""

    def __getattr__(self, name):
        async def hang(*_args, **_kwargs):
            await asyncio.Event().wait()

        return hang


class SlowToCancelStore:
    """Every call waits forever, and once cancelled takes seconds to end: a statement queued behind
    another process's write lock, whose rollback waits out the store's busy timeout."""

    def __getattr__(self, name):
        async def stuck(*_args, **_kwargs):
            try:
                await asyncio.Event().wait()
            finally:
                await asyncio.shield(asyncio.sleep(3))

        return stuck


@pytest.fixture(params=[HangingStore, SlowToCancelStore], ids=["hanging", "slow-to-cancel"])
def hanging(services, monkeypatch, request):
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    for service in (services.rules, services.admin, services.answers, services.asking, services.library):
        monkeypatch.setattr(service, "store", request.param())
    return services


DOCUMENT = "0123456789"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.asking.check(Question(member(), "Who is Andrei Tsygankov?")),  # reads the server's settings
        lambda s: s.admin.settings(member(can_manage=True), SettingsChange(excerpts=2)),
        lambda s: s.admin.stats(member(can_manage=True)),
        lambda s: s.answers.find("0123456789ab", member()),
        lambda s: s.library.list(member()),
        lambda s: s.library.card(member(), DOCUMENT),
        lambda s: s.library.info(member(), DOCUMENT),
        lambda s: s.library.document_items(member()),
        lambda s: s.library.check(member(can_manage=True), Upload("notes.md", 100)),
        lambda s: s.library.remove(member(can_manage=True), DOCUMENT),
    ],
    ids=["ask", "settings", "stats", "button", "library-list", "library-card", "library-info", "autocomplete",
         "library-add", "library-remove"],  # fmt: skip
)
async def test_a_hanging_database_is_unavailable_before_the_first_reply(hanging, call, caplog):
    started = asyncio.get_running_loop().time()
    with pytest.raises(StorageUnavailable, match="in time"):
        await asyncio.wait_for(call(hanging), 5)  # the outer bound only keeps a failing test from hanging
    assert asyncio.get_running_loop().time() - started < 1  # not the seconds a cancelled call takes to end
    assert "try again" in caplog.text


async def test_cached_settings_need_no_database(services, monkeypatch):
    await services.rules.settings(GUILD)  # read once while the database answers
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    monkeypatch.setattr(services.rules, "store", HangingStore())
    assert (await services.rules.settings(GUILD)).top_k is None


async def test_a_call_given_up_on_is_held_until_it_ends_and_its_late_error_is_read(monkeypatch):
    """The member's task is cancelled (Discord gave up, the bot stops) while its call is stuck."""
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", 5)
    ended = asyncio.Event()

    async def fails_late():
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.shield(asyncio.sleep(0.1))
            ended.set()
            raise RuntimeError("the rollback failed too")

    outer = asyncio.ensure_future(deadline.before_first_reply(fails_late(), "save settings"))
    await asyncio.sleep(0.01)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert len(deadline._GIVEN_UP) == 1  # referenced until it ends
    await asyncio.wait_for(ended.wait(), 2)
    await asyncio.sleep(0.01)
    assert not deadline._GIVEN_UP  # ended, its error read: no "Task exception was never retrieved"


class SlowStore:
    """Every read answers, after longer than a first reply may wait."""

    def __getattr__(self, name):
        async def slow(*_args, **_kwargs):
            await asyncio.sleep(0.3)
            return ()

        return slow


async def test_a_terminals_library_waits_for_a_slow_database(services, monkeypatch):
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    terminal = Library(SlowStore(), services.libraries, services.rules, bounded=deadline.unbounded)
    assert await terminal.list(member()) == ()
    monkeypatch.setattr(services.library, "store", SlowStore())
    with pytest.raises(StorageUnavailable):  # the bot's: bounded
        await services.library.list(member())


class RefusingStore:
    """A database that is down: every call refuses at once."""

    def __getattr__(self, name):
        async def refuse(*_args, **_kwargs):
            raise StorageUnavailable("the database is down")

        return refuse


async def test_a_settings_write_given_up_on_is_read_again_and_a_refused_one_keeps_the_cache(services, monkeypatch):
    await services.rules.settings(GUILD)  # cached while the database answers
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    monkeypatch.setattr(services.rules, "store", RefusingStore())
    with pytest.raises(StorageUnavailable):
        await services.rules.update(GUILD, top_k=3)
    assert (await services.rules.settings(GUILD)).top_k is None  # nothing was written: the cache serves
    monkeypatch.setattr(services.rules, "store", HangingStore())
    with pytest.raises(StorageUnavailable):
        await services.rules.update(GUILD, top_k=3)  # given up on: it may still commit
    with pytest.raises(StorageUnavailable, match="in time"):
        await services.rules.settings(GUILD)  # so they are read again
