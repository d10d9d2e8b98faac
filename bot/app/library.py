"""/library add|list|info|edit|remove, the "Add to reading list" message menu, document
autocomplete, the remove confirmation button and the edit modal: interaction → Library service
call → rendered reply. Every rule (rights, quotas, hosts, parsing) lives in bot.service.library."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

import discord
from discord import app_commands

from bot.app import render
from bot.app.commands import document_choices, tracked
from bot.app.interactions import defer, member, refused, report_failure, respond
from bot.app.progress import ProgressReply
from bot.app.render.fit import new_embed
from bot.service import messages
from bot.service.library import COMMAND_LINE_USER, DocumentEdit, FirstAdded, Upload, UploadProgress
from bot.service.rules import Refusal
from bot.storage import DocumentRecord, DocumentStats

PAGE_SIZE = 10
WARNINGS_SHOWN = 5
# A reply naming several of a message's files: how much of each it shows, so that all fit one message.
ADDED_SHOWN, FILE_NAME_SHOWN, REASON_SHOWN, UNTRIED_SHOWN = 800, 80, 160, 400
NO_EDIT = DocumentEdit()  # frozen: safe to share as a default


def _library(interaction: discord.Interaction):
    return interaction.client.services.library  # type: ignore[attr-defined]


def _upload(attachment: discord.Attachment) -> Upload:
    return Upload(attachment.filename, attachment.size, attachment.content_type, attachment_url=attachment.url,
                  shown_name=render.file_name(attachment.filename))  # fmt: skip


def added_text(doc: DocumentRecord, filename: str | None = None) -> str:
    """The upload reply (naming the file it came from, when given), its title and warnings made inert,
    within Discord's message limit."""
    warnings = [render.safe(w, 200) for w in doc.warnings[:WARNINGS_SHOWN]]
    if len(doc.warnings) > WARNINGS_SHOWN:
        warnings.append(f"and {len(doc.warnings) - WARNINGS_SHOWN} more")
    shown_file = render.file_name(filename, 100) if filename else None
    text = messages.document_added(render.safe(doc.title, 200), doc.passages, doc.footnotes, doc.first_page,
                                   doc.last_page, tuple(warnings), shown_file)  # fmt: skip
    return text if len(text) <= render.CONTENT else text[: render.CONTENT - 1] + "…"


def first_added_text(outcome: FirstAdded) -> str:
    """The reply to files tried in turn. One file: its own reply, as `/library add` gives. Several: the
    one added (named) or why none was, a line for each refused on the way with why (as many as fit,
    then how many more), and the readable ones not tried; within Discord's message limit."""
    if outcome.considered <= 1:
        if outcome.added:
            return added_text(outcome.added[1])
        return (outcome.stopped or outcome.refused[0][1]).message
    if outcome.added:
        head = render.cut(added_text(outcome.added[1], outcome.added[0].filename), ADDED_SHOWN)
    else:
        head = outcome.stopped.message if outcome.stopped else messages.NONE_OF_THE_FILES
    heading = [messages.REFUSED_ON_THE_WAY] if outcome.refused and (outcome.added or outcome.stopped) else []
    untried = []
    if outcome.untried and not outcome.stopped:
        names = [render.file_name(upload.filename, 100) for upload in outcome.untried]
        untried = [messages.others_not_tried(render.join_some(names, UNTRIED_SHOWN, "files"), outcome.out_of_time)]
    lines = [messages.file_refused(render.file_name(upload.filename, FILE_NAME_SHOWN),
                                   render.safe(refusal.reason or refusal.message, REASON_SHOWN))
             for upload, refusal in outcome.refused]  # fmt: skip
    room = render.CONTENT - len("\n".join([head, *heading, *untried]))
    return "\n".join([head, *heading, *_fitting(lines, room), *untried])


def _fitting(lines: list[str], room: int) -> list[str]:
    """As many of `lines` as fit in `room` characters (each after a newline), then a line counting the rest."""
    kept: list[str] = []
    used = 0
    for at, line in enumerate(lines):
        rest = len(lines) - at - 1
        after = 1 + len(messages.more_refused(rest)) if rest else 0  # the count of the rest must fit too
        if used + 1 + len(line) + after > room:
            return kept + [messages.more_refused(len(lines) - at)]
        kept.append(line)
        used += 1 + len(line)
    return kept


def progress_text(progress: UploadProgress) -> str:
    return messages.upload_progress(progress.stage, render.file_name(progress.filename), progress.at, progress.total)


