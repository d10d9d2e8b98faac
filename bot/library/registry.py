"""Which library a server searches: server id → its loaded engine."""

from __future__ import annotations

from bot.core.engine import Engine


class Libraries:
    """Today every server (and every DM) searches the host's shared library."""

    def __init__(self, shared: Engine):
        self.shared = shared

    def engine_for(self, guild_id: int | None) -> Engine:
        return self.shared
