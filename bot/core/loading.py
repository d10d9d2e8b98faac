"""Files → articles: decoding, metadata, boilerplate removal, notes list, passages.

A file that cannot be read is skipped with a warning naming it and the reason; the rest loads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from bot.core import footnotes as notes
from bot.core.models import Article, Corpus, LoadWarning, Passage
from bot.core.passages import paragraphs, split_long

TEXT_SUFFIXES = (".txt", ".md")
MANIFEST = "manifest.yaml"
METADATA_KEYS = ("title", "author", "date", "publication", "url", "language")


class CorpusError(Exception):
    """The corpus folder itself is unusable (missing, not a folder, a broken manifest)."""


class SkipFile(Exception):
    """This file cannot be an article; the message says why."""


# ---------------------------------------------------------------- boilerplate

# Scraped page furniture, never article text (case-insensitive). These fill a line from its start:
_FURNITURE_LINE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"(leave a (reply|comment)|post a comment|add a comment|comments?|\d+ comments?|join the discussion)\W*$",
            r"you must be logged in to post a comment",
            r"(your )?e-?mail( address)?( will not be published)?\W*$",
            r"(name|website|comment)\s*\*?\s*:?$",
            r"secure and spam free",
            r"get (amazing|our|the latest) (articles|news|stories|updates)",
            r"(sign up|subscribe)\b.{0,40}$",
            r"(photo|image|picture|cover|header image)s?( credits?)?\s*(:|by\b)",
            r"(credit|source): (ap|reuters|afp|getty|shutterstock)\b",
            r"\W*the (views|opinions) expressed (in|here|by)",
            r"\W*share (this|on)\b.{0,40}$",
            r"(related|read more|recommended)( articles| posts| stories)?\W*$",
            r"(tags?|categories|filed under)\s*:",
            r"original url\s*:",
        )
    ),
    re.IGNORECASE,
)
# ...and these may sit anywhere in a short line; the cheap substring test runs first.
_FURNITURE_PHRASE = re.compile(
    r"\bsign up now\b|delivered (straight )?to your inbox"
    r"|do not necessarily (reflect|represent) the (views|position|opinion)",
    re.IGNORECASE,
)
_FURNITURE_HINTS = ("sign up", "inbox", "necessarily")
_GLUED_WORD = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]*){2,}$")  # ZhenQianNiuNiu: spam keyword runs
_ANY_GLUED_WORD = re.compile(r"[a-z][A-Z][a-z]*[A-Z]")


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    if not text:
        return False
    if len(text) <= 300:
        if _FURNITURE_LINE.match(text):
            return True
        folded = text.casefold()
        if any(hint in folded for hint in _FURNITURE_HINTS) and _FURNITURE_PHRASE.search(text):
            return True
    if not _ANY_GLUED_WORD.search(text):  # the common case: no spam keyword at all
        return False
    words = text.split()
    glued = sum(1 for w in words if _GLUED_WORD.match(w))
    return len(words) >= 4 and glued / len(words) >= 0.5


# ---------------------------------------------------------------- metadata

_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BYLINE = re.compile(r"^\W*by\s+(.{2,120}?)\W*$", re.IGNORECASE)
_URL_LINE = re.compile(r"^\W*original url\s*:\s*<?(\S+?)>?\s*$", re.IGNORECASE)
_ABOUT_AUTHOR = re.compile(r"^about (the )?authors?\W*$", re.IGNORECASE)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y", "%d.%m.%Y")


def parse_date(text: str) -> str | None:
    """'June 30, 2011' / '30 June 2011' / '2011-06-30' → '2011-06-30'; anything else → None."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().strip("*_ ").rstrip("."))
    cleaned = re.sub(r"^(published|posted|updated)( on)?\s*:?\s*", "", cleaned, flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


@dataclass
class Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    publication: str | None = None
    url: str | None = None
    language: str = "en"

    def updated(self, values: dict) -> Metadata:
        merged = {k: getattr(self, k) for k in METADATA_KEYS}
        merged.update({k: v for k, v in values.items() if v is not None})
        return Metadata(**merged)


def _plain(text: str) -> str:
    return _MD_LINK.sub(r"\1", text).strip().strip("*_").strip()


def take_metadata(blocks: list[list[str]]) -> tuple[Metadata, list[list[str]]]:
    """Metadata the text shows, and the blocks without the lines that showed it.

    The head of the file (before the first real paragraph) may hold a title (`# Title` or a lone
    short first line), a `By …` line and a date line; an `Original url:` line may be anywhere.
    """
    meta = Metadata()
    kept: list[list[str]] = []
    in_head = True
    for block in blocks:
        lines = []
        for line in block:
            url = _URL_LINE.match(line)
            if url:
                meta.url = meta.url or url.group(1)
                continue
            if in_head and len(block) == 1:
                text = line.strip()
                if meta.title is None and text.startswith("# "):
                    meta.title = _plain(text[2:])
                    continue
                byline = _BYLINE.match(_plain(text))
                if meta.author is None and byline and len(text) <= 150:
                    meta.author = _plain(byline.group(1))
                    continue
                found_date = parse_date(_plain(text))
                if meta.date is None and found_date:
                    meta.date = found_date
                    continue
                if meta.title is None and not kept and len(text) <= 200 and not re.search(r"[.!?]$", text):
                    meta.title = _plain(text.lstrip("#"))
                    continue
            lines.append(line)
        if lines:
            kept.append(lines)
            in_head = in_head and len(lines) == 1 and len(lines[0]) < 40  # a long line ends the head
    meta.author = meta.author or _author_from_bio(kept)
    return meta, kept


def _author_from_bio(blocks: list[list[str]]) -> str | None:
    """An "About Author" heading followed by a lone name line names the author."""
    for heading, name in zip(blocks, blocks[1:], strict=False):
        if len(heading) == 1 and _ABOUT_AUTHOR.match(heading[0].strip()) and len(name) == 1:
            candidate = name[0].strip()
            if 1 < len(candidate.split()) <= 5 and not re.search(r"[.!?:]", candidate):
                return candidate
    return None


# ---------------------------------------------------------------- notes list


def take_notes(blocks: list[list[str]]) -> tuple[list[notes.Entry], list[list[str]], int]:
    """Split off the notes list: the run of blocks from the first entry to the last one.

    Inside that run, text that is no entry (a stray pull-quote) is dropped; a "Notes" heading right
    before it goes too. Returns (entries, the body blocks, how many stray lines were dropped).
    """
    entry_rows = [i for i, block in enumerate(blocks) if notes.parse_entry(block[0])]
    if not entry_rows:
        return [], blocks, 0
    first, last = entry_rows[0], entry_rows[-1]
    entries: list[notes.Entry] = []
    stray = 0
    for block in blocks[first : last + 1]:
        current: notes.Entry | None = None
        for line in block:
            entry = notes.parse_entry(line)
            if entry:
                if current:
                    entries.append(current)
                current = entry
            elif current:
                current = notes.Entry(current.marker, f"{current.text} {line.strip()}")
            else:
                stray += 1
        if current:
            entries.append(current)
    head = blocks[:first]
    if head and len(head[-1]) == 1 and head[-1][0].strip().strip("#*: ").casefold() in notes.NOTES_HEADINGS:
        head = head[:-1]
    return entries, head + blocks[last + 1 :], stray


# ---------------------------------------------------------------- reading files


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes → text. Returns (text, a warning or None); raises SkipFile for what is no text."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
        if b"\x00" in data[:8192]:
            raise SkipFile("binary file (NUL bytes), not text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise SkipFile(f"not valid {encoding.upper()} text") from None
        text = data.decode("cp1252", errors="replace")
        if _control_share(text) > 0.01 or text.count("\ufffd") > len(text) // 100:
            raise SkipFile("not text in UTF-8 or UTF-16 (looks binary)") from None
        return _normalise_newlines(text), "not UTF-8: read as Windows-1252 (Latin-1); save it as UTF-8"
    if _control_share(text) > 0.01:
        raise SkipFile("binary file (control characters), not text")
    return _normalise_newlines(text), None


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / min(len(text), 20000)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, max_file_bytes: int) -> tuple[str, str | None]:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise SkipFile(f"{size:,} bytes is over corpus.max_file_bytes ({max_file_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None
    text, warning = decode(data)
    if not text.strip():
        raise SkipFile("empty file" if not data else "no text (only whitespace)")
    return text, warning


def _blocks(text: str) -> list[list[str]]:
    """Text → blocks of non-blank lines (whitespace runs and no-break spaces folded)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split()).lstrip("\ufeff")  # every run of (Unicode) whitespace: one space
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


# ---------------------------------------------------------------- articles


@dataclass
class ParsedArticle:
    article: Article
    warnings: list[str] = field(default_factory=list)


def parse_article(
    article_id: str, path: str, text: str, manifest_entry: dict | None = None, *, max_passage_chars: int = 1200
) -> ParsedArticle:
    """One file's text → an Article with its passages and footnotes, plus warnings about it."""
    warnings: list[str] = []
    blocks = [[line for line in block if not is_boilerplate(line) or _URL_LINE.match(line)] for block in _blocks(text)]
    blocks = [b for b in blocks if b]
    meta, blocks = take_metadata(blocks)
    meta = meta.updated(manifest_entry or {})
    entries, blocks, stray = take_notes(blocks)
    if stray:
        warnings.append(f"dropped {stray} line(s) in the notes list that are no footnote entry")
    footnotes, footnote_warnings = notes.resolve(entries)
    warnings.extend(footnote_warnings)
    by_marker = {f.marker: f for f in footnotes}

    passages: list[Passage] = []
    missing: set[str] = set()
    for number, paragraph in enumerate(paragraphs([" ".join(b) if len(b) > 1 else b[0] for b in blocks]), 1):
        for piece in split_long(paragraph, max_passage_chars):
            cited = notes.cited_markers(piece)
            missing.update(m for m in cited if m not in by_marker)
            ordinal = len(passages) + 1
            passages.append(
                Passage(
                    id=f"{article_id}:{ordinal}",
                    article_id=article_id,
                    ordinal=ordinal,
                    paragraph=number,
                    text=piece,
                    footnotes=tuple(by_marker[m] for m in cited if m in by_marker),
                )
            )
    for marker in sorted(missing):
        warnings.append(f"footnote marker [{marker}] has no entry in the notes list")
    article = Article(
        id=article_id,
        path=path,
        title=meta.title or article_id.replace("_", " "),
        author=meta.author,
        date=meta.date,
        publication=meta.publication,
        url=meta.url,
        language=meta.language,
        passages=tuple(passages),
        footnotes=footnotes,
    )
    return ParsedArticle(article, warnings)


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
        text, decode_warning = read_text(path, max_file_bytes)
    except SkipFile as exc:
        return None, [LoadWarning(path.name, f"skipped: {exc}")]
    warnings = [LoadWarning(path.name, decode_warning)] if decode_warning else []
    parsed = parse_article(path.stem, str(path), text, metadata, max_passage_chars=max_passage_chars)
    warnings.extend(LoadWarning(path.name, w) for w in parsed.warnings)
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
    """Every .txt/.md file of a folder, in name order. Raises CorpusError only for the folder itself.

    A large corpus is read by a pool of processes, one file each (`workers`: None decides by size).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such folder of articles")
    manifest = read_manifest(folder)
    articles: list[Article] = []
    warnings: list[LoadWarning] = []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
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

