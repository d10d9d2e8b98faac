"""/ask, "Find sources" and the buttons of an answer, as Discord sees them.

Thin: each handler turns the interaction into a service call and the result into a message.
Buttons are DynamicItems whose custom_ids keep the format of every button already posted:
``sb:<page|full|vote|nav>:<answer id or ->:<argument>``.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.app import render
from bot.app.interactions import defer, member, refused, report_failure, respond
from bot.core.engine import Engine
from bot.core.models import passage_key
from bot.service import messages
from bot.service.answers import DocumentChange, PageView, page_count, page_excerpts
from bot.service.asking import Question, Unanswered, normalise
from bot.storage.records import AnswerRecord

log = logging.getLogger("studybot.app")
NO_ANSWER = "-"  # the answer id of a passage shown from /source, outside any answer
_ANSWER = r"(?P<answer>[A-Za-z0-9_-]{1,32})"
_ARG = r"(?P<arg>[A-Za-z0-9_-]{1,40})"
# Discord's markup that names no word of a question: mentions of members, roles and channels,
# @everyone and @here, custom emoji and timestamps (a command mention keeps its name).
_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b|<a?:\w+:\d+>|<t:-?\d+(?::[tTdDfFR])?>")
_COMMAND_MENTION = re.compile(r"</([\w -]+):\d+>")


def searchable(text: str) -> str:
    """A message's or option's text without Discord's markup, spaces folded."""
    return normalise(_MARKUP.sub(" ", _COMMAND_MENTION.sub(r"\1", text)))


