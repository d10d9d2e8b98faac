"""Proves tests/e2e/fake_discord.py with a plain, unmodified discord.py client in-process."""

from __future__ import annotations

import asyncio
import contextlib
import io
from dataclasses import dataclass, field

import discord
import pytest
import yarl
from discord import app_commands

from testing.fake_discord import FakeDiscord

GUILD = 9001
WAIT = 20


@dataclass
class Bot:
    client: discord.Client
    tree: app_commands.CommandTree
    fake: FakeDiscord
    exceptions: list[BaseException] = field(default_factory=list)
    clicks: list[str] = field(default_factory=list)
    resumed: asyncio.Event = field(default_factory=asyncio.Event)


class PingView(discord.ui.View):
    def __init__(self, bot: Bot):
        super().__init__(timeout=60)
        self.bot = bot

    @discord.ui.button(label="Again", custom_id="ping:again", style=discord.ButtonStyle.primary)
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.bot.clicks.append(button.custom_id or "")
        await interaction.response.edit_message(content="clicked", view=None)


def build_bot(fake: FakeDiscord) -> Bot:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0)
    tree = app_commands.CommandTree(client)
    bot = Bot(client=client, tree=tree, fake=fake)

    @client.event
    async def on_resumed() -> None:
        bot.resumed.set()

    @tree.command(name="ping", description="Replies pong", guild=discord.Object(GUILD))
    @app_commands.describe(text="what to echo")
    async def ping(interaction: discord.Interaction, text: str) -> None:
        try:
            if text == "defer":
                await interaction.response.defer(thinking=True)
                await asyncio.sleep(0.05)
                await interaction.followup.send("filled after defer")
            elif text == "fields":
                embed = discord.Embed(title="too many")
                for i in range(26):
                    embed.add_field(name=f"f{i}", value="v")
                await interaction.response.send_message(embed=embed)
            elif text == "slow":
                await asyncio.sleep(fake.response_deadline + 0.3)
                await interaction.response.send_message("too late")
            elif text == "twice":
                await interaction.response.send_message("first")
                # bypass discord.py's own "already responded" guard: hit the wire a second time
                adapter = discord.webhook.async_.async_context.get()
                params = discord.webhook.async_.interaction_response_params(4, {"content": "second"})
                await adapter.create_interaction_response(
                    interaction.id, interaction.token, session=interaction._session, params=params
                )
            elif text == "button":
                await interaction.response.send_message("with a button", view=PingView(bot))
            else:
                await interaction.response.send_message(f"pong {text}")
        except Exception as exc:  # recorded for the assertions
            bot.exceptions.append(exc)

    study = app_commands.Group(name="study", description="Study tools", guild_ids=[GUILD])

    @study.command(name="whois", description="Names a member")
    async def whois(interaction: discord.Interaction, member: discord.Member, note: str | None = None) -> None:
        await interaction.response.send_message(
            f"{member.id} {note} roles={sorted(r.id for r in interaction.user.roles)} "
            f"admin={interaction.permissions.administrator}"
        )

    tree.add_command(study)

    @tree.command(name="upload", description="Sends a file", guild=discord.Object(GUILD))
    async def upload(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            sent = await interaction.followup.send(
                "here", file=discord.File(io.BytesIO(b"hello"), filename="notes.txt"), wait=True
            )
            await interaction.edit_original_response(content=f"edited {sent.id}")
            original = await interaction.original_response()
            bot.clicks.append(original.content)
        except Exception as exc:
            bot.exceptions.append(exc)

    @tree.command(name="silent", description="Never answers", guild=discord.Object(GUILD))
    async def silent(interaction: discord.Interaction) -> None:
        return None

    @tree.context_menu(name="Quote", guild=discord.Object(GUILD))
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"> {message.content}", ephemeral=True)

    @ping.autocomplete("text")
    async def ping_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{current}-{i}", value=f"{current}{i}") for i in range(3)]

    return bot


