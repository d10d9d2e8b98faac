"""Bad config files, end to end: `studybot index --config FILE` exits 2 naming the key and its line.

Each fixture is a YAML text; the test writes it to a file, runs the CLI and prints the message it gave
(`pytest -s` shows them). Complements tests/test_config.py, which checks parse_settings directly.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, load_settings

# (YAML text, the line the message must name, words the message must hold)
BAD = {
    "unknown-key-top-level": ("corpus:\n  max_file_bytes: 1000\ncolour: red\n", 3, ["unknown key 'colour'"]),
    "unknown-key-nested": (
        "discord:\n  sync_on_start: true\n  intents: all\n",
        3,
        ["unknown key 'discord.intents'", "discord.sync_on_start"],
    ),
    "duplicate-key-top-level": (
        "search:\n  top_k: 3\nlogging:\n  level: INFO\nsearch:\n  top_k: 4\n",
        5,
        ["duplicate key 'search'", "first defined on line 1"],
    ),
    "duplicate-key-nested": (
        "corpus:\n  max_passage_chars: 300\n  max_file_bytes: 10\n  max_passage_chars: 400\n",
        4,
        ["duplicate key 'max_passage_chars'", "first defined on line 2"],
    ),
    "string-for-int": ("corpus:\n  max_file_bytes: lots\n", 2, ["'corpus.max_file_bytes'", "whole number", "'lots'"]),
    "quoted-int": ("corpus:\n  max_passage_chars: '300'\n", 2, ["'corpus.max_passage_chars'", "whole number"]),
    "bool-for-int": ("search:\n  top_k: true\n", 2, ["'search.top_k'", "whole number"]),
    "list-for-mapping": ("search:\n  - top_k\n  - 3\n", 2, ["'search'", "mapping"]),
    "flow-list-for-mapping": ("logging: [DEBUG]\n", 1, ["'logging'", "mapping"]),
    "mapping-for-scalar": ("search:\n  top_k:\n    value: 3\n", 3, ["'search.top_k'", "single value"]),
    "mapping-for-list": ("discord:\n  sync_guild_ids: {a: 1}\n", 2, ["'discord.sync_guild_ids'", "list"]),
    "list-for-path": ("data_dir: [a, b]\n", 1, ["'data_dir'", "single value"]),
    "document-is-a-list": ("- corpus\n- search\n", 1, ["top level", "mapping"]),
    "document-is-a-scalar": ("42\n", 1, ["top level", "mapping"]),
    "document-is-a-string": ("studybot config\n", 1, ["top level", "mapping"]),
    "token-top-level": ("token: abc.def.ghi\n", 1, ["'token'", "environment", "DISCORD_TOKEN"]),
    "bot-token-in-discord": ("discord:\n  bot_token: abc.def.ghi\n", 2, ["'bot_token'", "environment"]),
    "discord-token-after-other-keys": (
        "search:\n  top_k: 3\ndiscord:\n  sync_on_start: false\n  discord_token: x\n",
        5,
        ["'discord_token'", "environment", "DISCORD_TOKEN_FILE"],
    ),
}


def _run(tmp_path: Path, name: str, text: str, capsys) -> tuple[Path, int, str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["index", "--config", str(path)])
    captured = capsys.readouterr()
    print(f"\n[config:{name}] exit {code}: {captured.err.strip()}")
    return path, code, captured.err


@pytest.mark.parametrize("name", list(BAD))
def test_bad_config_exits_2_naming_key_and_line(tmp_path, capsys, name):
    text, line, words = BAD[name]
    path, code, err = _run(tmp_path, name, text, capsys)
    assert code == 2
    assert err.startswith("studybot: config error: ")
    assert f"{path}, line {line}: " in err
    for word in words:
        assert word in err
    assert err.count("\n") == 1  # one line, no traceback


def test_invalid_yaml_syntax_exits_2_with_its_line(tmp_path, capsys):
    path, code, err = _run(tmp_path, "syntax", "search:\n  top_k: 3\n  engine: [numpy\n", capsys)
    assert code == 2
    assert f"{path}, line 4, column 1: not valid YAML" in err
    assert "Traceback" not in err


def test_several_documents_are_refused(tmp_path, capsys):
    path, code, err = _run(tmp_path, "multi", "search:\n  top_k: 3\n---\nsearch:\n  top_k: 4\n", capsys)
    assert code == 2
    assert f"{path}, line 3, column 1: not valid YAML" in err and "single document" in err


# ---------------------------------------------------------------- a tag that would run a command

PAYLOAD = '!!python/object/apply:os.system ["touch {marker}"]'
# (YAML text with the payload, the line, words naming where it sits)
TAGGED = {
    "whole-document": ("{payload}\n", 1, ["top level"]),
    "section-value": ("search: {payload}\n", 1, ["'search'"]),
    "leaf-value": ("search:\n  top_k: {payload}\n", 2, ["'search.top_k'"]),
    "list-item": ("discord:\n  shard_count: 2\n  shard_ids: [0, {payload}]\n", 3, ["'discord.shard_ids item'"]),
    "complex-key": ("corpus:\n  ? {payload}\n  : 1\n", 2, ["key"]),
    "data-dir": ("data_dir: {payload}\n", 1, ["'data_dir'"]),
}


@pytest.fixture
def marker():
    """A fresh /tmp/pwned-<random> path that must never come to exist."""
    path = Path(tempfile.gettempdir()) / f"pwned-{uuid.uuid4().hex}"
    yield path
    if path.exists():  # clean up after a failure, and let the assertion below have said so
        path.unlink()


@pytest.mark.parametrize("name", list(TAGGED))
def test_python_tag_is_refused_and_nothing_runs(tmp_path, capsys, marker, name):
    template, line, words = TAGGED[name]
    text = template.format(payload=PAYLOAD.format(marker=marker))
    path, code, err = _run(tmp_path, f"tag-{name}", text, capsys)
    assert code == 2
    assert not marker.exists(), "the YAML tag ran a shell command"
    assert f"{path}, line {line}: " in err
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    ("template", "line"), [(TAGGED[k][0], TAGGED[k][1]) for k in ("whole-document", "section-value")]
)
def test_python_tag_on_a_mapping_position_is_named(tmp_path, capsys, marker, template, line):
    path, code, err = _run(tmp_path, "evil", template.format(payload=PAYLOAD.format(marker=marker)), capsys)
    assert (
        code == 2
        and not marker.exists()
        and "the tag tag:yaml.org,2002:python/object/apply:os.system is not allowed" in err
    )


@pytest.mark.parametrize("name", ["leaf-value", "list-item", "complex-key", "data-dir"])
def test_python_tag_in_a_scalar_position_is_named(tmp_path, capsys, marker, name):
    template, _line, _words = TAGGED[name]
    _path, code, err = _run(tmp_path, f"tag-{name}", template.format(payload=PAYLOAD.format(marker=marker)), capsys)
    assert code == 2 and not marker.exists()
    assert "the tag tag:yaml.org,2002:python/object/apply:os.system is not allowed" in err


# ---------------------------------------------------------------- empty files mean the defaults

EMPTY = {
    "zero-bytes": b"",
    "blank-lines": b"\n\n   \n",
    "comments-only": b"# studybot config\n# nothing set yet\n",
    "utf8-bom-only": b"\xef\xbb\xbf",
    "document-marker-only": b"---\n",
}


@pytest.mark.parametrize("data", list(EMPTY.values()), ids=list(EMPTY))
def test_empty_config_means_defaults(tmp_path, capsys, monkeypatch, data):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(data_dir))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("An article\n\nThe treaty was signed in the spring.\n", encoding="utf-8")
    path = tmp_path / "empty.yaml"
    path.write_bytes(data)

    assert load_settings(path) == Settings()
    code = main(["index", "--config", str(path), "--corpus", str(corpus)])
    captured = capsys.readouterr()
    print(f"\n[config:empty {data!r}] exit {code}: {captured.out.strip().splitlines()[-1]}")
    assert code == 0, captured.err
    assert "1 article, 1 passage, " in captured.out
    assert list((data_dir / "index").glob("*/fingerprint"))  # the defaults' data_dir, redirected here
