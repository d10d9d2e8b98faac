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


class EditModal(discord.ui.Modal, title="Edit entry"):
    name_input = discord.ui.TextInput(label="Title", custom_id="title", default="Old title", max_length=100)
    notes = discord.ui.TextInput(label="Notes", custom_id="notes", style=discord.TextStyle.paragraph,
                                 required=False, max_length=50)

    def __init__(self) -> None:
        super().__init__(custom_id="edit:1")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"saved {self.name_input.value!r} {self.notes.value!r}")


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

    @tree.command(name="attach", description="Reads a file", guild=discord.Object(GUILD))
    async def attach(interaction: discord.Interaction, file: discord.Attachment, download: bool = False) -> None:
        try:
            data = await file.read() if download else b""
            await interaction.response.send_message(
                f"{file.filename} size={file.size} type={file.content_type} got={data!r} ephemeral={file.ephemeral}")
        except Exception as exc:
            bot.exceptions.append(exc)

    @tree.context_menu(name="Add to reading list", guild=discord.Object(GUILD))
    async def add_to_list(interaction: discord.Interaction, message: discord.Message) -> None:
        try:
            first = await message.attachments[0].read() if message.attachments else b""
            names = [(a.filename, a.size) for a in message.attachments]
            await interaction.response.send_message(f"{names} {first!r} by {message.author.id}")
        except Exception as exc:
            bot.exceptions.append(exc)

    @tree.command(name="edit", description="Edits an entry", guild=discord.Object(GUILD))
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(EditModal())

    @tree.command(name="thread", description="Opens a thread", guild=discord.Object(GUILD))
    async def thread(interaction: discord.Interaction, name: str) -> None:
        try:
            await interaction.response.send_message("opening")
            message = await interaction.original_response()
            started = await message.create_thread(name=name)
            await started.send("inside the thread")
            fetched = await interaction.client.fetch_channel(started.id)
            await interaction.followup.send(
                f"thread {started.id} parent={started.parent_id} fetched={type(fetched).__name__}:{fetched.name}")
        except Exception as exc:
            bot.exceptions.append(exc)

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


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, *clients: discord.Client):
    """Points discord.py at the fake; closes the clients started with ``start`` on the way out."""
    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    tasks: list[asyncio.Task] = []

    def start(client: discord.Client) -> None:
        tasks.append(asyncio.create_task(client.start(fake.token)))

    try:
        yield start
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), WAIT)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, WAIT)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@pytest.fixture
async def bot(fake: FakeDiscord):
    b = build_bot(fake)
    async with running(fake, b.client) as start:
        start(b.client)
        await fake.wait_connected(WAIT)
        await asyncio.wait_for(b.client.wait_until_ready(), WAIT)
        await asyncio.wait_for(b.tree.sync(guild=discord.Object(GUILD)), WAIT)
        yield b


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
    assert sorted(c["name"] for c in fake.commands[GUILD]) == [
        "Add to reading list", "Quote", "attach", "edit", "ping", "silent", "study", "thread", "upload"]
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


