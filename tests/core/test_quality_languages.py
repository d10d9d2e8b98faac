"""Mixed-language corpora: every article in its own language's analysis, and a question's stopwords
never counted as unknown content words whatever the mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.analysis import SNOWBALL, Analyzer, stopwords_for
from bot.core.engine import Engine
from bot.library import load_corpus

ENGLISH = (
    "The Marshall Plan\n\n"
    "George Marshall gave a speech at Harvard in June 1947 and proposed American aid to rebuild Europe.\n\n"
    "Sixteen countries met in Paris to plan how the aid would be shared among them.\n\n"
    "The programme ran for four years and delivered about thirteen billion dollars.\n"
)
GERMAN = (
    "Der Wiederaufbau\n\n"
    "Nach dem Krieg lag die Wirtschaft in Trümmern, und die Städte mussten wieder aufgebaut werden.\n\n"
    "Die Währungsreform von 1948 brachte die neue Mark und füllte die Läden über Nacht.\n"
)


def _corpus(tmp_path: Path, with_german: bool):
    folder = tmp_path / ("mixed" if with_german else "english")
    folder.mkdir()
    (folder / "plan.txt").write_text(ENGLISH, encoding="utf-8")
    if with_german:
        (folder / "wiederaufbau.txt").write_text(GERMAN, encoding="utf-8")
        (folder / "manifest.yaml").write_text("articles:\n  wiederaufbau.txt:\n    language: de\n", encoding="utf-8")
    return load_corpus(folder)


@pytest.mark.parametrize("question", ["Who gave a speech at Harvard?", "How was the aid shared among the countries?"])
def test_a_german_article_does_not_make_english_questions_weak(tmp_path, question):
    english, mixed = Engine(_corpus(tmp_path, False)), Engine(_corpus(tmp_path, True))
    alone, together = english.ask(question), mixed.ask(question)
    assert together.answered and not together.weak, together.unknown_terms
    assert not {"who", "at", "gave", "where", "did", "the"} & set(together.unknown_terms)
    assert together.excerpts[0].passage.text == alone.excerpts[0].passage.text


def test_german_questions_find_the_german_article_in_a_mixed_corpus(tmp_path):
    answer = Engine(_corpus(tmp_path, True)).ask("Was brachte die Währungsreform?")
    assert answer.answered and answer.excerpts[0].article.id == "wiederaufbau"
    assert "die" not in answer.matched_terms + answer.unknown_terms  # a German stopword


def test_every_snowball_language_with_a_known_list_has_stopwords():
    without = sorted(code for code in SNOWBALL if not stopwords_for(code))
    assert without == ["ne", "sr", "ta", "yi"]  # no list in either package
    assert Analyzer("de").tokens("und die Stadt") == Analyzer("de").tokens("Stadt")
    assert Analyzer("fr").tokens("le pont de la ville") == Analyzer("fr").tokens("pont ville")
    assert Analyzer("ru").tokens("и в городе") == Analyzer("ru").tokens("городе")