def document_embed(doc: DocumentRecord, stats: DocumentStats) -> discord.Embed:
    embed = new_embed(render.safe(doc.title, render.TITLE), url=doc.url)
    for name, value in (("Author", doc.author), ("Date", doc.date)):
        if value:
            embed.add_field(name=name, value=render.safe(value, 200), inline=True)
    pages = messages.pages_text(doc.first_page, doc.last_page)
    counts = [messages.plural(doc.passages, "passage"), messages.plural(doc.footnotes, "footnote")]
    embed.add_field(name="Contents", value=", ".join(counts + [pages] * bool(pages)), inline=True)
    embed.add_field(name="File", value=f"{render.safe(doc.filename, 200)} · {messages.size_text(doc.size)}",
                    inline=False)  # fmt: skip
    who = "the command line" if doc.added_by == COMMAND_LINE_USER else f"<@{doc.added_by}>"
    embed.add_field(name="Added", value=messages.added_by(who, f"<t:{int(doc.added_at)}:f>"), inline=False)
    embed.add_field(name="Use", value=messages.quoted_in(stats.answers, stats.feedback_up, stats.feedback_down),
                    inline=False)  # fmt: skip
    if doc.warnings:
        lines = [render.safe(w, 200) for w in doc.warnings]
        embed.add_field(name="Warnings", value=render.join_some(lines, render.FIELD_VALUE, "warnings"), inline=False)
    embed.set_footer(text=f"id {doc.id}")
    return embed


