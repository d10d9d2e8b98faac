"""The Discord client: services attached, commands and buttons registered, the process lifecycle
(accepting, in-flight replies, shutdown, the daily prune)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator

import discord
from discord import app_commands

from bot.app import answering, commands, library
from bot.app.interactions import SeenInteractions, report_failure, respond
from bot.service import messages
from bot.service.services import Services

log = logging.getLogger("studybot.app")

ANSWER_RETENTION_SECONDS = 90 * 24 * 3600  # answers (and their votes, for /stats) kept after they expire


class StudyTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await interaction.client.admit(interaction)  # type: ignore[attr-defined]

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_failure(interaction, error)


class StudyBotMixin:
    """What handlers reach through `interaction.client`: services, passage keys, the lifecycle."""

    services: Services

    def _setup_study(self, services: Services | None, *, sync_guild_ids=(), sync_on_start: bool = True) -> None:
        self.services = services  # None for `studybot sync`, which only registers commands
        self.sync_guild_ids = tuple(sync_guild_ids)
        self.sync_on_start = sync_on_start
        self.accepting = True
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._seen = SeenInteractions()
        self._passage_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → its keys
        self._pruner: asyncio.Task | None = None

    async def setup_hook(self) -> None:
        for command in (*commands.COMMANDS, *library.COMMANDS):
            self.tree.add_command(command)  # type: ignore[attr-defined]
        self.add_dynamic_items(*answering.BUTTONS, *library.BUTTONS)  # type: ignore[attr-defined]
        if self.services is not None:
            await self.passage_keys(None)  # the shared library's keys, built off the event loop at start
            self._pruner = asyncio.create_task(self._prune_expired_answers(), name="prune-answers")
        if self.sync_on_start:
            await sync_tree(self)

    async def _prune_expired_answers(self) -> None:
        """Once a day, forget answers whose buttons expired more than ANSWER_RETENTION ago."""
        store = self.services.answers.store
        while True:
            async with store.exclusive_job("prune-answers") as mine:  # one process of many does it
                if mine:
                    deleted = await store.prune(time.time() - ANSWER_RETENTION_SECONDS)
                    if deleted:
                        log.info("pruned %d expired answers", deleted)
            await asyncio.sleep(24 * 3600)

    async def passage_keys(self, guild_id: int | None) -> answering.PassageKeys:
        engine = await self.services.libraries.engine_for(guild_id)
        keys = self._passage_keys.get(engine)
        if keys is None:
            keys = self._passage_keys[engine] = await asyncio.to_thread(answering.PassageKeys, engine)
        return keys

    async def admit(self, interaction: discord.Interaction) -> bool:
        """Whether to handle this interaction: once each, and not while shutting down."""
        if not self._seen.first_time(interaction.id):
            log.warning("interaction %s delivered twice; handled once", interaction.id)
            return False
        if not self.accepting:
            if interaction.type is not discord.InteractionType.autocomplete:
                await respond(interaction, content=messages.RESTARTING, ephemeral=True)
            return False
        return True

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click or a form discord.py routes nowhere (a crafted custom_id, a form already submitted,
        timed out or opened before a restart) still gets an answer."""
        if interaction.type is discord.InteractionType.modal_submit:
            # discord.py dispatched the form just before this event: an open one is still in its store
            open_forms = self._connection._view_store._modals
            if (interaction.data or {}).get("custom_id") not in open_forms and await self.admit(interaction):
                await respond(interaction, content=messages.FORM_CLOSED, ephemeral=True)
            return
        buttons = (*answering.BUTTONS, *library.BUTTONS)
        if interaction.type is not discord.InteractionType.component or answering.is_our_button(interaction, buttons):
            return
        if await self.admit(interaction):
            await respond(interaction, content=messages.NOT_MINE, ephemeral=True)

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
        if self._pruner:
            self._pruner.cancel()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("shutting down with %d replies still in flight", self._in_flight)
        await self.close()  # type: ignore[attr-defined]


class StudyBot(StudyBotMixin, discord.Client):
    def __init__(self, services: Services | None, *, sync_guild_ids=(), sync_on_start=True, **options):
        super().__init__(**_client_options(), **options)
        self.tree = StudyTree(self)
        self._setup_study(services, sync_guild_ids=sync_guild_ids, sync_on_start=sync_on_start)


class ShardedStudyBot(StudyBotMixin, discord.AutoShardedClient):
    def __init__(self, services: Services | None, *, sync_guild_ids=(), sync_on_start=True, **options):
        super().__init__(**_client_options(), **options)
        self.tree = StudyTree(self)
        self._setup_study(services, sync_guild_ids=sync_guild_ids, sync_on_start=sync_on_start)


def _client_options() -> dict:
    return {
        "intents": discord.Intents.none() | discord.Intents(guilds=True),  # no privileged intent
        "allowed_mentions": discord.AllowedMentions.none(),
        "guild_ready_timeout": 0,
    }


def create_client(services: Services | None, *, shard_count=None, shard_ids=None, **options) -> discord.Client:
    if shard_count is None:
        return StudyBot(services, **options)
    ids = list(shard_ids) if shard_ids is not None else None
    return ShardedStudyBot(services, shard_count=shard_count, shard_ids=ids, **options)


async def sync_tree(client) -> None:
    """Register the commands: in the configured guilds (instant) or globally."""
    if client.sync_guild_ids:
        for guild_id in client.sync_guild_ids:
            guild = discord.Object(id=guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
    else:
        synced = await client.tree.sync()
        log.info("synced %d global commands", len(synced))
