"""What a hostile member and a lost response used to break, through the fake Discord."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
import pytest_asyncio

from bot.config import bundled_corpus_dir
from bot.service import messages
from testing.bot_process import GUILD, MANAGE_GUILD, TOKEN, BotProcess, bot_env, write_config
from testing.fake_discord import APPLICATION_COMMAND, EPHEMERAL, custom_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")

ASKER, OTHER_MEMBER = 5555, 6666
ONE_PARAGRAPH = "Quokkas are small marsupials that live on Rottnest Island and smile at visitors."
WOMBATS = "Wombats dig burrows with their front claws and leave cube-shaped droppings on rocks."
LONG_NAME = "a_very_long_file_name_" * 8  # an article id longer than an autocomplete value (100 characters)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hardening")
    corpus = folder / "corpus"
    shutil.copytree(bundled_corpus_dir(), corpus)
    (corpus / "quokkas.txt").write_text(f"Quokkas\n\n{ONE_PARAGRAPH}\n", encoding="utf-8")
    (corpus / "week1").mkdir()
    (corpus / "week1" / f"{LONG_NAME}.txt").write_text(f"Wombats\n\n{WOMBATS}\n", encoding="utf-8")
    config = write_config(folder / "config.yaml", fake, folder / "data", corpus=corpus, cooldown_seconds=0)
    process = BotProcess(config, folder / "data", folder / "bot.log", bot_env(folder / "data"))
    await process.start(fake)
    yield process
    assert await process.stop() == 0, process.log_text()[-3000:]


async def test_a_one_paragraph_articles_passage_can_be_shown(fake, bot):
    shown = await fake.send_command("source", {"passage": "quokkas:1"})
    card = await shown.wait_for(timeout=15)
    assert not shown.errors, shown.errors
    assert ONE_PARAGRAPH[:40] in card["embeds"][0]["description"]
    assert len(set(custom_ids(card))) == len(custom_ids(card))  # what Discord rejects: duplicate custom_ids

    asked = await fake.send_command("ask", {"question": "Where do quokkas live?"}, user_id=ASKER)
    await asked.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    full = await fake.click(asked.original, next(c for c in custom_ids(asked.original) if c.startswith("sb:full:")),
                            user_id=ASKER)  # fmt: skip
    passage = await full.wait_for(timeout=15)
    assert not full.errors and "Rottnest" in passage["embeds"][0]["description"]


async def test_an_interaction_delivered_twice_is_answered_once(fake, bot):
    first = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?"})
    await first.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    again = await fake.deliver(dict(first.payload))
    await asyncio.sleep(1.5)
    assert again.callbacks == [] and again.followups == again.edits == []
    assert "delivered twice" in bot.log_text()


async def test_votes_on_someone_elses_private_answer_are_refused(fake, bot):
    asked = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?", "private": True}, user_id=ASKER)
    await asked.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    vote = next(c for c in custom_ids(asked.original) if c.startswith("sb:vote:"))
    crafted = await fake.click(asked.original, vote, user_id=OTHER_MEMBER)
    reply = await crafted.wait_for(timeout=10)
    assert reply["content"] == messages.PRIVATE_NOT_YOURS and reply["flags"] & EPHEMERAL


async def settings(fake, options: dict):
    """/settings as a crafted client could send it: values Discord's own checks would have stopped."""
    command = fake.find_command("settings", guild_id=GUILD)
    data = {"id": command["id"], "name": "settings", "type": 1, "guild_id": str(GUILD),
            "options": [{"name": k, "type": 4, "value": v} for k, v in options.items()]}  # fmt: skip
    payload = fake.interaction_payload(APPLICATION_COMMAND, data, guild_id=GUILD, user_id=ASKER,
                                       permissions=MANAGE_GUILD)  # fmt: skip
    interaction = await fake.deliver(payload)
    return await interaction.wait_for(timeout=10)


@pytest.mark.parametrize(("options", "option"), [({"excerpts": -3}, "excerpts"), ({"cooldown": 10**12}, "cooldown")])
async def test_crafted_settings_values_are_refused_and_asking_still_works(fake, bot, options, option):
    reply = await settings(fake, options)
    assert reply["flags"] & EPHEMERAL and option in reply["content"] and "Sorry" not in reply["content"]
    asked = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?"})
    answer = await asked.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    assert not asked.errors and answer["embeds"][0]["fields"]


