"""How long `studybot ask` takes as a fresh process on the bundled corpus (target: ≤ 1 s wall).

Run as `python -m benchmarks.cli_start [--runs 10] [--json]`. The first run builds and saves the
index in a temporary data folder; the timed runs load it, as a moderator's terminal would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

QUESTION = "Who heads the Joint Chiefs of Staff?"


def measure(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "STUDYBOT_DATA_DIR": data_dir}
        command = [sys.executable, "-m", "bot", "ask", QUESTION]
        first = _timed(command, env)
        times = [_timed(command, env) for _ in range(runs)]
        probe = "import bot.cli, sys; bot.cli.main(['ask', 'reset']); print('discord' in sys.modules)"
        imports_discord = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        ).stdout.strip().endswith("True")
    return {
        "first_run_s": round(first, 3),
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "imports_discord": imports_discord,
        "target_s": 1.0,
        "met": max(times) <= 1.0 and not imports_discord,
    }


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(max(1, args.runs))
    if args.json:
        print(json.dumps(result))
        return
    print(f"studybot ask, fresh process: first run {result['first_run_s']} s (builds the index), then median "
          f"{result['median_s']} s, max {result['max_s']} s over {result['runs']} runs; discord imported: "
          f"{result['imports_discord']}; target <= 1 s: {'met' if result['met'] else 'MISSED'}")


if __name__ == "__main__":
    main()