def test_component_rules() -> None:
    from testing.fake_discord import FakeHTTPError, validate_message

    def row(*components):
        return {"type": 1, "components": list(components)}

    def button(custom_id="a", **kw):
        return {"type": 2, "style": 1, "custom_id": custom_id, "label": "l", **kw}

    link = {"type": 2, "style": 5, "label": "Read", "url": "https://example.org"}
    select = {"type": 3, "custom_id": "s", "options": [{"label": "o", "value": "o"}]}
    validate_message({"components": [row(*(button(f"r{r}b{b}") for b in range(5))) for r in range(5)]})
    validate_message({"components": [row(link, button("c" * 100)), row(select)]})
    for bad, code in (
        ([row(button("same")), row(button("same"))], "COMPONENT_CUSTOM_ID_DUPLICATED"),
        ([row(button(""))], "BASE_TYPE_REQUIRED"),
        ([row(button("c" * 101))], "BASE_TYPE_MAX_LENGTH"),
        ([row(button(f"b{i}")) for i in range(6)], "BASE_TYPE_MAX_LENGTH"),
        ([row(*(button(f"b{i}") for i in range(6)))], "BASE_TYPE_MAX_LENGTH"),
        ([row(button(label="l" * 81))], "BASE_TYPE_MAX_LENGTH"),
        ([row({**link, "custom_id": "x"})], "BUTTON_COMPONENT_URL_WITH_CUSTOM_ID"),
        ([row({k: v for k, v in link.items() if k != "url"})], "BASE_TYPE_REQUIRED"),
        ([row({"type": 2, "style": 1, "label": "no id"})], "BASE_TYPE_REQUIRED"),
        ([row(select, button())], "COMPONENT_LAYOUT_WIDTH_EXCEEDED"),
        ([button()], "COMPONENT_LAYOUT_WIDTH_EXCEEDED"),  # top level must be action rows
        ([row()], "BASE_TYPE_BAD_LENGTH"),
    ):
        with pytest.raises(FakeHTTPError) as ei:
            validate_message({"content": "x", "components": bad})
        assert ei.value.body["code"] == 50035 and code in str(ei.value.body["errors"]), bad


async def _until(cond, interval: float = 0.02) -> None:
    while not cond():
        await asyncio.sleep(interval)


# ------------------------------------------------------------------------------------------ attachments


