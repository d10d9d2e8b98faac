"""Asking, in process: every rule between a member's question and a stored answer."""

from __future__ import annotations

import pytest

from bot.service import messages
from bot.service.asking import Answered, Question, Ready, Unanswered, normalise
from bot.service.options import ServiceOptions
from bot.service.rules import Refusal
from bot.service.services import Services
from bot.storage import StorageUnavailable
from tests.service.conftest import ASKER, GUILD, OTHER_MEMBER, member

ANSWERABLE = "Who heads the Joint Chiefs of Staff?"


async def ask(services: Services, text: str = ANSWERABLE, **kwargs) -> Refusal | Unanswered | Answered:
    step = await services.asking.check(Question(kwargs.pop("who", member()), normalise(text), **kwargs))
    return await services.asking.answer(step) if isinstance(step, Ready) else step


async def test_an_answerable_question_is_answered_stored_and_logged(services):
    done = await ask(services)
    assert isinstance(done, Answered) and "Joe Dunford" in done.answer.excerpts[0].passage.text
    stored = await services.answers.store.get_answer(done.record.id)
    assert stored.user_id == ASKER and stored.guild_id == GUILD and not stored.private
    assert [e.passage_id for e in stored.excerpts] == [e.passage.id for e in done.answer.excerpts]
    stats = await services.answers.store.guild_stats(GUILD)
    assert (stats.asked, stats.answered) == (1, 1)


async def test_the_gate_says_not_answered_before_any_search(services):
    step = await services.asking.check(Question(member(), "Who painted the Mona Lisa?"))
    assert isinstance(step, Unanswered) and not step.no_words
    assert "painted" in step.answer.unknown_terms
    await services.asking.log_unanswered(step)
    stats = await services.answers.store.guild_stats(GUILD)
    assert (stats.asked, stats.answered) == (1, 0) and stats.top_unanswered[0][0] == "Who painted the Mona Lisa?"


async def test_a_question_without_words_is_told_so(services):
    step = await services.asking.check(Question(member(), "?!?! 🤔🙏🔥"))
    assert isinstance(step, Unanswered) and step.no_words


async def test_empty_question_and_unknown_article_are_refused(services):
    assert await ask(services, "   ") == Refusal(messages.EMPTY_QUESTION)
    assert await ask(services, article_id="no-such-article") == Refusal(messages.UNKNOWN_ARTICLE)


async def test_an_article_that_does_not_mention_the_question_is_a_hint(services):
    step = await services.asking.check(Question(member(), "Joint Chiefs of Staff", article_id="002_845548aa095cdc9a"))
    assert isinstance(step, Unanswered) and step.article.id == "002_845548aa095cdc9a"


async def test_channel_rules_apply_to_threads_of_an_allowed_channel(services):
    await services.rules.update(GUILD, allow_channel=100)
    assert isinstance(await ask(services, who=member(channel_id=100)), Answered)
    refused = await ask(services, who=member(channel_id=200))
    assert isinstance(refused, Refusal) and "<#100>" in refused.message
    assert isinstance(await ask(services, who=member(channel_id=300, parent_channel_id=100)), Answered)


async def test_a_stopped_channel_and_its_threads_are_refused_and_the_others_answered(services):
    await services.rules.update(GUILD, disallow_channel=100)
    refused = await ask(services, who=member(channel_id=100))
    assert refused == Refusal(messages.NOT_IN_THIS_CHANNEL)
    assert await ask(services, who=member(channel_id=300, parent_channel_id=100)) == refused
    assert isinstance(await ask(services, who=member(channel_id=200)), Answered)


async def test_a_stopped_thread_of_an_allowed_channel_is_refused(services):
    await services.rules.update(GUILD, allow_channel=100)
    await services.rules.update(GUILD, disallow_channel=300)
    thread = member(channel_id=300, parent_channel_id=100)
    assert await ask(services, who=thread) == Refusal(messages.NOT_IN_THIS_CHANNEL)
    assert isinstance(await ask(services, who=member(channel_id=301, parent_channel_id=100)), Answered)


async def test_cooldown_per_member_and_server(engine, store):
    from bot.library.registry import Libraries

    services = Services.create(Libraries(engine), store, ServiceOptions(cooldown_seconds=60))
    assert isinstance(await ask(services), Answered)
    again = await ask(services)
    assert isinstance(again, Refusal) and again.message.startswith("Slow down") and "60 s" in again.message
    assert isinstance(await ask(services, who=member(OTHER_MEMBER)), Answered)  # another member is not slowed
    await services.rules.update(GUILD, cooldown_seconds=0)  # the server turns it off
    assert isinstance(await ask(services), Answered)


async def test_private_default_and_option(services):
    assert (await ask(services)).private is False
    await services.rules.update(GUILD, private_default=True)
    assert (await ask(services)).private is True
    assert (await ask(services, private=False)).private is False


async def test_page_size_follows_the_server_and_is_capped(services):
    done = await ask(services)
    assert done.record.page_size == 3
    await services.rules.update(GUILD, top_k=5)
    assert (await ask(services)).record.page_size == 5


async def test_stored_values_out_of_range_are_repaired_on_read(services):
    await services.answers.store.update_guild_settings(GUILD, top_k=-3, cooldown_seconds=10**12)
    services.rules.forget(GUILD)
    guild = await services.rules.settings(GUILD)
    assert services.rules.page_size(guild) == 1 and services.rules.cooldown(guild) == 3600


async def test_a_database_outage_costs_the_buttons_never_the_answer(services, monkeypatch):
    async def unavailable(*args, **kwargs):
        raise StorageUnavailable("disk full")

    monkeypatch.setattr(services.answers.store, "save_answer", unavailable)
    monkeypatch.setattr(services.answers.store, "log_question", unavailable)
    done = await ask(services)
    assert isinstance(done, Answered) and done.record is None and done.answer.excerpts


@pytest.mark.parametrize("text", ["a" * 1000, " spaced \n  out  "])
async def test_questions_are_normalised(services, text):
    assert len(normalise(text)) <= 300 and "  " not in normalise(text)
