"""A fake Discord (REST + gateway) on 127.0.0.1, built on aiohttp.

The *unmodified* discord.py 2.7 client can log into it once two class attributes point at it::

    discord.http.Route.BASE = fake.api_base_url                              # REST, incl. interaction
                                                                             # callbacks and webhook followups
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

(discord.py's webhook adapter builds its URLs with ``discord.http.Route`` too, so no third attribute is
needed.  A plain ``discord.Client`` never asks ``/gateway``; an auto-sharded one asks ``/gateway/bot``,
which the fake answers with its own gateway URL.)

The fake enforces the limits real Discord enforces (message/embed/component/autocomplete limits -> 400
code 50035, the 3 s first-response deadline -> 404 code 10062, a second acknowledgement -> 400 code 40060,
followups before any acknowledgement -> 404 code 10015) so that tests catch what Discord would reject.

Everything it receives is recorded in ``FakeDiscord.requests``; requests to routes it does not know are
answered 404 and also listed in ``FakeDiscord.unexpected``.  The limits themselves live in
``testing.discord_limits`` (``validate_message``, ``validate_modal``, ... re-exported here).

Beyond commands, autocomplete and buttons (``send_command``, ``click``):

- Attachments: ``send_command(..., attachments={"file": (filename, bytes, content_type[, size])})`` fills an
  attachment option (type 11): ``data.options`` carries its id, ``data.resolved.attachments[id]`` the object
  (``id, filename, size, url, proxy_url, content_type``; ``size`` and ``content_type`` as given, so they may
  lie).  A message command's ``target_message["attachments"]`` takes the same tuples.  The fake serves the
  bytes at ``{attachment_base_url}/attachments/{channel}/{id}/{filename}`` (``/proxy/attachments/...`` for
  ``proxy_url``; the base defaults to the fake's own URL: set ``attachment_base_url`` to e.g.
  ``http://localhost:{port}`` to test host checks) and records every download in ``downloads``.
  ``add_attachment()`` makes one directly.
- Modals: callback type 9 is accepted only as the first answer to a command or component interaction
  (after a defer it is 400 code 40060), validated by ``validate_modal`` and kept in ``Interaction.modal``
  (``await inter.wait_modal()``); ``submit_modal(inter, {custom_id: text})`` sends the MODAL_SUBMIT.
- Threads: POST ``/channels/{channel}/messages/{message}/threads`` starts a thread (type 11, its id the
  message's) from a non-ephemeral message of that channel; ``threads[guild_id]``, ``thread(id)``,
  ``thread_messages(id)``; GET ``/channels/{thread}`` and POST ``/channels/{thread}/messages`` work as for
  text channels, and THREAD_CREATE is dispatched.
- Shards: clients IDENTIFY with ``"shard": [id, count]``; each guild's events (GUILD_CREATE after READY,
  interactions, ``dispatch()``) go to shard ``(guild_id >> 22) % count`` (``shard_of``; DMs to shard 0).
  ``/gateway/bot`` advertises ``shard_count``.  ``connected`` is set while every shard is connected;
  ``wait_connected(shard_id=...)`` waits for one, ``connected_shards()`` lists them.  An interaction for a
  guild whose shard is not connected waits up to ``connect_timeout`` seconds, then raises TimeoutError
  naming the shard.  Guilds 9001 and 9002 (the tests' usual ids) both land on shard 0; ``guild_on_shard(1, 2)``
  (4203305) is a guild id on shard 1 of 2.

Typical use::

    fake = FakeDiscord(guilds=[9001], response_deadline=3.0)
    await fake.start()                       # then start the bot with api_base_url/gateway_url from fake
    await fake.wait_connected()              # IDENTIFY done, READY + GUILD_CREATE sent
    await fake.wait_synced("ask")            # the bot's tree.sync() reached the fake
    inter = await fake.send_command("ask", {"question": "what is X?"})
    msg = await inter.wait_for(lambda m: "content" in m)   # callback data / followup / edit body
    assert not inter.errors and not fake.unexpected
    await fake.stop()

Notes on discord.py 2.7's wire behaviour that this fake mirrors:
- interaction callbacks are POSTed with ``?with_response=1`` and need a 200 JSON body (a 204 breaks it);
- callbacks/followups/edits carry no Authorization header and go through ``Route.BASE`` as well;
- a 429 is retried only with a ``Via`` header and a JSON ``retry_after``; 500/502/504 are retried after
  1 s, 3 s, ... (so a single injected 500 costs the bot ~1 s);
- after a dropped gateway the client RESUMEs at ``resume_gateway_url`` at once, but every non-initial
  IDENTIFY (after op 9 / invalid session) is preceded by a 5 s sleep in ``Client.before_identify_hook``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as _dt
import fnmatch
import itertools
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from testing.discord_limits import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    FakeHTTPError,
    invalid_form,
    validate_choices,
    validate_commands,
    validate_message,
    validate_modal,
    validate_thread,
)

__all__ = [
    "ALL_BUT_ADMIN", "APPLICATION_COMMAND", "AUTOCOMPLETE", "EPHEMERAL", "MESSAGE_COMPONENT", "MODAL_SUBMIT",
    "FakeDiscord", "FakeHTTPError", "Interaction", "Recorded", "Reply", "custom_ids", "guild_on_shard", "shard_of",
    "validate_choices", "validate_commands", "validate_message", "validate_modal", "validate_thread",
]

_log = logging.getLogger("fake_discord")

# Every permission bit Discord defines up to bit 50, minus ADMINISTRATOR (1 << 3).
ALL_BUT_ADMIN = ((1 << 51) - 1) & ~(1 << 3)

JSON_CT = "application/json"  # exactly this: discord.py only decodes JSON when the type is exactly this
HEARTBEAT_INTERVAL_MS = 41250
FOLLOWUP_WINDOW = 15 * 60.0

# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Interaction callback types valid per interaction type
_VALID_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9, 12},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


def _now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat()


# ----------------------------------------------------------------------------------------------- records


@dataclass
class Recorded:
    """One HTTP request the fake received (and what it answered)."""

    method: str
    path: str  # API-relative path, e.g. "/users/@me" (the "/api/v10" prefix stripped)
    raw_path: str  # the full request path, e.g. "/api/v10/users/@me"
    query: dict[str, str]
    json: Any  # decoded JSON body (or multipart payload_json); None when there was none
    headers: dict[str, str]
    files: list[str] = field(default_factory=list)  # file names of multipart attachments
    uploads: list[dict] = field(default_factory=list)  # {"filename", "size", "content_type", "data"} per file
    status: int = 0
    response: Any = None
    at: float = 0.0  # loop time the request arrived
    injected: bool = False  # answered by a fail_next() injection


@dataclass
class Reply:
    """One accepted reply for an interaction, in arrival order."""

    kind: str  # "callback" | "followup" | "edit"
    type: int | None  # callback type for callbacks, else None
    payload: dict  # the message payload (callback ``data``; followup/edit body)
    at: float  # seconds since the interaction was dispatched


# ------------------------------------------------------------------------------------------ interaction


class Interaction:
    """One injected interaction and everything the bot sent for it."""

    def __init__(self, fake: FakeDiscord, payload: dict, deadline: float):
        self._fake = fake
        self.payload = payload  # the INTERACTION_CREATE data dispatched
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.deadline = deadline
        self.dispatched_at: float | None = None  # loop time of dispatch
        self.callbacks: list[dict] = []  # accepted callback bodies, e.g. {"type": 4, "data": {...}}
        self.followups: list[dict] = []  # accepted followup bodies
        self.edits: list[dict] = []  # accepted edit bodies
        self.errors: list[tuple[int, dict]] = []  # every error answer the fake gave for this interaction
        self.rejected: list[tuple[str, dict | None, int, dict]] = []  # (kind, request body, status, error)
        self.replies: list[Reply] = []  # accepted replies in order
        self.first_response_after: float | None = None
        self.original: dict | None = None  # full message object of the original response
        self.sent: dict[str, dict] = {}  # message id -> full message object (original + followups)
        self.modal: dict | None = None  # the modal (callback type 9 ``data``) the bot opened, if any
        self.expired = False
        self._filled = False  # a deferred (type 5) loading message got its content
        self._changed = asyncio.Event()

    # -- state -------------------------------------------------------------------------------------------

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def callback_types(self) -> list[int]:
        return [c.get("type") for c in self.callbacks]

    def _elapsed(self) -> float:
        if self.dispatched_at is None:
            return 0.0
        return asyncio.get_running_loop().time() - self.dispatched_at

    def _add_reply(self, kind: str, type_: int | None, payload: dict) -> None:
        self.replies.append(Reply(kind, type_, payload, self._elapsed()))
        self._changed.set()
        self._changed = asyncio.Event()

    def _add_error(self, kind: str, body: Any, err: FakeHTTPError) -> None:
        self.errors.append((err.status, err.body))
        self.rejected.append((kind, body if isinstance(body, dict) else None, err.status, err.body))
        self._changed.set()
        self._changed = asyncio.Event()

    # -- queries -----------------------------------------------------------------------------------------

    def messages(self) -> list[dict]:
        """Every message payload the user would see, in order: type-4/7 callback data, followups, edits."""
        out = []
        for r in self.replies:
            if r.kind == "callback" and r.type not in (4, 7):
                continue
            out.append(r.payload)
        return out

    def _is_reply(self, r: Reply) -> bool:
        return r.kind != "callback" or r.type in (4, 7, 8)

    async def wait_for(self, predicate: Callable[[dict], bool] | None = None, timeout: float = 10) -> dict:
        """Waits until a reply (callback type 4/7/8 -> its ``data``; a followup or an edit -> its body)
        satisfying ``predicate`` arrives (or already arrived) and returns that payload."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        idx = 0
        while True:
            while idx < len(self.replies):
                r = self.replies[idx]
                idx += 1
                if self._is_reply(r) and (predicate is None or predicate(r.payload)):
                    return r.payload
            remaining = end - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        raise TimeoutError(
            f"no matching reply for interaction {self.id} within {timeout}s; "
            f"callbacks={self.callback_types} followups={len(self.followups)} edits={len(self.edits)} "
            f"errors={self.errors}"
        )

    async def _wait_until(self, condition: Callable[[], bool], timeout: float, failure: str) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not condition():
            remaining = end - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"interaction {self.id}: {failure} within {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_acknowledged(self, timeout: float = 10) -> dict:
        """Waits for the first accepted callback (any type) and returns its body."""
        await self._wait_until(lambda: bool(self.callbacks), timeout, f"not acknowledged (errors={self.errors})")
        return self.callbacks[0]

    async def wait_modal(self, timeout: float = 10) -> dict:
        """Waits until the bot answered with a modal (callback type 9) and returns its ``data``."""
        await self._wait_until(lambda: self.modal is not None or bool(self.errors), timeout,
                               f"no modal (callbacks={self.callback_types})")
        if self.modal is None:
            raise AssertionError(f"interaction {self.id}: no modal; errors={self.errors}")
        return self.modal

    async def wait_error(self, timeout: float = 10) -> tuple[int, dict]:
        """Waits until the fake has answered an error for this interaction; returns (status, body)."""
        await self._wait_until(lambda: bool(self.errors), timeout, "no error")
        return self.errors[0]

    def __repr__(self) -> str:
        return (f"<Interaction id={self.id} type={self.type} callbacks={self.callback_types} "
                f"followups={len(self.followups)} edits={len(self.edits)} errors={len(self.errors)}>")


