"""The database as the bot uses it: answers, votes, settings, stats, migrations, concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

import pytest

from bot.storage import database
from bot.storage.database import Database, Migration, StorageError, load_migrations, split_statements
from bot.storage.records import AnswerRecord, ExcerptRecord, GuildSettings

GUILD = 1001
OTHER_GUILD = 2002


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "studybot.sqlite3"


@pytest.fixture
async def db(db_path: Path):
    async with await Database.open(db_path) as opened:
        yield opened


def make_answer(guild_id: int | None = GUILD, question: str = "What is a monad?", expires_at: float = 2e9):
    return AnswerRecord(
        id=None,
        guild_id=guild_id,
        channel_id=55,
        user_id=7,
        question=question,
        answered=True,
        weak=False,
        matched_terms=("monad", "bind"),
        unknown_terms=("zygohistomorphic",),
        created_at=1_700_000_000.5,
        expires_at=expires_at,
        private=True,
        page_size=3,
        page=1,
        excerpts=(
            ExcerptRecord(2, "p-2", 0.5, "second quote", ()),
            ExcerptRecord(1, "p-1", 1.25, "first quote, with 'quotes'; and ü", ((0, 5), (10, 14))),
            ExcerptRecord(3, "p-3", 0.1, "third", ((1, 2),)),
        ),
    )


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA user_version").fetchone()[0]


# -- answers -------------------------------------------------------------------------------


async def test_answer_round_trips_with_excerpts_in_rank_order(db: Database):
    saved = await db.save_answer(make_answer())
    assert saved.id is not None and len(saved.id) == 12 and int(saved.id, 16) >= 0
    loaded = await db.get_answer(saved.id)
    expected_excerpts = tuple(sorted(make_answer().excerpts, key=lambda e: e.rank))
    assert loaded == AnswerRecord(**{**vars(saved), "excerpts": expected_excerpts})


async def test_answer_without_guild_or_excerpts(db: Database):
    saved = await db.save_answer(AnswerRecord(**{**vars(make_answer(guild_id=None)), "excerpts": ()}))
    loaded = await db.get_answer(saved.id)
    assert loaded is not None and loaded.guild_id is None and loaded.excerpts == ()


async def test_each_saved_answer_gets_its_own_id(db: Database):
    ids = {(await db.save_answer(make_answer())).id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    "junk", ["0123456789ab", "'; DROP TABLE answers;--", "x" * 1000, "", "ABCDEF123456", "abc\x00def01234"]
)
async def test_unknown_or_junk_answer_id_returns_none(db: Database, junk: str):
    saved = await db.save_answer(make_answer())
    assert await db.get_answer(junk) is None
    assert await db.get_answer(saved.id) is not None  # nothing was dropped


async def test_set_answer_page_is_remembered(db: Database):
    saved = await db.save_answer(make_answer())
    await db.set_answer_page(saved.id, 3)
    assert (await db.get_answer(saved.id)).page == 3
    await db.set_answer_page("nope", 2)  # unknown id: nothing happens


async def test_prune_removes_expired_answers_but_keeps_question_log(db: Database, db_path: Path):
    old = await db.save_answer(make_answer(expires_at=100.0))
    fresh = await db.save_answer(make_answer(expires_at=300.0))
    await db.record_feedback(old.id, 1, 1, 50.0)
    await db.log_question(GUILD, 7, "What is a monad?", True, False, old.id, 50.0)
    assert await db.prune(200.0) == 1
    assert await db.get_answer(old.id) is None
    assert await db.get_answer(fresh.id) is not None
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM excerpts WHERE answer_id = ?", (old.id,)).fetchone()[0] == 0
        assert raw.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0
    assert (await db.guild_stats(GUILD)).asked == 1


# -- feedback ------------------------------------------------------------------------------


async def test_feedback_one_vote_per_user_later_vote_replaces(db: Database):
    saved = await db.save_answer(make_answer())
    assert await db.record_feedback(saved.id, 1, 1, 1.0) == (1, 0)
    assert await db.record_feedback(saved.id, 1, 1, 2.0) == (1, 0)  # same vote again: still one
    assert await db.record_feedback(saved.id, 2, -1, 3.0) == (1, 1)
    assert await db.record_feedback(saved.id, 1, -1, 4.0) == (0, 2)  # user 1 changed their mind
    assert await db.record_feedback(saved.id, 3, 1, 5.0) == (1, 2)


async def test_feedback_counts_are_per_answer(db: Database):
    first = await db.save_answer(make_answer())
    second = await db.save_answer(make_answer())
    await db.record_feedback(first.id, 1, 1, 1.0)
    assert await db.record_feedback(second.id, 1, -1, 1.0) == (0, 1)


@pytest.mark.parametrize("value", [0, 2, -2, True])
async def test_feedback_value_must_be_plus_or_minus_one(db: Database, value: int):
    saved = await db.save_answer(make_answer())
    with pytest.raises(ValueError):
        await db.record_feedback(saved.id, 1, value, 1.0)


async def test_feedback_on_missing_answer_is_refused(db: Database):
    with pytest.raises(LookupError):
        await db.record_feedback("0123456789ab", 1, 1, 1.0)
    assert (await db.guild_stats(GUILD)).feedback_up == 0


# -- settings ------------------------------------------------------------------------------


async def test_guild_settings_default_update_and_round_trip(db: Database, db_path: Path):
    assert await db.get_guild_settings(GUILD) == GuildSettings()
    updated = await db.update_guild_settings(GUILD, top_k=4, channel_ids=(10, 11))
    assert updated == GuildSettings(top_k=4, channel_ids=(10, 11))
    updated = await db.update_guild_settings(GUILD, private_default=False, cooldown_seconds=0)
    assert updated == GuildSettings(top_k=4, private_default=False, cooldown_seconds=0, channel_ids=(10, 11))
    updated = await db.update_guild_settings(GUILD, top_k=None, channel_ids=())
    assert updated == GuildSettings(private_default=False, cooldown_seconds=0)
    assert await db.get_guild_settings(OTHER_GUILD) == GuildSettings()
    await db.close()
    async with await Database.open(db_path) as reopened:
        assert await reopened.get_guild_settings(GUILD) == updated


async def test_unknown_setting_is_refused_and_nothing_changes(db: Database):
    with pytest.raises(ValueError, match="colour"):
        await db.update_guild_settings(GUILD, top_k=3, colour="blue")
    assert await db.get_guild_settings(GUILD) == GuildSettings()


# -- stats ---------------------------------------------------------------------------------


async def test_stats_count_only_their_guild_and_rank_unanswered_by_frequency(db: Database):
    log = db.log_question
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

    mine = await db.save_answer(make_answer(GUILD))
    theirs = await db.save_answer(make_answer(OTHER_GUILD))
    await db.record_feedback(mine.id, 1, 1, 1.0)
    await db.record_feedback(mine.id, 2, 1, 1.0)
    await db.record_feedback(mine.id, 3, -1, 1.0)
    await db.record_feedback(theirs.id, 1, -1, 1.0)

    stats = await db.guild_stats(GUILD)
    assert (stats.asked, stats.answered) == (7, 1)
    assert stats.top_unanswered == (("WHO WROTE SICP ", 3), ("What   is Lisp?", 2), ("what is lisp", 1))
    assert (stats.feedback_up, stats.feedback_down) == (2, 1)
    assert (await db.guild_stats(GUILD, top=1)).top_unanswered == (("WHO WROTE SICP ", 3),)

    other = await db.guild_stats(OTHER_GUILD)
    assert (other.asked, other.answered, other.top_unanswered) == (2, 0, (("what is lisp", 2),))
    assert (other.feedback_up, other.feedback_down) == (0, 1)
    empty = await db.guild_stats(999)
    assert (empty.asked, empty.answered, empty.top_unanswered, empty.feedback_up) == (0, 0, (), 0)


# -- opening and migrations ----------------------------------------------------------------


async def test_open_sets_wal_and_schema_version_and_reopen_is_a_noop(db_path: Path):
    migration_files = list((Path(database.__file__).parent / "migrations").glob("*.sql"))
    async with await Database.open(db_path) as db:
        await db.log_question(GUILD, 1, "q", False, False, None, 1.0)
    assert user_version(db_path) == len(migration_files) == len(load_migrations())
    tables = table_names(db_path)
    async with await Database.open(db_path) as db:
        assert (await db.guild_stats(GUILD)).asked == 1
    assert user_version(db_path) == len(migration_files)
    assert table_names(db_path) == tables
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_failing_migration_leaves_previous_version_and_no_partial_tables(db_path, monkeypatch):
    async with await Database.open(db_path):
        pass
    before_tables, before_version = table_names(db_path), user_version(db_path)
    broken = Migration(
        before_version + 1,
        f"{before_version + 1:04d}_broken.sql",
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\nCREATE TABLE oops (;\n",
    )
    monkeypatch.setattr(database, "load_migrations", lambda: [*load_migrations(), broken])
    with pytest.raises(StorageError, match="broken"):
        await Database.open(db_path)
    assert user_version(db_path) == before_version
    assert table_names(db_path) == before_tables


async def test_failing_first_migration_leaves_an_empty_database(db_path, monkeypatch):
    bad = Migration(1, "0001_bad.sql", "CREATE TABLE a (x);\nCREATE TABLE b (y);\nSELECT * FROM nowhere;")
    monkeypatch.setattr(database, "load_migrations", lambda: [bad])
    with pytest.raises(StorageError):
        await Database.open(db_path)
    assert user_version(db_path) == 0
    assert table_names(db_path) == set()


async def test_schema_newer_than_the_code_is_refused(db_path: Path):
    async with await Database.open(db_path):
        pass
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match=str(db_path.name)):
        await Database.open(db_path)


async def test_a_file_that_is_not_a_database_gives_storage_error_naming_it(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my study notes, not a database\n" * 200)
    with pytest.raises(StorageError, match="notes.txt"):
        await Database.open(path)


async def test_a_folder_in_place_of_the_database_gives_storage_error(tmp_path: Path):
    folder = tmp_path / "studybot.sqlite3"
    folder.mkdir()
    with pytest.raises(StorageError, match="studybot.sqlite3"):
        await Database.open(folder)


async def test_close_twice_is_fine_and_use_after_close_is_refused(db_path: Path):
    db = await Database.open(db_path)
    await db.close()
    await db.close()
    with pytest.raises(StorageError):
        await db.get_guild_settings(GUILD)


def test_split_statements_keeps_semicolons_inside_strings_and_triggers():
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 'c;d'; END;
    -- trailing comment
    """
    statements = list(split_statements(script))
    assert len(statements) == 2
    assert statements[1].endswith("END;")


