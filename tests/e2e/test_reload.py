"""The host folder, watched by the real bot (`studybot run` against the fake Discord): a file dropped
in is answered by /ask without a restart; with watching off, SIGHUP (what `studybot reload` sends)
picks a change up at once."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.config import bundled_corpus_dir
from testing.bot_process import GUILD, TOKEN, BotProcess, bot_env, write_config
from tests.support.readings import QUESTION, READING

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def start_bot(fake, folder: Path, watch_seconds: float) -> tuple[BotProcess, Path]:
    corpus = folder / "corpus"
    shutil.copytree(bundled_corpus_dir(), corpus)
    data_dir = folder / "data"
    config = write_config(folder / "config.yaml", fake, data_dir, corpus=corpus, cooldown_seconds=0)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f"corpus: {{path: {corpus}}}",
                                   f"corpus: {{path: {corpus}, watch_seconds: {watch_seconds}}}"))  # fmt: skip
    process = BotProcess(config, data_dir, folder / "bot.log", bot_env(data_dir))
    await process.start(fake)
    return process, corpus


async def stop_bot(process: BotProcess) -> None:
    code = await process.stop()
    assert code == 0, process.log_text()[-3000:]
    assert TOKEN not in process.log_text()


async def answered(fake) -> bool:
    interaction = await fake.send_command("ask", {"question": QUESTION}, guild_id=GUILD)
    reply = await interaction.wait_for(timeout=15)
    assert not interaction.errors and interaction.first_response_after < 3
    return "twelve thousand" in json.dumps(reply, ensure_ascii=False)


async def answered_within(fake, seconds: float) -> float | None:
    """Seconds until /ask answers from the new file (asking every half second), None if not in time."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await answered(fake):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


async def test_a_file_dropped_into_the_host_folder_is_answered_without_a_restart(fake, tmp_path):
    process, corpus = await start_bot(fake, tmp_path, watch_seconds=1)
    try:
        assert not await answered(fake)
        (corpus / "quokkas.md").write_text(READING, encoding="utf-8")
        took = await answered_within(fake, 10)
        assert took is not None, process.log_text()[-3000:]
        assert "reloaded the corpus folder" in process.log_text() and "added quokkas" in process.log_text()
        (corpus / "quokkas.md").unlink()  # and gone again once removed
        deadline = time.monotonic() + 10
        while await answered(fake) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert not await answered(fake), process.log_text()[-3000:]
    finally:
        await stop_bot(process)


async def test_sighup_picks_a_change_up_at_once_with_watching_off(fake, tmp_path):
    process, corpus = await start_bot(fake, tmp_path, watch_seconds=0)
    try:
        (corpus / "quokkas.md").write_text(READING, encoding="utf-8")
        await asyncio.sleep(1.5)
        assert not await answered(fake)  # nobody watches
        process.process.send_signal(signal.SIGHUP)
        took = await answered_within(fake, 10)
        assert took is not None, process.log_text()[-3000:]
        assert process.process.returncode is None  # SIGHUP reloads; it does not stop the bot

        (corpus / "quokkas.md").unlink()  # `studybot reload` finds the bot by its lock and signals it
        reload = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "reload", "--config", str(process.config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=process.env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(reload.communicate(), 60)
        assert reload.returncode == 0, err.decode()
        assert f"Asked the bot (process {process.process.pid}) to reload" in out.decode()
        deadline = time.monotonic() + 10
        while await answered(fake) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert not await answered(fake), process.log_text()[-3000:]
        assert "removed quokkas" in process.log_text()
    finally:
        await stop_bot(process)
