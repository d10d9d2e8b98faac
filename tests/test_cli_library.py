"""`studybot library …` and `--guild` on ask/source/eval: a server's reading list from the terminal,
over the same database the bot uses. Exit codes: 0 done, 1 refused or failed, 2 usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.readings import QUESTION, READING


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    (tmp_path / "quokkas.md").write_text(READING, encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys, config: Path, guild: str = "5", *extra: str) -> str:
    code, out, err = run(capsys, "library", "add", "--config", str(config), "--guild", guild,
                         str(config.parent / "quokkas.md"), *extra)  # fmt: skip
    assert code == 0, err
    return out


def test_add_list_info_ask_and_remove_over_one_database(capsys, config: Path):
    out = add(capsys, config, "5", "--date", "2023-10", "--url", "https://example.org/quokkas")
    assert out.startswith("Added ‘The Quokka Census’ — 2 passages, 1 footnote. (id ")
    doc_id = out.rsplit("(id ", 1)[1].rstrip(")\n")

    code, out, _ = run(capsys, "library", "list", "--config", str(config), "--guild", "5", "--json")
    (listed,) = json.loads(out)
    assert code == 0 and listed["id"] == doc_id and listed["guild_id"] == "5" and listed["date"] == "2023-10"
    code, out, _ = run(capsys, "library", "info", "--config", str(config), "--guild", "5", doc_id)
    assert code == 0 and "The Quokka Census" in out and "https://example.org/quokkas" in out and doc_id in out
    assert "added by the command line" in out and "Quoted in 0 answers" in out

    code, out, _ = run(capsys, "ask", "--config", str(config), "--guild", "5", QUESTION, "--json")
    found = json.loads(out)
    assert code == 0 and found["answered"] and found["excerpts"][0]["passage_id"].startswith(doc_id)
    code, out, _ = run(capsys, "ask", "--config", str(config), "--guild", "6", QUESTION, "--json")
    assert all(not e["passage_id"].startswith(doc_id) for e in json.loads(out)["excerpts"])
    code, out, _ = run(capsys, "ask", "--config", str(config), QUESTION, "--json")  # no server: shared only
    assert all(not e["passage_id"].startswith(doc_id) for e in json.loads(out)["excerpts"])
    code, out, _ = run(capsys, "library", "info", "--config", str(config), "--guild", "5", doc_id, "--json")
    assert code == 0 and json.loads(out)["stats"] == {"answers": 0, "feedback_up": 0, "feedback_down": 0}
    code, out, _ = run(capsys, "source", "--config", str(config), "--guild", "5", "--json")
    assert doc_id in {a["id"] for a in json.loads(out)["articles"]}

    code, out, err = run(capsys, "library", "info", "--config", str(config), "--guild", "6", doc_id)
    assert code == 1 and "no such document" in err  # another server's id finds nothing
    code, out, _ = run(capsys, "library", "remove", "--config", str(config), "--guild", "5", doc_id)
    assert code == 0 and out == "Removed ‘The Quokka Census’ from this server's reading list.\n"
    code, out, _ = run(capsys, "library", "list", "--config", str(config), "--guild", "5")
    assert code == 0 and out == "Server 5's reading list is empty.\n"
    code, out, err = run(capsys, "library", "remove", "--config", str(config), "--guild", "5", doc_id)
    assert code == 1 and "no such document" in err


def test_remove_takes_the_servers_saved_index_out_of_the_data_folder(capsys, config: Path, tmp_path: Path):
    """A bot saves a large server library in the data folder; `library remove` leaves no copy there that
    holds the removed text (the bot rebuilds it at the server's next question)."""
    from bot.library.saved import server_index_dir

    doc_id = add(capsys, config).rsplit("(id ", 1)[1].rstrip(")\n")
    saved = server_index_dir(tmp_path / "data", 5) / "some-version"
    saved.mkdir(parents=True)
    (saved / "passages.txt").write_text(READING, encoding="utf-8")
    other = server_index_dir(tmp_path / "data", 6) / "some-version"
    other.mkdir(parents=True)
    code, _, err = run(capsys, "library", "remove", "--config", str(config), "--guild", "5", doc_id)
    assert code == 0, err
    assert not server_index_dir(tmp_path / "data", 5).exists() and other.is_dir()


def test_bad_input_is_named_and_exits_nonzero(capsys, config: Path, tmp_path: Path):
    code, _, err = run(capsys, "library", "add", "--config", str(config), "--guild", "5", str(tmp_path / "nope.md"))
    assert code == 2 and "nope.md: cannot read it" in err
    (tmp_path / "tool.exe").write_bytes(b"MZ\x90\x00")
    code, _, err = run(capsys, "library", "add", "--config", str(config), "--guild", "5", str(tmp_path / "tool.exe"))
    assert code == 1 and "I can't add tool.exe: not a format Studybot reads" in err
    code, _, err = run(capsys, "library", "add", "--config", str(config), "--guild", "5",
                       str(tmp_path / "quokkas.md"), "--date", "soon")  # fmt: skip
    assert code == 1 and "`date`" in err
    with pytest.raises(SystemExit) as usage:
        main(["library", "list", "--config", str(config)])  # --guild is required
    assert usage.value.code == 2
    code, out, err = run(capsys, "library", "list", "--config", str(config), "--guild", "5")
    assert code == 0 and "empty" in out  # nothing was stored by the failures


@pytest.mark.parametrize("date", ["2017-13-45", "2020-02-30", "2023-00"])
def test_a_date_not_on_the_calendar_is_refused_and_nothing_stored(capsys, config: Path, date: str):
    code, _, err = run(capsys, "library", "add", "--config", str(config), "--guild", "5",
                       str(config.parent / "quokkas.md"), "--date", date)  # fmt: skip
    assert code == 1 and "`date` must be a real date: 2024, 2024-05 or 2024-05-31." in err
    code, out, _ = run(capsys, "library", "list", "--config", str(config), "--guild", "5")
    assert code == 0 and "empty" in out


@pytest.mark.parametrize("date", ["2024", "2024-02", "2024-02-29"])
def test_a_year_a_month_or_a_day_is_a_date(capsys, config: Path, date: str):
    add(capsys, config, "5", "--date", date)
    code, out, _ = run(capsys, "library", "list", "--config", str(config), "--guild", "5", "--json")
    assert code == 0 and json.loads(out)[0]["date"] == date


def test_a_full_reading_list_refuses_with_the_limit(capsys, config: Path):
    config.write_text(config.read_text() + "library:\n  max_documents: 1\n", encoding="utf-8")
    add(capsys, config)
    (config.parent / "quokkas.md").write_text(READING + "\nAnother line.\n", encoding="utf-8")
    code, _, err = run(capsys, "library", "add", "--config", str(config), "--guild", "5",
                       str(config.parent / "quokkas.md"))  # fmt: skip
    assert code == 1 and "at most 1 documents" in err


@pytest.mark.parametrize("guild", ["99999999999999999999999", str(2**63), "0", "-5", "five"])
def test_a_guild_that_is_not_a_discord_id_is_a_usage_error(capsys, config: Path, guild: str):
    """Discord ids are positive 64-bit integers: anything else is refused before the database is opened."""
    for argv in (["library", "add", str(config.parent / "quokkas.md")], ["library", "list"], ["ask", QUESTION]):
        with pytest.raises(SystemExit) as usage:
            main([*argv, "--config", str(config), "--guild", guild])
        err = capsys.readouterr().err
        assert usage.value.code == 2 and "argument --guild" in err and "server id" in err, argv
    code, out, _ = run(capsys, "library", "list", "--config", str(config), "--guild", str(2**63 - 1))
    assert code == 0 and "empty" in out


def test_eval_of_a_squad_style_question_about_an_upload_names_the_problem(capsys, config: Path, tmp_path: Path):
    """A SQuAD-style question counts paragraphs in the article's file, which an upload does not have on disk."""
    doc_id = add(capsys, config).rsplit("(id ", 1)[1].rstrip(")\n")
    questions = tmp_path / "squad.yaml"
    questions.write_text(f"questions:\n  - {{q: '{QUESTION}', article: '{doc_id}', paragraph: 0}}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", "--config", str(config), "--guild", "5", str(questions))
    assert code == 2 and f"'article' {doc_id}: SQuAD-style questions need an article of the corpus folder" in err
