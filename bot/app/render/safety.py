"""Text from users or the readings made inert for Discord: no pings, no markdown breaking out.

NFKC-normalised, stripped of invisible and bidi characters, markdown-escaped, mentions neutralised
with a zero-width space. Text Discord shows without markdown (footer, author line, autocomplete
names) goes through ``plain()`` instead of ``safe()``, so readers see no stray backslashes.
"""

from __future__ import annotations

import re
import unicodedata

from bot.service.citations import highlight_segments

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


def cut(escaped: str, limit: int) -> str:
    """Shorten already-escaped text to ``limit`` chars ending in "…", never splitting an escape."""
    if limit <= 0:
        return ""
    if len(escaped) <= limit:
        return escaped
    return head_of(escaped, limit - 1) + ELLIPSIS


def head_of(escaped: str, limit: int) -> str:
    """At most ``limit`` chars of already-escaped text, never ending in half an escape."""
    head = escaped[: max(0, limit)]
    backslashes = len(head) - len(head.rstrip("\\"))
    return head[:-1] if backslashes % 2 else head  # an odd last backslash escaped a char cut off


def safe(text: str, limit: int | None = None) -> str:
    """Text from users or the readings, made inert for Discord markdown and mentions."""
    escaped = _escape(clean(text))
    return escaped if limit is None else cut(escaped, limit)


def file_name(name: str, limit: int = 200) -> str:
    """A file's name as a reply shows it: on one line, made inert, and when long shortened in the
    middle, so that its end (a number, the extension) still tells it apart."""
    name = " ".join(clean(name).split())
    if len(name) > limit:
        name = name[: limit - 31] + ELLIPSIS + name[-30:]
    return _escape(name)


def plain(text: str, limit: int | None = None) -> str:
    """For places Discord shows without markdown (footer, author, choices): cleaned, no pings, one line."""
    text = _neutralise(" ".join(clean(text).split()))
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS if limit > 0 else ""


def segments(quote: str, highlights) -> list[tuple[str, bool]]:
    """(escaped text, bold?) pieces of a quote, by the shared highlight rules."""
    pieces = [(safe(text), bold) for text, bold in highlight_segments(quote, highlights or ())]
    return [(text, bold and bool(text.strip())) for text, bold in pieces if text]


def quote_with_highlights(quote: str, highlights, limit: int) -> str:
    """The escaped quote with highlight spans in **bold**, at most ``limit`` chars, markers balanced."""
    return render_pieces(segments(quote, highlights), limit)


def render_pieces(pieces: list[tuple[str, bool]], limit: int) -> str:
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
            part = head_of(text, room)
            part = part.rstrip() if bold else part
            if part.strip():
                out.append(f"**{part}**" if bold else part)
        break
    return "".join(out) + ELLIPSIS
