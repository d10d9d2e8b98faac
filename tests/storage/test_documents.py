"""A server's own documents in the store, on SQLite and PostgreSQL alike: round trips, one server
never sees another's, versions that move with every change, quotas checked atomically, notices."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.core.models import article_from_dict, article_to_dict
from bot.storage import Change, DocumentQuota, QuotaExceeded, Store
from tests.storage.samples import GUILD, OTHER_GUILD, make_article, make_document


def test_an_article_survives_its_dict_form():
    article = make_article()
    assert article_from_dict(article_to_dict(article)) == article
    with pytest.raises(ValueError):
        article_from_dict({"format": 99})


async def test_a_document_round_trips_and_its_article_takes_the_document_id(store: Store):
    saved = await store.add_document(make_document(), b"%PDF-1.4 bytes", make_article())
    assert saved.id is not None and len(saved.id) == 10
    assert await store.get_document(GUILD, saved.id) == saved
    assert await store.list_documents(GUILD) == (saved,)
    assert await store.document_content(GUILD, saved.id) == b"%PDF-1.4 bytes"
    version, (article,) = await store.guild_articles(GUILD)
    assert version == await store.library_version(GUILD) != "0"
    assert article.id == saved.id and article.title == "On Monads"
    assert [p.id for p in article.passages] == [f"{saved.id}:1", f"{saved.id}:2", f"{saved.id}:3"]
    assert article.passages[0].footnotes[0].source == "Wadler 1992." and article.page_label(3) == "1"


async def test_a_document_of_one_server_is_never_returned_for_another(store: Store):
    mine = await store.add_document(make_document(GUILD), b"A", make_article())
    assert await store.get_document(OTHER_GUILD, mine.id) is None
    assert await store.document_content(OTHER_GUILD, mine.id) is None
    assert await store.list_documents(OTHER_GUILD) == ()
    assert await store.guild_articles(OTHER_GUILD) == ("0", ())
    assert await store.update_document(OTHER_GUILD, mine.id, title="Hijacked") is None
    assert await store.remove_document(OTHER_GUILD, mine.id) is False
    assert (await store.get_document(GUILD, mine.id)).title == "On Monads"  # untouched


@pytest.mark.parametrize("junk", ["", "zz", "'; DROP TABLE documents;--", "0123456789ABCDEF", None, 12])
async def test_junk_document_ids_find_nothing(store: Store, junk):
    await store.add_document(make_document(), b"A", make_article())
    assert await store.get_document(GUILD, junk) is None
    assert await store.remove_document(GUILD, junk) is False
    assert len(await store.list_documents(GUILD)) == 1


async def test_every_add_edit_and_remove_moves_the_version(store: Store):
    seen = [await store.library_version(GUILD)]
    doc = await store.add_document(make_document(), b"A", make_article())
    seen.append(await store.library_version(GUILD))
    edited = await store.update_document(GUILD, doc.id, title="Monads, Revised", author=None)
    seen.append(await store.library_version(GUILD))
    assert edited == dataclasses.replace(doc, title="Monads, Revised", author=None)
    _version, (article,) = await store.guild_articles(GUILD)
    assert (article.title, article.author) == ("Monads, Revised", None)  # the searched article follows
    assert await store.remove_document(GUILD, doc.id) is True
    seen.append(await store.library_version(GUILD))
    assert len(set(seen)) == 4
    assert await store.guild_articles(GUILD) == (seen[-1], ())
    assert await store.library_version(OTHER_GUILD) == "0"


async def test_a_bad_edit_is_refused_and_changes_nothing(store: Store):
    doc = await store.add_document(make_document(), b"A", make_article())
    version = await store.library_version(GUILD)
    with pytest.raises(ValueError, match="sha256"):
        await store.update_document(GUILD, doc.id, sha256="00")
    with pytest.raises(ValueError, match="title"):
        await store.update_document(GUILD, doc.id, title="  ")
    assert await store.get_document(GUILD, doc.id) == doc and await store.library_version(GUILD) == version


@pytest.mark.parametrize(
    ("quota", "what"),
    [
        (DocumentQuota(documents=2, total_bytes=10**9, passages=10**6), "documents"),
        (DocumentQuota(documents=100, total_bytes=2500, passages=10**6), "total_bytes"),
        (DocumentQuota(documents=100, total_bytes=10**9, passages=7), "passages"),
    ],
)
async def test_a_quota_stops_the_add_that_would_pass_it_and_stores_nothing(store: Store, quota, what):
    await store.add_document(make_document(size=1000), b"A", make_article(), quota)
    await store.add_document(make_document(size=1000), b"B", make_article(), quota)
    version = await store.library_version(GUILD)
    with pytest.raises(QuotaExceeded) as caught:
        await store.add_document(make_document(size=1000), b"C", make_article(), quota)
    assert caught.value.what == what
    assert len(await store.list_documents(GUILD)) == 2 and await store.library_version(GUILD) == version
    await store.add_document(make_document(OTHER_GUILD, size=1000), b"D", make_article(), quota)  # per server
    usage = await store.library_usage(GUILD)
    assert (usage.documents, usage.total_bytes, usage.passages) == (2, 2000, 6)


async def test_concurrent_adds_never_pass_the_quota_together(store: Store):
    quota = DocumentQuota(documents=3, total_bytes=10**9, passages=10**6)

    async def add(n: int):
        try:
            return await store.add_document(make_document(title=f"T{n}"), b"x", make_article(), quota)
        except QuotaExceeded:
            return None

    results = await asyncio.wait_for(asyncio.gather(*(add(n) for n in range(8))), 60)
    assert sum(r is not None for r in results) == 3
    assert len(await store.list_documents(GUILD)) == 3


async def test_add_edit_and_remove_publish_a_library_change(store: Store):
    seen: list[Change] = []
    store.on_change(seen.append)
    doc = await store.add_document(make_document(), b"A", make_article())
    await store.update_document(GUILD, doc.id, url="https://example.org/monads")
    await store.remove_document(GUILD, doc.id)
    await store.remove_document(GUILD, doc.id)  # nothing left to remove: no notice
    for _ in range(100):  # PostgreSQL delivers notices asynchronously
        if len(seen) >= 3:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    assert [c for c in seen if c.kind == "library"] == [Change("library", GUILD)] * 3


async def test_librarian_role_and_threads_settings_round_trip(store: Store):
    stored = await store.update_guild_settings(GUILD, librarian_role_id=1_234_567_890_123_456_789, threads=True)
    assert (stored.librarian_role_id, stored.threads) == (1_234_567_890_123_456_789, True)
    await store.update_guild_settings(GUILD, top_k=2)
    again = await store.get_guild_settings(GUILD)
    assert (again.librarian_role_id, again.threads, again.top_k) == (1_234_567_890_123_456_789, True, 2)
    cleared = await store.update_guild_settings(GUILD, librarian_role_id=None)
    assert cleared.librarian_role_id is None and (await store.get_guild_settings(OTHER_GUILD)).threads is None


async def test_document_stats_count_this_servers_answers_quoting_it_and_their_votes(store: Store):
    from bot.storage import DocumentStats
    from tests.storage.samples import make_answer

    doc = await store.add_document(make_document(), b"A", make_article())
    quoting = make_answer()
    quoting = dataclasses.replace(
        quoting, excerpts=(dataclasses.replace(quoting.excerpts[0], passage_id=f"{doc.id}:2"), *quoting.excerpts[1:])
    )
    first = await store.save_answer(quoting)
    second = await store.save_answer(quoting)
    await store.save_answer(make_answer())  # quotes other passages
    await store.save_answer(dataclasses.replace(quoting, guild_id=OTHER_GUILD))  # another server's
    await store.record_feedback(first.id, 1, 1, 1.0)
    await store.record_feedback(first.id, 2, -1, 1.0)
    await store.record_feedback(second.id, 1, 1, 1.0)
    assert await store.document_stats(GUILD, doc.id) == DocumentStats(2, 2, 1)
    assert await store.document_stats(OTHER_GUILD, doc.id) == DocumentStats(1, 0, 0)
    assert await store.document_stats(GUILD, "'; --") == DocumentStats(0, 0, 0)
