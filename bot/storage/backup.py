"""`studybot backup DEST`: a consistent copy of the live database, safe while the bot writes."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup was not made; the message says why."""


def backup_database(db_path: Path, dest: Path) -> str:
    """Copy the database at `db_path` to the new file `dest`; return a one-line summary.

    Uses SQLite's online backup API, so it works while the bot has the database open (WAL)
    and is writing. The copy is built in a temp file beside `dest` and then moved into place,
    so a failed backup leaves nothing half-written; an existing `dest` is never overwritten.
    """
    db_path, dest = Path(db_path), Path(dest)
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path}")
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder; give the backup a file name")
    if dest.exists():
        raise BackupError(f"{dest} already exists; not overwriting it")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder; create it first")
    partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")
    try:
        answers = _copy(db_path, partial)
        _move_into_place(partial, dest)
    except FileExistsError:
        raise BackupError(f"{dest} already exists; not overwriting it") from None
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"backup of {db_path} failed: {exc}") from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return f"Backed up {db_path} to {dest} ({answers} answers)."


def _copy(source_path: Path, target_path: Path) -> int:
    """Snapshot `source_path` into `target_path` as a self-contained file; return its answer count."""
    source = sqlite3.connect(source_path, timeout=10)
    try:
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)  # all pages in one step: a consistent snapshot
            target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            try:
                (answers,) = target.execute("SELECT COUNT(*) FROM answers").fetchone()
            except sqlite3.OperationalError:  # a database the bot never set up
                answers = 0
        finally:
            target.close()
    finally:
        source.close()
    return answers


def _move_into_place(partial: Path, dest: Path) -> None:
    """Give `partial` the name `dest` without ever replacing an existing file."""
    try:
        os.link(partial, dest)  # fails with FileExistsError if dest appeared meanwhile
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links
        if dest.exists():
            raise FileExistsError(dest) from None
        os.replace(partial, dest)
