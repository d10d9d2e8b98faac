"""The SQLite backend: the embedded default (one bot process per file)."""

from bot.storage.sqlite.backup import BackupError, BackupResult, backup_sqlite
from bot.storage.sqlite.lock import DatabaseInUse, exclusive, lock_holder
from bot.storage.sqlite.store import SqliteStore, migrate

__all__ = [
    "BackupError",
    "BackupResult",
    "DatabaseInUse",
    "SqliteStore",
    "backup_sqlite",
    "exclusive",
    "lock_holder",
    "migrate",
]
