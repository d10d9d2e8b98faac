"""The command line as a moderator uses it, and its --json contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.cli import main

DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev-questions.yaml"
ARTICLE_KEYS = {"id", "title", "author", "date", "url"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_contract(capsys):
    code, out, _ = run(capsys, "ask", "Who is Russia's ambassador to NATO?", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"question", "answered", "weak", "matched_terms", "unknown_terms", "excerpts"}
    assert data["answered"] is True and len(data["excerpts"]) == 3
    first = data["excerpts"][0]
    assert set(first) == {"rank", "score", "passage_id", "paragraph", "article", "text", "quote", "footnotes"}
    assert set(first["article"]) == ARTICLE_KEYS
    assert "Alexander Grushko" in first["text"] and "**" in first["quote"]
    assert first["footnotes"][0]["marker"] == "v" and set(first["footnotes"][0]) == {"marker", "source", "ibid_of"}
    assert isinstance(first["score"], float) and first["rank"] == 1


def test_ask_text_and_options(capsys):
    code, out, _ = run(capsys, "ask", "reset", "--top-k", "1", "--article", "002_845548aa095cdc9a")
    assert code == 0 and "Rethinking the Reset" in out and "[2]" not in out
    assert run(capsys, "ask", "reset", "--article", "nope")[0] == 2
    assert run(capsys, "ask", "reset", "--top-k", "0")[0] == 2
    assert run(capsys, "ask", "   ")[0] == 2


def test_unanswered_question_says_so(capsys):
    code, out, _ = run(capsys, "ask", "Give me a recipe for pancakes")
    assert code == 0 and "do not answer" in out.lower() and "pancakes" in out


def test_source_forms(capsys):
    data = json.loads(run(capsys, "source", "--json")[1])
    assert [a["id"] for a in data["articles"]] == ["000_4a78ec43d6a1d967", "002_845548aa095cdc9a"]
    assert data["articles"][0]["footnotes"] == 11
    assert set(data["articles"][0]) == ARTICLE_KEYS | {"passages", "footnotes"}
    note = json.loads(run(capsys, "source", "000_4a78ec43d6a1d967", "iii", "--json")[1])
    assert note["ibid_of"] == "ii" and note["cited_by"] == ["000_4a78ec43d6a1d967:5"]
    assert set(note) == {"article", "marker", "source", "ibid_of", "cited_by"}
    passage = json.loads(run(capsys, "source", "--passage", "002_845548aa095cdc9a:2", "--json")[1])
    assert set(passage) == {"passage_id", "article", "paragraph", "text", "footnotes", "previous", "next"}
    assert passage["previous"] == "002_845548aa095cdc9a:1" and passage["next"] == "002_845548aa095cdc9a:3"
    assert run(capsys, "source", "000_4a78ec43d6a1d967", "xcix")[0] == 2
    assert run(capsys, "source", "--passage", "x:1")[0] == 2


def test_index_reports_counts_and_warnings(capsys, tmp_path):
    code, out, _ = run(capsys, "index", "--config", str(_config(tmp_path)))
    assert code == 0
    assert "2 articles" in out and "11 footnotes" in out and "warning:" in out


def test_index_fails_when_nothing_loads(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.txt").write_bytes(b"")
    code, out, _ = run(capsys, "index", "--corpus", str(empty), "--config", str(_config(tmp_path)))
    assert code == 1 and "x.txt" in out


def test_missing_corpus_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "ask", "reset", "--corpus", str(tmp_path / "nope"))
    assert code == 2 and "nope" in err


def test_eval_json(capsys):
    code, out, _ = run(capsys, "eval", str(DEV_QUESTIONS), "--json")
    report = json.loads(out)
    assert code == 0 and report["hit_at_3"] == 19 and report["negatives_unanswered"] == 3


def test_eval_rejects_a_bad_question_file(capsys, tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text("questions:\n  - {kind: lexical}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and "q.yaml" in err


def test_python_dash_m_bot_runs_fast_without_discord():
    code = (
        "import sys, runpy; sys.argv=['studybot','ask','reset','--json'];"
        "import bot.cli; rc = bot.cli.main(sys.argv[1:]); assert 'discord' not in sys.modules, 'discord imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "reset"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Rethinking the Reset" in result.stdout


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return config


def test_progress_bar_draws_on_a_terminal_only():
    import io

    from bot.cli import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen, pipe = Terminal(), io.StringIO()
    for stream in (screen, pipe):
        bar = ProgressBar(stream)
        bar("analysing passages", 5, 10)
        bar("analysing passages", 10, 10)
    assert "[###############               ]" in screen.getvalue() and screen.getvalue().endswith("10/10\n")
    assert pipe.getvalue() == ""
