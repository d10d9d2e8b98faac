"""Writing the small corpora tests make on the spot."""

from __future__ import annotations

from pathlib import Path


def write(folder: Path, name: str, text: str) -> None:
    """`text` as the UTF-8 file `name` in `folder` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