async def test_attachment_option_is_served_and_downloads_recorded(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("attach", attachments={"file": ("notes.md", b"# Week 1", "text/markdown")})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "notes.md size=8 type=text/markdown got=b'' ephemeral=True"
    assert fake.downloads == []  # the bot looked at the metadata only
    option = inter.payload["data"]["options"][0]
    att = inter.payload["data"]["resolved"]["attachments"][option["value"]]
    assert option["type"] == 11 and att["id"] == option["value"]
    assert set(att) >= {"id", "filename", "size", "url", "proxy_url", "content_type"}
    assert att["url"].startswith(f"{fake.url}/attachments/{inter.payload['channel_id']}/{att['id']}/")

    inter = await fake.send_command("attach", {"download": True},
                                    attachments={"file": ("big.pdf", b"%PDF-1.7 tiny", "text/plain", 50_000_000)})
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "big.pdf size=50000000 type=text/plain got=b'%PDF-1.7 tiny' ephemeral=True"
    assert [(d.method, d.status) for d in fake.downloads] == [("GET", 200)]
    assert not bot.exceptions and not fake.unexpected


async def test_attachment_base_url_and_unknown_files(fake: FakeDiscord) -> None:
    import aiohttp

    fake.attachment_base_url = f"http://localhost:{fake.port}"
    att = fake.add_attachment("a b.txt", b"spaced", "text/plain")
    assert att["url"].startswith(f"http://localhost:{fake.port}/attachments/")
    assert att["proxy_url"].startswith(f"http://localhost:{fake.port}/proxy/attachments/")
    async with aiohttp.ClientSession() as http:
        for url in (att["url"], att["proxy_url"]):
            async with http.get(url.replace("localhost", "127.0.0.1")) as r:
                assert r.status == 200 and await r.read() == b"spaced" and r.content_type == "text/plain"
        async with http.get(att["url"].replace("localhost", "127.0.0.1").replace("a%20b", "other")) as r:
            assert r.status == 404
    assert [d.status for d in fake.downloads] == [200, 200, 404]


async def test_message_command_with_attachments(bot: Bot, fake: FakeDiscord) -> None:
    author = fake.user(1234)
    inter = await fake.send_command("Add to reading list", command_type=3, target_message={
        "content": "this week", "author": author,
        "attachments": [("week1.txt", b"Plato", "text/plain"), ("week2.txt", b"Kant", "text/plain", 4)],
    })
    msg = await inter.wait_for(timeout=WAIT)
    assert msg["content"] == "[('week1.txt', 5), ('week2.txt', 4)] b'Plato' by 1234"
    target = inter.payload["data"]["resolved"]["messages"][inter.payload["data"]["target_id"]]
    assert [a["filename"] for a in target["attachments"]] == ["week1.txt", "week2.txt"]
    assert len(fake.downloads) == 1 and fake.downloads[0].path.endswith("/week1.txt")
    assert not bot.exceptions


# ----------------------------------------------------------------------------------------------- modals


async def test_modal_opened_and_submitted(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("edit")
    modal = await inter.wait_modal(timeout=WAIT)
    assert inter.callback_types == [9] and modal["custom_id"] == "edit:1" and modal["title"] == "Edit entry"
    assert inter.messages() == []
    with pytest.raises(ValueError, match="no text input"):
        await fake.submit_modal(inter, {"author": "x"})
    with pytest.raises(ValueError, match="allows 0-50"):
        await fake.submit_modal(inter, {"notes": "n" * 51})
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(inter, {"title": ""})
    submit = await fake.submit_modal(inter, {"notes": "chapter 2"}, user_id=777)
    assert submit.type == 5 and submit.payload["data"]["custom_id"] == "edit:1"
    answers = [c["components"][0] for c in submit.payload["data"]["components"]]
    assert [(a["custom_id"], a["value"]) for a in answers] == [("title", "Old title"), ("notes", "chapter 2")]
    msg = await submit.wait_for(timeout=WAIT)
    assert msg["content"] == "saved 'Old title' 'chapter 2'"
    with pytest.raises(ValueError, match="opened no modal"):
        await fake.submit_modal(submit, {})


async def test_modal_rules_on_the_wire(bot: Bot, fake: FakeDiscord) -> None:
    import aiohttp

    modal = {"type": 9, "data": {"custom_id": "m", "title": "T", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "q", "label": "Q", "style": 1}]}]}}
    async with aiohttp.ClientSession() as http:
        async def callback(inter, body) -> tuple[int, dict]:
            url = f"{fake.api_base_url}/interactions/{inter.id}/{inter.token}/callback"
            async with http.post(url, json=body) as r:
                return r.status, await r.json()

        deferred = await fake.send_command("silent")
        assert (await callback(deferred, {"type": 5}))[0] == 200
        status, body = await callback(deferred, modal)  # a modal cannot follow a defer
        assert (status, body["code"]) == (400, 40060) and deferred.modal is None

        too_long = await fake.send_command("silent")
        bad = {"type": 9, "data": {**modal["data"], "title": "t" * 46}}
        status, body = await callback(too_long, bad)
        assert (status, body["code"]) == (400, 50035) and "title" in body["errors"]["data"]

        opened = await fake.send_command("silent")  # a modal answering a button click is fine
        assert (await callback(opened, {"type": 4, "data": {"content": "pick", "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "open", "label": "Open"}]}]}}))[0] == 200
        click = await fake.click(opened.original, "open")
        assert (await callback(click, modal))[0] == 200 and click.modal == modal["data"]
        submit = await fake.submit_modal(click, {"q": "why?"})
        assert submit.payload["message"]["id"] == opened.original["id"]
        status, body = await callback(submit, modal)  # a modal cannot answer a modal
        assert (status, body["code"]) == (400, 50035)


def test_modal_limits() -> None:
    from testing.fake_discord import FakeHTTPError, validate_modal

    def text_input(**kw):
        return {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "L", "style": 1, **kw}]}

    good = {"custom_id": "m", "title": "t" * 45, "components": [text_input(value="v" * 4000, min_length=0,
                                                                           max_length=4000)]}
    validate_modal(good)
    validate_modal({**good, "components": [
        {"type": 18, "label": "Label", "component": {"type": 4, "custom_id": "a", "style": 2}}]})
    for bad in (
        {**good, "title": "t" * 46},
        {**good, "title": ""},
        {**good, "custom_id": "c" * 101},
        {**good, "components": []},
        {**good, "components": [text_input(custom_id=f"a{i}") for i in range(6)]},
        {**good, "components": [text_input(), text_input()]},  # duplicate custom_id
        {**good, "components": [text_input(label="l" * 46)]},
        {**good, "components": [text_input(style=3)]},
        {**good, "components": [text_input(value="v" * 4001)]},
        {**good, "components": [text_input(min_length=10, max_length=5)]},
        {**good, "components": [text_input(max_length=4001)]},
        {**good, "components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "b"}]}]},
        {**good, "components": [{"type": 18, "label": "L", "component": {"type": 4, "custom_id": "a", "style": 1,
                                                                         "label": "twice"}}]},
    ):
        with pytest.raises(FakeHTTPError) as ei:
            validate_modal(bad)
        assert ei.value.status == 400 and ei.value.body["code"] == 50035, bad


# ---------------------------------------------------------------------------------------------- threads


async def test_thread_from_a_reply(bot: Bot, fake: FakeDiscord) -> None:
    inter = await fake.send_command("thread", {"name": "Week 1 discussion"})
    msg = await inter.wait_for(lambda m: m.get("content", "").startswith("thread"), timeout=WAIT)
    reply_id = inter.original["id"]
    channel_id = inter.payload["channel_id"]
    assert msg["content"] == f"thread {reply_id} parent={channel_id} fetched=Thread:Week 1 discussion"
    [thread] = fake.threads[GUILD]
    assert (thread["id"], thread["type"], thread["parent_id"], thread["guild_id"]) == (
        reply_id, 11, channel_id, str(GUILD))
    assert [m["content"] for m in fake.thread_messages(reply_id)] == ["inside the thread"]
    assert thread["message_count"] == 1 and fake.thread(reply_id) is thread
    post = next(r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{reply_id}/messages")
    assert post.headers["Authorization"] == f"Bot {fake.token}"
    assert not bot.exceptions and not fake.unexpected

    inter = await fake.send_command("thread", {"name": "n" * 101})
    await asyncio.wait_for(_until(lambda: bot.exceptions), WAIT)
    assert isinstance(bot.exceptions[0], discord.HTTPException) and bot.exceptions[0].code == 50035
    assert len(fake.threads[GUILD]) == 1


async def test_no_thread_from_an_ephemeral_reply(bot: Bot, fake: FakeDiscord) -> None:
    import aiohttp

    inter = await fake.send_command("silent")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
        url = f"{fake.api_base_url}/interactions/{inter.id}/{inter.token}/callback"
        async with http.post(url, json={"type": 4, "data": {"content": "only you", "flags": 64}}) as r:
            assert r.status == 200
        start = f"{fake.api_base_url}/channels/{inter.payload['channel_id']}/messages/{inter.original['id']}/threads"
        async with http.post(start, json={"name": "private"}) as r:
            assert r.status == 404 and (await r.json())["code"] == 10008
    assert fake.threads == {}


async def test_thread_rules_raw(fake: FakeDiscord) -> None:
    import aiohttp

    channel = fake.channel_ids(GUILD)[0]
    auth = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async def post(path: str, body: dict) -> tuple[int, dict]:
            async with http.post(f"{fake.api_base_url}{path}", json=body) as r:
                return r.status, await r.json()

        status, message = await post(f"/channels/{channel}/messages", {"content": "starter"})
        assert status == 200
        start = f"/channels/{channel}/messages/{message['id']}/threads"
        assert (await post(f"/channels/{channel}/messages/1/threads", {"name": "x"}))[1]["code"] == 10008
        assert (await post(start, {"name": ""}))[1]["code"] == 50035
        assert (await post(start, {"name": "ok", "auto_archive_duration": 7}))[1]["code"] == 50035
        status, thread = await post(start, {"name": "n" * 100})
        assert status == 201 and thread["type"] == 11 and thread["parent_id"] == str(channel)
        assert (await post(start, {"name": "again"}))[1]["code"] == 160004
        assert (await post(f"/channels/{thread['id']}/messages", {"content": "x" * 2001}))[1]["code"] == 50035
        assert (await post(f"/channels/{thread['id']}/messages/{message['id']}/threads", {"name": "t"}))[0] == 400
        assert (await post(f"/channels/{thread['id']}/messages", {"content": "in"}))[0] == 200
        async with http.get(f"{fake.api_base_url}/channels/{thread['id']}") as r:
            assert (await r.json())["type"] == 11
        async with http.post(f"{fake.api_base_url}/channels/{thread['id']}/messages", json={"content": "in"},
                             headers={"Authorization": "Bot wrong"}) as r:
            assert r.status == 401
    assert [m["content"] for m in fake.thread_messages(thread["id"])] == ["in"]
    assert [t["id"] for t in fake.threads[GUILD]] == [thread["id"]] == [message["id"]]
    assert fake.thread(thread["id"])["message_count"] == 1


# ----------------------------------------------------------------------------------------------- shards


def _shard_client(shard_id: int, answered: list[tuple[int, int]]) -> tuple[discord.Client, app_commands.CommandTree]:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0, shard_id=shard_id,
                            shard_count=2)
    tree = app_commands.CommandTree(client)

    @tree.command(name="where", description="Names the shard that answered")
    async def where(interaction: discord.Interaction) -> None:
        answered.append((shard_id, interaction.guild_id or 0))
        await interaction.response.send_message(f"shard {shard_id}")

    return client, tree


async def test_shards_get_their_own_guilds_and_interactions() -> None:
    from testing.fake_discord import guild_on_shard

    other = guild_on_shard(1, 2)
    assert other == 4203305
    answered: list[tuple[int, int]] = []
    (first, tree), (second, _) = _shard_client(0, answered), _shard_client(1, answered)
    async with (
        FakeDiscord(guilds=(GUILD, other), shard_count=2, connect_timeout=WAIT) as fake,
        running(fake, first, second) as start,
    ):
        start(first)
        await fake.wait_connected(WAIT, shard_id=0)
        await asyncio.wait_for(tree.sync(), WAIT)
        assert not fake.connected.is_set() and fake.connected_shards() == [0]
        assert [g.id for g in first.guilds] == [GUILD]
        waiting = asyncio.create_task(fake.send_command("where", guild_id=other))  # waits for shard 1
        await asyncio.sleep(0.1)
        assert not waiting.done()
        start(second)
        await fake.wait_connected(WAIT)
        assert fake.connected_shards() == [0, 1] and [g.id for g in second.guilds] == [other]
        late = await asyncio.wait_for(waiting, WAIT)
        assert (await late.wait_for(timeout=WAIT))["content"] == "shard 1"
        here = await fake.send_command("where", guild_id=GUILD)
        assert (await here.wait_for(timeout=WAIT))["content"] == "shard 0"
        dm = await fake.send_command("where", guild_id=None)
        assert (await dm.wait_for(timeout=WAIT))["content"] == "shard 0"
        assert answered == [(1, other), (0, GUILD), (0, 0)]
        identifies = [p["d"]["shard"] for p in fake.gateway_received if p.get("op") == 2]
        assert sorted(identifies) == [[0, 2], [1, 2]]

        await asyncio.wait_for(second.close(), WAIT)
        await fake.wait_until(lambda: fake.connected_shards() == [0], WAIT, "shard 1 gone")
        fake.connect_timeout = 0.2
        with pytest.raises(TimeoutError, match=f"guild {other} belongs to shard 1 of 2"):
            await fake.send_command("where", guild_id=other)
        assert len(answered) == 3


async def test_auto_sharded_client_learns_the_shard_count() -> None:
    from testing.fake_discord import guild_on_shard

    other = guild_on_shard(1, 2)
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0)

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before every IDENTIFY but the first

    client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with FakeDiscord(guilds=(GUILD, other), shard_count=2) as fake, running(fake, client) as start:
        start(client)
        await fake.wait_connected(WAIT)
        await asyncio.wait_for(client.wait_until_ready(), WAIT)
        assert client.shard_count == 2 and fake.connected_shards() == [0, 1]
        assert {g.id: g.shard_id for g in client.guilds} == {GUILD: 0, other: 1}
        assert any(r.path == "/gateway/bot" for r in fake.requests)
        await fake.drop_gateway(shard_id=1)  # one shard resumes on its own session
        await fake.wait_connected(WAIT)
        assert fake.resume_count == 1 and fake.identify_count == 2
