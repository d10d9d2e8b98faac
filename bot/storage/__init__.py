"""The bot's storage: answers, votes, the question log and server settings (SQLite through aiosqlite)."""

from bot.storage.database import Database, StorageError


class StorageUnavailable(StorageError):
    """The database cannot take this call now (disk full, read-only, down): try again in a moment."""


__all__ = ["Database", "StorageError", "StorageUnavailable"]
