"""Every server its own reading list, end to end: the real bot as a subprocess against the fake
Discord, which serves the attachments over loopback and enforces Discord's limits and deadlines."""

from __future__ import annotations

import re

import pytest
import pytest_asyncio

from bot.config import load_settings
from bot.storage import open_store
from bot.wiring import storage_options
from testing.bot_process import GUILD, OTHER_GUILD
from tests.e2e.conftest import running_bot
from tests.e2e.uploads import is_outcome, library_keys, text_of
from tests.support.readings import QUESTION
from tests.support.readings import READING as QUOKKAS

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
NOT_MANAGER = 1 << 11  # Send Messages only
LIBRARIAN_ROLE = 424242
READING = QUOKKAS.encode()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, tmp_path_factory):
    async with running_bot(fake, tmp_path_factory.mktemp("library-bot"), cooldown_seconds=0,
                           library=library_keys()) as process:  # fmt: skip
        yield process


async def ask(fake, guild_id: int) -> str:
    return await ask_about(fake, guild_id, QUESTION)


async def ask_about(fake, guild_id: int, question: str) -> str:
    interaction = await fake.send_command("ask", {"question": question}, guild_id=guild_id)
    reply = await interaction.wait_for(timeout=15)
    assert not interaction.errors
    return text_of(reply)


async def add(fake, data: bytes = READING, name: str = "quokkas.md", **kwargs):
    interaction = await fake.send_command("library add", attachments={"file": (name, data, "text/markdown")},
                                          **kwargs)  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=20)
    assert not interaction.errors and interaction.first_response_after < 3
    return interaction, reply


async def document_id(fake, guild_id: int = GUILD) -> str:
    interaction = await fake.send_command("library remove", {"document": ""}, focused="document", guild_id=guild_id)
    choices = (await interaction.wait_for(timeout=10))["choices"]
    return choices[0]["value"] if choices else ""


async def test_upload_in_one_server_is_answered_there_only_and_gone_once_removed(fake, bot):
    interaction, reply = await add(fake)
    assert interaction.callback_types[0] == 5  # acknowledged before the download and the parse
    assert reply["content"] == "Added ‘The Quokka Census’ — 2 passages, 1 footnote."
    assert any("quokkas.md" in d for d in map(str, fake.downloads))
    assert "twelve thousand" in await ask(fake, GUILD)
    assert "twelve thousand" not in await ask(fake, OTHER_GUILD)

    listing = await fake.send_command("library list", guild_id=OTHER_GUILD)
    assert "Quokka" not in text_of(await listing.wait_for(timeout=10))
    doc = await document_id(fake)
    assert re.fullmatch(r"[0-9a-f]{10}", doc) and await document_id(fake, OTHER_GUILD) == ""
    info = await fake.send_command("library info", {"document": doc}, guild_id=OTHER_GUILD)  # a crafted value
    assert "no such document" in text_of(await info.wait_for(timeout=10))

    remove = await fake.send_command("library remove", {"document": doc})
    confirm = await remove.wait_for(timeout=10)
    assert confirm["flags"] & EPHEMERAL and "Remove ‘The Quokka Census’" in confirm["content"]
    outsider = await fake.click(confirm, f"sb:lrm:{doc}", permissions=NOT_MANAGER)
    assert "Only members with Manage Server" in text_of(await outsider.wait_for(timeout=10))
    clicked = await fake.click(confirm, f"sb:lrm:{doc}")
    assert "Removed ‘The Quokka Census’" in text_of(await clicked.wait_for(timeout=10))
    assert "twelve thousand" not in await ask(fake, GUILD)


async def test_a_member_without_rights_is_refused_and_a_librarian_may_add(fake, bot):
    interaction = await fake.send_command("library add", attachments={"file": ("quokkas.md", READING, "text/markdown")},
                                          permissions=NOT_MANAGER)  # fmt: skip
    reply = await interaction.wait_for(timeout=10)
    assert interaction.callback_types == [4] and reply["flags"] & EPHEMERAL
    assert "Only members with Manage Server or the librarian role" in reply["content"]
    fake.add_role(GUILD, LIBRARIAN_ROLE, "Librarian")
    settings = await fake.send_command("settings", {"librarian_role": LIBRARIAN_ROLE})
    assert "Settings saved" in text_of(await settings.wait_for(timeout=10))
    _interaction, added = await add(fake, permissions=NOT_MANAGER, member_roles=[LIBRARIAN_ROLE])
    assert added["content"].startswith("Added ‘The Quokka Census’")
    edit = await fake.send_command("library edit", {"document": await document_id(fake)})
    modal = await edit.wait_modal()
    assert modal["title"] == "Edit document"
    submitted = await fake.submit_modal(edit, {"title": "Quokka Count 2023"})
    assert "Updated ‘Quokka Count 2023’" in text_of(await submitted.wait_for(timeout=10))
    assert "Quokka Count 2023" in await ask(fake, GUILD)
    info = await fake.send_command("library info", {"document": await document_id(fake)})
    card = text_of(await info.wait_for(timeout=10))
    assert "Quokka Count 2023" in card and "Quoted in 1 answer " in card and "Added by <@" in card


