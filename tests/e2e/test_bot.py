"""The real bot, over real sockets, against the fake Discord: every command as a member uses it.

The fake enforces Discord's limits, deadlines and acknowledgement rules, so any reply that real
Discord would reject fails these tests.
"""

from __future__ import annotations

import json
import re

import pytest

from bot.service import messages
from testing.bot_process import GUILD, MANAGE_GUILD, OTHER_GUILD
from testing.fake_discord import custom_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
ASKER, OTHER_USER = 5555, 6666
NOT_MANAGER = 1 << 11  # Send Messages only
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")



def button(message: dict, prefix: str) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c["custom_id"].startswith(prefix))


def all_text(message: dict) -> str:
    """What a member reads: content and embeds, markdown escapes removed."""
    raw = json.dumps({k: message.get(k) for k in ("content", "embeds")}, ensure_ascii=False)
    return re.sub(r"\\\\(.)", r"\1", raw)


async def ask(fake, question: str, **kwargs) -> tuple:
    interaction = await fake.send_command("ask", {"question": question, **kwargs.pop("options", {})}, **kwargs)
    reply = await interaction.wait_for(timeout=15)
    return interaction, reply


async def test_ask_answers_with_quotes_and_sources(fake, bot):
    interaction, reply = await ask(fake, "Who heads the Joint Chiefs of Staff?")
    assert interaction.callback_types[0] == 5  # deferred before the work
    embed = reply["embeds"][0]
    assert embed["title"] == "Who heads the Joint Chiefs of Staff?"
    first = embed["fields"][0]
    assert first["name"].startswith("1. Russia and the West") and "Daria Mironova" in first["name"]
    assert "¶4" in first["name"]
    assert "**Joint**" in first["value"] and "Joe Dunford" in first["value"]
    assert "U.S. Department of Defense" in first["value"] and "\\[iii\\]" in first["value"]  # Ibidem resolved
    assert "footer" not in embed or "answer" not in embed["footer"]["text"]  # no internal ids
    assert reply["allowed_mentions"] == {"parse": []}
    assert not interaction.errors and interaction.first_response_after < 3


async def test_unanswerable_question_gets_a_short_private_reply(fake, bot):
    interaction, reply = await ask(fake, "Who painted the Mona Lisa?")
    assert interaction.callback_types == [4]
    assert reply["flags"] & EPHEMERAL and not reply.get("embeds")
    assert "do not answer" in reply["content"] and "painted, mona, lisa" in reply["content"]


async def test_weak_answer_says_so(fake, bot):
    _, reply = await ask(fake, "What is the capital of France?")
    embed = reply["embeds"][0]
    assert "weak" in (embed.get("description") or "").lower()
    assert "capital" in embed["footer"]["text"]


async def test_more_results_turns_the_askers_message_and_gives_others_a_private_copy(fake, bot):
    interaction, reply = await ask(fake, "Russia and the West relations reset")
    more = next(c for row in reply["components"] for c in row["components"] if c.get("label", "").startswith("More"))
    assert not more["disabled"]
    message = interaction.original
    stranger = await fake.click(message, more["custom_id"], user_id=OTHER_USER)
    copy = await stranger.wait_for(timeout=10)
    assert stranger.callback_types == [4] and copy["flags"] & EPHEMERAL  # a new message only they see
    assert "page 2/5" in copy["embeds"][0]["footer"]["text"] and "page 1/5" in message["embeds"][0]["footer"]["text"]
    their_more = next(c for c in custom_ids(copy) if c.endswith(":3"))
    onward = await fake.click(stranger.original, their_more, user_id=OTHER_USER)  # their copy turns in place
    page3 = await onward.wait_for(timeout=10)
    assert onward.callback_types == [7] and "page 3/5" in page3["embeds"][0]["footer"]["text"]
    turn = await fake.click(message, more["custom_id"], user_id=ASKER)
    page2 = await turn.wait_for(timeout=10)
    assert turn.callback_types == [7]
    names = [f["name"] for f in page2["embeds"][0]["fields"]]
    assert names[0].startswith("4.") and "page 2/5" in page2["embeds"][0]["footer"]["text"]
    first_page_names = [f["name"] for f in reply["embeds"][0]["fields"]]
    assert not set(names) & set(first_page_names)


