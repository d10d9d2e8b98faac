"""The semantic second stage (the `semantic` extra): a paraphrase finds its paragraph, a configuration
that asks for a missing extra is refused by name, the default never loads the model, output is
deterministic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigError, parse_settings
from bot.core import semantic
from bot.core.engine import Engine, EngineOptions, EngineUnavailable
from bot.core.ranking import RerankOptions
from bot.library import load_corpus
from bot.wiring import engine_options

SEMANTIC = EngineOptions(rerank=RerankOptions(semantic_weight=0.5))
REMEDY = "Physicians usually advise lozenges, honey and warm tea for patients with pharyngitis in winter."
SEASON = [
    REMEDY,
    "In winter the town hosts a festival of throat singing, where choirs from the mountains perform.",
    "A sore loser at chess in winter once threw the board across the hall of the club.",
    "Doctors of philosophy in history defend their theses each winter before a panel of professors.",
    "The gardeners prescribe a strict pruning of the roses in winter so that they flower in spring.",
    "Ice fishing in winter draws crowds to the frozen lake, where families cut holes through the ice.",
    "Skiers wax their boards in winter and ride the lifts to the top of the northern slopes.",
]
# Of the question's words the answering paragraph holds only "winter", which every paragraph holds.
PARAPHRASE = "What remedy helps a sore throat in winter?"


@pytest.fixture
def season(tmp_path: Path) -> Path:
    (tmp_path / "seasons.txt").write_text("Seasons\n\n" + "\n\n".join(SEASON) + "\n", encoding="utf-8")
    return tmp_path


def test_bundled_model_is_installed_with_the_test_extra():
    assert semantic.available(), semantic.NEEDS


def test_a_paraphrase_finds_its_paragraph_only_with_the_semantic_stage(season):
    corpus = load_corpus(season)

    def top_three(options: EngineOptions) -> list[str]:
        return [e.passage.text for e in Engine(corpus, options).ask(PARAPHRASE).excerpts]

    assert REMEDY not in top_three(EngineOptions())  # BM25 and the second stage see only "winter" in it
    assert REMEDY in top_three(SEMANTIC)


def test_similarity_prefers_the_text_that_means_the_same():
    scores = semantic.model().similarities("Which physician treats a sore throat?", [SEASON[5], REMEDY])
    assert scores.shape == (2,) and scores[1] > scores[0]
    assert all(-1.0 <= float(s) <= 1.0 for s in scores)


def test_odd_texts_embed_without_failing(season):
    """Empty, non-Latin, very long, and with a lone surrogate (undecodable bytes in a terminal's argument
    or a JSON escape): each text gets a finite unit vector or zeros, and such a question is answered."""
    model = semantic.model()
    odd = ["", "光合作用是植物利用光能的过程", "Фотосинтез в листьях", "throat " * 20_000, "sore \udcff throat"]
    vectors = model.embed(odd)
    assert vectors.shape == (len(odd), model.table.shape[1]) and np.isfinite(vectors).all()
    assert not vectors[0].any()  # no token: zeros, similarity 0
    assert np.allclose(np.linalg.norm(vectors[1:], axis=1), 1.0, atol=1e-5)
    assert model.similarities("", [REMEDY]).tolist() == [0.0]
    answer = Engine(load_corpus(season), SEMANTIC).ask(PARAPHRASE + " \udcff\ud800")
    assert answer.excerpts and REMEDY in [e.passage.text for e in answer.excerpts]


def test_semantic_weight_from_the_configuration_reaches_the_engine():
    settings = parse_settings("search:\n  semantic_weight: 0.5\n")
    assert engine_options(settings).rerank.semantic_weight == 0.5
    assert engine_options(parse_settings("")).rerank.semantic_weight == 0.0


@pytest.mark.parametrize("value", ["-0.1", "6", "yes"])
def test_a_bad_semantic_weight_names_the_key(value):
    with pytest.raises(ConfigError, match=r"search\.semantic_weight"):
        parse_settings(f"search:\n  semantic_weight: {value}\n")


def test_without_the_package_the_configuration_names_the_key_and_the_extra(monkeypatch, season):
    monkeypatch.setattr(semantic, "model_dir", lambda: None)  # as if wordllama were not installed
    monkeypatch.setattr(semantic, "_model", None)  # nor ever loaded in this process
    with pytest.raises(ConfigError) as error:
        parse_settings("search:\n  semantic_weight: 0.5\n", source="bot.yaml")
    message = str(error.value)
    assert "bot.yaml, line 2" in message and "search.semantic_weight" in message
    assert "pip install 'studybot[semantic]'" in message
    with pytest.raises(EngineUnavailable, match=r"search\.semantic_weight .*studybot\[semantic\]"):
        Engine(load_corpus(season), SEMANTIC)
    # Off (the default), the missing package changes nothing.
    assert parse_settings("search:\n  semantic_weight: 0\n").search.semantic_weight == 0
    assert Engine(load_corpus(season)).ask(PARAPHRASE).excerpts


def test_the_cli_refuses_the_weight_when_the_model_files_are_missing(season, tmp_path):
    """A wordllama without its bundled files (another version, a stripped install) shadows the real one:
    the command says which key needs which extra instead of failing on the first question."""
    (tmp_path / "shadow" / "wordllama").mkdir(parents=True)
    (tmp_path / "shadow" / "wordllama" / "__init__.py").write_text("", encoding="utf-8")
    config = tmp_path / "bot.yaml"
    config.write_text("search:\n  semantic_weight: 0.5\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "shadow"), os.environ.get("PYTHONPATH", "")]),
           "STUDYBOT_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", PARAPHRASE, "--config", str(config), "--corpus", str(season)],
        capture_output=True, text=True, timeout=60, env=env, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "search.semantic_weight" in result.stderr and "pip install 'studybot[semantic]'" in result.stderr
    assert not result.stdout


def test_the_model_loads_once_for_threads_asking_together(monkeypatch):
    monkeypatch.setattr(semantic, "_model", None)
    loads = []
    real_load = semantic._load

    def counted_load():
        loads.append(1)
        return real_load()

    monkeypatch.setattr(semantic, "_load", counted_load)
    barrier = threading.Barrier(4, timeout=30)
    models = []

    def first_use():
        barrier.wait()
        models.append(semantic.model())

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(models) == 4 and all(m is models[0] for m in models)
    assert len(loads) == 1


def test_the_default_engine_never_loads_the_model(monkeypatch, season):
    def refuse():
        raise AssertionError("the model was loaded with search.semantic_weight 0")

    monkeypatch.setattr(semantic, "model", refuse)
    answer = Engine(load_corpus(season)).ask(PARAPHRASE)
    assert answer.answered and answer.excerpts


def test_a_semantic_weight_without_a_second_stage_never_loads_the_model(monkeypatch, season):
    def refuse():
        raise AssertionError("the model was loaded with search.rerank_depth 0")

    monkeypatch.setattr(semantic, "model", refuse)
    options = EngineOptions(rerank=RerankOptions(depth=0, semantic_weight=0.5))
    answer = Engine(load_corpus(season), options).ask(PARAPHRASE)
    assert answer.answered and answer.excerpts


def test_semantic_answers_are_the_same_under_every_string_hash_seed(season, tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("search:\n  semantic_weight: 0.5\n", encoding="utf-8")
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "STUDYBOT_DATA_DIR": str(tmp_path / seed)}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", PARAPHRASE, "--json", "--top-k", "5", "--config", str(config),
             "--corpus", str(season)],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        excerpts = json.loads(result.stdout)["excerpts"]
        assert any("pharyngitis" in e["quote"] for e in excerpts[:3])
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_a_damaged_model_install_stops_the_engine_naming_the_key_and_the_folder(monkeypatch, season, tmp_path):
    """Files present but unreadable (a truncated download, another wordllama's layout): refused when the
    engine is made, as a missing package is, not by a traceback on every question."""
    damaged = tmp_path / "wordllama"
    (damaged / semantic.WEIGHTS).parent.mkdir(parents=True)
    (damaged / semantic.TOKENIZER).parent.mkdir(parents=True)
    (damaged / semantic.WEIGHTS).write_bytes(b"not a safetensors file")
    (damaged / semantic.TOKENIZER).write_text("{}", encoding="utf-8")
    monkeypatch.setattr(semantic, "model_dir", lambda: damaged)
    monkeypatch.setattr(semantic, "_model", None)
    assert semantic.available()  # the configuration check sees the files
    with pytest.raises(EngineUnavailable, match=r"search\.semantic_weight: cannot read the model in .*wordllama"):
        Engine(load_corpus(season), SEMANTIC)
