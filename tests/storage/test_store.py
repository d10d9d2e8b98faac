"""The Store as the bot uses it, on every backend: answers, votes, settings, stats, versions,
concurrency, the change feed and job locks. The same tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from bot.storage import Change, StorageError, StorageOptions, Store, migrate, open_store
from bot.storage.records import AnswerRecord, GuildSettings
from tests.storage.conftest import all_rows, set_schema_version
from tests.storage.samples import GUILD, OTHER_GUILD, make_answer


def test_every_backend_is_a_store(store: Store):
    assert isinstance(store, Store)
    assert store.backend in ("sqlite", "postgresql")


# -- answers -------------------------------------------------------------------------------


async def test_answer_round_trips_with_excerpts_in_rank_order(store: Store):
    saved = await store.save_answer(make_answer())
    assert saved.id is not None and len(saved.id) == 12 and int(saved.id, 16) >= 0
    loaded = await store.get_answer(saved.id)
    expected_excerpts = tuple(sorted(make_answer().excerpts, key=lambda e: e.rank))
    assert loaded == AnswerRecord(**{**vars(saved), "excerpts": expected_excerpts})


async def test_answer_without_guild_or_excerpts(store: Store):
    saved = await store.save_answer(AnswerRecord(**{**vars(make_answer(guild_id=None)), "excerpts": ()}))
    loaded = await store.get_answer(saved.id)
    assert loaded is not None and loaded.guild_id is None and loaded.excerpts == ()


async def test_discord_sized_ids_round_trip(store: Store):
    snowflake = 1_234_567_890_123_456_789  # Discord ids need 64 bits
    answer = AnswerRecord(**{**vars(make_answer(guild_id=snowflake)), "user_id": snowflake, "channel_id": snowflake})
    saved = await store.save_answer(answer)
    assert (await store.get_answer(saved.id)).guild_id == snowflake
    await store.update_guild_settings(snowflake, channel_ids=(snowflake,))
    assert (await store.get_guild_settings(snowflake)).channel_ids == (snowflake,)


async def test_each_saved_answer_gets_its_own_id(store: Store):
    ids = {(await store.save_answer(make_answer())).id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    "junk", ["0123456789ab", "'; DROP TABLE answers;--", "x" * 1000, "", "ABCDEF123456", "abc\x00def01234"]
)
async def test_unknown_or_junk_answer_id_returns_none(store: Store, junk: str):
    saved = await store.save_answer(make_answer())
    assert await store.get_answer(junk) is None
    assert await store.get_answer(saved.id) is not None  # nothing was dropped


async def test_set_answer_page_is_remembered(store: Store):
    saved = await store.save_answer(make_answer())
    await store.set_answer_page(saved.id, 3)
    assert (await store.get_answer(saved.id)).page == 3
    await store.set_answer_page("nope", 2)  # unknown id: nothing happens


async def test_prune_removes_expired_answers_but_keeps_question_log(store: Store):
    old = await store.save_answer(make_answer(expires_at=100.0))
    fresh = await store.save_answer(make_answer(expires_at=300.0))
    await store.record_feedback(old.id, 1, 1, 50.0)
    await store.log_question(GUILD, 7, "What is a monad?", True, False, old.id, 50.0)
    assert await store.prune(200.0) == 1
    assert await store.get_answer(old.id) is None
    assert await store.get_answer(fresh.id) is not None
    rows = await all_rows(store)
    assert [row for row in rows["excerpts"] if row[0] == old.id] == []
    assert rows["feedback"] == []
    assert (await store.guild_stats(GUILD)).asked == 1


# -- feedback ------------------------------------------------------------------------------


async def test_feedback_one_vote_per_user_later_vote_replaces(store: Store):
    saved = await store.save_answer(make_answer())
    assert await store.record_feedback(saved.id, 1, 1, 1.0) == (1, 0)
    assert await store.record_feedback(saved.id, 1, 1, 2.0) == (1, 0)  # same vote again: still one
    assert await store.record_feedback(saved.id, 2, -1, 3.0) == (1, 1)
    assert await store.record_feedback(saved.id, 1, -1, 4.0) == (0, 2)  # user 1 changed their mind
    assert await store.record_feedback(saved.id, 3, 1, 5.0) == (1, 2)


async def test_feedback_counts_are_per_answer(store: Store):
    first = await store.save_answer(make_answer())
    second = await store.save_answer(make_answer())
    await store.record_feedback(first.id, 1, 1, 1.0)
    assert await store.record_feedback(second.id, 1, -1, 1.0) == (0, 1)


@pytest.mark.parametrize("value", [0, 2, -2, True])
async def test_feedback_value_must_be_plus_or_minus_one(store: Store, value: int):
    saved = await store.save_answer(make_answer())
    with pytest.raises(ValueError):
        await store.record_feedback(saved.id, 1, value, 1.0)


async def test_feedback_on_missing_answer_is_refused(store: Store):
    with pytest.raises(LookupError):
        await store.record_feedback("0123456789ab", 1, 1, 1.0)
    assert (await store.guild_stats(GUILD)).feedback_up == 0


# -- settings ------------------------------------------------------------------------------


async def test_guild_settings_default_update_and_round_trip(store: Store, store_url: str):
    assert await store.get_guild_settings(GUILD) == GuildSettings()
    updated = await store.update_guild_settings(GUILD, top_k=4, channel_ids=(10, 11))
    assert updated == GuildSettings(top_k=4, channel_ids=(10, 11))
    updated = await store.update_guild_settings(GUILD, private_default=False, cooldown_seconds=0)
    assert updated == GuildSettings(top_k=4, private_default=False, cooldown_seconds=0, channel_ids=(10, 11))
    updated = await store.update_guild_settings(GUILD, top_k=None, channel_ids=())
    assert updated == GuildSettings(private_default=False, cooldown_seconds=0)
    assert await store.get_guild_settings(OTHER_GUILD) == GuildSettings()
    await store.close()
    async with await open_store(StorageOptions(store_url)) as reopened:
        assert await reopened.get_guild_settings(GUILD) == updated


async def test_unknown_setting_is_refused_and_nothing_changes(store: Store):
    with pytest.raises(ValueError, match="colour"):
        await store.update_guild_settings(GUILD, top_k=3, colour="blue")
    assert await store.get_guild_settings(GUILD) == GuildSettings()


async def test_concurrent_channel_edits_both_land(store: Store):
    await asyncio.gather(
        store.update_guild_settings(1, allow_channel=10), store.update_guild_settings(1, allow_channel=20)
    )
    assert set((await store.get_guild_settings(1)).channel_ids) == {10, 20}
    await store.update_guild_settings(1, disallow_channel=10)
    assert (await store.get_guild_settings(1)).channel_ids == (20,)
    await store.update_guild_settings(1, all_channels=True)
    assert (await store.get_guild_settings(1)).channel_ids == ()


async def test_a_channel_stopped_while_every_channel_is_answered_is_blocked(store: Store):
    await store.update_guild_settings(1, disallow_channel=10)
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((), (10,))
    await store.update_guild_settings(1, allow_channel=10)  # answered again, and still everywhere else
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((), ())


async def test_a_thread_of_an_allowed_channel_can_be_stopped(store: Store):
    await store.update_guild_settings(1, allow_channel=10)
    await store.update_guild_settings(1, disallow_channel=11)  # a thread of channel 10
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((10,), (11,))
    await store.update_guild_settings(1, allow_channel=20)  # another channel: the thread stays stopped
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((10, 20), (11,))


async def test_stopping_the_only_allowed_channel_leaves_the_others_answered_but_not_it(store: Store):
    await store.update_guild_settings(1, allow_channel=10)
    await store.update_guild_settings(1, disallow_channel=10)
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((), (10,))
    await store.update_guild_settings(1, all_channels=True)
    settings = await store.get_guild_settings(1)
    assert (settings.channel_ids, settings.blocked_channel_ids) == ((), ())


async def test_concurrent_channel_edits_from_two_connections_both_land(store: Store, store_url: str):
    async with await open_store(StorageOptions(store_url)) as other:
        await asyncio.gather(
            *((store if c % 2 else other).update_guild_settings(1, allow_channel=c) for c in range(10))
        )
    assert sorted((await store.get_guild_settings(1)).channel_ids) == list(range(10))


# -- stats ---------------------------------------------------------------------------------


async def test_stats_count_only_their_guild_and_rank_unanswered_by_frequency(store: Store):
    log = store.log_question
    await log(GUILD, 1, "What is a monad?", True, False, None, 1.0)
    await log(GUILD, 1, "who wrote   SICP", False, True, None, 2.0)
    await log(GUILD, 2, "Who wrote SICP", False, True, None, 3.0)
    await log(GUILD, 3, "WHO WROTE SICP ", False, True, None, 4.0)
    await log(GUILD, 3, "what is lisp", False, True, None, 5.0)
    await log(GUILD, 4, "What is Lisp?", False, True, None, 6.0)  # different text: its own group
    await log(GUILD, 4, "What   is Lisp?", False, True, None, 7.0)
    await log(OTHER_GUILD, 5, "what is lisp", False, True, None, 8.0)
    await log(OTHER_GUILD, 5, "what is lisp", False, True, None, 9.0)
    await log(None, 5, "what is lisp", False, True, None, 9.0)

    mine = await store.save_answer(make_answer(GUILD))
    theirs = await store.save_answer(make_answer(OTHER_GUILD))
    await store.record_feedback(mine.id, 1, 1, 1.0)
    await store.record_feedback(mine.id, 2, 1, 1.0)
    await store.record_feedback(mine.id, 3, -1, 1.0)
    await store.record_feedback(theirs.id, 1, -1, 1.0)

    stats = await store.guild_stats(GUILD)
    assert (stats.asked, stats.answered) == (7, 1)
    assert stats.top_unanswered == (("WHO WROTE SICP ", 3), ("What   is Lisp?", 2), ("what is lisp", 1))
    assert (stats.feedback_up, stats.feedback_down) == (2, 1)
    assert (await store.guild_stats(GUILD, top=1)).top_unanswered == (("WHO WROTE SICP ", 3),)

    other = await store.guild_stats(OTHER_GUILD)
    assert (other.asked, other.answered, other.top_unanswered) == (2, 0, (("what is lisp", 2),))
    assert (other.feedback_up, other.feedback_down) == (0, 1)
    empty = await store.guild_stats(999)
    assert (empty.asked, empty.answered, empty.top_unanswered, empty.feedback_up) == (0, 0, (), 0)


# -- versions and lifecycle ----------------------------------------------------------------


async def test_reopen_and_migrate_again_change_nothing(store: Store, store_url: str):
    await store.log_question(GUILD, 1, "q", False, False, None, 1.0)
    version, tables = await store.schema_version(), await store.tables()
    assert version >= 1
    await store.close()
    result = await migrate(StorageOptions(store_url))
    assert (result.before, result.after) == (version, version)
    async with await open_store(StorageOptions(store_url)) as reopened:
        assert (await reopened.guild_stats(GUILD)).asked == 1
        assert (await reopened.schema_version(), await reopened.tables()) == (version, tables)


async def test_schema_newer_than_the_code_is_refused(store: Store, store_url: str):
    version = await store.schema_version()
    await store.close()
    await set_schema_version(store_url, version + 1)
    for attempt in (open_store, migrate):
        with pytest.raises(StorageError, match="newer than this Studybot knows"):
            await attempt(StorageOptions(store_url))


async def test_close_twice_is_fine_and_use_after_close_is_refused(store: Store):
    await store.close()
    await store.close()
    with pytest.raises(StorageError, match="closed"):
        await store.get_guild_settings(GUILD)


# -- concurrency ---------------------------------------------------------------------------


async def test_two_connections_writing_concurrently_never_lock(store: Store, store_url: str):
    writes_each = 500
    async with await open_store(StorageOptions(store_url)) as second:

        async def write_many(db: Store, user_id: int) -> None:
            for n in range(writes_each):
                await db.log_question(GUILD, user_id, f"question {n}", n % 2 == 0, False, None, float(n))

        started = time.perf_counter()
        await asyncio.gather(write_many(store, 1), write_many(second, 2))
        print(f"{store.backend}: 2 x {writes_each} write transactions in {time.perf_counter() - started:.2f} s")
    users = [row[2] for row in (await all_rows(store))["question_log"]]
    assert (users.count(1), users.count(2)) == (writes_each, writes_each)


async def test_concurrent_writes_on_one_store_are_all_kept(store: Store):
    saved = await asyncio.gather(*(store.save_answer(make_answer()) for _ in range(50)))
    votes = await asyncio.gather(*(store.record_feedback(saved[0].id, user, 1, 1.0) for user in range(50)))
    assert max(votes) == (50, 0)
    assert all([await store.get_answer(s.id) for s in saved])


async def test_a_cancelled_write_is_all_or_nothing_and_leaves_the_store_usable(store: Store):
    for step in range(40):  # cancel at many points: before BEGIN, between inserts, around COMMIT
        task = asyncio.create_task(store.save_answer(make_answer(question=f"cancelled {step}")))
        await asyncio.sleep(step * 0.00005)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    saved = await store.save_answer(make_answer(question="after"))  # no "transaction within a transaction"
    assert (await store.get_answer(saved.id)).question == "after"
    rows = await all_rows(store)
    assert len(rows["excerpts"]) == 3 * len(rows["answers"])  # every stored answer is whole


# -- many processes: the change feed and job locks ----------------------------------------------


async def wait_for(predicate, timeout: float = 1.0) -> bool:
    """Poll `predicate` every 10 ms for at most `timeout` seconds."""
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


async def test_a_settings_change_and_a_published_change_reach_this_process(store: Store):
    seen: list[Change] = []
    store.on_change(seen.append)
    await store.update_guild_settings(GUILD, top_k=2)
    await store.publish("library", OTHER_GUILD)
    assert await wait_for(lambda: len(seen) >= 2)
    assert seen == [Change("settings", GUILD), Change("library", OTHER_GUILD)]


async def test_a_failing_change_callback_does_not_stop_the_others(store: Store):
    seen: list[Change] = []
    store.on_change(lambda change: 1 / 0)
    store.on_change(seen.append)
    await store.publish("settings", GUILD)
    assert await wait_for(lambda: seen == [Change("settings", GUILD)])


@pytest.mark.parametrize("kind", ["", "Settings", "a b", "x" * 41, 5])
async def test_a_malformed_change_kind_is_refused(store: Store, kind):
    with pytest.raises(ValueError):
        await store.publish(kind, GUILD)


async def test_a_job_lock_is_held_inside_and_free_after(store: Store):
    async with store.exclusive_job("prune") as mine:
        assert mine is True
    async with store.exclusive_job("prune") as again:
        assert again is True
