"""Answers and look-ups as the JSON contract outside tools rely on, and as text for a terminal."""

from __future__ import annotations

from bot.core.models import Answer, Article, Footnote, FootnoteLookup, PassageLookup
from bot.service import messages
from bot.service.citations import byline, footnote_line, marked_quote, place

# ------------------------------------------------------------------ the --json contract


def article_ref(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "url": article.url,
    }


def footnote_dict(footnote: Footnote) -> dict:
    return {"marker": footnote.marker, "source": footnote.source, "ibid_of": footnote.ibid_of}


def pages_dict(article: Article, passage) -> dict:
    """`pages`: the physical pages (1-based) a passage lies on, `page_labels`: as printed ("xii");
    both null for formats without pages."""
    if not passage.pages:
        return {"pages": None, "page_labels": None}
    return {"pages": list(passage.pages), "page_labels": [article.page_label(p) for p in passage.pages]}


def answer_dict(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "weak": answer.weak,
        "matched_terms": list(answer.matched_terms),
        "unknown_terms": list(answer.unknown_terms),
        "named_articles": [article_ref(a) for a in answer.named_articles],
        "excerpts": [
            {
                "rank": e.rank,
                "score": e.score,
                "passage_id": e.passage.id,
                "paragraph": e.passage.paragraph,
                **pages_dict(e.article, e.passage),
                "article": article_ref(e.article),
                "text": e.passage.text,
                "quote": marked_quote(e.quote, e.highlights),
                "footnotes": [footnote_dict(f) for f in e.passage.footnotes],
            }
            for e in answer.excerpts
        ],
    }


def articles_dict(articles) -> dict:
    return {
        "articles": [
            {**article_ref(a), "passages": len(a.passages), "footnotes": len(a.footnotes)} for a in articles
        ]
    }


def footnote_lookup_dict(found: FootnoteLookup) -> dict:
    return {
        "article": found.article.id,
        "marker": found.footnote.marker,
        "source": found.footnote.source,
        "ibid_of": found.footnote.ibid_of,
        "cited_by": list(found.cited_by),
    }


def passage_lookup_dict(found: PassageLookup) -> dict:
    return {
        "passage_id": found.passage.id,
        "article": article_ref(found.article),
        "paragraph": found.passage.paragraph,
        **pages_dict(found.article, found.passage),
        "text": found.passage.text,
        "footnotes": [footnote_dict(f) for f in found.passage.footnotes],
        "previous": found.previous,
        "next": found.next,
    }


# ------------------------------------------------------------------ terminal text


class Style:
    """ANSI styling, or none when the output is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def indented(text: str, prefix: str = "    ") -> str:
    """Every line of a (possibly multi-line) text indented alike."""
    return "\n".join(prefix + line for line in text.split("\n"))


def where(article: Article, passage) -> str:
    """`¶4, p. 12 · passage 000_…:5`: the paragraph people cite, then the id commands take."""
    return f"{place(article, passage)} · passage {passage.id}"


def answer_text(answer: Answer, style: Style) -> str:
    lines = [style.bold(f"Q: {answer.question}")]
    if not answer.answered:
        if answer.named_articles:
            return "\n".join([*lines, messages.NAMED_NOT_IN_TEXT, *_named_lines(answer)])
        if not answer.matched_terms and not answer.unknown_terms:
            lines.append(messages.NO_SEARCHABLE_WORDS)
            return "\n".join(lines)
        lines.append(messages.NOT_ANSWERED)
        if answer.unknown_terms:
            lines.append(messages.unknown_words(", ".join(answer.unknown_terms)))
        if answer.matched_terms:
            lines.append(messages.known_words_not_enough(", ".join(answer.matched_terms)))
        lines.append(messages.TRY_OTHER_WORDS_CLI)
        return "\n".join(lines)
    if answer.weak:
        lines.append(style.dim(messages.weak_answer(answer)))
    lines += _named_lines(answer)
    lines.append(style.dim(f"Matched: {', '.join(answer.matched_terms)}"))
    if answer.unknown_terms:
        lines.append(style.dim(f"Not in the readings: {', '.join(answer.unknown_terms)}"))
    bold_on, bold_off = ("\x1b[1m", "\x1b[0m") if style.enabled else ("*", "*")
    for e in answer.excerpts:
        lines.append("")
        lines.append(
            style.bold(f"[{e.rank}] {e.article.title}")
            + f" — {byline(e.article)}, "
            + style.dim(f"{where(e.article, e.passage)}, score {e.score:.2f}")
        )
        lines.append(indented(f"“{marked_quote(e.quote, e.highlights, bold_on, bold_off)}”"))
        for footnote in e.passage.footnotes:
            lines.append(indented(style.dim(footnote_line(footnote))))
    return "\n".join(lines)


def _named_lines(answer: Answer) -> list[str]:
    def line(a: Article) -> str:
        return messages.named_article(a.title, byline(a), f"studybot source {a.id}")

    return messages.named_article_lines(answer.named_articles, line, "studybot source")


def articles_text(articles, style: Style) -> str:
    lines = []
    for a in articles:
        lines.append(style.bold(a.id) + f"  {a.title}")
        lines.append(f"    {byline(a)}" + (f"  {a.url}" if a.url else ""))
        counts = f"{messages.plural(len(a.passages), 'passage')}, {messages.plural(len(a.footnotes), 'footnote')}"
        counts += f", language {a.language}"
        lines.append(style.dim(f"    {counts}"))
    return "\n".join(lines) or "No articles loaded."


def article_card_text(article: Article, style: Style) -> str:
    """One article's card: what it is, where it came from, and its footnotes with their markers."""
    lines = [style.bold(article.title), style.dim(f"id {article.id}")]
    for label, value in (
        ("Author", article.author),
        ("Date", article.date),
        ("Publication", article.publication),
        ("Link", article.url),
        ("Language", article.language),
    ):
        if value:
            lines.append(f"{label + ':':<13}{value}")
    lines.append(f"{'Passages:':<13}{len(article.passages)}")
    lines.append(f"{'Footnotes:':<13}{len(article.footnotes)}")
    lines += [indented(footnote_line(f)) for f in article.footnotes]
    return "\n".join(lines)


def footnote_lookup_text(found: FootnoteLookup, style: Style) -> str:
    cited = ", ".join(found.cited_by) or "no passage"
    return f"{style.bold(found.article.title)}\n{footnote_line(found.footnote)}\nCited by: {cited}"


def passage_lookup_text(found: PassageLookup, style: Style) -> str:
    p = found.passage
    lines = [style.bold(found.article.title) + f" — {byline(found.article)}, {where(found.article, p)}", "", p.text]
    if p.footnotes:
        lines += ["", *(footnote_line(f) for f in p.footnotes)]
    lines += ["", style.dim(f"Previous: {found.previous or '—'}   Next: {found.next or '—'}")]
    return "\n".join(lines)
