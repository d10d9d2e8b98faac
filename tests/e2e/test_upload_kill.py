"""kill -9 during uploads: `studybot library add` (the bot's own store and library service) killed at
random moments while it downloads nothing but parses and stores; after each kill the SQLite file
passes its integrity check, every document is whole (its bytes match its sha256, its passages load)
or absent, and the server's library answers a question about each document it holds."""

from __future__ import annotations

import asyncio
import hashlib
import random
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core.engine import Engine
from bot.core.models import Corpus
from bot.storage import open_store
from bot.wiring import storage_options
from tests.e2e.uploads import marked_document

pytestmark = pytest.mark.asyncio

GUILD = 9101
KILLS_WANTED = 50
TIME_BUDGET = 80.0  # seconds of killing at most; the count reached is printed
IN_FLIGHT = 2  # uploads running when the kill comes


def add_process(config: Path, file: Path):
    return asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "library", "add", "--guild", str(GUILD), "--config", str(config), str(file),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def check_library(settings, markers: dict[str, str]) -> int:
    """Integrity, whole documents, and an answer naming each one; the number of documents."""
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    async with await open_store(storage_options(settings)) as store:
        documents = await store.list_documents(GUILD)
        _version, articles = await store.guild_articles(GUILD)
        assert len(articles) == len(documents)
        for doc, article in zip(documents, articles, strict=True):
            content = await store.document_content(GUILD, doc.id)
            assert content is not None and len(content) == doc.size, doc
            assert hashlib.sha256(content).hexdigest() == doc.sha256, doc
            assert len(article.passages) == doc.passages > 0, doc
    if documents:
        engine = Engine(Corpus(articles)).prepare_lookups()
        for doc in documents:
            marker = markers[doc.sha256]
            answer = engine.ask(f"{marker}?")
            top = answer.excerpts[0].passage if answer.excerpts else None
            assert answer.answered and top.article_id == doc.id and marker in top.text, (doc.filename, answer)
    return len(documents)


async def test_uploads_killed_at_random_moments_leave_each_document_whole_or_absent(tmp_path):
    rng = random.Random(77)
    data_dir = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {data_dir}\nlogging: {{level: WARNING}}\nlibrary: {{max_documents: 1000}}\n",
                      encoding="utf-8")  # fmt: skip
    settings = load_settings(config)
    markers: dict[str, str] = {}  # sha256 -> the made-up word only that file holds
    serial = iter(range(10**6))

    def next_file() -> Path:
        name, data, marker = marked_document(next(serial), rng)
        markers[hashlib.sha256(data).hexdigest()] = marker
        path = tmp_path / "files" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return path

    started = time.monotonic()  # one upload undisturbed: how long the window to kill in is
    process = await add_process(config, next_file())
    output, _ = await process.communicate()
    whole = time.monotonic() - started
    assert process.returncode == 0, output.decode()
    assert await check_library(settings, markers) == 1

    kills, outcomes = 0, {"stored": 0, "absent": 0}
    begun = time.monotonic()
    while kills < KILLS_WANTED and time.monotonic() - begun < TIME_BUDGET:
        before = await check_library(settings, markers)
        processes = [await add_process(config, next_file()) for _ in range(IN_FLIGHT)]
        await asyncio.sleep(rng.uniform(whole * 0.5, whole * 1.05))  # past start-up: parsing, storing
        for p in processes:
            if p.returncode is None:
                p.send_signal(signal.SIGKILL)
            await p.wait()
        kills += 1
        after = await check_library(settings, markers)
        outcomes["stored"] += after - before
        outcomes["absent"] += IN_FLIGHT - (after - before)
    total = await check_library(settings, markers)
    print(
        f"\nkill -9 during uploads: {kills} kills ({IN_FLIGHT} `library add` in flight each, at a random moment "
        f"in {whole * 0.5:.2f}–{whole * 1.05:.2f} s; one undisturbed add takes {whole:.2f} s) "
        f"in {time.monotonic() - begun:.1f} s; "
        f"uploads stored whole {outcomes['stored']}, absent {outcomes['absent']}, none partial; "
        f"integrity ok after each; {total} documents, each found by its own word"
    )
    assert kills >= 30  # the budget fits about 50 on two busy cores; fewer means something got slow
    assert outcomes["absent"] > 0  # some kills did land before the commit

    process = await add_process(config, next_file())  # and the library still takes uploads
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert await check_library(settings, markers) == total + 1