async def test_start_without_a_network_is_one_line_and_no_voice_warning(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\ndiscord:\n  api_base_url: http://127.0.0.1:9/api/v10\n"
        "  gateway_url: ws://127.0.0.1:9/\n",
        encoding="utf-8",
    )
    env = bot_env(tmp_path / "data")
    for command in ("sync", "run"):
        done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", command, "--config", str(config)],
                                       env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        lines = [line for line in done.stderr.splitlines() if line.strip() and " | " not in line]  # not log lines
        assert done.returncode == 1, done.stderr
        assert len(lines) == 1 and "cannot reach Discord at http://127.0.0.1:9/api/v10" in lines[0], done.stderr
        assert "Traceback" not in done.stderr and "PyNaCl" not in done.stderr and TOKEN not in done.stderr


async def test_an_article_whose_id_is_longer_than_a_choice_can_be_picked(fake, bot):
    offered = await (await fake.send_command("source", {"article": "a_very"}, focused="article")).wait_for(timeout=10)
    value = next(c["value"] for c in offered["choices"] if c["name"].startswith("Wombats"))
    assert len(value) <= 100 < len(f"week1/{LONG_NAME}")
    card = await (await fake.send_command("source", {"article": value})).wait_for(timeout=10)
    assert card.get("embeds") and card["embeds"][0]["title"] == "Wombats", card
    asked = await fake.send_command("ask", {"question": "How do wombats dig burrows?", "article": value})
    answer = await asked.wait_for(lambda m: bool(m.get("embeds")) or bool(m.get("content")), timeout=15)
    assert "front claws" in json.dumps(answer, ensure_ascii=False), answer
    passages = await (await fake.send_command("source", {"passage": "wombats dig"}, focused="passage")).wait_for(
        timeout=10)  # fmt: skip
    value = next(c["value"] for c in passages["choices"] if c["name"].startswith("Wombats"))
    shown = await (await fake.send_command("source", {"passage": value})).wait_for(timeout=10)
    assert "front claws" in json.dumps(shown.get("embeds"), ensure_ascii=False), shown


async def test_another_process_holding_the_database_lock_gets_try_again_in_time(fake, bot):
    """A writer elsewhere (a terminal's `studybot library add`) holds SQLite's write lock for seconds: a
    write waits behind it and what follows on the bot's connection waits behind the write; still every
    command answers inside Discord's 3 s, asking to try again, and works once the lock is let go."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(bot.data_dir / "studybot.sqlite3", isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(20)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 10)
        sent = [await fake.send_command("settings", {"excerpts": 2}, permissions=MANAGE_GUILD, user_id=ASKER)]
        sent.append(await fake.send_command("library list", permissions=MANAGE_GUILD, user_id=ASKER))
        replies = [await interaction.wait_for(timeout=10) for interaction in sent]
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 20)
    for interaction, reply in zip(sent, replies, strict=True):
        assert interaction.first_response_after < 3 and reply["content"] == messages.STORAGE_DOWN
    saved = await fake.send_command("settings", {"excerpts": 2}, permissions=MANAGE_GUILD, user_id=ASKER)
    assert (await saved.wait_for(timeout=15))["content"] != messages.STORAGE_DOWN  # the store is back


async def test_the_database_folder_deleted_while_running_is_said_not_hidden(fake, bot):
    """Last in this module: the bot's data folder (database and saved index) disappears under it."""
    shutil.rmtree(bot.data_dir)
    manager = await fake.send_command("settings", {"excerpts": 2}, permissions=MANAGE_GUILD, user_id=ASKER)
    refused = await manager.wait_for(timeout=15)
    assert refused["content"] == messages.STORAGE_DOWN and refused["flags"] & EPHEMERAL  # never "Settings saved."
    asked = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?"}, user_id=OTHER_MEMBER)
    answer = await asked.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    assert "Tsygankov" in json.dumps(answer["embeds"]) and answer["content"] == messages.NOT_SAVED_NOTE
    assert not custom_ids(answer) and len(asked.edits) == 1 and not asked.followups  # once, without buttons
    again = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?"}, user_id=ASKER)
    await again.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    log = bot.log_text()
    database = str(bot.data_dir / "studybot.sqlite3")
    assert database in log and log.count("Traceback") == 0
    assert sum(database in line and "ERROR" in line for line in log.splitlines()) <= 2  # once per outage
