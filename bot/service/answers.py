"""What the buttons of a stored answer do: turn pages, vote, open a passage.

Answers live in the store under a random id carried in every button, so buttons keep working
after a restart. A button is input, not trust: each action re-checks server, asker, privacy and
expiry against the stored answer.

An answer remembers the version and title of every document it quotes (bot.core.versions): an
excerpt whose document was since removed or replaced by other text is not shown as if it still
were; the member is told which document changed instead.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.core.engine import Engine
from bot.core.models import Answer, Excerpt, PassageLookup
from bot.core.versions import article_version
from bot.service import messages
from bot.service.deadline import before_first_reply
from bot.service.rules import Member, Refusal
from bot.storage.records import AnswerRecord, ExcerptRecord


@dataclass(frozen=True)
class DocumentChange:
    """A document an answer quoted is no longer as it was: removed, or replaced by other text."""

    title: str | None  # as quoted; None in answers stored before titles were kept
    replaced: bool  # False: removed from the reading list


@dataclass(frozen=True)
class PageView:
    """One page of a stored answer, its passages as the readings have them now."""

    record: AnswerRecord
    page: int
    answer: Answer  # every excerpt still in the readings as it was quoted
    shown: tuple[Excerpt, ...]  # the excerpts on this page
    changes: tuple[DocumentChange, ...] = ()  # documents of this page's other excerpts, changed since

    @property
    def pages(self) -> int:
        return page_count(self.record)

    @property
    def removed(self) -> int:
        """How many of this page's excerpts cannot be shown."""
        return len(page_excerpts(self.record, self.page)) - len(self.shown)


def page_count(record: AnswerRecord) -> int:
    return max(1, -(-len(record.excerpts) // record.page_size))


def page_excerpts(record: AnswerRecord, page: int) -> list[ExcerptRecord]:
    start = (page - 1) * record.page_size
    return list(record.excerpts[start : start + record.page_size])


def article_id_of(passage_id: str) -> str:
    """Passage ids are f"{article id}:{ordinal}" (article ids hold no colon)."""
    return passage_id.rpartition(":")[0]


def as_quoted(engine: Engine, stored: ExcerptRecord) -> PassageLookup | DocumentChange:
    """The excerpt's passage as the readings have it now, if its document is still the one quoted."""
    found = engine.passage(stored.passage_id)
    if stored.document_version is None:  # stored before versions were kept: only a removal is known
        return found or DocumentChange(stored.document_title, replaced=False)
    article = engine.article(article_id_of(stored.passage_id))
    if found is not None and article is not None and article_version(article) == stored.document_version:
        return found
    title = (stored.document_title or "").casefold()
    same_title = [a for a in engine.articles if title and a.title.casefold() == title and a is not article]
    ordinal = stored.passage_id.rpartition(":")[2]
    for other in same_title:  # removed and added again unchanged: under a new id, the text quoted
        moved = engine.passage(f"{other.id}:{ordinal}")
        if moved is not None and article_version(other) == stored.document_version:
            return moved
    return DocumentChange(stored.document_title, replaced=article is not None or bool(same_title))


def _quoted_now(engine: Engine, record: AnswerRecord) -> dict[int, PassageLookup | DocumentChange]:
    return {stored.rank: as_quoted(engine, stored) for stored in record.excerpts}


class StoredAnswers:
    def __init__(self, libraries, store):
        self.libraries = libraries
        self.store = store

    async def find(self, answer_id: str, member: Member) -> AnswerRecord | Refusal:
        record = await before_first_reply(self.store.get_answer(answer_id), "find the answer")
        if record is None:
            return Refusal(messages.GONE)
        if record.guild_id != member.guild_id:
            return Refusal(messages.ELSEWHERE)
        if record.private and record.user_id != member.user_id:
            return Refusal(messages.PRIVATE_NOT_YOURS)
        return record

    @staticmethod
    def expired(record: AnswerRecord) -> bool:
        return time.time() > record.expires_at

    async def _as_quoted(self, record: AnswerRecord) -> dict[int, PassageLookup | DocumentChange]:
        """rank → each excerpt as the readings have it now (fingerprints take a while for a long
        document the first time: off the event loop)."""
        engine = await self.libraries.engine_for(record.guild_id)
        return await asyncio.to_thread(_quoted_now, engine, record)

    async def view(self, record: AnswerRecord, page: int) -> PageView:
        engine = await self.libraries.engine_for(record.guild_id)
        now, named = await asyncio.to_thread(  # and the articles the question names now
            lambda: (_quoted_now(engine, record), engine.articles_named_by(record.question)))
        on_page = {e.rank for e in page_excerpts(record, page)}
        excerpts, changes = [], []
        for stored in record.excerpts:
            found = now[stored.rank]
            if isinstance(found, DocumentChange):
                if stored.rank in on_page and found not in changes:
                    changes.append(found)
                continue
            highlights = tuple(map(tuple, stored.highlights))
            excerpts.append(Excerpt(stored.rank, stored.score, found.passage, found.article, stored.quote, highlights))
        answer = Answer(record.question, True, record.weak, record.matched_terms, record.unknown_terms, tuple(excerpts),
                        named)  # fmt: skip
        shown = tuple(e for e in excerpts if e.rank in on_page)
        return PageView(record, page, answer, shown, tuple(changes))

    async def turn_page(self, record: AnswerRecord, page_arg: str) -> PageView | Refusal:
        """A page of the answer. Who sees it is the front end's choice: the asker's shared message
        turns; anyone else gets a private copy (a private answer never reaches anyone else)."""
        page = int(page_arg) if page_arg.isdigit() else 0
        if not 1 <= page <= page_count(record):
            return Refusal(messages.NO_SUCH_PAGE)
        return await self.view(record, page)

    async def remember_page(self, record: AnswerRecord, page: int) -> None:
        await self.store.set_answer_page(record.id, page)

    @staticmethod
    def vote_value(arg: str) -> int | Refusal:
        return {"up": 1, "down": -1}.get(arg) or Refusal(messages.NOT_MINE)

    async def vote(self, record: AnswerRecord, member: Member, value: int) -> str:
        up, down = await self.store.record_feedback(record.id, member.user_id, value, time.time())
        return messages.thanks_for_vote(value > 0, up, down)

    async def excerpt_passage(self, record: AnswerRecord, rank_arg: str) -> str | DocumentChange | Refusal:
        """The passage id behind an excerpt's button, or what became of its document since."""
        stored = next((e for e in record.excerpts if str(e.rank) == rank_arg), None)
        if stored is None:
            return Refusal(messages.NO_SUCH_EXCERPT)
        found = (await self._as_quoted(record))[stored.rank]
        return found if isinstance(found, DocumentChange) else found.passage.id

    async def document_change(self, record: AnswerRecord, passage_id: str | None) -> DocumentChange | None:
        """For a passage reached from the answer (a neighbour, a share): its document's change since
        the answer quoted it. A passage id no longer known (None) reports any quoted document changed."""
        article_id = article_id_of(passage_id) if passage_id else None
        now = await self._as_quoted(record)
        reached = (now[e.rank] for e in record.excerpts if article_id in (None, article_id_of(e.passage_id)))
        return next((found for found in reached if isinstance(found, DocumentChange)), None)

    async def passage(self, guild_id: int | None, passage_id: str) -> PassageLookup | None:
        return (await self.libraries.engine_for(guild_id)).passage(passage_id)
