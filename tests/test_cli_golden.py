"""`studybot ask/source/eval --json` on the bundled corpus, compared with a recording.

The recording (tests/data/golden/cli-json.json) pins what outside tools read. A change that alters
it on purpose (better answers, a new field) re-records it in the same commit and says why:

    python -m tests.test_cli_golden --record
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import yaml

from bot.cli import main

DATA = Path(__file__).resolve().parent / "data"
RECORDING = DATA / "golden" / "cli-json.json"
QUESTION_SETS = ("dev-questions.yaml", "heldout-questions.yaml")


def _cli_json(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    return f"exit {code}\n{out.getvalue()}"


def cli_outputs() -> dict[str, str]:
    """Every recorded command line and what it printed."""
    commands: list[tuple[str, ...]] = []
    for name in QUESTION_SETS:
        questions = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["questions"]
        commands += [("ask", q["q"]) for q in questions]
        commands.append(("eval", str(DATA / name)))
    articles = json.loads(_cli_json("source").split("\n", 1)[1])["articles"]
    commands.append(("source",))
    for article in articles:
        commands.append(("source", article["id"]))
    for article in articles:
        for marker in _markers(article["id"]):
            commands.append(("source", article["id"], marker))
        for n in range(1, article["passages"] + 1):
            commands.append(("source", "--passage", f"{article['id']}:{n}"))
    def relative(text: str) -> str:
        return text.replace(str(DATA), "<tests/data>")

    return {relative(" ".join(c)): relative(_cli_json(*c)) for c in commands}


def _markers(article_id: str) -> list[str]:
    from bot.config import Settings
    from bot.library import open_library
    from bot.wiring import library_options

    article = open_library(library_options(Settings())).article(article_id)
    return [f.marker for f in article.footnotes] if article else []


def test_cli_json_matches_the_recording():
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))
    now = cli_outputs()
    assert sorted(now) == sorted(recorded)
    changed = [command for command in recorded if now[command] != recorded[command]]
    assert not changed, f"{len(changed)} outputs differ from the recording, first: {changed[0]}"


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    RECORDING.write_text(json.dumps(cli_outputs(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"recorded {RECORDING}")
