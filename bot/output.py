"""Answers and look-ups as the JSON contract outside tools rely on, and as text for a terminal."""

from __future__ import annotations

from bot.core.models import Answer, Article, Excerpt, Footnote, FootnoteLookup, PassageLookup

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


def marked_quote(excerpt: Excerpt, open_mark: str = "**", close_mark: str = "**") -> str:
    """The quote with each highlighted span wrapped in marks (markdown bold by default)."""
    out, last = [], 0
    for start, end in excerpt.highlights:
        out += [excerpt.quote[last:start], open_mark, excerpt.quote[start:end], close_mark]
        last = end
    out.append(excerpt.quote[last:])
    return "".join(out)


def answer_dict(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "weak": answer.weak,
        "matched_terms": list(answer.matched_terms),
        "unknown_terms": list(answer.unknown_terms),
        "excerpts": [
            {
                "rank": e.rank,
                "score": e.score,
                "passage_id": e.passage.id,
                "paragraph": e.passage.paragraph,
                "article": article_ref(e.article),
                "text": e.passage.text,
                "quote": marked_quote(e),
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


def byline(article: Article) -> str:
    parts = [article.author, article.date]
    return ", ".join(p for p in parts if p) or "author and date unknown"


def footnote_line(footnote: Footnote) -> str:
    ibid = f" (Ibidem: [{footnote.ibid_of}])" if footnote.ibid_of else ""
    return f"[{footnote.marker}] {footnote.source}{ibid}"


def answer_text(answer: Answer, style: Style) -> str:
    lines = [style.bold(f"Q: {answer.question}")]
    if not answer.answered:
        lines.append("The articles do not answer this.")
        if answer.unknown_terms:
            lines.append(f"Words the articles never use: {', '.join(answer.unknown_terms)}.")
        if answer.matched_terms:
            lines.append(f"Words they do use ({', '.join(answer.matched_terms)}) are not enough to find an answer.")
        lines.append("Try other words, or `studybot source` to see what the articles cover.")
        return "\n".join(lines)
    if answer.weak:
        lines.append(style.dim("A weak answer: most of the question's words are not in the articles."))
    lines.append(style.dim(f"Matched: {', '.join(answer.matched_terms)}"))
    if answer.unknown_terms:
        lines.append(style.dim(f"Not in the corpus: {', '.join(answer.unknown_terms)}"))
    for e in answer.excerpts:
        lines.append("")
        lines.append(
            style.bold(f"[{e.rank}] {e.article.title}")
            + f" — {byline(e.article)}, ¶{e.passage.paragraph}  "
            + style.dim(f"({e.passage.id}, score {e.score:.2f})")
        )
        bold_on, bold_off = ("\x1b[1m", "\x1b[0m") if style.enabled else ("*", "*")
        lines.append(f"    “{marked_quote(e, bold_on, bold_off)}”")
        for footnote in e.passage.footnotes:
            lines.append("    " + style.dim(footnote_line(footnote)))
    return "\n".join(lines)


def articles_text(articles, style: Style) -> str:
    lines = []
    for a in articles:
        lines.append(style.bold(a.id) + f"  {a.title}")
        lines.append(f"    {byline(a)}" + (f"  {a.url}" if a.url else ""))
        lines.append(style.dim(f"    {len(a.passages)} passages, {len(a.footnotes)} footnotes"))
    return "\n".join(lines) or "No articles loaded."


def footnote_lookup_text(found: FootnoteLookup, style: Style) -> str:
    cited = ", ".join(found.cited_by) or "no passage"
    return f"{style.bold(found.article.title)}\n{footnote_line(found.footnote)}\nCited by: {cited}"


def passage_lookup_text(found: PassageLookup, style: Style) -> str:
    p = found.passage
    lines = [style.bold(f"{found.article.title}") + f" — {byline(found.article)}, ¶{p.paragraph} ({p.id})", "", p.text]
    if p.footnotes:
        lines += ["", *(footnote_line(f) for f in p.footnotes)]
    lines += ["", style.dim(f"Previous: {found.previous or '—'}   Next: {found.next or '—'}")]
    return "\n".join(lines)
