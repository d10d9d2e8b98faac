"""What a web page says about itself: JSON-LD (Article, NewsArticle…), Open Graph and article: meta,
`<meta name="author">`, `<title>` (without its " | Site" part), canonical link and `<html lang>`."""

from __future__ import annotations

import json
import re
from datetime import date
from itertools import islice

from lxml import etree

from bot.ingest.formats.html.tree import elements, text_of
from bot.ingest.metadata import parse_date

_ARTICLE_TYPES = frozenset(
    "Article NewsArticle BlogPosting ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle "
    "ScholarlyArticle TechArticle Report SocialMediaPosting LiveBlogPosting".split()
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " / ")
_META_KEYS = {  # meta name/property → metadata key, the more specific first
    "title": ("og:title", "twitter:title", "citation_title", "dc.title"),
    "author": ("author", "article:author", "citation_author", "dc.creator", "parsely-author", "sailthru.author"),
    "date": (
        "article:published_time",
        "citation_publication_date",
        "citation_date",
        "dc.date.issued",
        "dc.date",
        "date",
        "pubdate",
        "publish-date",
        "parsely-pub-date",
        "sailthru.date",
        "og:published_time",
    ),
    "publication": ("og:site_name", "citation_journal_title", "application-name"),
    "url": ("og:url",),
    "language": ("og:locale", "dc.language", "content-language"),
}
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})")
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)


def page_metadata(root: etree._Element) -> dict[str, str]:
    """title, author, date (YYYY-MM-DD), publication, url, language: the keys the page gives."""
    meta = _meta_values(root)
    article = _json_ld_article(root)
    shown = _shown_part(root)
    found: dict[str, str | None] = {
        "author": article.get("author") or _first(meta, "author", _is_name) or _shown_author(shown),
        "date": _iso_date(article.get("date")) or _first_date(meta) or _shown_date(shown),
        "publication": _first(meta, "publication"),
        "url": _first(meta, "url", _is_http) or _canonical(root) or _if(article.get("url"), _is_http),
        "language": _language(root.get("lang") or root.get("xml:lang"))
        or _language(article.get("language"))
        or _language(_first(meta, "language")),
    }
    title, site = _title(root, meta, article, found["publication"] or article.get("publication"))
    found["title"] = title
    found["publication"] = found["publication"] or site or article.get("publication")
    return {key: value for key, value in found.items() if value}


# A byline the page only shows: <a rel="author">, itemprop="author", or an author's class in a byline.
_AUTHOR_CLASS = re.compile(r"(?:^|\s)(?:author|author-name|byline__name|byline-name)(?:\s|$)", re.IGNORECASE)


def _shown_part(root: etree._Element) -> etree._Element:
    """Where a shown byline belongs: the page's <article>, else the whole page (never a masthead's date
    when the page marks its article)."""
    return next(iter(elements(root, "article")), root)


def _shown_author(root: etree._Element) -> str | None:
    for element in elements(root):
        if "author" in (element.get("rel") or "").lower().split() or (element.get("itemprop") or "") == "author" \
                or _AUTHOR_CLASS.search(element.get("class") or ""):  # fmt: skip
            name = re.sub(r"^(?:by|von|par|por)\s+", "", text_of(element), flags=re.IGNORECASE).strip(" ,·|")
            if name and len(name.split()) <= 5 and _is_name(name) and not any(c.isdigit() for c in name):
                return name
    return None


def _shown_date(root: etree._Element) -> str | None:
    """The first <time datetime="…"> (the published date, as news pages show it)."""
    return next((d for t in elements(root, "time") if (d := _iso_date(t.get("datetime")))), None)


def _meta_values(root: etree._Element) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for element in elements(root, "meta"):
        key = (element.get("property") or element.get("name") or element.get("http-equiv") or "").strip().lower()
        content = " ".join((element.get("content") or "").split())
        if key and content:
            values.setdefault(key, []).append(content)
    return values


def _first(meta: dict[str, list[str]], key: str, accept=lambda value: True) -> str | None:
    for name in _META_KEYS[key]:
        good = [v for v in meta.get(name, ()) if accept(v)]
        if good:
            return ", ".join(dict.fromkeys(good)) if key == "author" else good[0]
    return None


