"""Synonyms in the second stage: a passage that says "established" answers "When was it founded?"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, bundled_corpus_dir, parse_settings
from bot.core import synonyms
from bot.core.analysis import analyzer_for
from bot.core.engine import Engine, EngineOptions
from bot.core.evaluation import evaluate, load_questions
from bot.core.ranking import RerankOptions
from bot.library import load_corpus
from bot.wiring import engine_options
from tests.support.files import write

DATA = Path(__file__).resolve().parents[1] / "data"
NO_SYNONYMS = EngineOptions(rerank=RerankOptions(synonym_weight=0))
ENGLISH = analyzer_for("en")


def term(word: str) -> str:
    (found,) = ENGLISH.tokens(word)
    return found


SOCIETY = (
    "The Royal Society\n\n"
    "The Royal Society meets in London. The society publishes journals and the society awards medals "
    "to the society's fellows.\n\n"
    "The Royal Society was established in 1660 by a group of natural philosophers who met at Gresham "
    "College after lectures on astronomy.\n\n"
    "Its motto, Nullius in verba, asks its members to take nobody's word for it.\n"
)


def test_a_passage_saying_a_synonym_of_the_question_word_comes_first(tmp_path):
    write(tmp_path, "society.txt", SOCIETY)
    corpus = load_corpus(tmp_path)
    question = "When was the Royal Society founded?"
    without = Engine(corpus, NO_SYNONYMS).ask(question)
    assert without.excerpts[0].passage.text.startswith("The Royal Society meets")  # only "society" counted
    answer = Engine(corpus).ask(question)
    assert answer.excerpts[0].passage.text.startswith("The Royal Society was established")
    assert "1660" in answer.excerpts[0].quote
    assert answer.unknown_terms == ("founded",)  # a synonym ranks a passage; it is not a word the readings know


def test_with_the_second_stage_off_the_ranking_stays_bm25s(tmp_path):
    write(tmp_path, "society.txt", SOCIETY)
    corpus = load_corpus(tmp_path)
    question = "When was the Royal Society founded?"
    plain = Engine(corpus, EngineOptions(rerank=RerankOptions(depth=0)))
    ranked = [(e.passage.id, e.score) for e in plain.ask(question, top_k=3).excerpts]
    terms = plain.understand(question)
    assert ranked == [(plain.passages[d].id, s) for d, s in plain.index.top_k(list(terms.terms), 3)]


def test_a_passage_found_by_a_synonym_never_comes_from_another_article(tmp_path):
    write(tmp_path, "meetings.txt", "Meetings\n\nThe Royal Society meets in London on Thursdays.\n")
    write(tmp_path, "history.txt", "History\n\nIt was established in 1660 at Gresham College.\n")
    engine = Engine(load_corpus(tmp_path))
    question = "When was the Royal Society founded?"
    everywhere = engine.ask(question, top_k=5)
    assert any(e.article.id == "history" for e in everywhere.excerpts)  # found by "established" alone
    answer = engine.ask(question, top_k=5, article_id="meetings")
    assert {e.article.id for e in answer.excerpts} == {"meetings"}


def test_synonyms_put_more_right_paragraphs_in_the_top_three_of_real_questions():
    corpus = load_corpus(DATA / "squad-notre-dame" / "corpus")
    questions = load_questions(DATA / "squad-notre-dame" / "questions.yaml")
    before = evaluate(Engine(corpus, NO_SYNONYMS), questions).to_dict()
    after = evaluate(Engine(corpus), questions).to_dict()
    print(f"\nSQuAD hit@3 {before['hit_at_3_rate']} -> {after['hit_at_3_rate']}, "
          f"MRR {before['mrr']:.3f} -> {after['mrr']:.3f}")
    # +4 before title_context, +3 before it searched the titled articles without the title's words too
    assert after["hit_at_3"] >= before["hit_at_3"] + 2 and after["mrr"] > before["mrr"]
    assert after["weak"] <= before["weak"] + 1 and after["refused"] == before["refused"]
    seeds = load_corpus(bundled_corpus_dir())
    for name in ("dev-questions.yaml", "heldout-questions.yaml"):
        dev = load_questions(DATA / name)
        plain, expanded = (evaluate(Engine(seeds, o), dev).to_dict() for o in (NO_SYNONYMS, EngineOptions()))
        assert (expanded["hit_at_1"], expanded["weak"]) == (plain["hit_at_1"], plain["weak"]), name


def test_the_shipped_table_links_synonyms_in_the_analyzers_terms():
    assert term("established") in synonyms.synonyms(term("founded"))
    assert term("founded") in synonyms.synonyms(term("established"))
    assert synonyms.synonyms(term("go")) == ()  # a word of more than MAX_SENSES senses brings in anything
    assert synonyms.synonyms("no-such-term") == ()


def _wordnet(
    folder: Path, synsets: dict[str, list[str]], senses: dict[str, list[str]], pointers: dict[str, str]
) -> Path:
    """WordNet's database format, nouns only: data.noun (offset, lemmas, pointers) and index.noun (a
    lemma's synsets, most used first)."""
    folder.mkdir()
    header = "  1 This software and database is being provided to you, the LICENSEE, by\n"
    data = "".join(
        f"{o} 03 n {len(ws):02x} " + " ".join(f"{w} 0" for w in ws)
        + (f" 002 @ 00000001 n 0000 {pointers[o]}" if o in pointers else " 000") + " | a gloss\n"
        for o, ws in synsets.items()
    )
    index = "".join(f"{lemma} n {len(os_)} 1 @ {len(os_)} 0 " + " ".join(os_) + "\n" for lemma, os_ in senses.items())
    for pos in ("noun", "verb", "adj", "adv"):
        (folder / f"data.{pos}").write_text(header + (data if pos == "noun" else ""), encoding="latin-1")
        (folder / f"index.{pos}").write_text(header + (index if pos == "noun" else ""), encoding="latin-1")
    return folder


