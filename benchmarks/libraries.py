"""Many-libraries benchmark: thousands of server libraries in one store, questions from a Zipf mix of servers.

    python -m benchmarks.libraries [--libraries 10000] [--passages 500] [--documents 5]
                                   [--shared-passages 100000] [--questions 3000] [--zipf 1.0]
                                   [--max-loaded N] [--pdf-pages 30] [--keep DIR] [--seed 7] [--json]

Setting up (not timed against the goals):
- the store: a fresh SQLite database filled through the Store's import path (`Store.bulk_load`: one
  transaction, rows inserted as `bot.storage.transfer` does), in a child process so that its memory
  is not counted. Each server has --documents documents of --passages passages in all, as the bot
  stores an upload: the parsed article as JSON and the file's bytes (here the article's text, as
  an uploaded .md). Passages are drawn, per server, from a pool of generated passages (the search
  benchmark's Zipf text: 40-80 words each), so that filling 10,000 libraries takes a minute or two;
  everything is seeded. With --keep DIR a database filled before with the same figures is reused.
- the shared library (the host's corpus folder): --shared-passages generated passages built into
  an Engine (0: none); every server searches its own library beside it, ranked as one corpus.

Measured, in this process, through the bot's own path (bot.wiring.server_libraries and the asking
service: `Asking.check` then `Asking.answer`, which loads the server's library on first use, searches,
stores the answer and logs the question): --questions questions, each about a passage of the
asking server's own library, servers drawn by a Zipf law (exponent --zipf) over a seeded shuffle.
- p50/p99 ms for questions to a server whose library was loaded, and to one whose was not (goals:
  ≤ 20 ms and ≤ 200 ms), and the mean time a load takes (Libraries.engine_for on a miss);
- RSS (VmRSS) after the shared library is built, at the end, and its peak (VmHWM, reset once the
  shared library is built; goal ≤ 2 GB), and how many libraries were loaded at the end (the LRU);
- then a 30-page PDF added to a server's library (Library.add: parse in the worker, store) and the
  first question about it answered: seconds from the upload to the answer (goal ≤ 5 s).
Also the CPU time of each question (every thread of this process), which the other work on a
shared machine does not inflate as it does wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.search import (
    FUNCTION_WORDS,
    QUESTION_TEMPLATES,
    Vocabulary,
    _percentile,
    _reset_peak,
    _settle,
    _status,
    make_passages,
)

POOL_PASSAGES = 100_000  # distinct passage texts the server libraries draw from (fewer for a small store)
FIRST_GUILD = 10**17  # server ids look like Discord's snowflakes
LOADED_MS, NOT_LOADED_MS, RSS_MB, PDF_S = 20.0, 200.0, 2048.0, 5.0  # the goals
STOPWORDS = frozenset(FUNCTION_WORDS)


@dataclasses.dataclass(frozen=True)
class Shape:
    """What the store holds: the figures a kept database must match to be reused."""

    libraries: int
    passages: int
    documents: int
    seed: int

    def guild(self, index: int) -> int:
        return FIRST_GUILD + index

    @property
    def pool_size(self) -> int:
        return min(POOL_PASSAGES, self.libraries * self.passages)

    def picks(self, index: int) -> np.ndarray:
        """The pool passages of server `index`'s library, in order (seeded per server)."""
        return np.random.default_rng([self.seed, 3, index]).integers(self.pool_size, size=self.passages)

    def pool(self) -> list[str]:
        """The passage texts every library draws from."""
        return make_passages(Vocabulary(self.seed), self.pool_size, self.seed)


def document_id(index: int, k: int) -> str:
    """The stored id of server `index`'s k-th document (ids are 10 hex digits)."""
    return f"{index * 64 + k:010x}"


