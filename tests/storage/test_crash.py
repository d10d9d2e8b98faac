"""Durability: `kill -9` the writer at random moments; no acknowledged write may ever be lost.

The writer (tests/storage/crash_writer.py) does the bot's writes one at a time and prints an
acknowledgement after each write returns, i.e. after COMMIT, the moment the bot would reply.
It also prints a `begin` line before each write, so the test knows the one write that was in
flight when the process died.

What is allowed after a crash, precisely: the database must equal the state after all writes
acknowledged so far (over every round: crashes accumulate in one file), either without or with
the single in-flight write (committed-but-unacknowledged is fine, it may even have committed
just before the kill). So acknowledged writes must never be missing, no write may be half
applied (an answer without some of its excerpts), and nothing else may appear.

SIGKILL tests the process dying, not the machine losing power: the OS keeps the page cache, so
this checks that COMMIT has happened before a write returns and that recovery (WAL replay,
wal-index rebuild) works after a kill at any point, including during a checkpoint. On PostgreSQL
the killed process is a client: the server must keep exactly what it acknowledged as committed.
The same test runs on both backends.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage import StorageOptions, Store, open_store, sqlite_url
from bot.storage.common import answer_record, settings_record
from bot.storage.records import GuildSettings
from bot.storage.sqlite import backup_sqlite
from tests.storage.conftest import all_rows
from tests.storage.crash_writer import answer_digest, answer_question, log_question, settings_dict

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("STUDYBOT_CRASH_SEED", "20240611"))
ROUNDS = 50
KEEPER_FROM_ROUND = 25  # from here on a second connection stays open, so WAL files are never removed on close
DEFAULT_SETTINGS = settings_dict(GuildSettings())


# -- the writer's output ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Write:
    """One write the writer started (`begin` fields) and, if acknowledged, its acknowledgement fields."""

    kind: str
    begin: tuple[str, ...]
    ack: tuple[str, ...] | None


def parse_output(text: str) -> tuple[list[Write], Write | None]:
    """The acknowledged writes in order, and the write in flight at the kill (if any).

    Only whole lines count: a line cut short by the kill acknowledges nothing.
    """
    lines = text.split("\n")[:-1]  # the piece after the last newline is not a whole line
    acked: list[Write] = []
    pending: Write | None = None
    for line in lines:
        words = line.split(" ", 3 if line.startswith("begin settings ") else 2 if line.startswith("settings ") else -1)
        if words[0] == "begin":
            assert pending is None, f"two writes in flight at once: {line!r}"
            pending = Write(words[1], tuple(words[2:]), None)
        else:
            assert pending is not None and pending.kind == words[0], f"acknowledgement without its write: {line!r}"
            acked.append(dataclasses.replace(pending, ack=tuple(words[1:])))
            pending = None
    return acked, pending


def count_acks(text: str) -> int:
    return sum(1 for line in text.split("\n")[:-1] if line and not line.startswith("begin "))


# -- the expected state ------------------------------------------------------------------------


@dataclasses.dataclass
class State:
    """What the database holds: answers by question -> (id, digest), votes, settings, logged questions."""

    answers: dict[str, tuple[str | None, str]] = dataclasses.field(default_factory=dict)
    feedback: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)
    settings: dict[int, dict] = dataclasses.field(default_factory=dict)
    logs: list[str] = dataclasses.field(default_factory=list)


def apply(state: State, write: Write, seed: int) -> State:
    """The state after `write` (an acknowledged one, or the in-flight one had it committed)."""
    new = copy.deepcopy(state)
    if write.kind == "answer":
        n, _count, digest = write.begin
        new.answers[answer_question(seed, int(n))] = (write.ack[0] if write.ack else None, digest)
    elif write.kind == "feedback":
        answer_id, user, value = write.begin
        new.feedback[(answer_id, int(user))] = int(value)
    elif write.kind == "settings":
        guild, changes = write.begin
        if write.ack:
            new.settings[int(guild)] = json.loads(write.ack[1])
        else:
            new.settings[int(guild)] = {**new.settings.get(int(guild), DEFAULT_SETTINGS), **json.loads(changes)}
    elif write.kind == "log":
        new.logs.append(log_question(seed, int(write.begin[0])))
    else:
        raise AssertionError(f"unknown write {write}")
    return new


def differences(found: State, expected: State) -> list[str]:
    """How `found` (read from the database) differs from `expected`; an expected id of None matches any id."""
    diffs = []
    for question in sorted(set(found.answers) | set(expected.answers)):
        got, want = found.answers.get(question), expected.answers.get(question)
        if got is None or want is None or got[1] != want[1] or want[0] not in (None, got[0]):
            diffs.append(f"answer {question!r}: found {got}, expected {want}")
    for key in sorted(set(found.feedback) | set(expected.feedback)):
        if found.feedback.get(key) != expected.feedback.get(key):
            diffs.append(f"feedback {key}: found {found.feedback.get(key)}, expected {expected.feedback.get(key)}")
    for guild in sorted(set(found.settings) | set(expected.settings)):
        if found.settings.get(guild) != expected.settings.get(guild):
            diffs.append(
                f"settings {guild}: found {found.settings.get(guild)}, expected {expected.settings.get(guild)}"
            )
    if found.logs != expected.logs:
        diffs.append(f"question log: found {len(found.logs)} rows, expected {len(expected.logs)}")
    return diffs


async def read_state(store: Store) -> State:
    """Everything in the database, every row read raw (answers rebuilt the way get_answer does)."""
    columns, tables = await store.tables(), await all_rows(store)
    rows = {table: [dict(zip(columns[table], row, strict=True)) for row in found] for table, found in tables.items()}
    state = State()
    excerpts: dict[str, list[dict]] = {}
    for e in sorted(rows["excerpts"], key=lambda e: (e["answer_id"], e["rank"])):
        excerpts.setdefault(e["answer_id"], []).append(e)
    for row in rows["answers"]:
        record = answer_record(row, excerpts.get(row["id"], ()))
        state.answers[record.question] = (record.id, answer_digest(record))
    for row in rows["feedback"]:
        state.feedback[(row["answer_id"], row["user_id"])] = row["value"]
    for row in rows["guild_settings"]:
        stored = settings_record(row)
        state.settings[row["guild_id"]] = settings_dict(stored)
    state.logs = [row["question"] for row in sorted(rows["question_log"], key=lambda row: row["id"])]
    return state


def integrity(path: Path) -> list[str]:
    """Problems found by integrity_check and foreign_key_check (empty when the file is sound)."""
    with sqlite3.connect(path) as raw:
        checked = [row[0] for row in raw.execute("PRAGMA integrity_check")]
        orphans = raw.execute("PRAGMA foreign_key_check").fetchall()
    raw.close()
    return ([] if checked == ["ok"] else checked) + [f"foreign key: {tuple(row)}" for row in orphans]


def lost_writes(found: State, acked: list[Write], pending: Write | None, seed: int) -> list[str]:
    """The acknowledged writes of one run that the database does not reflect.

    A vote or a settings change counts as reflected when the key holds its last acknowledged
    value, or the value of the in-flight write to the same key (which may have committed).
    """
    lost = []
    final_vote: dict[tuple[str, int], int] = {}
    final_settings: dict[int, dict] = {}
    for write in acked:
        if write.kind == "answer":
            question = answer_question(seed, int(write.begin[0]))
            if found.answers.get(question) != (write.ack[0], write.begin[2]):
                lost.append(f"answer {write.ack[0]} ({question!r}): found {found.answers.get(question)}")
        elif write.kind == "log":
            if log_question(seed, int(write.begin[0])) not in found.logs:
                lost.append(f"log {write.begin[0]}")
        elif write.kind == "feedback":
            final_vote[(write.begin[0], int(write.begin[1]))] = int(write.begin[2])
        else:
            final_settings[int(write.begin[0])] = json.loads(write.ack[1])
    for key, value in final_vote.items():
        also = (
            int(pending.begin[2])
            if pending and pending.kind == "feedback" and pending.begin[:2] == (key[0], str(key[1]))
            else None
        )
        if found.feedback.get(key) not in (value, also):
            lost.append(f"feedback {key} = {value}: found {found.feedback.get(key)}")
    for guild, value in final_settings.items():
        also = None
        if pending and pending.kind == "settings" and int(pending.begin[0]) == guild:
            also = {**value, **json.loads(pending.begin[1])}
        if found.settings.get(guild) not in (value, also):
            lost.append(f"settings {guild} = {value}: found {found.settings.get(guild)}")
    return lost


# -- running the writer ----------------------------------------------------------------------


def start_writer(url: str, seed: int, out: Path) -> subprocess.Popen:
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:  # files never block the writer
        return subprocess.Popen(
            [sys.executable, "-m", "tests.storage.crash_writer", url, str(seed)],
            cwd=REPO_ROOT,
            stdout=stdout,
            stderr=stderr,
        )


def wait_for_acks(writer: subprocess.Popen, out: Path, at_least: int, timeout: float = 15.0) -> str:
    """Poll the writer's output until it has acknowledged `at_least` writes; return the output so far."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = out.read_text()
        if count_acks(text) >= at_least:
            return text
        if writer.poll() is not None:
            break
        time.sleep(0.002)
    errors = out.with_suffix(".err").read_text()
    raise AssertionError(f"writer acknowledged fewer than {at_least} writes (exit {writer.poll()}): {errors}")


