"""What every backend shares: argument checks, row → record, migrations on disk, outages, the change feed."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple

from bot.core.models import Article, article_from_dict, article_to_dict, with_article_id
from bot.storage.errors import QuotaExceeded, StorageError, StorageUnavailable
from bot.storage.records import (
    AnswerRecord,
    Change,
    DocumentQuota,
    DocumentRecord,
    DocumentStats,
    DocumentUse,
    ExcerptRecord,
    GuildSettings,
    LibraryUsage,
)

log = logging.getLogger("studybot.storage")

ANSWER_ID = re.compile(r"[0-9a-f]{12}")
SETTING_KEYS = ("top_k", "private_default", "cooldown_seconds", "channel_ids", "blocked_channel_ids",
                "librarian_role_id", "threads")  # fmt: skip
CHANNEL_EDITS = ("allow_channel", "disallow_channel", "all_channels")
SETTINGS_CHANGED = "settings"
LIBRARY_CHANGED = "library"
DOCUMENT_ID = re.compile(r"[0-9a-f]{10}")
EDITABLE_DOCUMENT_FIELDS = ("title", "author", "date", "url")


def is_answer_id(answer_id: object) -> bool:
    return isinstance(answer_id, str) and ANSWER_ID.fullmatch(answer_id) is not None


def check_vote(value: object) -> None:
    if isinstance(value, bool) or value not in (1, -1):
        raise ValueError(f"feedback must be +1 or -1, not {value!r}")


def normalize_question(question: str) -> str:
    """The grouping key for "the same question": casefolded, whitespace collapsed."""
    return " ".join(question.split()).casefold()


def split_setting_changes(changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain settings with their types fixed, channel edits); ValueError naming unknown keys."""
    changes = dict(changes)
    edits = {key: changes.pop(key) for key in CHANNEL_EDITS if key in changes}
    unknown = sorted(set(changes) - set(SETTING_KEYS))
    if unknown:
        raise ValueError(f"unknown guild setting(s): {', '.join(unknown)}")
    for key in ("channel_ids", "blocked_channel_ids"):
        if key in changes:
            changes[key] = tuple(int(c) for c in changes[key] or ())
    for key in ("top_k", "cooldown_seconds", "librarian_role_id"):
        if changes.get(key) is not None:
            changes[key] = int(changes[key])
    for key in ("private_default", "threads"):
        if changes.get(key) is not None:
            changes[key] = bool(changes[key])
    return changes, edits


def merge_settings(current: GuildSettings, changes: dict[str, Any], edits: dict[str, Any]) -> GuildSettings:
    """`current` with the checked `changes` and channel `edits` (from split_setting_changes) applied."""
    if edits:
        allowed = changes.get("channel_ids", current.channel_ids)
        blocked = changes.get("blocked_channel_ids", current.blocked_channel_ids)
        allowed, blocked = _edit_channels(allowed, blocked, **edits)
        changes = {**changes, "channel_ids": allowed, "blocked_channel_ids": blocked}
    return dataclasses.replace(current, **changes)


