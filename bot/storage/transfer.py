"""`studybot export FILE` / `import FILE`: every table of a store, to a file and back, across backends.

The file is JSON lines: a header, then per table a `{"table", "columns"}` line followed by one
line per row (a JSON list; bytes as {"$bytes": base64}). Tables and columns are read from the
database itself, so a table added by a later migration travels without changes here.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage.errors import StorageError
from bot.storage.protocol import Store

FORMAT = "studybot-export"
BATCH = 500


@dataclass(frozen=True)
class TransferResult:
    path: Path
    schema_version: int
    rows: dict[str, int] = field(default_factory=dict)  # table → rows carried


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return base64.b64decode(value["$bytes"])
    return value


async def export_store(store: Store, path: Path) -> TransferResult:
    """Write every row of `store` to the new file `path` (written beside, then moved into place)."""
    path = Path(path)
    if path.exists():
        raise StorageError(f"{path} already exists; not overwriting it")
    version, tables = await store.schema_version(), await store.tables()
    partial = path.with_name(f".{path.name}.partial")
    counts: dict[str, int] = {}
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"format": FORMAT, "schema_version": version, "backend": store.backend}) + "\n")
            for table, columns in tables.items():
                out.write(json.dumps({"table": table, "columns": columns}) + "\n")
                counts[table] = 0
                async for rows in store.read_rows(table, BATCH):
                    for row in rows:
                        out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
                    counts[table] += len(rows)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except OSError as exc:
        raise StorageError(f"cannot write the export {path}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return TransferResult(path, version, counts)


async def import_store(store: Store, path: Path) -> TransferResult:
    """Load the export at `path` into the empty `store`, all in one transaction (nothing on failure)."""
    path = Path(path)
    version = await store.schema_version()
    counts: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8") as lines:
            header = _line(path, 1, lines.readline())
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise StorageError(f"{path} is not a Studybot export")
            if header.get("schema_version") != version:
                raise StorageError(
                    f"{path} has schema version {header.get('schema_version')}, the database {store.where} "
                    f"{version}: run `studybot migrate` on the older side first"
                )
            async with store.bulk_load() as loader:
                table, columns, batch = None, [], []
                for number, text in enumerate(lines, start=2):
                    item = _line(path, number, text)
                    if isinstance(item, dict):
                        if batch:
                            await loader.insert(table, columns, batch)
                        table, columns, batch = item["table"], item["columns"], []
                        counts[table] = 0
                    elif table is None or len(item) != len(columns):
                        raise StorageError(f"{path}, line {number}: a row that fits no table")
                    else:
                        batch.append([_decode(v) for v in item])
                        counts[table] += 1
                        if len(batch) >= BATCH:
                            await loader.insert(table, columns, batch)
                            batch = []
                if batch:
                    await loader.insert(table, columns, batch)
    except OSError as exc:
        raise StorageError(f"cannot read the export {path}: {exc}") from exc
    return TransferResult(path, version, counts)


def _line(path: Path, number: int, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise StorageError(f"{path}, line {number}: not a line of a Studybot export") from None
