"""SQLite through aiosqlite: one connection, numbered migrations, durable writes.

Every write runs in a `BEGIN IMMEDIATE` transaction under one `asyncio.Lock` and returns only
after COMMIT, so the bot can reply knowing the write is on disk. After each COMMIT the file at
the path is checked (one stat) to still be the file that is open: a deleted folder or a replaced
file makes writes fail loudly instead of being acknowledged into a file nobody will read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from bot.core.models import Article
from bot.storage import common
from bot.storage.common import Migration, MigrationResult, Outage
from bot.storage.errors import StorageError, StorageUnavailable
from bot.storage.records import (
    AnswerRecord,
    Change,
    DocumentQuota,
    DocumentRecord,
    DocumentStats,
    DocumentUse,
    GuildSettings,
    GuildStats,
    LibraryUsage,
)

log = logging.getLogger("studybot.storage")

# Primary result codes of faults that pass (busy after busy_timeout, read-only, I/O, disk full, cannot open).
PASSING_FAULTS = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
}


def _mark(n: int) -> str:
    """The n-th query parameter in this dialect."""
    return "?"


def load_migrations() -> list[Migration]:
    return common.load_migrations("bot.storage.sqlite")


def split_statements(script: str) -> Iterator[str]:
    """Split an SQL script into complete statements (semicolons in strings, comments, triggers are safe)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if _has_code(pending):
                yield pending.strip()
            pending = ""
    if _has_code(pending[:-1]):
        yield pending[:-1].strip()  # an unterminated last statement: let SQLite judge it


