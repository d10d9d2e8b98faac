"""Answers, passages and settings as Discord embeds and messages.

Everything here is pure: data in, ``discord.Embed`` or ``str`` out. Two promises hold for every
function, whatever the corpus or the user typed:

* the result fits Discord's limits (title, description, fields, footer, author, 6000 in all), so
  Discord never answers 400/50035;
* text from users or from the readings cannot ping anyone or break out of its formatting: it is
  NFKC-normalised, stripped of invisible and bidi characters, markdown-escaped, and mentions are
  neutralised with a zero-width space.

Text that Discord shows without markdown (footer, author line, autocomplete names) goes through
``plain()`` instead of ``safe()``, so that readers do not see stray backslashes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from bot.core.answer import merge_spans
from bot.core.models import Answer, Article, Excerpt, Footnote, FootnoteLookup, PassageLookup

# Discord's limits (API docs, "Embed Limits" and "Message" resources); the one place they live.
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
CONTENT = 2000
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100

COLOUR = discord.Colour(0x4F7CAC)  # a calm slate blue, for every embed

ELLIPSIS = "…"
ZWSP = "\u200b"

# ---------------------------------------------------------------- text safety

# Zero-width and bidi controls (U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF), a few more
# invisibles (soft hyphen, Arabic letter mark, Mongolian vowel separator), and C0/C1 controls except
# newline and tab.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c\u180e\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Kept verbatim so links stay clickable: no character here is markdown that can break out of text
# (no * ` | ~ [ ] < > @ \), and Discord's autolink consumes the whole URL before its underscores.
_URL = re.compile(r"(?<![\w/])https?://[A-Za-z0-9._\-/?=&%#:+,;!$'()]+")
_INLINE = str.maketrans({c: "\\" + c for c in "\\*_~|`[]"})
_LINE_START = re.compile(r"[ \t]*")
_LIST_NUMBER = re.compile(r"\d+\.")
_MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)
_CHANNEL = re.compile(r"<(?=[#/]|[at]:)")  # <#123>, </cmd:1>, <t:…>, <a:emoji:1>: shown as text


def clean(text: str) -> str:
    """NFKC, then drop invisible/bidi/control characters (so ``＠everyone`` becomes ``@everyone``)."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text)


def _neutralise(text: str) -> str:
    """A zero-width space after ``@`` (``@everyone``, ``<@1>``, ``<@&1>``) and after ``<`` of ``<#1>``."""
    return _CHANNEL.sub("<" + ZWSP, _MENTION.sub("@" + ZWSP, text))


