"""Records the storage tests store."""

from __future__ import annotations

from bot.core.models import Article, Footnote, Passage
from bot.storage.records import AnswerRecord, DocumentRecord, ExcerptRecord

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
            ExcerptRecord(2, "p-2", 0.5, "second quote", (), "0123456789abcdef", "On Monads — ‘ü’ 😀"),
            ExcerptRecord(1, "p-1", 1.25, "first quote, with 'quotes'; and ü", ((0, 5), (10, 14)), "fedcba9876543210",
                          "On Monads"),
            ExcerptRecord(3, "p-3", 0.1, "third", ((1, 2),)),  # as stored before versions were kept
        ),
        library_version="7",
    )


def make_article(title: str = "On Monads", words: str = "a monad binds values", passages: int = 3) -> Article:
    notes = (Footnote("1", "Wadler 1992."), Footnote("2", "Ibid.", ibid_of="1"))
    return Article(
        id="upload",
        path="monads.pdf",
        title=title,
        author="Ada",
        date="2024-01-02",
        language="en",
        passages=tuple(
            Passage(f"upload:{n}", "upload", n, n, f"{words} {n} [1]", notes[:1], (n, n + 1))
            for n in range(1, passages + 1)
        ),
        footnotes=notes,
        page_labels=("i", "ii", "1", "2", "3"),
    )


def make_document(guild_id: int = GUILD, title: str = "On Monads", size: int = 1000, passages: int = 3):
    return DocumentRecord(
        id=None, guild_id=guild_id, filename="monads.pdf", content_type="application/pdf", size=size,
        sha256="ab" * 32, title=title, author="Ada", date="2024-01-02", url=None, added_by=7,
        added_at=1_700_000_000.0, passages=passages, footnotes=2, first_page=1, last_page=passages + 1,
        warnings=("page 3: a table was skipped",),
    )  # fmt: skip
