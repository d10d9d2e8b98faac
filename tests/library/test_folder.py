"""The corpus folder: subfolders, ids by relative path, manifest keys by relative path, files that
cannot be opened, per-format size caps."""

from __future__ import annotations

import os
import pathlib
import shutil
from pathlib import Path

import pytest

from bot.config import bundled_corpus_dir
from bot.core.engine import Engine
from bot.ingest.formats import readable_suffixes
from bot.ingest.options import IngestOptions
from bot.library import CorpusError, load_corpus
from bot.library.saved import LibraryOptions, fingerprint, stat_key

ARTICLE = "A reading on {topic}\n\nThe seminar discussed {topic} at length and with care.\n"


def _write(folder: Path, relative: str, topic: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(topic=topic), encoding="utf-8")
    return path


@pytest.fixture
def weeks(tmp_path: Path) -> Path:
    _write(tmp_path, "intro.txt", "syllabus")
    _write(tmp_path, "week1/reading.md", "treaties")
    _write(tmp_path, "week2/reading.txt", "volcanoes")
    _write(tmp_path, "week2/extra/deep.txt", "glaciers")
    _write(tmp_path, ".git/notes.txt", "secrets")  # a hidden folder is no reading
    return tmp_path


def test_subfolders_are_read_with_the_relative_path_in_the_id(weeks):
    corpus = load_corpus(weeks)
    assert [a.id for a in corpus.articles] == ["intro", "week1/reading", "week2/extra/deep", "week2/reading"]
    assert corpus.warnings == ()
    engine = Engine(corpus)
    top = engine.ask("volcanoes").excerpts[0]
    assert top.passage.id == "week2/reading:1" and top.article.id == "week2/reading"
    lookup = engine.passage("week1/reading:1")
    assert lookup is not None and "treaties" in lookup.passage.text


def test_manifest_keys_name_files_by_relative_path(weeks):
    (weeks / "manifest.yaml").write_text(
        "articles:\n  week1/reading.md: {title: Treaties of Westphalia, author: Ann Wilson}\n"
        "  intro.txt: {title: The syllabus}\n  week3/missing.txt: {title: Gone}\n",
        encoding="utf-8",
    )
    corpus = load_corpus(weeks)
    assert (corpus.article("week1/reading").title, corpus.article("week1/reading").author) == (
        "Treaties of Westphalia",
        "Ann Wilson",
    )
    assert corpus.article("intro").title == "The syllabus"
    assert corpus.article("week2/reading").title == "A reading on volcanoes"
    assert [str(w) for w in corpus.warnings] == [
        "manifest.yaml: names week3/missing.txt, which is not in the corpus folder"
    ]


def test_unread_formats_are_named_with_the_formats_we_read(weeks):
    (weeks / "week1" / "slides.key").write_bytes(b"PK\x03\x04 keynote")
    (weeks / "week1" / ".DS_Store").write_bytes(bytes(32))
    corpus = load_corpus(weeks)
    we_read = ", ".join(readable_suffixes())  # grows as readers are added
    assert [(w.path, w.message) for w in corpus.warnings] == [
        ("week1/slides.key", f"skipped: not a format Studybot reads (it reads {we_read})")
    ]
    assert ".txt" in we_read and ".md" in we_read
    assert len(corpus.articles) == 4


def test_ids_stay_unique_and_free_of_colons(tmp_path):
    _write(tmp_path, "reading.txt", "treaties")
    _write(tmp_path, "reading.md", "volcanoes")
    _write(tmp_path, "notes: week 3.txt", "glaciers")
    corpus = load_corpus(tmp_path)
    ids = [a.id for a in corpus.articles]
    assert ids == ["notes_ week 3", "reading", "reading.txt"]  # path order: reading.md comes first
    assert all(p.id.count(":") == 1 for p in corpus.passages)
    assert [str(w) for w in corpus.warnings] == [
        "reading.txt: another file has its name; its article id is reading.txt"
    ]


def _refuse(monkeypatch, method: str, locked: Path) -> None:
    """Path.<method> raises PermissionError for one file, as for a mode-000 file (which root can read)."""
    real = getattr(pathlib.Path, method)

    def refusing(self, *args, **kwargs):
        if Path(self) == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, method, refusing)


def test_a_file_that_cannot_be_opened_is_a_warning_never_a_crash(weeks, monkeypatch, tmp_path):
    """Refused where every reader and the fingerprint open files (Path.open; read_bytes uses it)."""
    _refuse(monkeypatch, "open", weeks / "week1" / "reading.md")
    options = LibraryOptions(corpus_path=weeks, data_dir=tmp_path / "data")
    key = fingerprint(options)  # the saved-index fingerprint does not crash either
    corpus = load_corpus(weeks)
    assert [str(w) for w in corpus.warnings] == ["week1/reading.md: skipped: cannot be read: Permission denied"]
    assert len(corpus.articles) == 3
    monkeypatch.undo()
    assert fingerprint(options) != key  # readable again: the saved index is rebuilt


