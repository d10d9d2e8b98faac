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
from bot.library import load_corpus
from bot.library.saved import LibraryOptions, fingerprint

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
