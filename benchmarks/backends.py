"""The load benchmark's PostgreSQL mode (`python -m benchmarks.bot_load --postgresql`): the same burst
of /ask against one bot over SQLite and against two bot processes over PostgreSQL, side by side.

The PostgreSQL side runs two processes as shards 0 and 1 of 2 (the fake Discord routes each server's
events to its shard) on one database of a throwaway server (127.0.0.1, fsync on, like a real one; or
--postgresql-url); the questions alternate between a server on each shard, so each process gets half
of the load. The SQLite side is one process answering both servers. Both bots run without asyncio's
debug mode, on the same corpus, saved index and questions.

Measured per side: acknowledged before Discord's 3 s deadline; dispatch -> final reply p50/p99; writes
per second: the rows the load committed (each answered /ask stores its answer and logs the question)
over the time from the first dispatch to the last final reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from benchmarks import bot_load as load
from testing.bot_process import GUILD, TOKEN, BotProcess
from testing.fake_discord import FakeDiscord, guild_on_shard
from testing.postgres import PostgresServer

SHARDS = 2
GUILDS = (GUILD, guild_on_shard(1, SHARDS))  # one server on each shard
WRITE_TABLES = ("answers", "question_log")


async def compare_backends(passages: int, interactions: int, window: float, seed: int, folder: Path,
                           postgres_url: str | None = None, say=lambda _msg: None) -> dict:  # fmt: skip
    """Both sides' figures: {"sqlite": {...}, "postgresql": {...}, ...}."""
    result: dict = {"passages": passages, "interactions": interactions, "window_s": window, "seed": seed,
                    "cpus": os.cpu_count(), "loadavg_before": round(os.getloadavg()[0], 2)}  # fmt: skip
    say(f"generating {passages} passages")
    texts = load.make_passages(passages, seed)
    result["articles"] = load.write_corpus(folder / "corpus", texts)
    questions = load.make_questions(texts, interactions, seed)
    del texts
    data_dir = folder / "data"  # the saved index, shared; the SQLite database
    server = None
    if postgres_url is None:
        say("starting a throwaway PostgreSQL")
        server = await asyncio.to_thread(PostgresServer.start, fsync=True)
        postgres_url = await server.create_database()
    try:
        async with FakeDiscord(token=TOKEN, guilds=GUILDS) as fake:
            config = load.write_bot_config(folder / "sqlite.yaml", fake, folder / "corpus", data_dir, guilds=GUILDS)
            say("studybot index")
            index_s, indexed = await load.build_index(config, load.load_env(data_dir, asyncio_debug=False))
            result.update(index_s=round(index_s, 2), passages_indexed=indexed)
            say("SQLite: one process")
            database = data_dir / "studybot.sqlite3"
            result["sqlite"] = await backend_pass(fake, [config], [()], data_dir, folder, questions, window,
                                                  lambda: asyncio.to_thread(sqlite_rows, database))  # fmt: skip
        async with FakeDiscord(token=TOKEN, guilds=GUILDS, shard_count=SHARDS) as fake:
            configs = [
                load.write_bot_config(folder / f"shard-{i}.yaml", fake, folder / "corpus", data_dir, guilds=GUILDS,
                                 storage_url=postgres_url, shard_ids=[i])  # fmt: skip
                for i in range(SHARDS)
            ]
            say(f"PostgreSQL: {SHARDS} processes, one shard each")
            shards = [(i,) for i in range(SHARDS)]
            count = lambda: postgres_rows(postgres_url)  # noqa: E731
            result["postgresql"] = await backend_pass(fake, configs, shards, data_dir, folder, questions, window, count)
    finally:
        if server is not None:
            await asyncio.to_thread(server.close)
    result["loadavg_after"] = round(os.getloadavg()[0], 2)
    return result


