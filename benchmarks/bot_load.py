"""Load benchmark: the real bot (`studybot run`, a subprocess) answering a burst of /ask against the fake Discord.

    python -m benchmarks.bot_load [--passages 100000] [--interactions 200] [--window 10] [--seed 7] [--json]
                                  [--trace-memory] [--cold] [--keep DIR [--reuse]]
    python -m benchmarks.bot_load --postgresql [--postgresql-url URL] [...]   # SQLite beside PostgreSQL

(--postgresql: the same load on one bot over SQLite and on two shard processes over PostgreSQL, side by
side; see benchmarks/backends.py.)

Steps: a seeded synthetic corpus of N passages is written as 100 article files (paragraphs between blank
lines, English-like made-up words drawn from a Zipf distribution); `studybot index` builds the saved index
once (timed); the fake Discord (tests/e2e/fake_discord.py, 127.0.0.1 only) and the bot are started, the bot
with PYTHONASYNCIODEBUG=1 so that asyncio logs every callback that holds the event loop for more than
0.1 s ("Executing <...> took N seconds", logger "asyncio", WARNING) in the bot's log; once it is connected
and its commands synced, K /ask interactions (3-6 words from one passage of the corpus each, every one
from a different user) are dispatched evenly over W seconds, in two halves of K/2 over W/2 each; the bot
is drained between the halves so its memory after each half can be compared.

Measured:
- acknowledged in time: interactions whose first response (the defer) reached the fake < 3 s after the
  INTERACTION_CREATE dispatch; 10062 (expired) and 50035 (invalid form) errors the fake answered;
- latency from the dispatch to the final reply (the deferred message filled with the answer embed): p50/p99/max;
- event-loop stalls in the bot: asyncio's slow-callback warnings in its log while the load ran (those from
  start-up are counted apart), their count and the worst;
- memory: the bot's VmRSS (/proc/<pid>/status) before the load, sampled every 50 ms during it, after each
  half and at the end; growth = RSS after the second half - RSS after the first, printed whole and in
  its two parts: anonymous (RssAnon: the process's own objects) and file-backed (RssFile: pages of the
  memory-mapped saved index and of shared libraries, shared with every process that maps them).

Then (unless --no-compare) the same load runs once more against a fresh bot without asyncio's debug mode:
debug mode captures a traceback (linecache: an os.stat per frame file) for every future, handle and timer
the loop creates, which costs the bot's loop real time, so those latencies are the ones users would see.

With --trace-memory, a last pass runs against a fresh bot with tracemalloc on (benchmarks/memory_trace:
a snapshot after each half on SIGUSR1) and prints where Python's allocations grew between the halves.
With --cold, each bot starts with its saved index dropped from the page cache first (as after a reboot;
posix_fadvise on those files only); the replies to the first 20 questions are printed apart either way.

Targets: every interaction acknowledged before 3 s; p99 dispatch -> final reply <= 300 ms; no stall over
100 ms; memory flat (total RSS growth between the halves under 5 MB here; the suite allows 30 MB). All
of these are wall-clock figures: on a machine shared with other CPU-heavy work they measure that work too (compare the
load average printed with the table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from testing.bot_process import GUILD, OTHER_GUILD, TOKEN, BotProcess, bot_env
from testing.fake_discord import FakeDiscord, Interaction
from testing.memory import mapped_rss_kb

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 3.0
TARGET_P99_MS = 300.0
STALL_S = 0.100  # asyncio's default slow_callback_duration
FLAT_MB = 5.0
FIRST_QUESTIONS = 20  # their replies are printed apart: what the bot's first users see
N_FILES = 100
SYNTHETIC_WORDS = 20_000
MIN_WORDS, MAX_WORDS = 40, 80
USER_BASE = 700_000
GENERATED = "generated.json"  # with --keep: the sizes, seed and questions of the corpus kept there
TRACE_SITE = ROOT / "benchmarks" / "memory_trace"  # its sitecustomize traces the bot's allocations
TRACE_TOP = 12  # allocation sites printed
SLOW_CALLBACK = re.compile(r"Executing (?P<what>.*) took (?P<s>\d+(?:\.\d+)?) seconds")

FUNCTION_WORDS = """the of and to a in is that for it as was with be by on not he this are or his from at which
but have an they you were her she there been their one all we can has more would if will when who so no""".split()
ENGLISH_WORDS = """treaty policy government election economy sanctions military alliance security nation
minister president diplomat war conflict defense weapon nuclear missile strategy power influence region border
territory crisis reform trade energy pipeline market investment cooperation relations expansion democracy
parliament leader analyst history decade summit conference ambassador foreign domestic international threat
identity culture society institution organization partner neighbor europe russia america china ukraine
germany france britain soviet union capital city country population public law court rights freedom protest
reset engagement containment deterrence escalation withdrawal troops army navy intelligence cyber invasion
occupation annexation sovereignty independence revolution ideology propaganda media journalist newspaper""".split()


# ---------------------------------------------------------------- corpus


class Vocabulary:
    """Function words, then real and made-up content words, in Zipf rank order (seeded)."""

    def __init__(self, seed: int):
        rng = np.random.default_rng([seed, 0])
        onsets, vowels, codas = "bcdfghjklmnprstvwz", "aeiouy", ["", "", "", "n", "r", "s", "l", "k", "m", "t"]
        seen = set(FUNCTION_WORDS) | set(ENGLISH_WORDS)
        made_up: list[str] = []
        while len(made_up) < SYNTHETIC_WORDS:
            syllables = int(rng.integers(2, 5))
            word = "".join(
                onsets[int(rng.integers(len(onsets)))] + vowels[int(rng.integers(len(vowels)))]
                + codas[int(rng.integers(len(codas)))]
                for _ in range(syllables)
            )  # fmt: skip
            if word not in seen:
                seen.add(word)
                made_up.append(word)
        content = list(ENGLISH_WORDS) + made_up
        order = rng.permutation(len(content))
        self.words = FUNCTION_WORDS + [content[i] for i in order]
        self.n_function = len(FUNCTION_WORDS)
        p = np.arange(1, len(self.words) + 1, dtype=np.float64) ** -1.05
        self.cdf = np.cumsum(p / p.sum())

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(size), side="right"), len(self.words) - 1)


def make_passages(n: int, seed: int) -> list[str]:
    """n passages of 40-80 words: sentences that start with a capital and end with a full stop."""
    vocab = Vocabulary(seed)
    words = np.array(vocab.words, dtype=object)
    rng = np.random.default_rng([seed, 1])
    texts: list[str] = []
    for _ in range(n):
        ids = vocab.draw(rng, int(rng.integers(MIN_WORDS, MAX_WORDS + 1)))
        tokens = words[ids].tolist()
        out, start = [], True
        for i, word in enumerate(tokens):
            out.append(word.capitalize() if start else word)
            start = False
            if i == len(tokens) - 1 or rng.random() < 0.08:
                out[-1] += "."
                start = True
            elif rng.random() < 0.06:
                out[-1] += ","
        texts.append(" ".join(out))
    return texts


def write_corpus(folder: Path, passages: Sequence[str], files: int = N_FILES) -> int:
    """The passages as `files` article files (a title line, then paragraphs between blank lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = max(1, min(files, len(passages)))
    per_file = math.ceil(len(passages) / files)
    written = 0
    for f in range(files):
        chunk = passages[f * per_file : (f + 1) * per_file]
        if not chunk:
            break
        title = f"# Reading {f + 1}: " + " ".join(chunk[0].split()[:4]).rstrip(".,")
        (folder / f"{f:03d}_reading.txt").write_text(title + "\n\n" + "\n\n".join(chunk) + "\n", encoding="utf-8")
        written += 1
    return written


def make_questions(passages: Sequence[str], count: int, seed: int) -> list[str]:
    """count questions of 3-6 distinct content words, each taken from one random passage (so it matches)."""
    rng = np.random.default_rng([seed, 2])
    stop = set(FUNCTION_WORDS)
    templates = ("{}?", "What does the reading say about {}?", "Why do {} matter?", "{}")
    questions = []
    for _ in range(count):
        text = passages[int(rng.integers(len(passages)))]
        content = [w for w in dict.fromkeys(w.strip(".,").lower() for w in text.split()) if w not in stop]
        size = min(len(content), int(rng.integers(3, 7)))
        picked = [content[i] for i in sorted(rng.choice(len(content), size, replace=False))]
        questions.append(templates[int(rng.integers(len(templates)))].format(" ".join(picked)))
    return questions


# ---------------------------------------------------------------- bot process


def write_bot_config(path: Path, fake: FakeDiscord, corpus: Path, data_dir: Path, level: str = "INFO", *,
                     guilds: Sequence[int] = (GUILD, OTHER_GUILD), storage_url: str | None = None,
                     shard_ids: Sequence[int] | None = None) -> Path:  # fmt: skip
    """The bot's config; with `shard_ids`, it runs those of `fake.shard_count` shards."""
    lines = [
        f"data_dir: {data_dir}",
        f"logging: {{level: {level}}}",
        "corpus:",
        f"  path: {corpus}",
        *([f"storage: {{url: {storage_url}}}"] if storage_url else []),
        "discord:",
        f"  api_base_url: {fake.api_base_url}",
        f"  gateway_url: {fake.gateway_url}",
        f"  sync_guild_ids: [{', '.join(map(str, guilds))}]",
        "  shutdown_grace_seconds: 8",
        "  cooldown_seconds: 0",
        *([f"  shard_count: {fake.shard_count}", f"  shard_ids: [{', '.join(map(str, shard_ids))}]"]
          if shard_ids is not None else []),
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_env(data_dir: Path, asyncio_debug: bool = True, trace_dir: Path | None = None) -> dict:
    """The bot's environment; with `trace_dir`, it traces its allocations and writes a snapshot
    there on each SIGUSR1."""
    env = bot_env(data_dir)
    env.pop("PYTHONASYNCIODEBUG", None)
    if asyncio_debug:
        env["PYTHONASYNCIODEBUG"] = "1"  # asyncio logs callbacks that hold the loop > 0.1 s
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if trace_dir is not None:
        env["PYTHONPATH"] = str(TRACE_SITE) + os.pathsep + env["PYTHONPATH"]
        env["STUDYBOT_TRACE_DIR"] = str(trace_dir)
    return env


async def build_index(config: Path, env: dict) -> tuple[float, int]:
    """Runs `studybot index` once; returns (seconds, passages indexed)."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "index", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env, cwd=str(ROOT),
    )  # fmt: skip
    out, _ = await proc.communicate()
    elapsed = time.perf_counter() - started
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"studybot index failed ({proc.returncode}):\n{text[-3000:]}")
    found = re.search(r"([\d,]+) articles?, ([\d,]+) passages?", text)
    return elapsed, int(found.group(2).replace(",", "")) if found else -1


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon, RssFile, VmHWM of a process in MB."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def mapped_rss_mb(pid: int, folder: Path) -> float:
    """The resident MB of the process's mappings of files in `folder` (/proc/<pid>/smaps)."""
    return mapped_rss_kb(pid, folder) / 1024


def evict_from_page_cache(folder: Path) -> int:
    """Drops the files in `folder` from the page cache (posix_fadvise DONTNEED; pages a process still
    maps stay); returns their bytes."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
            total += path.stat().st_size
    return total


def stalls_in(log_text: str) -> list[tuple[float, str]]:
    """asyncio's slow-callback warnings: (seconds, what), in log order."""
    return [(float(m.group("s")), m.group("what")[:200]) for m in SLOW_CALLBACK.finditer(log_text)]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def final_reply_s(inter: Interaction) -> float | None:
    """Seconds from dispatch to the edit, followup or type-4 reply that carries an embed."""
    for reply in inter.replies:
        if reply.payload.get("embeds") and (reply.kind in ("edit", "followup") or reply.type == 4):
            return reply.at
    return None


# ---------------------------------------------------------------- the load


@dataclass
class RssSampler:
    pid: int
    interval: float = 0.05
    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    _task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                self.samples.append((time.monotonic(), proc_status(self.pid)))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def peak(self, key: str = "VmRSS") -> float:
        return max((s[key] for _, s in self.samples if key in s), default=math.nan)


async def send_evenly(fake: FakeDiscord, questions: Sequence[str], window: float, first_user: int,
                      guilds: Sequence[int] = (GUILD,)) -> list:  # fmt: skip
    """Dispatches one /ask per question at evenly spaced instants over `window` seconds, to the
    `guilds` in turn."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    step = window / max(1, len(questions))
    sent = []
    for i, question in enumerate(questions):
        delay = start + i * step - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        guild_id = guilds[i % len(guilds)]
        sent.append(await fake.send_command("ask", {"question": question}, user_id=first_user + i, guild_id=guild_id))
    return sent


async def drain(interactions: Sequence[Interaction], timeout: float) -> None:
    """Waits until every interaction has its final embed reply (or an error), at most `timeout` in all."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    for inter in interactions:
        with contextlib.suppress(TimeoutError):
            await inter.wait_for(lambda m: bool(m.get("embeds")), timeout=max(0.01, end - loop.time()))


async def settled_rss(pid: int, index_folder: Path, pause: float = 0.5) -> dict[str, float]:
    """proc_status once the bot has settled, with "SavedIndex": the resident MB of its saved index."""
    await asyncio.sleep(pause)
    return {**proc_status(pid), "SavedIndex": mapped_rss_mb(pid, index_folder)}


async def take_snapshot(pid: int, trace_dir: Path, number: int, timeout: float = 120) -> Path:
    """Asks the traced bot for its next tracemalloc snapshot; its path once written."""
    path = trace_dir / f"snapshot-{number}.pickle"
    os.kill(pid, signal.SIGUSR1)
    end = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > end:
            raise TimeoutError(f"no {path.name} from the bot within {timeout:g} s")
        await asyncio.sleep(0.1)
    return path


def allocation_growth(first: Path, second: Path, top: int = TRACE_TOP) -> dict:
    """Where Python's traced allocations grew from one snapshot to the next: the total, and the
    `top` source lines (the frame nearest the allocation) by bytes added."""
    import tracemalloc

    old, new = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(second))
    stats = new.compare_to(old, "lineno")
    where = lambda frame: f"{_short_path(frame.filename)}:{frame.lineno}"  # noqa: E731
    return {
        "traced_growth_mb": round(sum(s.size_diff for s in stats) / 2**20, 2),
        "traced_blocks_growth": sum(s.count_diff for s in stats),
        "sites": [{"where": where(s.traceback[0]), "kb": round(s.size_diff / 1024, 1), "blocks": s.count_diff,
                   "kb_now": round(s.size / 1024, 1)}
                  for s in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:top]],
    }  # fmt: skip


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.relpath(filename, ROOT) if filename.startswith(str(ROOT)) else filename


