"""/settings and /stats: for members who may manage the server, checked here, not only by Discord."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service import messages
from bot.service.deadline import before_first_reply
from bot.service.rules import COOLDOWN_MAX, PAGE_SIZE_MAX, Member, Refusal, ServerRules
from bot.storage.records import DocumentUse, GuildStats


@dataclass(frozen=True)
class Channel:
    id: int
    guild_id: int | None


@dataclass(frozen=True)
class Role:
    id: int
    guild_id: int | None


@dataclass(frozen=True)
class SettingsChange:
    excerpts: int | None = None
    private: bool | None = None
    cooldown: int | None = None
    allow_channel: Channel | None = None
    disallow_channel: Channel | None = None
    all_channels: bool | None = None
    librarian_role: Role | None = None
    no_librarian_role: bool | None = None  # only Manage Server changes the reading list again
    threads: bool | None = None  # public answers go into a thread started from the question


@dataclass(frozen=True)
class SettingsView:
    saved: bool
    page_size: int
    private: bool
    cooldown: float
    channel_ids: tuple[int, ...]
    blocked_channel_ids: tuple[int, ...] = ()
    librarian_role_id: int | None = None
    threads: bool = False


@dataclass(frozen=True)
class ServerStats:
    """/stats: the server's questions and votes, and its own documents its answers quote most."""

    guild: GuildStats
    top_documents: tuple[DocumentUse, ...]


class Admin:
    def __init__(self, store, rules: ServerRules):
        self.store = store
        self.rules = rules

    async def settings(self, member: Member, change: SettingsChange) -> SettingsView | Refusal:
        if member.guild_id is None or not member.can_manage:
            return Refusal(messages.MANAGE_SETTINGS_ONLY)
        changes = _validated(member, change)
        if isinstance(changes, Refusal):
            return changes
        if changes:
            guild = await self.rules.update(member.guild_id, **changes)
        else:
            guild = await self.rules.settings(member.guild_id)
        return SettingsView(
            saved=bool(changes),
            page_size=self.rules.page_size(guild),
            private=self.rules.private_default(guild),
            cooldown=self.rules.cooldown(guild),
            channel_ids=tuple(guild.channel_ids),
            blocked_channel_ids=tuple(guild.blocked_channel_ids),
            librarian_role_id=guild.librarian_role_id,
            threads=bool(guild.threads),
        )

    async def stats(self, member: Member, top_documents: int = 5) -> ServerStats | Refusal:
        if member.guild_id is None or not member.can_manage:
            return Refusal(messages.MANAGE_STATS_ONLY)

        async def read() -> ServerStats:
            guild = await self.store.guild_stats(member.guild_id)
            return ServerStats(guild, await self.store.top_documents(member.guild_id, top_documents))

        return await before_first_reply(read(), "count the statistics")  # both reads within one bound

    async def document_stats(self, member: Member, document_id: str) -> DocumentUse | Refusal:
        """Answers quoting one of the server's own documents, and their votes; another server's
        document (a crafted id) is unknown here."""
        if member.guild_id is None or not member.can_manage:
            return Refusal(messages.MANAGE_STATS_ONLY)

        async def read() -> DocumentUse | Refusal:
            document = await self.store.get_document(member.guild_id, document_id)
            if document is None:
                return Refusal(messages.UNKNOWN_DOCUMENT)
            stats = await self.store.document_stats(member.guild_id, document.id)
            return DocumentUse(document.id, document.title, stats)

        return await before_first_reply(read(), "count the statistics")


def _validated(member: Member, change: SettingsChange) -> dict | Refusal:
    """Every option checked as if Discord's own checks did not exist."""
    changes: dict = {}
    if change.excerpts is not None:
        if not 1 <= change.excerpts <= PAGE_SIZE_MAX:
            return Refusal(messages.bad_option("excerpts", f"must be between 1 and {PAGE_SIZE_MAX}."))
        changes["top_k"] = change.excerpts
    if change.private is not None:
        changes["private_default"] = bool(change.private)
    if change.threads is not None:
        changes["threads"] = bool(change.threads)
    if change.cooldown is not None:
        if not 0 <= change.cooldown <= COOLDOWN_MAX:
            return Refusal(messages.bad_option("cooldown", f"must be between 0 and {COOLDOWN_MAX} seconds."))
        changes["cooldown_seconds"] = change.cooldown
    if change.all_channels:
        changes["all_channels"] = True
    for option, channel in (("allow_channel", change.allow_channel), ("disallow_channel", change.disallow_channel)):
        if channel is None:
            continue
        if channel.guild_id != member.guild_id:
            return Refusal(messages.bad_option(option, "must be a channel of this server."))
        changes[option] = channel.id
    if change.allow_channel and change.disallow_channel and change.allow_channel.id == change.disallow_channel.id:
        return Refusal(messages.bad_option("disallow_channel", "names the channel `allow_channel` allows: pick one."))
    if change.librarian_role is not None:
        if change.librarian_role.guild_id != member.guild_id:
            return Refusal(messages.bad_option("librarian_role", messages.LIBRARIAN_ROLE_NOT_HERE))
        if change.librarian_role.id == member.guild_id:  # Discord's @everyone role has the server's id
            return Refusal(messages.bad_option("librarian_role", messages.LIBRARIAN_ROLE_EVERYONE))
        changes["librarian_role_id"] = change.librarian_role.id
    elif change.no_librarian_role:
        changes["librarian_role_id"] = None
    return changes
