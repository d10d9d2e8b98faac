"""export_store / import_store: SQLite → PostgreSQL → SQLite carries every row of every table,
including a table added later (files with their bytes, beside the documents table of reading lists)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.storage import StorageError, StorageOptions, open_store, sqlite_url
from bot.storage.transfer import export_store, import_store
from tests.storage.conftest import all_rows
from tests.storage.samples import GUILD, OTHER_GUILD, make_answer, make_article, make_document

LATER_TABLES = """
CREATE TABLE later_files (id INTEGER PRIMARY KEY, guild_id {bigint} NOT NULL, name TEXT NOT NULL,
                        content {blob} NOT NULL, pinned {boolean} NOT NULL);
CREATE TABLE later_file_notes (document_id INTEGER NOT NULL REFERENCES later_files (id), note TEXT);
"""
FILE_BYTES = bytes(range(256)) * 40 + b"\x00%PDF-1.7\xff"


async def add_later_tables(url: str) -> None:
    """Tables a later migration might add, created in both dialects, so the transfer must be generic."""
    options = StorageOptions(url)
    if options.backend == "sqlite":
        with sqlite3.connect(options.sqlite_path) as raw:
            raw.executescript(LATER_TABLES.format(bigint="INTEGER", blob="BLOB", boolean="INTEGER"))
        raw.close()
    else:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(LATER_TABLES.format(bigint="BIGINT", blob="BYTEA", boolean="BOOLEAN"))
        finally:
            await connection.close()


async def fill(store) -> None:
    for n in range(30):
        answer = await store.save_answer(make_answer(GUILD if n % 3 else None, question=f"question {n} ü 😀"))
        await store.record_feedback(answer.id, n, 1 if n % 2 else -1, 1.5 + n)
        await store.log_question(GUILD, n, f"question {n}", n % 2 == 0, n % 5 == 0, answer.id, 0.1 * n)
    await store.log_question(None, 1, "from a DM", False, False, None, 3.25)
    await store.update_guild_settings(GUILD, top_k=4, private_default=True, channel_ids=(2**62, 5))
    await store.update_guild_settings(OTHER_GUILD, cooldown_seconds=0, librarian_role_id=2**61, threads=False)
    await store.add_document(make_document(), FILE_BYTES, make_article())


def comparable(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Rows with PostgreSQL's booleans as SQLite's 0/1, sorted, for comparing across backends."""
    return {
        table: sorted((tuple(int(v) if isinstance(v, bool) else v for v in row) for row in table_rows), key=repr)
        for table, table_rows in rows.items()
    }


async def test_round_trip_sqlite_postgresql_sqlite_keeps_every_row(tmp_path: Path, pg_url: str):
    first_url, last_url = sqlite_url(tmp_path / "first.sqlite3"), sqlite_url(tmp_path / "last.sqlite3")
    for url in (first_url, pg_url, last_url):
        async with await open_store(StorageOptions(url)):
            pass
        await add_later_tables(url)
    async with await open_store(StorageOptions(first_url)) as first:
        await fill(first)
        await first._connection.execute(  # the later table, through the same file
            "INSERT INTO later_files VALUES (1, ?, 'reading.pdf', ?, 1), (2, ?, 'empty.txt', x'', 0)",
            (GUILD, FILE_BYTES, OTHER_GUILD),
        )
        await first._connection.execute("INSERT INTO later_file_notes VALUES (1, 'chapter 2'), (1, NULL)")
        original = await all_rows(first)
        exported = await export_store(first, tmp_path / "first.jsonl")
    assert exported.rows["answers"] == 30 and exported.rows["excerpts"] == 90 and exported.rows["later_files"] == 2
    assert exported.rows["documents"] == 1

    async with await open_store(StorageOptions(pg_url)) as middle:
        imported = await import_store(middle, tmp_path / "first.jsonl")
        assert imported.rows == exported.rows
        in_postgres = await all_rows(middle)
        assert comparable(in_postgres) == comparable(original)
        assert [row[3] for row in in_postgres["later_files"]] == [FILE_BYTES, b""]
        assert (await middle.guild_stats(GUILD)).asked == 30
        await middle.log_question(GUILD, 99, "after the import", False, False, None, 9.0)  # ids continue
        await export_store(middle, tmp_path / "middle.jsonl")

    async with await open_store(StorageOptions(last_url)) as last:
        await import_store(last, tmp_path / "middle.jsonl")
        back = await all_rows(last)
    expected = comparable(original)
    added = [row for row in comparable(back)["question_log"] if row[3] == "after the import"]
    expected["question_log"] = sorted([*expected["question_log"], *added], key=repr)
    assert comparable(back) == expected
    assert len(back["question_log"]) == len(original["question_log"]) + 1


async def test_import_refuses_a_database_with_data_and_a_broken_file_imports_nothing(tmp_path: Path, store_url: str):
    source_url = sqlite_url(tmp_path / "source.sqlite3")
    async with await open_store(StorageOptions(source_url)) as source:
        await fill(source)
        await export_store(source, tmp_path / "export.jsonl")
        with pytest.raises(StorageError, match="already exists"):
            await export_store(source, tmp_path / "export.jsonl")
    lines = (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:40], "{not json", *lines[40:]]) + "\n", encoding="utf-8")
    async with await open_store(StorageOptions(store_url)) as target:
        with pytest.raises(StorageError, match="broken.jsonl, line 41"):
            await import_store(target, broken)
        assert all(rows == [] for rows in (await all_rows(target)).values())  # all or nothing
        await import_store(target, tmp_path / "export.jsonl")
        assert len((await all_rows(target))["answers"]) == 30
        with pytest.raises(StorageError, match="already holds data"):
            await import_store(target, tmp_path / "export.jsonl")
        not_an_export = tmp_path / "notes.txt"
        not_an_export.write_text('{"hello": 1}\n')
        with pytest.raises(StorageError, match="not a Studybot export"):
            await import_store(target, not_an_export)
