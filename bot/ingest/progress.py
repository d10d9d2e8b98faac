"""How far a reader has got through a file ("page 40 of 214"), for a front end to show.

A reader calls ``report(at, total)`` as it goes (the PDF reader before every page); with nobody
listening that costs one lookup. The worker process listens and sends the counts back to its
parent over the pipe it already has (bot.ingest.worker), at most a few times a second.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

# (the page being read, 1-based; pages in the file, or None when the file does not say)
Listener = Callable[[int, "int | None"], None]

_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("studybot_read_progress", default=None)


def report(at: int, total: int | None) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(at, total if total and total >= at else None)  # a declared page count may lie


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
