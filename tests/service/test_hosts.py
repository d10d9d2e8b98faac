"""Several hosts over one PostgreSQL database, each with its own data folder: a document removed
through one host leaves every host's disk soon after, heard on the change feed; a host that missed
the notice catches up when its feed reconnects, or at the server's next question there."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.library.registry import Libraries
from bot.library.saved import server_index_dir
from bot.service.asking import Answered, Question, Ready, normalise
from bot.service.library import Upload
from bot.service.options import ServerLibraryOptions, ServiceOptions
from bot.service.services import Services
from bot.storage import Change, DocumentRecord, StorageOptions, StorageUnavailable, open_store
from testing.postgres import connected
from tests.service.conftest import GUILD, OTHER_GUILD, member
from tests.storage.test_store import wait_for
from tests.support.readings import QUESTION, READING

MANAGER, OTHER_MANAGER = member(can_manage=True), member(can_manage=True, guild_id=OTHER_GUILD)
REMOVED_TEXT = b"twelve thousand"  # in READING only
DROP_DEADLINE_S = 5.0  # a notice arrives within a second; the drop is one query and a folder removed
ONIONS = "# Onions\n\nOnions are bulbs cured in the sun.\n"
GEESE = "# Geese\n\nGeese fly south in a skein when the autumn frost comes.\n"


@pytest.fixture
async def pg_url(postgres_server) -> str:
    return await postgres_server.create_database()


@dataclass
class Ears:
    """A host's change-feed callback as the bot registers it (services.apply_change), which a test can
    make deaf: a notice heard while deaf is missed, as one sent while the feed was away would be."""

    services: Services
    deaf: bool = False
    heard: list[Change] = field(default_factory=list)
    missed: list[Change] = field(default_factory=list)

    def __call__(self, change: Change) -> None:
        if self.deaf:
            self.missed.append(change)
        else:
            self.heard.append(change)
            self.services.apply_change(change)


@dataclass
class Host:
    store: object
    libraries: Libraries
    services: Services
    ears: Ears
    data_dir: Path


@contextlib.asynccontextmanager
async def host(engine, url: str, data_dir: Path):
    """A bot process's store, libraries (every server library counts as large: saved) and services,
    its change feed followed as `studybot run` follows it."""
    async with await open_store(StorageOptions(url)) as store:
        libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version,
                              unavailable=(StorageUnavailable,), data_dir=data_dir, save_from_passages=1)  # fmt: skip
        options, limits = ServiceOptions(cooldown_seconds=0), ServerLibraryOptions(upload_cooldown_seconds=0)
        services = Services.create(libraries, store, options, limits)
        ears = Ears(services)
        store.on_change(ears)
        yield Host(store, libraries, services, ears, data_dir)


def upload(text: str, name: str) -> Upload:
    data = text.encode()
    return Upload(name, len(data), "text/markdown", data=data)


async def ask(on: Host, guild_id: int, text: str = QUESTION):
    step = await on.services.asking.check(Question(member(guild_id=guild_id), normalise(text)))
    return await on.services.asking.answer(step) if isinstance(step, Ready) else step


def quotes(result, document_id: str) -> bool:
    return isinstance(result, Answered) and any(e.article.id == document_id for e in result.answer.excerpts)


def settled(look):
    """look(), again while a drop (in a thread) removes what it walks."""
    for _ in range(100):
        try:
            return look()
        except FileNotFoundError:
            continue
    return look()


def holding(data_dir: Path, text: bytes) -> list[Path]:
    return settled(lambda: [p for p in data_dir.rglob("*") if p.is_file() and text in p.read_bytes()])


def files_of(data_dir: Path, guild_id: int) -> dict[str, tuple[int, int]]:
    """The server's saved copy files on this host: relative path → (inode, modification time)."""
    folder = server_index_dir(data_dir, guild_id)

    def look() -> dict[str, tuple[int, int]]:
        found = folder.rglob("*") if folder.exists() else ()
        return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in found if p.is_file()}

    return settled(look)


async def until(predicate, timeout: float = DROP_DEADLINE_S) -> float | None:
    """Seconds until `predicate()` held (polled every 10 ms), or None when it did not within `timeout`."""
    started = time.monotonic()
    return time.monotonic() - started if await wait_for(predicate, timeout) else None


