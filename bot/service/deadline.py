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


async def before_first_reply(call: Awaitable[T], what: str) -> T:
    """`await call`, or StorageUnavailable once FIRST_REPLY_DATABASE_SECONDS have passed."""
    try:
        return await asyncio.wait_for(call, FIRST_REPLY_DATABASE_SECONDS)
    except TimeoutError:
        log.warning("the database took over %.1f s to %s; the member is asked to try again",
                    FIRST_REPLY_DATABASE_SECONDS, what)  # fmt: skip
        raise StorageUnavailable(f"the database did not {what} in time") from None
