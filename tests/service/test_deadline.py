"""A database that hangs cannot hold a first reply: every call a first reply waits on gives up in time."""

from __future__ import annotations

import asyncio

import pytest

from bot.service import deadline
from bot.service.admin import SettingsChange
from bot.service.asking import Question
from bot.storage import StorageUnavailable
from tests.service.conftest import GUILD, member

BUDGET_S = 0.05


class HangingStore:
    """Every read and write waits forever, as behind a lock on a server that never answers."""

    def __getattr__(self, name):
        async def hang(*_args, **_kwargs):
            await asyncio.Event().wait()

        return hang


@pytest.fixture
def hanging(services, monkeypatch):
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    for service in (services.rules, services.admin, services.answers, services.asking):
        monkeypatch.setattr(service, "store", HangingStore())
    return services


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.asking.check(Question(member(), "Who is Andrei Tsygankov?")),  # reads the server's settings
        lambda s: s.admin.settings(member(can_manage=True), SettingsChange(excerpts=2)),
        lambda s: s.admin.stats(member(can_manage=True)),
        lambda s: s.answers.find("0123456789ab", member()),
    ],
    ids=["ask", "settings", "stats", "button"],
)
async def test_a_hanging_database_is_unavailable_before_the_first_reply(hanging, call, caplog):
    with pytest.raises(StorageUnavailable, match="in time"):
        await asyncio.wait_for(call(hanging), 5)  # the outer bound only keeps a failing test from hanging
    assert "try again" in caplog.text


async def test_cached_settings_need_no_database(services, monkeypatch):
    await services.rules.settings(GUILD)  # read once while the database answers
    monkeypatch.setattr(deadline, "FIRST_REPLY_DATABASE_SECONDS", BUDGET_S)
    monkeypatch.setattr(services.rules, "store", HangingStore())
    assert (await services.rules.settings(GUILD)).top_k is None
