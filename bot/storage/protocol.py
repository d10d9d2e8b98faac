"""`Store`: what the bot asks of its database, whichever backend holds it.

Every write is one transaction and returns only after COMMIT, so a caller may reply "saved" when a
call returns. Any call may raise StorageUnavailable (a passing fault: reply "try again in a moment")
or StorageError (a lasting one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from bot.core.models import Article
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


@runtime_checkable
class BulkLoader(Protocol):
    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows into `table` (values as read by `Store.read_rows` from either backend)."""


@runtime_checkable
class Store(Protocol):
    backend: str  # "sqlite" or "postgresql"
    where: str  # the database for messages: a file path, or user@host:port/db (never a password)

    # -- answers, votes, question log, stats -------------------------------------------------
    async def save_answer(self, record: AnswerRecord) -> AnswerRecord:
        """Store an answer and its excerpts under a new random 12-hex id; return it with the id set."""

    async def get_answer(self, answer_id: str) -> AnswerRecord | None:
        """The stored answer, excerpts in rank order; None for an unknown or malformed id."""

    async def set_answer_page(self, answer_id: str, page: int) -> None:
        """Remember which page of an answer is on screen (unknown ids are ignored)."""

    async def record_feedback(self, answer_id: str, user_id: int, value: int, at: float) -> tuple[int, int]:
        """A +1/-1 vote, one per user per answer; the answer's (up, down). ValueError, LookupError."""

    async def prune(self, before: float) -> int:
        """Delete answers (excerpts, votes) that expired before `before`; how many. The log stays."""

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

    async def guild_stats(self, guild_id: int, top: int = 5) -> GuildStats:
        """Asked/answered counts, the `top` most frequent unanswered questions, and votes, for a guild."""

    # -- guild settings ------------------------------------------------------------------------
    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """The guild's stored overrides, or all defaults."""

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change top_k, private_default, cooldown_seconds, librarian_role_id, threads, channel_ids (or
        allow_channel, disallow_channel, all_channels=True); return the stored result. Publishes
        Change("settings", guild_id) with the commit."""

    # -- documents: every server's own library (every call filters by guild) ---------------------
    async def add_document(
        self, record: DocumentRecord, content: bytes, article: Article, quota: DocumentQuota | None = None
    ) -> DocumentRecord:
        """Store a document (its bytes and parsed article, saved under the new random 10-hex id, its
        passage ids following) and return the record with the id set. QuotaExceeded, checked in the
        same transaction, when the server's library would go past `quota`. Publishes
        Change("library", guild_id) with the commit."""

    async def list_documents(self, guild_id: int) -> tuple[DocumentRecord, ...]:
        """The server's documents, oldest first."""

    async def get_document(self, guild_id: int, document_id: str) -> DocumentRecord | None:
        """The document of this server; None for another server's, an unknown or a malformed id."""

    async def document_content(self, guild_id: int, document_id: str) -> bytes | None:
        """The bytes as uploaded, or None as for get_document."""

    async def update_document(self, guild_id: int, document_id: str, **metadata: Any) -> DocumentRecord | None:
        """Change title, author, date, url (ValueError for other keys or an empty title); the updated
        record, or None as for get_document. Publishes Change("library", guild_id)."""

    async def remove_document(self, guild_id: int, document_id: str) -> bool:
        """Delete the server's document; False when it had none by that id. Publishes a change."""

    async def document_stats(self, guild_id: int, document_id: str) -> DocumentStats:
        """Stored answers of this server quoting the document, and their votes (/library info, /stats)."""

    async def top_documents(self, guild_id: int, top: int = 5) -> tuple[DocumentUse, ...]:
        """The server's own documents its stored answers quote, most quoted first (/stats)."""

    async def library_version(self, guild_id: int) -> str:
        """Changes with every add, edit and remove in the server's library ("0" before the first)."""

    async def library_usage(self, guild_id: int) -> LibraryUsage:
        """Documents, bytes and passages the server's library holds."""

    async def guild_articles(self, guild_id: int) -> tuple[str, tuple[Article, ...]]:
        """(library_version, parsed articles oldest first), read together."""

    # -- many processes --------------------------------------------------------------------------
    async def publish(self, kind: str, guild_id: int | None) -> None:
        """Tell every process on this database (this one included) that `kind` changed for a guild."""

    def on_change(self, callback: Callable[[Change], object]) -> None:
        """Call `callback(change)` on the event loop for every published change (PostgreSQL: within
        about a second across processes; SQLite: this process only). The callback must not block."""

    def exclusive_job(self, name: str) -> AbstractAsyncContextManager[bool]:
        """`async with store.exclusive_job("prune") as mine:` mine is True in one process at a time."""

    # -- moving between backends (bot.storage.transfer) --------------------------------------------
    async def schema_version(self) -> int: ...

    async def tables(self) -> dict[str, list[str]]:
        """Every data table → its columns, referenced tables before those that reference them."""

    def read_rows(self, table: str, batch: int = 500) -> AsyncIterator[list[tuple]]:
        """The rows of `table` (columns as in `tables()`), ordered, in batches."""

    def bulk_load(self) -> AbstractAsyncContextManager[BulkLoader]:
        """One transaction for an import into an empty database (StorageError if it holds data)."""

    # -- lifecycle -----------------------------------------------------------------------------------
    async def close(self) -> None:
        """Finish writes in flight and close; calling it again does nothing."""

    async def __aenter__(self) -> Store: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
