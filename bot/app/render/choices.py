"""Autocomplete choices within Discord's limits (25 choices, names and values of 100 characters)."""

from __future__ import annotations

from bot.app.render.limits import CHOICE_NAME, CHOICE_VALUE, CHOICES
from bot.app.render.safety import clean, plain


def choices(items: list[tuple[str, str]], current: str) -> list[tuple[str, str]]:
    """Autocomplete: items whose name or value contains ``current`` (prefix matches first), ≤ 25."""
    wanted = " ".join(clean(current or "").split()).casefold()
    prefix: list[tuple[str, str]] = []
    inside: list[tuple[str, str]] = []
    for name, value in items:
        shown = " ".join(clean(name).split()).casefold()
        key = str(value).casefold()
        if not wanted or shown.startswith(wanted) or key.startswith(wanted):
            prefix.append((name, value))
        elif wanted in shown or wanted in key:
            inside.append((name, value))
        if len(prefix) >= CHOICES:
            break
    result = []
    for name, value in (prefix + inside)[:CHOICES]:
        value = str(value)[:CHOICE_VALUE]
        label = plain(name, CHOICE_NAME) or value[:CHOICE_NAME] or "—"
        if value:
            result.append((label, value))
    return result
