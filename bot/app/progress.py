"""A deferred reply edited with progress while slow work goes on ("Reading report.pdf — page 40 of 214…").

Discord lets an interaction's token edit its reply for 15 minutes, and edits of one message are
polite at about one a second (the rate limits allow short bursts, never a stream). So `show()`
only remembers the latest text and returns at once; one task edits the reply with it, the first
time after `interval` seconds (a quick upload shows no progress at all), then at most once per
`interval`, skipping texts already shown, and never once the token's life (less a margin) is over;
an edit that fails or hangs past EDIT_TIMEOUT_SECONDS ends the progress, never the work.
`close()` ends the task after any edit under way and, when progress was shown, waits out the
interval, so that the final reply that follows is never overwritten by a late progress edit and
keeps the same spacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("studybot.app")

TOKEN_LIFE_SECONDS = 15 * 60  # an interaction token's edits and followups (Discord)
TOKEN_MARGIN_SECONDS = 60  # no progress edit this close to the end: the final reply needs the token
EDIT_INTERVAL_SECONDS = 1.0
EDIT_TIMEOUT_SECONDS = 10.0  # a progress edit stuck longer is given up, and progress with it


class ProgressReply:
    def __init__(self, edit: Callable[[str], Awaitable[object]], *, interval: float = EDIT_INTERVAL_SECONDS,
                 usable_for: float = TOKEN_LIFE_SECONDS - TOKEN_MARGIN_SECONDS,
                 edit_timeout: float = EDIT_TIMEOUT_SECONDS):  # fmt: skip
        """`edit(text)` edits the reply; progress edits stop `usable_for` seconds after this."""
        self._edit, self.interval, self.edit_timeout = edit, interval, edit_timeout
        loop = asyncio.get_running_loop()
        self._clock = loop.time
        self._last_edit = self._clock()  # the defer counts as the last change of the message
        self._stop_at = self._last_edit + usable_for
        self._latest: str | None = None
        self._shown: str | None = None
        self._wake = asyncio.Event()
        self._closing = False
        self.edits = 0  # progress edits tried
        self._task = loop.create_task(self._run())

    def show(self, text: str) -> None:
        """Remember `text` as the latest progress; never waits (call it from any callback on the loop)."""
        self._latest = text
        self._wake.set()

    async def close(self) -> None:
        """No more progress: returns once no progress edit is under way and `interval` has passed since the last."""
        self._closing = True
        self._wake.set()
        await self._task
        if self.edits:
            await asyncio.sleep(max(0.0, self._last_edit + self.interval - self._clock()))

    async def __aenter__(self) -> ProgressReply:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def _run(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):  # wait out the spacing unless closed meanwhile
                await asyncio.wait_for(self._closed(), self._last_edit + self.interval - self._clock())
            text = self._latest
            if self._closing or text == self._shown:
                continue
            if self._clock() >= self._stop_at:
                log.debug("no more progress edits: the interaction token is near its end")
                return
            self._shown = text
            self.edits += 1
            try:
                await asyncio.wait_for(self._edit(text), self.edit_timeout)
            except Exception as exc:  # noqa: BLE001 — progress is a courtesy: a failed edit ends it, not the work
                log.info("a progress edit failed (%s); no more progress for this reply", exc)
                return
            finally:
                self._last_edit = self._clock()

    async def _closed(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
