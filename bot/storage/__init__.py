"""Storage: the only place with SQL. `open_store(StorageOptions(url))` gives a `Store` (bot.storage.protocol)
on SQLite (bot.storage.sqlite, the embedded default) or PostgreSQL (bot.storage.postgres)."""

from __future__ import annotations

from bot.storage.common import MigrationResult
from bot.storage.errors import QuotaExceeded, StorageError, StorageUnavailable
from bot.storage.options import StorageOptions, sqlite_url
from bot.storage.protocol import Store
from bot.storage.records import (
    AnswerRecord,
    Change,
    DocumentQuota,
    DocumentRecord,
    DocumentStats,
    DocumentUse,
    ExcerptRecord,
    GuildSettings,
    GuildStats,
    LibraryUsage,
)

__all__ = [
    "AnswerRecord",
    "Change",
    "DocumentQuota",
    "DocumentRecord",
    "DocumentStats",
    "DocumentUse",
    "ExcerptRecord",
    "GuildSettings",
    "GuildStats",
    "LibraryUsage",
    "MigrationResult",
    "QuotaExceeded",
    "StorageError",
    "StorageOptions",
    "StorageUnavailable",
    "Store",
    "migrate",
    "open_store",
    "sqlite_url",
]


def _backend(options: StorageOptions) -> str:
    try:
        return options.backend
    except ValueError as exc:
        raise StorageError(f"the storage url {exc}") from None  # never the url: it may hold a password


async def open_store(options: StorageOptions) -> Store:
    """Open (creating and migrating as needed) the database `options.url` names."""
    if _backend(options) == "sqlite":
        from bot.storage.sqlite import SqliteStore

        return await SqliteStore.open(options.sqlite_path)
    from bot.storage.postgres import PostgresStore

    return await PostgresStore.open(options)


async def migrate(options: StorageOptions) -> MigrationResult:
    """Apply pending migrations and close (`studybot migrate`); StorageError if the database is newer."""
    if _backend(options) == "sqlite":
        from bot.storage.sqlite import migrate as migrate_sqlite

        return await migrate_sqlite(options.sqlite_path)
    from bot.storage.postgres import migrate as migrate_postgres

    return await migrate_postgres(options)
