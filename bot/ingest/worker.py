"""One file → its Article, in a worker process with a wall-time and a memory limit where the format needs it.

Bytes from strangers may make a reader run for ever or swallow the machine's memory. Readers of
complex formats therefore run in a child process (forkserver: safe from a threaded parent such as
the bot) whose address space is capped (RLIMIT_AS) and which is ended when its time is up; either
way the caller gets a SkipFile naming the limit, and the rest of the corpus goes on loading.
Plain text and Markdown are read in the calling process (their readers are linear, their files
capped at a few MB, and a process costs more than the parsing).

    ingest_file(name, data, …)        → ParsedArticle, or SkipFile (the one call loaders make)
    await ingest_file_async(…)        the same, off the event loop
    run_limited(function, *args, …)   any picklable function under the same limits

Given `on_progress`, the child's reader reports the page it reads (bot.ingest.progress) back over
the result pipe, at most every PROGRESS_INTERVAL seconds, and the waiting thread calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.ingest import progress
from bot.ingest.document import ReadLimits, SkipFile
from bot.ingest.forked import mapped_bytes
from bot.ingest.formats import Reader, reader_for, reader_modules, unreadable_format
from bot.ingest.options import IngestOptions
from bot.ingest.pipeline import ParsedArticle, build_article, read_document

try:
    import resource
except ImportError:  # not on this platform: only the wall-time limit applies
    resource = None  # type: ignore[assignment]

log = logging.getLogger("studybot.ingest")
_CONTEXT = multiprocessing.get_context("forkserver")
# Each child forks with the readers already imported (the calling process imports them only if it reads
# such a file itself).
_CONTEXT.set_forkserver_preload(["bot.ingest.worker", *reader_modules()])
_MAIN_LOCK = threading.Lock()
PROGRESS_INTERVAL = 0.25  # seconds between two progress reports of a child


def format_key(reader: Reader) -> str:
    """The name a format goes by in settings: its reader's first suffix without the dot."""
    return reader.suffixes[0].lstrip(".")


def ingest_file(
    name: str,
    data: bytes,
    *,
    article_id: str,
    path: str,
    manifest_entry: dict | None = None,
    max_passage_chars: int = 1200,
    options: IngestOptions | None = None,
    on_progress: progress.Listener | None = None,
) -> ParsedArticle:
    """A file's bytes → its article and warnings. Raises SkipFile (format, size, time, memory, damage).
    `on_progress(page, pages)` hears how far a reader in a worker has got (called from this thread)."""
    options = options or IngestOptions()
    reader = reader_for(name)
    if reader is None:
        raise unreadable_format()
    key = format_key(reader)
    options.check_size(key, len(data))
    job = (reader, name, data, options.limits_for(key), article_id, path, manifest_entry, max_passage_chars)
    if not options.needs_worker(key):
        return read_and_build(*job)
    # The worker is single-threaded, so its reader may fork a second process for a long file.
    job = (reader, name, data, dataclasses.replace(job[3], processes=2), *job[4:])
    limits = {"timeout_seconds": options.timeout_seconds, "max_memory_mb": options.max_memory_mb,
              "on_progress": on_progress}  # fmt: skip
    try:
        return run_limited(read_and_build, *job, **limits)
    except _Unpicklable:  # a reader holding unpicklable state: the child finds it by the file name
        return run_limited(read_and_build, None, *job[1:], **limits)


async def ingest_file_async(name: str, data: bytes, on_progress: progress.Listener | None = None,
                            **kwargs: Any) -> ParsedArticle:  # fmt: skip
    """ingest_file without blocking the event loop: a thread waits for the worker process;
    `on_progress` is called on the event loop."""
    loop = asyncio.get_running_loop()
    if on_progress is not None:
        kwargs["on_progress"] = functools.partial(loop.call_soon_threadsafe, on_progress)
    return await loop.run_in_executor(None, functools.partial(ingest_file, name, data, **kwargs))


