"""Fixtures: one fake Discord (two servers; `fake3`: three) and one real bot process per test module;
a PostgreSQL database per module that asks for one (on the session's throwaway server, tests/conftest.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest_asyncio

from testing.bot_process import GUILD, OTHER_GUILD, THIRD_GUILD, TOKEN, BotProcess, bot_env, write_config
from testing.fake_discord import FakeDiscord


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake():
    async with FakeDiscord(token=TOKEN, guilds=(GUILD, OTHER_GUILD)) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake3():
    """A fake Discord with three servers: GUILD, OTHER_GUILD and THIRD_GUILD."""
    async with FakeDiscord(token=TOKEN, guilds=(GUILD, OTHER_GUILD, THIRD_GUILD)) as server:
        yield server


@contextlib.asynccontextmanager
async def running_bot(fake, folder: Path, *, shard_ids: tuple[int, ...] = (), env: dict | None = None,
                      **config_keys):  # fmt: skip
    """A bot process configured by write_config(**config_keys) in `folder` (running `shard_ids` when
    given, with `env` added to its environment); on leaving, stopped with SIGTERM, which must exit 0,
    and its log checked for the token."""
    if shard_ids:
        config_keys["shard_ids"] = f"[{', '.join(map(str, shard_ids))}]"
    data_dir = folder / "data"
    config = write_config(folder / "config.yaml", fake, data_dir, **config_keys)
    process = BotProcess(config, data_dir, folder / "bot.log", {**bot_env(data_dir), **(env or {})}, shard_ids)
    await process.start(fake)
    yield process
    code = await process.stop()
    assert code == 0, process.log_text()[-3000:]
    assert TOKEN not in process.log_text()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, tmp_path_factory):
    async with running_bot(fake, tmp_path_factory.mktemp("bot"), cooldown_seconds=0) as process:
        yield process


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pg_url(postgres_server):
    """A fresh database for this module's bots: postgresql://studybot@127.0.0.1:PORT/dbN, no password."""
    return await postgres_server.create_database()
