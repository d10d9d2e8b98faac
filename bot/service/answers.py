"""What the buttons of a stored answer do: turn pages, vote, open a passage.

Answers live in the store under a random id carried in every button, so buttons keep working
after a restart. A button is input, not trust: each action re-checks server, asker, privacy and
expiry against the stored answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.core.models import Answer, Excerpt, PassageLookup
from bot.service import messages
from bot.service.deadline import before_first_reply
from bot.service.rules import Member, Refusal
from bot.storage.records import AnswerRecord, ExcerptRecord


@dataclass(frozen=True)
class PageView:
    """One page of a stored answer, its passages as the readings have them now."""

    record: AnswerRecord
    page: int
    answer: Answer  # every excerpt still in the readings
    shown: tuple[Excerpt, ...]  # the excerpts on this page
    removed: int = 0  # excerpts of this page whose document has since left the reading list

    @property
    def pages(self) -> int:
        return page_count(self.record)

    @property
    def note(self) -> str | None:
        """What to tell the reader about excerpts that can no longer be shown."""
        return messages.EXCERPTS_REMOVED if self.removed else None


def page_count(record: AnswerRecord) -> int:
    return max(1, -(-len(record.excerpts) // record.page_size))


def page_excerpts(record: AnswerRecord, page: int) -> list[ExcerptRecord]:
    start = (page - 1) * record.page_size
    return list(record.excerpts[start : start + record.page_size])


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

    async def view(self, record: AnswerRecord, page: int) -> PageView:
        engine = await self.libraries.engine_for(record.guild_id)
        excerpts = []
        for stored in record.excerpts:
            found = engine.passage(stored.passage_id)
            if found is not None:
                highlights = tuple(map(tuple, stored.highlights))
                excerpt = Excerpt(stored.rank, stored.score, found.passage, found.article, stored.quote, highlights)
                excerpts.append(excerpt)
        answer = Answer(record.question, True, record.weak, record.matched_terms, record.unknown_terms, tuple(excerpts))
        on_page = {e.rank for e in page_excerpts(record, page)}
        shown = tuple(e for e in excerpts if e.rank in on_page)
        return PageView(record, page, answer, shown, removed=len(on_page) - len(shown))

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

    async def excerpt_passage(self, record: AnswerRecord, rank_arg: str) -> str | Refusal:
        """The passage id behind an excerpt's button; a polite refusal when its document was removed."""
        stored = next((e for e in record.excerpts if str(e.rank) == rank_arg), None)
        if stored is None:
            return Refusal(messages.NO_SUCH_EXCERPT)
        if (await self.libraries.engine_for(record.guild_id)).passage(stored.passage_id) is None:
            return Refusal(messages.DOCUMENT_REMOVED)
        return stored.passage_id

    async def passage(self, guild_id: int | None, passage_id: str) -> PassageLookup | None:
        return (await self.libraries.engine_for(guild_id)).passage(passage_id)
