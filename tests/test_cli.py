"""The command line as a moderator uses it, and its --json contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert set(data) == {"question", "answered", "weak", "matched_terms", "unknown_terms", "named_articles", "excerpts"}
    assert data["answered"] is True and len(data["excerpts"]) == 3
    first = data["excerpts"][0]
    assert set(first) == {"rank", "score", "passage_id", "paragraph", "pages", "page_labels", "article", "text",
                          "quote", "footnotes"}  # fmt: skip
    assert first["pages"] is None and first["page_labels"] is None  # a text file has no pages
    assert set(first["article"]) == ARTICLE_KEYS
    assert "Alexander Grushko" in first["text"] and "**" in first["quote"]
    assert first["footnotes"][0]["marker"] == "v" and set(first["footnotes"][0]) == {"marker", "source", "ibid_of"}
    assert isinstance(first["score"], float) and first["rank"] == 1


def test_ask_text_and_options(capsys):
    code, out, _ = run(capsys, "ask", "reset", "--top-k", "1", "--article", "002_845548aa095cdc9a")
    assert code == 0 and "Rethinking the Reset" in out and "[2]" not in out
    assert run(capsys, "ask", "reset", "--article", "nope")[0] == 2
    code, _, err = run(capsys, "ask", "reset", "--article", "")  # not "every article"
    assert code == 2 and "--article '': no such article" in err
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
    assert set(passage) == {"passage_id", "article", "paragraph", "pages", "page_labels", "text", "footnotes",
                            "previous", "next"}  # fmt: skip
    assert passage["previous"] == "002_845548aa095cdc9a:1" and passage["next"] == "002_845548aa095cdc9a:3"
    assert run(capsys, "source", "000_4a78ec43d6a1d967", "xcix")[0] == 2
    assert run(capsys, "source", "--passage", "x:1")[0] == 2
    code, _, err = run(capsys, "source", "")  # not the list of articles
    assert code == 2 and "no such article ''" in err
    assert run(capsys, "source", "--passage", "")[0] == 2
    assert run(capsys, "source", "000_4a78ec43d6a1d967", "")[0] == 2  # not the article's card


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


def test_a_file_name_that_is_not_utf8_is_skipped_and_named_while_the_rest_loads(capsys, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "quokkas.txt").write_text("Quokkas live on Rottnest Island.\n", encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("A file named in Latin-1.\n", encoding="utf-8")
    where = ("--corpus", str(folder), "--config", str(_config(tmp_path)))
    code, out, err = run(capsys, "index", *where)
    assert code == 0, err
    assert "1 article" in out and "caf\\xe9.txt: skipped: its name is not valid UTF-8; rename the file" in out
    code, out, err = run(capsys, "ask", *where, "Where do quokkas live?")
    assert code == 0 and "Rottnest" in out, err


@pytest.mark.parametrize("date", ["'2017-13-45'", "'2020-02-30'", "'2021-06'", "2017-13-45", "2020-02-30"])
def test_a_manifest_date_that_is_no_day_is_a_corpus_error_naming_file_and_key(capsys, tmp_path, date):
    """Quoted or not: PyYAML's constructor raised on the unquoted one, and the index command crashed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("A reading\n\nThe seminar read about volcanoes.\n", encoding="utf-8")
    (corpus / "manifest.yaml").write_text(f"articles:\n  a.txt: {{date: {date}}}\n", encoding="utf-8")
    code, _, err = run(capsys, "index", "--corpus", str(corpus), "--config", str(_config(tmp_path)))
    written = date.strip("'")
    assert code == 2 and err == (
        f"studybot: corpus error: {corpus / 'manifest.yaml'}, line 2: a.txt: 'date' must be a date written "
        f"YYYY-MM-DD, not '{written}'\n"
    )


def test_missing_corpus_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "ask", "reset", "--corpus", str(tmp_path / "nope"))
    assert code == 2 and "nope: no such folder of articles (the folder comes from --corpus)" in err
    (tmp_path / "notes.txt").write_text("Not a folder.\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {{path: {tmp_path / 'notes.txt'}}}\n", encoding="utf-8")
    code, _, err = run(capsys, "ask", "reset", "--config", str(config))
    assert code == 2 and "notes.txt: a file, not a folder of articles" in err
    assert f"(the folder comes from corpus.path in {config})" in err


def test_eval_json(capsys):
    code, out, _ = run(capsys, "eval", str(DEV_QUESTIONS), "--json")
    report = json.loads(out)
    assert code == 0 and report["hit_at_3"] == 19 and report["negatives_unanswered"] == 3


