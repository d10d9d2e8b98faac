"""`studybot backup DEST`: a safe copy, even while another process writes."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.storage.sqlite import BackupError, SqliteStore, backup_sqlite
from tests.storage.samples import make_answer

REPO_ROOT = Path(__file__).resolve().parents[2]

# Another process that keeps the database open (WAL) and writes until told to stop.
WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from bot.storage.sqlite import SqliteStore

    async def main(path, stop):
        async with await SqliteStore.open(path) as db:
            n = 0
            while not stop.exists():
                await db.log_question(1, 1, f"busy {n}", False, False, None, float(n))
                n += 1
                if n == 20:
                    print("ready", flush=True)

    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
    """
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "live" / "studybot.sqlite3"


async def save_answers(db_path: Path, count: int) -> list[str]:
    async with await SqliteStore.open(db_path) as db:
        return [(await db.save_answer(make_answer(question=f"q{n}"))).id for n in range(count)]


async def test_backup_copies_every_answer_and_reports(db_path: Path, tmp_path: Path, capsys):
    ids = await save_answers(db_path, 5)
    dest = tmp_path / "backups" / "copy.sqlite3"
    dest.parent.mkdir()
    result = backup_sqlite(db_path, dest)
    assert (result.source, result.dest, result.answers) == (db_path, dest, 5)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.sqlite3"]  # no temp or -wal files
    async with await SqliteStore.open(dest) as copy:
        for answer_id in ids:
            assert (await copy.get_answer(answer_id)).excerpts[0].rank == 1


async def test_backup_while_another_process_is_writing(db_path: Path, tmp_path: Path):
    ids = await save_answers(db_path, 30)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        dest = tmp_path / "copy.sqlite3"
        started = time.perf_counter()
        assert (await asyncio.to_thread(backup_sqlite, db_path, dest)).dest == dest
        print(f"backup under load took {time.perf_counter() - started:.2f} s")
        time.sleep(0.1)  # the writer keeps going after the backup
    finally:
        stop.touch()
        assert writer.wait(timeout=10) == 0
        writer.stdout.close()
    async with await SqliteStore.open(dest) as copy:
        for answer_id in ids:
            assert await copy.get_answer(answer_id) is not None
    with sqlite3.connect(dest) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        busy = [row[0] for row in raw.execute("SELECT question FROM question_log ORDER BY id")]
    with sqlite3.connect(db_path) as raw:
        total = raw.execute("SELECT COUNT(*) FROM question_log").fetchone()[0]
    # A consistent snapshot: the first k writes, no gaps, taken while writing went on.
    assert len(busy) >= 20
    assert busy == [f"busy {n}" for n in range(len(busy))]
    assert total > len(busy)


async def test_backup_refuses_to_overwrite(db_path: Path, tmp_path: Path, capsys):
    await save_answers(db_path, 1)
    dest = tmp_path / "existing.sqlite3"
    dest.write_text("keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(db_path, dest)
    assert dest.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.sqlite3", "live"]


def test_backup_of_missing_database(tmp_path: Path, capsys):
    missing = tmp_path / "nowhere.sqlite3"
    dest = tmp_path / "copy.sqlite3"
    with pytest.raises(BackupError, match=f"^no database at {re.escape(str(missing))}$"):
        backup_sqlite(missing, dest)
    assert not dest.exists()


async def test_backup_into_a_missing_folder_is_refused_not_created(db_path: Path, tmp_path: Path):
    await save_answers(db_path, 1)
    typo = tmp_path / "bakups" / "nightly" / "copy.sqlite3"
    with pytest.raises(BackupError, match=f"{re.escape(str(typo.parent))} is not a folder"):
        backup_sqlite(db_path, typo)
    assert not (tmp_path / "bakups").exists()


def test_failed_backup_leaves_nothing_behind(tmp_path: Path, capsys):
    source = tmp_path / "notes.txt"
    source.write_bytes(b"not a database at all\n" * 500)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BackupError, match="failed"):
        backup_sqlite(source, out / "copy.sqlite3")
    assert list(out.iterdir()) == []


async def test_backup_into_a_folder_is_refused(db_path: Path, tmp_path: Path, capsys):
    await save_answers(db_path, 1)
    with pytest.raises(BackupError, match="folder"):
        backup_sqlite(db_path, tmp_path)
