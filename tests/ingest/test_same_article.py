"""The quality bar across formats: one article as .txt, .md, .html, .docx, .epub and .pdf comes in as
the same passages citing the same (resolved) sources, so a question finds the same passage first."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.models import Corpus
from bot.ingest import build_article, read_document
from tests.ingest.same_article import AUTHOR, TITLE, WRITERS, expected_passages

QUESTIONS = [
    "How many days did mules need to cross the Brenner?",
    "Who grew rich on the tolls at the bridges?",
    "What did the mule trains bring back from Hallstatt?",
    "When did the salt trade become a state monopoly?",
]


def _normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def articles():
    parsed = {}
    for suffix, write in WRITERS.items():
        name = f"salt{suffix}"
        parsed[suffix] = build_article("salt", name, read_document(name, write()))
    return parsed


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_every_format_gives_the_same_passages_and_sources(articles, suffix):
    parsed = articles[suffix]
    got = [(_normal(p.text), [f.source for f in p.footnotes]) for p in parsed.article.passages]
    assert got == [(_normal(text), sources) for text, sources in expected_passages()]
    assert (parsed.article.title, parsed.article.author) == (TITLE, AUTHOR)
    assert parsed.warnings == []


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_finds_the_same_passage_first_in_every_format(articles, question):
    firsts = {}
    for suffix, parsed in articles.items():
        answer = Engine(Corpus((parsed.article,))).ask(question)
        assert answer.answered, suffix
        top = answer.excerpts[0].passage
        firsts[suffix] = (_normal(top.text), tuple(f.source for f in top.footnotes))
    assert len(set(firsts.values())) == 1, firsts
