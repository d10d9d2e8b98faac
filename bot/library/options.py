"""Library settings the config needs without importing the registry or the folder watcher."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WATCH_SECONDS = 2.0  # how often `studybot run` polls the corpus folder: a change lands within two polls


@dataclass(frozen=True)
class LibraryPolicy:
    shared_for: tuple[int, ...] | None = None  # servers that see the shared library; None: every one
    search_shared_beside_own: bool = True  # a server with documents of its own also searches the shared ones
    max_loaded: int = 800  # server libraries kept loaded at once: about 1 MB each of 500 passages

    def sees_shared(self, guild_id: int | None) -> bool:
        return guild_id is None or self.shared_for is None or guild_id in self.shared_for
