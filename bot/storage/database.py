"""Compatibility names for code not yet moved to `bot.storage` (open_store, Store, StorageError)."""

from bot.storage.common import answer_record
from bot.storage.errors import StorageError
from bot.storage.sqlite.store import SqliteStore as Database

__all__ = ["Database", "StorageError", "answer_record"]
