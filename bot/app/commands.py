"""Slash commands, the "Find sources" context menu and autocomplete: thin adapters over the engine."""

from __future__ import annotations

import functools

import discord
from discord import app_commands

from bot.app import answers, render
from bot.app.client import StudyBotMixin, respond

MAX_CHOICES = 25


def tracked(handler):
    """Count a handler as in flight, so shutdown waits for its reply."""

    @functools.wraps(handler)
    async def wrapper(interaction: discord.Interaction, *args, **kwargs):
        async with interaction.client.in_flight():  # type: ignore[attr-defined]
            await handler(interaction, *args, **kwargs)

    return wrapper


def _client(interaction: discord.Interaction) -> StudyBotMixin:
    return interaction.client  # type: ignore[return-value]


# ---------------------------------------------------------------- autocomplete

async def article_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    items = []
    for article in _client(interaction).engine.articles:
        year = f", {article.date[:4]}" if article.date else ""
        author = f" — {article.author}" if article.author else ""
        items.append((f"{article.title}{author}{year}", article.id))
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, current)]


async def footnote_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    article = _client(interaction).engine.article(str(interaction.namespace.article or ""))
    items = [(f"[{f.marker}] {f.source}", f.marker) for f in article.footnotes] if article else []
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, current)]


async def passage_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Passage ids starting with what was typed; else the passages the typed words find."""
    engine = _client(interaction).engine
    typed = current.strip()
    shown = _passages_by_id_prefix(engine, typed)
    if typed and not shown and len(typed) >= 3:
        shown = [e.passage for e in engine.ask(typed, top_k=MAX_CHOICES).excerpts]
    items = [(f"{p.id} · {p.text[:120]}", p.id) for p in shown]
    return [app_commands.Choice(name=n, value=v) for n, v in render.choices(items, "")]


def _passages_by_id_prefix(engine, typed: str) -> list:
    """Ids look like "<article>:<n>": look in the articles the prefix names, never scan every passage."""
    article_part, colon, number = typed.partition(":")
    if colon:
        article = engine.article(article_part)
        passages = article.passages if article else ()
        return [p for p in passages if str(p.ordinal).startswith(number)][:MAX_CHOICES]
    found: list = []
    for article in engine.articles:
        if article.id.casefold().startswith(typed.casefold()):
            found.extend(article.passages[: MAX_CHOICES - len(found)])
        if len(found) >= MAX_CHOICES:
            break
    return found


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
    question: app_commands.Range[str, 1, answers.QUESTION_MAX],
    article: str | None = None,
    private: bool | None = None,
) -> None:
    await answers.ask(interaction, question, article_id=article, private=private)


@app_commands.context_menu(name="Find sources")
@tracked
async def find_sources(interaction: discord.Interaction, message: discord.Message) -> None:
    text = message.content or " ".join(e.description or e.title or "" for e in message.embeds)
    await answers.ask(interaction, text)


@app_commands.command(name="source", description="Look up the articles, a footnote, or a whole passage")
@app_commands.describe(
    article="An article: shows its card (with footnote: that footnote)",
    footnote="A footnote of the chosen article",
    passage="A passage id (from an answer), shown whole",
)
@app_commands.autocomplete(article=article_choices, footnote=footnote_choices, passage=passage_choices)
@tracked
async def source_command(
    interaction: discord.Interaction,
    article: str | None = None,
    footnote: str | None = None,
    passage: str | None = None,
) -> None:
    client = _client(interaction)
    private = client.private_default(await client.guild_settings(interaction.guild_id))
    engine = client.engine
    if passage:
        await answers.show_passage(interaction, passage.strip(), ephemeral=private)
        return
    if footnote and not article:
        await respond(interaction, content="Pick an article first, then one of its footnotes.", ephemeral=True)
        return
    if article:
        found_article = engine.article(article)
        if found_article is None:
            await respond(interaction, content="I don't know that article. Pick one from the list.", ephemeral=True)
            return
        if footnote:
            found = engine.footnote(article, footnote)
            if found is None:
                await respond(
                    interaction, content="That article has no such footnote. Pick one from the list.", ephemeral=True
                )
                return
            await respond(interaction, embed=render.footnote_embed(found), ephemeral=private)
            return
        await respond(interaction, embed=render.article_embed(found_article), ephemeral=private)
        return
    await respond(interaction, embed=render.articles_embed(engine.articles), ephemeral=private)


def _can_manage(interaction: discord.Interaction) -> bool:
    """Checked here, not only through Discord's default permissions, which a server can override."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