def _edit_channels(
    allowed, blocked, allow_channel: int | None = None, disallow_channel: int | None = None, all_channels: bool = False
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(allowed, blocked) channels after the edits, in this order: every channel again, allow one, stop one.

    Allowing a blocked channel unblocks it; allowing another makes it one of the only channels
    answered. Stopping an allowed channel takes it off the list, and stopping the last one blocks
    it: the bot stops there and goes on answering elsewhere (it never starts answering everywhere
    instead). Stopping any other channel blocks it, a thread of an allowed channel included."""
    allowed, blocked = ([], []) if all_channels else ([int(c) for c in allowed], [int(c) for c in blocked])
    if allow_channel is not None:
        channel = int(allow_channel)
        if channel in blocked:
            blocked.remove(channel)
        elif channel not in allowed:
            allowed.append(channel)
    if disallow_channel is not None:
        channel = int(disallow_channel)
        if channel in allowed:
            allowed.remove(channel)
            if not allowed:
                blocked.append(channel)
        elif channel not in blocked:
            blocked.append(channel)
    return tuple(allowed), tuple(blocked)


def settings_record(row: Mapping[str, Any] | None) -> GuildSettings:
    if row is None:
        return GuildSettings()
    return GuildSettings(
        top_k=row["top_k"],
        private_default=None if row["private_default"] is None else bool(row["private_default"]),
        cooldown_seconds=row["cooldown_seconds"],
        channel_ids=tuple(json.loads(row["channel_ids"])),
        blocked_channel_ids=tuple(json.loads(row["blocked_channel_ids"])),
        librarian_role_id=row["librarian_role_id"],
        threads=None if row["threads"] is None else bool(row["threads"]),
    )


def settings_values(guild_id: int, settings: GuildSettings) -> tuple:
    """The guild_settings row, in the column order of SETTINGS_COLUMNS."""
    return (
        guild_id,
        settings.top_k,
        settings.private_default,
        settings.cooldown_seconds,
        json.dumps(list(settings.channel_ids)),
        json.dumps(list(settings.blocked_channel_ids)),
        settings.librarian_role_id,
        settings.threads,
    )


SETTINGS_COLUMNS = (
    "guild_id", "top_k", "private_default", "cooldown_seconds", "channel_ids", "blocked_channel_ids",
    "librarian_role_id", "threads",
)  # fmt: skip


# -- documents ----------------------------------------------------------------------------------


def is_document_id(document_id: object) -> bool:
    return isinstance(document_id, str) and DOCUMENT_ID.fullmatch(document_id) is not None


def new_document_id() -> str:
    return secrets.token_hex(5)


DOCUMENT_COLUMNS = (
    "id", "guild_id", "filename", "content_type", "size", "sha256", "title", "author", "date", "url",
    "added_by", "added_at", "passages", "footnotes", "first_page", "last_page", "warnings",
)  # fmt: skip
DOCUMENT_SELECT = ", ".join(DOCUMENT_COLUMNS)  # every column but the bytes and the parsed article


def document_values(document_id: str, record: DocumentRecord) -> tuple:
    """The documents row for `record` in DOCUMENT_COLUMNS order (then content and article follow)."""
    return (
        document_id, record.guild_id, record.filename, record.content_type, record.size, record.sha256,
        record.title, record.author, record.date, record.url, record.added_by, float(record.added_at),
        record.passages, record.footnotes, record.first_page, record.last_page, json.dumps(list(record.warnings)),
    )  # fmt: skip


def document_record(row: Mapping[str, Any]) -> DocumentRecord:
    values = {column: row[column] for column in DOCUMENT_COLUMNS}
    return DocumentRecord(**{**values, "warnings": tuple(json.loads(row["warnings"]))})


def stored_article(document_id: str, article: Article) -> str:
    """The parsed article as stored: JSON, under the document's id (its passage ids follow)."""
    return json.dumps(article_to_dict(with_article_id(article, document_id)), ensure_ascii=False)


def loaded_article(data: str) -> Article:
    return article_from_dict(json.loads(data))


def check_document_edit(changes: dict[str, Any]) -> dict[str, Any]:
    """The metadata fields to change, as strings (None clears all but the title); ValueError names bad keys."""
    unknown = sorted(set(changes) - set(EDITABLE_DOCUMENT_FIELDS))
    if unknown:
        raise ValueError(f"unknown document field(s): {', '.join(unknown)}")
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValueError("a document's title cannot be empty")
    return {key: None if value is None else str(value) for key, value in changes.items()}


def edited_article(data: str, changes: dict[str, Any]) -> str:
    """The stored article JSON with its metadata fields changed."""
    article = json.loads(data)
    article.update(changes)
    return json.dumps(article, ensure_ascii=False)


def _answers_with_votes(mark) -> str:
    """A server's stored answers (guild id: `mark(1)`), each with its up and down votes."""
    return f"""SELECT a.id, (SELECT COUNT(*) FROM feedback AS f WHERE f.answer_id = a.id AND f.value = 1) AS up,
                      (SELECT COUNT(*) FROM feedback AS f WHERE f.answer_id = a.id AND f.value = -1) AS down
               FROM answers AS a WHERE a.guild_id = {mark(1)}"""


def document_stats_sql(mark) -> str:
    """Answers of a server quoting a document, with their votes; `mark(n)` is the dialect's n-th parameter."""
    return f"""SELECT COUNT(*), COALESCE(SUM(up), 0), COALESCE(SUM(down), 0) FROM ({_answers_with_votes(mark)}) AS a
               WHERE EXISTS (SELECT 1 FROM excerpts AS e WHERE e.answer_id = a.id AND e.passage_id LIKE {mark(2)})"""


def top_documents_sql(mark) -> str:
    """(id, title, answers, up, down) of a server's documents its answers quote (guild id: `mark(1)`
    and `mark(2)`), most quoted first, at most `mark(3)` of them."""
    return f"""SELECT d.id, d.title, COUNT(*) AS quoting, COALESCE(SUM(a.up), 0), COALESCE(SUM(a.down), 0)
               FROM documents AS d JOIN ({_answers_with_votes(mark)}) AS a ON EXISTS (
                   SELECT 1 FROM excerpts AS e WHERE e.answer_id = a.id AND e.passage_id LIKE d.id || ':%')
               WHERE d.guild_id = {mark(2)}
               GROUP BY d.id, d.title, d.added_at ORDER BY quoting DESC, d.added_at, d.id LIMIT {mark(3)}"""


def document_uses(rows: Iterable[Sequence[Any]]) -> tuple[DocumentUse, ...]:
    return tuple(DocumentUse(row[0], row[1], DocumentStats(int(row[2]), int(row[3]), int(row[4]))) for row in rows)


def passage_prefix(document_id: str) -> str:
    """The LIKE pattern of a document's passage ids (document ids are hex: nothing to escape)."""
    return f"{document_id}:%"


def check_quota(quota: DocumentQuota | None, usage: LibraryUsage, record: DocumentRecord) -> None:
    """QuotaExceeded when adding `record` to a library using `usage` goes past `quota`."""
    if quota is None:
        return
    for what, limit, used, adding in (
        ("documents", quota.documents, usage.documents, 1),
        ("total_bytes", quota.total_bytes, usage.total_bytes, record.size),
        ("passages", quota.passages, usage.passages, record.passages),
    ):
        if used + adding > limit:
            raise QuotaExceeded(what, limit, used)


def answer_values(answer_id: str, record: AnswerRecord) -> tuple:
    """The answers row for `record`, in the column order of INSERT_ANSWER_COLUMNS."""
    return (
        answer_id,
        record.guild_id,
        record.channel_id,
        record.user_id,
        record.question,
        bool(record.answered),
        bool(record.weak),
        json.dumps(list(record.matched_terms)),
        json.dumps(list(record.unknown_terms)),
        record.created_at,
        record.expires_at,
        bool(record.private),
        record.page_size,
        record.page,
        record.library_version,
    )


INSERT_ANSWER_COLUMNS = (
    "id, guild_id, channel_id, user_id, question, answered, weak, matched_terms, unknown_terms, "
    "created_at, expires_at, private, page_size, page, library_version"
)
EXCERPT_COLUMNS = "answer_id, rank, passage_id, score, quote, highlights, document_version, document_title"


def excerpt_values(answer_id: str, record: AnswerRecord) -> list[tuple]:
    """The excerpts rows for `record`, in the column order of EXCERPT_COLUMNS."""
    return [
        (answer_id, e.rank, e.passage_id, e.score, e.quote, json.dumps([[int(a), int(b)] for a, b in e.highlights]),
         e.document_version, e.document_title)
        for e in record.excerpts
    ]  # fmt: skip


def insert_sql(table: str, columns: str, mark: Callable[[int], str]) -> str:
    """INSERT INTO `table` (`columns`) with a parameter per column, in the dialect of `mark(n)`."""
    values = ", ".join(mark(n) for n in range(1, columns.count(",") + 2))
    return f"INSERT INTO {table} ({columns}) VALUES ({values})"


def answer_record(row: Mapping[str, Any], excerpt_rows: Iterable[Mapping[str, Any]]) -> AnswerRecord:
    """An answers row and its excerpts rows (in rank order) as an AnswerRecord."""
    return AnswerRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        question=row["question"],
        answered=bool(row["answered"]),
        weak=bool(row["weak"]),
        matched_terms=tuple(json.loads(row["matched_terms"])),
        unknown_terms=tuple(json.loads(row["unknown_terms"])),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        private=bool(row["private"]),
        page_size=row["page_size"],
        page=row["page"],
        library_version=row["library_version"],
        excerpts=tuple(
            ExcerptRecord(
                rank=e["rank"],
                passage_id=e["passage_id"],
                score=e["score"],
                quote=e["quote"],
                highlights=tuple((start, end) for start, end in json.loads(e["highlights"])),
                document_version=e["document_version"],
                document_title=e["document_title"],
            )
            for e in excerpt_rows
        ),
    )


