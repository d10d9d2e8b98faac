"""One bot process per SQLite file: a lock file beside the database."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


class DatabaseInUse(Exception):
    pass


@contextlib.contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold a lock beside the database, so a second bot on it exits instead of answering twice."""
    database.parent.mkdir(parents=True, exist_ok=True)
    lock_path = database.with_name(database.name + ".lock")
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"{database} is in use by another Studybot process; run one bot per database"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
