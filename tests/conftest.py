from __future__ import annotations

import os

import pytest

from testing.postgres import PostgresServer, PostgresUnavailable


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own data folder: nothing is written to the user's home."""
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL for the session (testing/postgres.py), for the storage tests and
    the bot over PostgreSQL. Without its binaries those tests are skipped with the reason (listed by
    -ra); under CI (CI=true) a server that cannot start fails the run instead."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and PostgreSQL cannot start for the PostgreSQL tests: {exc}")
        pytest.skip(f"PostgreSQL TESTS SKIPPED, no server could start: {exc}")
    yield server
    server.close()
