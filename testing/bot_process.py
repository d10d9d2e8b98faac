"""The real bot (`studybot run`, a subprocess) against the fake Discord on 127.0.0.1: shared by the
end-to-end tests and the benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from testing.fake_discord import FakeDiscord

TOKEN = "e2e.secret-token.DO-NOT-LOG-0123456789"
GUILD, OTHER_GUILD, THIRD_GUILD = 9001, 9002, 9003
MANAGE_GUILD = 1 << 5


@dataclass
class BotProcess:
    """One `studybot run` process and everything it wrote to its log."""

    config: Path
    data_dir: Path
    log_path: Path
    env: dict
    shard_ids: tuple[int, ...] = ()  # the shards it runs (discord.shard_ids); () for an unsharded bot
    process: asyncio.subprocess.Process | None = None
    logs: list[str] = field(default_factory=list)

    async def start(self, fake: FakeDiscord, *, wait: bool = True) -> None:
        fake.connected.clear()
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(self.config),
            stdout=log, stderr=log, env=self.env,
        )  # fmt: skip
        log.close()
        if wait:
            for shard_id in self.shard_ids or (None,):  # its own shards, or every shard
                await fake.wait_connected(timeout=30, shard_id=shard_id)
            await fake.wait_synced("ask", guild_id=GUILD, timeout=30)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def write_config(path: Path, fake: FakeDiscord, data_dir: Path, *, corpus: Path | None = None,
                 storage: dict | None = None, library: dict | None = None, **discord_keys) -> Path:  # fmt: skip
    """A config for the bot against `fake`; `storage` keys (e.g. {"url": "postgresql://…"}), `library`
    keys and `discord_keys` (YAML values, e.g. shard_ids="[1]") as given."""
    discord_keys = {
        "api_base_url": fake.api_base_url,
        "gateway_url": fake.gateway_url,
        "sync_guild_ids": f"[{GUILD}, {OTHER_GUILD}]",
        "shutdown_grace_seconds": 8,
        **discord_keys,
    }
    lines = [
        f"data_dir: {data_dir}",
        *([f"corpus: {{path: {corpus}}}"] if corpus else []),
        *(["storage:", *(f"  {key}: {value}" for key, value in storage.items())] if storage else []),
        *(["library:", *(f"  {key}: {value}" for key, value in library.items())] if library else []),
        "logging: {level: DEBUG}",
        "discord:",
        *(f"  {key}: {value}" for key, value in discord_keys.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bot_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(DISCORD_TOKEN=TOKEN, STUDYBOT_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env