async def run_benchmark(passages: int, interactions: int, window: float, seed: int = 7,
                        workdir: Path | None = None, progress=None, compare_without_debug: bool = False,
                        trace_memory: bool = False, reuse: bool = False, cold: bool = False) -> dict:
    """The whole benchmark; returns one dict of figures (see `table`).

    The load runs against a bot with asyncio's debug mode on (for the stall count). With
    `compare_without_debug`, it runs a second time against a fresh bot (same corpus, index and
    questions, empty database) without debug mode, whose figures go under "without_asyncio_debug":
    debug mode records a traceback for every future and handle, which costs the bot's loop time.
    With `trace_memory`, a last pass (tracemalloc on, figures under "traced") says where the bot's
    Python allocations grew between the halves. With `reuse` (and `workdir`), the corpus, saved index
    and questions an earlier run with the same sizes and seed left in `workdir` are used again. With
    `cold`, each bot starts with its saved index out of the page cache."""
    say = progress or (lambda _msg: None)
    own_dir = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="studybot-load-")) if own_dir else Path(workdir)
    try:
        return await _run(folder, passages, interactions, window, seed, say, compare_without_debug, trace_memory,
                          reuse and not own_dir, cold)
    finally:
        if own_dir:
            shutil.rmtree(folder, ignore_errors=True)


