"""The host's corpus folder → a Corpus: its files (subfolders too) read by the ingest readers, its manifest applied.

An article's id is its path in the folder without the suffix ("week1/reading"). A manifest.yaml
describes the files of its folder and of the subfolders under it, its keys paths inside that folder:
"week1/reading.md" in the top folder's, "reading.md" in week1's. Where two give one file the same
field, the one nearer the file is used and a warning names both. A file that cannot be read is
skipped with a warning naming it and the reason; the rest loads. When an index is to be built
(load_corpus's `index`), each article's passages are analysed in the process that read its file,
and only their term ids come back; the passages themselves come back as columns
(bot.library.packed.PassageColumns).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import yaml

from bot.core import yamlfile
from bot.core.analysis import TermEncoder
from bot.core.indexing import AnalysedRun, IndexBuilder, analyse_in_worker, analyse_run, article_documents
from bot.core.models import Article, Corpus, LoadWarning
from bot.core.versions import with_version
from bot.ingest import SkipFile
from bot.ingest.formats import reader_for, unreadable_format
from bot.ingest.metadata import METADATA_KEYS, is_iso_date, is_web_url
from bot.ingest.options import IngestOptions
from bot.library.packed import PassageColumns

MANIFEST = "manifest.yaml"


class CorpusError(Exception):
    """The corpus folder itself is unusable (missing, not a folder, a broken manifest)."""


class UnreadableManifest(CorpusError):
    """manifest.yaml exists but cannot be opened: the corpus loads without it, with a warning."""


# Files a desktop leaves beside documents: never articles, never warned about.
_DESKTOP_LITTER = frozenset({"thumbs.db", "desktop.ini", "icon\r"})


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    relative: str  # "week1/reading.md": the manifest key, the name warnings use
    article_id: str  # "week1/reading": no colon (passage ids are "<article id>:<n>")


@dataclass(frozen=True)
class ManifestFile:
    path: Path
    relative: str  # "week1/manifest.yaml": the name warnings use

    @property
    def folder(self) -> str:
        """The folder its keys are paths inside: "week1/", or "" for the top one."""
        return self.relative[: -len(MANIFEST)]


@dataclass
class FolderScan:
    files: list[CorpusFile] = field(default_factory=list)
    manifests: list[ManifestFile] = field(default_factory=list)  # in path order
    warnings: list[LoadWarning] = field(default_factory=list)


def scan_folder(folder: Path) -> FolderScan:
    """The articles of a folder and its subfolders, in path order, and warnings for what is not one.

    Each folder's manifest.yaml is a manifest, never an article. Hidden files and folders and desktop
    litter are passed over in silence; a file in a format no reader reads, a broken link, a FIFO or
    an unlistable subfolder is named in a warning. A linked subfolder is read like one of its own; a
    link back to a folder already read is named.
    """
    scan = FolderScan()
    taken: set[str] = set()

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(folder).as_posix() if exc.filename else str(folder)
        scan.warnings.append(LoadWarning(where + "/", f"skipped: the folder cannot be read ({exc.strerror or exc})"))

    seen = {_identity(folder)}  # folders read, by device and inode: a linked folder is read once

    def visit(subfolder: Path) -> bool:
        """Whether to read a subfolder (a linked one is followed): not a link back to a folder read already."""
        identity = _identity(subfolder)
        if identity is not None and identity in seen:
            where = subfolder.relative_to(folder).as_posix() + "/"
            scan.warnings.append(LoadWarning(where, "skipped: a link to a folder that is read already"))
            return False
        if identity is not None:  # else os.walk names it as a folder it cannot read
            seen.add(identity)
        return True

    entries: list[tuple[tuple[str, ...], Path]] = []
    for root, dirs, names in os.walk(folder, onerror=unlistable, followlinks=True):
        dirs[:] = [d for d in sorted(dirs) if not d.startswith((".", "__")) and visit(Path(root, d))]
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(folder)
            if name.startswith((".", "~$")) or name.casefold() in _DESKTOP_LITTER:
                continue
            entries.append((relative.parts, path))
    for parts, path in sorted(entries):
        relative = "/".join(parts)
        if not _is_utf8(relative):  # a name from another system's encoding: no id, key or message can hold it
            shown = relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            scan.warnings.append(LoadWarning(shown, "skipped: its name is not valid UTF-8; rename the file"))
            continue
        if parts[-1] == MANIFEST:
            scan.manifests.append(ManifestFile(path, relative))
            continue
        problem = _not_an_article(path)
        if problem:
            scan.warnings.append(LoadWarning(relative, f"skipped: {problem}"))
            continue
        article_id = relative.rsplit(".", 1)[0] if "." in parts[-1] else relative
        article_id = article_id.replace(":", "_")
        if article_id in taken:  # reading.txt beside reading.md: the second keeps its suffix in its id
            article_id = relative.replace(":", "_")
            scan.warnings.append(LoadWarning(relative, f"another file has its name; its article id is {article_id}"))
        taken.add(article_id)
        scan.files.append(CorpusFile(path, relative, article_id))
    return scan


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of the name, kept by the file system's surrogateescape
        return False
    return True


def _not_an_article(path: Path) -> str | None:
    if reader_for(path.name) is None:
        return str(unreadable_format())
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({'a broken link' if path.is_symlink() else exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else "not a regular file (a pipe, socket or device)"


def corpus_files(folder: Path) -> list[Path]:
    """The files of the folder and its subfolders that become articles, in path order."""
    return [f.path for f in scan_folder(folder).files]


def _read_file(path: Path, options: IngestOptions) -> bytes:
    from bot.ingest.worker import format_key

    reader = reader_for(path.name)
    try:
        if reader is not None:
            options.check_size(format_key(reader), path.stat().st_size)
        return path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None


def read_manifest(folder: Path) -> dict[str, dict]:
    """<folder>/manifest.yaml: {articles: {file name: {title, author, date, publication, url, language}}},
    its keys as written (paths inside `folder`). A bad value is a CorpusError naming the file, the
    line and the key: "manifest.yaml, line 4: week1/a.txt: 'date' must be a date written YYYY-MM-DD"."""
    path = folder / MANIFEST
    if not path.exists():
        if path.is_symlink():  # a link to a file moved away: its metadata would be lost without a word
            raise UnreadableManifest("cannot be read (a broken link); the corpus loads without it")
        return {}
    where = str(path)
    if not path.is_file():  # a folder or a pipe of that name: opening a pipe would wait for ever
        raise UnreadableManifest("cannot be read (not a regular file); the corpus loads without it")
    try:
        text = yamlfile.read_text(path, where)
    except OSError as exc:
        raise UnreadableManifest(f"cannot be read ({exc.strerror or exc}); the corpus loads without it") from None
    except yamlfile.NotUTF8 as exc:
        raise CorpusError(str(exc)) from None
    try:
        data = yamlfile.load(text) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(yamlfile.error_text(where, exc)) from None

    def at(*keys: object, key: bool = False) -> str:
        """'<file>, line N': of the value at `keys` (of the last key itself, `key`), as far as found.
        Only a manifest in error is read again for its nodes (it loaded, so it composes)."""
        root = yamlfile.compose(text)
        node, found = root, root
        for i, name in enumerate(keys):
            pair = next((pair for pair in getattr(node, "value", ()) if isinstance(pair, tuple)
                         and isinstance(pair[0], yaml.ScalarNode) and pair[0].value == str(name)), None)  # fmt: skip
            if pair is None:
                break
            node = found = pair[0] if key and i == len(keys) - 1 else pair[1]
        return f"{where}, line {found.start_mark.line + 1}" if found is not None else where

    if not isinstance(data, dict) or set(data) - {"articles"}:
        extra = sorted(set(data) - {"articles"}, key=str)[:1] if isinstance(data, dict) else []
        raise CorpusError(f"{at(*extra, key=True)}: expected a mapping with one key, articles")
    articles = data.get("articles") or {}
    if not isinstance(articles, dict):
        raise CorpusError(f"{at('articles')}: articles must map file names to metadata")
    manifest: dict[str, dict] = {}
    for name, entry in articles.items():
        if not isinstance(entry, dict):
            raise CorpusError(f"{at('articles', name)}: {name}: expected a mapping of {', '.join(METADATA_KEYS)}")
        unknown = next((key for key in entry if key not in METADATA_KEYS), None)
        if unknown is not None:
            raise CorpusError(f"{at('articles', name, unknown, key=True)}: {name}: unknown key {unknown!r} "
                              f"(expected one of: {', '.join(METADATA_KEYS)})")  # fmt: skip
        for key, value in entry.items():
            if isinstance(value, (list, dict, bool)):
                raise CorpusError(f"{at('articles', name, key)}: {name}: {key!r} must be text, not {value!r}")
        values = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in entry.items() if v is not None}
        if "date" in values and not is_iso_date(values["date"]):
            raise CorpusError(f"{at('articles', name, 'date')}: {name}: 'date' must be a date written YYYY-MM-DD, "
                              f"not {values['date']!r}")  # fmt: skip
        if "title" in values and not values["title"].strip():
            raise CorpusError(f"{at('articles', name, 'title')}: {name}: 'title' cannot be empty")
        if "url" in values and not is_web_url(values["url"]):
            raise CorpusError(f"{at('articles', name, 'url')}: {name}: 'url' must be a web address (https://…)")
        if "language" in values and not re.fullmatch(r"[a-z]{2}", values["language"]):
            raise CorpusError(f"{at('articles', name, 'language')}: {name}: 'language' must be a two-letter "
                              f"ISO 639-1 code (en, de, ru …), not {values['language']!r}")  # fmt: skip
        manifest[str(name)] = values
    return manifest


def manifest_key_path(key: str) -> str | None:
    """A manifest key as a path inside its folder ("./luther.md" → "luther.md", "a//b.md" → "a/b.md");
    None for one that leaves the folder: a ".." in it, or an absolute path."""
    if key.startswith("/") or ".." in key.split("/"):
        return None
    return posixpath.normpath(key)


@dataclass
class Manifests:
    """The manifests of a folder together: each file's metadata by its path in the folder."""

    entries: dict[str, dict] = field(default_factory=dict)
    keys: list[tuple[ManifestFile, str, str]] = field(default_factory=list)  # (manifest, key, file's path)
    warnings: list[LoadWarning] = field(default_factory=list)

    def unknown(self, known: set[str]) -> list[LoadWarning]:
        """A warning for each key that names no file of the folder."""
        warnings = []
        for manifest, key, relative in self.keys:
            if relative in known:
                continue
            inside = manifest.folder or "the corpus folder"
            said = f"names {key}, which is not in {inside}"
            written = relative[len(manifest.folder) :]  # the key as a path ("./" and "//" gone)
            if manifest.folder and written.startswith(manifest.folder):  # the path from the top, written inside
                said += f" (its keys are paths inside {inside}: write {written[len(inside) :]})"
            warnings.append(LoadWarning(manifest.relative, said))
        return warnings


