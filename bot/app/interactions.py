"""Answering an interaction exactly once: respond, defer, deliver, report a failure.

Discord gives 3 s for the first response, then 15 min for edits and followups. A response that
Discord accepted but whose answer got lost (discord.py then retries and hears 40060) is treated
as delivered; a deferred reply is delivered by editing the deferred message, which a retry cannot
post twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict

import discord

from bot.app import render
from bot.service import messages
from bot.service.rules import Member, Refusal
from bot.storage import StorageUnavailable

log = logging.getLogger("studybot.app")

UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED = 10062, 40060  # Discord's error codes
DEFERRED = "studybot.deferred"  # marks, in interaction.extras, an acknowledged "thinking…" message


def member(interaction: discord.Interaction) -> Member:
    channel = interaction.channel
    permissions = interaction.permissions
    return Member(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        parent_channel_id=getattr(channel, "parent_id", None),  # a thread: its channel's rules apply
        can_manage=interaction.guild_id is not None and bool(permissions and permissions.manage_guild),
        role_ids=tuple(role.id for role in getattr(interaction.user, "roles", ())),
    )


async def respond(interaction: discord.Interaction, **kwargs) -> None:
    """The reply: the initial response while it is free; after our defer, the deferred message
    filled in (an idempotent edit); otherwise a followup. Content past Discord's limit is cut."""
    if isinstance(kwargs.get("content"), str):
        kwargs["content"] = render.cut(kwargs["content"], render.CONTENT)
    if not interaction.response.is_done() and not interaction.extras.get(DEFERRED):
        try:
            await interaction.response.send_message(**kwargs)
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
            log.warning("interaction %s: the response was delivered, its answer lost", interaction.id)
        return
    if interaction.extras.get(DEFERRED):
        kwargs.pop("ephemeral", None)  # the deferred message already is (or is not) private
        await interaction.edit_original_response(**kwargs)
        return
    await interaction.followup.send(**kwargs)


async def refused(interaction: discord.Interaction, outcome: object) -> bool:
    """If the outcome is a Refusal, tell the member privately and say so."""
    if not isinstance(outcome, Refusal):
        return False
    await respond(interaction, content=outcome.message, ephemeral=True)
    return True


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False, thinking: bool = True) -> None:
    """Acknowledge before slow work ("Studybot is thinking…"; for a button with `thinking` False, the
    reply then edits the button's message); a defer Discord already took is fine."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ACKNOWLEDGED:
            raise
        log.warning("interaction %s was already acknowledged; answering by editing it", interaction.id)
    interaction.extras[DEFERRED] = True


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the traceback; tell the member briefly, unless the interaction can no longer be answered."""
    data = interaction.data or {}
    command = interaction.command.qualified_name if interaction.command else data.get("custom_id")
    cause = getattr(error, "original", error)
    if isinstance(cause, discord.NotFound) and cause.code == UNKNOWN_INTERACTION:
        log.warning("command %r: the interaction expired before the reply (Discord's 3 s deadline)", command)
        return
    if isinstance(cause, StorageUnavailable):  # the store logs the outage once; no traceback per command
        with contextlib.suppress(discord.HTTPException):
            await respond(interaction, content=messages.STORAGE_DOWN, ephemeral=True)
        return
    log.error("command %r failed (guild %s)", command, interaction.guild_id, exc_info=error)
    with contextlib.suppress(discord.HTTPException):
        await respond(interaction, content=messages.FAILED, ephemeral=True)


class SeenInteractions:
    """Recent interaction ids: an INTERACTION_CREATE delivered twice is handled once."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, interaction_id: int) -> bool:
        if interaction_id in self._ids:
            return False
        self._ids[interaction_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True