def test_eval_rejects_a_bad_question_file(capsys, tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text("questions:\n  - {kind: lexical}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and "q.yaml" in err
    for entry, complaint in (("{q: Who, gold: [x], footnote: [ii]}", "questions[1]: unknown key 'footnote'"),
                             ("{q: Who, article: nope, paragraph: 0}", "questions[1]: 'article' nope")):
        bad.write_text(f"questions:\n  - {entry}\n", encoding="utf-8")
        code, _, err = run(capsys, "eval", str(bad))
        assert code == 2 and f"q.yaml, line 2: {complaint}" in err  # the item's line
    bad.write_text("questions: []\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and f"no questions in {bad}" in err


def test_eval_refuses_a_question_given_a_key_twice(capsys, tmp_path):
    """YAML keeps the last of two keys without a word: the first question would be lost unseen."""
    bad = tmp_path / "q.yaml"
    bad.write_text("questions:\n  - q: Who signed the treaty?\n    q: When?\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and err == f"studybot: {bad}, line 3: duplicate key 'q' (first defined on line 2)\n"


def test_a_value_its_tag_cannot_make_is_named_with_file_and_line(capsys, tmp_path):
    """!!int on a word: PyYAML's constructor raised a bare ValueError, and eval and index crashed."""
    bad = tmp_path / "q.yaml"
    bad.write_text("questions:\n  - {q: !!int three, gold: [x]}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and f"{bad}, line 2, column 9: not valid YAML: 'three' is not a valid !!int" in err
    assert len(err.strip().splitlines()) == 1  # one line, as the config and the manifest say it
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("A reading\n\nThe seminar read about volcanoes.\n", encoding="utf-8")
    (corpus / "manifest.yaml").write_text("articles:\n  a.txt: {title: !!float one}\n", encoding="utf-8")
    code, _, err = run(capsys, "index", "--corpus", str(corpus), "--config", str(_config(tmp_path)))
    assert code == 2 and err == (
        f"studybot: corpus error: {corpus / 'manifest.yaml'}, line 2, column 18: not valid YAML: "
        "'one' is not a valid !!float\n"
    )
    assert "corpus error" in err and "line 2" in err


@pytest.mark.parametrize("command", [("index",), ("ask", "Where do quokkas live?"), ("source",)])
def test_a_manifest_with_a_syntax_error_is_one_line_naming_file_line_and_column(capsys, tmp_path, command):
    """PyYAML's message took six lines, with a caret drawing under a quoted line of the file."""
    corpus = tmp_path / "corpus"
    (corpus / "week1").mkdir(parents=True)
    (corpus / "week1" / "q.txt").write_text("Quokkas\n\nQuokkas live on Rottnest Island.\n", encoding="utf-8")
    manifest = corpus / "manifest.yaml"
    manifest.write_text("articles:\n  week1/q.txt:\n    title: Quokkas: an island life\n", encoding="utf-8")
    code, out, err = run(capsys, *command, "--corpus", str(corpus), "--config", str(_config(tmp_path)))
    assert code == 2 and out == "" and err == (
        f"studybot: corpus error: {manifest}, line 3, column 19: not valid YAML: mapping values are not allowed here\n"
    )


def test_a_subfolders_manifest_gives_its_files_their_titles(capsys, tmp_path):
    """week1/manifest.yaml was named as 'not a format Studybot reads' and its titles were not used."""
    corpus = tmp_path / "corpus"
    (corpus / "week1").mkdir(parents=True)
    (corpus / "week1" / "q.txt").write_text("Quokkas\n\nQuokkas live on Rottnest Island.\n", encoding="utf-8")
    (corpus / "week1" / "manifest.yaml").write_text("articles:\n  q.txt: {title: Island Life}\n", "utf-8")
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--config", str(_config(tmp_path)))
    assert code == 0, err
    assert "Island Life" in out and "0 warnings" in out and "warning:" not in out


def test_an_unquoted_date_that_is_no_day_is_read_as_written_in_a_question_file(capsys, tmp_path):
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "questions:\n  - {q: 2017-13-45, gold: [no such words]}\n  - {q: Lavrov at the academy, gold: [2020-02-30]}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "eval", str(questions), "--json")
    assert code == 0 and [m["q"] for m in json.loads(out)["misses"]] == ["2017-13-45", "Lavrov at the academy"]


def test_python_dash_m_bot_runs_fast_without_discord():
    code = (
        "import sys, runpy; sys.argv=['studybot','ask','reset','--json'];"
        "import bot.cli; rc = bot.cli.main(sys.argv[1:]); assert 'discord' not in sys.modules, 'discord imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "reset"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "[1] " in result.stdout and "*reset*" in result.stdout  # an excerpt, highlighted


HEAVY_READER_MODULES = ("pdfminer", "lxml")  # hundreds of ms at start; only PDF, Word, EPUB and HTML need them
# What only building an index, the bot or a server's library needs: an ask from the saved index
# imports none of them (tens of ms each at every start)
BUILD_AND_BOT_MODULES = (
    "asyncio",
    "multiprocessing",
    "concurrent.futures.process",
    "sqlite3",
    "bot.ingest.worker",
    "bot.ingest.pipeline",
    "bot.service.library",
    "bot.service.rules",
    "bot.library.registry",
    "bot.library.watch",
)


def test_ask_imports_no_heavy_reader_and_from_the_saved_index_nothing_of_the_build_or_bot(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("Treaty notes\n\nThe treaty was signed in Paris in 1951.\n", encoding="utf-8")
    (corpus / "essay.md").write_text("# Sanctions\n\nSanctions followed the treaty a year later.\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\ncorpus:\n  path: {corpus}\n", encoding="utf-8")
    code = (
        "import sys, bot.cli; rc = bot.cli.main(sys.argv[1:]);"
        f"print(sorted({{m.partition('.')[0] for m in sys.modules}} & set({HEAVY_READER_MODULES!r})),"
        f" sorted(set(sys.modules) & set({BUILD_AND_BOT_MODULES!r})), sep='\\n')"
    )
    command = [sys.executable, "-c", code, "ask", "--config", str(config), "when was the treaty signed?"]
    for run_ in ("builds the index", "loads the saved index"):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Paris" in result.stdout, run_
        *_, readers, build_and_bot = result.stdout.strip().splitlines()
        assert readers == "[]", f"{run_}: imported {readers}"
    assert build_and_bot == "[]", f"an ask from the saved index imported {build_and_bot}"


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


# ---------------------------------------------------------------- what a newcomer meets first


def test_version(capsys):
    from bot import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"studybot {__version__}"


def test_index_says_where_it_saved_and_speaks_in_proper_plurals(capsys, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    (one / "quokkas.txt").write_text("Quokkas live on Rottnest Island.\n", encoding="utf-8")
    code, out, _ = run(capsys, "index", "--corpus", str(one), "--config", str(_config(tmp_path)))
    assert code == 0 and "1 article, 1 passage, 0 footnotes, 0 warnings" in out
    saved = re.search(r"Saved the index in (\S+) \((.*)\)\.", out)
    assert saved and Path(saved.group(1)).is_dir() and (Path(saved.group(1)) / "fingerprint").exists()
    assert re.search(r"reading articles \d+\.\d s", saved.group(2)) and "in all" in saved.group(2)


def test_index_with_the_reference_engine_says_it_saved_nothing(capsys, tmp_path):
    config = tmp_path / "rank-bm25.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\nsearch: {{engine: rank-bm25}}\n", encoding="utf-8")
    code, out, _ = run(capsys, "index", "--config", str(config))
    assert code == 0 and "Checked the corpus with the rank-bm25 engine, which saves no index" in out
    assert "Saved" not in out and not list((tmp_path / "data").rglob("fingerprint"))


def test_index_says_plainly_when_it_could_not_save_and_fails(capsys, tmp_path, monkeypatch):
    """A data folder that cannot be written: the report still comes, then the reason instead of "Saved"."""
    from bot.library import saved

    real = saved._write_saved

    def refused(folder, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(folder.parent))

    monkeypatch.setattr(saved, "_write_saved", refused)
    code, out, err = run(capsys, "index", "--config", str(_config(tmp_path)))
    assert code == 1 and "2 articles" in out and "Saved" not in out
    assert re.search(rf"could not save the index in {re.escape(str(tmp_path / 'data'))}\S+: Permission denied", err)
    monkeypatch.setattr(saved, "_write_saved", real)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    config = tmp_path / "blocked.yaml"
    config.write_text(f"data_dir: {blocker / 'data'}\n", encoding="utf-8")
    code, out, err = run(capsys, "index", "--config", str(config))
    assert code == 1 and "Saved" not in out and f"could not save the index in {blocker}" in err
    assert run(capsys, "ask", "--config", str(config), "reset")[0] == 0  # answers from memory, as before


def test_source_article_is_the_articles_card(capsys):
    code, out, _ = run(capsys, "source", "002_845548aa095cdc9a")
    assert code == 0 and "Publication: The Moscow Times" in out and "Language:    en" in out
    code, out, _ = run(capsys, "source", "000_4a78ec43d6a1d967")
    assert "Footnotes:   11" in out and "[iii] Ibid. = [ii]" in out and out.count("000_4a78ec43d6a1d967") == 1


def test_a_question_without_words_is_told_so(capsys):
    code, out, _ = run(capsys, "ask", "?!?! 🤔🙏🔥")
    assert code == 0 and "no words to search for" in out and "do not answer" not in out


def test_paragraph_and_passage_id_are_named_plainly(capsys):
    code, out, _ = run(capsys, "ask", "Who heads the Joint Chiefs of Staff?", "--top-k", "1")
    assert re.search(r"¶\d+ · passage 000_4a78ec43d6a1d967:\d+", out)


def test_multi_line_quotes_keep_their_indentation(capsys, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "q.txt").write_text("Title line here\n\nQuokkas habitat\n\nQuokkas live on Rottnest Island.\n", "utf-8")
    code, out, _ = run(capsys, "ask", "Where do quokkas live?", "--corpus", str(folder), "--config",
                       str(_config(tmp_path)))  # fmt: skip
    quote = out[out.index("“") - 4 :].splitlines()[:2]
    assert quote[0].startswith("    “") and quote[1].startswith("    ") and "Rottnest" in quote[1]


def test_a_tab_in_the_config_is_named_in_words(capsys, tmp_path):
    config = tmp_path / "tabbed.yaml"
    config.write_text("discord:\n\tcooldown_seconds: 3\n", encoding="utf-8")
    code, _, err = run(capsys, "ask", "reset", "--config", str(config))
    assert code == 2 and f"{config}, line 2" in err and "tabs are not allowed for indentation" in err


def test_backup_refuses_a_destination_whose_folder_is_missing(capsys, tmp_path):
    typo = tmp_path / "bakups" / "nightly" / "copy.sqlite3"
    config = tmp_path / "config.yaml"
    database = tmp_path / "db.sqlite3"
    config.write_text(f"storage: {{path: {database}}}\n", encoding="utf-8")
    import sqlite3

    sqlite3.connect(database).close()
    code, _, err = run(capsys, "backup", str(typo), "--config", str(config))
    assert code == 1 and f"{typo.parent} is not a folder" in err and not (tmp_path / "bakups").exists()


def test_bash_completion_script_knows_the_commands(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert "complete -o filenames -F _studybot studybot" in script and "ask" in script and "--top-k" in script
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_migrate_export_and_import_round_trip(capsys, tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(f"storage: {{path: {tmp_path / 'a.sqlite3'}}}\n", encoding="utf-8")
    second.write_text(f"storage: {{url: 'sqlite:///{tmp_path / 'b.sqlite3'}'}}\n", encoding="utf-8")
    code, out, _ = run(capsys, "migrate", "--config", str(first))
    assert code == 0 and re.search(r"(Migrated|up to date)", out)
    code, out, _ = run(capsys, "migrate", "--config", str(first))
    assert code == 0 and "is up to date" in out
    dump = tmp_path / "dump.jsonl"
    code, out, _ = run(capsys, "export", str(dump), "--config", str(first))
    assert code == 0 and out.startswith("Exported") and dump.exists()
    code, out, _ = run(capsys, "import", str(dump), "--config", str(second))
    assert code == 0 and out.startswith("Imported")
    code, _, err = run(capsys, "export", str(dump), "--config", str(first))
    assert code == 1 and "already exists" in err


def test_an_excerpt_from_a_pdf_says_its_pages_as_printed(capsys, tmp_path):
    from tests.ingest.pdf_fixtures import book_chapter

    data, truth = book_chapter()
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "chapter.pdf").write_bytes(data)
    first_words = " ".join(truth.paragraphs[-1].split()[:8])
    code, out, _ = run(capsys, "ask", first_words, "--json", "--corpus", str(folder), "--config",
                       str(_config(tmp_path)))  # fmt: skip
    excerpt = json.loads(out)["excerpts"][0]
    assert code == 0 and excerpt["pages"] and len(excerpt["page_labels"]) == len(excerpt["pages"])
    assert set(excerpt["page_labels"]) <= set(truth.page_labels.values())
    code, out, _ = run(capsys, "ask", first_words, "--top-k", "1", "--corpus", str(folder), "--config",
                       str(_config(tmp_path)))  # fmt: skip
    assert re.search(r"¶\d+, pp?\. [0-9xivlc]+", out)
