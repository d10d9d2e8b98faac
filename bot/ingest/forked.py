"""Two pieces of one file's parsing at once, in this process and a forked one, under the worker's limits.

The worker process (bot.ingest.worker) that runs a reader is single-threaded, so it may fork. The
forked child takes half of the memory this process may still grow by (RLIMIT_AS), and this process
keeps the other half while both run: the worker's memory cap holds for the two together. The child
is killed when this process dies (PR_SET_PDEATHSIG), so the worker's time limit ends both.

    in_two_processes(first, second)  → (first(), second()), second() run in the child
    can_fork()                       whether this platform can (Linux: fork and prctl)
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from bot.ingest.document import SkipFile

try:
    import resource
except ImportError:  # not on this platform: no splitting (can_fork is False)
    resource = None  # type: ignore[assignment]

T = TypeVar("T")
U = TypeVar("U")
_PR_SET_PDEATHSIG = 1


@cache
def _prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):
        return None


def can_fork() -> bool:
    return hasattr(os, "fork") and resource is not None and _prctl() is not None


def in_two_processes(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """first() here while second() runs in a forked child; second's result comes back pickled.
    A MemoryError or SkipFile in the child is raised here; a child that dies is a SkipFile."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = mapped_bytes()
    share = soft if soft == resource.RLIM_INFINITY else mapped + max(0, soft - mapped) // 2
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(reader)
            if _prctl()(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0 or os.getppid() == 1:
                os._exit(1)  # could not tie itself to its parent (or the parent is already gone)
            resource.setrlimit(resource.RLIMIT_AS, (share, hard))
            try:
                result: tuple[str, object] = ("ok", second())
            except MemoryError:
                result = ("memory", None)
            except SkipFile as exc:
                result = ("skip", str(exc))
            with os.fdopen(writer, "wb") as out:
                pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    done = False
    try:
        resource.setrlimit(resource.RLIMIT_AS, (share, hard))
        try:
            mine = first()
            with os.fdopen(reader, "rb") as incoming:
                reader = -1
                data = incoming.read()
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        _, code = os.waitpid(pid, 0)
        done = True
    finally:
        if reader != -1:
            os.close(reader)
        if not done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if not data:
        raise SkipFile(f"its reader's second process failed (wait status {code})")
    status, value = pickle.loads(data)
    if status == "memory":
        raise MemoryError
    if status == "skip":
        raise SkipFile(value)
    return mine, value


def mapped_bytes() -> int:
    """Bytes of address space this process maps now."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
