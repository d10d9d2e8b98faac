"""Plain, immutable values that go in and out of the database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExcerptRecord:
    """One cited passage of an answer; `highlights` are (start, end) offsets into `quote`."""

    rank: int
    passage_id: str
    score: float
    quote: str
    highlights: tuple[tuple[int, int], ...]
    # the quoted document as it was (bot.core.versions); None in answers stored before versions were kept
    document_version: str | None = None
    document_title: str | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as shown to a user; `id` is None until saved."""

    id: str | None
    guild_id: int | None
    channel_id: int | None
    user_id: int
    question: str
    answered: bool
    weak: bool
    matched_terms: tuple[str, ...]
    unknown_terms: tuple[str, ...]
    created_at: float
    expires_at: float
    private: bool
    page_size: int
    page: int
    excerpts: tuple[ExcerptRecord, ...]
    library_version: str | None = None  # the server library's version searched (None: a DM, or stored before)


@dataclass(frozen=True)
class GuildSettings:
    """Per-guild overrides; None means "use the bot-wide default"."""

    top_k: int | None = None
    private_default: bool | None = None
    cooldown_seconds: int | None = None
    channel_ids: tuple[int, ...] = ()  # answer only in these (and their threads); () every channel ...
    blocked_channel_ids: tuple[int, ...] = ()  # ... but never in these, with their threads
    librarian_role_id: int | None = None  # members with this role may change the server's library
    threads: bool | None = None  # answer in a thread of their own


@dataclass(frozen=True)
class DocumentRecord:
    """One document of a server's library: where it came from and what came in (not its bytes).

    `id` is None until saved; `warnings` are what the reader noticed while parsing it."""

    id: str | None
    guild_id: int
    filename: str
    content_type: str
    size: int  # bytes of the original file
    sha256: str
    title: str
    author: str | None
    date: str | None
    url: str | None
    added_by: int
    added_at: float
    passages: int
    footnotes: int
    first_page: int | None
    last_page: int | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentQuota:
    """What one server's library may hold at most; checked in the transaction that adds."""

    documents: int
    total_bytes: int
    passages: int


@dataclass(frozen=True)
class LibraryUsage:
    documents: int
    total_bytes: int
    passages: int


@dataclass(frozen=True)
class DocumentStats:
    """Stored answers that quote a document, and the votes on them."""

    answers: int
    feedback_up: int
    feedback_down: int


@dataclass(frozen=True)
class DocumentUse:
    """One of a server's documents and how often its answers quote it (the /stats top list)."""

    document_id: str
    title: str
    stats: DocumentStats


@dataclass(frozen=True)
class GuildStats:
    """Usage figures for one guild."""

    asked: int
    answered: int
    top_unanswered: tuple[tuple[str, int], ...]
    feedback_up: int
    feedback_down: int


@dataclass(frozen=True)
class Change:
    """A notice that stored data changed: `kind` such as "settings", for one guild.

    Kind "*" with guild_id None means "notices may have been missed (the feed reconnected): reload all".
    """

    kind: str
    guild_id: int | None
