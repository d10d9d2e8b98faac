"""A stand-in for the bot's write path, to be killed with SIGKILL by tests/storage/test_crash.py.

    python -m tests.storage.crash_writer STORAGE_URL SEED

Opens the database and does a random mix of the bot's writes (save an answer with 3-15 excerpts,
vote on a saved answer, change a guild's settings, log a question), one at a time. Around each
write it prints one flushed line to stdout:

    begin answer <n> <k> <digest>          before save_answer (question "crash-answer <seed> <n>")
    answer <id> <k> <digest>               after it returned: committed, the bot would reply now
    begin feedback <answer_id> <user> <value>
    feedback <answer_id> <user> <value>
    begin settings <guild> <json of the changes>
    settings <guild> <json of the stored settings it returned>
    begin log <n>                          (question "crash-log <seed> <n>")
    log <n>

A `begin` line with no acknowledgement after it is the one write that was in flight when the
process died: it may or may not have committed. Every acknowledged write must survive.

The loop is bounded: it stops by itself after MAX_WRITES writes or MAX_SECONDS seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import random
import sys
import time

from bot.storage import StorageOptions, open_store
from bot.storage.records import AnswerRecord, ExcerptRecord, GuildSettings

GUILDS = (11, 22, 33)
USERS = (1, 2, 3, 4, 5)
MAX_WRITES = 200_000
MAX_SECONDS = 60.0
WORDS = "monad functor lambda closure thunk fold stream lens arrow kind type proof lemma sicp lisp".split()


def answer_question(seed: int, n: int) -> str:
    return f"crash-answer {seed} {n}"


def log_question(seed: int, n: int) -> str:
    return f"crash-log {seed} {n}"


def answer_digest(record: AnswerRecord) -> str:
    """A fingerprint of everything stored for an answer except its id (excerpts taken in rank order)."""
    canonical = dataclasses.replace(record, id=None, excerpts=tuple(sorted(record.excerpts, key=lambda e: e.rank)))
    return hashlib.sha256(repr(canonical).encode()).hexdigest()[:16]


def settings_json(value: dict) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def settings_dict(settings: GuildSettings) -> dict:
    """A guild's settings as the JSON the writer prints (channel lists as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(settings).items()}


def make_answer(rng: random.Random, seed: int, n: int) -> AnswerRecord:
    excerpts = []
    for rank in rng.sample(range(1, 16), rng.randint(3, 15)):  # ranks in random insertion order
        quote = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60))) + " ü'; --"
        highlights = tuple(sorted((a, a + rng.randint(1, 5)) for a in rng.sample(range(len(quote)), 2)))
        excerpts.append(ExcerptRecord(rank, f"p-{rng.randrange(10_000)}", rng.random() * 10, quote, highlights))
    created = 1_700_000_000 + rng.random() * 1e6
    return AnswerRecord(
        id=None,
        guild_id=rng.choice((*GUILDS, None)),
        channel_id=rng.choice((None, rng.randrange(1, 10**12))),
        user_id=rng.choice(USERS),
        question=answer_question(seed, n),
        answered=rng.random() < 0.8,
        weak=rng.random() < 0.2,
        matched_terms=tuple(rng.sample(WORDS, rng.randint(0, 4))),
        unknown_terms=tuple(rng.sample(WORDS, rng.randint(0, 2))),
        created_at=created,
        expires_at=created + 86_400.0,  # nothing is pruned here anyway
        private=rng.random() < 0.5,
        page_size=3,
        page=0,
        excerpts=tuple(excerpts),
    )


def random_setting_changes(rng: random.Random) -> dict:
    choices = {
        "top_k": lambda: rng.choice((None, rng.randint(1, 10))),
        "private_default": lambda: rng.choice((None, True, False)),
        "cooldown_seconds": lambda: rng.choice((None, rng.randint(0, 600))),
        "channel_ids": lambda: [rng.randrange(1, 10**12) for _ in range(rng.randint(0, 4))],
    }
    keys = rng.sample(sorted(choices), rng.randint(1, len(choices)))
    return {key: choices[key]() for key in sorted(keys)}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def run(url: str, seed: int) -> None:
    rng = random.Random(seed)
    async with await open_store(StorageOptions(url)) as db:
        # answers saved by earlier (killed) writers can be voted on too
        answer_ids = [row[0] async for rows in db.read_rows("answers") for row in rows]
        answers = logs = 0
        deadline = time.monotonic() + MAX_SECONDS
        for _ in range(MAX_WRITES):
            if time.monotonic() > deadline:
                break
            kind = rng.choices(("answer", "feedback", "settings", "log"), (3, 3, 1, 3))[0]
            if kind == "feedback" and not answer_ids:
                kind = "answer"
            if kind == "answer":
                answers += 1
                record = make_answer(rng, seed, answers)
                digest = answer_digest(record)
                say(f"begin answer {answers} {len(record.excerpts)} {digest}")
                saved = await db.save_answer(record)
                say(f"answer {saved.id} {len(record.excerpts)} {digest}")
                answer_ids.append(saved.id)
            elif kind == "feedback":
                answer_id, user, value = rng.choice(answer_ids), rng.choice(USERS), rng.choice((1, -1))
                say(f"begin feedback {answer_id} {user} {value}")
                await db.record_feedback(answer_id, user, value, time.time())
                say(f"feedback {answer_id} {user} {value}")
            elif kind == "settings":
                guild, changes = rng.choice(GUILDS), random_setting_changes(rng)
                say(f"begin settings {guild} {settings_json(changes)}")
                stored = await db.update_guild_settings(guild, **changes)
                say(f"settings {guild} {settings_json(settings_dict(stored))}")
            else:
                logs += 1
                say(f"begin log {logs}")
                await db.log_question(
                    rng.choice(GUILDS),
                    rng.choice(USERS),
                    log_question(seed, logs),
                    rng.random() < 0.7,
                    False,
                    None,
                    time.time(),
                )
                say(f"log {logs}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.storage.crash_writer STORAGE_URL SEED", file=sys.stderr)
        return 2
    asyncio.run(run(argv[0], int(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
