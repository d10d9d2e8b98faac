"""What only SQLite does: the file on disk, WAL, user_version migrations, and faults of the file itself."""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.storage import StorageError, StorageUnavailable
from bot.storage.common import Migration
from bot.storage.sqlite import DatabaseInUse, SqliteStore, exclusive
from bot.storage.sqlite import store as sqlite_store
from bot.storage.sqlite.store import load_migrations, split_statements
from tests.storage.samples import GUILD, make_answer


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "studybot.sqlite3"


@pytest.fixture
async def db(db_path: Path):
    async with await SqliteStore.open(db_path) as opened:
        yield opened


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA user_version").fetchone()[0]


async def test_open_sets_wal_and_schema_version(db_path: Path):
    migration_files = list((Path(sqlite_store.__file__).parent / "migrations").glob("*.sql"))
    async with await SqliteStore.open(db_path):
        pass
    assert user_version(db_path) == len(migration_files) == len(load_migrations())
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_failing_migration_leaves_previous_version_and_no_partial_tables(db_path, monkeypatch):
    async with await SqliteStore.open(db_path):
        pass
    before_tables, before_version = table_names(db_path), user_version(db_path)
    broken = Migration(
        before_version + 1,
        f"{before_version + 1:04d}_broken.sql",
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\nCREATE TABLE oops (;\n",
    )
    monkeypatch.setattr(sqlite_store, "load_migrations", lambda: [*load_migrations(), broken])
    with pytest.raises(StorageError, match="broken"):
        await SqliteStore.open(db_path)
    assert user_version(db_path) == before_version
    assert table_names(db_path) == before_tables


async def test_failing_first_migration_leaves_an_empty_database(db_path, monkeypatch):
    bad = Migration(1, "0001_bad.sql", "CREATE TABLE a (x);\nCREATE TABLE b (y);\nSELECT * FROM nowhere;")
    monkeypatch.setattr(sqlite_store, "load_migrations", lambda: [bad])
    with pytest.raises(StorageError):
        await SqliteStore.open(db_path)
    assert user_version(db_path) == 0
    assert table_names(db_path) == set()


async def test_a_file_that_is_not_a_database_gives_storage_error_naming_it(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my study notes, not a database\n" * 200)
    with pytest.raises(StorageError, match="notes.txt"):
        await SqliteStore.open(path)


async def test_a_folder_in_place_of_the_database_gives_storage_error(tmp_path: Path):
    folder = tmp_path / "studybot.sqlite3"
    folder.mkdir()
    with pytest.raises(StorageError, match="studybot.sqlite3"):
        await SqliteStore.open(folder)


def threads_left(before: set[threading.Thread]) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread not in before and thread.is_alive()]


async def test_a_database_that_cannot_be_opened_leaves_no_worker_thread_behind(tmp_path: Path):
    """aiosqlite stops its thread after a failed open without waiting; unwaited, the thread answered
    after the test's event loop had closed ("Event loop is closed" in a later test)."""
    folder = tmp_path / "studybot.sqlite3"
    folder.mkdir()
    before = set(threading.enumerate())
    with pytest.raises(StorageError):
        await SqliteStore.open(folder)
    assert threads_left(before) == []


async def test_a_read_that_cannot_open_its_connection_leaves_no_worker_thread_behind(db: SqliteStore, db_path: Path):
    await db.log_question(GUILD, 1, "q", False, False, None, 1.0)
    shutil.rmtree(db_path.parent)  # the store's open connection still reads; a new one cannot open the file
    before = set(threading.enumerate())
    with pytest.raises(StorageError, match="cannot read table"):
        [rows async for rows in db.read_rows("question_log")]
    assert threads_left(before) == []


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


def test_a_second_process_lock_on_the_same_file_is_refused(db_path: Path):
    with exclusive(db_path), pytest.raises(DatabaseInUse, match="in use"), exclusive(db_path):
        pass
    with exclusive(db_path):  # released: the next bot may start
        pass


def test_the_lock_names_the_bot_holding_it_for_studybot_reload(db_path: Path):
    import os

    from bot.storage.sqlite import lock_holder

    assert lock_holder(db_path) is None  # never started
    with exclusive(db_path):
        assert lock_holder(db_path) == os.getpid()
    assert lock_holder(db_path) is None  # stopped: the file stays, the lock does not


# -- faults: issue 15 items 2 and 3 ------------------------------------------------------------


def storage_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "studybot.storage" and r.levelno >= logging.ERROR]


async def test_deleted_folder_refuses_writes_loudly_once(db: SqliteStore, db_path: Path, caplog):
    await db.update_guild_settings(GUILD, top_k=2)
    shutil.rmtree(db_path.parent)
    for _ in range(3):
        with pytest.raises(StorageUnavailable, match=f"{db_path}.*no longer the file"):
            await db.update_guild_settings(GUILD, top_k=4)
        await db.get_guild_settings(GUILD)  # a read in between is no recovery
    with pytest.raises(StorageUnavailable):
        await db.save_answer(make_answer())
    assert len(storage_errors(caplog)) == 1
    assert str(db_path) in storage_errors(caplog)[0].getMessage()
    assert (await db.get_guild_settings(GUILD)).top_k in (2, 4)  # reads still work from the open file


async def test_a_replaced_file_refuses_writes(db: SqliteStore, db_path: Path, tmp_path: Path):
    await db.log_question(GUILD, 1, "before", False, False, None, 1.0)
    other = tmp_path / "restored.sqlite3"
    async with await SqliteStore.open(other):
        pass
    os.replace(other, db_path)
    with pytest.raises(StorageUnavailable, match="no longer the file"):
        await db.log_question(GUILD, 1, "after", False, False, None, 2.0)


async def test_a_failing_disk_write_is_unavailable_logged_once_and_recovers(db: SqliteStore, db_path: Path, caplog):
    """Real failing writes: RLIMIT_FSIZE makes the kernel refuse every write past byte 1 (EFBIG)."""
    await db.update_guild_settings(GUILD, top_k=2)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
        for n in range(3):
            with pytest.raises(StorageUnavailable, match=f"{db_path}.*(disk|I/O)"):
                await db.update_guild_settings(GUILD, top_k=5 + n)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert len(storage_errors(caplog)) == 1
    assert (await db.update_guild_settings(GUILD, top_k=9)).top_k == 9  # the fault cleared: writes resume
    assert any("works again" in r.getMessage() for r in caplog.records)
    assert (await db.get_guild_settings(GUILD)).top_k == 9


async def test_a_read_only_database_is_unavailable_not_a_crash(db: SqliteStore, db_path: Path):
    """SQLITE_READONLY, raised here by query_only (root ignores file modes, so chmod cannot)."""
    await db._connection.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageUnavailable, match=f"{db_path}.*readonly"):
        await db.log_question(GUILD, 1, "q", False, False, None, 1.0)
    await db._connection.execute("PRAGMA query_only = OFF")
    await db.log_question(GUILD, 1, "q", False, False, None, 1.0)
    assert (await db.guild_stats(GUILD)).asked == 1
