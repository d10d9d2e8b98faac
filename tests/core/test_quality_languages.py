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


def test_every_language_the_stemmer_ships_is_covered():
    import Stemmer

    variants = {"porter", "dutch_porter"}  # older English and Dutch stemmers beside the current ones
    assert sorted(set(Stemmer.algorithms()) - variants - set(SNOWBALL.values())) == []


def test_a_polish_question_is_stemmed_and_its_stopwords_dropped():
    polish = Analyzer("pl")
    assert polish.tokens("Gdzie jest stolica Polski?") == polish.tokens("stolica Polski")
    assert polish.tokens("w miastach") == polish.tokens("miasto")  # the Polish stemmer, not the English fallback


def test_every_snowball_language_has_stopwords():
    assert sorted(code for code in SNOWBALL if not stopwords_for(code)) == []
    assert Analyzer("de").tokens("und die Stadt") == Analyzer("de").tokens("Stadt")
    assert Analyzer("fr").tokens("le pont de la ville") == Analyzer("fr").tokens("pont ville")
    assert Analyzer("ru").tokens("и в городе") == Analyzer("ru").tokens("городе")


# An article and a question in each language whose stopword list ships with Studybot (and Serbian in
# both of its scripts); the question is wrapped in that language's function and question words.
ARTICLES = {
    "ne": (
        "काठमाडौं उपत्यका\n\nकाठमाडौं नेपालको राजधानी हो र यहाँ धेरै पुराना मन्दिरहरू छन्।\n\n"
        "पाटन र भक्तपुर पनि यही उपत्यकामा पर्छन्।\n",
        "नेपालको राजधानी के हो?",
    ),
    "sr": (
        "Београд\n\nБеоград је главни град Србије и лежи на ушћу Саве у Дунав.\n\nТврђава Калемегдан је изнад ушћа.\n",
        "Који је главни град Србије?",
    ),
    "sr-latin": (
        "Beograd\n\nBeograd je glavni grad Srbije i leži na ušću Save u Dunav.\n\nTvrđava Kalemegdan je iznad ušća.\n",
        "Koji je glavni grad Srbije?",
    ),
    "ta": (
        "சென்னை\n\nசென்னை தமிழ்நாட்டின் தலைநகரம் ஆகும், இது வங்காள விரிகுடாவின் கடற்கரையில் அமைந்துள்ளது.\n\n"
        "மெரினா கடற்கரை மிக நீளமானது.\n",
        "தமிழ்நாட்டின் தலைநகரம் எது?",
    ),
    "yi": (
        "ווילנע\n\nווילנע איז געווען אַ שטאָט פֿון ייִדישע ביכער, דרוקערייען און ישיבֿות.\n\n"
        "דער גאון פֿון ווילנע האָט דאָרט געלערנט.\n",
        "וואָס איז געווען אין ווילנע?",
    ),
}


@pytest.mark.parametrize("key", sorted(ARTICLES))
def test_a_question_in_each_language_does_not_count_its_stopwords_as_unknown(tmp_path, key):
    code = key.split("-")[0]
    text, question = ARTICLES[key]
    (tmp_path / "plan.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "other.txt").write_text(text, encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(f"articles:\n  other.txt:\n    language: {code}\n", encoding="utf-8")
    stopwords = [w for w in question.rstrip("?").split() if Analyzer(code).is_stopword(w)]
    assert stopwords  # the question has some, and they are dropped ...
    answer = Engine(load_corpus(tmp_path)).ask(question)
    assert answer.answered and not answer.weak and answer.unknown_terms == ()  # ... not reported unknown
    assert answer.excerpts[0].article.id == "other"


def test_yiddish_stopwords_match_unpointed_and_ligature_spellings():
    yiddish = Analyzer("yi")
    assert yiddish.tokens("וואָס איז דאָס בוך") == yiddish.tokens("װאָס איז דאס בוך") == yiddish.tokens("וואס בוך")
    assert yiddish.tokens("בוך") != []


def test_words_keep_their_vowel_signs():
    # Python's \w stops at Devanagari and Tamil vowel signs: "हिन्दी" must stay one word, not three letters.
    assert len(Analyzer("hi").tokens("हिन्दी")) == 1
    assert Analyzer("ta").tokens("தமிழ் மொழி") == [Analyzer("ta").tokens(w)[0] for w in ("தமிழ்", "மொழி")]
    assert Analyzer("ta").tokens("தமிழ்") != Analyzer("ta").tokens("தம")
