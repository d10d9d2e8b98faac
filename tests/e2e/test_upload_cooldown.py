"""The server's upload cooldown, end to end, with the "Add to reading list" menu trying a message's
files in turn: only a file that is added starts it; files refused on the way there do not."""

from __future__ import annotations

import pytest
import pytest_asyncio

from testing.bot_process import GUILD
from tests.e2e.conftest import running_bot
from tests.e2e.uploads import is_outcome, library_keys
from tests.support.readings import READING

pytestmark = pytest.mark.asyncio(loop_scope="module")

DAMAGED_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog"  # cut short: no end-of-file marker


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake, tmp_path_factory):
    async with running_bot(fake, tmp_path_factory.mktemp("cooldown-bot"), cooldown_seconds=0,
                           library=library_keys(upload_cooldown_seconds=600)) as process:  # fmt: skip
        yield process


async def add_from_message(fake, *attachments: tuple) -> str:
    message = {"content": "a reading", "attachments": list(attachments)}
    interaction = await fake.send_command("Add to reading list", command_type=3, guild_id=GUILD, target_message=message)
    reply = await interaction.wait_for(is_outcome, timeout=30)
    assert not interaction.errors and interaction.first_response_after < 3
    return reply["content"]


async def test_only_an_added_file_starts_the_upload_cooldown(fake, bot):
    nothing = await add_from_message(fake, ("scan.pdf", DAMAGED_PDF, "application/pdf"),
                                     ("blank.md", b"  \n", "text/markdown"))  # fmt: skip
    assert "Nothing was stored" in nothing and "try again in" not in nothing
    added = await add_from_message(fake, ("scan.pdf", DAMAGED_PDF, "application/pdf"),
                                   ("quokkas.md", READING.encode(), "text/markdown"))  # fmt: skip
    assert added.startswith("Added ‘The Quokka Census’") and "scan.pdf" in added and "try again in" not in added
    waiting = await add_from_message(fake, ("more.md", READING.encode() + b"\nMore.\n", "text/markdown"))
    assert "try again in" in waiting and not waiting.startswith("Added")
