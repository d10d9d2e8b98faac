"""Asking, paging and voting: the flows behind /ask, "Find sources" and the answer buttons.

Answers live in SQLite (keyed by a random id carried in every button's custom_id), so the buttons
keep working after a restart. custom_ids are input, not trust: every handler re-checks guild,
asker and expiry against the stored answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

import discord

from bot.app import render
from bot.app.client import StudyBotMixin, defer, respond
from bot.core.models import Answer, Excerpt
from bot.storage.records import AnswerRecord, ExcerptRecord

log = logging.getLogger("studybot.app")

MAX_LISTED_CHANNELS = 20
QUESTION_MAX = 300
EXPIRED = "This answer has expired. Ask again with /ask."
NOT_YOURS = "Only the person who asked can page through this answer."
ELSEWHERE = "This button belongs to an answer from another server."
GONE = "That answer is no longer available. Ask again with /ask."


# ---------------------------------------------------------------- custom_ids

@dataclass(frozen=True)
class ButtonId:
    action: str  # page | full | vote | nav
    answer_id: str
    arg: str

    def __str__(self) -> str:
        return f"sb:{self.action}:{self.answer_id}:{self.arg}"


_BUTTON = re.compile(r"sb:(page|full|vote|nav):([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{1,40})")


def parse_button(custom_id: str) -> ButtonId | None:
    match = _BUTTON.fullmatch(custom_id or "")
    return ButtonId(*match.groups()) if match else None


def answer_view(record: AnswerRecord, page: int, *, disabled: bool = False) -> discord.ui.View:
    pages = page_count(record)
    view = discord.ui.View(timeout=None)

    def button(label: str, action: str, arg: str, row: int, *, off: bool = False, style=None) -> None:
        view.add_item(
            discord.ui.Button(
                label=label,
                custom_id=str(ButtonId(action, record.id, arg)),
                style=style or discord.ButtonStyle.secondary,
                disabled=disabled or off,
                row=row,
            )
        )

    button("◀ Previous", "page", str(page - 1), 0, off=page <= 1)
    button("More results ▶", "page", str(page + 1), 0, off=page >= pages, style=discord.ButtonStyle.primary)
    button("👍", "vote", "up", 0)
    button("👎", "vote", "down", 0)
    for excerpt in page_excerpts(record, page):
        button(f"Full passage {excerpt.rank}", "full", str(excerpt.rank), 1)
    view.stop()  # clicks are routed by custom_id (on_interaction): discord.py must not keep every view
    return view


def page_count(record: AnswerRecord) -> int:
    return max(1, -(-len(record.excerpts) // record.page_size))


def page_excerpts(record: AnswerRecord, page: int) -> list[ExcerptRecord]:
    start = (page - 1) * record.page_size
    return list(record.excerpts[start : start + record.page_size])


# ---------------------------------------------------------------- asking

async def ask(
    interaction: discord.Interaction,
    question: str,
    *,
    article_id: str | None = None,
    private: bool | None = None,
) -> None:
    client: StudyBotMixin = interaction.client  # type: ignore[assignment]
    question = " ".join(question.split())[:QUESTION_MAX]
    guild = await client.guild_settings(interaction.guild_id)
    channel_ids = {interaction.channel_id, getattr(interaction.channel, "parent_id", None)}  # a thread counts
    if guild.channel_ids and not channel_ids & set(guild.channel_ids):
        where = ", ".join(f"<#{c}>" for c in guild.channel_ids[:MAX_LISTED_CHANNELS])
        more = " and others" if len(guild.channel_ids) > MAX_LISTED_CHANNELS else ""
        await respond(interaction, content=f"In this server I answer questions only in {where}{more}.", ephemeral=True)
        return
    if not question:
        await respond(interaction, content="The question is empty: type a question about the readings.", ephemeral=True)
        return
    if article_id and client.engine.article(article_id) is None:
        await respond(interaction, content="I don't know that article. Pick one from the list.", ephemeral=True)
        return
    wait = client.cooldown_left(interaction.guild_id, interaction.user.id, guild)
    if wait > 0:
        await respond(interaction, content=f"Slow down a little: try again in {math.ceil(wait)} s.", ephemeral=True)
        return

    # The evidence gate is cheap: a question the corpus cannot answer gets a private reply at once.
    private = client.private_default(guild) if private is None else private
    understood = client.engine.understand(question)
    if not understood.answerable or (article_id and not client.engine.article_mentions(article_id, understood)):
        answer = client.engine.unanswered(question, understood)
        article = client.engine.article(article_id) if article_id else None
        await respond(interaction, content=render.unanswered_message(answer, article), ephemeral=True)
        await _log_question(interaction, answer)  # after the reply: the log never delays the deadline
        return

    await defer(interaction, ephemeral=private)
    max_results = client.settings.search.max_results
    answer = await asyncio.to_thread(client.engine.ask, question, max_results, article_id, understood)
    if not answer.answered:  # a guard: the checks above make this unreachable
        await _log_question(interaction, answer)
        await interaction.followup.send(render.unanswered_message(answer), ephemeral=True)
        return
    record = await client.db.save_answer(_record(interaction, answer, client, private, client.page_size(guild)))
    await _log_question(interaction, answer, record.id)
    view = answer_view(record, 1)
    await interaction.followup.send(embed=page_embed(client, record, 1), view=view, ephemeral=private)


async def _log_question(interaction: discord.Interaction, answer: Answer, answer_id: str | None = None) -> None:
    """The question log behind /stats."""
    client: StudyBotMixin = interaction.client  # type: ignore[assignment]
    await client.db.log_question(
        interaction.guild_id, interaction.user.id, answer.question, answer.answered, answer.weak, answer_id, time.time()
    )


def _record(interaction, answer: Answer, client: StudyBotMixin, private: bool, guild_page: int) -> AnswerRecord:
    now = time.time()
    return AnswerRecord(
        id=None,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        user_id=interaction.user.id,
        question=answer.question,
        answered=answer.answered,
        weak=answer.weak,
        matched_terms=answer.matched_terms,
        unknown_terms=answer.unknown_terms,
        created_at=now,
        expires_at=now + client.settings.discord.answer_ttl_hours * 3600,
        private=private,
        page_size=guild_page,
        page=1,
        excerpts=tuple(
            ExcerptRecord(e.rank, e.passage.id, e.score, e.quote, tuple(e.highlights)) for e in answer.excerpts
        ),
    )


def page_embed(client: StudyBotMixin, record: AnswerRecord, page: int) -> discord.Embed:
    """Rebuild a page of a stored answer; passages come from the engine, so edits to the corpus show."""
    excerpts = []
    for stored in record.excerpts:
        found = client.engine.passage(stored.passage_id)
        if found is not None:
            highlights = tuple(map(tuple, stored.highlights))
            excerpts.append(Excerpt(stored.rank, stored.score, found.passage, found.article, stored.quote, highlights))
    answer = Answer(record.question, True, record.weak, record.matched_terms, record.unknown_terms, tuple(excerpts))
    on_page = {e.rank for e in page_excerpts(record, page)}
    shown = [e for e in excerpts if e.rank in on_page]
    return render.answer_embed(answer, answer_id=record.id, page=page, page_size=record.page_size, excerpts=shown)


# ---------------------------------------------------------------- buttons

async def on_button(interaction: discord.Interaction) -> None:
    """Route a click on one of our buttons. Unknown or crafted custom_ids get a polite refusal."""
    client: StudyBotMixin = interaction.client  # type: ignore[assignment]
    button = parse_button((interaction.data or {}).get("custom_id", ""))
    if button is None:
        await respond(interaction, content="That button is not one of mine.", ephemeral=True)
        return
    if button.action == "nav" and button.answer_id == "-":
        await show_passage_by_key(interaction, button.arg, edit=True)
        return
    record = await client.db.get_answer(button.answer_id)
    if record is None:
        await respond(interaction, content=GONE, ephemeral=True)
        return
    if record.guild_id != interaction.guild_id:
        await respond(interaction, content=ELSEWHERE, ephemeral=True)
        return
    if time.time() > record.expires_at and button.action != "nav":
        await interaction.response.edit_message(view=answer_view(record, record.page, disabled=True))
        await interaction.followup.send(EXPIRED, ephemeral=True)
        return
    if button.action == "page":
        await _turn_page(interaction, client, record, button.arg)
    elif button.action == "vote":
        await _vote(interaction, client, record, button.arg)
    elif button.action == "full":
        await _full_passage(interaction, client, record, button.arg)
    else:
        await show_passage_by_key(interaction, button.arg, edit=True, answer_id=record.id)


async def _turn_page(interaction, client: StudyBotMixin, record: AnswerRecord, arg: str) -> None:
    if interaction.user.id != record.user_id:
        await respond(interaction, content=NOT_YOURS, ephemeral=True)
        return
    pages = page_count(record)
    page = int(arg) if arg.isdigit() else 0
    if not 1 <= page <= pages:
        await respond(interaction, content="There is no such page of this answer.", ephemeral=True)
        return
    await interaction.response.edit_message(embed=page_embed(client, record, page), view=answer_view(record, page))
    await client.db.set_answer_page(record.id, page)


async def _vote(interaction, client: StudyBotMixin, record: AnswerRecord, arg: str) -> None:
    if arg not in ("up", "down"):
        await respond(interaction, content="That button is not one of mine.", ephemeral=True)
        return
    value = 1 if arg == "up" else -1
    await interaction.response.defer(ephemeral=True, thinking=True)  # the reply shows committed counts
    up, down = await client.db.record_feedback(record.id, interaction.user.id, value, time.time())
    thanks = "Thanks, glad it helped." if value > 0 else "Thanks, noted: this answer missed."
    await respond(interaction, content=f"{thanks} (👍 {up} · 👎 {down})", ephemeral=True)


async def _full_passage(interaction, client: StudyBotMixin, record: AnswerRecord, arg: str) -> None:
    stored = next((e for e in record.excerpts if str(e.rank) == arg), None)
    if stored is None:
        await respond(interaction, content="There is no such excerpt in this answer.", ephemeral=True)
        return
    await show_passage(interaction, stored.passage_id, answer_id=record.id)


async def show_passage(
    interaction: discord.Interaction,
    passage_id: str,
    *,
    answer_id: str = "-",
    edit: bool = False,
    ephemeral: bool = True,
) -> None:
    """A whole passage with its sources, and buttons to its neighbours."""
    client: StudyBotMixin = interaction.client  # type: ignore[assignment]
    found = client.engine.passage(passage_id)
    if found is None:
        missing = f"No passage {render.safe(passage_id[:100])} in the articles."
        await respond(interaction, content=missing, ephemeral=True)
        return
    view = discord.ui.View(timeout=None)
    for label, neighbour in (("◀ Previous passage", found.previous), ("Next passage ▶", found.next)):
        target = client.engine.passage(neighbour).passage if neighbour else found.passage
        view.add_item(
            discord.ui.Button(
                label=label,
                custom_id=str(ButtonId("nav", answer_id, passage_key(target.id))),
                disabled=neighbour is None,
            )
        )
    view.stop()  # routed by custom_id, like the answer's buttons
    embed = render.passage_embed(found)
    if edit:
        await interaction.response.edit_message(embed=embed, view=view)
    else:
        await respond(interaction, embed=embed, view=view, ephemeral=ephemeral)


async def show_passage_by_key(interaction, key: str, *, edit: bool, answer_id: str = "-") -> None:
    client: StudyBotMixin = interaction.client  # type: ignore[assignment]
    passage = _passage_ids_by_key(client.engine).get(key)
    if passage is None:
        await respond(interaction, content="That passage is no longer in the articles.", ephemeral=True)
        return
    await show_passage(interaction, passage, answer_id=answer_id, edit=edit)


def passage_key(passage_id: str) -> str:
    """A short stable stand-in for a passage id (18 hex chars), for Discord's 100-char custom_ids."""
    return hashlib.blake2s(passage_id.encode(), digest_size=9).hexdigest()


_KEY_TABLES: dict[int, dict[str, str]] = {}


def _passage_ids_by_key(engine) -> dict[str, str]:
    table = _KEY_TABLES.get(id(engine))
    if table is None:
        table = _KEY_TABLES[id(engine)] = {passage_key(p.id): p.id for p in engine.passages}
    return table