def read_manifests(manifests: list[ManifestFile]) -> Manifests:
    """A folder's manifests (the top one first, a subfolder's after those of the folders above it),
    merged field by field: the one nearer the file wins, with a warning naming both. Raises
    CorpusError for a broken one; one that cannot be opened is a warning."""
    merged = Manifests()
    given_by: dict[tuple[str, str], tuple[ManifestFile, str]] = {}  # (file, field) → (manifest, its key)
    for manifest in sorted(manifests, key=lambda m: (m.relative.count("/"), m.relative)):
        try:
            entries = read_manifest(manifest.path.parent)
        except UnreadableManifest as exc:
            merged.warnings.append(LoadWarning(manifest.relative, str(exc)))
            continue
        for key, values in entries.items():
            inside = manifest_key_path(key)
            if inside is None:
                merged.warnings.append(LoadWarning(manifest.relative, _outside(key, manifest)))
                continue
            relative = manifest.folder + inside
            merged.keys.append((manifest, key, relative))
            entry = merged.entries.setdefault(relative, {})
            for name, value in values.items():
                if name in entry and entry[name] != value:
                    other, other_key = given_by[relative, name]
                    written = f" (as {other_key})" if other_key != key else ""
                    merged.warnings.append(LoadWarning(manifest.relative, (
                        f"gives {key} the {name} {value!r}, but {other.relative} gives it {entry[name]!r}"
                        f"{written}; the {name} given here is used")))  # fmt: skip
                entry[name] = value
                given_by[relative, name] = (manifest, key)
    return merged


