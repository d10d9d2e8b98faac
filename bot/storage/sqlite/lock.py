"""One bot process per SQLite file: a lock file beside the database, holding the bot's process id."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class DatabaseInUse(Exception):
    pass


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold a lock beside the database, so a second bot on it exits instead of answering twice."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(database), "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"{database} is in use by another Studybot process; run one bot per database"
            ) from None
        lock.truncate(0)  # who holds it, for `studybot reload`
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def lock_holder(database: Path) -> int | None:
    """The process id of the bot holding the database's lock (0: held, id not recorded); None when
    no bot holds it."""
    path = _lock_path(database)
    if not path.is_file():
        return None
    with open(path) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: a bot runs
            text = lock.read().strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(lock, fcntl.LOCK_UN)
        return None