async def test_two_managers_editing_one_document_both_get_their_form(fake, bot):
    document = await document_id(fake)
    first = await fake.send_command("library edit", {"document": document}, user_id=7101)
    second = await fake.send_command("library edit", {"document": document}, user_id=7102)
    forms = [await first.wait_modal(), await second.wait_modal()]
    assert forms[0]["custom_id"] != forms[1]["custom_id"]  # one form does not replace the other
    done_first = await fake.submit_modal(first, {"title": "Census by the first"}, user_id=7101)
    assert "Updated ‘Census by the first’" in text_of(await done_first.wait_for(timeout=10))
    done_second = await fake.submit_modal(second, {"title": "Census by the second"}, user_id=7102)
    assert "Updated ‘Census by the second’" in text_of(await done_second.wait_for(timeout=10))
    back = await fake.send_command("library edit", {"document": document})
    await back.wait_modal()
    await (await fake.submit_modal(back, {"title": "Quokka Count 2023"})).wait_for(timeout=10)  # as the others expect


async def test_an_edit_keeps_the_fields_it_did_not_touch_whole(fake, bot):
    long_title, long_url = "The Wallaby Survey " + "of Kangaroo Island " * 20, "https://example.org/" + "w" * 600
    reading = f"---\ntitle: {long_title.strip()}\nurl: {long_url}\n---\n\nWallabies were surveyed at dawn.\n"
    _i, added = await add(fake, reading.encode(), "long.md", guild_id=OTHER_GUILD)
    assert added["content"].startswith("Added")
    async with await open_store(storage_options(load_settings(bot.config))) as store:
        (doc,) = [d for d in await store.list_documents(OTHER_GUILD) if d.filename == "long.md"]
    form = await fake.send_command("library edit", {"document": doc.id}, guild_id=OTHER_GUILD)
    await form.wait_modal()  # the form shows the first 256 characters of the title, 512 of the link
    done = await fake.submit_modal(form, {"author": "Mira Tanaka"})
    assert "Updated" in text_of(await done.wait_for(timeout=10))
    async with await open_store(storage_options(load_settings(bot.config))) as store:
        edited = await store.get_document(OTHER_GUILD, doc.id)
    assert (edited.author, edited.title, edited.url) == ("Mira Tanaka", doc.title, long_url)


async def test_hostile_uploads_get_a_clear_reply_and_nothing_is_stored(fake, bot):
    before = await document_id(fake)
    lying = await fake.send_command("library add", attachments={"file": ("big.pdf", b"%PDF-1.4", "application/pdf",
                                                                           10**9)})  # fmt: skip
    assert "too large" in text_of(await lying.wait_for(timeout=10))
    assert not any("big.pdf" in str(d) for d in fake.downloads)  # refused before download
    _i, wrong = await add(fake, b"MZ\x90\x00" + bytes(300), "tool.exe")
    assert "I can't add tool.exe" in wrong["content"] and "Nothing was stored" in wrong["content"]
    _i, fake_html = await add(fake, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "page.html")
    assert "I can't add page.html" in fake_html["content"]
    # a file name is the member's text: shown inert, and the reply still fits one message
    _i, odd = await add(fake, b"MZ\x90\x00" + bytes(300), "@everyone_**bold**_<@123>" + "a" * 1900 + ".exe")
    assert odd["content"].startswith("I can't add ") and "**bold**" not in odd["content"]
    assert "<@123>" not in odd["content"] and len(odd["content"]) <= 2000
    assert await document_id(fake) == before


async def test_the_message_menu_adds_the_attached_file(fake, bot):
    message = {"content": "this week's reading", "attachments": [("week2.md", READING + b"\nWeek two.\n",
                                                                  "text/markdown")]}  # fmt: skip
    interaction = await fake.send_command("Add to reading list", command_type=3, target_message=message,
                                          guild_id=OTHER_GUILD)  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=20)
    assert reply["content"].startswith("Added ‘The Quokka Census’") and not interaction.errors
    assert "twelve thousand" in await ask(fake, OTHER_GUILD)
    bare = await fake.send_command("Add to reading list", command_type=3, target_message={"content": "no file"})
    assert "no file attached" in text_of(await bare.wait_for(timeout=10))


async def test_the_message_menu_adds_the_first_readable_file_and_names_the_others(fake, bot):
    message = {"content": "week three", "attachments": [
        ("cover.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        ("week3.md", READING + b"\nWeek three.\n", "text/markdown"),
        ("week3-extra.md", READING + b"\nMore for week three.\n", "text/markdown"),
    ]}  # fmt: skip
    interaction = await fake.send_command("Add to reading list", command_type=3, target_message=message,
                                          guild_id=OTHER_GUILD)  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=20)
    assert reply["content"].startswith("Added ‘The Quokka Census’") and not interaction.errors
    assert "week3-extra.md" in reply["content"] and "cover.png" not in reply["content"]  # no reading: not offered


