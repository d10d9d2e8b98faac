"""`studybot reload`: brings the saved index up to date, then on SQLite signals the bot holding the
database's lock (with none running it says so and fails), on PostgreSQL publishes a notice."""

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


async def test_reload_on_postgresql_reaches_a_bot_listening_on_the_database(capsys, tmp_path, postgres_server):
    """Another process's watcher, listening through its own connection, reloads on the notice."""
    url = await postgres_server.create_database()
    config = _config(tmp_path)
    config.write_text(config.read_text() + f"storage: {{url: '{url}'}}\n", encoding="utf-8")
    options = library_options(load_settings(config))
    (options.corpus_path / "quokkas.md").unlink()
    (options.corpus_path / "onions.md").write_text("# Onions\n\nOnions are bulbs cured in the sun.\n")
    engine, key = load_shared(options)
    libraries = Libraries(engine)
    watcher = FolderWatcher(options, libraries, key, interval=0)  # no polling: only the notice reloads
    async with await open_store(StorageOptions(url)) as store:
        store.on_change(watcher.on_change)
        watching = asyncio.create_task(watcher.run())
        try:
            (options.corpus_path / "quokkas.md").write_text(READING, encoding="utf-8")
            code = await asyncio.to_thread(main, ["reload", "--config", str(config)])
            out, err = capsys.readouterr()
            assert code == 0, err
            assert "Sent a reload notice to every bot on the PostgreSQL database" in out
            for _ in range(100):
                if libraries.shared.article("quokkas") is not None:
                    break
                await asyncio.sleep(0.05)
            assert libraries.shared.article("quokkas") is not None
        finally:
            watching.cancel()
