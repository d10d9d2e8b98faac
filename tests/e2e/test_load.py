"""A light run of the load benchmark (benchmarks/bot_load.py): the real bot answers a burst of /ask.

5,000 passages, 40 /ask from 40 users within 4 s, against the fake Discord on 127.0.0.1. Asserts
correctness and Discord's 3 s deadline only; latencies are printed, never asserted (the machine may be
loaded). Slow-callback warnings come from asyncio's debug mode (PYTHONASYNCIODEBUG=1, threshold 0.1 s).
The same light load also runs in the benchmark's PostgreSQL mode (SQLite beside two PostgreSQL shards).
"""

from __future__ import annotations

from benchmarks.backends import compare_backends, side_by_side
from benchmarks.bot_load import run_benchmark, table

PASSAGES, INTERACTIONS, WINDOW_S = 5_000, 40, 4.0
RSS_GROWTH_BOUND_MB = 30.0


async def test_burst_of_ask_is_answered_in_time_without_stalls(tmp_path):
    r = await run_benchmark(PASSAGES, INTERACTIONS, WINDOW_S, seed=11, workdir=tmp_path)
    print("\n" + table(r))
    log_tail = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")[-3000:]

    assert r["passages_indexed"] == PASSAGES
    assert r["sent"] == INTERACTIONS
    assert r["acknowledged_in_time"] == INTERACTIONS, log_tail
    assert r["deferred"] == INTERACTIONS  # every question matched the corpus and was deferred before the work
    assert r["errors_10062"] == 0 and r["errors_50035"] == 0 and r["errors_other"] == 0
    assert r["embed_replies"] == INTERACTIONS, log_tail
    assert r["unexpected_requests"] == 0
    # The 100 ms stall target is the benchmark's to report (a busy CI machine adds its own pauses);
    # here a stall of a whole second, such as scoring on the event loop would cause, fails the run.
    assert (r["worst_stall_ms"] or 0) < 1000, f"worst {r['worst_stall_ms']} ms: {r['worst_stall_what']}"
    assert abs(r["rss_growth_halves_mb"]) < RSS_GROWTH_BOUND_MB
    # the saved index was brought in at start (its pages mapped before the first question), not on use
    on_disk_mb = sum(p.stat().st_size for p in (tmp_path / "data" / "index").rglob("*.npy")) / 2**20
    assert r["index_resident_start_mb"] >= 0.9 * on_disk_mb, (r["index_resident_start_mb"], on_disk_mb)
    assert r["exit_code"] == 0 and r["errors_in_log"] == 0, log_tail
    assert not r["token_in_log"]


async def test_the_same_burst_over_sqlite_and_over_two_postgresql_shards(tmp_path, postgres_server):
    """The benchmark's PostgreSQL mode (benchmarks/backends.py), light: one bot over SQLite, then two
    shard processes over one PostgreSQL database, each side the same 40 /ask over two servers."""
    url = await postgres_server.create_database()
    r = await compare_backends(PASSAGES, INTERACTIONS, WINDOW_S, seed=11, folder=tmp_path, postgres_url=url)
    print("\n" + side_by_side(r))
    for side in ("sqlite", "postgresql"):
        s = r[side]
        log_tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in tmp_path.glob("*.log"))
        assert s["acknowledged_in_time"] == INTERACTIONS and s["expired_10062"] == 0, (side, log_tail)
        assert s["answered"] == INTERACTIONS, (side, log_tail)
        assert s["writes"] == 2 * INTERACTIONS  # each answer stored and its question logged, all committed
        assert set(s["exit_codes"]) == {0} and not s["token_in_log"]
    assert r["postgresql"]["processes"] == 2
