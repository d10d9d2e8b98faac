"""An answer's buttons after its document was replaced, and /stats per document, end to end: the
real bot as a subprocess against the fake Discord (the library tests' bot, a fresh one here)."""

from __future__ import annotations

import pytest

from testing.bot_process import OTHER_GUILD
from testing.fake_discord import custom_ids
from tests.e2e.test_library import READING, add, bot, document_id, text_of  # noqa: F401 (bot: a fixture)
from tests.support.readings import QUESTION

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("bot")]

EPHEMERAL = 64
NEW_READING = READING.replace(b"twelve thousand", b"eleven thousand")
REPLACED = "‘The Quokka Census’ was replaced by a new version since this answer"


async def ask(fake, guild_id: int | None = None):
    options = {"guild_id": guild_id} if guild_id else {}
    interaction = await fake.send_command("ask", {"question": QUESTION}, **options)
    reply = await interaction.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    assert not interaction.errors
    return interaction, reply


def labelled(message: dict, label: str) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"]
                if c.get("label", "").startswith(label))  # fmt: skip


async def click(fake, message: dict, custom_id: str):
    clicked = await fake.click(message, custom_id)
    reply = await clicked.wait_for(timeout=10)
    assert not clicked.errors
    return clicked, reply


async def replace_document(fake) -> str:
    """Remove the server's quokka document and add a new version with other text; the new id."""
    old = await document_id(fake)
    remove = await fake.send_command("library remove", {"document": old})
    await click(fake, await remove.wait_for(timeout=10), f"sb:lrm:{old}")
    _interaction, added = await add(fake, NEW_READING)
    assert added["content"].startswith("Added ‘The Quokka Census’")
    new = await document_id(fake)
    assert new != old
    return new


async def test_the_buttons_of_an_answer_whose_document_was_replaced_say_so(fake):
    await add(fake)
    settings = await fake.send_command("settings", {"excerpts": 1})  # a page per excerpt: paging buttons
    assert "Settings saved" in text_of(await settings.wait_for(timeout=10))
    interaction, reply = await ask(fake)
    answer = interaction.original
    assert "twelve thousand" in text_of(reply) and labelled(reply, "More results")
    full, shown = await click(fake, answer, labelled(reply, "Full passage 1"))
    assert "twelve thousand" in text_of(shown) and shown["flags"] & EPHEMERAL
    passage_view = full.original
    turn, page2 = await click(fake, answer, labelled(reply, "More results"))

    await replace_document(fake)
    assert "eleven thousand" in text_of((await ask(fake))[1])  # new questions quote the new version

    back, page1 = await click(fake, turn.original, labelled(page2, "◀ Previous"))  # the message, turned to page 2
    assert REPLACED in text_of(page1) and "twelve thousand" not in text_of(page1)
    _full, refused = await click(fake, back.original, labelled(page1, "Full passage 1"))
    assert refused["flags"] & EPHEMERAL and REPLACED in refused["content"] and "twelve thousand" not in text_of(refused)
    for stale in (labelled(shown, "Next passage"), labelled(shown, "Share in channel")):
        _clicked, said = await click(fake, passage_view, stale)
        assert "replaced by a new version" in said["content"] and said["flags"] & EPHEMERAL
        assert "thermal cameras" not in text_of(said) and "Shared by" not in text_of(said)


async def test_stats_per_document_count_its_answers_and_votes_in_its_own_server_only(fake):
    document = await document_id(fake)
    _interaction, before = await click_stats(fake, document)
    interaction, reply = await ask(fake)
    assert "eleven thousand" in text_of(reply)
    _vote, thanks = await click(fake, interaction.original, next(c for c in custom_ids(reply) if c.endswith(":up")))
    assert "👍 1" in thanks["content"]

    _interaction, card = await click_stats(fake, document)
    fields = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}
    answered_before = int({f["name"]: f["value"] for f in before["embeds"][0]["fields"]}["Questions answered from it"])
    assert fields["Questions answered from it"] == str(answered_before + 1) and fields["Feedback"] == "👍 1 · 👎 0"
    assert card["embeds"][0]["title"] == "The Quokka Census" and card["flags"] & EPHEMERAL
    overview = await (await fake.send_command("stats")).wait_for(timeout=10)
    assert "**The Quokka Census** — Quoted in" in text_of(overview) and "Most quoted documents" in text_of(overview)

    crafted, elsewhere = await click_stats(fake, document, guild_id=OTHER_GUILD)  # another server's id, typed in
    assert "no such document" in text_of(elsewhere) and "Quokka" not in text_of(elsewhere)
    assert not crafted.errors
    other_overview = await (await fake.send_command("stats", guild_id=OTHER_GUILD)).wait_for(timeout=10)
    assert "Quokka" not in text_of(other_overview) and "Most quoted documents" not in text_of(other_overview)
    choices = await fake.send_command("stats", {"document": ""}, focused="document", guild_id=OTHER_GUILD)
    assert (await choices.wait_for(timeout=10))["choices"] == []


async def test_library_info_says_who_added_the_document_and_when(fake):
    if not await document_id(fake):  # run on its own, without the tests above that add it
        await add(fake)
    info = await fake.send_command("library info", {"document": await document_id(fake)})
    card = text_of(await info.wait_for(timeout=10))
    assert f"Added by <@{fake.default_user_id}> on <t:" in card


async def click_stats(fake, document: str, **options):
    interaction = await fake.send_command("stats", {"document": document}, **options)
    return interaction, await interaction.wait_for(timeout=10)