async def test_members_read_citations_not_internal_ids(fake, bot):
    interaction, reply = await ask(fake, "Who is Andrei Tsygankov?")
    text = all_text(reply)
    assert not re.search(r"answer [0-9a-f]{12}|[0-9a-f]{16}:\d", text), text
    name = reply["embeds"][0]["fields"][0]["name"]
    assert re.search(r" · ¶\d+$", name)
    card = await (await fake.send_command("source", {"article": "000_4a78ec43d6a1d967", "footnote": "iii"})).wait_for()
    assert "¶" in all_text(card) and "000_4a78ec43d6a1d967" not in all_text(card)


async def test_a_single_page_answer_has_no_paging_buttons(fake, bot):
    _, reply = await ask(fake, "Who is Andrei Tsygankov?")  # the readings hold one passage about him
    ids = custom_ids(reply)
    assert len(reply["embeds"][0]["fields"]) == 1 and "page" not in reply["embeds"][0].get("footer", {}).get("text", "")
    assert not any(c.startswith("sb:page:") for c in ids) and any(c.startswith("sb:vote:") for c in ids)


async def test_a_private_full_passage_can_be_shared_in_the_channel(fake, bot):
    interaction, reply = await ask(fake, "Which strategic competitors does the United States fear?")
    full = await fake.click(interaction.original, next(c for c in custom_ids(reply) if c.startswith("sb:full:")))
    shown = await full.wait_for(timeout=10)
    share = next(c for c in custom_ids(shown) if c.startswith("sb:share:"))
    shared = await fake.click(full.original, share)
    posted = await shared.wait_for(timeout=10)
    assert shared.callback_types == [4] and not (posted.get("flags", 0) & EPHEMERAL)
    assert "China, Iran and radical Islam" in posted["embeds"][0]["description"] and "Shared by" in posted["content"]
    assert not any(c.startswith("sb:share:") for c in custom_ids(interaction.original))  # public: nothing to share


async def test_full_passage_and_neighbours(fake, bot):
    interaction, reply = await ask(fake, "Which strategic competitors does the United States fear?")
    full = await fake.click(interaction.original, "sb:full:" + custom_ids(reply)[0].split(":")[2] + ":1")
    shown = await full.wait_for(timeout=10)
    assert shown["flags"] & EPHEMERAL
    embed = shown["embeds"][0]
    assert "China, Iran and radical Islam" in embed["description"] and embed["title"] == "Rethinking the Reset"
    assert "¶7" in embed["footer"]["text"]
    nxt = next(c for row in shown["components"] for c in row["components"] if c["label"].startswith("Next"))
    step = await fake.click(full.original, nxt["custom_id"])
    moved = await step.wait_for(timeout=10)
    assert step.callback_types == [7] and "¶8" in moved["embeds"][0]["footer"]["text"]


async def test_feedback_is_recorded_once_per_member(fake, bot):
    interaction, reply = await ask(fake, "Who is Andrei Tsygankov?")
    up, down = [c for c in custom_ids(reply) if c.startswith("sb:vote:")]
    assert down.endswith(":down")
    vote = await fake.click(interaction.original, up)
    first = await vote.wait_for(timeout=10)
    assert "👍 1 · 👎 0" in first["content"] and vote.original["flags"] & EPHEMERAL
    changed = await (await fake.click(interaction.original, down)).wait_for(timeout=10)
    assert "👍 0 · 👎 1" in changed["content"]
    other = await (await fake.click(interaction.original, up, user_id=OTHER_USER)).wait_for(timeout=10)
    assert "👍 1 · 👎 1" in other["content"]


async def test_autocomplete_articles_and_footnotes(fake, bot):
    typed = await fake.send_command("source", {"article": "reset"}, focused="article")
    choices = (await typed.wait_for(timeout=10))["choices"]
    assert typed.callback_types == [8] and {c["value"] for c in choices} == {
        "000_4a78ec43d6a1d967",
        "002_845548aa095cdc9a",
    }
    narrowed = await fake.send_command("source", {"article": "rethinking"}, focused="article")
    assert [c["value"] for c in (await narrowed.wait_for(timeout=10))["choices"]] == ["002_845548aa095cdc9a"]
    notes = await fake.send_command("source", {"article": "000_4a78ec43d6a1d967", "footnote": "ii"}, focused="footnote")
    values = [c["value"] for c in (await notes.wait_for(timeout=10))["choices"]]
    assert values[0] == "ii" and "iii" in values and all(len(c) <= 100 for c in values)
    asked = await fake.send_command("ask", {"question": "x", "article": ""}, focused="article")
    assert len((await asked.wait_for(timeout=10))["choices"]) == 2


async def test_source_in_each_form(fake, bot):
    listing = await (await fake.send_command("source")).wait_for(timeout=10)
    text = all_text(listing)
    assert "Rethinking the Reset" in text and "Russia and the West" in text
    card = await (await fake.send_command("source", {"article": "002_845548aa095cdc9a"})).wait_for(timeout=10)
    card_text = all_text(card)
    assert "Andrei Tsygankov" in card_text and "2011-06-30" in card_text and "themoscowtimes.com" in card_text
    spaced = await (await fake.send_command("source", {"article": " 002_845548aa095cdc9a "})).wait_for(timeout=10)
    assert all_text(spaced) == card_text  # an id pasted with spaces around it
    blank = await (await fake.send_command("source", {"passage": "  "})).wait_for(timeout=10)
    assert "Rethinking the Reset" in all_text(blank)  # no passage given: the list
    _, asked = await ask(fake, "reset", options={"article": " 002_845548aa095cdc9a "})
    assert asked.get("embeds") and "Tsygankov" in all_text(asked)
    note = await (
        await fake.send_command("source", {"article": "000_4a78ec43d6a1d967", "footnote": "iii"})
    ).wait_for(timeout=10)
    note_text = all_text(note)
    assert "Dunford Discusses Syria" in note_text and "\"value\": \"¶4\"" in note_text  # cited by ¶4, not by an id
    passage = await (await fake.send_command("source", {"passage": "002_845548aa095cdc9a:2"})).wait_for(timeout=10)
    assert "Anders Fogh Rasmussen" in passage["embeds"][0]["description"]
    missing = await (await fake.send_command("source", {"passage": "nope:1"})).wait_for(timeout=10)
    assert missing["flags"] & EPHEMERAL and "No passage" in missing["content"]


async def test_find_sources_context_menu(fake, bot):
    target = {"content": "What favours does the West want from Moscow?", "author_id": OTHER_USER}
    interaction = await fake.send_command("Find sources", command_type=3, target_message=target)
    reply = await interaction.wait_for(lambda m: m.get("embeds"), timeout=15)
    assert "transit routes to Afghanistan" in reply["embeds"][0]["fields"][0]["value"].replace("**", "")


async def test_mentions_and_discord_markup_are_not_searched_as_words(fake, bot):
    question = "<@123456> Who is **Andrei** ||Tsygankov||? @everyone <#42> <:wave:987654> <t:1700000000:R>"
    _, reply = await ask(fake, question)
    assert reply.get("embeds") and "Weak answer" not in all_text(reply), all_text(reply)
    assert "everyone" not in all_text(reply) and "123456" not in all_text(reply)
    target = {"content": "<@6666> <@&77> @everyone", "author_id": OTHER_USER}
    only_mentions = await fake.send_command("Find sources", command_type=3, target_message=target)
    assert (await only_mentions.wait_for(timeout=15))["content"] == messages.NO_TEXT_TO_SEARCH


async def test_find_sources_on_a_message_without_text_says_so(fake, bot):
    target = {"content": "", "author_id": OTHER_USER}  # an image alone
    interaction = await fake.send_command("Find sources", command_type=3, target_message=target)
    reply = await interaction.wait_for(timeout=15)
    assert reply["content"] == messages.NO_TEXT_TO_SEARCH and reply["flags"] & EPHEMERAL


