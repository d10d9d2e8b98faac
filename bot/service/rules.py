"""Per-server rules: stored settings (cached, and read or changed within a bounded time, so a
first reply never waits on the database past Discord's 3 s deadline), who may ask where, how often,
and how answers are shown."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

from bot.service import messages
from bot.service.deadline import GaveUp, before_first_reply
from bot.service.options import ServiceOptions
from bot.storage.records import GuildSettings

PAGE_SIZE_MAX = 5  # five "Full passage" buttons fit one row
COOLDOWN_MAX = 3600
MAX_LISTED_CHANNELS = 20


@dataclass(frozen=True)
class Member:
    """Who acts, and where."""

    user_id: int
    guild_id: int | None
    channel_id: int | None = None
    parent_channel_id: int | None = None  # a thread's channel: rules of the channel apply
    can_manage: bool = False
    role_ids: tuple[int, ...] = ()  # the member's roles in this server (the librarian role among them?)


@dataclass(frozen=True)
class Refusal:
    """A polite no, shown only to the member. `reason`, set on a refusal of one file, says why in a few
    words, for a reply that names several files; it only words the same refusal shorter, so two refusals
    saying the same `message` are equal whatever their reason."""

    message: str
    reason: str | None = field(default=None, compare=False)


def repaired(guild: GuildSettings) -> GuildSettings:
    """Stored values out of range (written before they were checked) are read as the nearest valid."""
    top_k = guild.top_k if guild.top_k is None else min(max(int(guild.top_k), 1), PAGE_SIZE_MAX)
    cooldown = guild.cooldown_seconds
    if cooldown is not None:
        cooldown = min(max(int(cooldown), 0), COOLDOWN_MAX)
    return replace(guild, top_k=top_k, cooldown_seconds=cooldown)


class ServerRules:
    def __init__(self, store, options: ServiceOptions):
        self.store = store
        self.options = options
        self._cache: dict[int, GuildSettings] = {}
        self._last_question: dict[tuple[int | None, int], float] = {}

    async def settings(self, guild_id: int | None) -> GuildSettings:
        if guild_id is None:
            return GuildSettings()
        if guild_id not in self._cache:
            stored = await before_first_reply(self.store.get_guild_settings(guild_id), "read server settings")
            self._cache[guild_id] = repaired(stored)
        return self._cache[guild_id]

    async def update(self, guild_id: int, **changes) -> GuildSettings:
        try:
            stored = await before_first_reply(self.store.update_guild_settings(guild_id, **changes), "save settings")
        except GaveUp:
            self.forget(guild_id)  # a write given up on may still commit: read them again next time
            raise
        self._cache[guild_id] = repaired(stored)
        return self._cache[guild_id]

    def forget(self, guild_id: int) -> None:
        """Another process changed this server's settings: read them again on next use."""
        self._cache.pop(guild_id, None)

    def forget_all(self) -> None:
        self._cache.clear()

    def page_size(self, guild: GuildSettings) -> int:
        return min(guild.top_k or self.options.top_k, PAGE_SIZE_MAX)

    def private_default(self, guild: GuildSettings) -> bool:
        return self.options.private_by_default if guild.private_default is None else guild.private_default

    def cooldown(self, guild: GuildSettings) -> float:
        return self.options.cooldown_seconds if guild.cooldown_seconds is None else guild.cooldown_seconds

    def channel_refusal(self, member: Member, guild: GuildSettings) -> Refusal | None:
        here = {member.channel_id, member.parent_channel_id}
        if here & set(guild.blocked_channel_ids):
            return Refusal(messages.NOT_IN_THIS_CHANNEL)
        if not guild.channel_ids or here & set(guild.channel_ids):
            return None
        where = ", ".join(f"<#{c}>" for c in guild.channel_ids[:MAX_LISTED_CHANNELS])
        more = " and others" if len(guild.channel_ids) > MAX_LISTED_CHANNELS else ""
        return Refusal(messages.only_in_channels(where + more))

    def cooldown_refusal(self, member: Member, guild: GuildSettings) -> Refusal | None:
        """A refusal while this member must still wait; else records the question and returns None."""
        now = time.monotonic()
        key = (member.guild_id, member.user_id)
        left = self._last_question.get(key, -1e9) + self.cooldown(guild) - now
        if left > 0:
            return Refusal(messages.slow_down(math.ceil(left)))
        self._last_question[key] = now
        if len(self._last_question) > 50_000:  # forget long-idle members
            horizon = now - COOLDOWN_MAX
            self._last_question = {k: t for k, t in self._last_question.items() if t > horizon}
        return None
