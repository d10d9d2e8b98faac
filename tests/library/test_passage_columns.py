"""A library read from its folder holds each article's passages as columns (packed.PassageColumns):
they cross from the reading pool as columns, never as Passage objects, read back as the very passages
the plain path makes, and save to the same bytes."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from bot.config import bundled_corpus_dir
from bot.core.models import Corpus, Passage, with_article_id
from bot.core.versions import with_version
from bot.ingest.worker import ingest_file
from bot.library import load_corpus, packed
from bot.library.folder import read_manifest, scan_folder
from tests.ingest.pdf_fixtures import journal_article

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copytree(bundled_corpus_dir(), folder, dirs_exist_ok=True)  # footnotes cited, a manifest
    shutil.copy(DATA / "html" / "news-article.html", folder / "news.html")
    (folder / "journal.pdf").write_bytes(journal_article()[0])  # passages on pages
    return folder


def _plain_articles(folder: Path) -> list:
    """Each file's article as the ingest pipeline makes it: a tuple of Passage objects."""
    manifest = read_manifest(folder)
    files = scan_folder(folder).files
    parsed = (
        ingest_file(f.path.name, f.path.read_bytes(), article_id=f.article_id, path=str(f.path),
                    manifest_entry=manifest.get(f.relative))
        for f in files
    )  # fmt: skip
    return [with_version(p.article) for p in parsed]


def test_articles_cross_as_columns_and_read_back_as_the_plain_passages(folder, monkeypatch):
    corpus = load_corpus(folder, workers=2)  # the text files read in a pool, sent back pickled
    plain = _plain_articles(folder)
    assert any(p.pages for a in plain for p in a.passages) and any(p.footnotes for a in plain for p in a.passages)

    def refuse(passage):
        raise AssertionError(f"{passage.id} pickled as a Passage object")

    monkeypatch.setattr(Passage, "__reduce__", refuse)
    again = pickle.loads(pickle.dumps(corpus.articles))  # as a pool process sends them: no Passage inside
    monkeypatch.undo()
    for article, expected in zip(again, plain, strict=True):
        assert not isinstance(article.passages, tuple)
        assert article == expected
        assert list(article.passages) == list(expected.passages)
        assert all(type(p) is Passage for p in article.passages)
        assert article.passages[1:] == expected.passages[1:] and article.passages[-1] == expected.passages[-1]
        assert with_article_id(article, "renamed") == with_article_id(expected, "renamed")


def test_columns_save_to_the_bytes_the_plain_passages_save_to(folder, tmp_path):
    columnar, plain = tmp_path / "columnar", tmp_path / "plain"
    columnar.mkdir(), plain.mkdir()
    corpus = load_corpus(folder)
    packed.save_corpus(columnar, corpus)
    packed.save_corpus(plain, Corpus(tuple(_plain_articles(folder)), corpus.warnings))
    names = sorted(p.name for p in plain.iterdir())
    assert names == sorted(p.name for p in columnar.iterdir()) and "pages.npy" in names
    for name in names:
        assert (columnar / name).read_bytes() == (plain / name).read_bytes(), name
