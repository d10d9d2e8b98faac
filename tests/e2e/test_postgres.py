"""The real bot (`studybot run`) over PostgreSQL, end to end against the fake Discord.

One bot process on a database of the session's throwaway server (no password: the test role is
trusted on 127.0.0.1; a password would come from STUDYBOT_DATABASE_PASSWORD only). Its pool holds two
connections, so a few slow queries exhaust it. Faults: the server stopped and started again while the
bot runs, and every pooled connection stuck behind a lock. Its statement timeout (5 s) is longer than
Discord's deadline, as a deployment with slow /stats queries might set it: a first reply must not wait
for it. Each test prints its figures.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import pytest_asyncio

from bot.service.messages import NOT_SAVED_NOTE, SETTINGS_SAVED, STORAGE_DOWN
from testing.bot_process import GUILD, OTHER_GUILD
from testing.fake_discord import custom_ids
from testing.postgres import connected
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEADLINE_S = 3.0  # Discord's, for the first response
EPHEMERAL = 64
POOL_SIZE = 2
STATEMENT_TIMEOUT_S = 5
ANSWERABLE = "Who is Andrei Tsygankov?"
UNHANDLED = ("Task exception was never retrieved", "Unhandled", "Ignoring exception", "Exception in callback")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, pg_url, tmp_path_factory):
    storage = {"url": pg_url, "pool_size": POOL_SIZE, "statement_timeout": STATEMENT_TIMEOUT_S}
    async with running_bot(fake, tmp_path_factory.mktemp("pg-bot"), storage=storage, cooldown_seconds=0) as process:
        yield process


def assert_log_clean(bot, mark: int) -> None:
    new = bot.log_text()[mark:]
    found = [bad for bad in UNHANDLED if bad in new]
    assert not found, f"{found} in the bot's log:\n{new[-4000:]}"
    assert bot.process.returncode is None, bot.log_text()[-3000:]


async def first_reply(interaction, timeout: float = 10) -> dict:
    """The first message the member sees (not a "thinking…" defer)."""
    return await interaction.wait_for(timeout=timeout)


async def ask(fake, question: str = ANSWERABLE, **kwargs):
    interaction = await fake.send_command("ask", {"question": question}, **kwargs)
    return interaction, await interaction.wait_for(lambda m: bool(m.get("embeds") or m.get("content")), timeout=15)


async def settings(fake, guild_id: int = GUILD, **options):
    interaction = await fake.send_command("settings", options, guild_id=guild_id)
    return interaction, await first_reply(interaction)


def polite_in_time(interaction, reply: dict) -> bool:
    return (
        reply.get("content") == STORAGE_DOWN
        and bool(reply.get("flags", 0) & EPHEMERAL)
        and interaction.first_response_after is not None
        and interaction.first_response_after < DEADLINE_S
    )


async def test_answers_settings_and_votes_are_kept_in_postgresql(fake, bot, pg_url):
    changed, reply = await settings(fake, excerpts=2, cooldown=0)
    assert reply["content"] == SETTINGS_SAVED, reply
    asked, answer = await ask(fake)
    assert asked.callback_types == [5] and "Tsygankov" in json.dumps(answer["embeds"], ensure_ascii=False)
    vote = next(c for c in custom_ids(answer) if c.startswith("sb:vote:") and c.endswith(":up"))
    voted = await fake.click(asked.original, vote)
    assert "1" in (await voted.wait_for(lambda m: bool(m.get("content")), timeout=10))["content"]
    answer_id = vote.split(":")[2]
    async with connected(pg_url) as db:
        assert await db.fetchval("SELECT top_k FROM guild_settings WHERE guild_id = $1", GUILD) == 2
        assert await db.fetchval("SELECT guild_id FROM answers WHERE id = $1", answer_id) == GUILD
        assert await db.fetchval("SELECT value FROM feedback WHERE answer_id = $1", answer_id) == 1
        assert await db.fetchval("SELECT COUNT(*) FROM question_log WHERE question = $1", ANSWERABLE) >= 1
    print(f"\n/settings replied after {changed.first_response_after * 1000:.0f} ms, "
          f"/ask acknowledged after {asked.first_response_after * 1000:.0f} ms")  # fmt: skip


async def test_a_stopped_database_gets_a_polite_reply_in_time_and_the_bot_recovers(fake, bot, postgres_server):
    stored, before = await ask(fake)  # an answer with buttons, stored while the database was up
    vote = next(c for c in custom_ids(before) if c.startswith("sb:vote:"))
    mark = len(bot.log_text())
    postgres_server.stop()
    try:
        changed, changed_reply = await settings(fake, excerpts=3)
        uncached, uncached_reply = await ask(fake, guild_id=OTHER_GUILD)  # its settings were never read
        cached, cached_reply = await ask(fake)  # the server's settings are cached: answered, no buttons
        clicked = await fake.click(stored.original, vote)
        clicked_reply = await first_reply(clicked)
        for interaction, reply in ((changed, changed_reply), (uncached, uncached_reply), (clicked, clicked_reply)):
            assert polite_in_time(interaction, reply), (interaction, reply)
        assert cached.first_response_after < DEADLINE_S and cached_reply["content"] == NOT_SAVED_NOTE
        assert not custom_ids(cached_reply) and "Tsygankov" in json.dumps(cached_reply["embeds"])
        outage = [i.first_response_after for i in (changed, uncached, cached, clicked)]
        print(f"\nfirst responses during the outage after {', '.join(f'{s * 1000:.0f}' for s in outage)} ms")
    finally:
        postgres_server.start_again()
    loop = asyncio.get_running_loop()
    back_at, started = None, loop.time()
    for _ in range(30):  # bounded: 30 tries, about 15 s
        _, reply = await settings(fake, excerpts=3)
        if reply["content"] == SETTINGS_SAVED:
            back_at = loop.time() - started
            break
        await asyncio.sleep(0.5)
    assert back_at is not None, bot.log_text()[-3000:]
    print(f"settings saved again {back_at:.1f} s after the server was back")
    asked, answer = await ask(fake, guild_id=OTHER_GUILD)
    assert custom_ids(answer) and answer.get("content") != NOT_SAVED_NOTE
    assert_log_clean(bot, mark)


async def test_a_pool_exhausted_by_slow_queries_still_replies_politely_in_time(fake, bot, pg_url):
    asked, answer = await ask(fake)
    vote = next(c for c in custom_ids(answer) if c.startswith("sb:vote:"))
    mark = len(bot.log_text())
    async with connected(pg_url) as blocker:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE guild_settings IN ACCESS EXCLUSIVE MODE")  # every settings query waits
        try:
            sent = [await fake.send_command("settings", {"excerpts": 1 + n % 3}) for n in range(2 * POOL_SIZE)]
            sent += [await fake.click(asked.original, vote) for _ in range(2)]
            replies = await asyncio.gather(*(first_reply(i) for i in sent))
        finally:
            await transaction.rollback()
    late = [(i.first_response_after, r.get("content")) for i, r in zip(sent, replies, strict=True)
            if not polite_in_time(i, r)]  # fmt: skip
    print(f"\nfirst responses with the pool exhausted: {sorted(round(i.first_response_after, 2) for i in sent)} s")
    assert not late, late
    _, reply = await settings(fake, excerpts=2)
    assert reply["content"] == SETTINGS_SAVED
    assert_log_clean(bot, mark)
