"""/stats per document, in process: the questions answered from a server's own document and their
votes, the server's most quoted documents, and nothing of another server's (a crafted id)."""

from __future__ import annotations

import pytest

from bot.library.registry import Libraries
from bot.service import messages
from bot.service.asking import Question, Ready
from bot.service.library import Upload
from bot.service.options import ServerLibraryOptions
from bot.service.rules import Refusal
from bot.service.services import Services
from bot.storage import DocumentStats, DocumentUse
from tests.service.conftest import OTHER_GUILD, OTHER_MEMBER, member
from tests.support.readings import QUESTION, READING

MANAGER = member(can_manage=True)


@pytest.fixture
def services(engine, store, options) -> Services:
    libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version)
    return Services.create(libraries, store, options, ServerLibraryOptions(upload_cooldown_seconds=0))


async def answer_and_vote(services: Services, value: int) -> None:
    step = await services.asking.check(Question(member(), QUESTION))
    assert isinstance(step, Ready)
    done = await services.asking.answer(step)
    await services.answers.vote(done.record, member(user_id=OTHER_MEMBER), value)


async def test_a_documents_stats_count_its_answers_and_votes_and_it_leads_the_servers_top_list(services):
    data = READING.encode()
    added = await services.library.add(MANAGER, Upload("quokkas.md", len(data), "text/markdown", data=data))
    assert await services.admin.document_stats(MANAGER, added.id) == DocumentUse(added.id, added.title,
                                                                                 DocumentStats(0, 0, 0))  # fmt: skip
    await answer_and_vote(services, 1)
    await answer_and_vote(services, -1)
    await answer_and_vote(services, 1)
    quoted = DocumentUse(added.id, "The Quokka Census", DocumentStats(3, 2, 1))
    assert await services.admin.document_stats(MANAGER, added.id) == quoted
    overview = await services.admin.stats(MANAGER)
    assert overview.top_documents == (quoted,) and overview.guild.answered == 3


async def test_another_servers_document_is_unknown_and_members_without_manage_are_refused(services):
    data = READING.encode()
    added = await services.library.add(MANAGER, Upload("quokkas.md", len(data), "text/markdown", data=data))
    await answer_and_vote(services, 1)
    elsewhere = member(guild_id=OTHER_GUILD, can_manage=True)
    assert await services.admin.document_stats(elsewhere, added.id) == Refusal(messages.UNKNOWN_DOCUMENT)
    assert (await services.admin.stats(elsewhere)).top_documents == ()
    for junk in ("", "'; DROP TABLE documents;--", "0" * 10):
        assert await services.admin.document_stats(MANAGER, junk) == Refusal(messages.UNKNOWN_DOCUMENT)
    assert await services.admin.document_stats(member(), added.id) == Refusal(messages.MANAGE_STATS_ONLY)
    in_dm = member(guild_id=None, can_manage=True)
    assert await services.admin.document_stats(in_dm, added.id) == Refusal(messages.MANAGE_STATS_ONLY)