def _first_date(meta: dict[str, list[str]]) -> str | None:
    return next((d for name in _META_KEYS["date"] for v in meta.get(name, ()) if (d := _iso_date(v))), None)


def _is_http(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value


def _is_name(value: str) -> bool:
    return not _is_http(value) and len(value) <= 200


def _if(value: str | None, accept) -> str | None:
    return value if value and accept(value) else None


def _canonical(root: etree._Element) -> str | None:
    for link in elements(root, "link"):
        if "canonical" in (link.get("rel") or "").lower().split() and _is_http(link.get("href", "")):
            return link.get("href")
    return None


def _iso_date(value: str | None) -> str | None:
    """'2021-04-12T08:30:00+02:00' / '2021/04/12' / 'April 12, 2021' → '2021-04-12'."""
    if not value:
        return None
    match = _ISO_DATE.match(value.strip())
    if match:
        try:
            return date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return None
    return parse_date(value)


def _language(value: str | None) -> str | None:
    match = _LANGUAGE.match((value or "").strip())
    return match.group(1).lower() if match else None


def _json_ld_article(root: etree._Element) -> dict[str, str]:
    """headline, author, date, publication, url, language of the first Article-like JSON-LD object."""
    for script in elements(root, "script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue  # a broken block is the page's problem, not the reading's
        for item in _json_ld_items(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t in _ARTICLE_TYPES for t in types):
                return _article_fields(item)
    return {}


def _json_ld_items(data) -> list[dict]:
    """The objects at the top of a JSON-LD block and in its @graph (nothing deeper)."""
    items = data if isinstance(data, list) else [data]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
            graph = item.get("@graph")
            out.extend(g for g in (graph if isinstance(graph, list) else []) if isinstance(g, dict))
    return out


def _article_fields(item: dict) -> dict[str, str]:
    publisher = item.get("publisher")
    page = item.get("mainEntityOfPage")
    fields = {
        "title": _string(item.get("headline")) or _string(item.get("name")),
        "author": _names(item.get("author")),
        "date": _string(item.get("datePublished")) or _string(item.get("dateCreated")),
        "publication": _names(publisher) if publisher else None,
        "url": _string(item.get("url")) or (_string(page.get("@id")) if isinstance(page, dict) else _string(page)),
        "language": _string(item.get("inLanguage")),
    }
    return {k: v for k, v in fields.items() if v}


def _string(value) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split())[:500] or None


def _names(value) -> str | None:
    """An author (a name, a Person, a list of them) → 'Jane Doe, John Roe'."""
    values = value if isinstance(value, list) else [value]
    names = []
    for v in values[:20]:
        name = _string(v.get("name")) if isinstance(v, dict) else _string(v)
        if name and _is_name(name):
            names.append(name)
    return ", ".join(dict.fromkeys(names)) or None


def _title(root, meta, article, site: str | None) -> tuple[str | None, str | None]:
    """The article's title and, when the page title shows it, the site's name.

    `<title>` often ends in " | Site": the end goes when it is the site's name (og:site_name,
    JSON-LD publisher) or when the rest repeats og:title, the JSON-LD headline or an <h1>.
    """
    page_title = next((text_of(t) for t in elements(root, "title")), "") or None
    h1s = [text_of(h) for h in islice(elements(root, "h1"), 5)]  # a site's menu may hold one too
    stated = [t for t in (_first(meta, "title"), article.get("title")) if t]
    for candidate in [*stated, page_title]:
        if candidate:
            return _without_site(candidate, site, stated + h1s)
    return next(iter(h1s), None), None


def _without_site(title: str, site: str | None, known: list[str]) -> tuple[str, str | None]:
    folded = {_fold(k) for k in known}
    for separator in _TITLE_SEPARATORS:
        if separator not in title:
            continue
        head, tail = title.rsplit(separator, 1)
        first, rest = title.split(separator, 1)
        if site and tail.strip().casefold() == site.casefold():
            return head.strip(), None
        if site and first.strip().casefold() == site.casefold():
            return rest.strip(), None
        if _fold(head) in folded:
            return head.strip(), tail.strip()
    return title, None


def _fold(title: str) -> str:
    """For comparing titles: words only ("IDLE¶" is "IDLE"), case folded."""
    return " ".join(re.findall(r"\w+", title)).casefold()
