"""What only PostgreSQL does: many processes on one database (change feed, job locks, one migration),
passwords kept out of urls, and faults of the server: stopped and restarted, pool exhausted."""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
import pytest

from bot.storage import Change, StorageError, StorageOptions, StorageUnavailable, migrate, open_store
from bot.storage.postgres.store import PostgresStore
from testing.postgres import PostgresServer, free_port
from tests.storage.samples import GUILD, make_answer
from tests.storage.test_store import wait_for

DISCORD_DEADLINE = 3.0  # seconds: a call must fail well within it so the bot can still reply


def fast(url: str, **changes) -> StorageOptions:
    return StorageOptions(url, **{"connect_timeout": 1.0, "acquire_timeout": 0.5, "statement_timeout": 1.0, **changes})


async def test_a_password_in_the_url_is_refused_without_echoing_it():
    with pytest.raises(StorageError, match="password") as caught:
        await open_store(StorageOptions("postgresql://bot:hunter2@127.0.0.1:5432/studybot"))
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StorageError, match="password"):
        await open_store(StorageOptions("postgresql://bot@127.0.0.1/studybot?password=hunter2"))


async def test_the_password_comes_from_the_options_or_pgpassword(postgres_server: PostgresServer, monkeypatch):
    url = await postgres_server.create_password_role("s3cret-pw")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    with pytest.raises(StorageError, match="password") as refused:
        await open_store(StorageOptions(url, password="wrong"))
    assert "wrong" not in str(refused.value)
    assert "s3cret-pw" not in repr(StorageOptions(url, password="s3cret-pw"))
    async with await open_store(StorageOptions(url, password="s3cret-pw")) as store:  # STUDYBOT_DATABASE_PASSWORD
        await store.update_guild_settings(GUILD, top_k=2)
    monkeypatch.setenv("PGPASSWORD", "s3cret-pw")  # libpq's variable, read when no password is given
    async with await open_store(StorageOptions(url)) as store:
        assert (await store.get_guild_settings(GUILD)).top_k == 2
        assert "s3cret-pw" not in store.where


async def test_no_server_fails_fast_as_unavailable():
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="cannot connect"):
        await open_store(fast(f"postgresql://studybot@127.0.0.1:{free_port()}/none"))
    assert time.monotonic() - started < DISCORD_DEADLINE


async def test_two_processes_starting_at_once_migrate_once(pg_url: str):
    results = await asyncio.gather(*(migrate(StorageOptions(pg_url)) for _ in range(4)))
    befores = sorted(r.before for r in results)
    latest = results[0].after
    assert befores == [0, latest, latest, latest] and {r.after for r in results} == {latest}


async def test_a_settings_change_reaches_another_process_within_a_second(pg_url: str):
    async with await open_store(StorageOptions(pg_url)) as first, await open_store(StorageOptions(pg_url)) as second:
        seen: list[Change] = []
        second.on_change(seen.append)
        started = time.monotonic()
        await first.update_guild_settings(GUILD, top_k=2)
        await first.publish("library", GUILD)
        assert await wait_for(lambda: len(seen) >= 2, timeout=1.0), seen
        print(f"change seen by the other store after {(time.monotonic() - started) * 1000:.0f} ms")
        assert seen == [Change("settings", GUILD), Change("library", GUILD)]
        assert (await second.get_guild_settings(GUILD)).top_k == 2


async def test_a_rolled_back_settings_change_is_not_announced(pg_url: str):
    async with await open_store(StorageOptions(pg_url)) as store:
        seen: list[Change] = []
        store.on_change(seen.append)
        with pytest.raises(ValueError):
            await store.update_guild_settings(GUILD, colour="red")
        await store.publish("marker", None)
        assert await wait_for(lambda: seen != [])
        assert seen == [Change("marker", None)]