# -- concurrency ---------------------------------------------------------------------------


async def test_two_connections_writing_concurrently_never_lock(db_path: Path):
    writes_each = 1000
    first, second = await Database.open(db_path), await Database.open(db_path)
    try:

        async def write_many(db: Database, user_id: int) -> None:
            for n in range(writes_each):
                await db.log_question(GUILD, user_id, f"question {n}", n % 2 == 0, False, None, float(n))

        started = time.perf_counter()
        await asyncio.gather(write_many(first, 1), write_many(second, 2))
        print(f"2 x {writes_each} write transactions in {time.perf_counter() - started:.2f} s")
    finally:
        await first.close()
        await second.close()
    with sqlite3.connect(db_path) as raw:
        counts = dict(raw.execute("SELECT user_id, COUNT(*) FROM question_log GROUP BY user_id"))
    assert counts == {1: writes_each, 2: writes_each}


async def test_concurrent_writes_on_one_connection_are_serialised(db: Database):
    saved = await asyncio.gather(*(db.save_answer(make_answer()) for _ in range(50)))
    votes = await asyncio.gather(*(db.record_feedback(saved[0].id, user, 1, 1.0) for user in range(50)))
    assert max(votes) == (50, 0)
    assert all([await db.get_answer(s.id) for s in saved])


async def test_a_cancelled_write_is_all_or_nothing_and_leaves_the_connection_usable(db: Database, db_path):
    for step in range(40):  # cancel at many points: before BEGIN, between inserts, around COMMIT
        task = asyncio.create_task(db.save_answer(make_answer(question=f"cancelled {step}")))
        await asyncio.sleep(step * 0.00005)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    saved = await db.save_answer(make_answer(question="after"))  # no "transaction within a transaction"
    assert (await db.get_answer(saved.id)).question == "after"
    with sqlite3.connect(db_path) as raw:
        answers = raw.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        excerpts = raw.execute("SELECT COUNT(*) FROM excerpts").fetchone()[0]
    assert excerpts == 3 * answers  # every stored answer is whole


async def test_concurrent_channel_edits_both_land(tmp_path):
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await asyncio.gather(
            db.update_guild_settings(1, allow_channel=10), db.update_guild_settings(1, allow_channel=20)
        )
        assert set((await db.get_guild_settings(1)).channel_ids) == {10, 20}
        await db.update_guild_settings(1, disallow_channel=10)
        assert (await db.get_guild_settings(1)).channel_ids == (20,)
        await db.update_guild_settings(1, all_channels=True)
        assert (await db.get_guild_settings(1)).channel_ids == ()
