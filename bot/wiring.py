"""The one place that turns Settings into the plain options the engine, the libraries and the
services take (nothing below this module sees Settings)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.engine import Engine, EngineOptions, Progress
from bot.core.ranking import RerankOptions
from bot.ingest.options import IngestOptions
from bot.library import LibraryOptions, open_library
from bot.library.options import LibraryPolicy
from bot.library.saved import index_dir
from bot.service.options import ServerLibraryOptions, ServiceOptions
from bot.storage.errors import StorageUnavailable
from bot.storage.options import StorageOptions, database_password, sqlite_url

if TYPE_CHECKING:  # the bot's registry, folder watcher and resident index: imported where they are made
    from bot.library.registry import Libraries
    from bot.library.resident import Resident
    from bot.library.watch import FolderKey, FolderWatcher


def engine_options(settings: Settings) -> EngineOptions:
    s = settings.search
    rerank = RerankOptions(
        depth=s.rerank_depth,
        whole_paragraphs=s.rerank_whole_paragraphs,
        sentence_weight=s.rerank_sentence_weight,
        semantic_weight=s.semantic_weight,
        synonym_weight=s.synonym_weight,
        title_context=s.rerank_title_context,
    )
    return EngineOptions(
        top_k=s.top_k,
        quote_chars=s.quote_chars,
        engine=s.engine,
        rerank=rerank,
        passage_gate=s.passage_gate,
        passage_floor=s.passage_floor,
        name_phrase_gate=s.name_phrase_gate,
        quote_long_sentences=s.quote_long_sentences,
        quote_answer_kind=s.quote_answer_kind,
        quote_by_sentences=s.quote_by_sentences,
        quote_fill=s.quote_fill,
    )


def ingest_options(settings: Settings) -> IngestOptions:
    i = settings.ingest
    return IngestOptions(
        max_bytes=dict(i.max_bytes),
        timeout_seconds=i.timeout_seconds,
        max_memory_mb=i.max_memory_mb,
        max_pages=i.max_pages,
        max_unpacked_bytes=i.max_unpacked_bytes,
        max_unpack_ratio=i.max_unpack_ratio,
        max_text_chars=i.max_text_chars,
    )


def library_options(settings: Settings) -> LibraryOptions:
    return LibraryOptions(
        corpus_path=settings.corpus.path,
        data_dir=settings.data_dir,
        max_file_bytes=settings.corpus.max_file_bytes,
        max_passage_chars=settings.corpus.max_passage_chars,
        ingest=ingest_options(settings),
        engine=engine_options(settings),
    )


def storage_options(settings: Settings) -> StorageOptions:
    """The database: storage.url, else the SQLite file; the password only from the environment."""
    s = settings.storage
    return StorageOptions(
        url=s.url or sqlite_url(settings.database_path),
        pool_size=s.pool_size,
        connect_timeout=s.connect_timeout,
        acquire_timeout=s.acquire_timeout,
        statement_timeout=s.statement_timeout,
        password=database_password(),
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


def library_policy(settings: Settings) -> LibraryPolicy:
    """Which servers see the shared library, and how many server libraries stay loaded."""
    s = settings.library
    shared_for = {"all": None, "none": ()}[s.shared_for] if isinstance(s.shared_for, str) else s.shared_for
    return LibraryPolicy(
        shared_for=shared_for, search_shared_beside_own=s.search_shared_beside_own, max_loaded=s.max_loaded
    )


def server_library_options(settings: Settings) -> ServerLibraryOptions:
    s = settings.library
    return ServerLibraryOptions(
        max_documents=s.max_documents,
        max_total_bytes=s.max_total_bytes,
        max_passages=s.max_passages,
        max_file_bytes=s.max_file_bytes,
        upload_cooldown_seconds=s.upload_cooldown_seconds,
        attachment_hosts=tuple(s.attachment_hosts),
        max_passage_chars=settings.corpus.max_passage_chars,
        ingest=ingest_options(settings),
    )


def server_libraries(settings: Settings, shared: Engine, store) -> Libraries:
    """Every server's library over the store, beside the shared one, per the `library:` policy."""
    from bot.library.registry import Libraries

    return Libraries(shared, store.guild_articles, library_policy(settings), guild_version=store.library_version,
                     unavailable=(StorageUnavailable,), data_dir=settings.data_dir)  # fmt: skip


def open_shared_library(settings: Settings, *, save: bool = False, progress: Progress | None = None) -> Engine:
    """The host's corpus folder as an engine (from its saved index when fresh)."""
    return open_library(library_options(settings), save=save, progress=progress)


def load_shared_library(settings: Settings) -> tuple[Engine, FolderKey]:
    """The shared library for `studybot run`, and the state of the folder it was read from."""
    from bot.library.watch import load_shared

    return load_shared(library_options(settings))


def make_shared_index_resident(settings: Settings, stop: threading.Event | None = None) -> Resident:
    """Maps in the pages of the shared library's saved index that this process has mapped (slow:
    for a thread beside the event loop; `stop` set ends it early)."""
    from bot.library.resident import make_resident

    return make_resident(index_dir(library_options(settings)), stop=stop)


def folder_watcher(settings: Settings, libraries: Libraries, loaded_key: FolderKey) -> FolderWatcher:
    """Keeps the running bot's shared library in step with the host folder (corpus.watch_seconds)."""
    from bot.library.watch import FolderWatcher

    return FolderWatcher(library_options(settings), libraries, loaded_key, interval=settings.corpus.watch_seconds)
