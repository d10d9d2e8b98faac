"""How quotes, footnotes and references read, for the command line and Discord alike.

Renderers add their own markup and escaping on top of these plain pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.answer import merge_spans
from bot.core.models import Article, Footnote, Passage


def highlight_segments(quote: str, highlights: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """The quote as (text, highlighted?) pieces, in order.

    Spans are clamped to the quote (stored spans are input too) and merged; a highlighted piece
    never starts or ends with whitespace (that whitespace is a plain piece of its own).
    """
    clamped = ((max(0, int(s[0])), min(len(quote), int(s[1]))) for s in highlights if len(s) >= 2)
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in merge_spans((a, b) for a, b in clamped if b > a):
        if start > pos:
            pieces.append((quote[pos:start], False))
        raw = quote[start:end]
        core = raw.strip()
        if core:
            left, right = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]
            pieces += [(left, False), (core, True), (right, False)]
        else:
            pieces.append((raw, False))
        pos = end
    pieces.append((quote[pos:], False))
    return [(text, bold) for text, bold in pieces if text]


def marked_quote(quote: str, highlights, open_mark: str = "**", close_mark: str = "**") -> str:
    """The quote with each highlighted piece wrapped in marks (markdown bold by default)."""
    return "".join(f"{open_mark}{t}{close_mark}" if bold else t for t, bold in highlight_segments(quote, highlights))


def footnote_line(footnote: Footnote) -> str:
    """`[iii] Ibid. = [ii] U.S. Department of Defense, …`: an Ibidem (or op. cit.) entry says what it repeats."""
    ibid = f"{'Op. cit.' if footnote.op_cit else 'Ibid.'} = [{footnote.ibid_of}] " if footnote.ibid_of else ""
    return f"[{footnote.marker}] {ibid}{footnote.source}"


def byline(article: Article) -> str:
    return ", ".join(p for p in (article.author, article.date) if p) or "author and date unknown"


def pages_text(article: Article, passage: Passage) -> str | None:
    """"p. 214" or "pp. 214–215" by the printed labels; None for formats without pages."""
    if not passage.pages:
        return None
    first, last = article.page_label(passage.pages[0]), article.page_label(passage.pages[-1])
    return f"p. {first}" if first == last else f"pp. {first}–{last}"


def place(article: Article, passage: Passage) -> str:
    """Where in the article: "¶4" or "¶4, pp. 214–215"."""
    return ", ".join(p for p in (f"¶{passage.paragraph}", pages_text(article, passage)) if p)