@pytest.fixture
async def fake():
    f = FakeDiscord(response_deadline=3.0)
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


@pytest.fixture
async def bot(fake: FakeDiscord):
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    b = build_bot(fake)
    task = asyncio.create_task(b.client.start(fake.token))
    try:
        await fake.wait_connected(WAIT)
        await asyncio.wait_for(b.client.wait_until_ready(), WAIT)
        await asyncio.wait_for(b.tree.sync(guild=discord.Object(GUILD)), WAIT)
        yield b
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(b.client.close(), WAIT)
        task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, WAIT)
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def test_login_and_sync(bot: Bot, fake: FakeDiscord) -> None:
    assert bot.client.user is not None and bot.client.user.id == fake.bot_user_id
    assert bot.client.application_id == fake.application_id
    guild = bot.client.get_guild(GUILD)
    assert guild is not None and guild.text_channels
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    assert ("PUT", f"/applications/{fake.application_id}/guilds/{GUILD}/commands") in paths
    cmd = fake.find_command("ping", guild_id=GUILD)
    assert cmd["id"] and cmd["guild_id"] == str(GUILD)
    assert sorted(c["name"] for c in fake.commands[GUILD]) == ["Quote", "ping", "silent", "study", "upload"]
    assert cmd["options"][0]["autocomplete"] is True
    assert fake.identify_count == 1
    assert not fake.unexpected


async def test_ping_replies(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "hello"})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "pong hello"
    assert inter.callbacks[0]["type"] == 4
    assert inter.first_response_after is not None and inter.first_response_after < 3
    assert inter.messages() == [msg]
    assert not inter.errors and not bot.exceptions
    cb = next(r for r in fake.requests if r.path.endswith("/callback"))
    assert "Authorization" not in cb.headers
    assert cb.query.get("with_response") in ("1", "true")


async def test_defer_then_followup(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "defer"})
    msg = await inter.wait_for(lambda m: "content" in m, timeout=WAIT)
    assert msg["content"] == "filled after defer"
    assert inter.callback_types == [5]
    assert inter.followups == [msg]
    assert inter.original is not None and inter.original["content"] == "filled after defer"
    assert not inter.original["flags"] & 128  # no longer loading
    assert not bot.exceptions


async def test_autocomplete(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "ab"}, focused="text")
    data = await inter.wait_for(timeout=WAIT)
    assert inter.callback_types == [8]
    assert [c["name"] for c in data["choices"]] == ["ab-0", "ab-1", "ab-2"]
    assert inter.messages() == []


async def test_too_many_fields_rejected(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "fields"})
    status, body = await inter.wait_error(timeout=WAIT)
    assert (status, body["code"]) == (400, 50035)
    await asyncio.wait_for(_until(lambda: bot.exceptions), WAIT)
    exc = bot.exceptions[0]
    assert isinstance(exc, discord.HTTPException) and exc.status == 400 and exc.code == 50035
    assert not inter.callbacks


async def test_late_response_unknown_interaction(bot: Bot, fake: FakeDiscord) -> None:
    fake.response_deadline = 0.5
    inter = await fake.send_command("ping", {"text": "slow"})
    status, body = await inter.wait_error(timeout=WAIT)
    assert (status, body["code"]) == (404, 10062)
    await asyncio.wait_for(_until(lambda: bot.exceptions), WAIT)
    assert isinstance(bot.exceptions[0], discord.NotFound) and bot.exceptions[0].code == 10062
    assert not inter.callbacks and inter.first_response_after is None


async def test_second_response_rejected(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "twice"})
    status, body = await inter.wait_error(timeout=WAIT)
    assert (status, body["code"]) == (400, 40060)
    assert inter.callback_types == [4]
    assert inter.messages()[0]["content"] == "first"
    await asyncio.wait_for(_until(lambda: bot.exceptions), WAIT)
    assert isinstance(bot.exceptions[0], discord.HTTPException) and bot.exceptions[0].code == 40060


