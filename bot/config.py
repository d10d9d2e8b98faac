"""YAML configuration → typed, validated settings. The bot token comes from the environment only.

The file is parsed with PyYAML's safe composer and turned into values by hand, so every error can
name the key and its line, duplicate keys are caught, and no tag can construct a Python object.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from bot.core import semantic, yamlfile
from bot.core.engine import ENGINE_NAMES, EngineOptions
from bot.core.ranking import RerankOptions
from bot.ingest.options import DEFAULT_MAX_BYTES, IngestOptions
from bot.library import LibraryOptions
from bot.library.options import DEFAULT_WATCH_SECONDS, LibraryPolicy
from bot.service.options import ServerLibraryOptions, ServiceOptions
from bot.storage.options import StorageOptions, url_backend

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_DISCORD_ID = 2**63 - 1  # Discord's ids (snowflakes) are positive 64-bit integers


def is_discord_id(value: int) -> bool:
    return 0 < value <= MAX_DISCORD_ID


class ConfigError(Exception):
    """A configuration problem, worded for the moderator who wrote the file."""


def bundled_corpus_dir() -> Path:
    """The corpus/ folder shipped beside the package (a source checkout or editable install)."""
    beside_package = PACKAGE_DIR.parent / "corpus"
    return beside_package if beside_package.is_dir() else Path.cwd() / "corpus"


def default_data_dir() -> Path:
    if env := os.environ.get("STUDYBOT_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "studybot"


@dataclass(frozen=True)
class CorpusSettings:
    path: Path = field(default_factory=bundled_corpus_dir)
    max_file_bytes: int | None = LibraryOptions.max_file_bytes  # the .txt/.md cap; None: ingest.max_bytes
    max_passage_chars: int = LibraryOptions.max_passage_chars
    watch_seconds: float = DEFAULT_WATCH_SECONDS  # how often `studybot run` looks for changed files; 0: never


@dataclass(frozen=True)
class IngestSettings:
    max_bytes: dict[str, int] = field(default_factory=dict)  # per format (pdf, docx, epub, html, txt, md)
    timeout_seconds: float = IngestOptions.timeout_seconds
    max_memory_mb: int = IngestOptions.max_memory_mb
    max_pages: int = IngestOptions.max_pages
    max_unpacked_bytes: int = IngestOptions.max_unpacked_bytes
    max_unpack_ratio: int = IngestOptions.max_unpack_ratio
    max_text_chars: int = IngestOptions.max_text_chars


@dataclass(frozen=True)
class SearchSettings:
    engine: str = EngineOptions.engine
    top_k: int = EngineOptions.top_k
    max_results: int = ServiceOptions.max_results
    quote_chars: int = EngineOptions.quote_chars
    rerank_depth: int = RerankOptions.depth  # the second stage over BM25's best passages; 0: BM25's order
    rerank_whole_paragraphs: bool = RerankOptions.whole_paragraphs
    rerank_sentence_weight: float = RerankOptions.sentence_weight  # the best sentence's BM25 in the second stage
    semantic_weight: float = RerankOptions.semantic_weight  # question-passage similarity (the semantic extra); 0: off
    synonym_weight: float = RerankOptions.synonym_weight  # a question word's synonym in a passage; 0: off
    rerank_title_context: bool = RerankOptions.title_context  # the title's words said in each of its passages
    passage_gate: bool = EngineOptions.passage_gate  # weak unless a shown passage itself carries the question
    passage_floor: float = EngineOptions.passage_floor  # the share of the question's weight it must hold
    name_phrase_gate: bool = EngineOptions.name_phrase_gate  # weak unless a name's words stand together
    quote_long_sentences: bool = EngineOptions.quote_long_sentences  # a long sentence competes by its best cut
    quote_answer_kind: float = EngineOptions.quote_answer_kind  # favour sentences with the asked-for kind of word
    quote_by_sentences: bool = EngineOptions.quote_by_sentences  # a window weighs its sentences' BM25
    quote_fill: bool = EngineOptions.quote_fill  # a short window goes on as far as a question word allows


@dataclass(frozen=True)
class StorageSettings:
    path: Path | None = None  # None: studybot.sqlite3 in the data directory
    url: str | None = None  # sqlite:///PATH or postgresql://USER@HOST:PORT/DB (no password); None: `path`
    pool_size: int = StorageOptions.pool_size
    connect_timeout: float = StorageOptions.connect_timeout
    acquire_timeout: float = StorageOptions.acquire_timeout
    statement_timeout: float = StorageOptions.statement_timeout


@dataclass(frozen=True)
class DiscordSettings:
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    sync_guild_ids: tuple[int, ...] = ()
    sync_on_start: bool = True
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    cooldown_seconds: float = ServiceOptions.cooldown_seconds
    private_by_default: bool = ServiceOptions.private_by_default
    answer_ttl_hours: float = ServiceOptions.answer_ttl_hours
    shutdown_grace_seconds: float = 8.0


@dataclass(frozen=True)
class ServerLibrarySettings:
    """`library:`: every server's own reading list, and who sees the host's corpus folder."""

    shared_for: tuple[int, ...] | str = "all"  # "all", "none", or a list of server ids
    search_shared_beside_own: bool = LibraryPolicy.search_shared_beside_own
    max_loaded: int = LibraryPolicy.max_loaded
    max_documents: int = ServerLibraryOptions.max_documents
    max_total_bytes: int = ServerLibraryOptions.max_total_bytes
    max_passages: int = ServerLibraryOptions.max_passages
    max_file_bytes: int = ServerLibraryOptions.max_file_bytes
    upload_cooldown_seconds: float = ServerLibraryOptions.upload_cooldown_seconds
    attachment_hosts: tuple[str, ...] = ServerLibraryOptions.attachment_hosts


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    data_dir: Path = field(default_factory=default_data_dir)
    storage: StorageSettings = field(default_factory=StorageSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    library: ServerLibrarySettings = field(default_factory=ServerLibrarySettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    @property
    def database_path(self) -> Path:
        """The SQLite file (storage.url when it names one, else storage.path, else in data_dir)."""
        if self.storage.url and url_backend(self.storage.url) == "sqlite":
            return StorageOptions(self.storage.url).sqlite_path
        return self.storage.path or self.data_dir / "studybot.sqlite3"

    def with_corpus(self, path: Path) -> Settings:
        return replace(self, corpus=replace(self.corpus, path=path))


# ---------------------------------------------------------------- reading the file

_SECTIONS = {
    "corpus": CorpusSettings,
    "ingest": IngestSettings,
    "search": SearchSettings,
    "storage": StorageSettings,
    "discord": DiscordSettings,
    "library": ServerLibrarySettings,
    "logging": LoggingSettings,
}


def _env_data_dir_checked() -> None:
    """STUDYBOT_DATA_DIR naming a file, not a folder, is said here, naming it (no config key holds it)."""
    env = os.environ.get("STUDYBOT_DATA_DIR")
    if env and Path(env).exists() and not Path(env).is_dir():
        raise ConfigError(f"STUDYBOT_DATA_DIR names {env}, a file, not a folder: name a folder for the bot's data")


def load_settings(path: Path | None) -> Settings:
    """Read a config file; None means the documented defaults. Raises ConfigError."""
    if path is None:
        _env_data_dir_checked()
        return Settings()
    try:
        text = yamlfile.read_text(Path(path), str(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    except yamlfile.NotUTF8 as exc:
        raise ConfigError(str(exc)) from None
    return parse_settings(text, source=str(path), base_dir=Path(path).resolve().parent)


def parse_settings(text: str, *, source: str = "<config>", base_dir: Path | None = None) -> Settings:
    try:
        root = yamlfile.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(yamlfile.error_text(source, exc)) from None
    if root is None or (root.tag == _TAG + "null" and root.value in ("", "~", "null")):  # empty: defaults
        _env_data_dir_checked()
        return Settings()
    reader = _Reader(source, base_dir or Path.cwd())
    top = reader.mapping(root, "the top level")
    values: dict[str, Any] = {}
    for key, (key_node, value_node) in top.items():
        if key == "data_dir":
            values[key] = reader.path(value_node, key)
        elif key in _SECTIONS:
            values[key] = reader.section(_SECTIONS[key], value_node, key)
        else:
            reader.unknown(key, key_node, ["data_dir", *_SECTIONS])
    settings = Settings(**values)
    _check_values(settings, reader, top)
    if "data_dir" not in top:
        _env_data_dir_checked()
    elif settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise reader.fail(top["data_dir"][1], f"'data_dir' names {settings.data_dir}, a file, not a folder")
    return settings


_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


class _Reader:
    """Turns composed YAML nodes into checked Python values, naming key and line on error."""

    def __init__(self, source: str, base_dir: Path):
        self.source = source
        self.base_dir = base_dir

    def fail(self, node: yaml.Node, message: str) -> ConfigError:
        return ConfigError(f"{self.source}, line {node.start_mark.line + 1}: {message}")

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        self.check_tag(node, what.strip("'"))
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, "a key")
            if not isinstance(key, str):
                raise self.fail(key_node, f"key {key!r} in {what} must be a name")
            if key in ("token", "bot_token", "discord_token"):
                raise self.fail(
                    key_node,
                    f"'{key}': the bot token is never read from a config file; "
                    "set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) in the environment",
                )
            if key in ("password", "database_password"):
                raise self.fail(
                    key_node,
                    f"'{key}': the database password is never read from a config file; "
                    "set STUDYBOT_DATABASE_PASSWORD (or PGPASSWORD, or use a passfile) in the environment",
                )
            if key in out:
                raise self.fail(key_node, yamlfile.duplicate_key(key, key_node.start_mark, out[key][0].start_mark))
            out[key] = (key_node, value_node)
        return out

    def scalar(self, node: yaml.Node, name: str) -> Any:
        self.check_tag(node, name)  # a refused tag is named, whatever the node's shape
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"'{name}' must be a single value")
        if node.tag == _TAG + "timestamp":  # dates stay text
            return node.value
        try:
            return yamlfile.Loader("").construct_object(node)  # plain scalars only: str/int/float/bool/null
        except yaml.YAMLError as exc:
            raise self.fail(node, f"'{name}': {exc.problem}") from None

    def check_tag(self, node: yaml.Node, name: str) -> None:
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(node, f"'{name}': the tag {node.tag} is not allowed in a config file")

    def unknown(self, key: str, node: yaml.Node, known: list[str]) -> None:
        raise self.fail(node, f"unknown key '{key}' (expected one of: {', '.join(known)})")

    def section(self, cls: type, node: yaml.Node, name: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return cls()
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, (key_node, value_node) in self.mapping(node, f"'{name}'").items():
            if key not in known:
                self.unknown(f"{name}.{key}", key_node, [f"{name}.{k}" for k in known])
            values[key] = self.typed(value_node, f"{name}.{key}", known[key].type)
        return cls(**values)

    def typed(self, node: yaml.Node, name: str, type_: str) -> Any:
        """Converts per the dataclass annotation (a string under `from __future__ import annotations`)."""
        optional = type_.endswith("| None")
        base = type_.removesuffix(" | None")
        if optional and isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return None
        if base == "tuple[int, ...] | str":  # a keyword or a list of ids
            if isinstance(node, yaml.SequenceNode):
                return self.typed(node, name, "tuple[int, ...]")
            return self.typed(node, name, "str")
        if base == "tuple[str, ...]":
            self.check_tag(node, name)
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, f"'{name}' must be a list of names")
            return tuple(self.typed(item, f"{name} item", "str") for item in node.value)
        if base == "tuple[int, ...]":
            self.check_tag(node, name)
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, f"'{name}' must be a list of whole numbers")
            return tuple(self.typed(item, f"{name} item", "int") for item in node.value)
        if base == "Path":
            return self.path(node, name)
        if base == "dict[str, int]":
            self.check_tag(node, name)
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, f"'{name}' must be a mapping of names to whole numbers")
            return {key: self.typed(v, f"{name}.{key}", "int") for key, (_, v) in self.mapping(node, name).items()}
        value = self.scalar(node, name)
        if base == "bool" and isinstance(value, bool):
            return value
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if base == "float" and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if base == "str" and isinstance(value, str):
            return value
        kind = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "text"}[base]
        raise self.fail(node, f"'{name}' must be {kind}, not {value!r}")

    def path(self, node: yaml.Node, name: str) -> Path:
        value = self.scalar(node, name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"'{name}' must be a file or folder path")
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


def _check_values(settings: Settings, reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> None:
    """Range checks that types alone do not express."""

    def node_of(section: str, key: str) -> yaml.Node:
        section_node = top[section][1]
        for key_node, value_node in section_node.value:
            if key_node.value == key:
                return value_node
        return section_node

    def require(ok: bool, section: str, key: str, message: str) -> None:
        if not ok and section in top:
            raise reader.fail(node_of(section, key), f"'{section}.{key}' {message}")

    s = settings
    require(s.search.engine in ENGINE_NAMES, "search", "engine", f"must be one of {', '.join(ENGINE_NAMES)}")
    require(1 <= s.search.top_k <= 10, "search", "top_k", "must be between 1 and 10")
    require(s.search.top_k <= s.search.max_results <= 50, "search", "max_results", "must be top_k..50")
    require(120 <= s.search.quote_chars <= 1000, "search", "quote_chars", "must be between 120 and 1000")
    require(0 <= s.search.rerank_depth <= 100, "search", "rerank_depth", "must be between 0 and 100")
    require(0 <= s.search.rerank_sentence_weight <= 5, "search", "rerank_sentence_weight", "must be between 0 and 5")
    require(0 <= s.search.semantic_weight <= 5, "search", "semantic_weight", "must be between 0 and 5")
    require(not s.search.semantic_weight or semantic.available(), "search", "semantic_weight", semantic.NEEDS)
    require(0 <= s.search.synonym_weight <= 1, "search", "synonym_weight", "must be between 0 and 1")
    require(0 <= s.search.passage_floor <= 1, "search", "passage_floor", "must be between 0 and 1")
    require(0 <= s.search.quote_answer_kind <= 1, "search", "quote_answer_kind", "must be between 0 and 1")
    require(s.corpus.max_file_bytes is None or s.corpus.max_file_bytes > 0, "corpus", "max_file_bytes",
            "must be positive")  # fmt: skip
    for name, cap in s.ingest.max_bytes.items():
        require(name in DEFAULT_MAX_BYTES, "ingest", "max_bytes", f"names no format we read: {name!r} "
                f"(formats: {', '.join(DEFAULT_MAX_BYTES)})")  # fmt: skip
        require(cap > 0, "ingest", "max_bytes", f"'{name}' must be a positive number of bytes")
    require(0 < s.ingest.timeout_seconds <= 3600, "ingest", "timeout_seconds", "must be above 0, at most 3600")
    require(64 <= s.ingest.max_memory_mb <= 65536, "ingest", "max_memory_mb", "must be between 64 and 65536")
    for key in ("max_pages", "max_unpacked_bytes", "max_unpack_ratio", "max_text_chars"):
        require(getattr(s.ingest, key) > 0, "ingest", key, "must be a positive whole number")
    require(200 <= s.corpus.max_passage_chars <= 5000, "corpus", "max_passage_chars", "must be 200..5000")
    watch = s.corpus.watch_seconds
    require(watch == 0 or (math.isfinite(watch) and 0.1 <= watch <= 3600), "corpus", "watch_seconds",
            "must be 0 (no watching) or a number of seconds from 0.1 to 3600")  # fmt: skip
    for key in ("api_base_url", "gateway_url"):
        url = getattr(s.discord, key)
        schemes = ("http://", "https://") if key == "api_base_url" else ("ws://", "wss://")
        require(url.startswith(schemes), "discord", key, f"must start with {' or '.join(schemes)}")
    finite = math.isfinite
    cooldown, ttl, grace = s.discord.cooldown_seconds, s.discord.answer_ttl_hours, s.discord.shutdown_grace_seconds
    require(finite(cooldown) and cooldown >= 0, "discord", "cooldown_seconds", "must be a number, 0 or more")
    require(finite(ttl) and ttl > 0, "discord", "answer_ttl_hours", "must be a positive number")
    require(finite(grace) and grace > 0, "discord", "shutdown_grace_seconds", "must be a positive number")
    count = s.discord.shard_count
    require(count is None or count >= 1, "discord", "shard_count", "must be at least 1")
    require(
        s.discord.shard_ids is None or (count is not None and all(0 <= i < count for i in s.discord.shard_ids)),
        "discord",
        "shard_ids",
        "needs discord.shard_count and each id in 0..shard_count-1",
    )
    _check_ids(s.discord.sync_guild_ids, "discord", "sync_guild_ids", require)
    _check_storage(s.storage, require)
    _check_library(s.library, require)
    require(s.logging.level.upper() in LOG_LEVELS, "logging", "level", f"must be one of {', '.join(LOG_LEVELS)}")


def _check_library(library: ServerLibrarySettings, require) -> None:
    shared = library.shared_for
    require(not isinstance(shared, str) or shared in ("all", "none"), "library", "shared_for",
            "must be all, none, or a list of server ids")  # fmt: skip
    if not isinstance(shared, str):
        _check_ids(shared, "library", "shared_for", require)
    require(1 <= library.max_loaded <= 100_000, "library", "max_loaded", "must be between 1 and 100000")
    require(0 <= library.max_documents <= 10_000, "library", "max_documents", "must be between 0 and 10000")
    require(library.max_total_bytes >= 0, "library", "max_total_bytes", "must be 0 or more")
    require(0 <= library.max_passages <= 10_000_000, "library", "max_passages", "must be between 0 and 10000000")
    require(1 <= library.max_file_bytes <= 500_000_000, "library", "max_file_bytes",
            "must be between 1 and 500000000 (Discord's largest attachments)")  # fmt: skip
    cooldown = library.upload_cooldown_seconds
    require(math.isfinite(cooldown) and 0 <= cooldown <= 86_400, "library", "upload_cooldown_seconds",
            "must be a number of seconds, 0..86400")  # fmt: skip
    hosts = library.attachment_hosts
    require(all(h and "/" not in h and ":" not in h and h == h.strip() for h in hosts), "library",
            "attachment_hosts", "must be host names only (no scheme, port or path)")  # fmt: skip


def _check_ids(ids: tuple[int, ...], section: str, key: str, require) -> None:
    bad = next((i for i in ids if not is_discord_id(i)), None)
    require(bad is None, section, key, f"must list server ids, whole numbers from 1 to {MAX_DISCORD_ID} (not {bad})")


def _check_storage(storage: StorageSettings, require) -> None:
    if storage.url is not None:
        try:
            url_backend(storage.url)
            problem = ""
        except ValueError as exc:
            problem = str(exc)  # never the url itself: it may hold a password
        require(not problem, "storage", "url", problem)
        require(storage.path is None, "storage", "url", "and 'storage.path' both name the database; keep one")
    require(2 <= storage.pool_size <= 100, "storage", "pool_size", "must be between 2 and 100")
    for key in ("connect_timeout", "acquire_timeout", "statement_timeout"):
        value = getattr(storage, key)
        ok = math.isfinite(value) and 0 < value <= 60
        require(ok, "storage", key, "must be a number of seconds, above 0, at most 60")


# ---------------------------------------------------------------- the token

class TokenError(Exception):
    pass


def read_token(environ: dict[str, str] | None = None) -> str:
    """DISCORD_TOKEN, or the file named by DISCORD_TOKEN_FILE (container secrets)."""
    env = os.environ if environ is None else environ
    if token := env.get("DISCORD_TOKEN", "").strip():
        return token
    if token_file := env.get("DISCORD_TOKEN_FILE", "").strip():
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenError(f"DISCORD_TOKEN_FILE={token_file}: cannot read it ({exc.strerror})") from None
        if token:
            return token
        raise TokenError(f"DISCORD_TOKEN_FILE={token_file}: the file is empty")
    raise TokenError("no bot token: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) in the environment")