class PassageKeys:
    """passage key → passage id: from the table a saved index keeps (nothing to build, shared by every
    process), else a dict built once per engine (a server's library; off the event loop)."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._saved = engine.corpus.passage_at_key
        self._ids = None if self._saved else {passage_key(i): i for i in engine.passage_ids()}

    def passage_id(self, key: str) -> str | None:
        if self._ids is not None:
            return self._ids.get(key)
        position = self._saved(key)
        return None if position is None else self._engine.passages[position].id


# ---------------------------------------------------------------- buttons


class _AnswerButton:
    """What every answer button shares: its parts, the restart gate, in-flight tracking, failures."""

    action = ""

    def __init__(self, answer_id: str, arg: str, *, label: str = "…", disabled: bool = False, row: int | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary):  # fmt: skip
        super().__init__(  # type: ignore[call-arg]
            discord.ui.Button(
                label=label, custom_id=f"sb:{self.action}:{answer_id}:{arg}", style=style, disabled=disabled, row=row
            )
        )
        self.answer_id, self.arg = answer_id, arg

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["answer"], match["arg"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await interaction.client.admit(interaction)  # type: ignore[attr-defined]

    async def callback(self, interaction: discord.Interaction) -> None:
        async with interaction.client.in_flight():  # type: ignore[attr-defined]
            try:
                await self.handle(interaction)
            except Exception as error:  # noqa: BLE001 — a button must never die silently
                await report_failure(interaction, error)

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def stored(self, interaction: discord.Interaction) -> AnswerRecord | None:
        """The stored answer this button belongs to, after the checks every action needs."""
        answers = interaction.client.services.answers  # type: ignore[attr-defined]
        found = await answers.find(self.answer_id, member(interaction))
        if await refused(interaction, found):
            return None
        if answers.expired(found) and self.action != "nav":
            await interaction.response.edit_message(view=answer_view(found, found.page, disabled=True))
            await interaction.followup.send(messages.EXPIRED, ephemeral=True)
            return None
        return found


class PageButton(_AnswerButton, discord.ui.DynamicItem[discord.ui.Button], template=rf"sb:page:{_ANSWER}:{_ARG}"):
    action = "page"

    async def handle(self, interaction: discord.Interaction) -> None:
        record = await self.stored(interaction)
        if record is None:
            return
        answers = interaction.client.services.answers  # type: ignore[attr-defined]
        view = await answers.turn_page(record, self.arg)
        if await refused(interaction, view):
            return
        if interaction.user.id == record.user_id or _only_they_see(interaction):
            await interaction.response.edit_message(embed=page_embed(view), view=answer_view(record, view.page))
            if interaction.user.id == record.user_id:
                await answers.remember_page(record, view.page)
            return
        # Someone else's public answer: a private copy of that page, theirs to page through.
        await respond(interaction, embed=page_embed(view), view=answer_view(record, view.page), ephemeral=True)


class VoteButton(_AnswerButton, discord.ui.DynamicItem[discord.ui.Button], template=rf"sb:vote:{_ANSWER}:{_ARG}"):
    action = "vote"

    async def handle(self, interaction: discord.Interaction) -> None:
        answers = interaction.client.services.answers  # type: ignore[attr-defined]
        value = answers.vote_value(self.arg)
        if await refused(interaction, value):
            return
        record = await self.stored(interaction)
        if record is None:
            return
        await defer(interaction, ephemeral=True)  # the reply shows committed counts
        await respond(interaction, content=await answers.vote(record, member(interaction), value))


class FullButton(_AnswerButton, discord.ui.DynamicItem[discord.ui.Button], template=rf"sb:full:{_ANSWER}:{_ARG}"):
    action = "full"

    async def handle(self, interaction: discord.Interaction) -> None:
        record = await self.stored(interaction)
        if record is None:
            return
        passage_id = await interaction.client.services.answers.excerpt_passage(record, self.arg)  # type: ignore
        if await refused(interaction, passage_id) or await _changed(interaction, passage_id):
            return
        await show_passage(interaction, passage_id, answer_id=record.id)


class NavButton(_AnswerButton, discord.ui.DynamicItem[discord.ui.Button], template=rf"sb:nav:{_ANSWER}:{_ARG}"):
    action = "nav"

    async def handle(self, interaction: discord.Interaction) -> None:
        record = await self.stored(interaction) if self.answer_id != NO_ANSWER else None
        if self.answer_id != NO_ANSWER and record is None:
            return
        keys = await interaction.client.passage_keys(interaction.guild_id)  # type: ignore[attr-defined]
        passage_id = keys.passage_id(self.arg)
        if record is not None and await _changed_since(interaction, record, passage_id):
            return
        if passage_id is None:
            await respond(interaction, content=messages.PASSAGE_GONE, ephemeral=True)
            return
        await show_passage(interaction, passage_id, answer_id=self.answer_id, edit=True)


class ShareButton(_AnswerButton, discord.ui.DynamicItem[discord.ui.Button], template=rf"sb:share:{_ANSWER}:{_ARG}"):
    """On a private passage: post it in the channel for everyone."""

    action = "share"

    async def handle(self, interaction: discord.Interaction) -> None:
        record = await self.stored(interaction) if self.answer_id != NO_ANSWER else None
        if self.answer_id != NO_ANSWER and record is None:
            return
        services = interaction.client.services  # type: ignore[attr-defined]
        who = member(interaction)
        refusal = services.rules.channel_refusal(who, await services.rules.settings(who.guild_id))
        keys = await interaction.client.passage_keys(interaction.guild_id)  # type: ignore[attr-defined]
        passage_id = keys.passage_id(self.arg)
        if record is not None and await _changed_since(interaction, record, passage_id):
            return
        found = await services.answers.passage(interaction.guild_id, passage_id) if passage_id else None
        if refusal or found is None:
            await respond(interaction, content=refusal.message if refusal else messages.PASSAGE_GONE, ephemeral=True)
            return
        shared = messages.shared_by(render.safe(interaction.user.display_name, 80))
        await respond(interaction, content=shared, embed=render.passage_embed(found))


BUTTONS = (PageButton, VoteButton, FullButton, NavButton, ShareButton)


def _title(change: DocumentChange) -> str | None:
    return render.safe(change.title, 100) if change.title else None


async def _changed(interaction: discord.Interaction, outcome: object) -> bool:
    """If the outcome is a DocumentChange, tell the member privately what became of the document."""
    if not isinstance(outcome, DocumentChange):
        return False
    await respond(interaction, content=messages.document_changed(_title(outcome), outcome.replaced), ephemeral=True)
    return True


async def _changed_since(interaction: discord.Interaction, record: AnswerRecord, passage_id: str | None) -> bool:
    """A passage reached from the answer whose document changed since: say so instead of showing it."""
    answers = interaction.client.services.answers  # type: ignore[attr-defined]
    return await _changed(interaction, await answers.document_change(record, passage_id))


def _only_they_see(interaction: discord.Interaction) -> bool:
    """The clicked message is ephemeral: only the member who clicked can see it (their own copy)."""
    return bool(interaction.message and interaction.message.flags.ephemeral)


def is_our_button(interaction: discord.Interaction, buttons=BUTTONS) -> bool:
    """Whether discord.py will route this click to one of `buttons` (its id matches one, on its message)."""
    custom_id = (interaction.data or {}).get("custom_id", "")
    if not any(button.__discord_ui_compiled_template__.fullmatch(custom_id) for button in buttons):
        return False
    message = interaction.message
    rows = message.components if message else []
    return any(getattr(child, "custom_id", None) == custom_id for row in rows for child in getattr(row, "children", ()))


def answer_view(record: AnswerRecord, page: int, *, disabled: bool = False) -> discord.ui.View:
    pages = page_count(record)
    view = discord.ui.View(timeout=None)
    primary = discord.ButtonStyle.primary
    if pages > 1:  # paging buttons only where there is more than one page
        view.add_item(PageButton(record.id, str(page - 1), label="◀ Previous", disabled=disabled or page <= 1, row=0))
        view.add_item(
            PageButton(record.id, str(page + 1), label="More results ▶", disabled=disabled or page >= pages, row=0,
                       style=primary)  # fmt: skip
        )
    view.add_item(VoteButton(record.id, "up", label="👍", disabled=disabled, row=0))
    view.add_item(VoteButton(record.id, "down", label="👎", disabled=disabled, row=0))
    for excerpt in page_excerpts(record, page):
        view.add_item(FullButton(record.id, str(excerpt.rank), label=f"Full passage {excerpt.rank}", disabled=disabled,
                                 row=1))  # fmt: skip
    view.stop()  # clicks are routed by custom_id: discord.py must not keep every view
    return view


def page_embed(view: PageView) -> discord.Embed:
    """A page of a stored answer; excerpts whose document was removed or replaced since are named
    in a note instead of being shown less without a word."""
    record = view.record
    note = " ".join(messages.document_changed(_title(change), change.replaced) for change in view.changes)
    return render.answer_embed(view.answer, page=view.page, page_size=record.page_size, excerpts=view.shown,
                               note=note or None)  # fmt: skip


# ---------------------------------------------------------------- asking


async def ask(interaction: discord.Interaction, text: str, *, article_id: str | None = None,
              private: bool | None = None) -> None:  # fmt: skip
    asking = interaction.client.services.asking  # type: ignore[attr-defined]
    question = Question(member(interaction), searchable(text), article_id, private)
    step = await asking.check(question)
    if await refused(interaction, step):
        return
    if isinstance(step, Unanswered):  # cheap to know: a private reply at once, no public "thinking…"
        await respond(interaction, content=render.unanswered_message(step.answer, step.article), ephemeral=True)
        await asking.log_unanswered(step)  # after the reply: the log never delays the deadline
        return
    await defer(interaction, ephemeral=step.private)
    done = await asking.answer(step)
    if not done.answer.answered:  # a guard: check() makes this unreachable
        await respond(interaction, content=render.unanswered_message(done.answer))
        return
    if done.record is None:  # the database is down: the answer still goes out, without buttons
        shown = done.answer.excerpts[: step.page_size]
        embed = render.answer_embed(done.answer, page=1, page_size=step.page_size, excerpts=shown)
        await respond(interaction, content=messages.NOT_SAVED_NOTE, embed=embed)
        return
    answers = interaction.client.services.answers  # type: ignore[attr-defined]
    embed, view = page_embed(await answers.view(done.record, 1)), answer_view(done.record, 1)
    if step.in_thread and await _answer_in_thread(interaction, step.question.text, embed, view):
        return
    await respond(interaction, embed=embed, view=view)


async def _answer_in_thread(interaction: discord.Interaction, question: str, embed, view) -> bool:
    """The question stays in the channel; its answer goes into a thread started from it.

    False (answer in place) where no thread can be started: a DM, a thread already, no permission."""
    if interaction.channel is None or isinstance(interaction.channel, discord.Thread | discord.DMChannel):
        return False
    await respond(interaction, content=messages.question_heading(render.safe(question, 1900)))
    try:
        message = await interaction.original_response()
        thread = await message.create_thread(name=render.plain(question, 100) or "Answer")
        await thread.send(embed=embed, view=view)
    except discord.HTTPException as exc:
        log.warning("could not answer in a thread (%s); answering below the question", exc)
        await interaction.followup.send(embed=embed, view=view)
    return True


async def show_passage(interaction: discord.Interaction, passage_id: str, *, answer_id: str = NO_ANSWER,
                       edit: bool = False, ephemeral: bool = True) -> None:  # fmt: skip
    """A whole passage with its sources, and buttons to its neighbours (none where it has none)."""
    found = await interaction.client.services.answers.passage(interaction.guild_id, passage_id)  # type: ignore
    if found is None:
        await respond(interaction, content=messages.no_such_passage(render.safe(passage_id[:100])), ephemeral=True)
        return
    view = discord.ui.View(timeout=None)
    for label, neighbour in (("◀ Previous passage", found.previous), ("Next passage ▶", found.next)):
        if neighbour is not None:
            view.add_item(NavButton(answer_id, passage_key(neighbour), label=label))
    private = _only_they_see(interaction) if edit else ephemeral
    if private:
        view.add_item(ShareButton(answer_id, passage_key(found.passage.id), label="Share in channel"))
    view.stop()  # routed by custom_id, like the answer's buttons
    embed = render.passage_embed(found)
    if edit:
        await interaction.response.edit_message(embed=embed, view=view)
    else:
        await respond(interaction, embed=embed, view=view, ephemeral=ephemeral)