def _outside(key: str, manifest: ManifestFile) -> str:
    """The warning for a key that names no path inside the manifest's folder."""
    said = "an absolute path" if key.startswith("/") else f"which is outside {manifest.folder or 'the corpus folder'}"
    return (f"names {key}, {said}; a manifest describes only the files of its own folder and the folders "
            "under it, by their paths inside it; the entry is ignored")  # fmt: skip


PARALLEL_FROM_BYTES = 32_000_000  # below this, starting processes costs more than it saves

Job = tuple[CorpusFile, "dict | None", IngestOptions, int, bool]  # ..., whether to analyse the article
Loaded = tuple["Article | None", list[LoadWarning], "AnalysedRun | None"]


def _load_file(job: Job, encoder: TermEncoder | None = None) -> Loaded:
    """One file → its article (None when skipped) with its version, its warnings and, when asked, its
    passages analysed (by `encoder`; in a pool process, by the process's own). Runs in a pool process too."""
    from bot.ingest.worker import ingest_file  # the pipeline: not for a start from the saved index

    file, metadata, options, max_passage_chars, analyse = job
    try:
        parsed = ingest_file(
            file.path.name,
            _read_file(file.path, options),
            article_id=file.article_id,
            path=str(file.path),
            manifest_entry=metadata,
            max_passage_chars=max_passage_chars,
            options=options,
        )
    except SkipFile as exc:
        return None, [LoadWarning(file.relative, f"skipped: {exc}")], None
    warnings = [LoadWarning(file.relative, w) for w in parsed.warnings]
    if not parsed.article.passages:
        warnings.append(LoadWarning(file.relative, "skipped: no article text left after removing boilerplate"))
        return None, warnings, None
    article = with_version(parsed.article)  # here, on every core: saving needs it
    run = None
    if analyse:
        documents = article_documents(article)
        run = analyse_run(documents, encoder) if encoder else analyse_in_worker(documents)
    return _as_columns(article), warnings, run


