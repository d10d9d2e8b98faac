"""`studybot run` and `studybot sync`: endpoints, token, one process per database, signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading

import aiohttp
import discord
import yarl

from bot.app.client import create_client
from bot.config import DiscordSettings, Settings, TokenError, read_token
from bot.service.services import Services
from bot.storage import StorageError, open_store
from bot.storage.sqlite import DatabaseInUse, exclusive
from bot.wiring import (
    folder_watcher,
    load_shared_library,
    make_shared_index_resident,
    server_libraries,
    server_library_options,
    service_options,
    storage_options,
)

log = logging.getLogger("studybot.app")


def point_at(discord_settings: DiscordSettings) -> None:
    """Aim discord.py at the configured API and gateway (Discord's by default, a fake in tests).

    Also silences discord.py's "PyNaCl / davey is not installed" warnings: a text bot needs no voice."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    discord.http.Route.BASE = discord_settings.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(discord_settings.gateway_url)


class RedactToken(logging.Filter):
    """Defence in depth: no log line may carry the token, whoever formats it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), ()
        return True


def _protect_token(token: str) -> None:
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def _token_or_exit() -> str | None:
    try:
        return read_token()
    except TokenError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return None


def _connect_settings(settings: Settings) -> str | None:
    """The token (None when missing, after saying so), redacted from logs, and discord.py aimed."""
    token = _token_or_exit()
    if token is not None:
        _protect_token(token)
        point_at(settings.discord)
    return token


def _unreachable(settings: Settings, exc: BaseException) -> str:
    cause = getattr(exc, "os_error", None) or exc
    return f"studybot: cannot reach Discord at {settings.discord.api_base_url}: {cause}"


def run_bot(settings: Settings) -> int:
    token = _connect_settings(settings)
    if token is None:
        return 2
    # SIGHUP reloads the corpus folder (`studybot reload`); until the watcher listens, the first poll
    # sees any change, so one arriving during start-up is ignored rather than ending the bot
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    options = storage_options(settings)
    one_process = exclusive(options.sqlite_path) if options.backend == "sqlite" else contextlib.nullcontext()
    try:
        with one_process:  # SQLite: one bot process per database file; PostgreSQL: any number
            return asyncio.run(_serve(settings, token))
    except (aiohttp.ClientConnectionError, OSError) as exc:
        print(_unreachable(settings, exc), file=sys.stderr)
        return 1
    except DatabaseInUse as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print("studybot: Discord refused the token (check DISCORD_TOKEN)", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:  # e.g. a sync_guild_ids entry the bot is not in (403)
        print(f"studybot: Discord refused a request while starting: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1


def _client_options(settings: Settings) -> dict:
    d = settings.discord
    return {
        "shard_count": d.shard_count,
        "shard_ids": d.shard_ids,
        "sync_guild_ids": d.sync_guild_ids,
        "sync_on_start": d.sync_on_start,
    }


async def _serve(settings: Settings, token: str) -> int:
    engine, loaded_key = await asyncio.to_thread(load_shared_library, settings)
    for warning in engine.corpus.warnings:
        log.warning("%s", warning)
    if not engine.passages:
        log.error("no article with text could be loaded from %s", settings.corpus.path)
        return 1
    async with await open_store(storage_options(settings)) as store:
        # the saved index's pages mapped in now, off the loop and not awaited: the first questions as fast
        # as later ones, and the resident size flat from the start (pages shared with other processes);
        # started once the store is open, so that a store failing to open leaves no thread to wait for
        stop_resident = threading.Event()  # set when stopping: the thread ends at its next slice of pages
        resident = asyncio.create_task(asyncio.to_thread(_make_index_resident, settings, stop_resident),
                                       name="resident-index")  # fmt: skip
        libraries = server_libraries(settings, engine, store)
        # the shared library's statistics for ranking it beside servers' own: off the loop, not awaited
        preparing = asyncio.create_task(asyncio.to_thread(libraries.prepare), name="shared-statistics")
        services = Services.create(libraries, store, service_options(settings), server_library_options(settings))
        store.on_change(services.apply_change)
        libraries.changed_all()  # saved copies of versions changed while this host was down dropped (a task)
        watcher = folder_watcher(settings, libraries, loaded_key)
        watcher.follow(store)  # `studybot reload` on PostgreSQL, from any host
        watching = asyncio.create_task(watcher.run(), name="corpus-watch")
        client = create_client(services, **_client_options(settings))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, watcher.reload_now)  # `studybot reload` on SQLite
        runner = asyncio.create_task(client.start(token), name="discord-client")
        stopper = asyncio.create_task(stop.wait(), name="signal-wait")
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("stopping: finishing replies in flight")
            await client.shutdown(settings.discord.shutdown_grace_seconds)
        stopper.cancel()
        watching.cancel()
        preparing.cancel()  # if still working out the shared statistics (its thread finishes on its own)
        resident.cancel()
        stop_resident.set()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            with contextlib.suppress(asyncio.CancelledError):
                await watching
        finally:
            if not client.is_closed():  # client.start failed: still release its HTTP session
                await client.close()
        log.info("stopped")
    return 0


def _make_index_resident(settings: Settings, stop: threading.Event) -> None:
    done = make_shared_index_resident(settings, stop)
    if not (done.mapped_bytes or done.skipped_bytes):
        log.info("saved index: nothing made resident (no mapping of it, or no /proc/self/maps here)")
        return
    how = "made resident" if done.populated else "read ahead into the page cache (kernel before 5.14)"
    log.info("saved index: %.0f MB %s in %.2f s%s", done.mapped_bytes / 2**20, how, done.seconds,
             f"; {done.skipped_bytes / 2**20:.0f} MB left to map on use (over half the memory available)"
             if done.skipped_bytes else "")  # fmt: skip


def sync_commands(settings: Settings) -> int:
    """Log in over REST only, register the commands, exit."""
    token = _connect_settings(settings)
    if token is None:
        return 2
    try:
        return asyncio.run(_sync(settings, token))
    except (aiohttp.ClientConnectionError, OSError) as exc:
        print(_unreachable(settings, exc), file=sys.stderr)
        return 1


async def _sync(settings: Settings, token: str) -> int:
    client = create_client(None, sync_guild_ids=settings.discord.sync_guild_ids, sync_on_start=True)
    try:
        await client.login(token)  # its setup_hook registers and syncs the commands
    except discord.LoginFailure:
        print("studybot: Discord refused the token (check DISCORD_TOKEN)", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:  # a 5xx after discord.py's retries, a guild the bot is not in (403)
        print(f"studybot: Discord refused a request while registering the commands: {exc}", file=sys.stderr)
        return 1
    finally:
        await client.close()
    print("Commands registered.")
    return 0
