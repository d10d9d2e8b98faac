"""Deployment options over the wire: on-demand sync, global sync, sharding, answer expiry, bad tokens."""

from __future__ import annotations

import asyncio
import sys

import pytest

from testing.bot_process import GUILD, OTHER_GUILD, TOKEN, BotProcess, bot_env, write_config

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def run_cli(*args: str, env: dict, timeout: float = 60) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode()


async def test_sync_on_demand_registers_commands_in_the_listed_guilds(fake, tmp_path):
    fake.commands.clear()
    config = write_config(tmp_path / "c.yaml", fake, tmp_path / "data", sync_on_start="false")
    code, out = await run_cli("sync", "--config", str(config), env=bot_env(tmp_path / "data"))
    assert code == 0, out
    for guild in (GUILD, OTHER_GUILD):
        names = {c["name"] for c in fake.commands[guild]}
        assert names == {"ask", "source", "settings", "stats", "library", "Find sources", "Add to reading list"}
    assert TOKEN not in out


async def test_sync_globally_when_no_guild_is_listed(fake, tmp_path):
    fake.commands.clear()
    config = write_config(tmp_path / "c.yaml", fake, tmp_path / "data")
    text = config.read_text().replace(f"  sync_guild_ids: [{GUILD}, {OTHER_GUILD}]\n", "")
    config.write_text(text)
    code, out = await run_cli("sync", "--config", str(config), env=bot_env(tmp_path / "data"))
    assert code == 0, out
    assert {c["name"] for c in fake.commands["global"]} >= {"ask", "source"}


async def test_sync_refused_by_discord_is_one_line_not_a_traceback(fake, tmp_path):
    fake.fail_next("PUT", "/applications/*/commands", 403, {"message": "Missing Access", "code": 50001})
    config = write_config(tmp_path / "c.yaml", fake, tmp_path / "data", sync_on_start="false")
    code, out = await run_cli("sync", "--config", str(config), env=bot_env(tmp_path / "data"))
    lines = [line for line in out.splitlines() if line.strip() and " | " not in line]  # not log lines
    assert code == 1 and "Traceback" not in out, out
    assert len(lines) == 1 and "Discord refused a request while registering the commands" in lines[0], out
    assert not fake.pending_injections() and TOKEN not in out


async def test_wrong_token_is_a_clear_error_without_the_token(fake, tmp_path):
    env = bot_env(tmp_path / "data") | {"DISCORD_TOKEN": "not-the-right-token-XYZ"}
    config = write_config(tmp_path / "c.yaml", fake, tmp_path / "data")
    code, out = await run_cli("run", "--config", str(config), env=env)
    assert code == 1 and "refused the token" in out and "not-the-right-token-XYZ" not in out


async def test_missing_token_names_the_variable(tmp_path, fake):
    env = {k: v for k, v in bot_env(tmp_path / "data").items() if k != "DISCORD_TOKEN"}
    config = write_config(tmp_path / "c.yaml", fake, tmp_path / "data")
    code, out = await run_cli("run", "--config", str(config), env=env)
    assert code == 2 and "DISCORD_TOKEN" in out


async def test_sharded_bot_answers_and_expired_answers_disable_their_buttons(fake, tmp_path):
    fake.commands.clear()
    data = tmp_path / "data"
    config = write_config(
        tmp_path / "c.yaml", fake, data, shard_count=1, cooldown_seconds=0, answer_ttl_hours=0.0005
    )  # answers expire after 1.8 s
    bot = BotProcess(config, data, tmp_path / "bot.log", bot_env(data))
    await bot.start(fake)
    try:
        identify = [m["d"] for m in fake.gateway_received if m.get("op") == 2][-1]
        assert identify["shard"] == [0, 1]  # the auto-sharded client identified as shard 0 of 1
        interaction = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?"})
        reply = await interaction.wait_for(timeout=15)
        vote = next(c["custom_id"] for row in reply["components"] for c in row["components"] if ":up" in c["custom_id"])
        await asyncio.sleep(2.0)
        late = await fake.click(interaction.original, vote)
        edited = await late.wait_for(timeout=10)
        assert late.callback_types[0] == 7
        assert all(c["disabled"] for row in edited["components"] for c in row["components"])
        notice = await late.wait_for(lambda m: "expired" in (m.get("content") or ""), timeout=10)
        assert notice["flags"] & 64
    finally:
        assert await bot.stop() == 0