def kill(writer: subprocess.Popen, out: Path) -> None:
    """SIGKILL the writer, which must still be running (not stopped by an error of its own)."""
    still_running = writer.poll() is None
    if still_running:
        os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert still_running, f"writer exited {writer.returncode} by itself: {out.with_suffix('.err').read_text()}"
    assert writer.returncode == -signal.SIGKILL


# -- the tests -------------------------------------------------------------------------------


async def test_kill_9_at_random_moments_loses_no_acknowledged_write(tmp_path: Path, store_url: str):
    rng = random.Random(SEED)
    sqlite = StorageOptions(store_url).backend == "sqlite"  # one database for all rounds: the crashes accumulate
    db_path = StorageOptions(store_url).sqlite_path if sqlite else None
    modes = ["after-ack"] * 35 + ["from-start"] * (ROUNDS - 35)
    rng.shuffle(modes)
    expected = State()
    problems: list[str] = []
    integrity_ok = acked_total = lost_total = rounds_with_acks = in_flight = in_flight_committed = 0
    keeper: sqlite3.Connection | None = None
    started = time.perf_counter()
    try:
        for round_no, mode in enumerate(modes):
            if round_no == KEEPER_FROM_ROUND and sqlite:
                keeper = sqlite3.connect(db_path)
                keeper.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # attach to the WAL index
            seed = SEED * 100 + round_no
            out = tmp_path / f"writer-{round_no}.out"
            writer = start_writer(store_url, seed, out)
            try:
                if mode == "after-ack":
                    wait_for_acks(writer, out, 1)
                time.sleep(rng.uniform(0.020, 0.300))
            finally:
                kill(writer, out)
            acked, pending = parse_output(out.read_text())
            acked_total += len(acked)
            rounds_with_acks += bool(acked)
            in_flight += pending is not None

            try:
                db = await open_store(StorageOptions(store_url))  # recovery after the crash; must succeed
            except Exception as exc:
                problems.append(f"round {round_no}: open_store failed after the kill: {exc!r}")
                break
            try:
                bad = integrity(db_path) if sqlite else []  # PostgreSQL's server was never killed
                if bad:
                    problems.append(f"round {round_no}: integrity: {bad[:5]}")
                else:
                    integrity_ok += 1
                found = await read_state(db)
                # Through the bot's own API too: this round's answers whole, settings as acknowledged.
                for write in acked:
                    if write.kind == "answer":
                        loaded = await db.get_answer(write.ack[0])
                        if (
                            loaded is None
                            or answer_digest(loaded) != write.begin[2]
                            or (len(loaded.excerpts) != int(write.begin[1]))
                        ):
                            problems.append(f"round {round_no}: get_answer({write.ack[0]}) = {loaded}")
                for guild, value in found.settings.items():
                    stored = await db.get_guild_settings(guild)
                    if settings_dict(stored) != value:
                        problems.append(f"round {round_no}: get_guild_settings({guild}) = {stored}")
            finally:
                await db.close()

            lost = lost_writes(found, acked, pending, seed)
            lost_total += len(lost)
            problems += [f"round {round_no}: lost acknowledged {item}" for item in lost]
            without = expected
            for write in acked:
                without = apply(without, write, seed)
            with_pending = apply(without, pending, seed) if pending else None
            if differences(found, without):
                if with_pending is not None and not differences(found, with_pending):
                    in_flight_committed += 1
                else:
                    diffs = differences(found, without)[:5]
                    if with_pending is not None:
                        diffs += ["or, with the write in flight:", *differences(found, with_pending)[:5]]
                    problems.append(f"round {round_no} ({mode}, {len(acked)} acks, in flight {pending}): {diffs}")
            # `found` equals the expected state (with the in-flight answer's id filled in); after a
            # failure, carrying on from what is there keeps one failure from hiding the others.
            expected = found
    finally:
        if keeper is not None:
            keeper.close()
    elapsed = time.perf_counter() - started
    rounds = round_no + 1
    print(
        f"{'sqlite' if sqlite else 'postgresql'}: kill -9 at {rounds} random moments: "
        f"integrity ok {integrity_ok}/{rounds}, "
        f"acknowledged writes lost {lost_total} of {acked_total}"
    )
    print(
        f"  {rounds_with_acks} rounds had acknowledged writes; {in_flight} kills hit a write in flight, "
        f"{in_flight_committed} of those had committed; final database: {len(expected.answers)} answers, "
        f"{len(expected.feedback)} votes, {len(expected.logs)} logged questions; {elapsed:.1f} s"
    )
    assert rounds == ROUNDS and not problems, "\n".join(problems[:20])


