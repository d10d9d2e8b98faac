"""The data that flows from files to answers. Frozen, plain, free of Discord."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Footnote:
    """One entry of an article's notes list, with "Ibidem" already resolved.

    ``source`` is the text a reader needs (for an Ibidem entry, the source of the
    entry it points back to); ``ibid_of`` names that entry's marker, else None; ``op_cit``:
    the entry points back by its author's name ("Smith, op. cit."), not as an Ibidem.
    """

    marker: str  # normalised marker text without brackets: "iii", "12", "^3" -> "3"
    source: str
    ibid_of: str | None = None
    op_cit: bool = False


@dataclass(frozen=True, slots=True)  # slots: a million passages (the main process holds them all) take 75 MB less
class Passage:
    """A retrievable unit: one paragraph, or one sentence-aligned piece of a long one."""

    id: str  # f"{article_id}:{ordinal}", stable across loads of the same file
    article_id: str
    ordinal: int  # 1-based position among the article's passages
    paragraph: int  # 1-based paragraph number in the article body
    text: str  # what is quoted: the paragraph text, heading included, markers kept
    footnotes: tuple[Footnote, ...] = ()  # sources the passage cites, in order of first citation
    pages: tuple[int, ...] = ()  # 1-based physical pages it lies on, for paged formats (PDF)

    def __reduce__(self):  # pickled as its fields, rebuilt by __init__: faster than a frozen slots class's setstate
        return Passage, tuple(map(self.__getattribute__, self.__slots__))


@dataclass(frozen=True)
class Article:
    id: str  # file name without extension
    path: str
    title: str
    author: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD) when known
    publication: str | None = None
    url: str | None = None
    language: str = "en"  # ISO 639-1 code; selects the stemmer
    passages: Sequence[Passage] = ()  # a tuple, or made on demand from a saved index (bot.library.packed)
    footnotes: Sequence[Footnote] = ()  # the whole notes list, in order
    page_labels: tuple[str, ...] = ()  # printed label of each physical page ("xii", "214"); () unpaged
    # bot.core.versions' fingerprint when it was worked out ahead (a saved index keeps it); None: on demand
    version: str | None = field(default=None, compare=False, repr=False)

    def page_label(self, page: int) -> str:
        return self.page_labels[page - 1] if 0 < page <= len(self.page_labels) else str(page)

    def footnote(self, marker: str) -> Footnote | None:
        wanted = normalise_marker(marker)
        return next((f for f in self.footnotes if f.marker == wanted), None)


@dataclass(frozen=True)
class LoadWarning:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def passage_key(passage_id: str) -> str:
    """A short stable stand-in for a passage id (18 hex chars), for Discord's 100-char custom_ids."""
    return passage_key_digest(passage_id).hex()


def passage_key_digest(passage_id: str) -> bytes:
    """The 9 bytes passage_key spells in hex."""
    return hashlib.blake2s(passage_id.encode(), digest_size=9).digest()


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    warnings: tuple[LoadWarning, ...] = ()
    # every article's passages in order, when a saved index already holds them as one sequence
    all_passages: Sequence[Passage] | None = field(default=None, compare=False, repr=False)
    # passage_key → the passage's position, when a saved index keeps the table (else None)
    passage_at_key: Callable[[str], int | None] | None = field(default=None, compare=False, repr=False)

    @property
    def passages(self) -> Sequence[Passage]:
        if self.all_passages is not None:
            return self.all_passages
        return tuple(p for a in self.articles for p in a.passages)

    def article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)


@dataclass(frozen=True)
class Excerpt:
    rank: int  # 1-based
    score: float
    passage: Passage
    article: Article
    quote: str  # question-focused window of the passage, "…" where cut
    highlights: tuple[tuple[int, int], ...] = ()  # [start, end) spans of quote to show in bold


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    weak: bool
    matched_terms: tuple[str, ...]
    unknown_terms: tuple[str, ...]
    excerpts: tuple[Excerpt, ...] = field(default=())
    # Articles the question asks about by their title or author ("Who wrote Rethinking the Reset?"):
    # their cards say what no passage does.
    named_articles: tuple[Article, ...] = field(default=())


def normalise_marker(marker: str) -> str:
    """'[iii]' -> 'iii', '[^3]' -> '3', ' XII ' -> 'xii'."""
    return marker.strip().strip("[]").lstrip("^").strip().lower()


@dataclass(frozen=True)
class FootnoteLookup:
    article: Article
    footnote: Footnote
    cited_by: tuple[str, ...]  # ids of the passages citing it


@dataclass(frozen=True)
class PassageLookup:
    article: Article
    passage: Passage
    previous: str | None  # neighbour passage ids within the article
    next: str | None


# -- Article as plain JSON-able data (a server's documents are stored parsed, never pickled) ------

ARTICLE_FORMAT = 1  # bump when the dict layout changes incompatibly
# What a saved article keeps besides its id, passages, notes and page labels (the stored JSON, a saved index).
ARTICLE_FIELDS = ("path", "title", "author", "date", "publication", "url", "language")


def article_fields(article: Article) -> dict:
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}


def article_to_dict(article: Article) -> dict:
    """`article` as plain lists, strings and numbers; `article_from_dict` gives it back equal."""

    def note(f: Footnote) -> list:
        return [f.marker, f.source, f.ibid_of, *(["op. cit."] if f.op_cit else [])]  # 3 items, as stored before

    return {
        "format": ARTICLE_FORMAT,
        "id": article.id,
        **article_fields(article),
        "page_labels": list(article.page_labels),
        "footnotes": [note(f) for f in article.footnotes],
        "passages": [
            [p.ordinal, p.paragraph, p.text, [note(f) for f in p.footnotes], list(p.pages)] for p in article.passages
        ],
    }


def article_from_dict(data: dict) -> Article:
    """The Article `article_to_dict` wrote; ValueError for any other layout."""
    if not isinstance(data, dict) or data.get("format") != ARTICLE_FORMAT:
        raise ValueError(f"not a stored article of format {ARTICLE_FORMAT}")

    def note(item: list) -> Footnote:
        return Footnote(item[0], item[1], item[2], len(item) > 3)

    article_id = data["id"]
    passages = tuple(
        Passage(f"{article_id}:{ordinal}", article_id, ordinal, paragraph, text, tuple(map(note, notes)), tuple(pages))
        for ordinal, paragraph, text, notes, pages in data["passages"]
    )
    return Article(
        id=article_id,
        **{name: data[name] for name in ARTICLE_FIELDS},
        passages=passages,
        footnotes=tuple(map(note, data["footnotes"])),
        page_labels=tuple(data["page_labels"]),
    )


def with_article_id(article: Article, article_id: str) -> Article:
    """`article` under another id, its passage ids following (f"{article_id}:{ordinal}")."""
    passages = tuple(replace(p, id=f"{article_id}:{p.ordinal}", article_id=article_id) for p in article.passages)
    return replace(article, id=article_id, passages=passages)