def _as_columns(article: Article) -> Article:
    """The article with its passages as columns (packed.PassageColumns), as they cross from a pool
    process and are saved: no Passage object made for them in the process that gathers them all."""
    columns = PassageColumns.of(article.id, article.passages)
    return article if columns is None else replace(article, passages=columns)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _worker_count(files: list[Path]) -> int:
    try:
        size = sum(p.stat().st_size for p in files)
    except OSError:
        return 0
    cores = _cores()
    return min(cores, 4, len(files)) if size >= PARALLEL_FROM_BYTES and cores > 1 else 0


@contextlib.contextmanager
def _pool(workers: int):
    """A process pool (forkserver: safe from a threaded process such as the bot), or None."""
    if workers < 2:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def load_corpus(
    folder: Path | str,
    *,
    max_file_bytes: int | None = None,
    max_passage_chars: int = 1200,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
    options: IngestOptions | None = None,
    index: IndexBuilder | None = None,
) -> Corpus:
    """Every readable file of a folder and its subfolders, in path order. Raises CorpusError only for
    the folder itself.

    `options`: size caps per format, time and memory per file; `max_file_bytes` (corpus.max_file_bytes)
    caps .txt and .md as it always has. Formats that need it are read in a worker process each (a
    thread per core waits for them); plain text in this process, or a pool of processes for a large
    corpus (`workers`: None decides by size).

    `index`: each article's passages are analysed where its file is read (on every core for a large
    corpus) and added to the builder in article order; build it once this returns.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: {'a file, not a folder' if folder.exists() else 'no such folder'} of articles")
    options = options or IngestOptions()
    if max_file_bytes is not None:
        options = replace(options, text_max_bytes=max_file_bytes)
    scan = scan_folder(folder)
    manifests = read_manifests(scan.manifests)
    manifest = manifests.entries
    warnings = [*manifests.warnings, *scan.warnings]
    from bot.ingest.worker import format_key

    analyse = index is not None
    jobs = [(file, manifest.get(file.relative), options, max_passage_chars, analyse) for file in scan.files]
    isolated = [i for i, job in enumerate(jobs) if options.needs_worker(format_key(reader_for(job[0].path.name)))]
    in_process = sorted(set(range(len(jobs))) - set(isolated))
    results: dict[int, Loaded] = {}
    in_process_paths = [jobs[i][0].path for i in in_process]
    workers = _worker_count(in_process_paths) if workers is None else workers
    articles: list[Article] = []
    next_file = 0

    def take_ready() -> None:
        """The results in file order, each as soon as its turn comes: its run into the index, its article kept."""
        nonlocal next_file
        while next_file in results:
            article, file_warnings, run = results.pop(next_file)
            next_file += 1
            warnings.extend(file_warnings)
            if article is not None:
                articles.append(article)
            if run is not None:
                index.add(run)

    with ThreadPoolExecutor(max_workers=max(1, _cores())) as waiters, _pool(workers) as pool:
        # A thread each for the isolated formats: each its own encoder (they run side by side).
        pending = {i: waiters.submit(_load_file, jobs[i], TermEncoder() if analyse else None) for i in isolated}
        if pool:
            mapped = pool.map(_load_file, [jobs[i] for i in in_process], chunksize=2)
        else:
            encoder = TermEncoder() if analyse else None
            mapped = (_load_file(jobs[i], encoder) for i in in_process)
        for done, (i, result) in enumerate(zip(in_process, mapped, strict=True)):
            results[i] = result
            take_ready()
            if progress:
                progress("reading articles", done, len(jobs))
        for i, future in pending.items():
            results[i] = future.result()
            take_ready()
            if progress:
                progress("reading articles", next_file, len(jobs))
    if progress:
        progress("reading articles", len(jobs), len(jobs))
    warnings += manifests.unknown({f.relative for f in scan.files})
    return Corpus(tuple(articles), tuple(warnings))
