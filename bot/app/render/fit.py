"""Fitting text into Discord's size limits: cutting, sharing a budget, summarising what is left out."""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.app.render.limits import EMBED_TOTAL
from bot.app.render.safety import cut

COLOUR = discord.Colour(0x4F7CAC)  # a calm slate blue, for every embed


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6000 limit: title, description, fields, footer, author."""
    total = len(embed.title or "") + len(embed.description or "")
    for field in embed.fields:
        total += len(field.name or "") + len(field.value or "")
    total += len(embed.footer.text or "") + len(embed.author.name or "")
    return total


def new_embed(title: str, description: str | None = None, url: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=title or None, description=description or None, colour=COLOUR)
    if url and valid_url(url):
        embed.url = url
    return embed


def valid_url(url: str) -> bool:
    return len(url) <= 2000 and re.fullmatch(r"https?://[^\s<>\"]+", url) is not None


def fit_lines(lines: Sequence[str], budget: int, more: str = "more") -> str:
    """Escaped lines joined by newlines within ``budget``; the rest summarised as "… +N more"."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        tail = len(f"\n… +{left} {more}") if left else 0
        sep = 1 if out else 0
        if used + sep + len(line) + tail <= budget:
            out.append(line)
            used += sep + len(line)
            continue
        dropped = len(lines) - index
        room = budget - used - sep - len(f"\n… +{dropped} {more}")
        if room >= 24:
            out.append(cut(line, room))
            used += sep + len(out[-1])
            dropped -= 1
        note = f"… +{dropped} {more}"
        if dropped and used + (1 if out else 0) + len(note) <= budget:
            out.append(note)
        break
    return "\n".join(out)


def waterfill(needs: Sequence[int], available: int, cap: int) -> list[int]:
    """Share ``available`` chars: small needs in full, the rest split evenly, none above ``cap``."""
    budgets = [0] * len(needs)
    remaining = max(0, available)
    order = sorted(range(len(needs)), key=lambda i: needs[i])
    for k, i in enumerate(order):
        share = remaining // (len(needs) - k)
        budgets[i] = max(0, min(needs[i], share, cap))
        remaining -= budgets[i]
    return budgets


def shrink(embed: discord.Embed) -> discord.Embed:
    """Last guard: drop trailing fields until the embed fits (never expected to run)."""
    while embed_size(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed
