"""Answers, passages, articles, settings and stats as Discord embeds and messages.

Pure: data in, ``discord.Embed`` or ``str`` out. Every result fits Discord's limits, and text from
users or the readings goes through render.safety first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.app.render.fit import embed_size, fit_lines, new_embed, shrink, valid_url, waterfill
from bot.app.render.limits import AUTHOR, CONTENT, DESCRIPTION, EMBED_TOTAL, FIELD_NAME, FIELD_VALUE, FIELDS, TITLE
from bot.app.render.safety import ELLIPSIS, cut, plain, render_pieces, safe, segments
from bot.core.models import Answer, Article, Excerpt, Footnote, FootnoteLookup, PassageLookup
from bot.service import messages
from bot.service.citations import byline, footnote_line, place


def unanswered_message(answer: Answer, article: Article | None = None) -> str:
    """The short private reply to a question the readings (or the chosen article) do not answer."""
    if answer.named_articles:
        return cut("\n".join([messages.NAMED_NOT_IN_TEXT, *_named_lines(answer)]), CONTENT)
    if not answer.matched_terms and not answer.unknown_terms:
        return messages.NO_SEARCHABLE_WORDS
    if article is not None and answer.matched_terms and not answer.unknown_terms:
        return messages.nothing_in_article(safe(article.title, 200))
    lines = [messages.NOT_ANSWERED]
    if answer.unknown_terms:
        words = ", ".join(safe(t, 60) for t in answer.unknown_terms[:30])
        more = f" and {len(answer.unknown_terms) - 30} more" if len(answer.unknown_terms) > 30 else ""
        lines.append(cut(messages.unknown_words(words + more), 1200))
    if answer.matched_terms and article is None:
        known = ", ".join(safe(t, 60) for t in answer.matched_terms[:30])
        lines.append(cut(messages.known_words_not_enough(known), 400))
    lines.append(messages.TRY_OTHER_WORDS)
    return cut("\n".join(lines), CONTENT)


def _named_lines(answer: Answer) -> list[str]:
    """A line per article the question names by title or author (messages.NAMED_SHOWN, then a count of the
    rest): its author and date, and how to see it."""

    def line(a: Article) -> str:
        # an id a code span cannot hold whole (a backtick, a long path) is left for the option's autocomplete
        shown_id = a.id if len(a.id) <= 80 and "`" not in a.id else ""
        return messages.named_article(safe(a.title or a.id, 150), safe(byline(a), 150), f"/source article:{shown_id}")

    return messages.named_article_lines(answer.named_articles, line, "/source")


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
    tail += " · " + safe(place(article, excerpt.passage))
    head = f"{excerpt.rank}. "
    room = limit - len(head) - len(tail)
    if room < 12:  # a very small name: keep the title, drop the rest
        return cut(head + safe(article.title), limit)
    return head + safe(article.title or article.id, room) + tail


def _source_line(footnote: Footnote) -> str:
    return safe(footnote_line(footnote))


@dataclass(frozen=True)
class _Prepared:
    """An excerpt's escaped pieces, rendered once and cut to size as often as the budget needs."""

    pieces: list[tuple[str, bool]]
    quote: str  # the whole highlighted quote
    lines: list[str]  # one escaped line per source

    @classmethod
    def of(cls, excerpt: Excerpt) -> _Prepared:
        pieces = segments(excerpt.quote, excerpt.highlights)
        quote = render_pieces(pieces, 10**9)
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
            return quote if len(quote) <= budget else render_pieces(self.pieces, budget)
        sources = "\n".join(lines)
        if len(quote) + 1 + len(sources) <= budget:
            return quote + "\n" + sources
        room = budget - 1
        share = int(room * len(quote) / (len(quote) + len(sources)))
        quote_room = min(len(quote), max(share, room // 2))
        if room - quote_room < 24:  # no space for a useful source line: the quote gets it all
            return render_pieces(self.pieces, budget) or ELLIPSIS
        quoted = quote if len(quote) <= quote_room else render_pieces(self.pieces, quote_room)
        listed = fit_lines(lines, room - len(quoted), "more sources")
        return (quoted + "\n" + listed) if listed else quoted


def answer_embed(
    answer: Answer, *, page: int, page_size: int, excerpts: Sequence[Excerpt], note: str | None = None
) -> discord.Embed:
    """One page of an answer: the question, each excerpt with its bold matches and its sources;
    `note` (already safe) says why some excerpts of the page are not shown."""
    shown = list(excerpts)[:FIELDS]
    page_size = max(1, int(page_size))
    total = max(len(answer.excerpts), len(shown), max((e.rank for e in shown), default=0))
    pages = max(1, int(page), -(-total // page_size))

    title = safe(answer.question, TITLE) or "Answer"
    description = None
    if answer.weak:
        description = messages.weak_answer(answer)
    elif not shown and not note:
        description = "No excerpts on this page."
    if answer.named_articles:
        description = "\n".join([*([description] if description else []), *_named_lines(answer)])
    if note:
        description = cut(f"{description}\n{note}" if description else note, DESCRIPTION)
    footer_lines = []
    if answer.unknown_terms:
        footer_lines.append(plain("Not in the readings: " + ", ".join(answer.unknown_terms), 400))
    if pages > 1:
        footer_lines.append(f"page {page}/{pages}")
    footer = "\n".join(footer_lines)

    name_limit = max(40, min(FIELD_NAME, 2500 // max(1, len(shown))))
    names = [_field_name(e, name_limit) for e in shown]
    fixed = len(title) + len(description or "") + len(footer) + sum(map(len, names))
    prepared = [_Prepared.of(e) for e in shown]
    needs = [min(FIELD_VALUE, p.natural) for p in prepared]
    budgets = waterfill(needs, EMBED_TOTAL - fixed, FIELD_VALUE)  # each value stays within its budget
    embed = new_embed(title, description)
    for name, prep, budget in zip(names, prepared, budgets, strict=True):
        embed.add_field(name=name, value=prep.value(budget) or ELLIPSIS, inline=False)
    if footer:
        embed.set_footer(text=footer)
    return shrink(embed)


def _byline(article: Article) -> str:
    parts = [article.author, article.date, article.publication]
    return plain(" · ".join(p for p in parts if p), AUTHOR)


def passage_embed(found: PassageLookup) -> discord.Embed:
    """A whole passage (cut at 4096) with its sources in as many fields as fit."""
    article, passage = found.article, found.passage
    title = safe(article.title or article.id, TITLE)
    byline = _byline(article)
    footer = plain(place(article, passage), 300)
    lines = [cut(_source_line(f), FIELD_VALUE - 40) for f in passage.footnotes]
    sources_natural = sum(len(line) + 1 for line in lines) + (len("Sources") if lines else 0)
    fixed = len(title) + len(byline) + len(footer)
    text = safe(passage.text)
    description_room = min(DESCRIPTION, EMBED_TOTAL - fixed - min(sources_natural, 900))
    description = cut(text, description_room) or ELLIPSIS

    embed = new_embed(title, description, article.url)
    if byline:
        embed.set_author(name=byline)
    embed.set_footer(text=footer)
    for name, value in _source_fields(lines, EMBED_TOTAL - embed_size(embed)):
        embed.add_field(name=name, value=value, inline=False)
    return shrink(embed)


def _more_sources(count: int) -> str:
    return f"… +{count} more sources: /source with this article and a footnote"


def _source_fields(lines: Sequence[str], left: int) -> list[tuple[str, str]]:
    """Source lines packed into fields within ``left`` characters; what does not fit is summarised.

    Until the last line, room for the summary stays free, so it always fits.
    """
    def name(index: int) -> str:
        return "Sources" if index == 0 else "Sources (continued)"

    reserve = len(name(1)) + len(_more_sources(len(lines)))
    fields: list[list[str]] = []
    sizes: list[int] = []
    for i, line in enumerate(lines):
        keep = 0 if i == len(lines) - 1 else reserve
        if fields and sizes[-1] + 1 + len(line) <= FIELD_VALUE and left - 1 - len(line) >= keep:
            fields[-1].append(line)
            sizes[-1] += 1 + len(line)
            left -= 1 + len(line)
            continue
        cost = len(name(len(fields))) + len(line)
        if len(fields) < (FIELDS if keep == 0 else FIELDS - 1) and left - cost >= keep:
            fields.append([line])
            sizes.append(len(line))
            left -= cost
            continue
        note = _more_sources(len(lines) - i)
        if fields and sizes[-1] + 1 + len(note) <= FIELD_VALUE:
            fields[-1].append(note)
        else:
            fields.append([note])
        break
    return [(name(i), "\n".join(field)) for i, field in enumerate(fields)]


def _counts(article: Article) -> str:
    p, f = len(article.passages), len(article.footnotes)
    return f"{p} passage{'s' * (p != 1)} · {f} footnote{'s' * (f != 1)}"


ARTICLES_PER_PAGE = 20  # fields of a title and a short line each: a page stays well inside an embed's 6,000


def articles_embed(articles: Sequence[Article], page: int = 1) -> discord.Embed:
    """The readings, a page of them: one field per article (title; author, date, counts). A page
    past the last shows the last."""
    articles = list(articles)
    n = len(articles)
    pages = max(1, -(-n // ARTICLES_PER_PAGE))
    page = min(max(1, page), pages)
    description = (
        f"{n} article{'s' * (n != 1)} in the readings. Pick one with `/source article:` for its card."
        if n
        else "No articles are loaded yet."
    )
    if page < pages:
        description += f" More with `/source page:{page + 1}`."
    embed = new_embed("Readings", description)
    for article in articles[(page - 1) * ARTICLES_PER_PAGE : page * ARTICLES_PER_PAGE]:
        bits = [
            safe(article.author, 60) if article.author else "",
            safe(article.date, 20) if article.date else "",
        ]
        line = " · ".join(b for b in bits if b)
        value = (line + "\n" if line else "") + _counts(article)
        embed.add_field(name=safe(article.title or article.id, 90) or "—", value=value, inline=False)
    if pages > 1:
        embed.set_footer(text=f"page {page}/{pages}")
    return shrink(embed)


def article_embed(article: Article) -> discord.Embed:
    """One article's card."""
    embed = new_embed(safe(article.title or article.id, TITLE), None, article.url)
    if article.author:
        embed.add_field(name="Author", value=safe(article.author, 500), inline=True)
    if article.date:
        embed.add_field(name="Date", value=safe(article.date, 100), inline=True)
    if article.publication:
        embed.add_field(name="Publication", value=safe(article.publication, 500), inline=True)
    if article.url and valid_url(article.url):
        embed.add_field(name="Link", value=article.url[:FIELD_VALUE], inline=False)
    embed.add_field(name="Language", value=safe(article.language, 20), inline=True)
    embed.add_field(name="Passages", value=str(len(article.passages)), inline=True)
    embed.add_field(name="Footnotes", value=str(len(article.footnotes)), inline=True)
    return shrink(embed)


def footnote_embed(found: FootnoteLookup) -> discord.Embed:
    """A footnote: its marker, the source (Ibidem resolved) and the passages that cite it."""
    note, article = found.footnote, found.article
    title = cut(safe(f"[{note.marker}] ") + safe(article.title or article.id), TITLE)
    embed = new_embed(title, safe(note.source, DESCRIPTION) or ELLIPSIS, article.url)
    if note.ibid_of:
        embed.add_field(name="Op. cit." if note.op_cit else "Ibidem", value=safe(f"same as [{note.ibid_of}]", 200),
                        inline=False)  # fmt: skip
    passages = {p.id: p for p in article.passages}
    cited = [safe(place(article, passages[p])) for p in found.cited_by if p in passages]
    value = join_some(cited, FIELD_VALUE, "passages") if cited else "No passage cites it."
    embed.add_field(name="Cited by", value=value, inline=False)
    return shrink(embed)


def join_some(items: Sequence[str], limit: int, what: str) -> str:
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


def settings_embed(*, top_k: int, private: bool, cooldown: int, channel_ids: list[int],
                   blocked_channel_ids: Sequence[int] = (), librarian_role_id: int | None = None,
                   threads: bool = False) -> discord.Embed:  # fmt: skip
    embed = new_embed("Studybot settings")
    embed.add_field(name="Excerpts per page", value=str(top_k), inline=True)
    embed.add_field(name="Private answers by default", value="Yes" if private else "No", inline=True)
    embed.add_field(name="Cooldown", value=f"{cooldown} s" if cooldown else "Off", inline=True)
    librarian = f"<@&{int(librarian_role_id)}>" if librarian_role_id else "None (Manage Server only)"
    embed.add_field(name="Librarian role", value=librarian, inline=True)
    embed.add_field(name="Answers in threads", value="Yes" if threads else "No", inline=True)
    channels = [f"<#{int(c)}>" for c in channel_ids]
    blocked = [f"<#{int(c)}>" for c in blocked_channel_ids]
    where = join_some(channels, FIELD_VALUE // 2, "channels") if channels else "All channels"
    if blocked:
        where += " except " + join_some(blocked, FIELD_VALUE // 2 - 10, "channels")
    embed.add_field(name="Channels", value=where, inline=False)
    return embed


def stats_embed(
    *,
    asked: int,
    answered: int,
    top_unanswered: list[tuple[str, int]],
    up: int,
    down: int,
    top_documents: Sequence[tuple[str, int, int, int]] = (),
) -> discord.Embed:
    """/stats: questions, answers, votes, the most asked unanswered questions and, as (title,
    answers, up, down), the server's own documents its answers quote most."""
    embed = new_embed("Studybot stats")
    share = f" ({answered / asked:.0%})" if asked else ""
    embed.add_field(name="Questions asked", value=str(asked), inline=True)
    embed.add_field(name="Answered", value=f"{answered}{share}", inline=True)
    embed.add_field(name="Feedback", value=f"👍 {up} · 👎 {down}", inline=True)
    lines = [f"{int(count)}× {safe(' '.join(str(q).split()), 150)}" for q, count in top_unanswered[:20]]
    embed.add_field(
        name="Most asked, not answered",
        value=fit_lines(lines, FIELD_VALUE, "more") if lines else "None so far.",
        inline=False,
    )
    if top_documents:
        quoted = [f"**{safe(title, 150)}** — {messages.quoted_in(answers, up_votes, down_votes)}"
                  for title, answers, up_votes, down_votes in top_documents[:20]]  # fmt: skip
        embed.add_field(name="Most quoted documents", value=fit_lines(quoted, FIELD_VALUE, "more"), inline=False)
    return shrink(embed)


def document_stats_embed(*, title: str, document_id: str, answers: int, up: int, down: int) -> discord.Embed:
    """/stats document: how many stored answers quote one document, and their votes."""
    embed = new_embed(safe(title, TITLE) or "Document")
    embed.add_field(name="Questions answered from it", value=str(answers), inline=True)
    embed.add_field(name="Feedback", value=f"👍 {up} · 👎 {down}", inline=True)
    embed.set_footer(text=f"id {document_id}")
    return embed