@app_commands.command(name="settings", description="Server settings for Studybot (Manage Server)")
@app_commands.describe(
    excerpts="Excerpts per answer page (1–5)",
    private="Answers are private by default",
    cooldown="Seconds a member waits between questions (0–3600)",
    allow_channel="Answer in this channel (once any is set, only in those)",
    disallow_channel="Stop answering in this channel",
    all_channels="Answer in every channel again",
)
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
@tracked
async def settings_command(
    interaction: discord.Interaction,
    excerpts: app_commands.Range[int, 1, 5] | None = None,
    private: bool | None = None,
    cooldown: app_commands.Range[int, 0, 3600] | None = None,
    allow_channel: app_commands.AppCommandChannel | None = None,
    disallow_channel: app_commands.AppCommandChannel | None = None,
    all_channels: bool | None = None,
) -> None:
    if not _can_manage(interaction):
        await respond(interaction, content="Only members with Manage Server can change my settings.", ephemeral=True)
        return
    client = _client(interaction)
    current = await client.guild_settings(interaction.guild_id)
    changes: dict = {}
    if excerpts is not None:
        changes["top_k"] = excerpts
    if private is not None:
        changes["private_default"] = private
    if cooldown is not None:
        changes["cooldown_seconds"] = cooldown
    if all_channels:
        changes["all_channels"] = True
    if allow_channel is not None:
        changes["allow_channel"] = allow_channel.id
    if disallow_channel is not None:
        changes["disallow_channel"] = disallow_channel.id
    updated = await client.update_guild_settings(interaction.guild_id, **changes) if changes else current
    embed = render.settings_embed(
        top_k=client.page_size(updated),
        private=client.private_default(updated),
        cooldown=client.settings.discord.cooldown_seconds
        if updated.cooldown_seconds is None
        else updated.cooldown_seconds,
        channel_ids=list(updated.channel_ids),
    )
    heading = "Settings saved." if changes else "Current settings:"
    await respond(interaction, content=heading, embed=embed, ephemeral=True)


@app_commands.command(name="stats", description="Questions, answers and feedback in this server (Manage Server)")
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
@tracked
async def stats_command(interaction: discord.Interaction) -> None:
    if not _can_manage(interaction):
        await respond(interaction, content="Only members with Manage Server can see the stats.", ephemeral=True)
        return
    stats = await _client(interaction).db.guild_stats(interaction.guild_id)
    embed = render.stats_embed(
        asked=stats.asked,
        answered=stats.answered,
        top_unanswered=list(stats.top_unanswered),
        up=stats.feedback_up,
        down=stats.feedback_down,
    )
    await respond(interaction, embed=embed, ephemeral=True)


def register(tree: app_commands.CommandTree) -> None:
    for command in (ask_command, find_sources, source_command, settings_command, stats_command):
        tree.add_command(command)


async def on_interaction(interaction: discord.Interaction) -> None:
    """Our buttons (custom_id "sb:…"); the command tree handles everything else."""
    if interaction.type is not discord.InteractionType.component:
        return
    client = _client(interaction)
    if not client.accepting:
        await respond(interaction, content="Studybot is restarting. Please try again in a minute.", ephemeral=True)
        return
    async with client.in_flight():
        try:
            await answers.on_button(interaction)
        except Exception as error:  # noqa: BLE001 — a button must never die silently
            from bot.app.client import report_failure

            await report_failure(interaction, error)
