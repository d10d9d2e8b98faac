"""PostgreSQL through asyncpg: one pool per process, LISTEN/NOTIFY for changes, advisory locks for jobs.

Every write is one transaction and returns after COMMIT. Every call is bounded: a free connection
within `acquire_timeout`, each statement within `statement_timeout`, a new connection within
`connect_timeout`; past them, or with the server down, calls raise StorageUnavailable (logged once
per outage) and work again by themselves once the server is back (the pool reconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.core.models import Article
from bot.storage import common
from bot.storage.common import Migration, MigrationResult, Outage
from bot.storage.errors import StorageError, StorageUnavailable
from bot.storage.options import StorageOptions
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

CHANNEL = "studybot_changes"
SCHEMA_TABLE = "studybot_schema"
MIGRATION_LOCK = 0x5354_5544_5942_4F54 & 0x7FFF_FFFF_FFFF_FFFF  # "STUDYBOT": one key for every process
LISTEN_CHECK_SECONDS = 5.0  # how often the listening connection is probed (a silent network drop)
# SQLSTATE classes of faults that pass: connection (08), resources (53: disk full, too many
# connections), operator intervention (57: shutdown, cancelled), system (58: I/O), read-only (25006).
PASSING_STATES = ("08", "53", "57", "58", "25006")


def _mark(n: int) -> str:
    """The n-th query parameter in this dialect."""
    return f"${n}"


def load_migrations() -> list[Migration]:
    return common.load_migrations("bot.storage.postgres")


def describe(url: str) -> str:
    """user@host:port/db for messages (the url never holds a password; see StorageOptions)."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"{user}{parts.hostname or ''}:{parts.port or 5432}{parts.path}"


def job_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.blake2b(f"studybot job {name}".encode(), digest_size=8).digest(), "big", signed=True)


def passing_cause(exc: BaseException) -> str | None:
    """Why `exc` is a passing fault (for the log and the error), or None when it is not one."""
    if isinstance(exc, TimeoutError):
        return "no answer in time (server down, or every pooled connection busy)"
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", "") or ""
        if state.startswith(PASSING_STATES):
            return f"{exc} (SQLSTATE {state})"
        return None
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError | OSError | ConnectionError):
        return f"{exc or type(exc).__name__}"
    return None