def read_and_build(
    reader: Reader | None,
    name: str,
    data: bytes,
    limits: ReadLimits,
    article_id: str,
    path: str,
    manifest_entry: dict | None,
    max_passage_chars: int,
) -> ParsedArticle:
    """read_document + build_article; a reader's bug becomes a SkipFile naming it, never a crash."""
    try:
        document = read_document(name, data, limits, reader)
        return build_article(article_id, path, document, manifest_entry, max_passage_chars=max_passage_chars)
    except (SkipFile, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - bytes from strangers must not crash the loader
        log.exception("reading %s failed", name)
        what = reader.name if reader else "its"
        raise SkipFile(f"the {what} reader failed on it ({type(exc).__name__}: {exc}); please report this") from None


class _Unpicklable(Exception):
    pass


def run_limited(function: Callable[..., Any], *args: Any, timeout_seconds: float, max_memory_mb: int,
                on_progress: progress.Listener | None = None) -> Any:  # fmt: skip
    """function(*args) in a child process: ended past `timeout_seconds`, its memory capped at
    `max_memory_mb` beyond what the child starts with. Returns its result or re-raises its SkipFile;
    past a limit raises SkipFile naming it. `function` and `args` must pickle (module-level).
    `on_progress` hears what the child reports through bot.ingest.progress."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, max_memory_mb, on_progress is not None, function, args),
                               daemon=True)  # fmt: skip
    try:
        try:
            with _main_not_reimported():
                process.start()
        except (TypeError, AttributeError, ValueError) as exc:  # pickling the job failed
            raise _Unpicklable(str(exc)) from None
        sender.close()
        try:
            status, value = _outcome(receiver, time.monotonic() + timeout_seconds, on_progress)
        except TimeoutError:
            limit = f"{timeout_seconds:g} s (ingest.timeout_seconds)"
            raise SkipFile(f"took longer than {limit}; reading stopped") from None
        except EOFError:  # the child died without a word: killed, or out of memory inside C code
            process.join(timeout=5)
            code = process.exitcode
            if code is not None and code < 0:
                raise SkipFile(
                    f"its reader was stopped by signal {-code}; it may have needed more than {max_memory_mb} MB "
                    "(ingest.max_memory_mb)"
                ) from None
            raise SkipFile(f"its reader process failed (exit code {code})") from None
    finally:
        if process.is_alive():
            process.kill()
        if process.pid is not None:
            process.join()
        receiver.close()
        sender.close()
    if status == "ok":
        return value
    if status == "memory":
        raise SkipFile(f"needed more than {max_memory_mb} MB (ingest.max_memory_mb); reading stopped")
    raise SkipFile(value)


def _outcome(receiver: Any, deadline: float, on_progress: progress.Listener | None) -> tuple[str, Any]:
    """The child's (status, value), passing its progress reports on; TimeoutError past `deadline`."""
    while True:
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        status, value = receiver.recv()
        if status != "progress":
            return status, value
        if on_progress is not None:
            on_progress(*value)


@contextlib.contextmanager
def _main_not_reimported():
    """Start a child without it re-importing the program's __main__ (for the bot, its whole command
    line and discord.py: ~0.4 s a file). Jobs never live in __main__, so the child needs nothing there."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _MAIN_LOCK:
        hidden = {key: main.__dict__.pop(key) for key in ("__file__",) if key in main.__dict__}
        spec, main.__spec__ = getattr(main, "__spec__", None), None
        try:
            yield
        finally:
            main.__spec__ = spec
            main.__dict__.update(hidden)


def _child(sender: Any, max_memory_mb: int, reports: bool, function: Callable[..., Any], args: tuple) -> None:
    _limit_memory(max_memory_mb)
    try:
        with progress.listening(_Reporter(sender)) if reports else contextlib.nullcontext():
            result: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        result = ("memory", None)
    except SkipFile as exc:
        result = ("skip", str(exc))
    try:
        sender.send(result)
    except MemoryError:
        sender.send(("memory", None))
    sender.close()


class _Reporter:
    """In the child: sends ("progress", (page, pages)) to the parent, at most every PROGRESS_INTERVAL s."""

    def __init__(self, sender: Any) -> None:
        self.sender, self.last = sender, -PROGRESS_INTERVAL

    def __call__(self, at: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.sender.send(("progress", (at, total)))


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the address space at what the child already maps plus max_memory_mb."""
    if resource is None:
        return
    limit = mapped_bytes() + max_memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