async def _run(folder: Path, n_passages: int, n_inter: int, window: float, seed: int, say, compare: bool,
               trace: bool, reuse: bool, cold: bool) -> dict:  # fmt: skip
    result: dict = {"passages": n_passages, "interactions": n_inter, "window_s": window, "seed": seed,
                     "cpus": os.cpu_count(), "loadavg_before": round(os.getloadavg()[0], 2)}
    data_dir = folder / "data"
    kept = _kept_corpus(folder, n_passages, n_inter, seed) if reuse else None
    if kept is None:
        say(f"generating {n_passages} passages")
        t0 = time.perf_counter()
        texts = make_passages(n_passages, seed)
        result["articles"] = write_corpus(folder / "corpus", texts)
        questions = make_questions(texts, n_inter, seed)
        result["generate_s"] = round(time.perf_counter() - t0, 2)
        del texts
    else:
        questions, result["articles"] = kept["questions"], kept["articles"]
        result.update(generate_s=None, index_s=None, passages_indexed=kept["passages_indexed"])
    async with FakeDiscord(token=TOKEN, guilds=(GUILD, OTHER_GUILD)) as fake:
        config = write_bot_config(folder / "config.yaml", fake, folder / "corpus", data_dir)
        if kept is None:
            say("studybot index")
            index_s, indexed = await build_index(config, load_env(data_dir, asyncio_debug=False))
            result.update(index_s=round(index_s, 2), passages_indexed=indexed)
            _keep_corpus(folder, n_passages, n_inter, seed, questions, result)
        result["cold"] = cold
        result.update(await load_pass(fake, config, data_dir, folder / "bot.log", questions, window, True, say,
                                      cold=cold))  # fmt: skip
        if compare:
            _fresh_database(data_dir)
            result["without_asyncio_debug"] = await load_pass(
                fake, config, data_dir, folder / "bot-nodebug.log", questions, window, False, say, cold=cold
            )
        if trace:
            _fresh_database(data_dir)
            trace_dir = folder / "trace"
            shutil.rmtree(trace_dir, ignore_errors=True)
            trace_dir.mkdir()
            result["traced"] = await load_pass(
                fake, config, data_dir, folder / "bot-traced.log", questions, window, False, say, trace_dir, cold=cold
            )
    result["loadavg_after"] = round(os.getloadavg()[0], 2)
    result["targets"] = {name: met for name, met, _ in verdicts(result)}
    return result