class PostgresStore:
    """The Store on one PostgreSQL database. Open with `await PostgresStore.open(options)`."""

    backend = "postgresql"

    def __init__(self, options: StorageOptions, pool: asyncpg.Pool) -> None:
        self.options = options
        self.where = describe(options.url)
        self._pool: asyncpg.Pool | None = pool
        self._outage = Outage(f"the database {self.where}")
        self._feed = common.ChangeFeed()
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, options: StorageOptions) -> PostgresStore:
        """A pool on the database, its schema brought up to date, and the change feed listening."""
        await migrate(options)
        try:
            pool = await asyncpg.create_pool(**_connect_args(options), min_size=1, max_size=options.pool_size)
        except BaseException as exc:
            cause = passing_cause(exc)
            if cause is None:
                raise
            raise StorageUnavailable(f"cannot connect to the database {describe(options.url)}: {cause}") from exc
        store = cls(options, pool)
        store._listener = asyncio.create_task(store._listen(), name="studybot-change-feed")
        with contextlib.suppress(TimeoutError):  # not yet: it keeps trying, and says "*" once it is in
            await asyncio.wait_for(store._listening.wait(), options.connect_timeout)
        return store

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), self.options.statement_timeout + 1)
            except (TimeoutError, *_CLOSE_ERRORS):
                pool.terminate()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; driver faults become StorageUnavailable (logged once per outage)."""
        if self._pool is None:
            raise StorageError(f"{self.where}: the database is closed")
        try:
            async with self._pool.acquire(timeout=self.options.acquire_timeout) as connection:
                yield connection
        except Exception as exc:
            if isinstance(exc, StorageError) or (cause := passing_cause(exc)) is None:
                raise
            raise self._outage.failed(cause) from exc
        self._outage.ok()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._connection() as connection, connection.transaction():
            yield connection

    # -- answers ---------------------------------------------------------------------------

    async def save_answer(self, record: AnswerRecord) -> AnswerRecord:
        async with self._transaction() as db:
            while True:
                answer_id = secrets.token_hex(6)
                inserted = await db.fetchval(
                    f"""{common.insert_sql("answers", common.INSERT_ANSWER_COLUMNS, _mark)}
                        ON CONFLICT (id) DO NOTHING RETURNING id""",
                    *common.answer_values(answer_id, record),
                )
                if inserted is not None:
                    break
            await db.executemany(
                common.insert_sql("excerpts", common.EXCERPT_COLUMNS, _mark),
                common.excerpt_values(answer_id, record),
            )
        return dataclasses.replace(record, id=answer_id)

    async def get_answer(self, answer_id: str) -> AnswerRecord | None:
        if not common.is_answer_id(answer_id):
            return None
        async with self._transaction() as db:
            row = await db.fetchrow("SELECT * FROM answers WHERE id = $1", answer_id)
            if row is None:
                return None
            excerpts = await db.fetch("SELECT * FROM excerpts WHERE answer_id = $1 ORDER BY rank", answer_id)
        return common.answer_record(row, excerpts)

    async def set_answer_page(self, answer_id: str, page: int) -> None:
        if not common.is_answer_id(answer_id):
            return
        async with self._transaction() as db:
            await db.execute("UPDATE answers SET page = $1 WHERE id = $2", int(page), answer_id)

    async def record_feedback(self, answer_id: str, user_id: int, value: int, at: float) -> tuple[int, int]:
        common.check_vote(value)
        async with self._transaction() as db:
            # The row lock queues votes on one answer, so each returns counts that include the ones before it.
            if await db.fetchval("SELECT 1 FROM answers WHERE id = $1 FOR UPDATE", answer_id) is None:
                raise LookupError(f"no answer {answer_id!r}")
            await db.execute(
                """INSERT INTO feedback (answer_id, user_id, value, at) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (answer_id, user_id) DO UPDATE SET value = excluded.value, at = excluded.at""",
                answer_id, user_id, value, float(at),
            )
            row = await db.fetchrow(
                """SELECT COUNT(*) FILTER (WHERE value = 1), COUNT(*) FILTER (WHERE value = -1)
                   FROM feedback WHERE answer_id = $1""",
                answer_id,
            )
        return row[0], row[1]

    async def prune(self, before: float) -> int:
        async with self._transaction() as db:
            status = await db.execute("DELETE FROM answers WHERE expires_at < $1", float(before))
        return int(status.split()[-1])

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
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO question_log
                       (guild_id, user_id, question, normalized, answered, weak, answer_id, at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                guild_id, user_id, question, common.normalize_question(question), bool(answered), bool(weak),
                answer_id, float(at),
            )

    async def guild_stats(self, guild_id: int, top: int = 5) -> GuildStats:
        async with self._transaction() as db:
            asked, answered = await db.fetchrow(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE answered) FROM question_log WHERE guild_id = $1", guild_id
            )
            rows = await db.fetch(
                """SELECT (ARRAY_AGG(question ORDER BY at DESC, id DESC))[1] AS question, COUNT(*) AS times,
                          MAX(at) AS latest
                   FROM question_log WHERE guild_id = $1 AND NOT answered
                   GROUP BY normalized ORDER BY times DESC, latest DESC LIMIT $2""",
                guild_id, max(0, int(top)),
            )
            up, down = await db.fetchrow(
                """SELECT COUNT(*) FILTER (WHERE f.value = 1), COUNT(*) FILTER (WHERE f.value = -1)
                   FROM feedback AS f JOIN answers AS a ON a.id = f.answer_id WHERE a.guild_id = $1""",
                guild_id,
            )
        return GuildStats(asked, answered, tuple((r["question"], r["times"]) for r in rows), up, down)

    # -- guild settings ------------------------------------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        async with self._transaction() as db:
            row = await db.fetchrow("SELECT * FROM guild_settings WHERE guild_id = $1", guild_id)
        return common.settings_record(row)

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        changes, edits = common.split_setting_changes(changes)
        async with self._transaction() as db:
            # Row lock (or insert) first, so concurrent channel edits of one guild queue up and both land.
            await db.execute("INSERT INTO guild_settings (guild_id) VALUES ($1) ON CONFLICT DO NOTHING", guild_id)
            current = await db.fetchrow("SELECT * FROM guild_settings WHERE guild_id = $1 FOR UPDATE", guild_id)
            merged = common.merge_settings(common.settings_record(current), changes, edits)
            assignments = ", ".join(f"{c} = ${n}" for n, c in enumerate(common.SETTINGS_COLUMNS[1:], start=2))
            row = await db.fetchrow(
                f"UPDATE guild_settings SET {assignments} WHERE guild_id = $1 RETURNING *",
                *common.settings_values(guild_id, merged),
            )
            await _notify(db, Change(common.SETTINGS_CHANGED, guild_id))  # delivered at COMMIT
        return common.settings_record(row)

    # -- documents: every server's own library ---------------------------------------------------

    async def add_document(
        self, record: DocumentRecord, content: bytes, article: Article, quota: DocumentQuota | None = None
    ) -> DocumentRecord:
        columns = (*common.DOCUMENT_COLUMNS, "content", "article")
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        async with self._transaction() as db:
            await _lock_library(db, record.guild_id)  # adds to one library queue up: the quota check cannot race
            common.check_quota(quota, await _usage(db, record.guild_id), record)
            while True:
                document_id = common.new_document_id()
                inserted = await db.fetchval(
                    f"""INSERT INTO documents ({", ".join(columns)}) VALUES ({marks})
                        ON CONFLICT (id) DO NOTHING RETURNING id""",
                    *common.document_values(document_id, record), bytes(content),
                    common.stored_article(document_id, article),
                )
                if inserted is not None:
                    break
            await _bump_version(db, record.guild_id)
            await _notify(db, Change(common.LIBRARY_CHANGED, record.guild_id))
        return dataclasses.replace(record, id=document_id)

    async def list_documents(self, guild_id: int) -> tuple[DocumentRecord, ...]:
        async with self._connection() as db:
            rows = await db.fetch(
                f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE guild_id = $1 ORDER BY added_at, id", guild_id
            )
        return tuple(map(common.document_record, rows))

    async def get_document(self, guild_id: int, document_id: str) -> DocumentRecord | None:
        if not common.is_document_id(document_id):
            return None
        async with self._connection() as db:
            row = await db.fetchrow(
                f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE guild_id = $1 AND id = $2",
                guild_id, document_id,
            )
        return None if row is None else common.document_record(row)

    async def document_content(self, guild_id: int, document_id: str) -> bytes | None:
        if not common.is_document_id(document_id):
            return None
        async with self._connection() as db:
            content = await db.fetchval(
                "SELECT content FROM documents WHERE guild_id = $1 AND id = $2", guild_id, document_id
            )
        return None if content is None else bytes(content)

    async def update_document(self, guild_id: int, document_id: str, **metadata: Any) -> DocumentRecord | None:
        changes = common.check_document_edit(metadata)
        if not common.is_document_id(document_id):
            return None
        async with self._transaction() as db:
            stored = await db.fetchval(
                "SELECT article FROM documents WHERE guild_id = $1 AND id = $2 FOR UPDATE", guild_id, document_id
            )
            if stored is None:
                return None
            if changes:
                assignments = ", ".join(f"{key} = ${n}" for n, key in enumerate(changes, start=4))
                await db.execute(
                    f"UPDATE documents SET article = $3, {assignments} WHERE guild_id = $1 AND id = $2",
                    guild_id, document_id, common.edited_article(stored, changes), *changes.values(),
                )
                await _bump_version(db, guild_id)
                await _notify(db, Change(common.LIBRARY_CHANGED, guild_id))
            row = await db.fetchrow(f"SELECT {common.DOCUMENT_SELECT} FROM documents WHERE id = $1", document_id)
        return common.document_record(row)

    async def remove_document(self, guild_id: int, document_id: str) -> bool:
        if not common.is_document_id(document_id):
            return False
        async with self._transaction() as db:
            status = await db.execute("DELETE FROM documents WHERE guild_id = $1 AND id = $2", guild_id, document_id)
            removed = int(status.split()[-1]) > 0
            if removed:
                await _bump_version(db, guild_id)
                await _notify(db, Change(common.LIBRARY_CHANGED, guild_id))
        return removed

    async def document_stats(self, guild_id: int, document_id: str) -> DocumentStats:
        if not common.is_document_id(document_id):
            return DocumentStats(0, 0, 0)
        async with self._connection() as db:
            row = await db.fetchrow(
                common.document_stats_sql(_mark), guild_id, common.passage_prefix(document_id)
            )
        return DocumentStats(int(row[0]), int(row[1]), int(row[2]))

    async def top_documents(self, guild_id: int, top: int = 5) -> tuple[DocumentUse, ...]:
        async with self._connection() as db:
            return common.document_uses(await db.fetch(common.top_documents_sql(_mark), guild_id, guild_id, int(top)))

    async def library_version(self, guild_id: int) -> str:
        async with self._connection() as db:
            return await _version(db, guild_id)

    async def library_usage(self, guild_id: int) -> LibraryUsage:
        async with self._connection() as db:
            return await _usage(db, guild_id)

    async def guild_articles(self, guild_id: int) -> tuple[str, tuple[Article, ...]]:
        async with self._connection() as db, db.transaction(isolation="repeatable_read", readonly=True):
            version = await _version(db, guild_id)
            stored = await db.fetch("SELECT article FROM documents WHERE guild_id = $1 ORDER BY added_at, id", guild_id)
        return version, await asyncio.to_thread(lambda: tuple(common.loaded_article(r[0]) for r in stored))

    # -- many processes ---------------------------------------------------------------------------

    async def publish(self, kind: str, guild_id: int | None) -> None:
        common.check_kind(kind)
        async with self._transaction() as db:
            await _notify(db, Change(kind, guild_id))

    def on_change(self, callback: Callable[[Change], object]) -> None:
        self._feed.add(callback)

    @asynccontextmanager
    async def exclusive_job(self, name: str) -> AsyncIterator[bool]:
        """True in the one process holding the session advisory lock for `name` (it holds one
        pooled connection meanwhile); False elsewhere. A process that dies releases it."""
        key = job_key(name)
        async with self._connection() as db:
            mine = await db.fetchval("SELECT pg_try_advisory_lock($1)", key)
            try:
                yield mine
            finally:
                if mine:
                    with contextlib.suppress(*_CLOSE_ERRORS, TimeoutError):
                        await db.execute("SELECT pg_advisory_unlock($1)", key)

    async def _listen(self) -> None:
        """Keep one dedicated connection LISTENing; reconnect when it drops, then announce "*"."""
        delay, first = 0.2, True
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(**_connect_args(self.options))
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._notified)
                if not first:
                    log.warning("change feed on %s is back; reloading everything", self.where)
                    self._feed.dispatch(Change("*", None))  # notices sent while away were missed
                first, delay = False, 0.2
                self._listening.set()
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), LISTEN_CHECK_SECONDS)
                    if not lost.is_set():
                        await connection.execute("SELECT 1", timeout=self.options.statement_timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if passing_cause(exc) is None:
                    log.exception("change feed on %s failed", self.where)
                elif self._listening.is_set() or first:
                    log.warning("change feed on %s lost: %s; reconnecting", self.where, passing_cause(exc))
            finally:
                self._listening.clear()
                if connection is not None:
                    connection.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _notified(self, _connection, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            change = Change(str(data["kind"]), None if data["guild_id"] is None else int(data["guild_id"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed notice on %s: %r", CHANNEL, payload[:200])
            return
        self._feed.dispatch(change)

    # -- transfer --------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        async with self._transaction() as db:
            return await db.fetchval(f"SELECT version FROM {SCHEMA_TABLE}")

    async def tables(self) -> dict[str, list[str]]:
        async with self._transaction() as db:
            return {name: [c for c, _t in columns] for name, columns in (await _tables(db)).items()}

    async def read_rows(self, table: str, batch: int = 500) -> AsyncIterator[list[tuple]]:
        columns = (await self.tables())[table]
        order = ", ".join(f'"{c}"' for c in columns)
        async with self._transaction() as db:  # one snapshot; a cursor keeps memory to one batch
            cursor = await db.cursor(f'SELECT {order} FROM "{table}" ORDER BY {order}')
            while rows := await cursor.fetch(batch):
                yield [tuple(row) for row in rows]

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[_Loader]:
        async with self._transaction() as db:
            tables = await _tables(db)
            for table in tables:
                if await db.fetchval(f'SELECT 1 FROM "{table}" LIMIT 1') is not None:
                    raise StorageError(f"{self.where} already holds data (table {table}); import into a new one")
            yield _Loader(db, tables)
            for table, columns in tables.items():  # identity columns continue after the imported ids
                for column, kind in columns:
                    if kind == "identity":
                        await db.execute(
                            f"""SELECT setval(pg_get_serial_sequence('"{table}"', '{column}'),
                                   COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)"""
                        )


_CLOSE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_CONVERT = {"boolean": bool, "bigint": int, "integer": int, "double precision": float, "bytea": bytes}


class _Loader:
    def __init__(self, db: asyncpg.Connection, tables: dict[str, list[tuple[str, str]]]):
        self._db = db
        self._types = {table: dict(columns) for table, columns in tables.items()}

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows from either backend: SQLite's 0/1 become booleans here, by the column's type."""
        if table not in self._types:
            raise StorageError(f"the export has a table {table!r} this database does not have")
        converts = [_CONVERT.get(self._types[table].get(column, "")) for column in columns]
        records = [
            tuple(v if v is None or f is None else f(v) for v, f in zip(row, converts, strict=True)) for row in rows
        ]
        await self._db.copy_records_to_table(table, columns=list(columns), records=records)