def _escape_inline(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        out.append(text[pos : match.start()].translate(_INLINE))
        out.append(match.group())
        pos = match.end()
    out.append(text[pos:].translate(_INLINE))
    return "".join(out)


def _escape_line(line: str) -> str:
    """Inline markdown everywhere; at a line start also quotes, headings, subtext and lists."""
    lead = _LINE_START.match(line).group()  # type: ignore[union-attr]
    rest = line[len(lead) :]
    if rest[:1] in (">", "#", "-", "+"):
        return lead + "\\" + rest[0] + _escape_inline(rest[1:])
    number = _LIST_NUMBER.match(rest)
    if number:
        digits = number.group()[:-1]
        return lead + digits + "\\." + _escape_inline(rest[number.end() :])
    return lead + _escape_inline(rest)


def _escape(cleaned: str) -> str:
    return _neutralise("\n".join(_escape_line(line) for line in cleaned.split("\n")))


def _cut(escaped: str, limit: int) -> str:
    """Shorten already-escaped text to ``limit`` chars ending in "…", never splitting an escape."""
    if limit <= 0:
        return ""
    if len(escaped) <= limit:
        return escaped
    head = escaped[: limit - 1]
    backslashes = len(head) - len(head.rstrip("\\"))
    if backslashes % 2:  # the last backslash escaped a character that was cut off
        head = head[:-1]
    return head + ELLIPSIS


def safe(text: str, limit: int | None = None) -> str:
    """Text from users or the readings, made inert for Discord markdown and mentions."""
    escaped = _escape(clean(text))
    return escaped if limit is None else _cut(escaped, limit)


def plain(text: str, limit: int | None = None) -> str:
    """For places Discord shows without markdown (footer, author, choices): cleaned, no pings, one line."""
    text = _neutralise(" ".join(clean(text).split()))
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS if limit > 0 else ""


def _merge(spans: Iterable[Sequence[int]], length: int) -> list[tuple[int, int]]:
    """Clamp to the quote (stored spans are input too), then merge like the engine does."""
    clamped = ((max(0, int(s[0])), min(length, int(s[1]))) for s in spans if len(s) >= 2)
    return list(merge_spans((start, end) for start, end in clamped if end > start))


def _segments(quote: str, highlights) -> list[tuple[str, bool]]:
    """(escaped text, bold?) pieces; bold pieces trimmed, their outer whitespace made plain."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in _merge(highlights or (), len(quote)):
        if start > pos:
            pieces.append((safe(quote[pos:start]), False))
        raw = quote[start:end]
        core = raw.strip()
        if core:
            left = raw[: len(raw) - len(raw.lstrip())]
            right = raw[len(raw.rstrip()) :]
            if left:
                pieces.append((clean(left), False))
            bold = safe(core)
            pieces.append((bold, bool(bold.strip())))
            if right:
                pieces.append((clean(right), False))
        elif raw:
            pieces.append((safe(raw), False))
        pos = end
    if pos < len(quote):
        pieces.append((safe(quote[pos:]), False))
    return [(text, bold) for text, bold in pieces if text]


def quote_with_highlights(quote: str, highlights, limit: int) -> str:
    """The escaped quote with highlight spans in **bold**, at most ``limit`` chars, markers balanced."""
    return _render_pieces(_segments(quote, highlights), limit)


def _render_pieces(pieces: list[tuple[str, bool]], limit: int) -> str:
    if limit <= 0:
        return ""
    full = "".join(f"**{text}**" if bold else text for text, bold in pieces)
    if len(full) <= limit:
        return full
    budget = limit - len(ELLIPSIS)
    out: list[str] = []
    for text, bold in pieces:
        extra = 4 if bold else 0
        if len(text) + extra <= budget:
            out.append(f"**{text}**" if bold else text)
            budget -= len(text) + extra
            continue
        room = budget - extra
        if room >= 2:  # at least one character and no dangling backslash
            part = _cut(text, room + 1)[:-1]  # cut without its own "…"
            part = part.rstrip() if bold else part
            if part.strip():
                out.append(f"**{part}**" if bold else part)
        break
    return "".join(out) + ELLIPSIS


# ---------------------------------------------------------------- sizes


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6000 limit: title, description, fields, footer, author."""
    total = len(embed.title or "") + len(embed.description or "")
    for field in embed.fields:
        total += len(field.name or "") + len(field.value or "")
    total += len(embed.footer.text or "") + len(embed.author.name or "")
    return total


def _embed(title: str, description: str | None = None, url: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=title or None, description=description or None, colour=COLOUR)
    if url and _valid_url(url):
        embed.url = url
    return embed


def _valid_url(url: str) -> bool:
    return len(url) <= 2000 and re.fullmatch(r"https?://[^\s<>\"]+", url) is not None


def _fit_lines(lines: Sequence[str], budget: int, more: str = "more") -> str:
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
            out.append(_cut(line, room))
            used += sep + len(out[-1])
            dropped -= 1
        note = f"… +{dropped} {more}"
        if dropped and used + (1 if out else 0) + len(note) <= budget:
            out.append(note)
        break
    return "\n".join(out)


def _waterfill(needs: Sequence[int], available: int, cap: int) -> list[int]:
    """Share ``available`` chars: small needs in full, the rest split evenly, none above ``cap``."""
    budgets = [0] * len(needs)
    remaining = max(0, available)
    order = sorted(range(len(needs)), key=lambda i: needs[i])
    for k, i in enumerate(order):
        share = remaining // (len(needs) - k)
        budgets[i] = max(0, min(needs[i], share, cap))
        remaining -= budgets[i]
    return budgets


# ---------------------------------------------------------------- autocomplete


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


# ---------------------------------------------------------------- answers


def unanswered_message(answer: Answer, article: Article | None = None) -> str:
    """The short private reply to a question the readings (or the chosen article) do not answer."""
    if article is not None and answer.matched_terms and not answer.unknown_terms:
        title = safe(article.title, 200)
        return f"Nothing in *{title}* matches this question. Ask again without the `article` option."
    lines = ["The readings do not answer this question."]
    if answer.unknown_terms:
        words = ", ".join(safe(t, 60) for t in answer.unknown_terms[:30])
        more = f" and {len(answer.unknown_terms) - 30} more" if len(answer.unknown_terms) > 30 else ""
        lines.append(_cut(f"These words are not in any article: {words}{more}.", 1200))
    lines.append("Try asking with words the articles use, or see the articles with `/source`.")
    return _cut("\n".join(lines), CONTENT)


def _year(article: Article) -> str | None:
    date = (article.date or "").strip()
    return date[:4] if date[:4].isdigit() else (date or None)


def _field_name(excerpt: Excerpt, limit: int) -> str:
    article = excerpt.article
    tail = ""
    year = _year(article)
    if article.author:
        tail += " — " + safe(article.author, 60) + (f", {safe(year, 12)}" if year else "")
    elif year:
        tail += f" ({safe(year, 12)})"
    tail += f" · ¶{excerpt.passage.paragraph}"
    head = f"{excerpt.rank}. "
    room = limit - len(head) - len(tail)
    if room < 12:  # a very small name: keep the title, drop the rest
        return _cut(head + safe(article.title), limit)
    return head + safe(article.title or article.id, room) + tail


def _source_line(footnote: Footnote) -> str:
    if footnote.ibid_of:
        return safe(f"[{footnote.marker}] Ibid. = [{footnote.ibid_of}] {footnote.source}")
    return safe(f"[{footnote.marker}] {footnote.source}")


@dataclass(frozen=True)
class _Prepared:
    """An excerpt's escaped pieces, rendered once and cut to size as often as the budget needs."""

    pieces: list[tuple[str, bool]]
    quote: str  # the whole highlighted quote
    lines: list[str]  # one escaped line per source

    @classmethod
    def of(cls, excerpt: Excerpt) -> _Prepared:
        pieces = _segments(excerpt.quote, excerpt.highlights)
        quote = _render_pieces(pieces, 10**9)
        if not quote.strip():
            pieces, quote = [(ELLIPSIS, False)], ELLIPSIS
        return cls(pieces, quote, [_source_line(f) for f in excerpt.passage.footnotes])

    @property
    def natural(self) -> int:
        return len(self.quote) + sum(len(line) + 1 for line in self.lines)

    def value(self, budget: int) -> str:
        budget = max(1, min(budget, FIELD_VALUE))
        quote, lines = self.quote, self.lines
        if not lines:
            return quote if len(quote) <= budget else _render_pieces(self.pieces, budget)
        sources = "\n".join(lines)
        if len(quote) + 1 + len(sources) <= budget:
            return quote + "\n" + sources
        room = budget - 1
        share = int(room * len(quote) / (len(quote) + len(sources)))
        quote_room = min(len(quote), max(share, room // 2))
        if room - quote_room < 24:  # no space for a useful source line: the quote gets it all
            return _render_pieces(self.pieces, budget) or ELLIPSIS
        quoted = quote if len(quote) <= quote_room else _render_pieces(self.pieces, quote_room)
        listed = _fit_lines(lines, room - len(quoted), "more sources")
        return (quoted + "\n" + listed) if listed else quoted


def answer_embed(
    answer: Answer, *, answer_id: str, page: int, page_size: int, excerpts: Sequence[Excerpt]
) -> discord.Embed:
    """One page of an answer: the question, each excerpt with its bold matches and its sources."""
    shown = list(excerpts)[:FIELDS]
    page_size = max(1, int(page_size))
    total = max(len(answer.excerpts), len(shown), max((e.rank for e in shown), default=0))
    pages = max(1, int(page), -(-total // page_size))

    title = safe(answer.question, TITLE) or "Answer"
    description = None
    if answer.weak:
        description = (
            "⚠️ Weak answer: only some of the question's words are in the readings, "
            "so these excerpts may miss the point."
        )
    elif not shown:
        description = "No excerpts on this page."
    footer_lines = []
    if answer.unknown_terms:
        footer_lines.append(plain("Not in the readings: " + ", ".join(answer.unknown_terms), 400))
    footer_lines.append(plain(f"answer {answer_id} · page {page}/{pages}", 200))
    footer = "\n".join(footer_lines)

    name_limit = max(40, min(FIELD_NAME, 2500 // max(1, len(shown))))
    names = [_field_name(e, name_limit) for e in shown]
    fixed = len(title) + len(description or "") + len(footer) + sum(map(len, names))
    prepared = [_Prepared.of(e) for e in shown]
    needs = [min(FIELD_VALUE, p.natural) for p in prepared]
    available = EMBED_TOTAL - fixed
    scale = 1.0
    while True:
        budgets = _waterfill(needs, int(available * scale), FIELD_VALUE)
        embed = _embed(title, description)
        for name, prep, budget in zip(names, prepared, budgets, strict=True):
            value = prep.value(budget) or ELLIPSIS
            embed.add_field(name=name, value=value, inline=False)
        embed.set_footer(text=footer)
        if embed_size(embed) <= EMBED_TOTAL or scale < 0.05:
            break
        scale *= 0.9
    return _shrink(embed)


def _shrink(embed: discord.Embed) -> discord.Embed:
    """Last guard: drop trailing fields until the embed fits (never expected to run)."""
    while embed_size(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


# ---------------------------------------------------------------- sources


def _byline(article: Article) -> str:
    parts = [article.author, article.date, article.publication]
    return plain(" · ".join(p for p in parts if p), AUTHOR)


def passage_embed(found: PassageLookup) -> discord.Embed:
    """A whole passage (cut at 4096) with its sources in as many fields as fit."""
    article, passage = found.article, found.passage
    title = safe(article.title or article.id, TITLE)
    byline = _byline(article)
    footer = plain(f"passage {passage.id} · ¶{passage.paragraph}", 300)
    lines = [_cut(_source_line(f), FIELD_VALUE - 40) for f in passage.footnotes]
    sources_natural = sum(len(line) + 1 for line in lines) + (len("Sources") if lines else 0)
    fixed = len(title) + len(byline) + len(footer)
    text = safe(passage.text)
    description_room = min(DESCRIPTION, EMBED_TOTAL - fixed - min(sources_natural, 900))
    description = _cut(text, description_room) or ELLIPSIS

    embed = _embed(title, description, article.url)
    if byline:
        embed.set_author(name=byline)
    embed.set_footer(text=footer)
    left = EMBED_TOTAL - embed_size(embed)
    index = 0
    while index < len(lines) and len(embed.fields) < FIELDS:
        name = "Sources" if index == 0 else "Sources (continued)"
        room = min(FIELD_VALUE, left - len(name))
        if room < 40:
            break
        chunk: list[str] = []
        used = 0
        while index < len(lines) and used + len(lines[index]) + (1 if chunk else 0) <= room:
            used += len(lines[index]) + (1 if chunk else 0)
            chunk.append(lines[index])
            index += 1
        remaining = len(lines) - index
        note = f"… +{remaining} more sources: /source with this article and a footnote"
        # Another field must hold at least the next source and the note, else this one ends the list.
        next_room = min(FIELD_VALUE, left - len(name) - used - len("Sources (continued)"))
        upcoming = len(lines[index]) if remaining else 0
        last_field = len(embed.fields) == FIELDS - 1 or next_room < upcoming + 1 + len(note)
        if remaining and (last_field or not chunk):
            while chunk and used + 1 + len(note) > room:
                used -= len(chunk.pop()) + (1 if chunk else 0)
                index -= 1
            remaining = len(lines) - index
            note = f"… +{remaining} more sources: /source with this article and a footnote"
            chunk.append(note[:room])
            used += len(chunk[-1]) + (1 if len(chunk) > 1 else 0)
            embed.add_field(name=name, value="\n".join(chunk), inline=False)
            break
        embed.add_field(name=name, value="\n".join(chunk), inline=False)
        left -= len(name) + used
    return _shrink(embed)


def _counts(article: Article) -> str:
    p, f = len(article.passages), len(article.footnotes)
    return f"{p} passage{'s' * (p != 1)} · {f} footnote{'s' * (f != 1)}"


def articles_embed(articles: Sequence[Article]) -> discord.Embed:
    """The readings: one field per article (title; author, date, counts, id)."""
    articles = list(articles)
    n = len(articles)
    description = (
        f"{n} article{'s' * (n != 1)} in the readings. Pick one with `/source article:` for its card."
        if n
        else "No articles are loaded yet."
    )
    embed = _embed("Readings", description)
    keep = n if n <= FIELDS else FIELDS - 1
    for article in articles[:keep]:
        bits = [
            safe(article.author, 60) if article.author else "",
            safe(article.date, 20) if article.date else "",
        ]
        line = " · ".join(b for b in bits if b)
        value = (line + "\n" if line else "") + _counts(article) + " · id: " + safe(article.id, 60)
        embed.add_field(name=safe(article.title or article.id, 90) or "—", value=value, inline=False)
    hidden = n - keep
    while embed_size(embed) + 40 > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
        hidden += 1
    if hidden:
        embed.add_field(name="…", value=f"and {hidden} more article{'s' * (hidden != 1)}", inline=False)
    return _shrink(embed)


def article_embed(article: Article) -> discord.Embed:
    """One article's card."""
    embed = _embed(safe(article.title or article.id, TITLE), None, article.url)
    if article.author:
        embed.add_field(name="Author", value=safe(article.author, 500), inline=True)
    if article.date:
        embed.add_field(name="Date", value=safe(article.date, 100), inline=True)
    if article.publication:
        embed.add_field(name="Publication", value=safe(article.publication, 500), inline=True)
    if article.url and _valid_url(article.url):
        embed.add_field(name="Link", value=article.url[:FIELD_VALUE], inline=False)
    embed.add_field(name="Passages", value=str(len(article.passages)), inline=True)
    embed.add_field(name="Footnotes", value=str(len(article.footnotes)), inline=True)
    embed.set_footer(text=plain(f"article {article.id}", 300))
    return _shrink(embed)


def footnote_embed(found: FootnoteLookup) -> discord.Embed:
    """A footnote: its marker, the source (Ibidem resolved) and the passages that cite it."""
    note, article = found.footnote, found.article
    title = _cut(safe(f"[{note.marker}] ") + safe(article.title or article.id), TITLE)
    embed = _embed(title, safe(note.source, DESCRIPTION) or ELLIPSIS, article.url)
    if note.ibid_of:
        embed.add_field(name="Ibidem", value=safe(f"same as [{note.ibid_of}]", 200), inline=False)
    cited = [safe(p, 100) for p in found.cited_by]
    value = _join_some(cited, FIELD_VALUE, "passages") if cited else "No passage cites it."
    embed.add_field(name="Cited by", value=value, inline=False)
    embed.set_footer(text=plain(f"article {article.id} · footnote {note.marker}", 300))
    return _shrink(embed)


def _join_some(items: Sequence[str], limit: int, what: str) -> str:
    """Comma-joined items within ``limit``, ending in "and N more <what>" when they do not all fit."""
    out: list[str] = []
    used = 0
    for index, item in enumerate(items):
        sep = 2 if out else 0
        left = len(items) - index - 1
        tail = len(f" and {left} more {what}") if left else 0
        if used + sep + len(item) + tail > limit:
            return ", ".join(out) + f" and {len(items) - index} more {what}"
        out.append(item)
        used += sep + len(item)
    return ", ".join(out)


# ---------------------------------------------------------------- server


def settings_embed(*, top_k: int, private: bool, cooldown: int, channel_ids: list[int]) -> discord.Embed:
    embed = _embed("Studybot settings")
    embed.add_field(name="Excerpts per page", value=str(top_k), inline=True)
    embed.add_field(name="Private answers by default", value="Yes" if private else "No", inline=True)
    embed.add_field(name="Cooldown", value=f"{cooldown} s" if cooldown else "Off", inline=True)
    channels = [f"<#{int(c)}>" for c in channel_ids]
    embed.add_field(
        name="Channels",
        value=_join_some(channels, FIELD_VALUE, "channels") if channels else "All channels",
        inline=False,
    )
    return embed


def stats_embed(
    *, asked: int, answered: int, top_unanswered: list[tuple[str, int]], up: int, down: int
) -> discord.Embed:
    embed = _embed("Studybot stats")
    share = f" ({answered / asked:.0%})" if asked else ""
    embed.add_field(name="Questions asked", value=str(asked), inline=True)
    embed.add_field(name="Answered", value=f"{answered}{share}", inline=True)
    embed.add_field(name="Feedback", value=f"👍 {up} · 👎 {down}", inline=True)
    lines = [f"{int(count)}× {safe(' '.join(str(q).split()), 150)}" for q, count in top_unanswered[:20]]
    embed.add_field(
        name="Most asked, not answered",
        value=_fit_lines(lines, FIELD_VALUE, "more") if lines else "None so far.",
        inline=False,
    )
    return _shrink(embed)