def library_articles(shape: Shape, index: int, texts: Sequence[str]):
    """Server `index`'s documents as the store keeps them: (filename, Article under its document id) each."""
    from bot.core.models import Article, Passage

    picks = shape.picks(index).tolist()
    cuts = np.linspace(0, len(picks), shape.documents + 1).astype(int).tolist()
    documents = []
    for k, (lo, hi) in enumerate(zip(cuts, cuts[1:], strict=False)):
        article_id = document_id(index, k)
        passages = tuple(Passage(f"{article_id}:{i}", article_id, i, i, texts[picks[j]])
                         for i, j in enumerate(range(lo, hi), 1))  # fmt: skip
        title = f"Reading {k + 1} of server {index}"
        documents.append((f"reading-{k + 1}.md", Article(article_id, f"reading-{k + 1}.md", title, passages=passages)))
    return documents


def fill_store(path: Path, shape: Shape, show: bool) -> None:
    """The database at `path` holding every server's library (run in a child process)."""
    asyncio.run(_fill(path, shape, show))


async def _fill(path: Path, shape: Shape, show: bool) -> None:
    from bot.core.models import article_to_dict
    from bot.storage import common
    from bot.storage.records import DocumentRecord
    from bot.storage.sqlite import SqliteStore

    texts = shape.pool()
    columns = (*common.DOCUMENT_COLUMNS, "content", "article")
    started = time.perf_counter()
    async with await SqliteStore.open(path) as store, store.bulk_load() as loader:
        for index in range(shape.libraries):
            guild, rows = shape.guild(index), []
            for filename, article in library_articles(shape, index, texts):
                content = "\n\n".join(p.text for p in article.passages).encode()
                record = DocumentRecord(None, guild, filename, "text/markdown", len(content),
                                        hashlib.sha256(content).hexdigest(), article.title, None, None, None,
                                        1, 1.7e9 + len(rows), len(article.passages), 0, None, None)  # fmt: skip
                # common.stored_article's JSON, the article already under its document id
                stored = json.dumps(article_to_dict(article), ensure_ascii=False)
                rows.append((*common.document_values(article.id, record), content, stored))
            await loader.insert("documents", columns, rows)
            await loader.insert("library_versions", ("guild_id", "version"), [(guild, 1)])
            if show and (index + 1) % 500 == 0:
                print(f"\r  filling the store: {index + 1}/{shape.libraries} libraries "
                      f"({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr, flush=True)  # fmt: skip
    if show:
        print(file=sys.stderr)


def prepared_store(folder: Path, shape: Shape, show: bool) -> tuple[Path, float]:
    """The filled database in `folder` (reused when its shape matches) and the seconds filling took."""
    path, marker = folder / "studybot.sqlite3", folder / "libraries.json"
    wanted = json.dumps(dataclasses.asdict(shape))
    if path.exists() and marker.exists() and marker.read_text() == wanted:
        return path, 0.0
    for stale in (path, marker, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    child = mp.get_context("spawn").Process(target=fill_store, args=(path, shape, show))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"filling the store failed (exit {child.exitcode})")
    marker.write_text(wanted)
    return path, time.perf_counter() - started


def shared_engine(n: int, seed: int):
    """The shared library: n generated passages, a thousand to an article (an empty one for 0)."""
    from bot.core.engine import Engine
    from bot.core.models import Article, Corpus, Passage

    texts = make_passages(Vocabulary(seed + 1), n, seed + 1) if n else []
    articles = []
    for start in range(0, n, 1000):
        article_id = f"shared-{start // 1000 + 1}"
        chunk = texts[start : start + 1000]
        passages = tuple(Passage(f"{article_id}:{i}", article_id, i, i, t) for i, t in enumerate(chunk, 1))
        articles.append(Article(article_id, f"{article_id}.md", f"Shared reading {start // 1000 + 1}",
                                passages=passages))  # fmt: skip
    return Engine(Corpus(tuple(articles)))


def question_mix(shape: Shape, count: int, exponent: float, texts: Sequence[str]) -> list[tuple[int, str]]:
    """(server index, question) pairs: servers by a Zipf law over a seeded shuffle, each question four
    content words of a passage of that server's own library, in ordinary phrasing."""
    rng = np.random.default_rng([shape.seed, 4])
    weights = np.arange(1, shape.libraries + 1, dtype=np.float64) ** -exponent
    by_rank = rng.permutation(shape.libraries)
    servers = by_rank[rng.choice(shape.libraries, size=count, p=weights / weights.sum())].tolist()
    mix = []
    for server in servers:
        picks = shape.picks(server)
        words = [w.strip(",.").lower() for w in texts[int(picks[rng.integers(len(picks))])].split()]
        content = [w for w in dict.fromkeys(words) if w not in STOPWORDS]
        chosen = [content[i] for i in sorted(rng.choice(len(content), size=min(4, len(content)), replace=False))]
        template = QUESTION_TEMPLATES[int(rng.integers(len(QUESTION_TEMPLATES)))]
        mix.append((server, template.format(", ".join(chosen[:-1]) + " and " + chosen[-1])))
    return mix


class TimedWrites:
    """The store, with the time its two per-question writes take (the answer, the question log) added up."""

    def __init__(self, store):
        self._store = store
        self.seconds = 0.0

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    async def save_answer(self, *args, **kwargs):
        return await self._timed(self._store.save_answer(*args, **kwargs))

    async def log_question(self, *args, **kwargs):
        return await self._timed(self._store.log_question(*args, **kwargs))

    async def _timed(self, write):
        begun = time.perf_counter()
        try:
            return await write
        finally:
            self.seconds += time.perf_counter() - begun


async def measure(args: argparse.Namespace, shape: Shape, database: Path, show: bool) -> dict:
    from bot.config import Settings
    from bot.service.asking import Question, Ready
    from bot.service.options import ServiceOptions
    from bot.service.rules import Member
    from bot.service.services import Services
    from bot.storage.sqlite import SqliteStore
    from bot.wiring import server_libraries, server_library_options

    settings = Settings()
    library = settings.library
    if args.max_loaded:
        library = dataclasses.replace(library, max_loaded=args.max_loaded)
    settings = dataclasses.replace(settings, library=library, data_dir=database.parent / "data")
    started = time.perf_counter()
    shared = shared_engine(args.shared_passages, shape.seed)
    shared_s = time.perf_counter() - started
    texts = shape.pool()
    mix = question_mix(shape, args.questions, args.zipf, texts)
    del texts
    searched: dict[bool, list[float]] = {True: [], False: []}  # was loaded → ms without the store writes
    whole: dict[bool, list[float]] = {True: [], False: []}  # was loaded → ms of the whole check + answer
    cpu: dict[bool, list[float]] = {True: [], False: []}  # was loaded → CPU ms of it, every thread of ours
    async with await SqliteStore.open(database) as store:
        libraries = server_libraries(settings, shared, store)
        started = time.perf_counter()
        await asyncio.to_thread(libraries.prepare)
        prepare_s = time.perf_counter() - started
        rss_start = _settle()
        peak_reset = _reset_peak()
        timed = TimedWrites(store)
        services = Services.create(libraries, timed, ServiceOptions(cooldown_seconds=0),
                                   server_library_options(settings))  # fmt: skip
        answered = 0
        for n, (server, text) in enumerate(mix, 1):
            guild = shape.guild(server)
            was_loaded = libraries.version_of(guild) is not None
            writes, begun, begun_cpu = timed.seconds, time.perf_counter(), time.process_time()
            step = await services.asking.check(Question(Member(user_id=n, guild_id=guild), text))
            if isinstance(step, Ready):
                done = await services.asking.answer(step)
                answered += done.answer.answered
            took = time.perf_counter() - begun
            whole[was_loaded].append(took * 1000)
            cpu[was_loaded].append((time.process_time() - begun_cpu) * 1000)
            searched[was_loaded].append((took - (timed.seconds - writes)) * 1000)
            if show and n % 250 == 0:
                print(f"\r  questions: {n}/{len(mix)}", end="", file=sys.stderr, flush=True)
        if show:
            print(file=sys.stderr)
        rss_questions = _status("VmRSS")
        lru = len(libraries.loaded)
        pdf = await pdf_answerable(services, shape.guild(int(mix[len(mix) // 2][0])), args.pdf_pages)
    return {
        "libraries": shape.libraries,
        "passages_per_library": shape.passages,
        "documents_per_library": shape.documents,
        "shared_passages": args.shared_passages,
        "shared_build_s": round(shared_s, 1),
        "shared_prepare_s": round(prepare_s, 2),
        "first_not_loaded_ms": round(searched[False][0], 1) if searched[False] else None,
        "questions": len(mix),
        "answered": answered,
        "servers_asked": len({s for s, _ in mix}),
        "max_loaded": libraries.policy.max_loaded,
        "loaded_at_end": lru,
        "loaded": _latencies(searched[True]),
        "not_loaded": _latencies(searched[False]),
        "loaded_with_writes": _latencies(whole[True]),
        "not_loaded_with_writes": _latencies(whole[False]),
        "loaded_cpu": _latencies(cpu[True]),
        "not_loaded_cpu": _latencies(cpu[False]),
        "rss_start_mb": round(rss_start, 1),
        "rss_after_questions_mb": round(rss_questions, 1),
        "rss_end_mb": round(_status("VmRSS"), 1),
        "rss_peak_mb": round(_status("VmHWM"), 1) if peak_reset else None,
        **pdf,
    }


def _latencies(ms: list[float]) -> dict:
    if not ms:
        return {"count": 0, "p50_ms": None, "p99_ms": None}
    return {"count": len(ms), "p50_ms": round(_percentile(ms, 50), 2), "p99_ms": round(_percentile(ms, 99), 2)}


async def pdf_answerable(services, guild: int, pages: int) -> dict:
    """A `pages`-page PDF added to `guild`'s library, then a question about it: the seconds each took."""
    from bot.service.asking import Answered, Question, Ready
    from bot.service.library import Upload
    from bot.service.rules import Member
    from tests.ingest.pdf_fixtures import journal_article

    data, truth = journal_article(pages_wanted=int(pages * 1.95), notes_count=int(pages * 1.95))
    question = " ".join(truth.paragraphs[len(truth.paragraphs) // 2].split()[:12])
    librarian = Member(user_id=1, guild_id=guild, can_manage=True)
    start = time.perf_counter()
    added = await services.library.add(librarian, Upload("reading.pdf", len(data), "application/pdf", data=data))
    uploaded = time.perf_counter() - start
    if not hasattr(added, "id"):
        raise SystemExit(f"the PDF was refused: {added}")
    step = await services.asking.check(Question(Member(user_id=2, guild_id=guild), question))
    done = await services.asking.answer(step) if isinstance(step, Ready) else step
    total = time.perf_counter() - start
    if not isinstance(done, Answered) or done.answer.excerpts[0].article.id != added.id:
        raise SystemExit(f"the question was not answered from the uploaded PDF: {done}")
    await services.library.store.remove_document(guild, added.id)  # a kept store stays as it was filled
    return {"pdf_pages": len(truth.page_labels), "pdf_passages": added.passages,
            "pdf_upload_s": round(uploaded, 2), "pdf_answerable_s": round(total, 2)}  # fmt: skip


def verdicts(r: dict) -> list[tuple[str, bool, str]]:
    loaded, cold, peak = r["loaded"]["p99_ms"], r["not_loaded"]["p99_ms"], r["rss_peak_mb"] or r["rss_end_mb"]
    return [
        ("loaded p99", loaded is not None and loaded <= LOADED_MS, f"{loaded} ms (≤ {LOADED_MS:g})"),
        ("not loaded p99", cold is not None and cold <= NOT_LOADED_MS, f"{cold} ms (≤ {NOT_LOADED_MS:g})"),
        ("RSS peak", peak <= RSS_MB, f"{peak} MB (≤ {RSS_MB:g})"),
        ("PDF answerable", r["pdf_answerable_s"] <= PDF_S, f"{r['pdf_answerable_s']} s (≤ {PDF_S:g})"),
    ]


def report(r: dict) -> str:
    def row(label: str, latencies: dict) -> str:
        return f"  {label:<22} {latencies['count']:>6}   p50 {latencies['p50_ms']} ms   p99 {latencies['p99_ms']} ms"

    lines = [
        f"{r['libraries']} server libraries × {r['passages_per_library']} passages "
        f"({r['documents_per_library']} documents each), shared library {r['shared_passages']} passages "
        f"(built in {r['shared_build_s']} s)",
        f"{r['questions']} questions from {r['servers_asked']} servers (Zipf), {r['answered']} answered; "
        f"store filled in {r['fill_s']} s" + (" (reused)" if r["fill_s"] == 0 else ""),
        f"  shared library's statistics for the union ready in {r['shared_prepare_s']} s; "
        f"the first question to a library not loaded: {r['first_not_loaded_ms']} ms",
        "  per question, without storing the answer and the question log:",
        row("library loaded", r["loaded"]),
        row("library not loaded", r["not_loaded"]),
        "  per question, the whole /ask service (storing included: two SQLite commits):",
        row("library loaded", r["loaded_with_writes"]),
        row("library not loaded", r["not_loaded_with_writes"]),
        "  CPU time of those (every thread of this process; wall time above includes waiting for the cores):",
        row("library loaded", r["loaded_cpu"]),
        row("library not loaded", r["not_loaded_cpu"]),
        f"  libraries loaded at the end: {r['loaded_at_end']} (library.max_loaded {r['max_loaded']})",
        f"  RSS: start {r['rss_start_mb']} MB, after the questions {r['rss_after_questions_mb']} MB, "
        f"end {r['rss_end_mb']} MB, peak {r['rss_peak_mb']} MB",
        f"  {r['pdf_pages']}-page PDF ({r['pdf_passages']} passages): upload {r['pdf_upload_s']} s, "
        f"answerable after {r['pdf_answerable_s']} s",
    ]
    lines += [f"{'ok  ' if ok else 'MISS'} {name}: {text}" for name, ok, text in verdicts(r)]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.libraries", description=__doc__.split("\n\n")[0])
    p.add_argument("--libraries", type=int, default=10_000, help="server libraries in the store")
    p.add_argument("--passages", type=int, default=500, help="passages of each server library")
    p.add_argument("--documents", type=int, default=5, help="documents each server library is split into")
    p.add_argument("--shared-passages", type=int, default=100_000, help="passages of the shared library (0: none)")
    p.add_argument("--questions", type=int, default=3000)
    p.add_argument("--zipf", type=float, default=1.0, help="exponent of the servers' Zipf law")
    p.add_argument("--max-loaded", type=int, default=0, help="library.max_loaded (0: the configured default)")
    p.add_argument("--pdf-pages", type=int, default=30)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", type=Path, metavar="DIR", help="keep the database in DIR, reuse it when it fits")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    for name in ("libraries", "passages", "documents", "questions", "pdf_pages"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.documents > args.passages:
        p.error("--documents must not exceed --passages")
    if args.shared_passages < 0 or args.max_loaded < 0:
        p.error("--shared-passages and --max-loaded must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    shape = Shape(args.libraries, args.passages, args.documents, args.seed)
    show = not args.json and sys.stderr.isatty()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        database, fill_s = prepared_store(folder, shape, show)
        record = {**asyncio.run(measure(args, shape, database, show)), "fill_s": round(fill_s, 1)}
    print(json.dumps(record) if args.json else report(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