def _kept_corpus(folder: Path, n_passages: int, n_inter: int, seed: int) -> dict | None:
    """What an earlier run with the same sizes and seed left in `folder` (corpus, saved index,
    questions), or None."""
    try:
        kept = json.loads((folder / GENERATED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (kept.get("passages"), kept.get("interactions"), kept.get("seed")) == (n_passages, n_inter, seed)
    return kept if same and (folder / "data" / "index").is_dir() else None


def _keep_corpus(folder: Path, n_passages: int, n_inter: int, seed: int, questions: Sequence[str],
                 result: dict) -> None:  # fmt: skip
    kept = {"passages": n_passages, "interactions": n_inter, "seed": seed, "articles": result["articles"],
            "passages_indexed": result["passages_indexed"], "questions": list(questions)}  # fmt: skip
    (folder / GENERATED).write_text(json.dumps(kept), encoding="utf-8")


def _fresh_database(data_dir: Path) -> None:
    for stale in data_dir.glob("studybot.sqlite3*"):
        stale.unlink()


async def load_pass(fake: FakeDiscord, config: Path, data_dir: Path, log_path: Path, questions: Sequence[str],
                    window: float, asyncio_debug: bool, say, trace_dir: Path | None = None, *,
                    cold: bool = False) -> dict:  # fmt: skip
    """Starts a bot, sends the questions in two halves over `window` seconds, stops it; its figures.
    With `trace_dir`, the bot traces its allocations, and the growth between the halves is added;
    with `cold`, the bot starts with its saved index out of the page cache."""
    n_inter = len(questions)
    result: dict = {"asyncio_debug": asyncio_debug}
    log_path.unlink(missing_ok=True)  # a kept folder's log from a run before would count as this one's
    if cold:
        result["evicted_mb"] = round(evict_from_page_cache(data_dir / "index") / 2**20, 1)
    bot = BotProcess(config, data_dir, log_path, load_env(data_dir, asyncio_debug, trace_dir))
    say(f"starting the bot (asyncio debug {'on' if asyncio_debug else 'off'})")
    fake.commands.clear()
    t0 = time.perf_counter()
    await bot.start(fake, wait=False)
    try:
        await fake.wait_connected(timeout=120)
        await fake.wait_synced("ask", guild_id=GUILD, timeout=60)
        result["bot_start_s"] = round(time.perf_counter() - t0, 2)
        assert bot.process is not None
        pid = bot.process.pid
        await asyncio.sleep(0.5)
        log_offset = bot.log_path.stat().st_size
        before = await settled_rss(pid, data_dir / "index", pause=0)
        sampler = RssSampler(pid)
        sampler.start()
        half = n_inter // 2
        sent: list[Interaction] = []
        after: list[dict[str, float]] = []
        snapshots: list[Path] = []
        started = asyncio.get_running_loop().time()
        for h, (lo, hi) in enumerate(((0, half), (half, n_inter))):
            say(f"half {h + 1}: {hi - lo} /ask over {window / 2:g} s")
            batch = await send_evenly(fake, questions[lo:hi], window / 2, USER_BASE + lo)
            sent += batch
            await drain(batch, timeout=60)
            after.append(await settled_rss(pid, data_dir / "index"))
            if trace_dir is not None:
                snapshots.append(await take_snapshot(pid, trace_dir, h + 1))
        result["load_s"] = round(asyncio.get_running_loop().time() - started, 2)
        await sampler.stop()
        end = proc_status(pid)
        with open(bot.log_path, "rb") as fh:
            fh.seek(log_offset)
            load_log = fh.read().decode("utf-8", "replace")
    finally:
        say("stopping the bot")
        code = await bot.stop()
    full_log = bot.log_text()
    result["exit_code"] = code
    result["token_in_log"] = TOKEN in full_log
    result["errors_in_log"] = len(re.findall(r"\| (ERROR|CRITICAL) \|", full_log))
    result["unexpected_requests"] = len(fake.unexpected)
    result.update(_figures(sent, before, sampler, after, end))
    load_stalls = stalls_in(load_log)
    all_stalls = stalls_in(full_log)
    result["stalls"] = len(load_stalls)
    result["worst_stall_ms"] = round(max((s for s, _ in load_stalls), default=0.0) * 1000, 1)
    result["worst_stall_what"] = max(load_stalls, default=(0.0, ""))[1]
    result["stalls_over_100ms"] = sum(1 for s, _ in load_stalls if s > STALL_S)
    result["startup_stalls"] = len(all_stalls) - len(load_stalls)
    result["log_path"] = str(bot.log_path)
    if snapshots:
        result["allocations"] = allocation_growth(*snapshots)
    return result


def _figures(sent: Sequence[Interaction], before: dict, sampler: RssSampler, after: list[dict], end: dict) -> dict:
    acks = [i.first_response_after for i in sent if i.first_response_after is not None]
    finals = [t for t in (final_reply_s(i) for i in sent) if t is not None]
    first = [t for t in (final_reply_s(i) for i in sent[:FIRST_QUESTIONS]) if t is not None]
    codes = [(body or {}).get("code") for i in sent for _, body in i.errors]
    dispatched = [i.dispatched_at for i in sent if i.dispatched_at is not None]
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "sent": len(sent),
        "send_span_s": round(max(dispatched) - min(dispatched), 2) if dispatched else 0.0,
        "acknowledged": len(acks),
        "acknowledged_in_time": sum(1 for a in acks if a < DEADLINE_S),
        "deferred": sum(1 for i in sent if i.callback_types[:1] == [5]),
        "errors_10062": codes.count(10062),
        "errors_50035": codes.count(50035),
        "errors_other": len(codes) - codes.count(10062) - codes.count(50035),
        "embed_replies": len(finals),
        "ack_p50_ms": ms(percentile(acks, 50)),
        "ack_p99_ms": ms(percentile(acks, 99)),
        "ack_max_ms": ms(max(acks, default=math.nan)),
        "final_p50_ms": ms(percentile(finals, 50)),
        "final_p99_ms": ms(percentile(finals, 99)),
        "final_max_ms": ms(max(finals, default=math.nan)),
        "first_p50_ms": ms(percentile(first, 50)),
        "first_max_ms": ms(max(first, default=math.nan)),
        "rss_start_mb": round(before["VmRSS"], 1),
        "rss_peak_mb": round(max(sampler.peak(), end["VmRSS"], *(a["VmRSS"] for a in after)), 1),
        "rss_end_mb": round(end["VmRSS"], 1),
        "rss_after_half1_mb": round(after[0]["VmRSS"], 1),
        "rss_after_half2_mb": round(after[-1]["VmRSS"], 1),
        "rss_growth_halves_mb": round(after[-1]["VmRSS"] - after[0]["VmRSS"], 1),
        "anon_growth_halves_mb": round(after[-1].get("RssAnon", 0) - after[0].get("RssAnon", 0), 1),
        "file_growth_halves_mb": round(after[-1].get("RssFile", 0) - after[0].get("RssFile", 0), 1),
        "index_growth_halves_mb": round(after[-1]["SavedIndex"] - after[0]["SavedIndex"], 1),
        "index_resident_start_mb": round(before["SavedIndex"], 1),
        "index_resident_end_mb": round(after[-1]["SavedIndex"], 1),
        "warmup_anon_mb": round(after[0].get("RssAnon", 0) - before.get("RssAnon", 0), 1),
        "warmup_file_mb": round(after[0].get("RssFile", 0) - before.get("RssFile", 0), 1),
        "warmup_index_mb": round(after[0]["SavedIndex"] - before["SavedIndex"], 1),
        "rss_samples": len(sampler.samples),
    }


# ---------------------------------------------------------------- report


def verdicts(r: dict) -> list[tuple[str, bool, str]]:
    out = [
        ("all acknowledged < 3 s", r["acknowledged_in_time"] == r["interactions"] and r["errors_10062"] == 0,
         f"{r['acknowledged_in_time']}/{r['interactions']} in time, {r['errors_10062']} x 10062"),
        (f"p99 dispatch->final reply <= {TARGET_P99_MS:g} ms",
         r["embed_replies"] == r["interactions"] and r["final_p99_ms"] <= TARGET_P99_MS,
         f"p99 {r['final_p99_ms']} ms, {r['embed_replies']}/{r['interactions']} answered (asyncio debug on)"),
        ("no event-loop stall > 100 ms", r["stalls_over_100ms"] == 0,
         f"{r['stalls_over_100ms']} stalls, worst {r['worst_stall_ms']} ms"),
        ("memory flat (total RSS)", abs(r["rss_growth_halves_mb"]) < FLAT_MB,
         f"{r['rss_growth_halves_mb']:+} MB between halves (< {FLAT_MB:g} MB): {memory_parts(r)}"),
    ]  # fmt: skip
    nd = r.get("without_asyncio_debug")
    if nd:
        out.insert(2, (
            "  same, asyncio debug off",
            nd["embed_replies"] == r["interactions"] and nd["final_p99_ms"] <= TARGET_P99_MS,
            f"p99 {nd['final_p99_ms']} ms, {nd['embed_replies']}/{r['interactions']} answered, "
            f"{nd['acknowledged_in_time']}/{r['interactions']} acknowledged in time",
        ))  # fmt: skip
    return out


def memory_parts(r: dict) -> str:
    """The RSS growth between the halves in its two parts, each with what it is."""
    return (f"anonymous {r['anon_growth_halves_mb']:+} MB (the bot's own objects), file-backed "
            f"{r['file_growth_halves_mb']:+} MB (mapped pages first touched; the saved index "
            f"{r['index_growth_halves_mb']:+} MB)")  # fmt: skip


def _allocation_rows(a: dict) -> list[tuple[str, str]]:
    rows = [("traced growth, halves", f"{a['traced_growth_mb']:+} MB in {a['traced_blocks_growth']:+} blocks "
                                      "(Python allocations; tracemalloc's own not counted)")]  # fmt: skip
    rows += [("", f"{site['kb']:+9.1f} KB {site['blocks']:+7d} blocks ({site['kb_now']:,.0f} KB now)  {site['where']}")
             for site in a["sites"]]  # fmt: skip
    return rows


def _pass_rows(r: dict) -> list[tuple[str, str]]:
    return [
        ("bot start -> synced", f"{r['bot_start_s']} s (loads the saved index"
                                + (f"; {r['evicted_mb']} MB of it out of the page cache first)" if "evicted_mb" in r
                                   else ")")),
        ("load", f"{r['sent']} /ask from {r['sent']} users, dispatched over {r['send_span_s']} s "
                 f"(2 halves), all answered after {r['load_s']} s"),
        ("acknowledged < 3 s", f"{r['acknowledged_in_time']}/{r['sent']}   (deferred {r['deferred']})"),
        ("ack latency", f"p50 {r['ack_p50_ms']} ms   p99 {r['ack_p99_ms']} ms   max {r['ack_max_ms']} ms"),
        ("errors from the fake", f"10062: {r['errors_10062']}   50035: {r['errors_50035']}   "
                                 f"other: {r['errors_other']}   unknown routes: {r['unexpected_requests']}"),
        ("answer embeds", f"{r['embed_replies']}/{r['sent']}"),
        ("dispatch -> final reply", f"p50 {r['final_p50_ms']} ms   p99 {r['final_p99_ms']} ms   "
                                    f"max {r['final_max_ms']} ms"),
        (f"  the first {FIRST_QUESTIONS}", f"p50 {r['first_p50_ms']} ms   max {r['first_max_ms']} ms "
                                           "(the bot's first questions: pages, caches and pools still cold)"),
        ("loop stalls > 100 ms", f"{r['stalls_over_100ms']} during load (worst {r['worst_stall_ms']} ms), "
                                 f"{r['startup_stalls']} at start-up" if r["asyncio_debug"] else "not measured"),
        ("bot RSS", f"start {r['rss_start_mb']} MB   peak {r['rss_peak_mb']} MB   end {r['rss_end_mb']} MB"),
        ("RSS start -> half 1", f"anon {r['warmup_anon_mb']:+} MB, file-backed {r['warmup_file_mb']:+} MB "
                                f"(of it the saved index {r['warmup_index_mb']:+} MB; first use: caches, pools, "
                                f"mapped pages)"),
        ("RSS after each half", f"{r['rss_after_half1_mb']} -> {r['rss_after_half2_mb']} MB "
                                f"({r['rss_growth_halves_mb']:+} MB)"),
        ("  anonymous", f"{r['anon_growth_halves_mb']:+} MB (the bot's own objects: a leak or a cache if it grows)"),
        ("  file-backed", f"{r['file_growth_halves_mb']:+} MB, of it the saved index "
                          f"{r['index_growth_halves_mb']:+} MB "
                          f"(resident {r['index_resident_start_mb']} MB at start, {r['index_resident_end_mb']} MB "
                          f"at the end; pages shared with every process on the index)"),
        ("bot exit / ERROR lines", f"{r['exit_code']} / {r['errors_in_log']}"),
    ]  # fmt: skip


def table(r: dict) -> str:
    rows = [
        ("corpus", f"{r['passages_indexed']} passages in {r['articles']} files " + (
            f"(generated in {r['generate_s']} s)" if r["generate_s"] is not None else "(kept from a run before)")),
        ("studybot index", f"{r['index_s']} s" if r["index_s"] is not None else "kept from a run before"),
        ("machine", f"{r['cpus']} CPUs, 1-min load average {r['loadavg_before']} before, {r['loadavg_after']} after"),
        ("", f"-- bot with PYTHONASYNCIODEBUG=1, {r['interactions']} /ask over {r['window_s']:g} s --"),
        *_pass_rows(r),
    ]
    if r.get("without_asyncio_debug"):
        rows += [("", "-- same load, fresh bot, asyncio debug off --"), *_pass_rows(r["without_asyncio_debug"])]
    if r.get("traced"):
        rows += [("", "-- same load, fresh bot, tracemalloc on (figures slowed and inflated by the tracing) --"),
                 *_pass_rows(r["traced"]), *_allocation_rows(r["traced"]["allocations"])]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    lines.append("")
    lines += [f"{'MET' if met else 'MISSED':<6}  {name:<36} {detail}" for name, met, detail in verdicts(r)]
    if r["worst_stall_what"]:
        lines.append(f"\nworst stall: {r['worst_stall_what']}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bot_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=100_000)
    p.add_argument("--interactions", type=int, default=200)
    p.add_argument("--window", type=float, default=10.0, help="seconds over which the /ask are spread")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (corpus, data, bot.log)")
    p.add_argument("--reuse", action="store_true",
                   help="with --keep: use the corpus, saved index and questions an earlier run with the same "
                        "--passages, --interactions and --seed left in DIR (no generating, no `studybot index`)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--cold", action="store_true",
                   help="before each bot starts, drop the saved index's files from the page cache (as after a "
                        "reboot; posix_fadvise on those files only)")
    p.add_argument("--trace-memory", action="store_true",
                   help="one more pass with tracemalloc in the bot: where its allocations grew between the halves")
    p.add_argument("--no-compare", action="store_true",
                   help="skip the second pass without asyncio debug mode (its latency is the one users see)")
    p.add_argument("--postgresql", action="store_true",
                   help="one bot over SQLite beside two shard processes over PostgreSQL, at the same load")
    p.add_argument("--postgresql-url", metavar="URL",
                   help="with --postgresql: an empty database to use (password from PGPASSWORD) instead of "
                        "a throwaway server on 127.0.0.1")
    args = p.parse_args(argv)
    if args.passages < 1 or args.interactions < 2 or args.window <= 0:
        p.error("need --passages >= 1, --interactions >= 2, --window > 0")
    if args.reuse and not args.keep:
        p.error("--reuse needs --keep DIR")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    show = (lambda msg: print(f"... {msg}", file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    if args.postgresql or args.postgresql_url:
        return backends_main(args, show)
    result = asyncio.run(run_benchmark(
        args.passages, args.interactions, args.window, args.seed, args.keep, show, not args.no_compare,
        args.trace_memory, args.reuse, args.cold,
    ))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


def backends_main(args: argparse.Namespace, show) -> int:
    from benchmarks.backends import compare_backends, side_by_side

    folder = args.keep or Path(tempfile.mkdtemp(prefix="studybot-load-"))
    try:
        result = asyncio.run(compare_backends(
            args.passages, args.interactions, args.window, args.seed, folder, args.postgresql_url, show or print
        ))  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2) if args.json else side_by_side(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
