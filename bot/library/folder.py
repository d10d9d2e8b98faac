"""The host's corpus folder → a Corpus: its files read by the ingest readers, its manifest applied.

A file that cannot be read is skipped with a warning naming it and the reason; the rest loads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import yaml

from bot.core.models import Article, Corpus, LoadWarning
from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from bot.ingest.formats import readable_suffixes
from bot.ingest.metadata import METADATA_KEYS

MANIFEST = "manifest.yaml"


class CorpusError(Exception):
    """The corpus folder itself is unusable (missing, not a folder, a broken manifest)."""


def corpus_files(folder: Path) -> list[Path]:
    """The files of the folder that a reader reads, in name order."""
    suffixes = readable_suffixes()
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file())


def _read_file(path: Path, max_file_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise SkipFile(f"{size:,} bytes is over corpus.max_file_bytes ({max_file_bytes:,})")
        return path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None


def read_manifest(folder: Path) -> dict[str, dict]:
    """corpus/manifest.yaml: {articles: {file name: {title, author, date, publication, url, language}}}."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(f"{where}: cannot be read: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"articles"}:
        raise CorpusError(f"{where}: expected a mapping with one key, articles")
    articles = data.get("articles") or {}
    if not isinstance(articles, dict):
        raise CorpusError(f"{where}: articles must map file names to metadata")
    manifest: dict[str, dict] = {}
    for name, entry in articles.items():
        if not isinstance(entry, dict):
            raise CorpusError(f"{where}: articles.{name} must be a mapping of {', '.join(METADATA_KEYS)}")
        unknown = set(entry) - set(METADATA_KEYS)
        if unknown:
            raise CorpusError(f"{where}: articles.{name}: unknown key {sorted(unknown)[0]!r}")
        values = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in entry.items() if v is not None}
        if "date" in values and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", values["date"]):
            raise CorpusError(f"{where}: articles.{name}.date must be YYYY-MM-DD")
        manifest[str(name)] = values
    return manifest


PARALLEL_FROM_BYTES = 32_000_000  # below this, starting processes costs more than it saves


def _load_file(job: tuple[Path, dict | None, int, int]) -> tuple[Article | None, list[LoadWarning]]:
    """One file → its article (None when skipped) and its warnings. Runs in a worker process too."""
    path, metadata, max_file_bytes, max_passage_chars = job
    try:
        document = read_document(path.name, _read_file(path, max_file_bytes), ReadLimits(max_bytes=max_file_bytes))
    except SkipFile as exc:
        return None, [LoadWarning(path.name, f"skipped: {exc}")]
    parsed = build_article(path.stem, str(path), document, metadata, max_passage_chars=max_passage_chars)
    warnings = [LoadWarning(path.name, w) for w in parsed.warnings]
    if not parsed.article.passages:
        warnings.append(LoadWarning(path.name, "skipped: no article text left after removing boilerplate"))
        return None, warnings
    return parsed.article, warnings


def _worker_count(files: list[Path]) -> int:
    try:
        size = sum(p.stat().st_size for p in files)
    except OSError:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 4, len(files)) if size >= PARALLEL_FROM_BYTES and cores > 1 else 0


@contextlib.contextmanager
def _pool(workers: int):
    """A process pool (forkserver: safe from a threaded process such as the bot), or None."""
    if workers < 2:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def load_corpus(
    folder: Path | str,
    *,
    max_file_bytes: int = 2_000_000,
    max_passage_chars: int = 1200,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> Corpus:
    """Every readable file of a folder, in name order. Raises CorpusError only for the folder itself.

    A large corpus is read by a pool of processes, one file each (`workers`: None decides by size).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such folder of articles")
    manifest = read_manifest(folder)
    articles: list[Article] = []
    warnings: list[LoadWarning] = []
    files = corpus_files(folder)
    jobs = [(path, manifest.get(path.name), max_file_bytes, max_passage_chars) for path in files]
    workers = _worker_count(files) if workers is None else workers
    with _pool(workers) as pool:
        results = pool.map(_load_file, jobs, chunksize=2) if pool else map(_load_file, jobs)
        for done, (article, file_warnings) in enumerate(results):
            if progress:
                progress("reading articles", done, len(files))
            warnings.extend(file_warnings)
            if article is not None:
                articles.append(article)
    if progress:
        progress("reading articles", len(files), len(files))
    known = {p.name for p in files}
    for name in manifest:
        if name not in known:
            warnings.append(LoadWarning(MANIFEST, f"names {name}, which is not in the corpus folder"))
    return Corpus(tuple(articles), tuple(warnings))

