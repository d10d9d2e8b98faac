"""Many processes: two bot processes with `discord.shard_count: 2` and `shard_ids: [0]` / `[1]` against
the fake Discord (which routes each server's events to shard `(guild_id >> 22) % 2`) and one PostgreSQL.

Each process identifies as its own shard and answers only its servers; what one process writes the
other reads; a /settings change made through one reaches the other's cache within a second (the
change feed, LISTEN/NOTIFY: Discord sends a server's interactions to one shard only, so the other
process holds a stale copy only after the server moved between processes, as when resharding; the
test sees the other process drop its copy, in its log).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
import pytest_asyncio

from bot.service.messages import SETTINGS_SAVED
from testing.bot_process import GUILD, TOKEN, BotProcess
from testing.fake_discord import FakeDiscord, custom_ids, guild_on_shard, shard_of
from testing.postgres import connected
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHARDS = 2
GUILDS = (GUILD, guild_on_shard(1, SHARDS))  # one server on each shard
ANSWERABLE = "Who is Andrei Tsygankov?"
FEED_DEADLINE_S = 1.0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake():
    async with FakeDiscord(token=TOKEN, guilds=GUILDS, shard_count=SHARDS, connect_timeout=2) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shards(fake, pg_url, tmp_path_factory):
    """Process i runs shard i; both on one database, both with the commands in both servers."""
    async with contextlib.AsyncExitStack() as stack:
        processes = [
            await stack.enter_async_context(running_bot(
                fake, tmp_path_factory.mktemp(f"shard-{shard_id}"), shard_ids=(shard_id,), storage={"url": pg_url},
                cooldown_seconds=0, shard_count=SHARDS, sync_guild_ids=f"[{', '.join(map(str, GUILDS))}]",
            ))
            for shard_id in range(SHARDS)
        ]  # fmt: skip
        yield processes


async def ask(fake, guild_id: int, question: str = ANSWERABLE):
    interaction = await fake.send_command("ask", {"question": question}, guild_id=guild_id)
    return interaction, await interaction.wait_for(lambda m: bool(m.get("embeds")), timeout=15)


async def wait_for_log(process: BotProcess, text: str, since: int, timeout: float) -> float | None:
    """Seconds until `text` shows in the process's log after offset `since`; None if not within `timeout`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(int(timeout / 0.02) + 1):  # bounded polling
        if text in process.log_text()[since:]:
            return loop.time() - started
        await asyncio.sleep(0.02)
    return None


async def test_each_process_identifies_as_its_shard_and_answers_its_servers(fake, shards):
    identified = sorted(tuple(p["d"]["shard"]) for p in fake.gateway_received if p.get("op") == 2)
    assert identified == [(0, SHARDS), (1, SHARDS)]
    assert [shard_of(g, SHARDS) for g in GUILDS] == [0, 1]
    for guild_id in GUILDS:
        interaction, reply = await ask(fake, guild_id)
        assert interaction.callback_types == [5] and "Tsygankov" in json.dumps(reply["embeds"], ensure_ascii=False)

    await shards[1].stop()  # shard 1's servers go quiet; shard 0's are still answered by the other process
    try:
        await ask(fake, GUILDS[0])
        with pytest.raises(TimeoutError, match="shard 1"):
            await fake.send_command("ask", {"question": ANSWERABLE}, guild_id=GUILDS[1])
    finally:
        await shards[1].start(fake)
    await ask(fake, GUILDS[1])


async def test_a_settings_change_through_one_process_reaches_the_other_within_a_second(fake, shards):
    for through, other in ((1, 0), (0, 1)):
        guild_id = GUILDS[through]
        mark = len(shards[other].log_text())
        changed = await fake.send_command("settings", {"excerpts": 2 + through}, guild_id=guild_id)
        assert (await changed.wait_for(timeout=10))["content"] == SETTINGS_SAVED
        heard = await wait_for_log(shards[other], f"settings changed for server {guild_id}", mark, FEED_DEADLINE_S)
        assert heard is not None, shards[other].log_text()[mark:][-3000:]
        print(f"\nprocess {other} dropped server {guild_id}'s settings {heard * 1000:.0f} ms after the reply came")
        _, reply = await ask(fake, guild_id, "Russia and the West relations reset")
        full = [c for c in custom_ids(reply) if c.startswith("sb:full:")]
        assert len(full) == 2 + through  # in effect where the server is answered


async def test_an_answer_stored_by_one_process_is_in_the_shared_database(fake, shards, pg_url):
    interactions = [await ask(fake, guild_id) for guild_id in GUILDS]
    ids = [next(c for c in custom_ids(reply) if c.startswith("sb:vote:")).split(":")[2] for _, reply in interactions]
    async with connected(pg_url) as db:
        rows = await db.fetch("SELECT id, guild_id FROM answers WHERE id = ANY($1)", ids)
    assert {r["id"]: r["guild_id"] for r in rows} == dict(zip(ids, GUILDS, strict=True))

