"""The host's corpus folder, watched while the bot runs: a change to its files replaces the shared
library without a restart.

Every `interval` seconds the watcher compares the folder's stat key (names, sizes, modification
times, inodes: no byte read) and the saved index's fingerprint with those the loaded index came
from. A change is acted on once it has held still for one more poll, so a file still being copied
in waits. The index is then built again in a thread (parsing in worker processes, as at start),
saved, and swapped in at once (then its pages are mapped in, as at start: bot.library.resident);
until then questions are answered from the old one. A rebuild that fails, or leaves no article
with text, keeps the old index and logs why. `reload_now()` (SIGHUP, `studybot reload`) skips the
wait for the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.engine import Engine
from bot.core.models import article_fields
from bot.core.versions import article_version
from bot.library.options import DEFAULT_WATCH_SECONDS
from bot.library.registry import Libraries
from bot.library.resident import make_resident
from bot.library.saved import LibraryOptions, index_dir, open_library, saved_fingerprint, stat_key

log = logging.getLogger("studybot.library")

RELOAD_NOTICE = "shared-library"  # the change-feed kind `studybot reload` publishes (PostgreSQL: every host)
RELOAD_HEARD = "shared-library-heard"  # each bot's answer to it: `studybot reload` counts them


FolderKey = tuple[str, str | None]


def folder_key(options: LibraryOptions) -> FolderKey:
    """What says the shared library may have changed: its files' stat key, and the fingerprint of the
    saved index (another process, `studybot index` or `studybot reload`, may have saved a newer one)."""
    return stat_key(options), saved_fingerprint(options)


def _open_prepared(options: LibraryOptions) -> Engine:
    return open_library(options).prepare_lookups()


def load_shared(options: LibraryOptions, build: Callable[[LibraryOptions], Engine] = _open_prepared,
                ) -> tuple[Engine, FolderKey]:  # fmt: skip
    """The shared engine (its saved index when fresh, else built and saved) and the key it answers to:
    the files' stat key from before the build, so a change made during it shows at the next poll, and
    the fingerprint of the index saved by it."""
    before = stat_key(options)
    engine = build(options)
    return engine, (before, saved_fingerprint(options))


@dataclass(frozen=True)
class Reload:
    """What one reload changed, by article id."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    articles: int
    passages: int
    seconds: float

    @property
    def anything(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        parts = [f"{label} {', '.join(ids)}" for label, ids in
                 (("added", self.added), ("removed", self.removed), ("changed", self.changed)) if ids]  # fmt: skip
        what = "; ".join(parts) or "no article changed"
        now = f"{_count(self.articles, 'article')}, {_count(self.passages, 'passage')}"
        return f"{what} — now {now} ({self.seconds:.1f} s)"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _content(engine: Engine) -> dict[str, tuple]:
    """Article id → everything an answer shows of it: its metadata and its version (passages, pages,
    notes; a saved index keeps it, so no passage is read to compare)."""
    return {a.id: (article_fields(a), article_version(a)) for a in engine.articles}


def compare(old: Engine, new: Engine, seconds: float) -> Reload:
    before, after = _content(old), _content(new)
    return Reload(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(i for i in before.keys() & after.keys() if before[i] != after[i])),
        articles=len(after),
        passages=len(new.passages),
        seconds=seconds,
    )


async def _answer_reload(store) -> None:
    try:
        await store.publish(RELOAD_HEARD, None)
    except Exception as exc:  # the reload goes ahead; only the command's count misses this bot
        log.warning("could not answer the reload notice (%s); reloading anyway", exc)