async def test_a_daily_job_runs_in_one_process_at_a_time(pg_url: str):
    async with await open_store(StorageOptions(pg_url)) as first, await open_store(StorageOptions(pg_url)) as second:
        async with (
            first.exclusive_job("prune") as mine,
            second.exclusive_job("prune") as theirs,
            second.exclusive_job("digest") as other_job,
        ):
            assert (mine, theirs, other_job) == (True, False, True)
        async with second.exclusive_job("prune") as theirs_now:
            assert theirs_now is True
        # a process that dies mid-job (its connections drop without unlocking) releases the lock
        dying = await open_store(StorageOptions(pg_url))
        job = dying.exclusive_job("prune")
        assert await job.__aenter__() is True
        async with first.exclusive_job("prune") as blocked:
            assert blocked is False
        dying._pool.terminate()
        await asyncio.sleep(0.2)  # let the server notice the dropped connections
        async with first.exclusive_job("prune") as after_death:
            assert after_death is True
        await dying.close()


async def test_server_stopped_and_restarted_unavailable_fast_then_recovers(
    postgres_server: PostgresServer, pg_url: str, caplog
):
    async with await open_store(fast(pg_url)) as store, await open_store(fast(pg_url)) as other:
        seen: list[Change] = []
        other.on_change(seen.append)
        saved = await store.save_answer(make_answer())
        postgres_server.stop()
        try:
            for call in (
                lambda: store.get_answer(saved.id),
                lambda: store.update_guild_settings(GUILD, top_k=3),
                lambda: store.log_question(GUILD, 1, "down?", False, False, None, 1.0),
            ):
                started = time.monotonic()
                with pytest.raises(StorageUnavailable, match="unavailable"):
                    await call()
                assert time.monotonic() - started < DISCORD_DEADLINE
        finally:
            postgres_server.start_again()
        errors = [r for r in caplog.records if r.name == "studybot.storage" and r.levelno >= logging.ERROR]
        assert len(errors) == 1, [r.getMessage() for r in errors]
        # Back by itself: the pool reconnects on the next calls, the feed says "reload everything".
        recovered = None
        for _ in range(20):
            try:
                recovered = await store.get_answer(saved.id)
                break
            except StorageUnavailable:
                await asyncio.sleep(0.25)
        assert recovered is not None and recovered.question == saved.question
        assert await wait_for(lambda: Change("*", None) in seen, timeout=10.0)
        await store.update_guild_settings(GUILD, top_k=4)
        assert await wait_for(lambda: Change("settings", GUILD) in seen, timeout=1.0)
        assert any("works again" in r.getMessage() for r in caplog.records)


async def test_pool_exhausted_by_slow_queries_is_unavailable_within_the_acquire_timeout(pg_url: str):
    """Both pooled connections stuck behind a table lock: the next call gives up after acquire_timeout."""
    async with await open_store(fast(pg_url, pool_size=2, statement_timeout=2.5)) as store:
        await store.update_guild_settings(GUILD, top_k=1)
        blocker = await asyncpg.connect(pg_url)
        try:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE guild_settings IN ACCESS EXCLUSIVE MODE")
            stuck = [asyncio.create_task(store.get_guild_settings(GUILD)) for _ in range(2)]
            await asyncio.sleep(0.2)
            started = time.monotonic()
            with pytest.raises(StorageUnavailable, match="in time"):
                await store.get_guild_settings(GUILD)
            waited = time.monotonic() - started
            assert 0.4 < waited < DISCORD_DEADLINE
            print(f"pool exhausted: unavailable after {waited:.2f} s")
            results = await asyncio.gather(*stuck, return_exceptions=True)  # the slow ones hit statement_timeout
            assert all(isinstance(r, StorageUnavailable) for r in results), results
            await transaction.rollback()
        finally:
            await blocker.close()
        assert (await store.get_guild_settings(GUILD)).top_k == 1  # free again: works at once


def test_job_keys_are_stable_and_distinct():
    from bot.storage.postgres.store import job_key

    assert job_key("prune") == job_key("prune") != job_key("digest")
    assert -(2**63) <= job_key("prune") < 2**63
    assert isinstance(PostgresStore.backend, str)