async def backend_pass(fake: FakeDiscord, configs: Sequence[Path], shard_ids: Sequence[tuple[int, ...]],
                       data_dir: Path, folder: Path, questions: Sequence[str], window: float,
                       count_rows) -> dict:  # fmt: skip
    """Starts the processes, sends the questions over `window` seconds to GUILDS in turn, stops them."""
    env = load.load_env(data_dir, asyncio_debug=False)
    bots = [
        BotProcess(config, data_dir, folder / f"{config.stem}.log", env, shards)
        for config, shards in zip(configs, shard_ids, strict=True)
    ]
    started = time.perf_counter()
    try:
        for bot in bots:
            await bot.start(fake)
        start_s = time.perf_counter() - started
        rows_before = await count_rows()
        await asyncio.sleep(0.5)
        sent = await load.send_evenly(fake, questions, window, load.USER_BASE, GUILDS)
        await load.drain(sent, timeout=60)
        rows = await count_rows() - rows_before
    finally:
        codes = [await bot.stop() for bot in bots]
    return {"processes": len(bots), "bot_start_s": round(start_s, 2), "exit_codes": codes, **figures(sent, rows),
            "token_in_log": any(TOKEN in bot.log_text() for bot in bots)}  # fmt: skip


def figures(sent: Sequence, rows: int) -> dict:
    acks = [i.first_response_after for i in sent if i.first_response_after is not None]
    finals = [t for t in (load.final_reply_s(i) for i in sent) if t is not None]
    starts = [i.dispatched_at for i in sent if i.dispatched_at is not None]
    ends = [i.dispatched_at + t for i in sent if (t := load.final_reply_s(i)) is not None]
    span = max(ends) - min(starts) if ends else 0
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "sent": len(sent),
        "acknowledged_in_time": sum(1 for a in acks if a < load.DEADLINE_S),
        "expired_10062": sum(1 for i in sent for _, body in i.errors if (body or {}).get("code") == 10062),
        "answered": len(finals),
        "final_p50_ms": ms(load.percentile(finals, 50)),
        "final_p99_ms": ms(load.percentile(finals, 99)),
        "writes": rows,
        "load_span_s": round(span, 2),
        "writes_per_s": round(rows / span, 1) if span else math.nan,
    }


def sqlite_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return sum(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in WRITE_TABLES)


async def postgres_rows(url: str) -> int:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return sum([await connection.fetchval(f"SELECT COUNT(*) FROM {table}") for table in WRITE_TABLES])
    finally:
        await connection.close()


def side_by_side(r: dict) -> str:
    """The two sides in columns, then the verdict for each."""
    lite, pg = r["sqlite"], r["postgresql"]
    rows = [
        ("", "SQLite, 1 process", f"PostgreSQL, {pg['processes']} shards"),
        ("bot start -> connected", f"{lite['bot_start_s']} s", f"{pg['bot_start_s']} s"),
        ("acknowledged < 3 s", f"{lite['acknowledged_in_time']}/{lite['sent']}",
         f"{pg['acknowledged_in_time']}/{pg['sent']}"),
        ("expired (10062)", str(lite["expired_10062"]), str(pg["expired_10062"])),
        ("answered", f"{lite['answered']}/{lite['sent']}", f"{pg['answered']}/{pg['sent']}"),
        ("dispatch -> reply p50", f"{lite['final_p50_ms']} ms", f"{pg['final_p50_ms']} ms"),
        ("dispatch -> reply p99", f"{lite['final_p99_ms']} ms", f"{pg['final_p99_ms']} ms"),
        ("writes committed", str(lite["writes"]), str(pg["writes"])),
        ("writes per second", f"{lite['writes_per_s']} /s over {lite['load_span_s']} s",
         f"{pg['writes_per_s']} /s over {pg['load_span_s']} s"),
        ("exit codes", str(lite["exit_codes"]), str(pg["exit_codes"])),
    ]  # fmt: skip
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    head = (f"{r['passages_indexed']} passages in {r['articles']} files, {r['interactions']} /ask over "
            f"{r['window_s']:g} s alternating two servers; {r['cpus']} CPUs, 1-min load average "
            f"{r['loadavg_before']} before, {r['loadavg_after']} after")  # fmt: skip
    lines = [head, ""] + ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
    for name, side in (("SQLite", lite), ("PostgreSQL", pg)):
        met = side["acknowledged_in_time"] == side["sent"] and side["answered"] == side["sent"]
        lines.append(f"{'MET' if met else 'MISSED':<6}  {name}: every /ask acknowledged < 3 s and answered")
    return "\n".join(lines)
