"""The two errors every store raises, whatever its backend."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be used: not a database, newer than this code, a failed migration, closed."""


class StorageUnavailable(StorageError):
    """A fault that should pass: the database is down, the disk full or read-only, an I/O error, the pool
    exhausted, or the open file no longer the one at its path. Callers answer "try again in a moment";
    the store recovers by itself when the fault clears (the last case needs a restart)."""
