import dataclasses
import os
import re
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, TokenError, load_settings, parse_settings, read_token

ROOT = Path(__file__).resolve().parent.parent


def all_keys(cls=Settings, prefix="") -> list[str]:
    keys = []
    for f in dataclasses.fields(cls):
        value = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(value):
            keys += all_keys(type(value), f"{prefix}{f.name}.")
        else:
            keys.append(prefix + f.name)
    return keys


def test_example_config_is_valid_and_documents_every_key():
    settings = load_settings(ROOT / "config.example.yaml")
    assert settings.search.top_k == 3
    text = (ROOT / "config.example.yaml").read_text()
    readme = (ROOT / "README.md").read_text()
    for key in all_keys():
        assert f"{key.rsplit('.', 1)[-1]}:" in text, f"config.example.yaml does not document {key}"
        assert f"`{key}`" in readme, f"README does not document {key}"


def test_no_file_and_empty_file_mean_defaults(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_settings(None) == Settings()
    assert load_settings(empty) == Settings()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("search:\n  top_k: 3\n  bogus: 1\n", 3, ["unknown key", "search.bogus"]),
        ("search:\n  top_k: 3\n  top_k: 4\n", 3, ["duplicate key", "top_k", "line 2"]),
        ("search:\n  top_k: three\n", 2, ["search.top_k", "whole number"]),
        ("discord:\n  sync_on_start: 1\n", 2, ["discord.sync_on_start", "true or false"]),
        ("discord:\n  sync_guild_ids: 5\n", 2, ["discord.sync_guild_ids", "list"]),
        ("discord:\n  sync_guild_ids: [5, 0]\n", 2, ["discord.sync_guild_ids", "server ids", "not 0"]),
        (f"discord:\n  sync_guild_ids: [{2**63}]\n", 2, ["discord.sync_guild_ids", f"not {2**63}"]),
        ("- a\n- b\n", 1, ["mapping"]),
        ("just text\n", 1, ["mapping"]),
        ("search:\n  engine: elastic\n", 2, ["search.engine", "numpy"]),
        ("search:\n  top_k: 0\n", 2, ["search.top_k"]),
        ("search:\n  passage_floor: 1.5\n", 2, ["search.passage_floor", "between 0 and 1"]),
        ("search:\n  quote_answer_kind: -1\n", 2, ["search.quote_answer_kind", "between 0 and 1"]),
        ("search:\n  rerank_sentence_weight: 9\n", 2, ["search.rerank_sentence_weight", "between 0 and 5"]),
        ("discord:\n  api_base_url: ftp://x\n", 2, ["discord.api_base_url"]),
        ("discord:\n  token: abc.def\n", 2, ["token", "DISCORD_TOKEN"]),
        ("logging:\n  level: LOUD\n", 2, ["logging.level"]),
        ("search:\n  top_k: !!int three\n", 2, ["'search.top_k': 'three' is not a valid !!int"]),
        ("discord:\n  sync_on_start: !!bool maybe\n", 2, ["'discord.sync_on_start': 'maybe' is not a valid !!bool"]),
    ],
)
def test_bad_config_names_key_and_line(text, line, words):
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, source="bad.yaml")
    message = str(caught.value)
    assert f"bad.yaml, line {line}" in message
    for word in words:
        assert word in message


