"""Upload benchmark: a 30-page PDF added to a server's reading list, then asked about.

    python -m benchmarks.library_upload [--pages 30] [--runs 3]

The PDF is typeset first by the test fixtures' typesetter (not timed). Then, through the same
service the bot uses, over a fresh SQLite database and the bundled shared library: Library.add
(parse in the worker process, store, build the server's engine over the shared library and its own,
ranked as one corpus) and the first question about the new document.

Measured: seconds for the upload, for the first answer, and the two together (target ≤ 5 s on 2
cores: "answerable within 5 s of the upload"), best and worst of --runs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path


async def _one_run(data: bytes, question: str, folder: Path) -> tuple[float, float, int]:
    from bot.config import Settings
    from bot.service.asking import Answered, Question, Ready
    from bot.service.library import Upload
    from bot.service.options import ServiceOptions
    from bot.service.rules import Member
    from bot.service.services import Services
    from bot.storage.sqlite import SqliteStore
    from bot.wiring import open_shared_library, server_libraries, server_library_options

    settings = dataclasses.replace(Settings(), data_dir=folder / "data")
    shared = open_shared_library(settings, save=True).prepare_lookups()
    async with await SqliteStore.open(folder / "studybot.sqlite3") as store:
        services = Services.create(server_libraries(settings, shared, store), store,
                                   ServiceOptions(cooldown_seconds=0), server_library_options(settings))  # fmt: skip
        librarian = Member(user_id=1, guild_id=9001, can_manage=True)
        start = time.perf_counter()
        added = await services.library.add(librarian, Upload("reading.pdf", len(data), "application/pdf", data=data))
        uploaded = time.perf_counter() - start
        step = await services.asking.check(Question(Member(user_id=2, guild_id=9001), question))
        done = await services.asking.answer(step) if isinstance(step, Ready) else step
        answered = time.perf_counter() - start - uploaded
        if not isinstance(done, Answered) or done.answer.excerpts[0].article.id != added.id:
            raise SystemExit(f"the question was not answered from the upload: {done}")
        return uploaded, answered, added.passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tests.ingest.pdf_fixtures import journal_article

    data, truth = journal_article(pages_wanted=int(args.pages * 1.95), notes_count=int(args.pages * 1.95))
    question = " ".join(truth.paragraphs[len(truth.paragraphs) // 2].split()[:12])
    totals = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            uploaded, answered, passages = asyncio.run(_one_run(data, question, Path(folder)))
        totals.append(uploaded + answered)
        print(f"run {run}: {len(truth.page_labels)} pages, {len(data) / 1e6:.1f} MB, {passages} passages: "
              f"upload {uploaded:.2f} s + first answer {answered:.2f} s = {uploaded + answered:.2f} s")
    print(f"best {min(totals):.2f} s, worst {max(totals):.2f} s (target ≤ 5 s on 2 cores)")


if __name__ == "__main__":
    main()
