"""A corpus folder → a ready Engine: its index from the saved copy when that is fresh, else built.

Each corpus folder has its own saved copy, `<data_dir>/index/<folder key>/`: the parsed corpus
(bot.library.packed) and the BM25 arrays, all .npy files memory-mapped on load, so a fresh process
is ready in milliseconds and several bot processes share one copy through the page cache.
It is used only when its fingerprint (the bytes of every corpus file, the loading settings and the
analyzer version) still matches; otherwise the corpus is parsed and indexed again, and the copy
replaced. At each start only the files' sizes, modification times and inodes are compared; their
bytes are hashed again only when those changed, and always by `studybot index`. One process at a time
builds a folder's copy (a lock file beside it): the others on the host wait, then load that copy,
instead of each building the same index after a change.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.analysis import ANALYZER_VERSION
from bot.core.engine import Engine, EngineOptions, Progress
from bot.core.index import FORMAT_VERSION, BM25Index
from bot.core.indexing import IndexBuilder
from bot.core.models import Corpus
from bot.ingest.options import IngestOptions
from bot.library import packed
from bot.library.folder import load_corpus, scan_folder

try:
    import fcntl  # POSIX: the build lock (_building)
except ImportError:  # elsewhere each process builds on its own
    fcntl = None

log = logging.getLogger("studybot.library")
CACHE_VERSION = 45  # bump when loading or passage rules change what a corpus parses into, or the saved layout


@dataclass(frozen=True)
class LibraryOptions:
    """Where a library's files are, where its saved index goes, and how its files become passages."""

    corpus_path: Path
    data_dir: Path
    max_file_bytes: int | None = None  # corpus.max_file_bytes: the .txt/.md cap when set
    ingest: IngestOptions = field(default_factory=IngestOptions)  # caps per format, time and memory per file
    max_passage_chars: int = 1200
    engine: EngineOptions = field(default_factory=EngineOptions)


def _inputs(options: LibraryOptions) -> tuple[hashlib.blake2b, list[Path]]:
    """A digest seeded with what shapes passages and terms, and the files that feed the library."""
    digest = hashlib.blake2b(digest_size=16)
    versions = (CACHE_VERSION, FORMAT_VERSION, ANALYZER_VERSION)
    i = options.ingest  # what decides which files load, and how much of them
    limits = (options.max_file_bytes, sorted(i.max_bytes.items()), i.max_pages, i.max_unpacked_bytes,
              i.max_unpack_ratio, i.max_text_chars)  # fmt: skip
    digest.update(repr((versions, limits, options.max_passage_chars)).encode())
    folder = Path(options.corpus_path)
    if not folder.is_dir():
        return digest, []
    scan = scan_folder(folder)
    manifests = [m.path for m in scan.manifests if m.path.is_file()]  # the top one and each subfolder's
    return digest, [*(f.path for f in scan.files), *manifests]


def stat_key(options: LibraryOptions) -> str:
    """Cheap at every start: names, sizes, modification times and inodes, no byte read."""
    digest, files = _inputs(options)
    for path in files:
        try:
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0".encode())
        except OSError as exc:
            digest.update(f"{path}\0unreadable {exc.errno}\0".encode())
    return digest.hexdigest()


def fingerprint(options: LibraryOptions) -> str:
    """Changes whenever anything that shapes the passages or their terms changes (every byte read)."""
    digest, files = _inputs(options)
    if files:
        for path in files:
            digest.update(path.relative_to(Path(options.corpus_path)).as_posix().encode() + b"\0")
            try:
                with path.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
            except OSError as exc:  # unreadable: loading names it in a warning; the key still changes
                digest.update(f"unreadable: {exc.errno}".encode())
            digest.update(b"\0")
    return digest.hexdigest()


def index_dir(options: LibraryOptions) -> Path:
    """The saved copy of this corpus folder's index: one per folder, so switching back is instant."""
    folder_key = hashlib.blake2b(str(Path(options.corpus_path).resolve()).encode(), digest_size=8).hexdigest()
    return Path(options.data_dir) / "index" / folder_key


def saved_fingerprint(options: LibraryOptions) -> str | None:
    """The fingerprint of this folder's saved index (None: none saved): changes whenever it is saved anew."""
    try:
        return _read_key(index_dir(options) / "fingerprint")
    except OSError:
        return None