# ----------------------------------------------------------------------------------------- the fake


@dataclass
class _Injection:
    method: str
    pattern: str
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class _Shard:
    """One shard's gateway session; its event log is replayed on RESUME."""

    shard_id: int
    session_id: str
    ws: web.WebSocketResponse | None = None
    transport: Any = None
    ready: bool = False  # READY and its GUILD_CREATEs sent
    seq: int = 0
    log: list[dict] = field(default_factory=list)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (int(guild_id) >> 22) % shard_count


def guild_on_shard(shard_id: int, shard_count: int, base: int = 9001) -> int:
    """A guild id (``base`` in its low 22 bits) that lands on ``shard_id`` of ``shard_count``:
    9001 is on shard 0 and ``guild_on_shard(1, 2)`` == 4203305 on shard 1 of 2."""
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not among {shard_count} shards")
    return (shard_id << 22) | (base & ((1 << 22) - 1))


class _Route:
    def __init__(self, method: str, pattern: str, handler: Callable, auth: bool = True):
        self.method = method
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self.handler = handler
        self.auth = auth


class FakeDiscord:
    """A fake Discord REST API + gateway on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        application_id: int = 4242,
        bot_user_id: int = 4243,
        guilds: Sequence[int] = (9001,),
        response_deadline: float = 3.0,
        followup_window: float = FOLLOWUP_WINDOW,
        default_user_id: int = 5555,
        shard_count: int = 1,
        connect_timeout: float = 20.0,
        attachment_base_url: str | None = None,
    ):
        self.token = token
        self.application_id = int(application_id)
        self.bot_user_id = int(bot_user_id)
        self.guild_ids = [int(g) for g in guilds]
        self.response_deadline = response_deadline  # applied to interactions dispatched after a change
        self.followup_window = followup_window
        self.default_user_id = int(default_user_id)
        self.shard_count = int(shard_count)  # advertised by /gateway/bot; then the count the client identified with
        self.connect_timeout = connect_timeout  # how long helpers wait for a guild's shard to be connected
        self.attachment_base_url = attachment_base_url  # where attachment urls point; None: this server

        self.url = ""
        self.api_base_url = ""
        self.gateway_url = ""
        self.port = 0

        self.requests: list[Recorded] = []
        self.unexpected: list[Recorded] = []  # requests to unknown routes (answered 404)
        self.commands: dict[Any, list[dict]] = {}  # "global" or guild id -> synced commands
        self.channel_messages: dict[int, list[dict]] = {}  # channel (or thread) id -> messages created via REST
        self.threads: dict[int, list[dict]] = {}  # guild id -> thread channel objects started via REST
        self.interactions: list[Interaction] = []
        self.downloads: list[Recorded] = []  # every attachment download (GET of an attachment url)
        self.gateway_received: list[dict] = []  # every gateway payload the client sent
        self.identify_count = 0
        self.resume_count = 0
        self.connected = asyncio.Event()

        self._ids = itertools.count(1_300_000_000_000_000_000 + int(time.time()) % 1_000_000 * 1000)
        self._injections: list[_Injection] = []
        self._files: dict[str, tuple[str, bytes, str]] = {}  # attachment id -> (filename, bytes, content type)
        self._by_id: dict[str, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self._runner: web.AppRunner | None = None
        self._websockets: set[web.WebSocketResponse] = set()
        self._shards: dict[int, _Shard] = {}  # shard id -> its gateway session (kept after a drop, for RESUME)
        self._send_lock = asyncio.Lock()
        self._extra_roles: dict[int, dict[int, dict]] = {g: {} for g in self.guild_ids}
        self._routes = self._build_routes()

    # ------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_base_url = f"{self.url}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{self.port}/gateway"

    async def stop(self) -> None:
        for ws in list(self._websockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001, message=b"fake discord stopping"), 2)
        self.connected.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_connected(self, timeout: float = 20, *, shard_id: int | None = None) -> None:
        """Waits until every shard is connected (READY and GUILD_CREATEs sent), or only ``shard_id``."""
        if shard_id is None:
            await asyncio.wait_for(self.connected.wait(), timeout)
        else:
            await self.wait_until(lambda: shard_id in self.connected_shards(), timeout, f"shard {shard_id} connected")

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
        """Polls ``condition()`` until it returns something truthy (returned) or raises TimeoutError."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            result = condition()
            if result:
                return result
            if loop.time() >= end:
                raise TimeoutError(f"{what} not met within {timeout}s")
            await asyncio.sleep(0.02)

    async def wait_synced(self, name: str | None = None, *, guild_id: int | None = 9001,
                          timeout: float = 20) -> list[dict]:
        """Waits until commands are synced (for ``guild_id``, or globally with guild_id=None), and if ``name`` is
        given, until a command of that name is among them.  Returns that command list."""
        key = "global" if guild_id is None else guild_id

        def ready() -> list[dict] | None:
            cmds = self.commands.get(key)
            if cmds is None or (name is not None and not any(c["name"] == name for c in cmds)):
                return None
            return cmds or [{}]

        await self.wait_until(ready, timeout, f"commands synced for {key} ({name or 'any'})")
        return self.commands[key]

    async def wait_for_request(self, method: str, path_pattern: str, timeout: float = 20) -> Recorded:
        """Waits for a recorded request matching ``method`` ("*" any) and an fnmatch/regex ``path_pattern``."""

        def find() -> Recorded | None:
            for rec in self.requests:
                if method.upper() in ("*", rec.method) and _path_matches(path_pattern, rec.path, rec.raw_path):
                    return rec
            return None

        return await self.wait_until(find, timeout, f"request {method} {path_pattern}")

    def next_id(self) -> str:
        return str(next(self._ids))

    # ----------------------------------------------------------------------------------- fixtures data

    def bot_user(self) -> dict:
        return {
            "id": str(self.bot_user_id), "username": "studybot", "discriminator": "0", "global_name": None,
            "avatar": None, "bot": True, "flags": 0, "public_flags": 0, "mfa_enabled": False,
            "verified": True, "email": None, "locale": "en-US",
        }

    def user(self, user_id: int) -> dict:
        return {
            "id": str(user_id), "username": f"user{user_id}", "discriminator": "0",
            "global_name": f"User {user_id}", "avatar": None, "public_flags": 0,
        }

    def channel_ids(self, guild_id: int) -> list[int]:
        """Text channels of a guild: "general" (guild*100+1) and "study" (guild*100+2)."""
        return [guild_id * 100 + 1, guild_id * 100 + 2]

    def channel(self, guild_id: int | None, channel_id: int) -> dict:
        if guild_id is None:
            return {"id": str(channel_id), "type": 1, "recipients": [self.user(self.default_user_id)],
                    "last_message_id": None, "flags": 0}
        names = {cid: name for cid, name in zip(self.channel_ids(guild_id), ("general", "study"), strict=True)}
        return {
            "id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": names.get(channel_id, "channel"),
            "position": 0, "permission_overwrites": [], "topic": None, "nsfw": False, "last_message_id": None,
            "rate_limit_per_user": 0, "parent_id": None, "flags": 0,
        }

    def role(self, guild_id: int, role_id: int, name: str | None = None, permissions: int = 0) -> dict:
        everyone = role_id == guild_id
        return {
            "id": str(role_id), "name": "@everyone" if everyone else (name or f"role-{role_id}"),
            "color": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False, "icon": None, "unicode_emoji": None, "position": 0 if everyone else 1,
            "permissions": str(permissions if not everyone else 0x0000_0006_3584_C0FB), "managed": False,
            "mentionable": False, "flags": 0,
        }

    def add_role(self, guild_id: int, role_id: int, name: str | None = None, permissions: int = 0) -> dict:
        """Registers a role; sent in GUILD_CREATE (or dispatched as GUILD_ROLE_CREATE once connected)."""
        role = self.role(guild_id, role_id, name, permissions)
        self._extra_roles.setdefault(guild_id, {})[role_id] = role
        if self.connected_shards():
            asyncio.get_running_loop().create_task(
                self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role})
            )
        return role

    def guild(self, guild_id: int) -> dict:
        bot_member = {
            "user": self.bot_user(), "roles": [], "joined_at": _now_iso(), "deaf": False, "mute": False,
            "flags": 0, "pending": False, "nick": None, "avatar": None, "premium_since": None,
            "communication_disabled_until": None,
        }
        roles = [self.role(guild_id, guild_id), *self._extra_roles.get(guild_id, {}).values()]
        return {
            "id": str(guild_id), "name": f"Study Group {guild_id}", "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": str(self.default_user_id), "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "roles": roles, "emojis": [], "stickers": [], "features": [],
            "mfa_level": 0, "application_id": None, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None, "banner": None,
            "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
            "max_members": 500000, "max_video_channel_users": 25,
            # GUILD_CREATE extras
            "joined_at": _now_iso(), "large": False, "unavailable": False, "member_count": 2,
            "voice_states": [], "members": [bot_member],
            "channels": [self.channel(guild_id, cid) for cid in self.channel_ids(guild_id)],
            "threads": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def application(self) -> dict:
        return {
            "id": str(self.application_id), "name": "Studybot", "description": "", "icon": None,
            "rpc_origins": [], "bot_public": True, "bot_require_code_grant": False,
            "owner": {"id": "1", "username": "owner", "discriminator": "0", "global_name": None,
                      "avatar": None, "public_flags": 0},
            "team": None, "verify_key": "0" * 64, "flags": 0, "summary": "", "tags": [],
            "interactions_endpoint_url": None, "redirect_uris": [], "approximate_guild_count": len(self.guild_ids),
            "bot": self.bot_user(),
        }

    def make_message(self, payload: dict, *, channel_id: int | str | None = None, message_id: str | None = None,
                     msg_type: int = 0, interaction: Interaction | None = None,
                     uploads: Sequence[dict] = ()) -> dict:
        """A full message object as Discord would return it for a sent payload."""
        content = payload.get("content") or ""
        channel_id = str(channel_id if channel_id is not None else self.channel_ids(self.guild_ids[0])[0])
        msg = {
            "id": message_id or self.next_id(),
            "type": msg_type,
            "channel_id": channel_id,
            "content": content,
            "author": self.bot_user(),
            "attachments": self._attachments(payload, uploads, [], channel_id),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(payload.get("tts", False)),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": int(payload.get("flags") or 0),
            "application_id": str(self.application_id),
        }
        if payload.get("poll") is not None:
            msg["poll"] = payload["poll"]
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            data = interaction.payload
            user = (data.get("member") or {}).get("user") or data.get("user") or {}
            msg["interaction_metadata"] = {
                "id": interaction.id, "type": interaction.type, "user": user,
                "authorizing_integration_owners": data.get("authorizing_integration_owners", {}),
            }
        self._apply_mentions(msg, payload)
        return msg

    def _attachments(self, payload: dict, uploads: Sequence[dict], existing: list[dict],
                     channel_id: str) -> list[dict]:
        """Full attachment objects: kept ones (by id) from ``existing`` plus uploaded files."""
        known = {str(a.get("id")): a for a in existing}
        out: list[dict] = []
        used: set[int] = set()
        entries = payload.get("attachments")
        if entries is None:
            entries = existing if not uploads else [*existing, *({"id": i} for i in range(len(uploads)))]
        for entry in entries or []:
            aid = str(entry.get("id"))
            if aid in known:
                out.append(known[aid])
            elif aid.isdigit() and int(aid) < len(uploads):
                used.add(int(aid))
                out.append(self._uploaded(uploads[int(aid)], entry, channel_id))
        out.extend(self._uploaded(u, {}, channel_id) for i, u in enumerate(uploads) if i not in used)
        return out

    def _uploaded(self, upload: dict, entry: dict, channel_id: str) -> dict:
        att = self.add_attachment(entry.get("filename") or upload["filename"], upload["data"],
                                  upload.get("content_type"), channel_id=channel_id)
        if entry.get("description"):
            att["description"] = entry["description"]
        return att

    def add_attachment(self, filename: str, data: bytes, content_type: str | None = None, *,
                       size: int | None = None, channel_id: int | str | None = None) -> dict:
        """Stores ``data`` and returns the attachment object Discord would send for it; the fake serves the
        bytes at its ``url``/``proxy_url`` (under ``attachment_base_url``) and records each download in
        ``downloads``.  ``size`` and ``content_type`` are reported as given, so a test can make them lie."""
        aid = self.next_id()
        channel_id = channel_id if channel_id is not None else self.channel_ids(self.guild_ids[0])[0]
        self._files[aid] = (filename, bytes(data), content_type or "application/octet-stream")
        base = (self.attachment_base_url or self.url).rstrip("/")
        url = f"{base}/attachments/{channel_id}/{aid}/{urllib.parse.quote(filename)}"
        return {"id": aid, "filename": filename, "size": len(data) if size is None else int(size), "url": url,
                "proxy_url": url.replace("/attachments/", "/proxy/attachments/", 1), "content_type": content_type}

    def _resolve_attachment(self, spec: Any, channel_id: int) -> dict:
        """An attachment object from ``(filename, bytes, content_type[, size])`` (or a ready object)."""
        if isinstance(spec, dict):
            return copy.deepcopy(spec)
        if not isinstance(spec, tuple) or len(spec) not in (3, 4):
            raise ValueError(f"an attachment is (filename, bytes, content_type[, size]) or a dict, not {spec!r}")
        filename, data, content_type, *size = spec
        return self.add_attachment(filename, data, content_type, size=size[0] if size else None,
                                   channel_id=channel_id)

    def _apply_mentions(self, msg: dict, payload: dict) -> None:
        """Discord parses mentions in content unless allowed_mentions restricts it."""
        content = msg.get("content") or ""
        allowed = payload.get("allowed_mentions")
        user_ids = re.findall(r"<@!?(\d+)>", content)
        role_ids = re.findall(r"<@&(\d+)>", content)
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            explicit_users: list[str] = []
            explicit_roles: list[str] = []
        else:
            parse = set(allowed.get("parse") or [])
            explicit_users = [str(u) for u in allowed.get("users") or []]
            explicit_roles = [str(r) for r in allowed.get("roles") or []]
        users = [u for u in user_ids if "users" in parse or u in explicit_users]
        roles = [r for r in role_ids if "roles" in parse or r in explicit_roles]
        msg["mentions"] = [self.user(int(u)) for u in dict.fromkeys(users)]
        msg["mention_roles"] = list(dict.fromkeys(roles))
        msg["mention_everyone"] = "everyone" in parse and ("@everyone" in content or "@here" in content)

    # -------------------------------------------------------------------------------------- injection

    def fail_next(self, method: str, path_pattern: str, status: int, body: dict,
                  headers: dict | None = None) -> None:
        """Answer the next request matching ``method`` ("*" for any) and ``path_pattern`` with ``status``
        and JSON ``body``.  The pattern matches the API-relative path (e.g. "/interactions/*/callback")
        or the full path, as an fnmatch glob (``*`` spans slashes) or as a regex (``re.search``).
        For a 429 with ``headers=None`` a ``Via: 1.1 google`` header is added (discord.py only retries
        429s that carry Via); pass ``headers={}`` to simulate a Cloudflare ban."""
        if headers is None:
            headers = {"Via": "1.1 google"} if status == 429 else {}
        self._injections.append(_Injection(method.upper(), path_pattern, status, body, dict(headers)))

    def _take_injection(self, method: str, path: str, raw_path: str) -> _Injection | None:
        for inj in self._injections:
            if inj.method in ("*", method) and _path_matches(inj.pattern, path, raw_path):
                self._injections.remove(inj)
                return inj
        return None

    # -------------------------------------------------------------------------------------- HTTP core

    def _build_routes(self) -> list[_Route]:
        r = _Route
        return [
            r("GET", "/gateway", self._get_gateway, auth=False),
            r("GET", "/gateway/bot", self._get_gateway_bot),
            r("GET", "/users/@me", self._get_me),
            r("GET", "/oauth2/applications/@me", self._get_app),
            r("GET", "/applications/@me", self._get_app),
            r("GET", "/applications/{app}/commands", self._get_commands),
            r("PUT", "/applications/{app}/commands", self._put_commands),
            r("POST", "/applications/{app}/commands", self._post_command),
            r("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            r("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            r("POST", "/applications/{app}/guilds/{guild}/commands", self._post_command),
            r("GET", "/applications/{app}/guilds/{guild}/commands/permissions", self._get_permissions),
            r("GET", "/applications/{app}/commands/{cmd}", self._get_command),
            r("GET", "/applications/{app}/guilds/{guild}/commands/{cmd}", self._get_command),
            r("DELETE", "/applications/{app}/commands/{cmd}", self._delete_command),
            r("DELETE", "/applications/{app}/guilds/{guild}/commands/{cmd}", self._delete_command),
            r("POST", "/interactions/{iid}/{token}/callback", self._callback, auth=False),
            r("POST", "/webhooks/{app}/{token}", self._followup, auth=False),
            r("GET", "/webhooks/{app}/{token}/messages/{mid}", self._get_webhook_message, auth=False),
            r("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._edit, auth=False),
            r("DELETE", "/webhooks/{app}/{token}/messages/{mid}", self._delete_webhook_message, auth=False),
            r("GET", "/channels/{cid}", self._get_channel),
            r("POST", "/channels/{cid}/messages", self._create_channel_message),
            r("POST", "/channels/{cid}/messages/{mid}/threads", self._start_thread),
            r("POST", "/channels/{cid}/typing", self._typing),
        ]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.path
        if raw_path.rstrip("/") == "/gateway" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        m = re.match(r"^/api(?:/v\d+)?(/.*)$", raw_path)
        path = m.group(1) if m else raw_path
        body, uploads = await self._read_body(request)
        rec = Recorded(
            method=request.method, path=path, raw_path=raw_path, query=dict(request.query), json=body,
            headers=dict(request.headers), files=[u["filename"] for u in uploads], uploads=uploads,
            at=asyncio.get_running_loop().time(),
        )
        self.requests.append(rec)

        route, params = None, {}
        for candidate in self._routes:
            if candidate.method != request.method:
                continue
            mm = candidate.regex.match(path)
            if mm:
                route, params = candidate, mm.groupdict()
                break

        inj = self._take_injection(request.method, path, raw_path)
        if inj is not None:
            rec.injected = True
            self._note_interaction_error(route, params, body, inj.status, inj.body)
            return self._respond(rec, inj.status, inj.body, inj.headers)

        served = re.match(r"^(?:/proxy)?/attachments/\d+/(\d+)/([^/]+)$", raw_path)
        if served and request.method in ("GET", "HEAD"):
            return self._serve_attachment(rec, served.group(1), urllib.parse.unquote(served.group(2)))
        if route is None or not m:
            self.unexpected.append(rec)
            return self._respond(rec, 404, {"message": "404: Not Found", "code": 0})

        if route.auth:
            auth = request.headers.get("Authorization", "")
            if auth != f"Bot {self.token}":
                return self._respond(rec, 401, {"message": "401: Unauthorized", "code": 0})
        try:
            status, payload = await route.handler(rec, files=uploads, **params)
        except FakeHTTPError as e:
            return self._respond(rec, e.status, e.body)
        return self._respond(rec, status, payload)

    def _serve_attachment(self, rec: Recorded, aid: str, filename: str) -> web.Response:
        self.downloads.append(rec)
        stored = self._files.get(aid)
        if stored is None or stored[0] != filename:
            rec.status = 404
            return web.Response(status=404, text="Not Found")
        rec.status = 200
        return web.Response(status=200, body=stored[1], headers={"Content-Type": stored[2]})

    def _note_interaction_error(self, route: _Route | None, params: dict, body: Any, status: int, err: Any) -> None:
        if route is None or status < 400:
            return
        inter = None
        if "iid" in params:
            inter = self._by_id.get(params["iid"])
        elif "token" in params:
            inter = self._by_token.get(params["token"])
        if inter is not None:
            e = FakeHTTPError(status, 0, "")
            e.body = err
            inter._add_error("injected", body, e)

    def _respond(self, rec: Recorded, status: int, payload: Any, headers: dict | None = None) -> web.Response:
        rec.status = status
        rec.response = payload
        hdrs = dict(headers or {})
        if status == 204 or payload is None:
            return web.Response(status=204 if status < 300 else status, headers=hdrs)
        return web.Response(status=status, body=json.dumps(payload).encode(), headers={**hdrs, "Content-Type": JSON_CT})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict]]:
        ctype = request.content_type
        files: list[dict] = []
        if ctype.startswith("multipart/"):
            payload = None
            reader = await request.multipart()
            async for part in reader:
                if part is None:
                    break
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    try:
                        payload = json.loads(data.decode("utf-8"))
                    except ValueError:
                        payload = None
                else:
                    files.append({
                        "filename": getattr(part, "filename", None) or part.name or "",  # type: ignore[union-attr]
                        "size": len(data),
                        "content_type": part.headers.get("Content-Type", "application/octet-stream"),  # type: ignore[union-attr]
                        "data": bytes(data),
                    })
            return payload, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw.decode("utf-8")), files
        except ValueError:
            return raw.decode("utf-8", "replace"), files

    # ------------------------------------------------------------------------------------ REST routes

    async def _get_gateway(self, rec, **_):
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, rec, **_):
        return 200, {
            "url": self.gateway_url, "shards": self.shard_count,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000,
                                    "max_concurrency": 1},
        }

    async def _get_me(self, rec, **_):
        return 200, self.bot_user()

    async def _get_app(self, rec, **_):
        return 200, self.application()

    def _check_app(self, app: str) -> None:
        if app != str(self.application_id):
            raise FakeHTTPError(403, 50001, "Missing Access")

    def _cmd_key(self, guild: str | None) -> Any:
        if guild is None:
            return "global"
        gid = int(guild)
        if gid not in self.guild_ids:
            raise FakeHTTPError(403, 50001, "Missing Access")
        return gid

    def _store_command(self, cmd: dict, key: Any, existing: list[dict]) -> dict:
        out = copy.deepcopy(cmd)
        out.setdefault("type", 1)
        out.setdefault("description", "")
        out.setdefault("options", [])
        out.setdefault("default_member_permissions", None)
        out.setdefault("nsfw", False)
        old = next((c for c in existing if c["name"] == out["name"] and c["type"] == out["type"]), None)
        out["id"] = old["id"] if old else self.next_id()
        out["application_id"] = str(self.application_id)
        out["version"] = self.next_id()
        if key != "global":
            out["guild_id"] = str(key)
        else:
            out.setdefault("contexts", None)
            out.setdefault("integration_types", [0])
        return out

    async def _get_commands(self, rec, app, guild=None, **_):
        self._check_app(app)
        return 200, self.commands.get(self._cmd_key(guild), [])

    async def _put_commands(self, rec, app, guild=None, **_):
        self._check_app(app)
        key = self._cmd_key(guild)
        validate_commands(rec.json)
        existing = self.commands.get(key, [])
        self.commands[key] = [self._store_command(c, key, existing) for c in rec.json]
        return 200, self.commands[key]

    async def _post_command(self, rec, app, guild=None, **_):
        self._check_app(app)
        key = self._cmd_key(guild)
        validate_commands([rec.json])
        existing = self.commands.setdefault(key, [])
        cmd = self._store_command(rec.json, key, existing)
        existing[:] = [c for c in existing if c["id"] != cmd["id"]] + [cmd]
        return 201, cmd

    async def _get_command(self, rec, app, cmd, guild=None, **_):
        self._check_app(app)
        for c in self.commands.get(self._cmd_key(guild), []):
            if c["id"] == cmd:
                return 200, c
        raise FakeHTTPError(404, 10063, "Unknown application command")

    async def _delete_command(self, rec, app, cmd, guild=None, **_):
        self._check_app(app)
        lst = self.commands.get(self._cmd_key(guild), [])
        for c in lst:
            if c["id"] == cmd:
                lst.remove(c)
                return 204, None
        raise FakeHTTPError(404, 10063, "Unknown application command")

    async def _get_permissions(self, rec, app, guild, **_):
        self._check_app(app)
        return 200, []

    def _known_channel(self, cid: str) -> int | None:
        """The guild of a text channel or thread (404 10003 for any other id)."""
        for g in self.guild_ids:
            if int(cid) in self.channel_ids(g):
                return g
        thread = self.thread(cid)
        if thread is not None:
            return int(thread["guild_id"])
        raise FakeHTTPError(404, 10003, "Unknown Channel")

    def thread(self, thread_id: int | str) -> dict | None:
        """The thread channel object with that id, if one was started."""
        return next((t for ts in self.threads.values() for t in ts if t["id"] == str(thread_id)), None)

    def thread_messages(self, thread_id: int | str) -> list[dict]:
        """Messages posted into a thread, in order."""
        return self.channel_messages.get(int(thread_id), [])

    async def _get_channel(self, rec, cid, **_):
        guild_id = self._known_channel(cid)
        return 200, self.thread(cid) or self.channel(guild_id, int(cid))

    async def _create_channel_message(self, rec, cid, files=(), **_):
        self._known_channel(cid)
        body = rec.json if isinstance(rec.json, dict) else {}
        validate_message(body, has_files=bool(files))
        msg = self.make_message(body, channel_id=cid, uploads=files)
        self.channel_messages.setdefault(int(cid), []).append(msg)
        thread = self.thread(cid)
        if thread is not None:
            thread["message_count"] += 1
            thread["total_message_sent"] += 1
            thread["last_message_id"] = msg["id"]
        return 200, msg

    def _channel_message(self, cid: str, mid: str) -> dict:
        """A non-ephemeral message the channel holds: sent via REST, as an interaction reply, or one a user
        clicked or targeted.  An ephemeral reply is no channel message (Discord answers Unknown Message)."""
        candidates = list(self.channel_messages.get(int(cid), []))
        for inter in self.interactions:
            candidates += inter.sent.values()
            candidates += [inter.payload.get("message") or {}]
            candidates += ((inter.payload.get("data") or {}).get("resolved") or {}).get("messages", {}).values()
        for msg in candidates:
            if msg.get("id") == mid and msg.get("channel_id") == cid and not int(msg.get("flags") or 0) & EPHEMERAL:
                return msg
        raise FakeHTTPError(404, 10008, "Unknown Message")

    async def _start_thread(self, rec, cid, mid, **_):
        guild_id = self._known_channel(cid)
        if self.thread(cid) is not None:
            raise FakeHTTPError(400, 50024, "Cannot execute action on this channel type")
        message = self._channel_message(cid, mid)
        if self.thread(mid) is not None:
            raise FakeHTTPError(400, 160004, "A thread has already been created for this message")
        validate_thread(rec.json)
        now = _now_iso()
        thread = {  # a thread started from a message takes the message's id
            "id": mid, "type": 11, "guild_id": str(guild_id), "parent_id": cid, "owner_id": str(self.bot_user_id),
            "name": rec.json["name"], "last_message_id": None, "message_count": 0, "member_count": 1,
            "total_message_sent": 0, "rate_limit_per_user": rec.json.get("rate_limit_per_user") or 0, "flags": 0,
            "thread_metadata": {"archived": False, "locked": False, "archive_timestamp": now, "create_timestamp": now,
                                "auto_archive_duration": rec.json.get("auto_archive_duration") or 4320},
            "member": {"id": mid, "user_id": str(self.bot_user_id), "join_timestamp": now, "flags": 0},
        }
        self.threads.setdefault(guild_id, []).append(thread)
        message["thread"] = thread
        shard = self._shards.get(self.shard_for(guild_id))
        if shard is not None and shard.ws is not None:
            await self._dispatch_on(shard, "THREAD_CREATE", {**thread, "newly_created": True})
        return 201, thread

    async def _typing(self, rec, cid, **_):
        self._known_channel(cid)
        return 204, None

    # ------------------------------------------------------------------------- interaction routes

    async def _callback(self, rec: Recorded, iid: str, token: str, files=(), **_):
        inter = self._by_id.get(iid)
        body = rec.json
        if inter is None or inter.token != token:
            raise FakeHTTPError(404, 10062, "Unknown interaction")
        try:
            return 200, self.accept_callback(inter, body, files)
        except FakeHTTPError as e:
            inter._add_error("callback", body, e)
            raise

    def accept_callback(self, inter: Interaction, body: Any, uploads: Sequence[dict]) -> dict:
        if inter.acknowledged:
            raise FakeHTTPError(400, 40060, "Interaction has already been acknowledged.")
        elapsed = inter._elapsed()
        if inter.expired or elapsed > inter.deadline:
            inter.expired = True
            raise FakeHTTPError(404, 10062, "Unknown interaction")
        if not isinstance(body, dict) or not isinstance(body.get("type"), int):
            raise invalid_form([(["type"], "BASE_TYPE_REQUIRED", "This field is required")])
        cb_type = body["type"]
        if cb_type not in _VALID_CALLBACKS.get(inter.type, set()):
            raise invalid_form([(["type"], "INTERACTION_CALLBACK_TYPE_INVALID",
                                  f"Interaction callback type {cb_type} is not valid for interaction "
                                  f"type {inter.type}")])
        data = body.get("data") or {}
        if cb_type == 4:
            validate_message(data, has_files=bool(uploads), prefix=["data"])
        elif cb_type == 7:
            validate_message(data, partial=True, prefix=["data"])
        elif cb_type == 8:
            validate_choices(data)
        elif cb_type == 9:
            validate_modal(data)
            inter.modal = copy.deepcopy(data)

        # accepted
        inter.callbacks.append(body)
        inter.first_response_after = elapsed
        flags = int(data.get("flags") or 0)
        channel_id = inter.payload.get("channel_id")
        interaction_info: dict[str, Any] = {"id": inter.id, "type": inter.type}
        resource: dict[str, Any] = {"type": cb_type}
        msg: dict | None = None
        if cb_type in (4, 5):
            msg_type = 20 if inter.type == APPLICATION_COMMAND else 19
            payload = data if cb_type == 4 else {"content": "", "flags": (flags & EPHEMERAL) | LOADING}
            msg = self.make_message(payload, channel_id=channel_id, msg_type=msg_type, interaction=inter,
                                    uploads=uploads if cb_type == 4 else ())
            inter.original = msg
            inter.sent[msg["id"]] = msg
            interaction_info.update(response_message_id=msg["id"], response_message_loading=cb_type == 5,
                                    response_message_ephemeral=bool(flags & EPHEMERAL))
        elif cb_type in (6, 7):
            clicked = inter.payload.get("message")
            if clicked is not None:
                msg = copy.deepcopy(clicked)
                if cb_type == 7:
                    self._merge_edit(msg, data, uploads)
                inter.original = msg
                inter.sent[msg["id"]] = msg
                interaction_info.update(response_message_id=msg["id"], response_message_loading=False,
                                        response_message_ephemeral=bool(msg.get("flags", 0) & EPHEMERAL))
        if msg is not None:
            resource["message"] = msg
        inter._add_reply("callback", cb_type, data)
        # discord.py 2.7 always asks ?with_response=1 and needs this body; real Discord answers 204 without it.
        return {"interaction": interaction_info, "resource": resource}

    def _merge_edit(self, msg: dict, body: dict, uploads: Sequence[dict] = ()) -> None:
        for key in ("content", "embeds", "components", "flags", "poll"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
        if "attachments" in body or uploads:
            msg["attachments"] = self._attachments(body, uploads, msg.get("attachments") or [], msg["channel_id"])
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = int(body["flags"]) & ~LOADING
        else:
            msg["flags"] = int(msg.get("flags") or 0) & ~LOADING
        msg["edited_timestamp"] = _now_iso()
        if "content" in body:
            self._apply_mentions(msg, body)

    def _webhook_interaction(self, app: str, token: str) -> Interaction:
        inter = self._by_token.get(token)
        if app != str(self.application_id) or inter is None:
            raise FakeHTTPError(404, 10015, "Unknown Webhook")
        if not inter.acknowledged:
            raise FakeHTTPError(404, 10015, "Unknown Webhook")
        if inter._elapsed() > self.followup_window:
            raise FakeHTTPError(401, 50027, "Invalid Webhook Token")
        return inter

    async def _followup(self, rec: Recorded, app: str, token: str, files=(), **_):
        inter = self._by_token.get(token)
        body = rec.json if isinstance(rec.json, dict) else {}
        try:
            inter = self._webhook_interaction(app, token)
            validate_message(body if isinstance(body, dict) else {}, has_files=bool(files))
        except FakeHTTPError as e:
            if inter is not None:
                inter._add_error("followup", body, e)
            raise
        inter.followups.append(body)
        channel_id = inter.payload.get("channel_id")
        deferred = inter.callbacks[0].get("type") == 5
        if deferred and not inter._filled and inter.original is not None:
            # The first followup after a defer fills the loading message.
            inter._filled = True
            msg = inter.original
            self._merge_edit(msg, body, files)
            msg["edited_timestamp"] = None
            msg["flags"] = (msg.get("flags", 0) & EPHEMERAL) | (int(body.get("flags") or 0) & ~LOADING)
        else:
            msg = self.make_message(body, channel_id=channel_id, msg_type=19 if inter.original else 20,
                                    interaction=inter, uploads=files)
            inter.sent[msg["id"]] = msg
        inter._add_reply("followup", None, body)
        wait = str(rec.query.get("wait", "")).lower() in ("1", "true")
        return (200, msg) if wait else (204, None)

    def _find_sent(self, inter: Interaction, mid: str) -> dict:
        msg = inter.original if mid == "@original" else inter.sent.get(mid)
        if msg is None:
            raise FakeHTTPError(404, 10008, "Unknown Message")
        return msg

    async def _get_webhook_message(self, rec: Recorded, app: str, token: str, mid: str, **_):
        inter = self._webhook_interaction(app, token)
        return 200, self._find_sent(inter, mid)

    async def _edit(self, rec: Recorded, app: str, token: str, mid: str, files=(), **_):
        inter = self._by_token.get(token)
        body = rec.json if isinstance(rec.json, dict) else {}
        try:
            inter = self._webhook_interaction(app, token)
            msg = self._find_sent(inter, mid)
            validate_message(body, partial=True)
        except FakeHTTPError as e:
            if inter is not None:
                inter._add_error("edit", rec.json, e)
            raise
        if mid == "@original" and inter.callbacks[0].get("type") == 5:
            inter._filled = True
        self._merge_edit(msg, body, files)
        inter.edits.append(body)
        inter._add_reply("edit", None, body)
        return 200, msg

    async def _delete_webhook_message(self, rec: Recorded, app: str, token: str, mid: str, **_):
        inter = self._webhook_interaction(app, token)
        msg = self._find_sent(inter, mid)
        inter.sent.pop(msg["id"], None)
        if inter.original is msg:
            inter.original = None
        return 204, None

    # ------------------------------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0, autoclose=True)
        await ws.prepare(request)
        self._websockets.add(ws)
        transport = request.transport
        self.requests.append(Recorded("GET", "/gateway", request.path, dict(request.query), None,
                                      dict(request.headers), status=101,
                                      at=asyncio.get_running_loop().time()))
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS},
                                          "s": None, "t": None}))
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    if msg.type is WSMsgType.BINARY:
                        continue
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                self.gateway_received.append(payload)
                await self._on_gateway_payload(ws, transport, payload)
        except (ConnectionResetError, RuntimeError) as exc:  # pragma: no cover - racing closes
            _log.debug("gateway connection ended: %r", exc)
        finally:
            self._websockets.discard(ws)
            for shard in self._shards.values():
                if shard.ws is ws:
                    shard.ws = shard.transport = None
            self._update_connected()
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict) -> None:
        async with self._send_lock:
            await ws.send_str(json.dumps(payload))

    def _update_connected(self) -> None:
        """``connected`` is set while every shard of the identified shard count has a live session."""
        live = set(self.connected_shards())
        if live and live >= set(range(self.shard_count)):
            self.connected.set()
        else:
            self.connected.clear()

    async def _on_gateway_payload(self, ws: web.WebSocketResponse, transport: Any, payload: dict) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == 1:
            await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            if not isinstance(d, dict) or d.get("token") not in (self.token, f"Bot {self.token}"):
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            shard_id, shard_count = d.get("shard") or (0, 1)
            if not (isinstance(shard_id, int) and isinstance(shard_count, int) and 0 <= shard_id < shard_count):
                await ws.close(code=4010, message=b"Invalid shard.")
                return
            self.identify_count += 1
            self.shard_count = shard_count
            shard = _Shard(shard_id, f"fake-session-{self.next_id()}", ws, transport)
            self._shards[shard_id] = shard
            guild_ids = [g for g in self.guild_ids if shard_of(g, shard_count) == shard_id]
            ready = {
                "v": 10, "user": self.bot_user(), "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
                "session_id": shard.session_id, "session_type": "normal",
                "resume_gateway_url": self.gateway_url, "private_channels": [], "relationships": [],
                "presences": [], "user_settings": {}, "guild_join_requests": [], "geo_ordered_rtc_regions": [],
                "application": {"id": str(self.application_id), "flags": 0}, "_trace": ["fake-discord"],
            }
            if d.get("shard") is not None:
                ready["shard"] = d["shard"]
            await self._dispatch_on(shard, "READY", ready)
            for g in guild_ids:
                await self._dispatch_on(shard, "GUILD_CREATE", self.guild(g))
            shard.ready = True
            self._update_connected()
        elif op == 6:
            if (not isinstance(d, dict) or d.get("token") not in (self.token, f"Bot {self.token}")):
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            shard = next((sh for sh in self._shards.values() if sh.session_id == d.get("session_id")), None)
            if shard is None or d.get("session_id") is None:
                await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
                return
            self.resume_count += 1
            shard.ws, shard.transport = ws, transport
            client_seq = d.get("seq") or 0
            for event in shard.log:
                if event["s"] > client_seq:
                    await self._send(ws, event)
            await self._dispatch_on(shard, "RESUMED", {"_trace": ["fake-discord"]})
            self._update_connected()
        elif op == 8:  # request guild members
            shard = next((sh for sh in self._shards.values() if sh.ws is ws), None)
            gid = (d or {}).get("guild_id")
            for g in gid if isinstance(gid, list) else [gid]:
                if shard is not None:
                    await self._dispatch_on(shard, "GUILD_MEMBERS_CHUNK", {
                        "guild_id": str(g), "members": [], "chunk_index": 0, "chunk_count": 1,
                        "not_found": [], "nonce": (d or {}).get("nonce")})
        # op 3 (presence), op 4 (voice state) and anything else: accepted and ignored

    async def _dispatch_on(self, shard: _Shard, event: str, data: dict) -> None:
        shard.seq += 1
        frame = {"op": 0, "t": event, "s": shard.seq, "d": data}
        shard.log.append(frame)
        if len(shard.log) > 1000:
            del shard.log[:-1000]
        if shard.ws is not None:
            await self._send(shard.ws, frame)

    # ---------------------------------------------------------------------------------------- shards

    def shard_for(self, guild_id: int | None) -> int:
        """The shard Discord sends ``guild_id``'s events to: ``(guild_id >> 22) % shard_count`` (DMs: 0)."""
        return 0 if guild_id is None else shard_of(guild_id, self.shard_count)

    def connected_shards(self) -> list[int]:
        """Ids of the shards with a live, identified gateway session."""
        return sorted(sid for sid, sh in self._shards.items() if sh.ws is not None and sh.ready)

    async def _live_shard(self, guild_id: int | None, timeout: float | None = None) -> _Shard:
        """The session that receives ``guild_id``'s events, waiting (bounded by ``connect_timeout``) for it."""
        timeout = self.connect_timeout if timeout is None else timeout

        def live() -> _Shard | None:
            shard = self._shards.get(self.shard_for(guild_id))
            return shard if shard is not None and shard.ws is not None and shard.ready else None

        try:
            return await self.wait_until(live, timeout, "shard")
        except TimeoutError:
            raise TimeoutError(
                f"guild {guild_id} belongs to shard {self.shard_for(guild_id)} of {self.shard_count}, which has no "
                f"live gateway session after {timeout}s (connected shards: {self.connected_shards()})") from None

    async def dispatch(self, event: str, data: dict, *, timeout: float | None = None) -> None:
        """Dispatches an event to the shard of ``data["guild_id"]`` (shard 0 without one), waiting for a live
        session first."""
        guild_id = data.get("guild_id")
        shard = await self._live_shard(int(guild_id) if guild_id is not None else None, timeout)
        await self._dispatch_on(shard, event, data)

    async def drop_gateway(self, code: int | None = None, *, shard_id: int = 0) -> None:
        """Kills a shard's gateway connection: abruptly (transport aborted, no close frame) by default, or
        with a close frame carrying ``code``.  The client is expected to reconnect and RESUME."""
        shard = self._shards.get(shard_id)
        if shard is None or shard.ws is None:
            return
        ws, transport = shard.ws, shard.transport
        shard.ws = shard.transport = None
        self._update_connected()
        if code is None and transport is not None:
            transport.abort()
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=code or 4000, message=b"fake drop"), 5)

    async def invalidate_session(self, *, shard_id: int = 0) -> None:
        """Sends op 9 (not resumable) to a shard: the client must IDENTIFY it again."""
        shard = self._shards.pop(shard_id, None)
        self._update_connected()
        if shard is not None and shard.ws is not None:
            await self._send(shard.ws, {"op": 9, "d": False, "s": None, "t": None})

    # --------------------------------------------------------------------------------- interactions

    def find_command(self, name: str, *, guild_id: int | None = None, command_type: int = 1) -> dict:
        keys: list[Any] = ([guild_id] if guild_id is not None else []) + ["global"]
        for key in keys:
            for cmd in self.commands.get(key, []):
                if cmd["name"] == name and int(cmd.get("type", 1)) == command_type:
                    return cmd
        raise LookupError(f"command {name!r} (type {command_type}) was not synced for guild {guild_id} "
                          f"or globally; synced: { {k: [c['name'] for c in v] for k, v in self.commands.items()} }")

    def _member(self, guild_id: int, user_id: int, permissions: int, roles: Iterable[int]) -> dict:
        return {
            "user": self.user(user_id), "roles": [str(r) for r in roles], "joined_at": _now_iso(),
            "deaf": False, "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None,
            "premium_since": None, "communication_disabled_until": None, "permissions": str(permissions),
        }

    async def _ensure_roles(self, guild_id: int | None, roles: Iterable[int]) -> None:
        if guild_id is None:
            return
        known = self._extra_roles.setdefault(guild_id, {})
        for r in roles:
            r = int(r)
            if r != guild_id and r not in known:
                role = self.role(guild_id, r)
                known[r] = role
                await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role})

    def _default_channel(self, guild_id: int | None, user_id: int) -> int:
        """Where an interaction happens unless told: the guild's "general", or the user's DM channel."""
        return self.channel_ids(guild_id)[0] if guild_id is not None else 7_000_000 + user_id

    def _base_interaction(self, itype: int, data: dict | None, *, guild_id: int | None, channel_id: int | None,
                          user_id: int, permissions: int, member_roles: Iterable[int], locale: str) -> dict:
        iid = self.next_id()
        token = f"itok-{iid}-fake"
        if channel_id is None:
            channel_id = self._default_channel(guild_id, user_id)
        payload: dict[str, Any] = {
            "id": iid, "application_id": str(self.application_id), "type": itype, "token": token, "version": 1,
            "channel_id": str(channel_id), "channel": self.channel(guild_id, channel_id),
            "app_permissions": str(ALL_BUT_ADMIN), "locale": locale, "entitlements": [],
            "entitlement_sku_ids": [], "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            payload.update(
                guild_id=str(guild_id), guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US", member=self._member(guild_id, user_id, permissions, member_roles),
                authorizing_integration_owners={"0": str(guild_id)}, context=0,
            )
        else:
            payload.update(user=self.user(user_id), authorizing_integration_owners={"1": str(user_id)}, context=1)
        return payload

    def interaction_payload(self, itype: int, data: dict | None, *, guild_id: int | None, channel_id: int | None = None,
                            user_id: int, permissions: int = ALL_BUT_ADMIN, member_roles: Iterable[int] = (),
                            locale: str = "en-US") -> dict:  # fmt: skip
        """An INTERACTION_CREATE payload as Discord would build it, for interactions no helper sends (a DM)."""
        return self._base_interaction(itype, data, guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                      permissions=permissions, member_roles=member_roles, locale=locale)  # fmt: skip

    async def deliver(self, payload: dict) -> Interaction:
        """Dispatch an INTERACTION_CREATE payload (again, to test a duplicate delivery) and track it."""
        return await self._inject(payload)

    def pending_injections(self) -> list:
        """The fail_next() answers the bot has not met yet."""
        return list(self._injections)

    def clear_injections(self) -> None:
        self._injections.clear()

    async def _inject(self, payload: dict) -> Interaction:
        guild_id = payload.get("guild_id")
        shard = await self._live_shard(int(guild_id) if guild_id is not None else None)
        inter = Interaction(self, payload, self.response_deadline)
        self._by_id[inter.id] = inter
        self._by_token[inter.token] = inter
        self.interactions.append(inter)
        inter.dispatched_at = asyncio.get_running_loop().time()
        await self._dispatch_on(shard, "INTERACTION_CREATE", payload)
        return inter

    def _build_options(self, defs: list[dict], values: dict, focused: str | None, resolved: dict,
                       guild_id: int | None) -> list[dict]:
        by_name = {d["name"]: d for d in defs}
        out = []
        names = list(values)
        if focused is not None and focused not in values:
            names.append(focused)
        for name in names:
            if name not in by_name:
                raise ValueError(f"option {name!r} is not defined; known: {sorted(by_name)}")
            d = by_name[name]
            otype = int(d.get("type", 3))
            value = values.get(name, "")
            opt: dict[str, Any] = {"name": name, "type": otype}
            if otype == 6:  # user
                uid = int(value)
                resolved.setdefault("users", {})[str(uid)] = self.user(uid)
                if guild_id is not None:
                    m = self._member(guild_id, uid, 0, ())
                    m.pop("user")
                    resolved.setdefault("members", {})[str(uid)] = m
                opt["value"] = str(uid)
            elif otype == 7:  # channel
                cid = int(value)
                ch = self.channel(guild_id, cid)
                ch["permissions"] = str(ALL_BUT_ADMIN)
                resolved.setdefault("channels", {})[str(cid)] = ch
                opt["value"] = str(cid)
            elif otype == 11:  # attachment: the value is its id, the object is in resolved.attachments
                if str(value) not in resolved.get("attachments", {}):
                    raise ValueError(f"option {name!r} is an attachment: pass it in attachments=")
                opt["value"] = str(value)
            elif otype == 8 and guild_id is not None:  # role
                rid = int(value)
                resolved.setdefault("roles", {})[str(rid)] = self._extra_roles.get(guild_id, {}).get(
                    rid, self.role(guild_id, rid))
                opt["value"] = str(rid)
            else:
                opt["value"] = value
            if name == focused:
                opt["focused"] = True
                opt["value"] = str(value) if otype in (3, 4, 10) else value
            out.append(opt)
        return out

    async def send_command(
        self,
        name: str,
        options: dict | None = None,
        *,
        guild_id: int | None = 9001,
        channel_id: int | None = None,
        user_id: int | None = None,
        permissions: int = ALL_BUT_ADMIN,
        member_roles: Iterable[int] = (),
        command_type: int = 1,
        target_message: dict | None = None,
        target_user: int | None = None,
        focused: str | None = None,
        locale: str = "en-US",
        attachments: dict[str, Any] | None = None,
    ) -> Interaction:
        """Dispatches an INTERACTION_CREATE for a synced command: type 2 (APPLICATION_COMMAND) or, when
        ``focused`` names the option being typed, type 4 (AUTOCOMPLETE).  ``name`` may contain spaces for
        subcommands ("group sub").  ``guild_id=None`` makes it a DM interaction.

        ``attachments`` fills attachment options (type 11): option name -> ``(filename, bytes, content_type)``
        or ``(filename, bytes, content_type, size)`` (a lying size), served by the fake (see add_attachment).
        A message command's ``target_message["attachments"]`` may hold the same tuples."""
        user_id = int(user_id if user_id is not None else self.default_user_id)
        if channel_id is None:
            channel_id = self._default_channel(guild_id, user_id)
        member_roles = [int(r) for r in member_roles]
        parts = name.split() if command_type == 1 else [name]  # context-menu names may hold spaces
        cmd = self.find_command(parts[0], guild_id=guild_id, command_type=command_type)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": command_type}
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        resolved: dict[str, Any] = {}
        options = dict(options or {})
        for option, spec in (attachments or {}).items():
            att = self._resolve_attachment(spec, channel_id)
            att.setdefault("ephemeral", True)  # Discord marks files sent through an option so
            resolved.setdefault("attachments", {})[att["id"]] = att
            options[option] = att["id"]
        if command_type == 1:
            defs = cmd.get("options") or []
            container = data
            for sub in parts[1:]:
                sub_def = next((o for o in defs if o["name"] == sub and o.get("type") in (1, 2)), None)
                if sub_def is None:
                    raise ValueError(f"subcommand {sub!r} not found in {name!r}")
                node: dict[str, Any] = {"name": sub, "type": sub_def["type"], "options": []}
                container.setdefault("options", []).append(node)
                container, defs = node, sub_def.get("options") or []
            opts = self._build_options(defs, options, focused, resolved, guild_id)
            if opts or container is not data:
                container["options"] = opts
        elif command_type == 3:
            if target_message is None:
                raise ValueError("a message command needs target_message")
            msg = self._full_message(target_message, guild_id, channel_id, user_id)
            data["target_id"] = msg["id"]
            resolved["messages"] = {msg["id"]: msg}
        elif command_type == 2:
            uid = int(target_user if target_user is not None else user_id)
            data["target_id"] = str(uid)
            resolved["users"] = {str(uid): self.user(uid)}
            if guild_id is not None:
                m = self._member(guild_id, uid, 0, ())
                m.pop("user")
                resolved["members"] = {str(uid): m}
        if resolved:
            data["resolved"] = resolved
        await self._live_shard(guild_id)
        await self._ensure_roles(guild_id, member_roles)
        itype = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        payload = self._base_interaction(itype, data, guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                         permissions=permissions, member_roles=member_roles, locale=locale)
        return await self._inject(payload)

    def _full_message(self, message: dict, guild_id: int | None, channel_id: int | None, user_id: int) -> dict:
        """A full message object for ``message``: kept when it already is one; "author" and "attachments"
        (objects or ``(filename, bytes, content_type[, size])`` tuples, then served) are taken as given.
        Without "author", a member wrote it: the user ``author_id`` names, else ``user_id``."""
        if "id" in message and "author" in message and "channel_id" in message:
            full = copy.deepcopy(message)
        else:
            if channel_id is None:
                channel_id = self.channel_ids(guild_id)[0] if guild_id is not None else 7_000_000
            full = self.make_message({k: v for k, v in message.items() if k != "attachments"}, channel_id=channel_id)
            for k, v in message.items():
                full.setdefault(k, v)
            full["author"] = message.get("author") or self.user(int(message.get("author_id", user_id)))
        if message.get("attachments"):
            full["attachments"] = [self._resolve_attachment(a, int(full["channel_id"])) for a in message["attachments"]]
        return full

    async def click(
        self,
        message: dict,
        custom_id: str,
        *,
        user_id: int | None = None,
        guild_id: int | None = 9001,
        channel_id: int | None = None,
        permissions: int = ALL_BUT_ADMIN,
        member_roles: Iterable[int] = (),
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """Dispatches a MESSAGE_COMPONENT interaction (type 3) for ``custom_id`` on ``message``.

        ``message`` may be a full message object (``inter.original``, ``inter.sent[...]``, a ``?wait=1``
        followup answer) or a bare payload from ``inter.messages()`` (wrapped into a message then).
        Raises ValueError when no component with that custom_id is in the message."""
        user_id = int(user_id if user_id is not None else self.default_user_id)
        member_roles = [int(r) for r in member_roles]
        if "id" not in message:
            message = self._find_full_message(message) or message
        # a message with buttons is the bot's
        full = self._full_message({"author": self.bot_user(), **message}, guild_id, channel_id, user_id)
        if custom_id not in custom_ids(full.get("components") or []):
            raise ValueError(f"no component with custom_id {custom_id!r} in message; "
                             f"has {custom_ids(full.get('components') or [])}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        if channel_id is None:
            channel_id = int(full["channel_id"])
        await self._live_shard(guild_id)
        await self._ensure_roles(guild_id, member_roles)
        payload = self._base_interaction(MESSAGE_COMPONENT, data, guild_id=guild_id, channel_id=channel_id,
                                         user_id=user_id, permissions=permissions, member_roles=member_roles,
                                         locale=locale)
        payload["message"] = full
        return await self._inject(payload)

    async def submit_modal(self, interaction: Interaction, values: dict[str, str], *,
                           user_id: int | None = None, permissions: int = ALL_BUT_ADMIN,
                           member_roles: Iterable[int] = (), locale: str = "en-US") -> Interaction:
        """Dispatches the MODAL_SUBMIT (type 5) interaction for the modal the bot opened on ``interaction``,
        with ``values`` (text input custom_id -> typed text) and the other inputs at their prefilled value.
        Like Discord's client it refuses (ValueError) what a user cannot submit: an unknown custom_id, a
        required input left empty, text outside min_length/max_length."""
        modal = interaction.modal
        if modal is None:
            raise ValueError(f"interaction {interaction.id} opened no modal (callbacks={interaction.callback_types})")
        inputs = {(_modal_input(row) or {}).get("custom_id"): _modal_input(row) for row in modal["components"]}
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise ValueError(f"modal {modal['custom_id']!r} has no text input {unknown}; has {sorted(inputs)}")
        submitted = []
        for n, row in enumerate(modal["components"]):
            text_input = _modal_input(row) or {}
            cid = text_input.get("custom_id")
            value = str(values.get(cid, text_input.get("value") or ""))
            low, high = text_input.get("min_length") or 0, text_input.get("max_length") or 4000
            if not value and text_input.get("required", True):
                raise ValueError(f"modal input {cid!r} is required and was left empty")
            if value and not low <= len(value) <= high:
                raise ValueError(f"modal input {cid!r}: {len(value)} characters, the modal allows {low}-{high}")
            answer = {"type": 4, "id": 2 * n + 2, "custom_id": cid, "value": value}
            if row.get("type") == 18:
                submitted.append({"type": 18, "id": 2 * n + 1, "component": answer})
            else:
                submitted.append({"type": 1, "id": 2 * n + 1, "components": [answer]})
        user_id = int(user_id if user_id is not None else self.default_user_id)
        origin = interaction.payload
        guild_id = int(origin["guild_id"]) if origin.get("guild_id") else None
        payload = self._base_interaction(MODAL_SUBMIT, {"custom_id": modal["custom_id"], "components": submitted},
                                         guild_id=guild_id, channel_id=int(origin["channel_id"]), user_id=user_id,
                                         permissions=permissions, member_roles=member_roles, locale=locale)
        if origin.get("message") is not None:  # a modal opened from a button carries that message
            payload["message"] = origin["message"]
        return await self._inject(payload)

    def _find_full_message(self, payload: dict) -> dict | None:
        """Maps a bare payload (from Interaction.messages()) back to the full stored message."""
        for inter in reversed(self.interactions):
            for msg in inter.sent.values():
                if payload.get("components") and msg.get("components") == payload.get("components"):
                    return msg
        return None


def _path_matches(pattern: str, *candidates: str) -> bool:
    for candidate in candidates:
        if fnmatch.fnmatchcase(candidate, pattern):
            return True
        with contextlib.suppress(re.error):
            if re.search(pattern, candidate) is not None:
                return True
    return False


def _modal_input(row: dict) -> dict | None:
    """The text input of a modal row: an action row's only child, or a Label's component."""
    if row.get("type") == 18:
        return row.get("component")
    children = row.get("components") or []
    return children[0] if children else None


def custom_ids(components: list | dict) -> list[str]:
    """Every custom_id of a message (or of a list of components), rows and accessories included."""
    if isinstance(components, dict):
        components = components.get("components") or []
    out: list[str] = []
    for c in components:
        if not isinstance(c, dict):
            continue
        if c.get("custom_id"):
            out.append(c["custom_id"])
        out.extend(custom_ids(c.get("components") or []))
        if isinstance(c.get("accessory"), dict):
            out.extend(custom_ids([c["accessory"]]))
    return out