def list_embed(documents: tuple[DocumentRecord, ...], page: int) -> discord.Embed:
    pages = max(1, -(-len(documents) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = documents[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [f"**{render.safe(d.title, 150)}** — {messages.plural(d.passages, 'passage')} · `{d.id}`" for d in shown]
    embed = new_embed("This server's reading list", "\n".join(lines) or messages.LIBRARY_EMPTY)
    if pages > 1:
        embed.set_footer(text=f"page {page}/{pages} · {messages.plural(len(documents), 'document')}")
    return embed


async def _document_to_change(interaction: discord.Interaction, document: str) -> DocumentRecord | None:
    """The document to edit or remove, after the member's right to change is checked (else refused)."""
    library, who = _library(interaction), member(interaction)
    if not await library.may_change(who):
        await respond(interaction, content=messages.LIBRARY_CHANGE_NOT_ALLOWED, ephemeral=True)
        return None
    found = await library.info(who, document.strip())
    return None if await refused(interaction, found) else found


async def add_attachments(interaction: discord.Interaction, attachments: Sequence[discord.Attachment],
                          metadata: DocumentEdit = NO_EDIT) -> None:  # fmt: skip
    """Add the first of the files that can be added (Library.add_first, which tries them in turn): a
    refusal before any download is answered at once; else the reply is acknowledged before the first
    download and shows how far the work has got, until it says what came in and what did not."""
    if not attachments:
        await respond(interaction, content=messages.NO_ATTACHMENT, ephemeral=True)
        return
    progress: list[ProgressReply] = []

    async def acknowledge() -> None:
        await defer(interaction, ephemeral=True)
        progress.append(ProgressReply(lambda text: interaction.edit_original_response(content=text)))

    try:
        outcome = await _library(interaction).add_first(member(interaction), [_upload(a) for a in attachments],
                                                        metadata, lambda step: progress[0].show(progress_text(step)),
                                                        acknowledge)  # fmt: skip
    finally:
        for reply in progress:
            await reply.close()
    await respond(interaction, content=first_added_text(outcome), ephemeral=True)


library_group = app_commands.Group(name="library", description="This server's reading list", guild_only=True)


@library_group.command(name="add", description="Add a file to this server's reading list")
@app_commands.describe(file="The reading (PDF, Word, EPUB, HTML, Markdown or text)", title="Its title",
                       author="Its author", date="Its date (2024, 2024-05 or 2024-05-31)", url="Where it is online")
@tracked
async def library_add(interaction: discord.Interaction, file: discord.Attachment, title: str | None = None,
                      author: str | None = None, date: str | None = None, url: str | None = None) -> None:  # fmt: skip
    await add_attachments(interaction, [file], DocumentEdit(title, author, date, url))


@app_commands.context_menu(name="Add to reading list")
@app_commands.guild_only()
@tracked
async def add_to_reading_list(interaction: discord.Interaction, message: discord.Message) -> None:
    await add_attachments(interaction, message.attachments)  # its readable files in turn, one added at most


@library_group.command(name="list", description="The documents of this server's reading list")
@app_commands.describe(page="Which page of the list")
@tracked
async def library_list(interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1) -> None:
    documents = await _library(interaction).list(member(interaction))
    if await refused(interaction, documents):
        return
    await respond(interaction, embed=list_embed(documents, page), ephemeral=True)


@library_group.command(name="info", description="One document: what came in, who added it and when")
@app_commands.autocomplete(document=document_choices)
@tracked
async def library_info(interaction: discord.Interaction, document: str) -> None:
    card = await _library(interaction).card(member(interaction), document.strip())
    if await refused(interaction, card):
        return
    await respond(interaction, embed=document_embed(*card), ephemeral=True)


@library_group.command(name="edit", description="Change a document's title, author, date or link")
@app_commands.autocomplete(document=document_choices)
@tracked
async def library_edit(interaction: discord.Interaction, document: str) -> None:
    found = await _document_to_change(interaction, document)
    if found is not None:
        await interaction.response.send_modal(EditModal(found))  # a modal must be the first answer


class EditModal(discord.ui.Modal):
    def __init__(self, doc: DocumentRecord):
        # One id per opening: discord.py files open forms by custom_id, so two members editing one
        # document must not share one (the later form would replace the earlier).
        super().__init__(title="Edit document", custom_id=f"sb:ledit:{doc.id}:{secrets.token_hex(4)}", timeout=900)
        self.document_id = doc.id
        self.fields = {
            "title": discord.ui.TextInput(label="Title", default=doc.title[:256], max_length=256, custom_id="title"),
            "author": discord.ui.TextInput(label="Author", default=(doc.author or "")[:256], max_length=256,
                                           required=False, custom_id="author"),  # fmt: skip
            "date": discord.ui.TextInput(label="Date (2024, 2024-05 or 2024-05-31)", default=doc.date or "",
                                         max_length=10, required=False, custom_id="date"),  # fmt: skip
            "url": discord.ui.TextInput(label="Link (url)", default=(doc.url or "")[:512], max_length=512,
                                        required=False, custom_id="url"),  # fmt: skip
        }
        self.shown = {name: item.default for name, item in self.fields.items()}
        for item in self.fields.values():
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        async with interaction.client.in_flight():  # type: ignore[attr-defined]
            # a field left as the form showed it is unchanged: the form may show only the start of a long one
            edit = DocumentEdit(**{name: None if item.value == self.shown[name] else item.value
                                   for name, item in self.fields.items()})  # fmt: skip
            updated = await _library(interaction).edit(member(interaction), self.document_id, edit)
            if await refused(interaction, updated):
                return
            await respond(interaction, content=messages.document_updated(render.safe(updated.title, 200)),
                          ephemeral=True)  # fmt: skip

    async def on_error(self, interaction: discord.Interaction, error: Exception, item=None) -> None:
        await report_failure(interaction, error)


@library_group.command(name="remove", description="Remove a document from this server's reading list")
@app_commands.autocomplete(document=document_choices)
@tracked
async def library_remove(interaction: discord.Interaction, document: str) -> None:
    found = await _document_to_change(interaction, document)
    if found is None:
        return
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveButton(found.id))
    view.stop()  # routed by custom_id
    await respond(interaction, content=messages.confirm_remove(render.safe(found.title, 200)), view=view,
                  ephemeral=True)  # fmt: skip


class RemoveButton(discord.ui.DynamicItem[discord.ui.Button], template=r"sb:lrm:(?P<document>[0-9a-f]{10})"):
    """Confirms a removal; the click is input, not trust: the service checks rights and server again."""

    def __init__(self, document_id: str):
        super().__init__(discord.ui.Button(label="Remove", style=discord.ButtonStyle.danger,
                                           custom_id=f"sb:lrm:{document_id}"))  # fmt: skip
        self.document_id = document_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["document"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await interaction.client.admit(interaction)  # type: ignore[attr-defined]

    async def callback(self, interaction: discord.Interaction) -> None:
        async with interaction.client.in_flight():  # type: ignore[attr-defined]
            try:
                await defer(interaction, thinking=False)  # the removal's write may outlast Discord's 3 s
                removed = await _library(interaction).remove(member(interaction), self.document_id)
                if isinstance(removed, Refusal):  # to whoever clicked, privately: the confirmation stays
                    await interaction.followup.send(content=removed.message, ephemeral=True)
                    return
                await respond(interaction, content=messages.document_removed(render.safe(removed.title, 200)),
                              view=None)  # fmt: skip
            except Exception as error:  # noqa: BLE001 — a button must never die silently
                await report_failure(interaction, error)


COMMANDS = (library_group, add_to_reading_list)
BUTTONS = (RemoveButton,)
