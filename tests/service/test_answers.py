"""The buttons of a stored answer, in process: ownership, privacy, expiry, another server's answer."""

from __future__ import annotations

import dataclasses

from bot.service import messages
from bot.service.answers import PageView, StoredAnswers
from bot.service.asking import Question, Ready
from bot.service.rules import Refusal
from tests.service.conftest import ASKER, OTHER_GUILD, OTHER_MEMBER, member


async def stored_answer(services, private: bool = False):
    step = await services.asking.check(Question(member(), "Why did the reset of relations fail?", private=private))
    assert isinstance(step, Ready)
    return (await services.asking.answer(step)).record


async def test_pages_of_a_stored_answer(services):
    record = await stored_answer(services)
    view = await services.answers.turn_page(record, "2")
    assert isinstance(view, PageView) and view.page == 2 and view.pages == 5
    assert [e.rank for e in view.shown] == [4, 5, 6]
    assert await services.answers.turn_page(record, "99") == Refusal(messages.NO_SUCH_PAGE)
    assert await services.answers.turn_page(record, "x") == Refusal(messages.NO_SUCH_PAGE)


async def test_another_servers_answer_is_refused(services):
    record = await stored_answer(services)
    assert await services.answers.find(record.id, member(guild_id=OTHER_GUILD)) == Refusal(messages.ELSEWHERE)
    assert await services.answers.find("ffffffffffff", member()) == Refusal(messages.GONE)


async def test_every_action_on_a_private_answer_is_the_askers_alone(services):
    record = await stored_answer(services, private=True)
    assert (await services.answers.find(record.id, member())).id == record.id
    assert await services.answers.find(record.id, member(OTHER_MEMBER)) == Refusal(messages.PRIVATE_NOT_YOURS)


async def test_votes_one_per_member(services):
    record = await stored_answer(services)
    assert await services.answers.vote(record, member(), 1) == messages.thanks_for_vote(True, 1, 0)
    assert await services.answers.vote(record, member(), -1) == messages.thanks_for_vote(False, 0, 1)
    assert await services.answers.vote(record, member(OTHER_MEMBER), 1) == messages.thanks_for_vote(True, 1, 1)
    assert StoredAnswers.vote_value("sideways") == Refusal(messages.NOT_MINE)


async def test_expiry_and_excerpts(services):
    record = await stored_answer(services)
    assert not StoredAnswers.expired(record)
    assert StoredAnswers.expired(dataclasses.replace(record, expires_at=record.created_at - 1))
    assert await services.answers.excerpt_passage(record, "1") == record.excerpts[0].passage_id
    assert await services.answers.excerpt_passage(record, "42") == Refusal(messages.NO_SUCH_EXCERPT)
    assert record.user_id == ASKER


async def test_a_stored_answers_pages_name_the_articles_its_first_page_named(services):
    # the question names Mironova's article (its author, about the writing): every page says so
    step = await services.asking.check(Question(member(), "What did Mironova write about NATO enlargement?"))
    assert isinstance(step, Ready)
    done = await services.asking.answer(step)
    assert [a.author for a in done.answer.named_articles] == ["Daria Mironova"]
    first = (await services.answers.view(done.record, 1)).answer
    assert first.named_articles == done.answer.named_articles
    assert (await services.answers.turn_page(done.record, "2")).answer.named_articles == done.answer.named_articles