def test_an_unreadable_manifest_is_a_warning_and_the_corpus_loads(weeks, monkeypatch):
    manifest = weeks / "manifest.yaml"
    manifest.write_text("articles: {}\n", encoding="utf-8")
    _refuse(monkeypatch, "read_text", manifest)
    corpus = load_corpus(weeks)
    assert len(corpus.articles) == 4
    assert [str(w) for w in corpus.warnings] == [
        "manifest.yaml: cannot be read (Permission denied); the corpus loads without it"
    ]


# ---------------------------------------------------------------- a manifest in a subfolder


def test_a_subfolders_manifest_describes_that_subfolders_files(weeks):
    """A librarian's week1/manifest.yaml was skipped as 'not a format Studybot reads'."""
    (weeks / "week1" / "manifest.yaml").write_text(
        "articles:\n  reading.md: {title: Treaties of Westphalia, author: Ann Wilson}\n", encoding="utf-8"
    )
    (weeks / "week2" / "manifest.yaml").write_text("articles:\n  extra/deep.txt: {date: 2019-05-02}\n", "utf-8")
    corpus = load_corpus(weeks)
    week1 = corpus.article("week1/reading")
    assert (week1.title, week1.author) == ("Treaties of Westphalia", "Ann Wilson")
    assert corpus.article("week2/extra/deep").date == "2019-05-02"
    assert corpus.article("week2/reading").title == "A reading on volcanoes"
    assert corpus.warnings == ()
    assert len(corpus.articles) == 4  # no manifest became an article


def test_top_level_keys_into_a_subfolder_still_work_beside_its_manifest_and_a_conflict_names_both(weeks):
    (weeks / "manifest.yaml").write_text(
        "articles:\n  week1/reading.md: {title: Westphalia, date: 2020-01-02, author: Ann Wilson}\n"
        "  week2/reading.txt: {title: Volcanoes}\n",
        encoding="utf-8",
    )
    (weeks / "week1" / "manifest.yaml").write_text(
        "articles:\n  reading.md: {title: Treaties of Westphalia, author: Ann Wilson}\n", encoding="utf-8"
    )
    corpus = load_corpus(weeks)
    week1 = corpus.article("week1/reading")
    assert (week1.title, week1.author, week1.date) == ("Treaties of Westphalia", "Ann Wilson", "2020-01-02")
    assert corpus.article("week2/reading").title == "Volcanoes"
    assert [str(w) for w in corpus.warnings] == [  # the same author in both is no conflict
        "week1/manifest.yaml: gives reading.md the title 'Treaties of Westphalia', but manifest.yaml gives it "
        "'Westphalia' (as week1/reading.md); the title given here is used"
    ]


def test_a_subfolders_manifest_naming_a_missing_file_says_its_keys_are_inside_it(weeks):
    (weeks / "week1" / "manifest.yaml").write_text(
        "articles:\n  week1/reading.md: {title: Treaties}\n  ./week1/reading.md: {author: Ann}\n"
        "  notes.md: {title: Notes}\n", encoding="utf-8"
    )
    corpus = load_corpus(weeks)
    assert corpus.article("week1/reading").title == "A reading on treaties"
    assert [str(w) for w in corpus.warnings] == [
        "week1/manifest.yaml: names week1/reading.md, which is not in week1/ "
        "(its keys are paths inside week1/: write reading.md)",
        "week1/manifest.yaml: names ./week1/reading.md, which is not in week1/ "
        "(its keys are paths inside week1/: write reading.md)",
        "week1/manifest.yaml: names notes.md, which is not in week1/",
    ]


