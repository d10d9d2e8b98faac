"""Making a saved index resident: the pages of this process's mappings of the folder come in at once
(shared page-cache pages, nothing copied), smallest files first, within the budget."""

from __future__ import annotations

import ctypes
import mmap
import os
import threading
from pathlib import Path

import numpy as np

from bot.library import resident
from bot.library.resident import make_resident, mappings_of
from testing.memory import mapped_rss_kb

PAGE = os.sysconf("SC_PAGE_SIZE")


def _mapped(path: Path, size: int) -> np.memmap:
    np.save(path, np.arange(size // 8, dtype=np.int64))
    return np.load(path, mmap_mode="r")


def _resident_kb(path: Path) -> int:
    return mapped_rss_kb(os.getpid(), path)


def test_the_mapped_pages_of_the_folder_become_resident_without_being_read(tmp_path):
    index, elsewhere = tmp_path / "index", tmp_path / "other"
    index.mkdir(), elsewhere.mkdir()
    postings = _mapped(index / "postings.npy", 4 << 20)
    texts = _mapped(index / "text_blob.npy", 12 << 20)
    outside = _mapped(elsewhere / "text_blob.npy", 4 << 20)
    assert _resident_kb(index / "text_blob.npy") < 1024  # mapped, not yet touched

    done = make_resident(index, budget=1 << 30)

    assert done.populated and done.skipped_bytes == 0
    assert done.mapped_bytes >= postings.nbytes + texts.nbytes
    assert _resident_kb(index / "postings.npy") * 1024 >= postings.nbytes
    assert _resident_kb(index / "text_blob.npy") * 1024 >= texts.nbytes
    assert _resident_kb(elsewhere / "text_blob.npy") < 1024  # another folder's mapping is left alone
    assert int(texts[-1]) == texts.size - 1 and outside.size  # the arrays read as before


def test_smallest_files_first_and_no_more_than_the_budget(tmp_path):
    small, big = _mapped(tmp_path / "offsets.npy", 2 << 20), _mapped(tmp_path / "text_blob.npy", 16 << 20)

    done = make_resident(tmp_path, budget=4 << 20)

    assert _resident_kb(tmp_path / "offsets.npy") * 1024 >= small.nbytes
    assert _resident_kb(tmp_path / "text_blob.npy") < 1024
    assert done.skipped_bytes >= big.nbytes and done.mapped_bytes < 4 << 20


def test_mappings_are_read_from_the_maps_table_smallest_first(tmp_path):
    folder = os.path.realpath(tmp_path)
    maps = "\n".join([
        f"7f0000000000-7f0000400000 r--s 00000000 08:01 11 {folder}/text_blob.npy",
        "7f0000400000-7f0000500000 r--p 00000000 08:01 12 /usr/lib/libc.so.6",
        f"7f0000500000-7f0000501000 r--s 00000000 08:01 13 {folder}/offsets.npy",
        f"7f0000501000-7f0000502000 r--s 00000000 08:01 10 {folder}/postings.npy (deleted)",
        f"7f0000600000-7f0000700000 r--s 00000000 08:01 14 {folder}-other/postings.npy",
        "7f0000700000-7f0000800000 rw-p 00000000 00:00 0",
    ])  # fmt: skip
    found = mappings_of(tmp_path, maps)
    assert [Path(p).name for _, _, p in found] == ["offsets.npy", "text_blob.npy"]
    assert found[0][:2] == (0x7F0000500000, 0x7F0000501000)


def _unreadable_mapping(path: Path, size: int) -> int:
    """A PROT_NONE mapping of a new file: madvise(MADV_POPULATE_READ) on it fails with EINVAL."""
    path.write_bytes(bytes(size))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype, libc.mmap.argtypes = ctypes.c_void_p, (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                                              ctypes.c_int, ctypes.c_int, ctypes.c_long)  # fmt: skip
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_NONE if hasattr(mmap, "PROT_NONE") else 0, mmap.MAP_SHARED, fd, 0)
    finally:
        os.close(fd)
    assert address not in (None, ctypes.c_void_p(-1).value)
    return address


def test_a_range_without_read_access_is_skipped_and_the_rest_still_populated(tmp_path):
    """EINVAL on one range (here a PROT_NONE mapping; in the bot, memory mapped where a reload let an
    index go) is that range's alone, not a sign of an old kernel."""
    address = _unreadable_mapping(tmp_path / "a_guard.bin", PAGE)  # the smallest: asked first
    texts = _mapped(tmp_path / "text_blob.npy", 4 << 20)
    try:
        done = make_resident(tmp_path, budget=1 << 30)
    finally:
        ctypes.CDLL(None).munmap(ctypes.c_void_p(address), ctypes.c_size_t(PAGE))
    assert done.populated and done.skipped_bytes == PAGE
    assert _resident_kb(tmp_path / "text_blob.npy") * 1024 >= texts.nbytes


def test_without_proc_nothing_is_done_and_nothing_raised(tmp_path, monkeypatch):
    _mapped(tmp_path / "postings.npy", 1 << 20)
    monkeypatch.setattr(resident, "MAPS", str(tmp_path / "no-proc" / "maps"))
    monkeypatch.setattr(resident, "MEMINFO", str(tmp_path / "no-proc" / "meminfo"))
    assert resident.available_bytes() is None
    done = make_resident(tmp_path)
    assert (done.mapped_bytes, done.skipped_bytes, done.populated) == (0, 0, False)
    assert _resident_kb(tmp_path / "postings.npy") < 1024


def test_a_stop_asked_for_ends_it_before_the_next_slice(tmp_path):
    """The bot stopping while it runs: the thread ends at once instead of mapping in the rest."""
    texts = _mapped(tmp_path / "text_blob.npy", 4 << 20)
    stop = threading.Event()
    stop.set()
    done = make_resident(tmp_path, budget=1 << 30, stop=stop)
    assert done.mapped_bytes == 0 and done.skipped_bytes >= texts.nbytes
    assert _resident_kb(tmp_path / "text_blob.npy") < 1024


def test_a_meminfo_that_does_not_say_leaves_everything_to_be_mapped_on_use(tmp_path, monkeypatch):
    texts = _mapped(tmp_path / "text_blob.npy", 1 << 20)
    meminfo = tmp_path / "meminfo"
    for odd in (b"MemTotal: 1 kB\n", b"MemAvailable: plenty kB\n", b"MemAvailable:\n", b"MemAvailable: \xff kB\n"):
        meminfo.write_bytes(odd)
        monkeypatch.setattr(resident, "MEMINFO", str(meminfo))
        assert resident.available_bytes() is None
        done = make_resident(tmp_path)
        assert done.mapped_bytes == 0 and done.skipped_bytes >= texts.nbytes
    meminfo.write_bytes(b"MemTotal: 9 kB\nMemAvailable:    2048 kB\n")
    assert resident.available_bytes() == 2048 * 1024


def test_a_containers_memory_limit_bounds_what_is_made_resident(tmp_path, monkeypatch):
    """A cgroup (v2) with less room below its memory.max than the host's MemAvailable: the room counts."""
    texts = _mapped(tmp_path / "text_blob.npy", 4 << 20)
    meminfo, cgroup, group = tmp_path / "meminfo", tmp_path / "cgroup", tmp_path / "fs" / "bot.slice"
    meminfo.write_bytes(b"MemAvailable: 16777216 kB\n")  # 16 GB on the host
    group.mkdir(parents=True)
    cgroup.write_text("0::/bot.slice\n")
    (group / "memory.max").write_text(f"{(6 << 20) + 1000}\n")
    (group / "memory.current").write_text("1000\n")  # 6 MB of room: half of it, 3 MB, may be made resident
    for name, value in (("MEMINFO", meminfo), ("CGROUP", cgroup), ("CGROUP_ROOT", tmp_path / "fs")):
        monkeypatch.setattr(resident, name, str(value))
    assert resident.available_bytes() == 6 << 20
    done = make_resident(tmp_path)
    assert done.mapped_bytes == 0 and done.skipped_bytes >= texts.nbytes  # 4 MB do not fit in 3
    (group / "memory.max").write_text("max\n")  # no limit: the host's memory counts again
    assert resident.available_bytes() == 16777216 * 1024
    assert make_resident(tmp_path).mapped_bytes >= texts.nbytes


def test_a_cgroup_v1_memory_limit_counts_too(tmp_path, monkeypatch):
    """cgroup v1 (the memory controller's own hierarchy), as a container sees it: its cgroup is the
    root of the mount, not the host path /proc/self/cgroup names."""
    meminfo, cgroup, memory = tmp_path / "meminfo", tmp_path / "cgroup", tmp_path / "fs" / "memory"
    meminfo.write_bytes(b"MemAvailable: 16777216 kB\n")
    memory.mkdir(parents=True)
    cgroup.write_text("5:cpu,cpuacct:/\n4:memory:/host/path/of/the/container\n0::/\n")
    (memory / "memory.limit_in_bytes").write_text(f"{8 << 20}\n")
    (memory / "memory.usage_in_bytes").write_text(f"{2 << 20}\n")
    for name, value in (("MEMINFO", meminfo), ("CGROUP", cgroup), ("CGROUP_ROOT", tmp_path / "fs")):
        monkeypatch.setattr(resident, name, str(value))
    assert resident.available_bytes() == 6 << 20
    (memory / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1's "no limit"
    assert resident.available_bytes() == 16777216 * 1024
