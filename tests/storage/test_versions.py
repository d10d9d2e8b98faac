"""What an answer quoted, as it was (schema 3), and the documents a server's answers quote most, on
SQLite and PostgreSQL alike; answers stored under schema 2 stay readable after the migration."""

from __future__ import annotations

import dataclasses
import sqlite3

import asyncpg

from bot.storage import DocumentStats, DocumentUse, StorageOptions, Store, open_store
from bot.storage.postgres import store as postgres_store
from bot.storage.sqlite import store as sqlite_store
from tests.storage.samples import GUILD, OTHER_GUILD, make_answer, make_article, make_document

OLD_ANSWER = ("0123456789ab", GUILD, 55, 7, "asked under schema 2", True, False, "[]", "[]", 1.0, 2e9, False, 3, 1)
OLD_EXCERPT = ("0123456789ab", 1, "p-1", 0.5, "an old quote", "[[0, 3]]")


async def test_an_answer_keeps_its_library_version_and_each_quoted_documents_version_and_title(store: Store):
    saved = await store.save_answer(make_answer())
    found = await store.get_answer(saved.id)
    in_rank_order = tuple(sorted(saved.excerpts, key=lambda e: e.rank))
    assert found == dataclasses.replace(saved, excerpts=in_rank_order) and found.library_version == "7"
    by_rank = {e.rank: e for e in found.excerpts}
    assert (by_rank[2].document_version, by_rank[2].document_title) == ("0123456789abcdef", "On Monads — ‘ü’ 😀")
    assert (by_rank[3].document_version, by_rank[3].document_title) == (None, None)


def quoting(answer, *passage_ids: str):
    return dataclasses.replace(
        answer,
        excerpts=tuple(
            dataclasses.replace(e, passage_id=p) for e, p in zip(answer.excerpts, passage_ids, strict=False)
        ),
    )


async def test_top_documents_counts_this_servers_answers_per_document_with_their_votes(store: Store):
    monads = await store.add_document(make_document(), b"A", make_article())
    arrows = await store.add_document(make_document(title="On Arrows"), b"B", make_article(title="On Arrows"))
    unquoted = await store.add_document(make_document(title="Unread"), b"C", make_article(title="Unread"))
    both = await store.save_answer(quoting(make_answer(), f"{monads.id}:1", f"{monads.id}:2", f"{arrows.id}:1"))
    await store.save_answer(quoting(make_answer(), f"{arrows.id}:3", "p-2", "p-3"))
    await store.save_answer(quoting(make_answer(), f"{arrows.id}:2"))
    await store.save_answer(quoting(make_answer(guild_id=OTHER_GUILD), f"{monads.id}:1"))  # another server's
    await store.record_feedback(both.id, 1, 1, 1.0)
    await store.record_feedback(both.id, 2, -1, 1.0)
    await store.record_feedback(both.id, 3, 1, 1.0)

    assert await store.top_documents(GUILD) == (
        DocumentUse(arrows.id, "On Arrows", DocumentStats(3, 2, 1)),
        DocumentUse(monads.id, "On Monads", DocumentStats(1, 2, 1)),  # one answer, however many of its excerpts
    )
    assert await store.top_documents(GUILD, top=1) == (DocumentUse(arrows.id, "On Arrows", DocumentStats(3, 2, 1)),)
    assert await store.document_stats(GUILD, monads.id) == DocumentStats(1, 2, 1)
    assert await store.document_stats(GUILD, unquoted.id) == DocumentStats(0, 0, 0)
    assert await store.top_documents(OTHER_GUILD) == ()  # its answer quotes a document it does not hold
    assert await store.top_documents(999) == ()
    await store.remove_document(GUILD, arrows.id)
    assert [use.document_id for use in await store.top_documents(GUILD)] == [monads.id]


async def _insert_old_rows(url: str) -> None:
    options = StorageOptions(url)
    answers = f"INSERT INTO answers VALUES ({', '.join('?' * len(OLD_ANSWER))})"
    excerpts = f"INSERT INTO excerpts VALUES ({', '.join('?' * len(OLD_EXCERPT))})"
    if options.backend == "sqlite":
        with sqlite3.connect(options.sqlite_path) as raw:
            raw.execute(answers, OLD_ANSWER)
            raw.execute(excerpts, OLD_EXCERPT)
        raw.close()
        return
    connection = await asyncpg.connect(url)
    try:
        for sql, row in ((answers, OLD_ANSWER), (excerpts, OLD_EXCERPT)):
            numbered = sql.replace("?", "{}").format(*(f"${n}" for n in range(1, len(row) + 1)))
            await connection.execute(numbered, *row)
    finally:
        await connection.close()


async def test_an_answer_stored_under_schema_2_is_read_after_the_migration(store_url: str, monkeypatch):
    for module in (sqlite_store, postgres_store):
        monkeypatch.setattr(module, "load_migrations", lambda real=module.load_migrations: real()[:2])
    async with await open_store(StorageOptions(store_url)) as old:
        assert await old.schema_version() == 2
    await _insert_old_rows(store_url)
    monkeypatch.undo()
    async with await open_store(StorageOptions(store_url)) as migrated:
        assert await migrated.schema_version() == len(sqlite_store.load_migrations())
        found = await migrated.get_answer("0123456789ab")
        assert found.question == "asked under schema 2" and found.library_version is None
        (excerpt,) = found.excerpts
        assert (excerpt.quote, excerpt.highlights, excerpt.document_version, excerpt.document_title) == (
            "an old quote", ((0, 3),), None, None,
        )  # fmt: skip
