"""The two errors every store raises, whatever its backend."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be used: not a database, newer than this code, a failed migration, closed."""


class StorageUnavailable(StorageError):
    """A fault that should pass: the database is down, the disk full or read-only, an I/O error, the pool
    exhausted, or the open file no longer the one at its path. Callers answer "try again in a moment";
    the store recovers by itself when the fault clears (the last case needs a restart)."""


class QuotaExceeded(Exception):
    """Adding a document would take a server's library past a limit: `what` is "documents",
    "total_bytes" or "passages"; nothing was stored."""

    def __init__(self, what: str, limit: int, used: int):
        super().__init__(f"the library would exceed its {what} limit ({used:,} used of {limit:,})")
        self.what, self.limit, self.used = what, limit, used