async def test_429_on_callback_is_retried(bot: Bot, fake: FakeDiscord) -> None:
    fake.fail_next(
        "POST", "/interactions/*/callback", 429,
        {"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
        headers={"Via": "1.1 google", "Retry-After": "1"},
    )
    inter = await fake.send_command("ping", {"text": "limited"})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "pong limited"
    assert inter.errors[0][0] == 429
    callbacks = [r for r in fake.requests if r.path.endswith("/callback")]
    assert [r.status for r in callbacks] == [429, 200]
    assert not bot.exceptions


async def test_button_click(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("ping", {"text": "button"})
    await inter.wait_for(timeout=WAIT)
    assert inter.original is not None
    click = await fake.click(inter.original, "ping:again")
    data = await click.wait_for(timeout=WAIT)
    assert click.callback_types == [7]
    assert data["content"] == "clicked" and data["components"] == []
    assert bot.clicks == ["ping:again"]
    with pytest.raises(ValueError):
        await fake.click(inter.original, "no-such-button")


async def test_resume_after_drop(bot: Bot, fake: FakeDiscord) -> None:
    await fake.drop_gateway()
    inter = await fake.send_command("ping", {"text": "again"})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "pong again"
    await asyncio.wait_for(bot.resumed.wait(), WAIT)
    assert fake.resume_count == 1 and fake.identify_count == 1
    assert any(p.get("op") == 6 for p in fake.gateway_received)


async def test_subcommand_user_option_roles(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("study whois", {"member": 777}, member_roles=[31, 32], permissions=8)
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "777 None roles=[31, 32, 9001] admin=True"


async def test_files_ephemeral_defer_edit_and_get_original(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("upload")
    edit = await inter.wait_for(lambda m: m.get("content", "").startswith("edited"), timeout=WAIT)
    assert inter.callbacks == [{"type": 5, "data": {"flags": 64}}]
    assert inter.followups[0]["content"] == "here"
    upload_req = next(r for r in fake.requests if r.path.startswith("/webhooks/") and r.method == "POST")
    assert upload_req.files == ["notes.txt"] and upload_req.query.get("wait") in ("1", "true")
    assert edit["content"] == f"edited {inter.original['id']}"  # the first followup filled the loading message
    assert inter.original["flags"] & 64
    await asyncio.wait_for(_until(lambda: bot.clicks), WAIT)
    assert bot.clicks == [edit["content"]] and not bot.exceptions
    assert [m.get("content") for m in inter.messages()] == ["here", edit["content"]]


async def test_message_context_menu(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("Quote", command_type=3, target_message={"content": "read chapter 3"})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "> read chapter 3" and msg["flags"] == 64
    with pytest.raises(LookupError):
        await fake.send_command("nope")


async def test_raw_rules_without_a_reply(bot: Bot, fake: FakeDiscord) -> None:
    import aiohttp

    inter = await fake.send_command("silent")
    app = fake.application_id
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.api_base_url}/webhooks/{app}/{inter.token}?wait=1", json={"content": "x"}) as r:
            assert r.status == 404 and r.content_type == "application/json"
            assert (await r.json())["code"] == 10015
        url = f"{fake.api_base_url}/interactions/{inter.id}/{inter.token}/callback"
        async with http.post(url, json={"type": 8, "data": {"choices": []}}) as r:
            assert r.status == 400 and (await r.json())["code"] == 50035  # autocomplete answer to a command
        fake.fail_next("POST", "/interactions/*/callback", 500, {"message": "boom", "code": 0})
        async with http.post(url, json={"type": 4, "data": {"content": "ok"}}) as r:
            assert r.status == 500
        async with http.post(url, json={"type": 4, "data": {"content": "ok"}}) as r:
            assert r.status == 200
            body = await r.json()
            assert body["interaction"]["id"] == inter.id and body["resource"]["message"]["content"] == "ok"
        async with http.get(f"{fake.api_base_url}/nonsense") as r:
            assert r.status == 404 and (await r.json())["code"] == 0
        async with http.get(f"{fake.api_base_url}/users/@me") as r:
            assert r.status == 401
    assert [e[0] for e in inter.errors] == [404, 400, 500]
    assert [r.path for r in fake.unexpected] == ["/nonsense"]


async def test_close_code_drop_and_invalid_session(bot: Bot, fake: FakeDiscord) -> None:
    await fake.drop_gateway(code=4000)
    inter = await fake.send_command("ping", {"text": "after close"})
    assert (await inter.wait_for(timeout=WAIT))["content"] == "pong after close"
    assert fake.resume_count == 1

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before every non-initial IDENTIFY

    bot.client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    await fake.invalidate_session()  # not resumable: the client must IDENTIFY again
    inter = await fake.send_command("ping", {"text": "after identify"})
    assert (await inter.wait_for(timeout=WAIT))["content"] == "pong after identify"
    assert fake.identify_count == 2


async def test_429_without_via_is_not_retried_and_followup_window(bot: Bot, fake: FakeDiscord) -> None:
    fake.fail_next("POST", "/interactions/*/callback", 429, {"message": "banned", "retry_after": 0.1}, headers={})
    inter = await fake.send_command("ping", {"text": "cf"})
    await asyncio.wait_for(_until(lambda: bot.exceptions), WAIT)
    assert isinstance(bot.exceptions[0], discord.HTTPException) and bot.exceptions[0].status == 429
    assert inter.errors == [(429, {"message": "banned", "retry_after": 0.1})] and not inter.callbacks
    await fake.wait_for_request("POST", "/interactions/*/callback")

    import aiohttp

    fake.followup_window = 0.2
    inter = await fake.send_command("ping", {"text": "window"})
    await inter.wait_for(timeout=WAIT)
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_base_url}/webhooks/{fake.application_id}/{inter.token}"
        async with http.post(url, json={"content": "late"}) as r:
            assert r.status == 401 and (await r.json())["code"] == 50027


async def test_wrong_token_rejected(fake: FakeDiscord) -> None:
    old_base = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base_url
    try:
        client = discord.Client(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(client.login("wrong-token"), WAIT)
        await client.close()
    finally:
        discord.http.Route.BASE = old_base
    assert fake.requests[-1].status == 401


def test_limits_validation() -> None:
    from testing.fake_discord import FakeHTTPError, validate_choices, validate_message

    validate_message({"content": "x" * 2000})
    for bad in (
        {"content": "x" * 2001},
        {"embeds": [{"title": "t"}] * 11},
        {"embeds": [{"title": "t" * 257}]},
        {"embeds": [{"description": "d" * 4097}]},
        {"embeds": [{"footer": {"text": "f" * 2049}}]},
        {"embeds": [{"author": {"name": "a" * 257}}]},
        {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
        {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "a", "label": "l"}]}] * 6},
        {"components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "custom_id": f"b{i}", "label": "l"} for i in range(6)]}]},
        {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "c" * 101}]}]},
        {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "c", "label": "l" * 81}]}]},
    ):
        with pytest.raises(FakeHTTPError) as ei:
            validate_message(bad)
        assert ei.value.status == 400 and ei.value.body["code"] == 50035, bad
    with pytest.raises(FakeHTTPError) as ei:
        validate_message({"content": ""})
    assert ei.value.body["code"] == 50006
    validate_choices({"choices": [{"name": "n", "value": "v"}] * 25})
    for bad_choices in (
        [{"name": "n", "value": "v"}] * 26,
        [{"name": "n" * 101, "value": "v"}],
        [{"name": "n", "value": "v" * 101}],
    ):
        with pytest.raises(FakeHTTPError):
            validate_choices({"choices": bad_choices})


async def _until(cond, interval: float = 0.02) -> None:
    while not cond():
        await asyncio.sleep(interval)
