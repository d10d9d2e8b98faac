"""The bot's database: one aiosqlite connection, numbered migrations, durable writes.

Every write runs in a `BEGIN IMMEDIATE` transaction under one `asyncio.Lock` and returns
only after COMMIT, so the bot can reply to the user knowing the write is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import aiosqlite

from bot.storage.records import AnswerRecord, ExcerptRecord, GuildSettings, GuildStats

ANSWER_ID = re.compile(r"[0-9a-f]{12}")
SETTING_KEYS = ("top_k", "private_default", "cooldown_seconds", "channel_ids")
CHANNEL_EDITS = ("allow_channel", "disallow_channel", "all_channels")


class StorageError(Exception):
    """The database file cannot be used (not SQLite, too new, migration failed, closed)."""


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The packaged `migrations/NNNN_name.sql` files, in order; versions must run 1..N."""
    folder = resources.files("bot.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d+)_\w+\.sql", entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StorageError(f"migration files are not numbered 1..N: {[m.name for m in found]}")
    return found


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


def normalize_question(question: str) -> str:
    """The grouping key for "the same question": casefolded, whitespace collapsed."""
    return " ".join(question.split()).casefold()


class Database:
    """The bot's storage. Open with `async with await Database.open(path) as db:`."""

    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = connection
        self._lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Connect to (or create) the database at `path` and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; every BEGIN/COMMIT below is explicit.
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from exc
        connection.row_factory = aiosqlite.Row
        try:
            await connection.execute("PRAGMA busy_timeout = 10000")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute("PRAGMA synchronous = FULL")
            await _migrate(connection, path, load_migrations())
        except sqlite3.Error as exc:
            await connection.close()
            raise StorageError(f"{path} is not a usable SQLite database: {exc}") from exc
        except BaseException:
            await connection.close()
            raise
        return cls(path, connection)

    async def close(self) -> None:
        """Close the connection after any write in flight; calling it again does nothing."""
        async with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()

    async def __aenter__(self) -> Database:
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
            try:
                await connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield connection
                await connection.execute("COMMIT")
            except BaseException:
                await _rollback(connection)
                raise

    # -- answers ---------------------------------------------------------------------------

    async def save_answer(self, record: AnswerRecord) -> AnswerRecord:
        """Store an answer and its excerpts under a new random id; return it with the id set."""
        async with self._transaction(write=True) as db:
            while True:
                answer_id = secrets.token_hex(6)
                async with db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)) as cursor:
                    if await cursor.fetchone() is None:
                        break
            await db.execute(
                """INSERT INTO answers (id, guild_id, channel_id, user_id, question, answered, weak,
                       matched_terms, unknown_terms, created_at, expires_at, private, page_size, page)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    answer_id,
                    record.guild_id,
                    record.channel_id,
                    record.user_id,
                    record.question,
                    bool(record.answered),
                    bool(record.weak),
                    json.dumps(list(record.matched_terms)),
                    json.dumps(list(record.unknown_terms)),
                    record.created_at,
                    record.expires_at,
                    bool(record.private),
                    record.page_size,
                    record.page,
                ),
            )
            await db.executemany(
                """INSERT INTO excerpts (answer_id, rank, passage_id, score, quote, highlights)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    (
                        answer_id,
                        e.rank,
                        e.passage_id,
                        e.score,
                        e.quote,
                        json.dumps([[int(start), int(end)] for start, end in e.highlights]),
                    )
                    for e in record.excerpts
                ],
            )
        return dataclasses.replace(record, id=answer_id)

    async def get_answer(self, answer_id: str) -> AnswerRecord | None:
        """The stored answer, excerpts in rank order; None for an unknown or malformed id."""
        if not isinstance(answer_id, str) or not ANSWER_ID.fullmatch(answer_id):
            return None
        async with self._transaction(write=False) as db:
            async with db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            async with db.execute("SELECT * FROM excerpts WHERE answer_id = ? ORDER BY rank", (answer_id,)) as cursor:
                excerpt_rows = await cursor.fetchall()
        return answer_record(row, excerpt_rows)

    async def set_answer_page(self, answer_id: str, page: int) -> None:
        """Remember which page of an answer is on screen (unknown ids are ignored)."""
        if not isinstance(answer_id, str) or not ANSWER_ID.fullmatch(answer_id):
            return
        async with self._transaction(write=True) as db:
            await db.execute("UPDATE answers SET page = ? WHERE id = ?", (int(page), answer_id))

    async def record_feedback(self, answer_id: str, user_id: int, value: int, at: float) -> tuple[int, int]:
        """A 👍 (+1) or 👎 (-1) vote, one per user per answer (a later vote replaces an earlier).

        Returns the answer's (up, down) counts. Raises ValueError for another value and
        LookupError when the answer no longer exists.
        """
        if isinstance(value, bool) or value not in (1, -1):
            raise ValueError(f"feedback must be +1 or -1, not {value!r}")
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
        """Delete answers (with their excerpts and votes) that expired before `before`; return how many.

        The question log is kept.
        """
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
        """Record that a question was asked, and whether it was answered."""
        async with self._transaction(write=True) as db:
            await db.execute(
                """INSERT INTO question_log
                       (guild_id, user_id, question, normalized, answered, weak, answer_id, at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    guild_id,
                    user_id,
                    question,
                    normalize_question(question),
                    bool(answered),
                    bool(weak),
                    answer_id,
                    at,
                ),
            )

    async def guild_stats(self, guild_id: int, top: int = 5) -> GuildStats:
        """Questions asked/answered, the `top` most frequent unanswered questions and votes, for one guild."""
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
        """The guild's stored overrides, or all defaults when none are stored."""
        async with self._transaction(write=False) as db:
            return await _read_settings(db, guild_id)

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some of top_k, private_default, cooldown_seconds, channel_ids; return the stored result.

        allow_channel / disallow_channel (an id) and all_channels (True) edit the stored channel list
        inside the transaction, so two moderators' concurrent edits both land.
        """
        edits = {key: changes.pop(key) for key in CHANNEL_EDITS if key in changes}
        unknown = sorted(set(changes) - set(SETTING_KEYS))
        if unknown:
            raise ValueError(f"unknown guild setting(s): {', '.join(unknown)}")
        if "channel_ids" in changes:
            changes["channel_ids"] = tuple(int(c) for c in changes["channel_ids"] or ())
        for key in ("top_k", "cooldown_seconds"):
            if changes.get(key) is not None:
                changes[key] = int(changes[key])
        if changes.get("private_default") is not None:
            changes["private_default"] = bool(changes["private_default"])
        async with self._transaction(write=True) as db:
            current = await _read_settings(db, guild_id)
            if edits:
                changes["channel_ids"] = _edit_channels(changes.get("channel_ids", current.channel_ids), **edits)
            merged = dataclasses.replace(current, **changes)
            await db.execute(
                """INSERT INTO guild_settings
                       (guild_id, top_k, private_default, cooldown_seconds, channel_ids)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (guild_id) DO UPDATE SET top_k = excluded.top_k,
                       private_default = excluded.private_default,
                       cooldown_seconds = excluded.cooldown_seconds, channel_ids = excluded.channel_ids""",
                (
                    guild_id,
                    merged.top_k,
                    merged.private_default,
                    merged.cooldown_seconds,
                    json.dumps(list(merged.channel_ids)),
                ),
            )
            return await _read_settings(db, guild_id)


def _edit_channels(
    channels, allow_channel: int | None = None, disallow_channel: int | None = None, all_channels: bool = False
) -> tuple[int, ...]:
    edited = [] if all_channels else [int(c) for c in channels]
    if allow_channel is not None and int(allow_channel) not in edited:
        edited.append(int(allow_channel))
    if disallow_channel is not None and int(disallow_channel) in edited:
        edited.remove(int(disallow_channel))
    return tuple(edited)


async def _read_settings(db: aiosqlite.Connection, guild_id: int) -> GuildSettings:
    async with db.execute("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return GuildSettings()
    return GuildSettings(
        top_k=row["top_k"],
        private_default=None if row["private_default"] is None else bool(row["private_default"]),
        cooldown_seconds=row["cooldown_seconds"],
        channel_ids=tuple(json.loads(row["channel_ids"])),
    )


async def _rollback(db: aiosqlite.Connection) -> None:
    """Undo the open transaction, if any.

    Always queued, never skipped on `in_transaction`: after a cancellation the BEGIN or a
    statement may still be waiting in aiosqlite's queue, and this ROLLBACK runs after it.
    """
    with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
        await db.execute("ROLLBACK")


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone()
    return version


async def _migrate(db: aiosqlite.Connection, path: Path, migrations: list[Migration]) -> None:
    """Apply each migration newer than the file's user_version, each in one transaction."""
    found, known = await _user_version(db), len(migrations)
    if found > known:
        raise StorageError(
            f"{path} has schema version {found}, newer than this Studybot knows ({known}); upgrade Studybot"
        )
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


def answer_record(row: Mapping[str, Any], excerpt_rows: Iterable[Mapping[str, Any]]) -> AnswerRecord:
    """An answers row and its excerpts rows (in rank order) as an AnswerRecord."""
    return AnswerRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        question=row["question"],
        answered=bool(row["answered"]),
        weak=bool(row["weak"]),
        matched_terms=tuple(json.loads(row["matched_terms"])),
        unknown_terms=tuple(json.loads(row["unknown_terms"])),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        private=bool(row["private"]),
        page_size=row["page_size"],
        page=row["page"],
        excerpts=tuple(
            ExcerptRecord(
                rank=e["rank"],
                passage_id=e["passage_id"],
                score=e["score"],
                quote=e["quote"],
                highlights=tuple((start, end) for start, end in json.loads(e["highlights"])),
            )
            for e in excerpt_rows
        ),
    )
