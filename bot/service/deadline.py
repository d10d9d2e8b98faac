"""Database work a member's first response waits on is bounded, so the reply meets Discord's 3 s.

The store's own timeouts (a free connection, each statement) are configurable and add up across a
transaction's statements; a database that hangs could hold the first response past the deadline.
`before_first_reply` cuts such a call short and raises StorageUnavailable ("try again in a moment").
Work after the first response (saving an answer, the question log, a vote after its defer) is not
bounded here: Discord then allows 15 minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from bot.storage import StorageUnavailable

log = logging.getLogger("studybot.service")

FIRST_REPLY_DATABASE_SECONDS = 1.5  # of Discord's 3 s: the rest is for the reply itself

T = TypeVar("T")


class GaveUp(StorageUnavailable):
    """A call before_first_reply stopped waiting for: unlike a store that refused, it may still end well
    (a write behind a lock may commit)."""


async def before_first_reply(call: Awaitable[T], what: str) -> T:
    """`await call`, or StorageUnavailable once FIRST_REPLY_DATABASE_SECONDS have passed. The call
    is then cancelled but not waited for: a statement queued behind another process's write lock
    ends (its rollback) only when the store's busy timeout does, seconds later."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=FIRST_REPLY_DATABASE_SECONDS)
    except asyncio.CancelledError:
        _give_up(task)
        raise
    if done:
        return task.result()
    _give_up(task)
    log.warning("the database took over %.1f s to %s; the member is asked to try again",
                FIRST_REPLY_DATABASE_SECONDS, what)  # fmt: skip
    raise GaveUp(f"the database did not {what} in time")


_GIVEN_UP: set[asyncio.Future] = set()  # held until they end: a task nobody references may be collected


def _give_up(task: asyncio.Future) -> None:
    task.cancel()
    _GIVEN_UP.add(task)
    task.add_done_callback(_outcome_dropped)


def _outcome_dropped(task: asyncio.Future) -> None:
    """A call given up on: its late outcome is read (no "exception never retrieved") and dropped."""
    _GIVEN_UP.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.debug("a call given up on ended later with %r", task.exception())


async def unbounded(call: Awaitable[T], what: str) -> T:
    """before_first_reply's stand-in where no first reply waits (a terminal's command): the call."""
    return await call
