"""How much of a process's memory is a given file's (or folder's) mapped pages, from /proc/PID/smaps:
shared by the tests of the resident index and the load benchmark."""

from __future__ import annotations

import os
from pathlib import Path


def mapped_rss_kb(pid: int, path: Path) -> int:
    """The resident KB of the process's mappings of `path`: that file, or every file under that folder."""
    target = os.path.realpath(path)
    kb, inside = 0, False
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split(maxsplit=5)
            if head and "-" in head[0] and len(head[0]) > 8:  # a mapping's first line: address range first
                mapped = head[5].rstrip("\n") if len(head) == 6 else ""
                inside = mapped == target or mapped.startswith(target + os.sep)
            elif inside and head and head[0] == "Rss:":
                kb += int(head[1])
    return kb