async def test_an_answer_to_a_question_naming_an_article_shows_that_article(fake, bot):
    _, reply = await ask(fake, "What did Daria Mironova write about the reset?")
    description = reply["embeds"][0]["description"]
    assert "Article: ‘Russia and the West: the hard way to a new reset’ — Daria Mironova" in description
    assert reply["embeds"][0]["fields"]  # and the excerpts, as for any answer


async def test_find_sources_on_an_answer_of_the_bot_says_its_sources_are_in_it(fake, bot):
    _, answer = await ask(fake, "What is the capital of France?")  # weak: its text is a warning, no question
    target = {"content": "", "embeds": answer["embeds"], "author": fake.bot_user()}
    interaction = await fake.send_command("Find sources", command_type=3, target_message=target)
    reply = await interaction.wait_for(timeout=15)
    assert reply["flags"] & EPHEMERAL and not reply.get("embeds") and "my own messages" in reply["content"]


async def test_settings_need_manage_server_and_apply(fake, bot):
    refused = await fake.send_command("settings", {"excerpts": 1}, guild_id=OTHER_GUILD, permissions=NOT_MANAGER)
    reply = await refused.wait_for(timeout=10)
    assert reply["flags"] & EPHEMERAL and "Manage Server" in reply["content"]
    applied = await fake.send_command("settings", {"excerpts": 1}, guild_id=OTHER_GUILD, permissions=MANAGE_GUILD)
    shown = await applied.wait_for(timeout=10)
    assert "Settings saved" in shown["content"] and "1" in all_text(shown)
    _, answer = await ask(fake, "Who is Andrei Tsygankov?", guild_id=OTHER_GUILD)
    assert len(answer["embeds"][0]["fields"]) == 1
    _, here = await ask(fake, "reset relations", guild_id=GUILD)
    assert len(here["embeds"][0]["fields"]) == 3  # the other server keeps its own settings
    channel = fake.channel_ids(OTHER_GUILD)[1]
    manage = {"guild_id": OTHER_GUILD, "permissions": MANAGE_GUILD}
    only = await fake.send_command("settings", {"allow_channel": channel}, **manage)
    await only.wait_for(timeout=10)
    _, reply = await ask(fake, "reset", guild_id=OTHER_GUILD, channel_id=fake.channel_ids(OTHER_GUILD)[0])
    assert reply["flags"] & EPHEMERAL and f"<#{channel}>" in reply["content"]
    general = fake.channel_ids(OTHER_GUILD)[0]
    stopped = await fake.send_command("settings", {"all_channels": True, "disallow_channel": general}, **manage)
    assert f"All channels except <#{general}>" in all_text(await stopped.wait_for(timeout=10))
    _, there = await ask(fake, "reset", guild_id=OTHER_GUILD, channel_id=general)
    assert there["flags"] & EPHEMERAL and "this channel" in there["content"]
    _, elsewhere = await ask(fake, "reset", guild_id=OTHER_GUILD, channel_id=channel)
    assert elsewhere.get("embeds")
    reset = await fake.send_command("settings", {"all_channels": True, "excerpts": 3}, **manage)
    await reset.wait_for(timeout=10)


async def test_stats_for_managers_of_this_server_only(fake, bot):
    refused = await fake.send_command("stats", permissions=NOT_MANAGER)
    assert "Manage Server" in (await refused.wait_for(timeout=10))["content"]
    for _ in range(2):
        await ask(fake, "How do I bake sourdough bread?")
    stats = await fake.send_command("stats", permissions=MANAGE_GUILD)
    text = all_text(await stats.wait_for(timeout=10))
    assert "2× How do I bake sourdough bread?" in text
    assert "👍" in text


