"""The repository itself: CI proves the README, no secret is committed, every config key is documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Discord bot tokens (base64 user id . timestamp . HMAC), and other credentials that must never be committed.
SECRET_PATTERNS = {
    "Discord bot token": re.compile(r"[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}"),
    "token assignment": re.compile(r"(?i)\bDISCORD_TOKEN\s*[=:]\s*['\"]?[A-Za-z\d._-]{30,}"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}


def repository_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        return [ROOT / name for name in listed if (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: scan the tree
        skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def test_no_secret_in_the_repository():
    found = []
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for what, pattern in SECRET_PATTERNS.items():
            found += [f"{path.relative_to(ROOT)}: {what}" for _ in pattern.finditer(text)]
    print(f"\nsecret scan: {len(repository_files())} files, {len(found)} findings")
    assert not found


def test_the_scan_would_catch_a_token():  # the sample is built here, so this file holds none
    fake = ".".join(["MTAxNjg4NjA2MzEyNzM4OTQ0Mg", "GhXkQp", "abcdefghijklmnopqrstuvwxyz0123456789ab"])
    assert SECRET_PATTERNS["Discord bot token"].search(fake)
    assert SECRET_PATTERNS["token assignment"].search(f"DISCORD_TOKEN={fake}")


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line and not line.startswith("#") and not line.startswith(("set ", "cd "))]  # fmt: skip
    assert len(ci) == 1 and ci[0] in readme


def test_readme_documents_every_cli_command():
    from bot.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    for name in commands:
        assert f"studybot {name}" in readme, name


def test_the_image_is_built_from_every_file_the_package_build_reads():
    """The Dockerfile's build stage copies pyproject.toml and setup.py (without setup.py the C
    extensions are silently skipped and the image scores with numpy) and has a compiler for them."""
    build_stage = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[1]
    copied = {name for line in build_stage.splitlines() if line.startswith("COPY ") for name in line.split()[1:-1]}
    assert {"pyproject.toml", "setup.py"} <= copied and "gcc" in build_stage


@pytest.mark.parametrize(("extras", "installed"), [("", "."), ("semantic", ".[semantic]"),
                                                   ("semantic,langid", ".[semantic,langid]")])  # fmt: skip
def test_the_images_build_argument_names_the_extras_pip_installs(extras, installed):
    """`docker build --build-arg EXTRAS=...`: the build stage's install line, run by sh as Docker runs it
    (pip replaced by echo), asks pip for the package with those extras, or for the bare package."""
    build_stage = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[1]
    assert 'ARG EXTRAS=""' in build_stage
    (install,) = [line[4:] for line in build_stage.splitlines() if line.startswith("RUN ") and "pip install" in line]
    command = install.replace("/opt/studybot/bin/pip install --no-cache-dir", "echo")
    done = subprocess.run(["sh", "-c", command], env={"EXTRAS": extras}, capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == installed
