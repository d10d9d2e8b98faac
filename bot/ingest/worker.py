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
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from bot.ingest.document import ReadLimits, SkipFile
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
) -> ParsedArticle:
    """A file's bytes → its article and warnings. Raises SkipFile (format, size, time, memory, damage)."""
    options = options or IngestOptions()
    reader = reader_for(name)
    if reader is None:
        raise unreadable_format()
    key = format_key(reader)
    options.check_size(key, len(data))
    job = (reader, name, data, options.limits_for(key), article_id, path, manifest_entry, max_passage_chars)
    if not options.needs_worker(key):
        return read_and_build(*job)
    try:
        return run_limited(read_and_build, *job, timeout_seconds=options.timeout_seconds,
                           max_memory_mb=options.max_memory_mb)  # fmt: skip
    except _Unpicklable:  # a reader holding unpicklable state: the child finds it by the file name
        return run_limited(read_and_build, None, *job[1:], timeout_seconds=options.timeout_seconds,
                           max_memory_mb=options.max_memory_mb)  # fmt: skip


async def ingest_file_async(name: str, data: bytes, **kwargs: Any) -> ParsedArticle:
    """ingest_file without blocking the event loop: a thread waits for the worker process."""
    loop = asyncio.get_running_loop()
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


def run_limited(function: Callable[..., Any], *args: Any, timeout_seconds: float, max_memory_mb: int) -> Any:
    """function(*args) in a child process: ended past `timeout_seconds`, its memory capped at
    `max_memory_mb` beyond what the child starts with. Returns its result or re-raises its SkipFile;
    past a limit raises SkipFile naming it. `function` and `args` must pickle (module-level)."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, max_memory_mb, function, args), daemon=True)
    try:
        try:
            with _main_not_reimported():
                process.start()
        except (TypeError, AttributeError, ValueError) as exc:  # pickling the job failed
            raise _Unpicklable(str(exc)) from None
        sender.close()
        if not receiver.poll(timeout_seconds):
            raise SkipFile(f"took longer than {timeout_seconds:g} s (ingest.timeout_seconds); reading stopped")
        try:
            status, value = receiver.recv()
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


def _child(sender: Any, max_memory_mb: int, function: Callable[..., Any], args: tuple) -> None:
    _limit_memory(max_memory_mb)
    try:
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


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the address space at what the child already maps plus max_memory_mb."""
    if resource is None:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        mapped = 0
    limit = mapped + max_memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