async def two_hosts_with_copies(a: Host, b: Host) -> tuple[DocumentRecord, DocumentRecord]:
    """Through A, a document kept and one to remove in GUILD, one in OTHER_GUILD; B answers both
    servers, so it saves its own copy of each server's index."""
    kept = await a.services.library.add(MANAGER, upload(ONIONS, "onions.md"))
    added = await a.services.library.add(MANAGER, upload(READING, "quokkas.md"))
    geese = await a.services.library.add(OTHER_MANAGER, upload(GEESE, "geese.md"))
    assert all(isinstance(d, DocumentRecord) for d in (kept, added, geese))
    assert quotes(await ask(b, GUILD), added.id)
    assert quotes(await ask(b, OTHER_GUILD, "When do geese fly south?"), geese.id)
    assert holding(b.data_dir, REMOVED_TEXT) and files_of(b.data_dir, GUILD) and files_of(b.data_dir, OTHER_GUILD)
    return kept, added


async def went_by(a: Host, b: Host) -> None:
    """Every notice A sent so far has reached B (heard, or missed while B is deaf)."""
    await a.store.publish("went-by", None)
    assert await wait_for(lambda: Change("went-by", None) in b.ears.heard + b.ears.missed, DROP_DEADLINE_S)
    b.ears.heard.clear()
    b.ears.missed.clear()


async def test_a_document_removed_on_one_host_leaves_the_other_hosts_disk_soon(engine, pg_url, tmp_path):
    async with host(engine, pg_url, tmp_path / "a") as a, host(engine, pg_url, tmp_path / "b") as b:
        kept, added = await two_hosts_with_copies(a, b)
        await went_by(a, b)  # B heard the adds' notices before its copy of OTHER_GUILD is looked at
        others = files_of(b.data_dir, OTHER_GUILD)

        assert isinstance(await a.services.library.remove(MANAGER, added.id), DocumentRecord)
        assert holding(a.data_dir, REMOVED_TEXT) == []  # the host that removed it: at once, as before
        took = await until(lambda: not files_of(b.data_dir, GUILD))
        assert took is not None, f"B still holds {sorted(files_of(b.data_dir, GUILD))} {DROP_DEADLINE_S} s later"
        print(f"B's saved copy of the server's index gone {took * 1000:.0f} ms after the removal returned")
        assert holding(b.data_dir, REMOVED_TEXT) == []
        assert b.libraries.version_of(GUILD) is None  # nor kept in memory
        assert files_of(b.data_dir, OTHER_GUILD) == others  # the other server's copy untouched

        after = await ask(b, GUILD)
        assert not quotes(after, added.id)
        assert quotes(await ask(b, GUILD, "How are onions cured?"), kept.id)
        assert holding(b.data_dir, REMOVED_TEXT) == [] and holding(b.data_dir, b"cured in the sun")


async def removed_while_b_is_deaf(a, b):
    """A removal through A while B hears no notice: (the kept and the removed document, B's files of the
    other server)."""
    kept, added = await two_hosts_with_copies(a, b)
    others = files_of(b.data_dir, OTHER_GUILD)
    b.ears.deaf = True
    assert isinstance(await a.services.library.remove(MANAGER, added.id), DocumentRecord)
    await went_by(a, b)
    b.ears.deaf = False
    return kept, added, others


async def test_a_host_that_missed_the_notice_drops_its_copy_at_the_servers_next_question(engine, pg_url, tmp_path):
    async with host(engine, pg_url, tmp_path / "a") as a, host(engine, pg_url, tmp_path / "b") as b:
        kept, added, others = await removed_while_b_is_deaf(a, b)
        assert holding(b.data_dir, REMOVED_TEXT)  # missed: still there until B is asked

        assert not quotes(await ask(b, GUILD), added.id)
        assert holding(b.data_dir, REMOVED_TEXT) == []
        assert quotes(await ask(b, GUILD, "How are onions cured?"), kept.id)
        assert files_of(b.data_dir, OTHER_GUILD) == others


async def test_a_host_that_missed_the_notice_drops_its_copy_once_its_change_feed_reconnects(engine, pg_url, tmp_path):
    async with host(engine, pg_url, tmp_path / "a") as a, host(engine, pg_url, tmp_path / "b") as b:
        kept, added, others = await removed_while_b_is_deaf(a, b)
        assert holding(b.data_dir, REMOVED_TEXT)

        async with connected(pg_url) as admin:  # the listening connections dropped (both hosts')
            ended = await admin.fetch(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()
                     AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')"""
            )
        assert len(ended) == 2, ended
        took = await until(lambda: not files_of(b.data_dir, GUILD))
        assert took is not None, f"B still holds {sorted(files_of(b.data_dir, GUILD))} after reconnecting"
        print(f"B's saved copy gone {took * 1000:.0f} ms after its change feed was cut")
        assert holding(b.data_dir, REMOVED_TEXT) == []
        assert files_of(b.data_dir, OTHER_GUILD) == others  # still current: kept
        assert not quotes(await ask(b, GUILD), added.id)
        assert quotes(await ask(b, GUILD, "How are onions cured?"), kept.id)