async def test_backup_while_writing_has_every_write_acknowledged_before_it(tmp_path: Path):
    db_path = tmp_path / "live" / "studybot.sqlite3"
    seed = SEED * 100 + 99
    out = tmp_path / "writer.out"
    dest = tmp_path / "backups" / "copy.sqlite3"
    dest.parent.mkdir()
    writer = start_writer(sqlite_url(db_path), seed, out)
    try:
        before = wait_for_acks(writer, out, 40)  # every ack printed by now committed before the backup began
        started = time.perf_counter()
        assert backup_sqlite(db_path, dest).dest == dest
        took = time.perf_counter() - started
        acks_when_done = count_acks(out.read_text())
        wait_for_acks(writer, out, acks_when_done + 5)  # the writer kept going afterwards
    finally:
        kill(writer, out)
    acked_before, _ = parse_output(before)
    acked, pending = parse_output(out.read_text())
    assert acked[: len(acked_before)] == acked_before

    assert integrity(dest) == []
    async with await open_store(StorageOptions(sqlite_url(dest))) as copy_db:
        for write in acked_before:
            if write.kind == "answer":
                loaded = await copy_db.get_answer(write.ack[0])
                assert loaded is not None and answer_digest(loaded) == write.begin[2]
        found = await read_state(copy_db)
    # Every write acknowledged before the backup started is in it (what the user was told is saved) ...
    assert lost_writes(found, acked_before, None, seed) == []
    # ... and the copy is one consistent moment: exactly the first L writes, for some L at or after
    # the backup started (the last candidate being the write in flight at the kill).
    states, state = [], State()
    for write in [*acked, *([pending] if pending else [])]:
        state = apply(state, write, seed)
        states.append(state)
    matching = [n + 1 for n, candidate in enumerate(states) if not differences(found, candidate)]
    assert matching, f"the backup is no prefix of the writes: {differences(found, states[len(acked_before) - 1])[:5]}"
    assert any(len(acked_before) <= n <= acks_when_done + 1 for n in matching), (matching, len(acked_before))
    print(
        f"backup under load in {took:.2f} s: {len(acked_before)} writes acknowledged before it, "
        f"snapshot = first {matching[-1]} writes, {len(acked)} acknowledged by the kill"
    )


@pytest.mark.parametrize(
    ("text", "acked", "pending"),
    [
        ("", 0, False),
        ("begin log 1\n", 0, True),
        ("begin log 1\nlog 1\n", 1, False),
        ("begin log 1\nlo", 0, True),  # an acknowledgement cut short by the kill acknowledges nothing
        ('begin settings 11 {"top_k":3}\nsettings 11 {"a b":1}\nbegin answer 1 3 ab', 1, False),
    ],
)
def test_parse_output_counts_only_whole_acknowledgements(text: str, acked: int, pending: bool):
    found_acked, found_pending = parse_output(text)
    assert (len(found_acked), found_pending is not None) == (acked, pending)
