"""From settings to a ready Engine: load the corpus and its index, from the saved copy when it is fresh.

The saved copy lives in `<data_dir>/index/`: the parsed corpus (pickle) and the BM25 arrays (.npy,
memory-mapped on load so several bot processes share one copy). It is used only when its
fingerprint (the bytes of every corpus file, the loading settings and the analyzer version) still
matches; otherwise the corpus is parsed and indexed again, and the copy replaced.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.core.analysis import ANALYZER_VERSION
from bot.core.engine import Engine, EngineOptions, Progress
from bot.core.index import FORMAT_VERSION, BM25Index
from bot.core.loading import MANIFEST, TEXT_SUFFIXES, load_corpus

log = logging.getLogger("studybot.library")
CACHE_VERSION = 3  # bump when loading or passage rules change what a corpus parses into


def engine_options(settings: Settings) -> EngineOptions:
    return EngineOptions(
        top_k=settings.search.top_k, quote_chars=settings.search.quote_chars, engine=settings.search.engine
    )


def fingerprint(settings: Settings) -> str:
    """Changes whenever anything that shapes the passages or their terms changes."""
    digest = hashlib.blake2b(digest_size=16)
    versions = (CACHE_VERSION, FORMAT_VERSION, ANALYZER_VERSION)
    digest.update(repr((versions, settings.corpus.max_file_bytes, settings.corpus.max_passage_chars)).encode())
    folder = Path(settings.corpus.path)
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and (path.suffix.lower() in TEXT_SUFFIXES or path.name == MANIFEST):
                digest.update(path.name.encode() + b"\0")
                with path.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                digest.update(b"\0")
    return digest.hexdigest()


def index_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "index"


def open_library(settings: Settings, *, save: bool = False, progress: Progress | None = None) -> Engine:
    """The engine for these settings. `save` (studybot index) always writes the saved copy."""
    options = engine_options(settings)
    key = fingerprint(settings)
    folder = index_dir(settings)
    if options.engine == "numpy" and not save:
        engine = _load_saved(folder, key, options)
        if engine is not None:
            return engine
    corpus = load_corpus(
        settings.corpus.path,
        max_file_bytes=settings.corpus.max_file_bytes,
        max_passage_chars=settings.corpus.max_passage_chars,
        progress=progress,
    )
    engine = Engine(corpus, options, progress=progress)
    if options.engine == "numpy" and engine.passages:
        try:
            _save(folder, key, engine)
        except OSError as exc:  # a read-only data folder costs speed, never the answer
            log.warning("could not save the index in %s: %s", folder, exc)
    return engine


def _load_saved(folder: Path, key: str, options: EngineOptions) -> Engine | None:
    try:
        if (folder / "fingerprint").read_text(encoding="ascii").strip() != key:
            return None
        with (folder / "corpus.pickle").open("rb") as fh:
            corpus = pickle.load(fh)  # our own cache file in our own data folder
        return Engine(corpus, options, index=BM25Index.load(folder))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, KeyError) as exc:
        log.warning("ignoring the saved index in %s (%s); rebuilding", folder, exc)
        return None


def _save(folder: Path, key: str, engine: Engine) -> None:
    """Write beside, then swap in: a reader never sees half an index."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        engine.index.save(staging)
        with (staging / "corpus.pickle").open("wb") as fh:
            pickle.dump(engine.corpus, fh, protocol=pickle.HIGHEST_PROTOCOL)
        (staging / "fingerprint").write_text(key + "\n", encoding="ascii")
        old = folder.with_name(f".index-old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
