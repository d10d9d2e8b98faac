"""Loaded at start by a bot process that benchmarks.bot_load --trace-memory starts (this folder on
its PYTHONPATH): traces Python's allocations, and on SIGUSR1 writes a tracemalloc snapshot to the
next numbered file in $STUDYBOT_TRACE_DIR. Nothing here runs in a bot started any other way."""

import os

if os.environ.get("STUDYBOT_TRACE_DIR"):
    import itertools
    import signal
    import tracemalloc

    _numbers = itertools.count(1)

    def _snapshot(_signum, _frame) -> None:
        path = os.path.join(os.environ["STUDYBOT_TRACE_DIR"], f"snapshot-{next(_numbers)}.pickle")
        tracemalloc.take_snapshot().dump(path + ".part")
        os.replace(path + ".part", path)  # complete when it appears

    tracemalloc.start(int(os.environ.get("STUDYBOT_TRACE_FRAMES", "1")))
    signal.signal(signal.SIGUSR1, _snapshot)
