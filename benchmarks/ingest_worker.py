"""What a worker process costs per file, against reading the file in process.

    python -m benchmarks.ingest_worker [--runs 20]

Measured (seconds per file, mean of --runs): an empty job in a worker (process start, pickling,
ending it), and the bundled corpus's articles read in process and in a worker. This is why plain
text and Markdown are read in process (bot.ingest.options.IN_PROCESS_FORMATS): for a file of a few
KB the worker costs several times the parsing.
"""

from __future__ import annotations

import argparse
import time

from bot.config import bundled_corpus_dir
from bot.ingest import worker
from bot.ingest.formats import reader_for
from bot.ingest.options import IngestOptions
from bot.library.folder import corpus_files


def _mean_seconds(function, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        function()
    return (time.perf_counter() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    options = IngestOptions()
    started = time.perf_counter()
    worker.run_limited(len, b"", timeout_seconds=60, max_memory_mb=options.max_memory_mb)
    print(f"first worker (starts the fork server): {time.perf_counter() - started:.3f} s")
    empty = _mean_seconds(lambda: worker.run_limited(len, b"", timeout_seconds=60, max_memory_mb=512), runs)
    print(f"empty job in a worker:                 {empty * 1000:7.1f} ms")
    for path in corpus_files(bundled_corpus_dir()):
        data, reader = path.read_bytes(), reader_for(path.name)
        job = (reader, path.name, data, options.limits_for("txt"), path.stem, str(path), None, 1200)
        inline = _mean_seconds(lambda job=job: worker.read_and_build(*job), runs)
        isolated = _mean_seconds(
            lambda job=job: worker.run_limited(worker.read_and_build, *job, timeout_seconds=60, max_memory_mb=512),
            runs,
        )
        print(f"{path.name} ({len(data):,} bytes): in process {inline * 1000:6.1f} ms, "
              f"in a worker {isolated * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
