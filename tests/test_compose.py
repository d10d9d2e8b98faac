"""compose.yaml: PostgreSQL and two shard processes. Docker does not run in the suite, so this checks the
file's structure: the services, the shards they run (each config valid, all shards covered once), the
database they share, the start order, and that no secret value is written in it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import load_settings
from bot.storage.options import url_backend

ROOT = Path(__file__).resolve().parents[1]
INTERPOLATED = re.compile(r"\$\{(?P<name>[A-Z_]+):\?[^}]+\}")  # ${NAME:?message}: required, from the environment


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def shard_services(spec: dict) -> dict[str, dict]:
    return {name: s for name, s in spec["services"].items() if s.get("build")}


def shard_config(service: dict):
    command = service["command"]
    inside = Path(command[command.index("--config") + 1])
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}
    host = next(ROOT / src / inside.relative_to(dst) for dst, src in mounted.items() if inside.is_relative_to(dst))
    return load_settings(host)


def test_postgres_and_two_shards_built_from_the_dockerfile():
    spec = compose()
    shards = shard_services(spec)
    assert set(spec["services"]) == {"postgres", *shards} and len(shards) == 2
    for service in shards.values():
        assert (ROOT / service["build"] / "Dockerfile").is_file()
        assert service["command"][0] == "run"


def test_each_shard_runs_its_own_shard_of_two_on_the_shared_database():
    spec = compose()
    postgres = spec["services"]["postgres"]["environment"]
    settings = [shard_config(s) for s in shard_services(spec).values()]
    assert {s.discord.shard_count for s in settings} == {2}
    assert sorted(i for s in settings for i in s.discord.shard_ids) == [0, 1]  # every shard once
    assert sum(s.discord.sync_on_start for s in settings) == 1  # one process registers the commands
    for s in settings:
        assert url_backend(s.storage.url) == "postgresql"  # refuses a url with a password in it
        assert s.storage.url == f"postgresql://{postgres['POSTGRES_USER']}@postgres:5432/{postgres['POSTGRES_DB']}"


def test_shards_start_after_postgres_is_healthy():
    spec = compose()
    check = spec["services"]["postgres"]["healthcheck"]
    assert "pg_isready" in " ".join(check["test"])
    for service in shard_services(spec).values():
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_secrets_come_from_the_environment_only():
    spec = compose()
    shards = shard_services(spec)
    for service in shards.values():
        env = service["environment"]
        assert set(env) == {"DISCORD_TOKEN", "STUDYBOT_DATABASE_PASSWORD"}
        assert [INTERPOLATED.fullmatch(v)["name"] for v in env.values()] == ["DISCORD_TOKEN", "POSTGRES_PASSWORD"]
    password = spec["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert INTERPOLATED.fullmatch(password)["name"] == "POSTGRES_PASSWORD"
    for key, value in (line.split("=", 1) for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
                       if line and not line.startswith("#")):  # fmt: skip
        assert value == "", f"deploy/env.example gives {key} a value"
    for ignore in (".gitignore", ".dockerignore"):  # .env holds the secrets: never committed, never in an image
        assert ".env" in (ROOT / ignore).read_text().split(), ignore
