"""Which library a server searches: server id → a loaded engine.

The host's corpus folder is the shared library; the policy says which servers see it. A server's
own documents (uploaded from Discord, kept in the store) form its own library, loaded on first
use and kept in a bounded least-recently-used set. Where a server searches its own library and the
shared one together, the engine ranks over both as one corpus (bot.core.union), reading the shared
library's statistics from its saved index in place: nothing about the shared library is rebuilt
or copied per server, at start or after the host folder changes.

A large server library (SAVE_INDEX_PASSAGES passages or more) is saved once built, in the data folder
keyed by its version (bot.library.saved): after a restart, or once evicted, it opens memory-mapped
without reading its articles from the store; a new version is built from them and replaces it.

A change to a server's documents, heard on the store's change feed from whichever host made it
(`changed`), forgets the server's engine at once and, in a task, drops every saved copy of the
server's index but the current version's: a removed document's text leaves each host's data folder
within about a second, not at the server's next question there. The drop takes the server's load
lock (a load in flight finishes first, then its copy goes) and waits for any build thread of the
server still running (one a cancelled question left behind may yet save a copy). `changed_all` (the
feed reconnected: notices may have been missed) does the same for every server with a saved copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path

import numpy as np

from bot.core.analysis import TermEncoder
from bot.core.engine import Engine, with_sources
from bot.core.index import BM25Index
from bot.core.indexing import analyse_run
from bot.core.models import Article, Corpus
from bot.core.union import IndexStatistics, Postings, Statistics, UnionIndex
from bot.library.options import LibraryPolicy
from bot.library.packed import Concatenated, keys_across
from bot.library.saved import (
    drop_server_library,
    drop_server_versions,
    open_saved_server_library,
    save_server_library,
    saved_servers,
    server_index_dir,
)

log = logging.getLogger("studybot.library")
SAVE_INDEX_PASSAGES = 2_000  # a smaller library builds in well under a second: not worth a saved copy

# (version, articles) of a server's own library; version changes whenever a document does
GuildArticles = Callable[[int], Awaitable[tuple[str, tuple[Article, ...]]]]
# just the version (cheap): when it equals the loaded one, the articles are not read again
GuildVersion = Callable[[int], Awaitable[str]]


class LibraryEncoder:
    """A server's articles → each passage's term ids end to end, their counts, and the vocabulary they
    number (in order of first occurrence in the library), as Engine would index them.

    One TermEncoder is kept from one library load to the next: most words of a new library were met
    before, and are looked up instead of analysed again. It starts afresh past MAX_TERMS terms."""

    MAX_TERMS = 500_000

    def __init__(self) -> None:
        self._encoder = TermEncoder()
        self._lock = threading.Lock()  # libraries load in threads; the encoder's caches are not shared safely

    def encode(self, articles: Iterable[Article]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        run = [(a.language, p.text, " ".join(f.source for f in p.footnotes)) for a in articles for p in a.passages]
        with self._lock:
            if len(self._encoder.vocabulary) > self.MAX_TERMS:
                self._encoder = TermEncoder()
            terms, ids, lengths = analyse_run(run, self._encoder)
        return ids, lengths, {term: i for i, term in enumerate(terms)}


def statistics_of(engine: Engine) -> Statistics:
    """An engine's raw BM25 statistics: its BM25Index's, read in place (instant, whatever its size); for the
    rank-bm25 reference engine, its passages analysed again as its index was (one pass over them)."""
    if isinstance(engine.index, BM25Index):
        return IndexStatistics(engine.index)
    return Postings.build([with_sources(a.tokens(text), a.tokens(cited)) for a, text, cited in engine.documents()])


class Libraries:
    def __init__(self, shared: Engine, guild_articles: GuildArticles | None = None,
                 policy: LibraryPolicy | None = None, guild_version: GuildVersion | None = None,
                 unavailable: tuple[type[BaseException], ...] = (), data_dir: Path | None = None,
                 save_from_passages: int = SAVE_INDEX_PASSAGES):  # fmt: skip
        self.shared = shared
        self.data_dir = data_dir  # where large server libraries are saved; None: never saved
        self.save_from_passages = save_from_passages
        self.unavailable = unavailable  # errors of a passing outage of the store (StorageUnavailable)
        self.guild_articles = guild_articles
        self.guild_version = guild_version
        self.policy = policy or LibraryPolicy()
        self.empty = Engine(Corpus(()), shared.options)
        self._loaded: OrderedDict[int, tuple[str, Engine | None]] = OrderedDict()  # None: no documents
        self._shared_statistics: tuple[Engine, Statistics] | None = None  # the shared library's, for the union
        self._preparing = threading.Lock()
        self._encoder = LibraryEncoder()
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}  # only servers being loaded: (lock, [users])
        self._builds: dict[int, set[asyncio.Future]] = {}  # build threads still running, by server
        self._drops_asked: set[int | None] = set()  # drops asked for and not yet begun (None: every server's)
        self._drops: set[asyncio.Task] = set()  # drops running (kept from the collector)

    @property
    def loaded(self) -> tuple[int, ...]:
        """Servers whose own library is loaded, least recently used first."""
        return tuple(self._loaded)

    def version_of(self, guild_id: int | None) -> str | None:
        """The version of the server's own library as loaded now; None when none is loaded."""
        loaded = self._loaded.get(guild_id) if guild_id is not None else None
        return loaded[0] if loaded else None

    def prepare(self) -> None:
        """Get the shared library's statistics ready for ranking it beside a server's own: instant for
        a BM25Index (read in place); a pass over the shared passages for the rank-bm25 reference engine.
        Call it off the event loop at start, or the first server library to load waits for it. Nothing
        to do if no server ranks the shared library beside its own."""
        if self.shared.passages and self.policy.search_shared_beside_own and self.policy.shared_for != ():
            self._shared_statistics_of(self.shared)

    def _shared_statistics_of(self, shared: Engine) -> Statistics:
        with self._preparing:  # one pass, whichever thread asks first
            if self._shared_statistics is None or self._shared_statistics[0] is not shared:
                self._shared_statistics = (shared, statistics_of(shared))
            return self._shared_statistics[1]

    def replace_shared(self, engine: Engine) -> None:
        """The host folder changed: new questions use the new index; server libraries rebuild on use
        (from the new index's statistics in place: nothing slow waits for the next server)."""
        self.shared, self._shared_statistics = engine, None
        self._loaded.clear()

    def forget(self, guild_id: int) -> None:
        """A document of this server changed: its library loads again on next use."""
        self._loaded.pop(guild_id, None)

    async def forget_removed(self, guild_id: int) -> None:
        """A document of this server was removed here: its library loads again on next use, and no saved
        copy of the server's index keeps the removed text in the data folder (done when this returns)."""
        self.forget(guild_id)
        await self._drop_stale(guild_id)

    def forget_all(self) -> None:
        """Every server library loads again on next use."""
        self._loaded.clear()

    def changed(self, guild_id: int) -> None:
        """A document of this server was added, edited, replaced or removed, here or on another host (a
        notice on the change feed): its library loads again on next use, and its saved copies of any
        version but the current one leave the data folder soon after. Returns at once (the event loop
        calls it): the drop runs in a task."""
        self.forget(guild_id)
        self._drop_soon(guild_id)

    def changed_all(self) -> None:
        """Notices may have been missed (the change feed reconnected): every server library loads again
        on next use, and every server's saved copies of a version no longer current leave the data
        folder soon after (one version read per server with a copy here, in a task)."""
        self.forget_all()
        if self.data_dir is not None:
            self._drop_soon(None)

    async def dropped(self) -> None:
        """Wait for the drops asked for so far to be done."""
        while self._drops:
            await asyncio.wait(set(self._drops))

    def _drop_soon(self, guild_id: int | None) -> None:
        if guild_id in self._drops_asked:  # one not yet begun reads the version after this notice's change
            return
        self._drops_asked.add(guild_id)
        task = asyncio.get_running_loop().create_task(self._drop(guild_id), name=f"drop-saved-copies-{guild_id}")
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    async def _drop(self, guild_id: int | None) -> None:
        try:
            if guild_id is not None:
                await self._drop_stale(guild_id, asked=True)
                return
            self._drops_asked.discard(None)
            for server in await asyncio.to_thread(saved_servers, self.data_dir):
                await self._drop_stale(server)
        except Exception:  # a surprise here must not go unseen, nor end the feed's other work
            log.warning("dropping the saved copies of server %s failed", guild_id or "*", exc_info=True)
        finally:
            self._drops_asked.discard(guild_id)  # (already, once begun; also when it never began)

    async def _drop_stale(self, guild_id: int, *, asked: bool = False) -> None:
        """Drop the server's engine and saved copies unless they are of its current version (every one
        when the store cannot say which that is): after a load in flight, and after any build thread of
        the server still running, so that no copy of what they read outlives this."""
        async with self._loading(guild_id):
            if asked:
                self._drops_asked.discard(guild_id)  # a notice from now on asks again
            while running := {b for b in self._builds.get(guild_id, ()) if not b.done()}:
                await asyncio.wait(running)
            current = await self._current_version(guild_id)
            loaded = self._loaded.get(guild_id)
            if loaded is not None and (current is None or loaded[0] != current):
                del self._loaded[guild_id]
            if self.data_dir is not None:
                await asyncio.to_thread(drop_server_versions, self.data_dir, guild_id, current)

    async def _current_version(self, guild_id: int) -> str | None:
        if self.guild_version is None:
            return None
        try:
            return await self.guild_version(guild_id)
        except Exception as exc:  # the store down or closing: no copy is kept on trust
            log.debug("server %s: its library's version cannot be read now (%s); dropping every copy", guild_id, exc)
            return None

    async def engine_for(self, guild_id: int | None) -> Engine:
        shared = self.shared if self.policy.sees_shared(guild_id) else self.empty
        if guild_id is None or self.guild_articles is None:
            return shared
        async with self._loading(guild_id):
            loaded = self._loaded.get(guild_id)
            saved = None
            try:
                version = await self.guild_version(guild_id) if self._checks_version(guild_id, loaded) else None
                if loaded is not None and version == loaded[0]:
                    self._loaded.move_to_end(guild_id)
                    return loaded[1] or shared
                if version is not None and self._saves:
                    saved = await asyncio.to_thread(
                        open_saved_server_library, self.data_dir, guild_id, version, shared.options
                    )
                if saved is None:
                    version, articles = await self.guild_articles(guild_id)
            except self.unavailable:  # the database is down: keep answering from what is loaded
                log.debug("server %s: its library cannot be read now; answering from what is loaded", guild_id)
                return (loaded[1] if loaded else None) or shared
            if saved is not None:
                engine = await asyncio.to_thread(self._beside_shared, saved, shared)
            elif loaded is not None and loaded[0] == version:
                self._loaded.move_to_end(guild_id)
                return loaded[1] or shared
            else:
                engine = await self._building(guild_id, version, articles, shared)
            self._loaded[guild_id] = (version, engine)
            self._loaded.move_to_end(guild_id)
            while len(self._loaded) > self.policy.max_loaded:
                self._loaded.popitem(last=False)
            return engine or shared

    @property
    def _saves(self) -> bool:
        return self.data_dir is not None and self.shared.options.engine == "numpy"

    def _checks_version(self, guild_id: int, loaded: tuple[str, Engine | None] | None) -> bool:
        """Ask the store for the version alone first: to keep what is loaded, or to open a saved copy
        (only where the server has one: a small library costs one read of the store, as before)."""
        if self.guild_version is None:
            return False
        return loaded is not None or (self._saves and server_index_dir(self.data_dir, guild_id).is_dir())

    @contextlib.asynccontextmanager
    async def _loading(self, guild_id: int) -> AsyncIterator[None]:
        """One load of a server's library at a time; the lock lives only while someone holds or awaits it."""
        lock, users = self._locks.get(guild_id) or self._locks.setdefault(guild_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[guild_id]

    async def _building(self, guild_id: int, version: str, articles: tuple[Article, ...], shared: Engine,
                        ) -> Engine | None:  # fmt: skip
        """_build in a thread, known as the server's while it runs: it may save a copy of the server's
        index, so a drop of the server's copies waits for it, even once the question that started it
        was cancelled (the thread goes on, and the server's lock is let go)."""
        running = asyncio.ensure_future(asyncio.to_thread(self._build, guild_id, version, articles, shared))
        self._builds.setdefault(guild_id, set()).add(running)
        running.add_done_callback(functools.partial(self._built, guild_id))
        return await asyncio.shield(running)

    def _built(self, guild_id: int, running: asyncio.Future) -> None:
        builds = self._builds.get(guild_id)
        if builds is not None:
            builds.discard(running)
            if not builds:
                del self._builds[guild_id]
        if not running.cancelled():
            running.exception()  # seen: a build no question waits for any more fails quietly (it is retried)

    def _build(self, guild_id: int, version: str, articles: tuple[Article, ...], shared: Engine) -> Engine | None:
        """The server's engine from its articles (None: it has none), analysed once, ranked beside the
        shared library if it sees it; saved for this version when large enough, else any saved copy dropped."""
        save = self._saves and sum(len(a.passages) for a in articles) >= self.save_from_passages
        if self.data_dir is not None and not save:
            drop_server_library(self.data_dir, guild_id)
        if not articles:
            return None
        own = Corpus(articles)
        encoded = self._encoder.encode(articles)
        if save:
            engine = Engine(own, shared.options, index=BM25Index.from_flat(*encoded))
            return self._beside_shared(save_server_library(self.data_dir, guild_id, version, engine), shared)
        if not self._ranks_beside(shared):
            index = BM25Index.from_flat(*encoded) if shared.options.engine == "numpy" else None
            return Engine(own, shared.options, index=index)
        return self._together(own, Postings.from_flat(*encoded), shared)

    def _ranks_beside(self, shared: Engine) -> bool:
        return shared is not self.empty and self.policy.search_shared_beside_own and bool(shared.passages)

    def _beside_shared(self, own: Engine, shared: Engine) -> Engine:
        """A server's engine over a BM25Index (its saved copy), ranked beside the shared library if it sees it."""
        return self._together(own.corpus, IndexStatistics(own.index), shared) if self._ranks_beside(shared) else own

    def _together(self, own: Corpus, own_statistics: Statistics, shared: Engine) -> Engine:
        """One engine over the shared passages followed by the server's, ranked as one corpus."""
        shared_statistics = self._shared_statistics_of(shared)
        at_key = keys_across((shared.corpus, own)) if shared.corpus.passage_at_key else None
        together = Corpus(shared.articles + own.articles, all_passages=Concatenated((shared.passages, own.passages)),
                          passage_at_key=at_key)  # fmt: skip
        return Engine(together, shared.options, index=UnionIndex([shared_statistics, own_statistics]))
