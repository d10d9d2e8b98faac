"""The progress reply of a slow upload: edits spaced, the latest text shown, none after the end,
none past the token's life, a failed edit harmless; the caller never waits for an edit."""

from __future__ import annotations

import asyncio

from bot.app.progress import ProgressReply
from bot.service import messages

INTERVAL = 0.1


class Reply:
    """The edited message: every text it was edited with, and when (loop time)."""

    def __init__(self, takes: float = 0.0, fails: bool = False):
        self.takes, self.fails = takes, fails
        self.edits: list[tuple[float, str]] = []
        self.editing = False

    async def edit(self, text: str) -> None:
        self.editing = True
        try:
            await asyncio.sleep(self.takes)
            if self.fails:
                raise RuntimeError("404 Unknown Webhook")
            self.edits.append((asyncio.get_running_loop().time(), text))
        finally:
            self.editing = False


async def stream(progress: ProgressReply, count: int, every: float = 0.01) -> list[str]:
    """`count` progress texts, one every `every` seconds; the texts shown."""
    texts = [messages.upload_progress("reading", "report.pdf", page, count) for page in range(1, count + 1)]
    for text in texts:
        progress.show(text)
        await asyncio.sleep(every)
    return texts


async def test_a_quick_upload_shows_no_progress_and_is_not_held_up():
    reply = Reply()
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with ProgressReply(reply.edit, interval=INTERVAL) as progress:
        progress.show(messages.upload_progress("downloading", "notes.md"))
    assert reply.edits == []
    assert loop.time() - started < INTERVAL  # close() waited for nothing


async def test_edits_are_spaced_by_the_interval_and_the_latest_text_is_the_one_shown():
    reply = Reply()
    progress = ProgressReply(reply.edit, interval=INTERVAL)
    texts = await stream(progress, 50)  # 50 texts over about 0.5 s
    await asyncio.sleep(INTERVAL * 1.5)
    await progress.close()
    closed_at = asyncio.get_running_loop().time()
    times = [at for at, _ in reply.edits]
    assert 3 <= len(reply.edits) <= 7, reply.edits
    assert all(b - a >= INTERVAL * 0.95 for a, b in zip(times, times[1:], strict=False)), times
    assert reply.edits[-1][1] == texts[-1] == "Reading report.pdf — page 50 of 50…"
    assert len({text for _, text in reply.edits}) == len(reply.edits)  # nothing shown twice
    assert closed_at - times[-1] >= INTERVAL * 0.95  # the final reply keeps the spacing too


async def test_no_progress_edit_lands_after_close_even_one_under_way():
    reply = Reply(takes=INTERVAL * 2)
    progress = ProgressReply(reply.edit, interval=INTERVAL)
    progress.show("Downloading report.pdf…")
    for _ in range(100):  # until the edit is under way, at most 1 s
        if reply.editing:
            break
        await asyncio.sleep(0.01)
    assert reply.editing
    progress.show("Reading report.pdf…")
    await progress.close()
    assert not reply.editing and [text for _, text in reply.edits] == ["Downloading report.pdf…"]
    await asyncio.sleep(INTERVAL * 2)
    assert len(reply.edits) == 1  # the later text is never shown once the caller moved on


async def test_progress_stops_before_the_token_dies():
    reply = Reply()
    progress = ProgressReply(reply.edit, interval=INTERVAL / 2, usable_for=INTERVAL * 2)
    started = asyncio.get_running_loop().time()
    await stream(progress, 60)  # about 0.6 s, three times the usable life
    await progress.close()
    assert reply.edits and all(at - started <= INTERVAL * 2 + INTERVAL / 2 for at, _ in reply.edits), reply.edits


async def test_a_failed_edit_ends_progress_quietly():
    reply = Reply(fails=True)
    progress = ProgressReply(reply.edit, interval=INTERVAL / 2)
    await stream(progress, 20)
    await progress.close()  # does not raise
    assert reply.edits == []
    assert progress.edits == 1  # tried once, then no more


async def test_a_stuck_edit_is_given_up_and_never_holds_the_reply():
    reply = Reply(takes=3600)
    progress = ProgressReply(reply.edit, interval=INTERVAL / 2, edit_timeout=INTERVAL)
    await stream(progress, 20)
    await asyncio.wait_for(progress.close(), 1.0)  # not the hour the edit would take
    assert reply.edits == [] and not reply.editing and progress.edits == 1


def test_progress_wording():
    assert messages.upload_progress("downloading", "report.pdf") == "Downloading report.pdf…"
    assert messages.upload_progress("reading", "report.pdf") == "Reading report.pdf…"
    assert messages.upload_progress("reading", "report.pdf", 40, 214) == "Reading report.pdf — page 40 of 214…"
    assert messages.upload_progress("reading", "report.pdf", 40) == "Reading report.pdf — page 40…"
    assert messages.upload_progress("indexing", "report.pdf", total=1204) == "Indexing 1,204 passages…"
