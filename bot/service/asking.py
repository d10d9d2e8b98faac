"""A question → a refusal, an honest "not answered", or an answer stored for its buttons.

Two steps, because Discord needs an acknowledgement between them: `check` is cheap (rules and
the evidence gate, no search) and decides whether the reply is a private note or a real answer;
`answer` does the search off the event loop, stores the answer and logs the question.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from bot.core.answer import QuestionTerms
from bot.core.models import Answer, Article
from bot.core.versions import article_version
from bot.service import messages
from bot.service.rules import Member, Refusal, ServerRules
from bot.storage import StorageUnavailable
from bot.storage.records import AnswerRecord, ExcerptRecord

log = logging.getLogger("studybot.service")

QUESTION_MAX = 300


@dataclass(frozen=True)
class Question:
    member: Member
    text: str
    article_id: str | None = None
    private: bool | None = None  # None: the server's default


@dataclass(frozen=True)
class Unanswered:
    """The readings (or the chosen article) do not answer it: a short private reply, then logged."""

    question: Question
    answer: Answer
    article: Article | None = None

    @property
    def no_words(self) -> bool:
        return not self.answer.matched_terms and not self.answer.unknown_terms


@dataclass(frozen=True)
class Ready:
    """Worth a search: acknowledge (publicly unless private), then call `answer`."""

    question: Question
    terms: QuestionTerms
    private: bool
    page_size: int
    in_thread: bool = False  # the server wants public answers in a thread of the question


@dataclass(frozen=True)
class Answered:
    answer: Answer
    record: AnswerRecord | None  # None when the database could not store it (no buttons then)
    private: bool


def quoted_versions(answer: Answer) -> dict[str, str]:
    """Article id → version of every document the answer quotes (hashing: run it off the event loop)."""
    return {e.article.id: article_version(e.article) for e in answer.excerpts}


def normalise(question: str) -> str:
    return " ".join(question.split())[:QUESTION_MAX]


class Asking:
    def __init__(self, libraries, store, rules: ServerRules):
        self.libraries = libraries
        self.store = store
        self.rules = rules

    async def check(self, question: Question) -> Refusal | Unanswered | Ready:
        member = question.member
        guild = await self.rules.settings(member.guild_id)
        engine = await self.libraries.engine_for(member.guild_id)
        if refusal := self.rules.channel_refusal(member, guild):
            return refusal
        if not question.text:
            return Refusal(messages.EMPTY_QUESTION)
        if question.article_id and engine.article(question.article_id) is None:
            return Refusal(messages.UNKNOWN_ARTICLE)
        if refusal := self.rules.cooldown_refusal(member, guild):
            return refusal
        private = self.rules.private_default(guild) if question.private is None else question.private
        terms = engine.understand(question.text)
        article_id = question.article_id
        if not terms.answerable or (article_id and not engine.article_mentions(article_id, terms)):
            article = engine.article(article_id) if article_id else None
            return Unanswered(question, engine.unanswered(question.text, terms), article)
        in_thread = bool(guild.threads) and not private and member.guild_id is not None
        return Ready(question, terms, private, self.rules.page_size(guild), in_thread)

    async def answer(self, ready: Ready) -> Answered:
        question = ready.question
        engine = await self.libraries.engine_for(question.member.guild_id)
        max_results = self.rules.options.max_results
        library_version = self.libraries.version_of(question.member.guild_id)  # of `engine`: no await between
        answer = await asyncio.to_thread(engine.ask, question.text, max_results, question.article_id, ready.terms)
        record = None
        if answer.answered:
            versions = await asyncio.to_thread(quoted_versions, answer)
            try:
                record = await self.store.save_answer(self._record(question, answer, ready, library_version, versions))
            except StorageUnavailable:
                log.debug("answer not stored: the database is unavailable")
        await self._log(question, answer, record.id if record else None)
        return Answered(answer, record, ready.private)

    async def log_unanswered(self, unanswered: Unanswered) -> None:
        await self._log(unanswered.question, unanswered.answer, None)

    async def _log(self, question: Question, answer: Answer, answer_id: str | None) -> None:
        """The question log behind /stats; a database outage costs the log line, never the reply."""
        member = question.member
        try:
            await self.store.log_question(
                member.guild_id, member.user_id, answer.question, answer.answered, answer.weak, answer_id, time.time()
            )
        except StorageUnavailable:
            log.debug("question not logged: the database is unavailable")

    def _record(self, question: Question, answer: Answer, ready: Ready, library_version: str | None,
                versions: dict[str, str]) -> AnswerRecord:  # fmt: skip
        now = time.time()
        member = question.member
        return AnswerRecord(
            id=None,
            guild_id=member.guild_id,
            channel_id=member.channel_id,
            user_id=member.user_id,
            question=answer.question,
            answered=answer.answered,
            weak=answer.weak,
            matched_terms=answer.matched_terms,
            unknown_terms=answer.unknown_terms,
            created_at=now,
            expires_at=now + self.rules.options.answer_ttl_hours * 3600,
            private=ready.private,
            page_size=ready.page_size,
            page=1,
            excerpts=tuple(
                ExcerptRecord(e.rank, e.passage.id, e.score, e.quote, tuple(e.highlights), versions[e.article.id],
                              e.article.title)
                for e in answer.excerpts
            ),  # fmt: skip
            library_version=library_version,
        )
