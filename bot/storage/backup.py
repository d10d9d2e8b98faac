"""Compatibility for `studybot backup` until the CLI prints `bot.storage.sqlite.backup_sqlite`'s result."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.storage.sqlite.backup import BackupError, backup_sqlite


def backup_database(db_path: Path, dest: Path) -> int:
    """backup_sqlite, reported on stdout/stderr as an exit code."""
    try:
        result = backup_sqlite(db_path, dest)
    except BackupError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {result.source} to {result.dest} ({result.answers} answers).")
    return 0
