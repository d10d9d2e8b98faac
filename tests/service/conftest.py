"""The services in process: the bundled corpus's engine and a fresh SQLite store per test."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.library.registry import Libraries
from bot.service.options import ServiceOptions
from bot.service.rules import Member
from bot.service.services import Services
from bot.storage.sqlite import SqliteStore
from bot.wiring import open_shared_library

GUILD, OTHER_GUILD = 9001, 9002
ASKER, OTHER_MEMBER = 5555, 6666


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    from dataclasses import replace

    return open_shared_library(replace(Settings(), data_dir=tmp_path_factory.mktemp("data")))


@pytest.fixture
async def store(tmp_path):
    async with await SqliteStore.open(tmp_path / "studybot.sqlite3") as db:
        yield db


@pytest.fixture
def options() -> ServiceOptions:
    return ServiceOptions(cooldown_seconds=0)


@pytest.fixture
def services(engine, store, options) -> Services:
    return Services.create(Libraries(engine), store, options)


def member(user_id: int = ASKER, guild_id: int | None = GUILD, **kwargs) -> Member:
    return Member(user_id=user_id, guild_id=guild_id, channel_id=kwargs.pop("channel_id", 100), **kwargs)
