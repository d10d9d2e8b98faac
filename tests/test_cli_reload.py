"""`studybot reload`: brings the saved index up to date, then signals the bot holding the database's
lock; with no bot running it says so and fails."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bot.cli import main
from tests.support.readings import READING

HOLDER = """
import signal, sys, time
from pathlib import Path
from bot.storage.sqlite import exclusive
signal.signal(signal.SIGHUP, lambda *_: Path(sys.argv[2]).write_text("reload"))
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
