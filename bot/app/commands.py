"""Slash commands, the "Find sources" context menu and autocomplete: interactions in, service calls
out, results rendered. No rule of the bot lives here."""

from __future__ import annotations

import functools
import re

import discord
from discord import app_commands

from bot.app import answering, render
from bot.app.interactions import member, refused, respond
from bot.core.models import passage_key
from bot.service import messages
from bot.service.admin import Channel, Role, SettingsChange
from bot.service.asking import QUESTION_MAX
from bot.service.rules import COOLDOWN_MAX, PAGE_SIZE_MAX
from bot.storage import StorageUnavailable

MAX_CHOICES = 25


def tracked(handler):
    """Count a handler as in flight, so shutdown waits for its reply."""

    @functools.wraps(handler)
    async def wrapper(interaction: discord.Interaction, *args, **kwargs):
        async with interaction.client.in_flight():  # type: ignore[attr-defined]
            await handler(interaction, *args, **kwargs)

    return wrapper


async def _engine(interaction: discord.Interaction):
    return await interaction.client.services.libraries.engine_for(interaction.guild_id)  # type: ignore


async def _private_default(interaction: discord.Interaction) -> bool:
    rules = interaction.client.services.rules  # type: ignore[attr-defined]
    return rules.private_default(await rules.settings(interaction.guild_id))


# ---------------------------------------------------------------- autocomplete

async def article_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    items = []
    for article in (await _engine(interaction)).articles:
        year = f", {article.date[:4]}" if article.date else ""
        author = f" — {article.author}" if article.author else ""
        items.append((f"{article.title}{author}{year}", article.id))
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, current)]


def _passage_value(passage_id: str) -> str:
    """A passage's autocomplete value: its id, or its key when the id is longer than a value can be."""
    return passage_id if len(passage_id) <= render.CHOICE_VALUE else passage_key(passage_id)


def _chosen_article(engine, typed: str | None) -> str | None:
    """The article id an option names: as typed, or the one id that a choice cut to Discord's 100
    characters is the start of (the id of a long file name)."""
    cut = typed.strip() if typed else None
    if cut and engine.article(cut) is None and len(typed) >= render.CHOICE_VALUE:  # a cut at a space: 99 left
        longer = [article.id for article in engine.articles if article.id.startswith(cut)]
        if len(longer) == 1:
            return longer[0]
    return cut


async def footnote_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    engine = await _engine(interaction)
    article = engine.article(_chosen_article(engine, str(interaction.namespace.article or "")) or "")
    items = [(f"[{f.marker}] {f.source}", f.marker) for f in article.footnotes] if article else []
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, current)]


async def document_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The server's own documents (never another server's, none in a DM)."""
    library = interaction.client.services.library  # type: ignore[attr-defined]
    try:
        items = await library.document_items(member(interaction))
    except StorageUnavailable:  # logged; no choices this time
        return []
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, current)]


async def passage_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Passage ids starting with what was typed; else the passages the typed words find."""
    engine = await _engine(interaction)
    typed = current.strip()
    shown = engine.passages_by_id_prefix(typed, MAX_CHOICES)
    if typed and not shown and len(typed) >= 3:
        shown = [e.passage for e in engine.ask(typed, top_k=MAX_CHOICES).excerpts]
    items = [(f"{engine.article(p.article_id).title} ¶{p.paragraph} · {p.text[:90]}", _passage_value(p.id))
             for p in shown]  # fmt: skip
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, "")]


# ---------------------------------------------------------------- commands

@app_commands.command(name="ask", description="Ask a question; get cited excerpts from the group's readings")
@app_commands.describe(
    question="Your question (1–300 characters)",
    article="Search only this article",
    private="Only you see the answer",
)
@app_commands.autocomplete(article=article_choices)
@tracked
async def ask_command(
    interaction: discord.Interaction,
    question: app_commands.Range[str, 1, QUESTION_MAX],
    article: str | None = None,
    private: bool | None = None,
) -> None:
    article_id = _chosen_article(await _engine(interaction), article) if article else None
    await answering.ask(interaction, question, article_id=article_id, private=private)


@app_commands.context_menu(name="Find sources")
@tracked
async def find_sources(interaction: discord.Interaction, message: discord.Message) -> None:
    if interaction.client.user is not None and message.author.id == interaction.client.user.id:
        await respond(interaction, content=messages.OWN_ANSWER, ephemeral=True)  # its text is excerpts and notes
        return
    text = answering.searchable(message.content) or answering.searchable(
        " ".join(e.description or e.title or "" for e in message.embeds))  # fmt: skip
    if not text:  # an image alone, or mentions only: nothing of the member's to search
        await respond(interaction, content=messages.NO_TEXT_TO_SEARCH, ephemeral=True)
        return
    await answering.ask(interaction, text)


