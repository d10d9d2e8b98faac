"""kill -9 of the bot process over PostgreSQL, at random moments while /settings, /ask and votes flow:
no acknowledged write is lost.

Acknowledged means the member saw it: "Settings saved." for /settings, an answer with buttons for
/ask (the answer and its question-log line are committed before that reply), the counts for a vote.
After each kill, before the next start, the database must hold every one of them; a write in flight
at the kill may or may not have landed. /settings changes are sent one after another, each with a new
cooldown value, so the stored value must be the last acknowledged one or the one in flight after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal

import pytest
import pytest_asyncio

from bot.service.messages import SETTINGS_SAVED
from testing.bot_process import GUILD, OTHER_GUILD, TOKEN, BotProcess, bot_env, write_config
from testing.fake_discord import custom_ids
from testing.postgres import connected

pytestmark = pytest.mark.asyncio(loop_scope="module")

KILLS = int(os.environ.get("STUDYBOT_KILLS", "20"))  # the 50: STUDYBOT_KILLS=50
KILL_WINDOW_S = (0.05, 0.6)  # after the traffic starts
QUESTIONS = ("Who is Andrei Tsygankov?", "Who heads the Joint Chiefs of Staff?", "What is the reset?")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, pg_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pg-kill")
    data_dir = folder / "data"
    config = write_config(folder / "config.yaml", fake, data_dir, storage={"url": pg_url}, cooldown_seconds=0)
    process = BotProcess(config, data_dir, folder / "bot.log", bot_env(data_dir))
    yield process
    await process.stop(signal.SIGKILL)
    assert TOKEN not in process.log_text()


class Traffic:
    """What was sent during one life of the bot, and what of it the member saw acknowledged."""

    def __init__(self, fake, first_value: int, stored_before: set[int | None]):
        self.fake = fake
        self.stored_before = stored_before  # what the database may hold from the lives before
        self.next_value = first_value
        self.settings: list[tuple[object, int]] = []  # (interaction, cooldown value), in sending order
        self.asks: list[object] = []
        self.votes: list[tuple[object, str]] = []  # (interaction, answer id)

    async def change_settings(self) -> None:
        while True:  # one at a time: at most one change is in flight at the kill
            value, self.next_value = self.next_value, self.next_value % 3600 + 1
            interaction = await self.fake.send_command("settings", {"cooldown": value}, guild_id=GUILD)
            self.settings.append((interaction, value))
            await interaction.wait_for(timeout=5)

    async def ask_and_vote(self, user: int) -> None:
        while True:
            user += 1
            question = random.choice(QUESTIONS)
            interaction = await self.fake.send_command("ask", {"question": question}, guild_id=OTHER_GUILD,
                                                       user_id=user)  # fmt: skip
            self.asks.append(interaction)
            reply = await interaction.wait_for(lambda m: bool(custom_ids(m)), timeout=5)
            vote = next(c for c in custom_ids(reply) if c.startswith("sb:vote:"))
            clicked = await self.fake.click(interaction.original, vote, guild_id=OTHER_GUILD, user_id=user)
            self.votes.append((clicked, vote.split(":")[2]))
            await clicked.wait_for(lambda m: "👍" in (m.get("content") or ""), timeout=5)

    def acknowledged_settings(self) -> list[int]:
        return [v for i, v in self.settings if any(m.get("content") == SETTINGS_SAVED for m in i.messages())]

    def settings_that_may_be_stored(self) -> set[int | None]:
        """The last acknowledged value and every one sent after it (at most one: the one in flight);
        with none acknowledged in this life, also what earlier lives may have left."""
        values = [v for _, v in self.settings]
        acked = self.acknowledged_settings()
        return set(values[values.index(acked[-1]) :]) if acked else self.stored_before | set(values)

    def acknowledged_answers(self) -> set[str]:
        ids = set()
        for interaction in self.asks:
            for message in interaction.messages():
                ids |= {c.split(":")[2] for c in custom_ids(message) if c.startswith("sb:vote:")}
        return ids

    def acknowledged_votes(self) -> set[str]:
        return {answer for i, answer in self.votes if any("👍" in (m.get("content") or "") for m in i.messages())}


async def test_kill_9_at_random_moments_loses_no_acknowledged_write(fake, bot, pg_url):
    rng = random.Random(12)
    value, user, may_be_stored = 1, 800_000, {None}
    totals = {"settings": 0, "answers": 0, "votes": 0}
    for kill in range(KILLS):
        await bot.start(fake)
        traffic = Traffic(fake, value, may_be_stored)
        tasks = [asyncio.create_task(traffic.change_settings())]
        tasks += [asyncio.create_task(traffic.ask_and_vote(user + 10_000 * k)) for k in range(2)]
        await asyncio.sleep(rng.uniform(*KILL_WINDOW_S))
        bot.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(bot.process.wait(), 10)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await task
        value, user, may_be_stored = traffic.next_value, user + 100_000, traffic.settings_that_may_be_stored()

        answers, votes = traffic.acknowledged_answers(), traffic.acknowledged_votes()
        async with connected(pg_url) as db:
            stored = await db.fetchval("SELECT cooldown_seconds FROM guild_settings WHERE guild_id = $1", GUILD)
            stored_answers = {r[0] for r in await db.fetch("SELECT id FROM answers WHERE id = ANY($1)", list(answers))}
            logged = {r[0] for r in await db.fetch(
                "SELECT answer_id FROM question_log WHERE answer_id = ANY($1)", list(answers))}  # fmt: skip
            stored_votes = {r[0] for r in await db.fetch(
                "SELECT answer_id FROM feedback WHERE answer_id = ANY($1)", list(votes))}  # fmt: skip
        where = f"kill {kill + 1}: {traffic.acknowledged_settings()[-3:]} acknowledged"
        assert stored in may_be_stored, f"{where}, {stored} stored"
        assert stored_answers == answers and logged == answers, f"{where}: answers lost {answers - stored_answers}"
        assert stored_votes == votes, f"{where}: votes lost {votes - stored_votes}"
        totals["settings"] += len(traffic.acknowledged_settings())
        totals["answers"] += len(answers)
        totals["votes"] += len(votes)
    print(f"\n{KILLS} kills: {totals['settings']} settings changes, {totals['answers']} answers and "
          f"{totals['votes']} votes acknowledged, none lost")  # fmt: skip
    assert totals["settings"] >= KILLS and totals["answers"] >= KILLS  # the kills did land amid traffic