async def test_cooldown_per_member(fake, bot):
    setting = await fake.send_command("settings", {"cooldown": 30}, guild_id=OTHER_GUILD, permissions=MANAGE_GUILD)
    await setting.wait_for(timeout=10)
    await ask(fake, "reset", guild_id=OTHER_GUILD, user_id=7777)
    _, reply = await ask(fake, "reset again", guild_id=OTHER_GUILD, user_id=7777)
    assert reply["flags"] & EPHEMERAL and re.search(r"try again in \d+ s", reply["content"])
    _, someone_else = await ask(fake, "reset", guild_id=OTHER_GUILD, user_id=7778)
    assert someone_else.get("embeds")
    off = await fake.send_command("settings", {"cooldown": 0}, guild_id=OTHER_GUILD, permissions=MANAGE_GUILD)
    await off.wait_for(timeout=10)


async def test_nobody_gets_pinged(fake, bot):
    question = "@everyone @here <@&123> <@!456> ＠everyone what did **Trump** say about Putin?"
    interaction, reply = await ask(fake, question)
    for message in interaction.messages():
        assert not PING.search(all_text(message)), all_text(message)
        assert message.get("allowed_mentions") == {"parse": []}
    assert "Putin" in all_text(reply)


async def test_private_option_keeps_the_answer_to_the_asker(fake, bot):
    interaction, reply = await ask(fake, "Who is Andrei Tsygankov?", options={"private": True})
    assert interaction.callbacks[0]["type"] == 5 and interaction.callbacks[0]["data"]["flags"] & EPHEMERAL
    assert "professor of international relations" in all_text(reply)
    public, _ = await ask(fake, "Who is Andrei Tsygankov?")
    assert not (public.callbacks[0].get("data") or {}).get("flags", 0) & EPHEMERAL


async def test_passage_autocomplete_completes_ids_and_searches_words(fake, bot):
    async def choices(typed: str) -> list[str]:
        interaction = await fake.send_command("source", {"passage": typed}, focused="passage")
        return [c["value"] for c in (await interaction.wait_for(timeout=10))["choices"]]

    assert await choices("002_845548aa095cdc9a:1") == [f"002_845548aa095cdc9a:{n}" for n in (1, 10, 11)]
    assert len(await choices("002")) == 11
    assert (await choices("Gerasimov Dunford"))[0] == "000_4a78ec43d6a1d967:5"
    assert len(await choices("")) == 25


async def test_question_outside_the_chosen_article_gets_a_private_hint(fake, bot):
    interaction, reply = await ask(
        fake, "Who is Andrei Tsygankov?", options={"article": "000_4a78ec43d6a1d967"}
    )
    assert interaction.callback_types == [4] and reply["flags"] & EPHEMERAL  # never a public "thinking…"
    assert "Russia and the West" in all_text(reply) and "without the `article` option" in reply["content"]


async def test_answers_go_into_a_thread_of_the_question_when_the_server_wants(fake, bot):
    turn_on = await fake.send_command("settings", {"threads": True}, permissions=MANAGE_GUILD)
    assert "Answers in threads" in all_text(await turn_on.wait_for(timeout=10))
    try:
        before = len(fake.threads.get(GUILD, []))
        interaction = await fake.send_command("ask", {"question": "Russia and the West relations reset"})
        await fake.wait_until(lambda: len(fake.threads.get(GUILD, [])) > before and fake.thread_messages(
            fake.threads[GUILD][-1]["id"]), 15, "an answer in a thread")  # fmt: skip
        assert "Russia and the West relations reset" in interaction.original["content"]
        assert not interaction.original.get("embeds")  # the channel keeps the question only
        thread = fake.threads[GUILD][-1]
        assert thread["parent_id"] == interaction.original["channel_id"] and "relations reset" in thread["name"]
        answer = fake.thread_messages(thread["id"])[0]
        assert answer["embeds"][0]["fields"] and any(c.startswith("sb:page:") for c in custom_ids(answer))
        private = await fake.send_command("ask", {"question": "Who is Andrei Tsygankov?", "private": True})
        reply = await private.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
        assert reply and len(fake.threads[GUILD]) == before + 1  # a private answer stays private, no thread
    finally:
        await (await fake.send_command("settings", {"threads": False}, permissions=MANAGE_GUILD)).wait_for(timeout=10)