async def _tables(db: asyncpg.Connection) -> dict[str, list[tuple[str, str]]]:
    """Data tables → [(column, type)] (type "identity" for identity columns), in dependency order."""
    rows = await db.fetch(
        """SELECT c.table_name, c.column_name, CASE WHEN c.is_identity = 'YES' THEN 'identity' ELSE c.data_type END
           FROM information_schema.columns AS c JOIN information_schema.tables AS t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> $1
           ORDER BY c.table_name, c.ordinal_position""",
        SCHEMA_TABLE,
    )
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, []).append((column, kind))
    references = {table: set() for table in columns}
    for table, referenced in await db.fetch(
        """SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
           WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"""
    ):
        references.setdefault(table.strip('"'), set()).add(referenced.strip('"'))
    return {table: columns[table] for table in common.dependency_order(references)}


async def _lock_library(db: asyncpg.Connection, guild_id: int) -> None:
    """Hold the server's library_versions row until COMMIT (created when it is the first document)."""
    await db.execute(
        "INSERT INTO library_versions (guild_id, version) VALUES ($1, 0) ON CONFLICT DO NOTHING", guild_id
    )
    await db.execute("SELECT 1 FROM library_versions WHERE guild_id = $1 FOR UPDATE", guild_id)


async def _usage(db: asyncpg.Connection, guild_id: int) -> LibraryUsage:
    row = await db.fetchrow(
        "SELECT COUNT(*), COALESCE(SUM(size), 0), COALESCE(SUM(passages), 0) FROM documents WHERE guild_id = $1",
        guild_id,
    )
    return LibraryUsage(int(row[0]), int(row[1]), int(row[2]))