DAMAGED_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog"  # cut short: no end-of-file marker
OTTERS = b"# The Otter Survey\n\nThe river wardens counted four hundred and six otters in May.\n"


async def titles(fake, guild_id: int) -> list[str]:
    listing = await fake.send_command("library list", guild_id=guild_id)
    return re.findall(r"\*\*(.+?)\*\*", text_of(await listing.wait_for(timeout=10)))


async def test_the_message_menu_tries_the_next_readable_file_when_one_is_refused(fake, bot):
    before = await titles(fake, OTHER_GUILD)
    message = {"content": "week five", "attachments": [
        ("cover.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        ("scan.pdf", DAMAGED_PDF, "application/pdf"),
        ("again.md", READING + b"\nWeek two.\n", "text/markdown"),  # week2.md's bytes: already in the list
        ("blank.md", b"   \n\n", "text/markdown"),
        ("otters.md", OTTERS, "text/markdown"),
        ("otters-extra.md", OTTERS + b"\nMore otters.\n", "text/markdown"),
    ]}  # fmt: skip
    interaction = await fake.send_command("Add to reading list", command_type=3, target_message=message,
                                          guild_id=OTHER_GUILD)  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=30)
    assert not interaction.errors and interaction.first_response_after < 3
    assert interaction.original["flags"] & EPHEMERAL  # only the member sees what was refused
    added, *rest = reply["content"].splitlines()
    assert added.startswith("Added ‘The Otter Survey’") and "otters.md" in added
    refused = {name: line for line in rest for name in ("scan.pdf", "again.md", "blank.md") if name in line}
    assert "damaged PDF" in refused["scan.pdf"] and "already in" in refused["again.md"]
    assert "no text" in refused["blank.md"]
    assert "otters-extra.md" in reply["content"] and "cover.png" not in reply["content"]  # named, not tried
    assert len(reply["content"]) <= 2000
    assert not any("otters-extra.md" in str(d) for d in fake.downloads)
    assert sorted(await titles(fake, OTHER_GUILD)) == sorted([*before, "The Otter Survey"])  # that one only
    assert "four hundred and six" in await ask_about(fake, OTHER_GUILD, "How many otters did the wardens count?")


async def test_the_message_menu_names_each_refused_file_with_its_reason_when_none_is_added(fake, bot):
    before = await titles(fake, OTHER_GUILD)
    message = {"content": "week six", "attachments": [
        ("broken.pdf", DAMAGED_PDF, "application/pdf"),
        ("huge.pdf", b"%PDF-1.4", "application/pdf", 10**9),  # declared over the limit
        ("otters-again.md", OTTERS, "text/markdown"),
        ("empty.txt", b"", "text/plain"),
    ]}  # fmt: skip
    interaction = await fake.send_command("Add to reading list", command_type=3, target_message=message,
                                          guild_id=OTHER_GUILD)  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=30)
    assert not interaction.errors and interaction.first_response_after < 3
    content = reply["content"]
    assert not content.startswith("Added") and "Nothing was stored" in content and len(content) <= 2000
    lines = {name: line for line in content.splitlines()
             for name in ("broken.pdf", "huge.pdf", "otters-again.md", "empty.txt") if name in line}  # fmt: skip
    assert "damaged PDF" in lines["broken.pdf"] and "too large" in lines["huge.pdf"]
    assert "already in" in lines["otters-again.md"] and "empty file" in lines["empty.txt"]
    assert not any("huge.pdf" in str(d) for d in fake.downloads)  # refused before download
    assert await titles(fake, OTHER_GUILD) == before


async def test_many_refused_files_with_long_names_still_fit_one_message(fake, bot):
    files = [(f"{'@everyone_**' * 8}{n}{'x' * 150}.pdf", DAMAGED_PDF, "application/pdf") for n in range(10)]
    interaction = await fake.send_command("Add to reading list", command_type=3,
                                          target_message={"content": "lots", "attachments": files})  # fmt: skip
    reply = await interaction.wait_for(is_outcome, timeout=60)
    assert not interaction.errors and len(reply["content"]) <= 2000
    assert "damaged PDF" in reply["content"] and "**" not in reply["content"].replace("\\*", "")


async def test_a_restart_keeps_every_servers_reading_list(fake, bot):
    before = await document_id(fake, OTHER_GUILD)
    assert before  # added by the message menu above
    assert await bot.stop() == 0
    await bot.start(fake)
    assert await document_id(fake, OTHER_GUILD) == before
    assert "twelve thousand" in await ask(fake, OTHER_GUILD)
    assert "Quokka Count 2023" in await ask(fake, GUILD)  # the edited title survived too
