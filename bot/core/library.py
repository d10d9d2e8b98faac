"""From settings to a ready Engine: load the corpus and build its index."""

from __future__ import annotations

from bot.config import Settings
from bot.core.engine import Engine, EngineOptions
from bot.core.loading import load_corpus


def engine_options(settings: Settings) -> EngineOptions:
    return EngineOptions(
        top_k=settings.search.top_k, quote_chars=settings.search.quote_chars, engine=settings.search.engine
    )


def open_library(settings: Settings, *, save: bool = False) -> Engine:
    corpus = load_corpus(
        settings.corpus.path,
        max_file_bytes=settings.corpus.max_file_bytes,
        max_passage_chars=settings.corpus.max_passage_chars,
    )
    return Engine(corpus, engine_options(settings))