def test_a_config_file_that_is_not_utf8_is_said_as_a_manifest_says_it(tmp_path):
    """Not Python's codec message with a byte offset: the line, the byte, and what to do."""
    path = tmp_path / "bot.yaml"
    path.write_bytes("search:\n  top_k: 3\n# caf\u00e9\n".encode("cp1252"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}, line 3: not UTF-8 text (the byte 0xe9); save the file as UTF-8"


def test_a_duplicate_key_names_the_line_of_its_first_definition():
    with pytest.raises(ConfigError) as caught:
        parse_settings("search:\n  top_k: 3\n  top_k: 4\n", source="bad.yaml")
    assert str(caught.value) == "bad.yaml, line 3: duplicate key 'top_k' (first defined on line 2)"


def test_python_tags_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"search: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ConfigError, match="tag"):
        parse_settings(text, source="evil.yaml")
    assert not marker.exists()


def test_cli_exits_2_on_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("search:\n  top_k: [1]\n")
    assert main(["ask", "anything", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml, line 2" in err and "search.top_k" in err


def test_relative_paths_resolve_beside_the_config_file(tmp_path):
    config = tmp_path / "conf" / "c.yaml"
    config.parent.mkdir()
    config.write_text("corpus:\n  path: articles\nstorage:\n  path: db/bot.sqlite3\n")
    settings = load_settings(config)
    assert settings.corpus.path == config.parent / "articles"
    assert settings.database_path == config.parent / "db" / "bot.sqlite3"


def test_token_comes_from_environment_or_token_file(tmp_path):
    assert read_token({"DISCORD_TOKEN": " abc \n"}) == "abc"
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    assert read_token({"DISCORD_TOKEN_FILE": str(secret)}) == "from-file"
    with pytest.raises(TokenError, match="DISCORD_TOKEN"):
        read_token({})
    with pytest.raises(TokenError, match="DISCORD_TOKEN_FILE"):
        read_token({"DISCORD_TOKEN_FILE": str(tmp_path / "missing")})


def test_storage_url_names_sqlite_or_postgresql_and_defaults_come_from_storage_options():
    from bot.storage import StorageOptions

    default = parse_settings("storage:\n  path: /srv/bot.sqlite3\n").storage
    assert (default.url, default.pool_size, default.acquire_timeout) == (
        None, StorageOptions.pool_size, StorageOptions.acquire_timeout
    )
    sqlite = parse_settings("storage:\n  url: sqlite:///srv/studybot/bot.sqlite3\n")
    assert sqlite.database_path == Path("/srv/studybot/bot.sqlite3")
    postgres = parse_settings("storage:\n  url: postgresql://bot@db.internal:5432/studybot\n  pool_size: 4\n")
    assert (postgres.storage.url, postgres.storage.pool_size) == ("postgresql://bot@db.internal:5432/studybot", 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("storage:\n  url: mysql://bot@db/studybot\n", "line 2: 'storage.url' must start with sqlite:/// or postgresql://"),
        ("storage:\n  url: sqlite://relative.db\n", "'storage.url' must be sqlite:///PATH"),
        ("storage:\n  url: sqlite:///relative.db\n", "/relative.db, a file at the root of the filesystem"),
        ("storage:\n  url: postgresql://bot:hunter2@db/studybot\n", "'storage.url' carries a password"),
        ("storage:\n  url: postgresql://bot@db/s?password=hunter2\n", "'storage.url' carries a password"),
        ("storage:\n  password: hunter2\n", "STUDYBOT_DATABASE_PASSWORD"),
        ("storage:\n  path: a.db\n  url: sqlite:///srv/b.db\n", "both name the database"),
        ("storage:\n  pool_size: 1\n", "'storage.pool_size' must be between 2 and 100"),
        ("storage:\n  acquire_timeout: 0\n", "'storage.acquire_timeout' must be a number of seconds"),
        ("storage:\n  statement_timeout: .nan\n", "'storage.statement_timeout' must be a number of seconds"),
    ],
)
def test_bad_storage_settings_name_the_key_and_never_echo_a_password(text: str, message: str):
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        parse_settings(text, source="bot.yaml")
    assert "hunter2" not in str(caught.value)


def test_library_section_reads_keywords_lists_and_names_the_bad_key():
    from bot.wiring import library_policy, server_library_options

    settings = parse_settings("library:\n  shared_for: [1, 2]\n  max_documents: 3\n  attachment_hosts: [127.0.0.1]\n")
    assert library_policy(settings).shared_for == (1, 2)
    assert server_library_options(settings).max_documents == 3
    assert server_library_options(settings).attachment_hosts == ("127.0.0.1",)
    assert library_policy(parse_settings("library:\n  shared_for: none\n")).shared_for == ()
    assert library_policy(parse_settings("library:\n  shared_for: all\n")).shared_for is None
    assert library_policy(Settings()).sees_shared(12345)
    for text, key in (
        ("library:\n  shared_for: some\n", "library.shared_for"),
        ("library:\n  shared_for: [5, -1]\n", "library.shared_for"),
        ("library:\n  max_loaded: 0\n", "library.max_loaded"),
        ("library:\n  upload_cooldown_seconds: -1\n", "library.upload_cooldown_seconds"),
        ("library:\n  attachment_hosts: [https://cdn.discordapp.com/]\n", "library.attachment_hosts"),
        ("library:\n  attachment_hosts: cdn.discordapp.com\n", "library.attachment_hosts"),
        ("library:\n  max_file_bytes: 0\n", "library.max_file_bytes"),
        ("library:\n  shelves: 3\n", "library.shelves"),
    ):
        with pytest.raises(ConfigError, match=re.escape(f"'{key}'")):
            parse_settings(text)


def test_ingest_caps_per_format_reach_the_loader():
    from bot.wiring import library_options

    settings = parse_settings("ingest:\n  max_bytes: {pdf: 80000000, txt: 100}\n  timeout_seconds: 5\n")
    options = library_options(settings).ingest
    assert options.max_bytes_for("pdf") == (80_000_000, "ingest.max_bytes.pdf")
    assert options.max_bytes_for("txt") == (100, "ingest.max_bytes.txt") and options.timeout_seconds == 5
    limited = library_options(parse_settings("ingest: {max_pages: 7, max_unpack_ratio: 9}\n")).ingest.limits_for("pdf")
    assert (limited.max_pages, limited.max_unpack_ratio) == (7, 9)


def test_answer_quality_switches_reach_the_engine():
    from bot.wiring import engine_options

    text = (
        "search: {passage_floor: 0.5, name_phrase_gate: false, quote_long_sentences: false, quote_answer_kind: 0.2,"
        " rerank_sentence_weight: 0, quote_by_sentences: false, rerank_title_context: false, quote_fill: false}"
    )
    options = engine_options(parse_settings(text))
    assert (options.rerank.sentence_weight, options.quote_by_sentences) == (0, False)
    assert options.rerank.title_context is False and options.quote_fill is False
    assert (options.passage_floor, options.name_phrase_gate) == (0.5, False)
    assert (options.quote_long_sentences, options.quote_answer_kind) == (False, 0.2)
    defaults = engine_options(parse_settings(""))
    assert (defaults.passage_floor, defaults.name_phrase_gate, defaults.quote_long_sentences) == (0.3, True, True)
    assert defaults.rerank.title_context is True and defaults.quote_fill is True


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ingest:\n  max_bytes: {pages: 10}\n", "names no format we read: 'pages'"),
        ("ingest:\n  max_bytes: {pdf: -1}\n", "'pdf' must be a positive number of bytes"),
        ("ingest:\n  max_bytes: 5\n", "must be a mapping of names to whole numbers"),
        ("ingest:\n  timeout_seconds: 0\n", "'ingest.timeout_seconds' must be above 0"),
        ("ingest:\n  max_pages: 0\n", "'ingest.max_pages' must be a positive whole number"),
    ],
)
def test_bad_ingest_keys_are_named(text, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        parse_settings(text)


def test_corpus_watch_seconds_defaults_to_a_few_seconds_and_names_the_key_when_bad():
    assert 0 < Settings().corpus.watch_seconds <= 5  # a change lands within two polls and a rebuild
    assert parse_settings("corpus:\n  watch_seconds: 0\n").corpus.watch_seconds == 0  # off
    assert parse_settings("corpus:\n  watch_seconds: 0.5\n").corpus.watch_seconds == 0.5
    for bad in ("-1", "0.01", ".nan", "7200", "often"):
        with pytest.raises(ConfigError, match=re.escape("'corpus.watch_seconds'")):
            parse_settings(f"corpus:\n  watch_seconds: {bad}\n", source="bot.yaml")


def test_a_data_dir_that_is_a_file_names_the_key_or_the_environment_variable(tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("not a folder\n", encoding="utf-8")
    config = tmp_path / "bot.yaml"
    config.write_text(f"search:\n  top_k: 3\ndata_dir: {afile}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"bot.yaml, line 3: 'data_dir' names {afile}, a file, not a folder"):
        load_settings(config)
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(afile))
    plain = tmp_path / "plain.yaml"
    plain.write_text("search:\n  top_k: 3\n", encoding="utf-8")
    for path in (None, plain):
        with pytest.raises(ConfigError, match=f"STUDYBOT_DATA_DIR names {afile}, a file, not a folder"):
            load_settings(path)


def test_a_pipe_given_as_the_config_file_is_refused_not_waited_on(tmp_path):
    pipe = tmp_path / "config.yaml"
    os.mkfifo(pipe)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_settings(pipe)
        except BaseException as exc:  # noqa: BLE001 — handed to the test's thread
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)  # before: blocked forever, waiting for a writer
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "load_settings waited on the pipe"
    assert isinstance(outcome[0], ConfigError) and "not a regular file" in str(outcome[0])