class IndexNotSaved(Exception):
    """open_library(save=True) could not write the saved copy; `engine` serves the library from memory."""

    def __init__(self, message: str, engine: Engine):
        super().__init__(message)
        self.engine = engine


def open_library(options: LibraryOptions, *, save: bool = False, progress: Progress | None = None) -> Engine:
    """The engine for this corpus folder. `save` (studybot index) always writes the saved copy, or
    raises IndexNotSaved."""
    engine_options = options.engine
    folder = index_dir(options)
    reuse = engine_options.engine == "numpy" and not save
    if reuse and (engine := _load_saved(folder, options)) is not None:
        return engine
    with _building(folder):
        if reuse and (engine := _load_saved(folder, options)) is not None:  # built while this one waited
            return engine
        with _collector_paused():
            return _build_library(options, folder, progress, must_save=save)


@contextlib.contextmanager
def _building(folder: Path):
    """Held while `folder`'s index is built: an exclusive lock on a file beside it, so that of the
    processes that find it stale, one builds and the others wait for its copy. Without a writable data
    folder (or where locks are not supported) each builds on its own, as before."""
    lock = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            folder.parent.mkdir(parents=True, exist_ok=True)
            lock = open(folder.with_name(f".{folder.name}.lock"), "a+b")  # noqa: SIM115 (held across the yield)
    if lock is None:
        yield
        return
    with lock:
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        yield


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while a library is built: a million passages arrive and
    none is garbage, yet the collector would walk them all again and again (a quarter of the main
    process's time at 200k passages). Whatever cycles the rest of the process makes meanwhile wait."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _build_library(options: LibraryOptions, folder: Path, progress: Progress | None, must_save: bool) -> Engine:
    """The corpus folder read and indexed afresh, and saved in `folder` (open_library)."""
    engine_options = options.engine
    quick = stat_key(options)  # before reading: a file changed meanwhile shows as changed next time
    builder = IndexBuilder() if engine_options.engine == "numpy" else None  # analysed where the files are read
    with ThreadPoolExecutor(1) as background:  # hashing and building the postings release the GIL
        hashed = background.submit(fingerprint, options)  # the bytes hashed while they are read
        corpus = load_corpus(
            options.corpus_path,
            max_file_bytes=options.max_file_bytes,
            options=options.ingest,
            max_passage_chars=options.max_passage_chars,
            progress=progress,
            index=builder,
        )
        key = hashed.result()
        if builder is None or not any(a.passages for a in corpus.articles):  # (no tuple of every passage)
            return Engine(corpus, engine_options, index=builder.build(progress) if builder else None, progress=progress)
        building = background.submit(builder.build, progress)  # in C, while the passages are written
        try:
            _write_saved(folder, corpus, building.result, fingerprint=key, stat=quick)
        except (OSError, packed.Unpackable) as exc:  # a read-only data folder costs speed, never the answer
            engine = Engine(corpus, engine_options, index=building.result(), progress=progress)
            if must_save:
                reason = getattr(exc, "strerror", None) or exc
                raise IndexNotSaved(f"could not save the index in {folder}: {reason}", engine) from None
            log.warning("could not save the index in %s: %s", folder, exc)
            return engine
    try:  # serve the mapped copy, as a warm start would: shared pages, its key table; the built one is freed
        return _open_saved(folder, engine_options)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("could not reopen the index just saved in %s (%s); serving it from memory", folder, exc)
        return Engine(corpus, engine_options, index=building.result(), progress=progress)


def _load_saved(folder: Path, options: LibraryOptions) -> Engine | None:
    """The saved engine while the corpus is unchanged: the files' stat key matches, or else (a touch,
    a copy) their bytes still hash to the saved fingerprint."""
    try:
        quick = stat_key(options)
        if _read_key(folder / "stat") != quick:
            if _read_key(folder / "fingerprint") != fingerprint(options):
                return None
            _write_key(folder / "stat", quick)
        return _open_saved(folder, options.engine)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("ignoring the saved index in %s (%s); rebuilding", folder, exc)
        return None


def _open_saved(folder: Path, options: EngineOptions) -> Engine:
    """The saved engine in `folder`, memory-mapped, without asking whether it is fresh."""
    corpus = packed.load_corpus(folder)
    index = BM25Index.load(folder)
    if index.n_documents != len(corpus.passages):
        raise ValueError("the BM25 arrays and the passages disagree")
    return Engine(corpus, options, index=index)


# A server's own library (documents in the store): `<data_dir>/index/servers/<server id>/<version key>/`,
# the same layout as a corpus folder's. A version's folder never changes once swapped in; saving a
# new version removes the server's others. The store stays the source of truth: each process (host)
# keeps its own copy, made from the articles when missing.
def server_index_dir(data_dir: Path, guild_id: int) -> Path:
    return Path(data_dir) / "index" / "servers" / str(int(guild_id))


def _server_key(version: str) -> str:
    versions = (CACHE_VERSION, FORMAT_VERSION, ANALYZER_VERSION)
    return hashlib.blake2b(repr((versions, version)).encode(), digest_size=16).hexdigest()


def open_saved_server_library(data_dir: Path, guild_id: int, version: str, options: EngineOptions) -> Engine | None:
    """The server library saved for this version, memory-mapped; None when there is none or it is damaged
    (with a warning): the caller builds it from the store's articles."""
    key = _server_key(version)
    folder = server_index_dir(data_dir, guild_id) / key
    try:
        if _read_key(folder / "fingerprint") != key:
            return None
        return _open_saved(folder, options)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("ignoring the saved index of server %s in %s (%s); rebuilding", guild_id, folder, exc)
        return None


def save_server_library(data_dir: Path, guild_id: int, version: str, engine: Engine) -> Engine:
    """Save a server library just built (a BM25Index engine) as this version's, drop the server's older
    versions, and serve the mapped copy; `engine` itself if the data folder cannot be written."""
    key = _server_key(version)
    folder = server_index_dir(data_dir, guild_id) / key
    try:
        _save(folder, engine, fingerprint=key)
    except (OSError, packed.Unpackable) as exc:  # a read-only data folder costs speed, never the answer
        log.warning("could not save the index of server %s in %s: %s", guild_id, folder, exc)
        return engine
    drop_server_library(data_dir, guild_id, keep=key)
    try:
        return _open_saved(folder, engine.options)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("could not reopen the index just saved in %s (%s); serving it from memory", folder, exc)
        return engine


def drop_server_library(data_dir: Path, guild_id: int, keep: str | None = None) -> None:
    """Remove the server's saved versions (all but `keep`); another process's copy being written is left."""
    server = server_index_dir(data_dir, guild_id)
    with contextlib.suppress(OSError):
        for folder in server.iterdir():
            if folder.name != keep and not folder.name.startswith("."):
                shutil.rmtree(folder, ignore_errors=True)
        server.rmdir()  # only once empty: the server's library is gone


def drop_server_versions(data_dir: Path, guild_id: int, current: str | None) -> None:
    """Remove the server's saved copies of every version but `current` (None: all of them)."""
    drop_server_library(data_dir, guild_id, keep=None if current is None else _server_key(current))


def saved_servers(data_dir: Path) -> tuple[int, ...]:
    """The servers with a folder of saved copies in this data folder."""
    try:
        names = [p.name for p in server_index_dir(data_dir, 0).parent.iterdir() if p.is_dir()]
    except OSError:
        return ()
    return tuple(sorted(int(name) for name in names if name.isdigit()))


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def _write_key(path: Path, key: str) -> None:
    with contextlib.suppress(OSError):  # a read-only data folder: hash again next time
        tmp = path.with_suffix(".tmp")
        tmp.write_text(key + "\n", encoding="ascii")
        tmp.replace(path)


def _save(folder: Path, engine: Engine, **keys: str) -> None:
    """The engine's index and corpus saved in `folder` (_write_saved)."""
    _write_saved(folder, engine.corpus, lambda: engine.index, **keys)


def _write_saved(folder: Path, corpus: Corpus, index: Callable[[], BM25Index], **keys: str) -> None:
    """Write beside, then swap in: a reader never sees half an index. Each key goes in a file of its name.
    The passages are written first: `index` is asked for after them (it may be being built meanwhile)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        packed.save_corpus(staging, corpus)
        index().save(staging)
        for name, key in keys.items():
            (staging / name).write_text(key + "\n", encoding="ascii")
        old = folder.with_name(f".index-old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