# -- migrations -------------------------------------------------------------------------------


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


def load_migrations(package: str) -> list[Migration]:
    """The `migrations/NNNN_name.sql` files of a backend package, in order; versions must run 1..N."""
    folder = resources.files(package).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d+)_\w+\.sql", entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StorageError(f"migration files are not numbered 1..N: {[m.name for m in found]}")
    return found


def too_new(where: str, found: int, known: int) -> StorageError:
    return StorageError(
        f"{where} has schema version {found}, newer than this Studybot knows ({known}); upgrade Studybot"
    )


@dataclasses.dataclass(frozen=True)
class MigrationResult:
    """What `migrate` did: the schema version before and after, for the database named `where`."""

    where: str
    before: int
    after: int


# -- faults and notices -----------------------------------------------------------------------


class Outage:
    """Logs a fault once when it starts and once when it ends, not a traceback per call."""

    def __init__(self, what: str):
        self.what = what
        self.cause: str | None = None

    def failed(self, cause: str) -> StorageUnavailable:
        """Note the fault (logged when it is new); return the error for the caller to raise."""
        if self.cause is None:
            log.error("%s is unavailable: %s (until it recovers, further failures are not logged)", self.what, cause)
        self.cause = cause
        return StorageUnavailable(f"{self.what} is unavailable: {cause}")

    def ok(self) -> None:
        if self.cause is not None:
            log.warning("%s works again (after: %s)", self.what, self.cause)
            self.cause = None


class ChangeFeed:
    """The callbacks registered with `on_change`, called on the event loop for every Change."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Change], object]] = []

    def add(self, callback: Callable[[Change], object]) -> None:
        self._callbacks.append(callback)

    def dispatch(self, change: Change) -> None:
        for callback in list(self._callbacks):
            try:
                callback(change)
            except Exception:
                log.exception("a change callback failed for %s", change)


def check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}|\*", kind):
        raise ValueError(f"a change kind is a short lower-case name, not {kind!r}")


def dependency_order(references: dict[str, set[str]]) -> list[str]:
    """Table names with every referenced table before the tables that reference it (then by name)."""
    ordered: list[str] = []
    placed: set[str] = set()
    pending = dict(sorted(references.items()))
    while pending:
        ready = [t for t, refs in pending.items() if refs - {t} <= placed]
        if not ready:
            raise StorageError(f"tables reference each other in a cycle: {sorted(pending)}")
        for table in ready:
            ordered.append(table)
            placed.add(table)
            del pending[table]
    return ordered
