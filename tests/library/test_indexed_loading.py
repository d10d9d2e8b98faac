"""Passages analysed where their files are read (on every core for a large corpus) build the very
index the engine builds from the loaded corpus: same vocabulary in the same order, same arrays."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.config import bundled_corpus_dir
from bot.core.analysis import analyzer_for
from bot.core.engine import Engine
from bot.core.index import ARRAYS
from bot.core.indexing import IndexBuilder
from bot.core.versions import article_version
from bot.library import load_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
RUSSIAN = """Переговоры о разоружении

Переговоры о сокращении стратегических наступательных вооружений продолжались в Женеве всю осень.

Министр иностранных дел заявил, что разоружение пока подождёт, а санкции останутся в силе.
"""
GERMAN = """Die Verhandlungen

Die Verhandlungen über die Abrüstung wurden im Herbst in Genf fortgesetzt, trotz aller Bedenken.

Der Außenminister erklärte, dass die Sanktionen gegen das Land vorerst in Kraft bleiben würden.
"""


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    shutil.copytree(bundled_corpus_dir(), tmp_path, dirs_exist_ok=True)  # English, footnotes cited
    shutil.copy(DATA / "html" / "news-article.html", tmp_path / "news.html")  # read in a worker process
    (tmp_path / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "blank.txt").write_text("\n\n\n", encoding="utf-8")  # skipped: no article, no run
    return tmp_path


@pytest.mark.parametrize("workers", [0, 2])
def test_the_index_built_while_reading_equals_the_engines_own(mixed, workers):
    builder = IndexBuilder()
    corpus = load_corpus(mixed, workers=workers, index=builder)
    built = builder.build()
    assert {"en", "ru", "de"} <= {a.language for a in corpus.articles}
    assert any(p.footnotes for p in corpus.passages)  # cited sources are indexed with their passages
    assert any("blank.txt" in str(w) for w in corpus.warnings)
    assert corpus == load_corpus(mixed, workers=workers)  # analysing changes nothing loaded
    assert corpus == load_corpus(mixed, workers=2 - workers)  # nor reading in a pool (passages pickled)
    for article in corpus.articles:  # each one's version worked out where its file was read, as saving would
        assert article.version is not None
        assert article.version == article_version(replace(article, version=None))

    expected = Engine(corpus).index  # analysed after loading, in this one process
    assert built.n_documents == expected.n_documents == len(corpus.passages)
    assert list(built.vocabulary.items()) == list(expected.vocabulary.items())
    for name in ARRAYS:
        assert np.array_equal(getattr(built, name), getattr(expected, name)), name
    question = analyzer_for("ru").tokens("разоружение и санкции")
    assert built.top_k(question, 3) == expected.top_k(question, 3) != []