def test_a_broken_subfolder_manifest_is_a_corpus_error_naming_it_and_the_line(weeks):
    path = weeks / "week2" / "manifest.yaml"
    path.write_text("articles:\n  reading.txt: {title: !!int one}\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(weeks)
    assert str(caught.value) == f"{path}, line 2, column 24: not valid YAML: 'one' is not a valid !!int"


def test_changing_a_subfolders_manifest_changes_the_fingerprint(weeks, tmp_path):
    options = LibraryOptions(corpus_path=weeks, data_dir=tmp_path / "data")
    before = stat_key(options), fingerprint(options)
    (weeks / "week1" / "manifest.yaml").write_text("articles:\n  reading.md: {title: Treaties}\n", "utf-8")
    added = stat_key(options), fingerprint(options)
    assert added[0] != before[0] and added[1] != before[1]  # the watched folder reloads, the saved index rebuilds
    (weeks / "week1" / "manifest.yaml").write_text("articles:\n  reading.md: {title: Treaties!}\n", "utf-8")
    assert fingerprint(options) != added[1]


# ---------------------------------------------------------------- a manifest that is no YAML: one line


def manifest_error(folder: Path, text: str) -> str:
    """The corpus error a folder's manifest.yaml of `text` stops loading with."""
    (folder / "manifest.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(folder)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (  # the brace left open on line 2 shows on line 3
            "articles:\n  intro.txt: {title: One\n  week2/reading.txt: {title: Two}\n",
            "line 3, column 20: not valid YAML: while parsing a flow mapping that starts at line 2, column 14, "
            "expected ',' or '}', but got ':'",
        ),
        (
            "articles:\n  intro.txt:\n    title: Treaties: a history\n",
            "line 3, column 20: not valid YAML: mapping values are not allowed here",
        ),
        (
            "articles:\n  intro.txt: {title: One}\n  intro.txt: {title: Two}\n",
            "line 3: duplicate key 'intro.txt' (first defined on line 2)",
        ),
        (
            "articles:\n\tintro.txt: {title: One}\n",
            "line 2, column 1: not valid YAML: tabs are not allowed for indentation in YAML; indent with spaces",
        ),
        (
            "articles:\n  intro.txt: {title: One\x07}\n",
            "line 2, column 25: not valid YAML: the character #x0007 is not allowed",
        ),
    ],
    ids=["unclosed", "colon", "twice", "tab", "control"],
)
def test_a_manifest_that_is_no_yaml_is_one_line_naming_file_line_and_column(weeks, text, said):
    assert manifest_error(weeks, text) == f"{weeks / 'manifest.yaml'}, {said}"


def test_a_manifest_that_is_not_utf8_is_one_line_naming_file_and_line(weeks):
    path = weeks / "manifest.yaml"
    path.write_bytes("articles:\n  intro.txt: {title: Café}\n".encode("cp1252"))
    with pytest.raises(CorpusError) as caught:
        load_corpus(weeks)
    assert str(caught.value) == f"{path}, line 2: not UTF-8 text (the byte 0xe9); save the file as UTF-8"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "articles:\n  intro.txt: {title: One}\n  week1/reading.md:\n    titel: Treaties\n",
            "line 4: week1/reading.md: unknown key 'titel' (expected one of: title, author, date, publication, "
            "url, language)",
        ),
        (
            "articles:\n  intro.txt:\n    title: One\n    date: 2017-13-45\n",
            "line 4: intro.txt: 'date' must be a date written YYYY-MM-DD, not '2017-13-45'",
        ),
        (
            "articles:\n  intro.txt:\n    title:\n      - A\n      - B\n",
            "line 4: intro.txt: 'title' must be text, not ['A', 'B']",
        ),
        ("articles:\n  intro.txt: {title: One}\n\n  week2/reading.txt: {language: EN}\n",
         "line 4: week2/reading.txt: 'language' must be a two-letter ISO 639-1 code (en, de, ru …), not 'EN'"),
        ("articles:\n  intro.txt: {url: 'javascript:alert(1)'}\n",
         "line 2: intro.txt: 'url' must be a web address (https://…)"),
        ("articles:\n  intro.txt: {title: '  '}\n", "line 2: intro.txt: 'title' cannot be empty"),
        ("articles:\n  intro.txt: One\n", "line 2: intro.txt: expected a mapping of title, author, date, "
         "publication, url, language"),
        ("articles:\n  - intro.txt\n", "line 2: articles must map file names to metadata"),
        ("articles: {}\ntitles: {}\n", "line 2: expected a mapping with one key, articles"),
    ],
    ids=["typo", "date", "list", "language", "url", "empty-title", "not-a-mapping", "articles-a-list", "second-key"],
)
def test_a_bad_manifest_value_names_file_line_and_key(weeks, text, said):
    """Before, no line: "manifest.yaml: articles.week1/reading.md.titel", dots of file names and keys run together."""
    assert manifest_error(weeks, text) == f"{weeks / 'manifest.yaml'}, {said}"


def test_a_subfolder_manifest_key_written_with_dot_slash_names_the_file_beside_it(weeks):
    (weeks / "week1" / "manifest.yaml").write_text("articles:\n  ./reading.md: {title: Treaties}\n", "utf-8")
    (weeks / "manifest.yaml").write_text("articles:\n  ./week2/./reading.txt: {title: Volcanoes}\n", "utf-8")
    corpus = load_corpus(weeks)
    assert corpus.article("week1/reading").title == "Treaties"
    assert corpus.article("week2/reading").title == "Volcanoes"
    assert corpus.warnings == ()


