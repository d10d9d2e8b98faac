"""The one place that turns Settings into the plain options the engine, the libraries and the
services take (nothing below this module sees Settings)."""

from __future__ import annotations

from bot.config import Settings
from bot.core.engine import EngineOptions
from bot.library import LibraryOptions


def engine_options(settings: Settings) -> EngineOptions:
    s = settings.search
    return EngineOptions(top_k=s.top_k, quote_chars=s.quote_chars, engine=s.engine)


def library_options(settings: Settings) -> LibraryOptions:
    return LibraryOptions(
        corpus_path=settings.corpus.path,
        data_dir=settings.data_dir,
        max_file_bytes=settings.corpus.max_file_bytes,
        max_passage_chars=settings.corpus.max_passage_chars,
        engine=engine_options(settings),
    )
