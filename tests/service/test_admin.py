"""/settings and /stats, in process: checked on the server side as if Discord checked nothing."""

from __future__ import annotations

import pytest

from bot.service import messages
from bot.service.admin import Channel, Role, SettingsChange, SettingsView
from bot.service.rules import Refusal
from tests.service.conftest import GUILD, OTHER_GUILD, member


async def test_only_managers_change_settings_or_see_stats(services):
    assert await services.admin.settings(member(), SettingsChange(excerpts=2)) == Refusal(
        messages.MANAGE_SETTINGS_ONLY
    )
    assert await services.admin.stats(member()) == Refusal(messages.MANAGE_STATS_ONLY)
    assert await services.admin.settings(member(guild_id=None, can_manage=True), SettingsChange()) == Refusal(
        messages.MANAGE_SETTINGS_ONLY
    )


async def test_settings_are_saved_and_shown(services):
    manager = member(can_manage=True)
    view = await services.admin.settings(manager, SettingsChange(excerpts=2, private=True, cooldown=30))
    assert view == SettingsView(saved=True, page_size=2, private=True, cooldown=30, channel_ids=())
    again = await services.admin.settings(manager, SettingsChange())
    assert again.saved is False and again.page_size == 2


@pytest.mark.parametrize(
    ("change", "option"),
    [
        (SettingsChange(excerpts=-3), "excerpts"),
        (SettingsChange(excerpts=6), "excerpts"),
        (SettingsChange(cooldown=1_000_000_000_000), "cooldown"),
        (SettingsChange(cooldown=-1), "cooldown"),
        (SettingsChange(allow_channel=Channel(77, OTHER_GUILD)), "allow_channel"),
        (SettingsChange(disallow_channel=Channel(77, None)), "disallow_channel"),
        (SettingsChange(librarian_role=Role(GUILD, GUILD)), "librarian_role"),  # @everyone: every member
        (SettingsChange(allow_channel=Channel(100, GUILD), disallow_channel=Channel(100, GUILD)), "disallow_channel"),
    ],
)
async def test_values_out_of_range_are_refused_and_nothing_is_stored(services, change, option):
    refusal = await services.admin.settings(member(can_manage=True), change)
    assert isinstance(refusal, Refusal) and refusal.message.startswith(f"`{option}`")
    assert await services.answers.store.get_guild_settings(GUILD) == await services.rules.settings(GUILD)
    assert (await services.rules.settings(GUILD)).top_k is None


async def test_channels_of_this_server_are_allowed_and_listed(services):
    manager = member(can_manage=True)
    view = await services.admin.settings(manager, SettingsChange(allow_channel=Channel(100, GUILD)))
    assert view.channel_ids == (100,)
    view = await services.admin.settings(manager, SettingsChange(all_channels=True))
    assert view.channel_ids == ()


async def test_the_librarian_role_is_set_only_from_this_server_and_can_be_cleared(services):
    manager = member(can_manage=True)
    view = await services.admin.settings(manager, SettingsChange(librarian_role=Role(77, GUILD)))
    assert view.saved and view.librarian_role_id == 77
    foreign = await services.admin.settings(manager, SettingsChange(librarian_role=Role(88, OTHER_GUILD)))
    assert foreign == Refusal(messages.bad_option("librarian_role", messages.LIBRARIAN_ROLE_NOT_HERE))
    assert (await services.admin.settings(manager, SettingsChange())).librarian_role_id == 77
    cleared = await services.admin.settings(manager, SettingsChange(no_librarian_role=True))
    assert cleared.librarian_role_id is None
    assert await services.admin.settings(member(), SettingsChange(librarian_role=Role(77, GUILD))) == Refusal(
        messages.MANAGE_SETTINGS_ONLY
    )
