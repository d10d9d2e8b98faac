"""`studybot reload`: brings the saved index up to date, then on SQLite signals the bot holding the
database's lock (with none running it says so and fails), on PostgreSQL publishes a notice and counts
the bots that answer it (none: it says so and fails)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bot.cli import main
from bot.config import load_settings
from bot.library.registry import Libraries
from bot.library.watch import FolderWatcher, load_shared
from bot.storage import StorageOptions, open_store
from bot.wiring import library_options
from tests.support.readings import READING

HOLDER = """
import signal, sys, time
from pathlib import Path
from bot.storage.sqlite import exclusive
def on_hup(*_):  # written beside, then renamed: the test never reads a half-written marker
    Path(sys.argv[2] + ".tmp").write_text("reload")
    Path(sys.argv[2] + ".tmp").replace(sys.argv[2])
signal.signal(signal.SIGHUP, on_hup)
with exclusive(Path(sys.argv[1])):
    print("ready", flush=True)
    time.sleep(30)
"""


def _config(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "quokkas.md").write_text(READING, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {{path: {corpus}}}\ndata_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return config


def test_reload_with_no_bot_running_fails_and_says_so(capsys, tmp_path):
    code = main(["reload", "--config", str(_config(tmp_path))])
    out, err = capsys.readouterr()
    assert code == 1 and not out
    assert "no bot is running on" in err and "studybot.sqlite3" in err and "nothing to reload" in err


def test_reload_saves_the_index_and_signals_the_bot_holding_the_lock(capsys, tmp_path):
    config = _config(tmp_path)
    marker = tmp_path / "got-sighup"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "data" / "studybot.sqlite3"),
                               str(marker)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        code = main(["reload", "--config", str(config)])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert f"Rebuilt the index of {tmp_path / 'corpus'}: 1 article, 2 passages, 0 warnings." in out
        assert f"Asked the bot (process {holder.pid}) to reload" in out
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.read_text() == "reload"
        assert main(["reload", "--config", str(config)]) == 0  # the saved index is fresh: only checked
        assert "Checked the index of" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()


def _postgres_config(tmp_path: Path, url: str) -> Path:
    config = _config(tmp_path)
    config.write_text(config.read_text() + f"storage: {{url: '{url}'}}\n", encoding="utf-8")
    return config


async def test_reload_on_postgresql_reaches_every_bot_listening_on_the_database(capsys, tmp_path, postgres_server):
    """Two other processes' watchers, each listening through its own connection, reload on the notice,
    and the command counts the two that answered."""
    url = await postgres_server.create_database()
    config = _postgres_config(tmp_path, url)
    options = library_options(load_settings(config))
    (options.corpus_path / "quokkas.md").unlink()
    (options.corpus_path / "onions.md").write_text("# Onions\n\nOnions are bulbs cured in the sun.\n")
    engine, key = load_shared(options)
    bots = [Libraries(engine), Libraries(engine)]
    watchers = [FolderWatcher(options, bot, key, interval=0) for bot in bots]  # no polling: only the notice
    async with await open_store(StorageOptions(url)) as first, await open_store(StorageOptions(url)) as second:
        for watcher, store in zip(watchers, (first, second), strict=True):
            watcher.follow(store)
        watching = [asyncio.create_task(watcher.run()) for watcher in watchers]
        try:
            (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
            code = await asyncio.to_thread(main, ["reload", "--config", str(config)])
            out, err = capsys.readouterr()
            assert code == 0, err
            assert "2 bots on the PostgreSQL database heard the reload notice" in out
            for _ in range(100):
                if all(bot.shared.article("quokkas") is not None for bot in bots):
                    break
                await asyncio.sleep(0.05)
            assert all(bot.shared.article("quokkas") is not None for bot in bots)
        finally:
            for task in watching:
                task.cancel()


async def test_reload_on_postgresql_with_no_bot_listening_fails_and_says_so(capsys, tmp_path, postgres_server):
    """Nobody answers the notice: the command fails and says so, though the saved index is brought up to date."""
    config = _postgres_config(tmp_path, await postgres_server.create_database())
    code = await asyncio.to_thread(main, ["reload", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Rebuilt the index of" in out
    assert "no bot on the PostgreSQL database answered the reload notice within 2 s" in err
    assert "`studybot run` loads it when it starts" in err