def test_the_table_is_built_from_the_first_senses_of_words_of_few_senses(tmp_path, monkeypatch):
    monkeypatch.setattr(synonyms, "SENSES", 2)
    monkeypatch.setattr(synonyms, "MAX_SENSES", 3)
    folder = _wordnet(
        tmp_path / "dict",
        {"00000001": ["car", "automobile"], "00000002": ["car", "gondola"], "00000003": ["car", "railcar"],
         "00000004": ["bank", "depository"], "00000005": ["bank", "slope"], "00000006": ["bank", "deposit"],
         "00000007": ["bank", "reserve"], "00000008": ["ice_cream", "cream"], "00000009": ["motorist"]},
        {"car": ["00000001", "00000002", "00000003"], "automobile": ["00000001"], "gondola": ["00000002"],
         "railcar": ["00000003"], "bank": ["00000004", "00000005", "00000006", "00000007"],
         "depository": ["00000004"], "slope": ["00000005"], "deposit": ["00000006"], "reserve": ["00000007"],
         "ice_cream": ["00000008"], "cream": ["00000008"], "motorist": ["00000009"]},
        {"00000001": "+ 00000009 n 0201"},  # "motorist" derived from "automobile" (its word 2), not from "car"
    )
    table = synonyms.build(folder, ENGLISH)
    assert table[term("car")] == sorted([term("automobile"), term("gondola")])  # the third sense left out
    assert table[term("automobile")] == sorted([term("car"), term("motorist")])  # its own derived word too
    assert table[term("railcar")] == [term("car")]  # railcar's first sense is car's third: one way only
    assert term("bank") not in table and term("depository") not in table  # "bank": 4 senses, over 3
    assert term("cream") not in table  # "ice cream" is two words
    synonyms.write(table, tmp_path / "table.tsv.gz")
    monkeypatch.setattr(synonyms, "TABLE", tmp_path / "table.tsv.gz")
    synonyms.table.cache_clear()
    try:
        assert synonyms.synonyms(term("automobile")) == (term("car"), term("motorist"))
    finally:
        synonyms.table.cache_clear()


def test_the_synonym_weight_comes_from_the_configuration():
    assert engine_options(parse_settings("search:\n  synonym_weight: 0\n")).rerank.synonym_weight == 0
    assert engine_options(parse_settings("")).rerank.synonym_weight == RerankOptions.synonym_weight > 0


@pytest.mark.parametrize("value", ["-0.1", "1.5", "lots"])
def test_a_bad_synonym_weight_names_the_key(value):
    with pytest.raises(ConfigError, match=r"search\.synonym_weight"):
        parse_settings(f"search:\n  synonym_weight: {value}\n")


def test_the_bot_reads_the_table_while_it_warms_up_not_on_the_first_question(tmp_path):
    write(tmp_path, "society.txt", SOCIETY)
    engine = Engine(load_corpus(tmp_path))
    synonyms.table.cache_clear()
    engine.prepare_lookups()
    assert synonyms.table.cache_info().currsize == 1
    synonyms.table.cache_clear()
    Engine(load_corpus(tmp_path), NO_SYNONYMS).prepare_lookups()  # switched off: never read
    assert synonyms.table.cache_info().currsize == 0


def test_no_passage_holding_only_synonyms_pads_an_answer_whose_first_passage_says_it_all(tmp_path):
    write(tmp_path, "kant.txt", "Immanuel Kant\n\nKant argued that enlightenment is humanity's emergence from its "
          "self-incurred immaturity.\n")  # fmt: skip
    write(tmp_path, "treaty.txt", "Treaties\n\nThe Kremlin's initiatives demonstrate the desire for mutual trust.\n")
    answer = Engine(load_corpus(tmp_path)).ask("What is enlightenment?", top_k=5)
    assert [e.article.id for e in answer.excerpts] == ["kant"]  # not "initiatives", a synonym of another sense
    write(tmp_path, "history.txt", "History\n\nIt was established in 1660 at Gresham College.\n")
    write(tmp_path, "meetings.txt", "Meetings\n\nThe Royal Society meets in London on Thursdays.\n")
    paraphrase = Engine(load_corpus(tmp_path)).ask("When was the Royal Society founded?", top_k=5)
    assert {"history", "meetings"} <= {e.article.id for e in paraphrase.excerpts}  # the first lacks a word: kept
