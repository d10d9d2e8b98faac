"""Bringing a saved index into the process once, so that its first questions are as fast as later ones.

A saved index is memory-mapped (bot.library.saved): its pages come in on first use, each fault
mapping the 64 KB around it, so a fresh bot's first questions wait on page faults (on disk reads
after a cold boot) and its resident size creeps up question after question until it has touched
the whole index. `make_resident` maps the pages of this process's mappings of a saved index folder
up front with madvise(MADV_POPULATE_READ): pages of the page cache, shared with every process that
maps the same files (no private copy), smallest files first (term tables, postings, offsets), the
passage texts last, and only as much as fits in half the memory available (MemAvailable, or less
when the process's cgroup, a container's, leaves less below its memory.max). It is meant for a
thread beside the event loop: it works in slices of a few MB, so a concurrent mmap or munmap in
the process never waits long on the kernel's lock, and a stop asked for is heard within a slice. The
mappings are read once at the start: a range unmapped meanwhile is skipped, and one mapped anew
meanwhile (a reload's new index, memory) is only read, which changes nothing in it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("studybot.library")

MADV_WILLNEED = 3
MADV_POPULATE_READ = 22  # Linux 5.14+: fault the pages in as reads would, without reading them here
SLICE_BYTES = 8 << 20
SHARE_OF_AVAILABLE = 0.5  # at most this share of the memory available is made resident
MAPS, MEMINFO = "/proc/self/maps", "/proc/meminfo"
CGROUP, CGROUP_ROOT = "/proc/self/cgroup", "/sys/fs/cgroup"  # v2: "0::/its/path"; v1: "4:memory:/its/path"
UNLIMITED_V1 = 1 << 62  # cgroup v1 writes "no limit" as a number near 2**63


@dataclass(frozen=True)
class Resident:
    """What make_resident did: bytes mapped in, bytes left to fault in on use, seconds taken."""

    mapped_bytes: int
    skipped_bytes: int
    seconds: float
    populated: bool  # False: the kernel cannot populate (before 5.14), only read ahead; or nothing done


def mappings_of(folder: Path, maps: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, path) of this process's memory mappings of files in `folder`, smallest first
    (not those of files replaced since: an index a reload let go)."""
    root = os.path.realpath(folder) + os.sep
    if maps is None:
        with open(MAPS, encoding="utf-8", errors="replace") as fh:
            maps = fh.read()
    found = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith(root) and not fields[5].endswith(" (deleted)"):
            start, _, end = fields[0].partition("-")
            found.append((int(start, 16), int(end, 16), fields[5]))
    return sorted(found, key=lambda m: (m[1] - m[0], m[2]))


def available_bytes() -> int | None:
    """MemAvailable in bytes, or the room left below the cgroup's memory limit (cgroup_room) when that
    is less; None when /proc/meminfo is missing or does not say (then nothing is made resident)."""
    available = None
    try:
        with open(MEMINFO, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):  # ValueError: not a number, or not ASCII
        return None
    room = cgroup_room()
    return available if available is None or room is None else min(available, room)


def cgroup_room() -> int | None:
    """The memory limit of this process's cgroup less what it uses: memory.max - memory.current (v2),
    or memory.limit_in_bytes - memory.usage_in_bytes (v1, the memory controller's hierarchy); None
    without a limit, or where there is no cgroup to read."""
    try:
        with open(CGROUP, encoding="utf-8") as fh:
            lines = [line.rstrip("\n").split(":", 2) for line in fh]
    except OSError:
        return None
    for fields in lines:
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":
            room = _room(Path(CGROUP_ROOT), path, "memory.max", "memory.current")
        elif "memory" in controllers.split(","):
            room = _room(Path(CGROUP_ROOT) / "memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        if room is not None:
            return room
    return None


def _room(root: Path, path: str, limit_file: str, usage_file: str) -> int | None:
    """limit - usage of the cgroup at root/path, or at root itself (a container sees its own cgroup as
    the root of the mount while /proc/self/cgroup names the host's path); None without a limit."""
    for folder in (root / path.lstrip("/"), root):
        try:
            limit = (folder / limit_file).read_text(encoding="ascii").strip()
            usage = int((folder / usage_file).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        if not limit.isdigit() or int(limit) >= UNLIMITED_V1:  # v2 says "max"
            return None
        return max(0, int(limit) - usage)
    return None


def make_resident(folder: Path, budget: int | None = None, stop: threading.Event | None = None) -> Resident:
    """Maps in this process's mappings of the saved index in `folder` (see the module docstring);
    `budget`: at most this many bytes (default: half of available_bytes()); `stop`: once set, it ends at
    the next slice (the bot is stopping). Nothing is done where there is no /proc/self/maps (not Linux)."""
    started = time.perf_counter()
    if not sys.platform.startswith("linux"):  # the advice numbers are Linux's
        return Resident(0, 0, 0.0, populated=False)
    try:
        mappings = mappings_of(folder)
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError) as exc:
        log.debug("%s: not made resident (%s)", folder, exc)
        return Resident(0, 0, 0.0, populated=False)
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    if budget is None:
        available = available_bytes()
        budget = int(available * SHARE_OF_AVAILABLE) if available is not None else 0
    # asked once, with no length: EINVAL only for advice the kernel does not know (before 5.14), so
    # that an EINVAL later (a range without read access, mapped there since) is not taken for it
    populate = not mappings or madvise(mappings[0][0], 0, MADV_POPULATE_READ) == 0
    advice, mapped, skipped = (MADV_POPULATE_READ if populate else MADV_WILLNEED), 0, 0
    for start, end, path in mappings:
        size = end - start
        if mapped + size > budget:
            skipped += size
            continue
        for at in range(start, end, SLICE_BYTES):
            if stop is not None and stop.is_set():
                total = sum(e - s for s, e, _ in mappings)
                return Resident(mapped, total - mapped, time.perf_counter() - started, populated=populate)
            if madvise(at, min(SLICE_BYTES, end - at), advice) != 0:
                # ENOMEM: unmapped meanwhile (a reload let that index go); EFAULT: the file shrank
                log.debug("%s: not made resident (%s)", path, os.strerror(ctypes.get_errno()))
                skipped += end - at
                break
        else:
            mapped += size
    return Resident(mapped, skipped, time.perf_counter() - started, populated=populate)
