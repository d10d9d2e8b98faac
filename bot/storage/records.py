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


@dataclass(frozen=True)
class GuildSettings:
    """Per-guild overrides; None means "use the bot-wide default"."""

    top_k: int | None = None
    private_default: bool | None = None
    cooldown_seconds: int | None = None
    channel_ids: tuple[int, ...] = ()


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