def _has_code(sql: str) -> bool:
    """True unless `sql` is only whitespace, `;` and `--` comments."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return bool(without_comments.replace(";", "").strip())


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class SqliteStore:
    """The Store on one SQLite file. Open with `async with await SqliteStore.open(path) as db:`."""

    backend = "sqlite"

    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self.where = str(path)
        self._connection: aiosqlite.Connection | None = connection
        self._lock = asyncio.Lock()
        self._identity = _file_identity(path)
        self._lost_file = False
        self._outage = Outage(f"the database {path}")
        self._feed = common.ChangeFeed()

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        """Connect to (or create) the database at `path` and bring its schema up to date."""
        path = Path(path)
        connection, _result = await _connect_and_migrate(path)
        return cls(path, connection)

    async def close(self) -> None:
        """Close the connection after any write in flight; calling it again does nothing."""
        async with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def _transaction(self, write: bool) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction on the shared connection; `write` takes the write lock at BEGIN."""
        async with self._lock:
            connection = self._connection
            if connection is None:
                raise StorageError(f"{self.path}: the database is closed")
            if write and self._lost_file:
                raise self._file_gone()
            try:
                await connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield connection
                await connection.execute("COMMIT")
            except BaseException as exc:
                await _rollback(connection)
                if isinstance(exc, sqlite3.Error) and (exc.sqlite_errorcode & 0xFF) in PASSING_FAULTS:
                    raise self._outage.failed(f"{exc} ({exc.sqlite_errorname})") from exc
                raise
            if write:
                if _file_identity(self.path) != self._identity:
                    self._lost_file = True
                    raise self._file_gone()
                self._outage.ok()  # only a write proves that writes work again

    def _file_gone(self) -> StorageUnavailable:
        return self._outage.failed(
            "it is no longer the file at that path (its folder was deleted or the file replaced); "
            "refusing writes that would be lost: put the file back or restore a backup, then restart Studybot"
        )

    # -- answers ---------------------------------------------------------------------------

    async def save_answer(self, record: AnswerRecord) -> AnswerRecord:
        async with self._transaction(write=True) as db:
            while True:
                answer_id = secrets.token_hex(6)
                async with db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)) as cursor:
                    if await cursor.fetchone() is None:
                        break
            await db.execute(
                common.insert_sql("answers", common.INSERT_ANSWER_COLUMNS, _mark),
                common.answer_values(answer_id, record),
            )
            await db.executemany(
                common.insert_sql("excerpts", common.EXCERPT_COLUMNS, _mark),
                common.excerpt_values(answer_id, record),
            )
        return dataclasses.replace(record, id=answer_id)

    async def get_answer(self, answer_id: str) -> AnswerRecord | None:
        if not common.is_answer_id(answer_id):
            return None
        async with self._transaction(write=False) as db:
            async with db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            async with db.execute("SELECT * FROM excerpts WHERE answer_id = ? ORDER BY rank", (answer_id,)) as cursor:
                excerpt_rows = await cursor.fetchall()
        return common.answer_record(row, excerpt_rows)

    async def set_answer_page(self, answer_id: str, page: int) -> None:
        if not common.is_answer_id(answer_id):
            return
        async with self._transaction(write=True) as db:
            await db.execute("UPDATE answers SET page = ? WHERE id = ?", (int(page), answer_id))

    async def record_feedback(self, answer_id: str, user_id: int, value: int, at: float) -> tuple[int, int]:
        common.check_vote(value)
        async with self._transaction(write=True) as db:
            async with db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)) as cursor:
                if await cursor.fetchone() is None:
                    raise LookupError(f"no answer {answer_id!r}")
            await db.execute(
                """INSERT INTO feedback (answer_id, user_id, value, at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (answer_id, user_id) DO UPDATE SET value = excluded.value, at = excluded.at""",
                (answer_id, user_id, value, at),
            )
            async with db.execute(
                """SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0)
                   FROM feedback WHERE answer_id = ?""",
                (answer_id,),
            ) as cursor:
                up, down = await cursor.fetchone()
        return up, down

    async def prune(self, before: float) -> int:
        async with self._transaction(write=True) as db:
            cursor = await db.execute("DELETE FROM answers WHERE expires_at < ?", (before,))
            deleted = cursor.rowcount
            await cursor.close()
        return deleted

    # -- question log and stats ---------------------------------------------------------------

    async def log_question(
        self,
        guild_id: int | None,
        user_id: int,
        question: str,
        answered: bool,
        weak: bool,
        answer_id: str | None,
        at: float,
    ) -> None:
        async with self._transaction(write=True) as db:
            await db.execute(
                """INSERT INTO question_log
                       (guild_id, user_id, question, normalized, answered, weak, answer_id, at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (guild_id, user_id, question, common.normalize_question(question), bool(answered), bool(weak),
                 answer_id, at),
            )

    async def guild_stats(self, guild_id: int, top: int = 5) -> GuildStats:
        async with self._transaction(write=False) as db:
            async with db.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM question_log WHERE guild_id = ?",
                (guild_id,),
            ) as cursor:
                asked, answered = await cursor.fetchone()
            # SQLite takes the bare column `question` from the row holding MAX(at): the latest wording.
            async with db.execute(
                """SELECT question, COUNT(*) AS times, MAX(at) AS latest FROM question_log
                   WHERE guild_id = ? AND answered = 0
                   GROUP BY normalized ORDER BY times DESC, latest DESC LIMIT ?""",
                (guild_id, max(0, int(top))),
            ) as cursor:
                unanswered = tuple((row["question"], row["times"]) for row in await cursor.fetchall())
            async with db.execute(
                """SELECT COALESCE(SUM(f.value = 1), 0), COALESCE(SUM(f.value = -1), 0)
                   FROM feedback AS f JOIN answers AS a ON a.id = f.answer_id WHERE a.guild_id = ?""",
                (guild_id,),
            ) as cursor:
                up, down = await cursor.fetchone()
        return GuildStats(asked, answered, unanswered, up, down)

    # -- guild settings ------------------------------------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        async with self._transaction(write=False) as db:
            return await _read_settings(db, guild_id)

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        changes, edits = common.split_setting_changes(changes)
        async with self._transaction(write=True) as db:
            merged = common.merge_settings(await _read_settings(db, guild_id), changes, edits)
            await db.execute(
                f"""INSERT INTO guild_settings ({", ".join(common.SETTINGS_COLUMNS)})
                    VALUES ({", ".join("?" * len(common.SETTINGS_COLUMNS))})
                    ON CONFLICT (guild_id) DO UPDATE SET {_set_excluded(common.SETTINGS_COLUMNS[1:])}""",
                common.settings_values(guild_id, merged),
            )
            stored = await _read_settings(db, guild_id)
        self._feed.dispatch(Change(common.SETTINGS_CHANGED, guild_id))
        return stored

    # -- documents: every server's own library ---------------------------------------------------

    async def add_document(
        self, record: DocumentRecord, content: bytes, article: Article, quota: DocumentQuota | None = None
    ) -> DocumentRecord:
        async with self._transaction(write=True) as db:  # BEGIN IMMEDIATE: the quota check cannot race
            common.check_quota(quota, await _usage(db, record.guild_id), record)
            while True:
                document_id = common.new_document_id()
                async with db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)) as cursor:
                    if await cursor.fetchone() is None:
                        break
            columns = (*common.DOCUMENT_COLUMNS, "content", "article")
            await db.execute(
                f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                (*common.document_values(document_id, record), bytes(content),
                 common.stored_article(document_id, article)),
            )
            await _bump_version(db, record.guild_id)
        self._feed.dispatch(Change(common.LIBRARY_CHANGED, record.guild_id))
        return dataclasses.replace(record, id=document_id)

    async def list_documents(self, guild_id: int) -> tuple[DocumentRecord, ...]:
        async with self._transaction(write=False) as db, db.execute(
            f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE guild_id = ? ORDER BY added_at, id",
            (guild_id,),
        ) as cursor:
            return tuple(common.document_record(row) for row in await cursor.fetchall())

    async def get_document(self, guild_id: int, document_id: str) -> DocumentRecord | None:
        if not common.is_document_id(document_id):
            return None
        async with self._transaction(write=False) as db, db.execute(
            f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE guild_id = ? AND id = ?",
            (guild_id, document_id),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else common.document_record(row)

    async def document_content(self, guild_id: int, document_id: str) -> bytes | None:
        if not common.is_document_id(document_id):
            return None
        async with self._transaction(write=False) as db, db.execute(
            "SELECT content FROM documents WHERE guild_id = ? AND id = ?", (guild_id, document_id)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else bytes(row[0])

    async def update_document(self, guild_id: int, document_id: str, **metadata: Any) -> DocumentRecord | None:
        changes = common.check_document_edit(metadata)
        if not common.is_document_id(document_id):
            return None
        async with self._transaction(write=True) as db:
            async with db.execute(
                "SELECT article FROM documents WHERE guild_id = ? AND id = ?", (guild_id, document_id)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            if changes:
                assignments = ", ".join(f"{key} = ?" for key in changes)
                await db.execute(
                    f"UPDATE documents SET {assignments}, article = ? WHERE guild_id = ? AND id = ?",
                    (*changes.values(), common.edited_article(row["article"], changes), guild_id, document_id),
                )
                await _bump_version(db, guild_id)
            async with db.execute(
                f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE id = ?", (document_id,)
            ) as cursor:
                updated = common.document_record(await cursor.fetchone())
        if changes:
            self._feed.dispatch(Change(common.LIBRARY_CHANGED, guild_id))
        return updated

    async def remove_document(self, guild_id: int, document_id: str) -> bool:
        if not common.is_document_id(document_id):
            return False
        async with self._transaction(write=True) as db:
            cursor = await db.execute("DELETE FROM documents WHERE guild_id = ? AND id = ?", (guild_id, document_id))
            removed = cursor.rowcount > 0
            await cursor.close()
            if removed:
                await _bump_version(db, guild_id)
        if removed:
            self._feed.dispatch(Change(common.LIBRARY_CHANGED, guild_id))
        return removed

    async def document_stats(self, guild_id: int, document_id: str) -> DocumentStats:
        if not common.is_document_id(document_id):
            return DocumentStats(0, 0, 0)
        async with self._transaction(write=False) as db, db.execute(
            common.document_stats_sql(_mark), (guild_id, common.passage_prefix(document_id))
        ) as cursor:
            return DocumentStats(*await cursor.fetchone())

    async def top_documents(self, guild_id: int, top: int = 5) -> tuple[DocumentUse, ...]:
        query = common.top_documents_sql(_mark)
        async with self._transaction(write=False) as db, db.execute(query, (guild_id, guild_id, int(top))) as cursor:
            return common.document_uses(await cursor.fetchall())

    async def library_version(self, guild_id: int) -> str:
        async with self._transaction(write=False) as db:
            return await _version(db, guild_id)

    async def library_usage(self, guild_id: int) -> LibraryUsage:
        async with self._transaction(write=False) as db:
            return await _usage(db, guild_id)

    async def guild_articles(self, guild_id: int) -> tuple[str, tuple[Article, ...]]:
        async with self._transaction(write=False) as db:  # version and articles from one snapshot
            version = await _version(db, guild_id)
            async with db.execute(
                "SELECT article FROM documents WHERE guild_id = ? ORDER BY added_at, id", (guild_id,)
            ) as cursor:
                stored = [row[0] for row in await cursor.fetchall()]
        return version, await asyncio.to_thread(lambda: tuple(map(common.loaded_article, stored)))

    # -- one process: notices stay in it, every job is ours ------------------------------------

    async def publish(self, kind: str, guild_id: int | None) -> None:
        common.check_kind(kind)
        self._feed.dispatch(Change(kind, guild_id))

    def on_change(self, callback: Callable[[Change], object]) -> None:
        self._feed.add(callback)

    @asynccontextmanager
    async def exclusive_job(self, name: str) -> AsyncIterator[bool]:
        """Always True: one bot process per SQLite file (see bot.storage.sqlite.lock)."""
        yield True

    # -- transfer --------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        async with self._transaction(write=False) as db:
            return await _user_version(db)

    async def tables(self) -> dict[str, list[str]]:
        async with self._transaction(write=False) as db:
            return await _tables(db)

    async def read_rows(self, table: str, batch: int = 500) -> AsyncIterator[list[tuple]]:
        columns = (await self.tables())[table]
        order = ", ".join(f'"{c}"' for c in columns)
        # A second connection: one consistent snapshot (WAL lets writers go on), and the store stays
        # free for other calls while the caller works through the batches.
        try:
            reader = await _connect(self.path)
            try:
                await reader.execute("BEGIN")
                async with reader.execute(f'SELECT {order} FROM "{table}" ORDER BY {order}') as cursor:
                    while rows := await cursor.fetchmany(batch):
                        yield [tuple(row) for row in rows]
            finally:
                await reader.close()
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot read table {table}: {exc}") from exc

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[_Loader]:
        async with self._transaction(write=True) as db:
            for table in await _tables(db):
                async with db.execute(f'SELECT 1 FROM "{table}" LIMIT 1') as cursor:
                    if await cursor.fetchone() is not None:
                        raise StorageError(f"{self.path} already holds data (table {table}); import into a new one")
            yield _Loader(db)


class _Loader:
    def __init__(self, db: aiosqlite.Connection):
        self._db = db

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        await self._db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


async def _tables(db: aiosqlite.Connection) -> dict[str, list[str]]:
    async with db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cursor:
        names = [row[0] for row in await cursor.fetchall()]
    references, columns = {}, {}
    for name in names:
        async with db.execute(f'PRAGMA foreign_key_list("{name}")') as cursor:
            references[name] = {row["table"] for row in await cursor.fetchall()}
        async with db.execute(f'PRAGMA table_info("{name}")') as cursor:
            columns[name] = [row["name"] for row in await cursor.fetchall()]
    return {name: columns[name] for name in common.dependency_order(references)}


def _set_excluded(columns: Sequence[str]) -> str:
    return ", ".join(f"{column} = excluded.{column}" for column in columns)


async def _usage(db: aiosqlite.Connection, guild_id: int) -> LibraryUsage:
    async with db.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0), COALESCE(SUM(passages), 0) FROM documents WHERE guild_id = ?",
        (guild_id,),
    ) as cursor:
        return LibraryUsage(*await cursor.fetchone())


async def _version(db: aiosqlite.Connection, guild_id: int) -> str:
    async with db.execute("SELECT version FROM library_versions WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    return str(row[0] if row else 0)


async def _bump_version(db: aiosqlite.Connection, guild_id: int) -> None:
    await db.execute(
        """INSERT INTO library_versions (guild_id, version) VALUES (?, 1)
           ON CONFLICT (guild_id) DO UPDATE SET version = library_versions.version + 1""",
        (guild_id,),
    )


async def _read_settings(db: aiosqlite.Connection, guild_id: int) -> GuildSettings:
    async with db.execute("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)) as cursor:
        return common.settings_record(await cursor.fetchone())


async def _rollback(db: aiosqlite.Connection) -> None:
    """Undo the open transaction, if any.

    Always queued, never skipped on `in_transaction`: after a cancellation the BEGIN or a
    statement may still be waiting in aiosqlite's queue, and this ROLLBACK runs after it.
    """
    with contextlib.suppress(sqlite3.Error):  # "no transaction is active", or the fault itself
        await db.execute("ROLLBACK")


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone()
    return version


async def _connect(path: Path) -> aiosqlite.Connection:
    """An aiosqlite connection to `path`; when opening fails, its worker thread has ended before the error
    reaches the caller.

    On a failed open aiosqlite queues the stop of its worker thread without waiting for it. The thread's
    last act is to answer that stop on this event loop; if the loop has closed by then (the caller gave
    up, a test ended) the thread dies on "Event loop is closed". Waiting for the thread here keeps every
    connection's thread inside the loop that started it.
    """
    pending = aiosqlite.connect(path, isolation_level=None)  # no implicit transactions: BEGIN/COMMIT explicit
    try:
        return await pending
    except BaseException:
        await _worker_ended(pending)
        raise


async def _worker_ended(connection: aiosqlite.Connection, timeout: float = 10.0) -> None:
    """Wait (at most `timeout` seconds) for the worker thread of a connection that failed to open."""
    # aiosqlite before 0.22: the Connection is the thread; since 0.22 it holds one.
    thread = connection if isinstance(connection, threading.Thread) else getattr(connection, "_thread", None)
    if not isinstance(thread, threading.Thread):
        return
    # Polled, not joined in the executor: the loop must keep running to take the thread's answer, and
    # the executor may be busy with long work.
    deadline = asyncio.get_running_loop().time() + timeout
    while thread.is_alive() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.001)


async def _connect_and_migrate(path: Path) -> tuple[aiosqlite.Connection, MigrationResult]:
    """A configured connection to `path` with every migration applied (StorageError naming the file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder of the database {path}: {exc}") from exc
    try:
        connection = await _connect(path)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
    connection.row_factory = aiosqlite.Row
    try:
        await connection.execute("PRAGMA busy_timeout = 10000")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = FULL")
        # A removed document's bytes are overwritten, not left in free pages (Debian's SQLite does it by
        # default; other builds do not).
        await connection.execute("PRAGMA secure_delete = ON")
        result = await _migrate(connection, path, load_migrations())
    except sqlite3.Error as exc:
        await connection.close()
        raise StorageError(f"{path} is not a usable SQLite database: {exc}") from exc
    except BaseException:
        await connection.close()
        raise
    return connection, result


async def migrate(path: Path) -> MigrationResult:
    """Apply pending migrations to the file at `path` and close it (`studybot migrate`)."""
    connection, result = await _connect_and_migrate(Path(path))
    await connection.close()
    return result


async def _migrate(db: aiosqlite.Connection, path: Path, migrations: list[Migration]) -> MigrationResult:
    """Apply each migration newer than the file's user_version, each in one transaction."""
    found, known = await _user_version(db), len(migrations)
    if found > known:
        raise common.too_new(str(path), found, known)
    for migration in migrations:
        if migration.version <= found:
            continue  # already applied: reopening an up-to-date file writes nothing
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the lock: another process may have migrated meanwhile.
            current = await _user_version(db)
            if current >= migration.version:
                await db.execute("COMMIT")
                continue
            if current != migration.version - 1:
                raise StorageError(f"{path} is at version {current}; cannot apply {migration.name}")
            for statement in split_statements(migration.sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {int(migration.version)}")
            await db.execute("COMMIT")
        except BaseException as exc:
            await _rollback(db)
            if isinstance(exc, sqlite3.Error):
                raise StorageError(f"{path}: migration {migration.name} failed: {exc}") from exc
            raise
    return MigrationResult(str(path), found, max(found, known))
