"""The Discord client: command tree, error handling, cooldowns, in-flight tracking and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import discord
from discord import app_commands

from bot.config import Settings
from bot.core.engine import Engine
from bot.storage.database import Database
from bot.storage.records import GuildSettings

log = logging.getLogger("studybot.app")

RESTARTING = "Studybot is restarting. Please ask again in a minute."
FAILED = "Sorry, something went wrong while answering. The error has been logged; please try again."


UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED = 10062, 40060  # Discord's error codes
ANSWER_RETENTION_SECONDS = 90 * 24 * 3600  # answers (and their votes, for /stats) kept after they expire


async def respond(interaction: discord.Interaction, **kwargs) -> None:
    """Send through the initial response if it is still free, else as a followup.

    40060 means Discord took an earlier acknowledgement whose answer got lost (discord.py retried
    it): the interaction is acknowledged, so the followup route is the way to the member.
    """
    if not interaction.response.is_done():
        try:
            await interaction.response.send_message(**kwargs)
            return
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
    await interaction.followup.send(**kwargs)


async def defer(interaction: discord.Interaction, *, ephemeral: bool) -> None:
    """Acknowledge before slow work ("Studybot is thinking…"); an already-taken defer is fine."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ACKNOWLEDGED:
            raise
        log.warning("interaction %s was already acknowledged; answering by followup", interaction.id)


class StudyTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        client: StudyBotMixin = interaction.client  # type: ignore[assignment]
        if not client.accepting:
            if interaction.type is discord.InteractionType.application_command:
                await respond(interaction, content=RESTARTING, ephemeral=True)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_failure(interaction, error)


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the traceback; tell the user briefly, unless the interaction can no longer be answered."""
    command = interaction.command.qualified_name if interaction.command else interaction.data and interaction.data.get(
        "custom_id"
    )
    cause = getattr(error, "original", error)
    if isinstance(cause, discord.NotFound) and cause.code == UNKNOWN_INTERACTION:
        log.warning("command %r: the interaction expired before the reply (Discord's 3 s deadline)", command)
        return
    log.error("command %r failed (guild %s)", command, interaction.guild_id, exc_info=error)
    with contextlib.suppress(discord.HTTPException):
        await respond(interaction, content=FAILED, ephemeral=True)


class StudyBotMixin:
    """What the commands need from the client: engine, database, settings, cooldowns, shutdown."""

    settings: Settings
    engine: Engine
    db: Database

    def _setup_study(self, settings: Settings, engine: Engine, db: Database) -> None:
        self.settings, self.engine, self.db = settings, engine, db
        self.accepting = True
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_question: dict[tuple[int | None, int], float] = {}
        self._guild_cache: dict[int, GuildSettings] = {}  # read before the 3 s deadline: no database wait

    async def setup_hook(self) -> None:
        from bot.app import commands

        commands.register(self.tree)  # type: ignore[attr-defined]
        if self.settings.discord.sync_on_start:
            await sync_tree(self)
        if self.db is not None:  # `studybot sync` logs in without a database
            self._pruner = asyncio.create_task(self._prune_expired_answers(), name="prune-answers")

    async def _prune_expired_answers(self) -> None:
        """Once a day, forget answers whose buttons expired more than ANSWER_RETENTION ago."""
        while True:
            deleted = await self.db.prune(time.time() - ANSWER_RETENTION_SECONDS)
            if deleted:
                log.info("pruned %d expired answers", deleted)
            await asyncio.sleep(24 * 3600)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        from bot.app import commands

        await commands.on_interaction(interaction)

    # ---------------------------------------------------------------- per-guild settings

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        if guild_id is None:
            return GuildSettings()
        if guild_id not in self._guild_cache:
            self._guild_cache[guild_id] = await self.db.get_guild_settings(guild_id)
        return self._guild_cache[guild_id]

    async def update_guild_settings(self, guild_id: int, **changes) -> GuildSettings:
        self._guild_cache[guild_id] = await self.db.update_guild_settings(guild_id, **changes)
        return self._guild_cache[guild_id]

    def page_size(self, guild: GuildSettings) -> int:
        return min(guild.top_k or self.settings.search.top_k, 5)  # 5 "Full passage" buttons fit a row

    def private_default(self, guild: GuildSettings) -> bool:
        return self.settings.discord.private_by_default if guild.private_default is None else guild.private_default

    def cooldown_left(self, guild_id: int | None, user_id: int, guild: GuildSettings) -> float:
        """Seconds this user must still wait; records the question when none."""
        cooldown = self.settings.discord.cooldown_seconds if guild.cooldown_seconds is None else guild.cooldown_seconds
        now = time.monotonic()
        key = (guild_id, user_id)
        left = self._last_question.get(key, -1e9) + cooldown - now
        if left > 0:
            return left
        self._last_question[key] = now
        if len(self._last_question) > 50_000:  # forget long-idle users
            horizon = now - 3600
            self._last_question = {k: t for k, t in self._last_question.items() if t > horizon}
        return 0.0

    # ---------------------------------------------------------------- shutdown

    @contextlib.asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def shutdown(self, grace: float) -> None:
        """Stop taking commands, let in-flight replies finish (bounded), then close the client."""
        self.accepting = False
        if getattr(self, "_pruner", None):
            self._pruner.cancel()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("shutting down with %d replies still in flight", self._in_flight)
        await self.close()  # type: ignore[attr-defined]


class StudyBot(StudyBotMixin, discord.Client):
    def __init__(self, settings: Settings, engine: Engine, db: Database, **options):
        super().__init__(**_client_options(), **options)
        self.tree = StudyTree(self)
        self._setup_study(settings, engine, db)


class ShardedStudyBot(StudyBotMixin, discord.AutoShardedClient):
    def __init__(self, settings: Settings, engine: Engine, db: Database, **options):
        super().__init__(**_client_options(), **options)
        self.tree = StudyTree(self)
        self._setup_study(settings, engine, db)


def _client_options() -> dict:
    return {
        "intents": discord.Intents.none() | discord.Intents(guilds=True),  # no privileged intent
        "allowed_mentions": discord.AllowedMentions.none(),
        "guild_ready_timeout": 0,
    }


def create_client(settings: Settings, engine: Engine, db: Database) -> discord.Client:
    d = settings.discord
    if d.shard_count is None:
        return StudyBot(settings, engine, db)
    shard_ids = list(d.shard_ids) if d.shard_ids is not None else None
    return ShardedStudyBot(settings, engine, db, shard_count=d.shard_count, shard_ids=shard_ids)


async def sync_tree(client) -> None:
    """Register the commands: in the configured guilds (instant) or globally."""
    guild_ids = client.settings.discord.sync_guild_ids
    if guild_ids:
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
    else:
        synced = await client.tree.sync()
        log.info("synced %d global commands", len(synced))