async def _version(db: asyncpg.Connection, guild_id: int) -> str:
    return str(await db.fetchval("SELECT version FROM library_versions WHERE guild_id = $1", guild_id) or 0)


async def _bump_version(db: asyncpg.Connection, guild_id: int) -> None:
    await db.execute(
        """INSERT INTO library_versions (guild_id, version) VALUES ($1, 1)
           ON CONFLICT (guild_id) DO UPDATE SET version = library_versions.version + 1""",
        guild_id,
    )


async def _notify(db: asyncpg.Connection, change: Change) -> None:
    payload = json.dumps({"kind": change.kind, "guild_id": change.guild_id})
    await db.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)


def _connect_args(options: StorageOptions) -> dict[str, Any]:
    """asyncpg's arguments; with no password given, asyncpg reads PGPASSWORD or the passfile, as libpq does."""
    return {
        "dsn": options.url,
        "password": options.password,
        "timeout": options.connect_timeout,
        "command_timeout": options.statement_timeout,
        "server_settings": {"application_name": "studybot"},
    }


async def migrate(options: StorageOptions) -> MigrationResult:
    """Apply pending migrations in one transaction under an advisory lock: concurrent starts migrate once."""
    where, migrations = describe(options.url), load_migrations()
    try:
        connection = await asyncpg.connect(**{**_connect_args(options), "command_timeout": None})
    except Exception as exc:
        if (cause := passing_cause(exc)) is None:
            raise StorageError(f"cannot connect to the database {where}: {exc}") from exc
        raise StorageUnavailable(f"cannot connect to the database {where}: {cause}") from exc
    try:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await connection.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (version INTEGER NOT NULL)")
            found = await connection.fetchval(f"SELECT version FROM {SCHEMA_TABLE}")
            if found is None:
                await connection.execute(f"INSERT INTO {SCHEMA_TABLE} (version) VALUES (0)")
                found = 0
            if found > len(migrations):
                raise common.too_new(where, found, len(migrations))
            for migration in migrations[found:]:
                try:
                    await connection.execute(migration.sql)
                except asyncpg.PostgresError as exc:
                    raise StorageError(f"{where}: migration {migration.name} failed: {exc}") from exc
            await connection.execute(f"UPDATE {SCHEMA_TABLE} SET version = $1", max(found, len(migrations)))
    finally:
        await connection.close()
    return MigrationResult(where, found, max(found, len(migrations)))
