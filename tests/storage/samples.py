"""Records the storage tests store."""

from __future__ import annotations

from bot.storage.records import AnswerRecord, ExcerptRecord

GUILD = 1001
OTHER_GUILD = 2002


def make_answer(guild_id: int | None = GUILD, question: str = "What is a monad?", expires_at: float = 2e9):
    return AnswerRecord(
        id=None,
        guild_id=guild_id,
        channel_id=55,
        user_id=7,
        question=question,
        answered=True,
        weak=False,
        matched_terms=("monad", "bind"),
        unknown_terms=("zygohistomorphic",),
        created_at=1_700_000_000.5,
        expires_at=expires_at,
        private=True,
        page_size=3,
        page=1,
        excerpts=(
            ExcerptRecord(2, "p-2", 0.5, "second quote", ()),
            ExcerptRecord(1, "p-1", 1.25, "first quote, with 'quotes'; and ü", ((0, 5), (10, 14))),
            ExcerptRecord(3, "p-3", 0.1, "third", ((1, 2),)),
        ),
    )
