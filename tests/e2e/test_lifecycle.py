"""The bot's life: restarts keep old buttons working, SIGTERM finishes replies, one process per database."""

from __future__ import annotations

import asyncio
import time

import pytest

from testing.bot_process import TOKEN, BotProcess
from testing.fake_discord import custom_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_old_more_results_button_works_after_a_restart(fake, bot):
    interaction = await fake.send_command("ask", {"question": "Russia and the West relations reset"})
    await interaction.wait_for(timeout=15)
    more = next(cid for cid in custom_ids(interaction.original) if cid.startswith("sb:page:") and cid.endswith(":2"))
    assert await bot.stop() == 0
    await bot.start(fake)
    turn = await fake.click(interaction.original, more)
    page = await turn.wait_for(timeout=15)
    assert turn.callback_types == [7] and "page 2/" in page["embeds"][0]["footer"]["text"]


async def test_buttons_keep_the_custom_ids_already_posted(fake, bot):
    """Answers posted before buttons became DynamicItems carry ids built as `sb:<action>:<answer>:<arg>`:
    the same ids are still posted, and a message carrying them pages as before."""
    interaction = await fake.send_command("ask", {"question": "Russia and the West relations reset"})
    await interaction.wait_for(timeout=15)
    answer_id = custom_ids(interaction.original)[0].split(":")[2]
    posted_before = [f"sb:page:{answer_id}:0", f"sb:page:{answer_id}:2", f"sb:vote:{answer_id}:up",
                     f"sb:vote:{answer_id}:down", *(f"sb:full:{answer_id}:{n}" for n in (1, 2, 3))]  # fmt: skip
    assert custom_ids(interaction.original) == posted_before
    old_message = {**interaction.original, "components": [
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": cid}
                                   for cid in posted_before[:4]]},
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": cid}
                                   for cid in posted_before[4:]]},
    ]}  # fmt: skip
    turn = await fake.click(old_message, f"sb:page:{answer_id}:2")
    page = await turn.wait_for(timeout=15)
    assert turn.callback_types == [7] and "page 2/" in page["embeds"][0]["footer"]["text"]
    full = await fake.click(old_message, f"sb:full:{answer_id}:1")
    passage = await full.wait_for(timeout=15)
    assert passage["embeds"][0]["description"] and full.callback_types == [4]


async def test_sigterm_finishes_every_reply_in_flight(fake, bot):
    slow = 10
    for _ in range(slow):  # each answer's delivery is rate-limited once: the replies are in flight at SIGTERM
        fake.fail_next("PATCH", "/webhooks/*/messages/@original", 429,
                       {"message": "You are being rate limited.", "retry_after": 1.5, "global": False})  # fmt: skip
    question = {"question": "Why did the reset of relations fail?"}
    asked = [await fake.send_command("ask", question, user_id=8000 + n) for n in range(slow)]
    await asyncio.wait_for(_until(lambda: all(i.acknowledged for i in asked)), 10)
    started = time.monotonic()
    code = await bot.stop(timeout=12)
    elapsed = time.monotonic() - started
    print(f"\nSIGTERM with {slow} replies in flight: exit {code} after {elapsed:.2f} s")
    assert code == 0 and elapsed < 9
    for interaction in asked:
        assert any(m.get("embeds") for m in interaction.edits), interaction
    await bot.start(fake)


async def test_second_process_on_the_same_database_exits_at_once(fake, bot):
    second = BotProcess(bot.config, bot.data_dir, bot.log_path.with_name("second.log"), bot.env)
    started = time.monotonic()
    await second.start(fake, wait=False)
    code = await asyncio.wait_for(second.process.wait(), 20)
    print(f"\nsecond process: exit {code} after {time.monotonic() - started:.2f} s")
    assert code == 1 and "in use by another Studybot process" in second.log_text()
    assert TOKEN not in second.log_text()



async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.05)