def test_a_manifest_key_outside_its_folder_is_named_as_not_allowed(weeks):
    (weeks / "week1" / "manifest.yaml").write_text(
        "articles:\n  ../intro.txt: {title: Syllabus}\n  reading.md: {title: Treaties}\n", encoding="utf-8"
    )
    (weeks / "manifest.yaml").write_text(f"articles:\n  {weeks / 'intro.txt'}: {{title: Abs}}\n", "utf-8")
    corpus = load_corpus(weeks)
    assert corpus.article("intro").title == "A reading on syllabus"  # neither is used
    assert corpus.article("week1/reading").title == "Treaties"
    assert [str(w) for w in corpus.warnings] == [
        f"manifest.yaml: names {weeks / 'intro.txt'}, an absolute path; a manifest describes only the files of "
        "its own folder and the folders under it, by their paths inside it; the entry is ignored",
        "week1/manifest.yaml: names ../intro.txt, which is outside week1/; a manifest describes only the files "
        "of its own folder and the folders under it, by their paths inside it; the entry is ignored",
    ]


def test_a_manifest_that_is_a_broken_link_is_named_and_the_corpus_loads(weeks):
    os.symlink(weeks / "gone.yaml", weeks / "week1" / "manifest.yaml")
    corpus = load_corpus(weeks)
    assert len(corpus.articles) == 4
    assert [str(w) for w in corpus.warnings] == [
        "week1/manifest.yaml: cannot be read (a broken link); the corpus loads without it"
    ]


def test_a_broken_link_and_a_fifo_are_named_and_never_opened(weeks, tmp_path):
    os.symlink(weeks / "gone.txt", weeks / "week1" / "link.txt")
    os.mkfifo(weeks / "week2" / "pipe.txt")  # opening it would block for ever
    corpus = load_corpus(weeks)
    warned = {w.path: w.message for w in corpus.warnings}
    assert warned == {
        "week1/link.txt": "skipped: cannot be read (a broken link)",
        "week2/pipe.txt": "skipped: not a regular file (a pipe, socket or device)",
    }
    assert len(corpus.articles) == 4
    fingerprint(LibraryOptions(corpus_path=weeks, data_dir=tmp_path / "data"))  # returns: the FIFO is not read


def test_a_linked_folder_is_read_and_a_link_back_is_named_once(weeks, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # outside the corpus folder
    (elsewhere / "extra.txt").write_text("Extra reading\n\nQuokkas live on Rottnest Island.\n", encoding="utf-8")
    os.symlink(elsewhere, weeks / "week1" / "more")
    os.symlink(weeks, weeks / "week2" / "again")  # a loop back to the top
    corpus = load_corpus(weeks)
    assert corpus.article("week1/more/extra") is not None and len(corpus.articles) == 5
    assert [str(w) for w in corpus.warnings] == ["week2/again/: skipped: a link to a folder that is read already"]


def test_moving_a_file_between_subfolders_changes_the_fingerprint(weeks, tmp_path):
    options = LibraryOptions(corpus_path=weeks, data_dir=tmp_path / "data")
    before = fingerprint(options)
    (weeks / "week3").mkdir()
    shutil.move(weeks / "week2" / "reading.txt", weeks / "week3" / "reading.txt")
    assert fingerprint(options) != before


def test_size_caps_are_per_format_and_name_their_setting(tmp_path):
    (tmp_path / "long.md").write_text("A long one\n\n" + "The seminar read on. " * 100, encoding="utf-8")
    (tmp_path / "short.txt").write_text(ARTICLE.format(topic="treaties"), encoding="utf-8")
    corpus = load_corpus(tmp_path, options=IngestOptions(max_bytes={"md": 1000}))
    assert [a.id for a in corpus.articles] == ["short"]
    assert [str(w) for w in corpus.warnings] == ["long.md: skipped: 2,112 bytes is over ingest.max_bytes.md (1,000)"]
    legacy = load_corpus(tmp_path, max_file_bytes=1000)  # corpus.max_file_bytes caps .txt and .md, as before
    assert [str(w) for w in legacy.warnings] == ["long.md: skipped: 2,112 bytes is over corpus.max_file_bytes (1,000)"]


def test_default_caps_let_a_long_text_through():
    options = IngestOptions()
    assert options.max_bytes_for("txt") == (5_000_000, "ingest.max_bytes.txt")
    assert options.max_bytes_for("pdf") == (50_000_000, "ingest.max_bytes.pdf")
    assert options.max_bytes_for("html") == (10_000_000, "ingest.max_bytes.html")
    assert IngestOptions(text_max_bytes=2_000_000).max_bytes_for("md") == (2_000_000, "corpus.max_file_bytes")


def test_the_bundled_corpus_loads_as_before():
    corpus = load_corpus(bundled_corpus_dir())
    assert [a.id for a in corpus.articles] == ["000_4a78ec43d6a1d967", "002_845548aa095cdc9a"]