@app_commands.command(name="source", description="Look up the articles, a footnote, or a whole passage")
@app_commands.describe(
    article="An article: shows its card (with footnote: that footnote)",
    footnote="A footnote of the chosen article",
    passage="A passage id (from an answer), shown whole",
    page="Which page of the list of articles",
)
@app_commands.autocomplete(article=article_choices, footnote=footnote_choices, passage=passage_choices)
@tracked
async def source_command(
    interaction: discord.Interaction,
    article: str | None = None,
    footnote: str | None = None,
    passage: str | None = None,
    page: app_commands.Range[int, 1, 1000] = 1,
) -> None:
    article, footnote, passage = (value.strip() if value else None for value in (article, footnote, passage))
    private = await _private_default(interaction)
    engine = await _engine(interaction)
    article = _chosen_article(engine, article)
    if passage:
        if engine.passage(passage) is None and re.fullmatch(r"[0-9a-f]{18}", passage):  # a long id's choice
            passage = (await interaction.client.passage_keys(interaction.guild_id)).passage_id(passage) or passage
        await answering.show_passage(interaction, passage, ephemeral=private)
        return
    if footnote and not article:
        await respond(interaction, content=messages.FOOTNOTE_NEEDS_ARTICLE, ephemeral=True)
        return
    if not article:
        await respond(interaction, embed=render.articles_embed(engine.articles, page), ephemeral=private)
        return
    found_article = engine.article(article)
    if found_article is None:
        await respond(interaction, content=messages.UNKNOWN_ARTICLE, ephemeral=True)
        return
    if not footnote:
        await respond(interaction, embed=render.article_embed(found_article), ephemeral=private)
        return
    found = engine.footnote(article, footnote)
    if found is None:
        await respond(interaction, content=messages.UNKNOWN_FOOTNOTE, ephemeral=True)
        return
    await respond(interaction, embed=render.footnote_embed(found), ephemeral=private)


def _channel(channel: app_commands.AppCommandChannel | None) -> Channel | None:
    return None if channel is None else Channel(channel.id, channel.guild_id)


@app_commands.command(name="settings", description="Server settings for Studybot (Manage Server)")
@app_commands.describe(
    excerpts=f"Excerpts per answer page (1–{PAGE_SIZE_MAX})",
    private="Answers are private by default",
    cooldown=f"Seconds a member waits between questions (0–{COOLDOWN_MAX})",
    allow_channel="Answer in this channel (once any is set, only in those)",
    disallow_channel="Stop answering in this channel",
    all_channels="Answer in every channel again",
    librarian_role="Members with this role may change the reading list (/library)",
    no_librarian_role="Only Manage Server changes the reading list again",
    threads="Public answers go into a thread started from the question",
)
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
@tracked
async def settings_command(
    interaction: discord.Interaction,
    excerpts: app_commands.Range[int, 1, PAGE_SIZE_MAX] | None = None,
    private: bool | None = None,
    cooldown: app_commands.Range[int, 0, COOLDOWN_MAX] | None = None,
    allow_channel: app_commands.AppCommandChannel | None = None,
    disallow_channel: app_commands.AppCommandChannel | None = None,
    all_channels: bool | None = None,
    librarian_role: discord.Role | None = None,
    no_librarian_role: bool | None = None,
    threads: bool | None = None,
) -> None:
    role = None if librarian_role is None else Role(librarian_role.id, librarian_role.guild.id)
    change = SettingsChange(
        excerpts, private, cooldown, _channel(allow_channel), _channel(disallow_channel), all_channels, role,
        no_librarian_role, threads,
    )
    view = await interaction.client.services.admin.settings(member(interaction), change)  # type: ignore
    if await refused(interaction, view):
        return
    embed = render.settings_embed(
        top_k=view.page_size, private=view.private, cooldown=int(view.cooldown), channel_ids=list(view.channel_ids),
        blocked_channel_ids=list(view.blocked_channel_ids),
        librarian_role_id=view.librarian_role_id, threads=view.threads,
    )
    heading = messages.SETTINGS_SAVED if view.saved else messages.CURRENT_SETTINGS
    await respond(interaction, content=heading, embed=embed, ephemeral=True)


@app_commands.command(name="stats", description="Questions, answers and feedback in this server (Manage Server)")
@app_commands.describe(document="One of this server's documents: the questions answered from it and their feedback")
@app_commands.autocomplete(document=document_choices)
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
@tracked
async def stats_command(interaction: discord.Interaction, document: str | None = None) -> None:
    admin = interaction.client.services.admin  # type: ignore[attr-defined]
    if document is not None:
        use = await admin.document_stats(member(interaction), document.strip())
        if await refused(interaction, use):
            return
        embed = render.document_stats_embed(title=use.title, document_id=use.document_id, answers=use.stats.answers,
                                            up=use.stats.feedback_up, down=use.stats.feedback_down)  # fmt: skip
        await respond(interaction, embed=embed, ephemeral=True)
        return
    found = await admin.stats(member(interaction))
    if await refused(interaction, found):
        return
    stats = found.guild
    embed = render.stats_embed(
        asked=stats.asked,
        answered=stats.answered,
        top_unanswered=list(stats.top_unanswered),
        up=stats.feedback_up,
        down=stats.feedback_down,
        top_documents=[
            (d.title, d.stats.answers, d.stats.feedback_up, d.stats.feedback_down) for d in found.top_documents
        ],
    )
    await respond(interaction, embed=embed, ephemeral=True)


COMMANDS = (ask_command, find_sources, source_command, settings_command, stats_command)
