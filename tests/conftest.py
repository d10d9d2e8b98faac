from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own data folder: nothing is written to the user's home."""
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(tmp_path_factory.mktemp("data")))