class FolderWatcher:
    """Keeps `libraries.shared` in step with the host folder. Start `run()` as a task."""

    def __init__(self, options: LibraryOptions, libraries: Libraries, loaded_key: FolderKey, *,
                 interval: float = DEFAULT_WATCH_SECONDS,
                 build: Callable[[LibraryOptions], Engine] = _open_prepared):  # fmt: skip
        self.options = options
        self.libraries = libraries
        self.loaded_key = loaded_key  # what the engine in use was built from (see load_shared)
        self.interval = interval  # 0: no polling, only reload_now
        self._build = build
        self._pending: FolderKey | None = None  # a changed key seen once, waiting to hold still
        self._now = asyncio.Event()
        self._lock = asyncio.Lock()
        self._answers: set[asyncio.Task] = set()  # RELOAD_HEARD being published (kept from the collector)

    def reload_now(self) -> None:
        """Check and rebuild at once (a signal handler may call this; it never blocks)."""
        self._now.set()

    def follow(self, store) -> None:
        """Reload when `studybot reload` publishes RELOAD_NOTICE on the store's change feed (PostgreSQL:
        from any host), and answer RELOAD_HEARD so that the command can tell a bot heard it."""

        def on_change(change) -> None:  # on the event loop; it must not block
            if change.kind == RELOAD_NOTICE:
                self.reload_now()
                answer = asyncio.get_running_loop().create_task(_answer_reload(store))
                self._answers.add(answer)
                answer.add_done_callback(self._answers.discard)

        store.on_change(on_change)

    async def run(self) -> None:
        """Poll every `interval` seconds (interval 0: only on reload_now) until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._now.wait(), self.interval or None)
            now, self._now = self._now.is_set(), asyncio.Event()
            try:
                await self.poll(at_once=now)
            except Exception:  # a surprise in one look must not end the watching
                log.exception("watching the corpus folder %s failed once; trying again", self.options.corpus_path)

    async def poll(self, *, at_once: bool = False) -> Reload | None:
        """One look at the folder; the Reload when the shared library was replaced."""
        async with self._lock:
            key = await asyncio.to_thread(folder_key, self.options)
            if key == self.loaded_key:
                self._pending = None
                if at_once:
                    log.info("reload: the corpus folder %s is unchanged", self.options.corpus_path)
                return None
            if not at_once and key != self._pending:  # changed since the last poll: maybe still being written
                self._pending = key
                log.debug("the corpus folder %s changed; rebuilding once it holds still", self.options.corpus_path)
                return None
            self._pending = None
            return await self._rebuild(key)

    async def _rebuild(self, key: FolderKey) -> Reload | None:
        folder = self.options.corpus_path
        log.info("the corpus folder %s changed: rebuilding its index (answering from the old one meanwhile)", folder)
        old, started, previous = self.libraries.shared, time.perf_counter(), self.loaded_key

        def build() -> tuple[Engine, FolderKey, Reload]:
            engine, built_key = load_shared(self.options, self._build)
            return engine, built_key, compare(old, engine, time.perf_counter() - started)

        try:
            engine, built_key, done = await asyncio.to_thread(build)
        except Exception as exc:  # whatever a broken folder raises, the bot keeps answering
            log.warning("could not rebuild the index of %s (%s); still answering from the previous one", folder, exc)
            self.loaded_key = key  # not again until the folder changes again
            return None
        self.loaded_key = built_key
        known = set(old.corpus.warnings)
        for warning in engine.corpus.warnings:
            (log.warning if warning not in known else log.debug)("%s", warning)
        if not engine.passages:
            log.warning("no article with text could be loaded from %s; still answering from the previous index", folder)
            return None
        if not done.anything:
            log.info("reloaded the corpus folder %s: no article changed; keeping the index in use", folder)
            return None
        self.libraries.replace_shared(engine)
        log.info("reloaded the corpus folder %s: %s", folder, done.summary())
        if built_key[1] is None or built_key[1] == previous[1]:  # not saved anew (a read-only data folder):
            return done  # the new engine is in memory, and the files there are the old index's
        stop = threading.Event()
        try:  # as at start (bot.app.runner)
            await asyncio.to_thread(make_resident, index_dir(self.options), stop=stop)
        finally:
            stop.set()  # cancelled (the bot stopping): the thread ends at its next slice of pages
        return done
