"""The one place that turns Settings into the plain options the engine, the libraries and the
services take (nothing below this module sees Settings)."""

from __future__ import annotations

from bot.config import Settings
from bot.core.engine import Engine, EngineOptions, Progress
from bot.library import LibraryOptions, open_library
from bot.service.rules import ServiceOptions


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


def service_options(settings: Settings) -> ServiceOptions:
    d = settings.discord
    return ServiceOptions(
        top_k=settings.search.top_k,
        max_results=settings.search.max_results,
        cooldown_seconds=d.cooldown_seconds,
        private_by_default=d.private_by_default,
        answer_ttl_hours=d.answer_ttl_hours,
    )


def open_shared_library(settings: Settings, *, save: bool = False, progress: Progress | None = None) -> Engine:
    """The host's corpus folder as an engine (from its saved index when fresh)."""
    return open_library(library_options(settings), save=save, progress=progress)
