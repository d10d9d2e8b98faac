"""The `store` fixture: every storage test in test_store.py runs on SQLite and on PostgreSQL.

PostgreSQL is the session's throwaway server (the `postgres_server` fixture of tests/conftest.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.storage import StorageOptions, open_store, sqlite_url
from testing.postgres import PostgresServer


@pytest.fixture
async def pg_url(postgres_server: PostgresServer) -> str:
    return await postgres_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "data" / "studybot.sqlite3")
    return await request.getfixturevalue("postgres_server").create_database()


@pytest.fixture
async def store(store_url: str):
    async with await open_store(StorageOptions(store_url)) as opened:
        yield opened


async def set_schema_version(url: str, version: int) -> None:
    """Mark the database as migrated to `version`, as a newer Studybot would."""
    options = StorageOptions(url)
    if options.backend == "sqlite":
        with sqlite3.connect(options.sqlite_path) as raw:
            raw.execute(f"PRAGMA user_version = {int(version)}")
        raw.close()
    else:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("UPDATE studybot_schema SET version = $1", version)
        finally:
            await connection.close()


async def all_rows(store) -> dict[str, list[tuple]]:
    """Every row of every table, through the store's own transfer reads."""
    found = {}
    for table in await store.tables():
        found[table] = [row async for rows in store.read_rows(table) for row in rows]
    return found
