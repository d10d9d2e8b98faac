"""A document's version: a fingerprint of what answers quote from it, so a stored answer can tell
whether its document was replaced since.

The fingerprint covers the passages (text, cited notes, pages), the notes list and the page
labels, never the metadata: editing a title or an author leaves quotes true, so it is no new
version; a file changed in the host folder or uploaded again with other text is one.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import replace

from bot.core.models import Article

VERSION_CHARS = 16
_CACHE_SIZE = 1024  # articles whose fingerprint is remembered (an answer's buttons ask again and again)
_cache: OrderedDict[int, tuple[weakref.ref, str]] = OrderedDict()
_lock = threading.Lock()  # answers compute versions in worker threads too


def article_version(article: Article) -> str:
    """16 hex digits that change when the article's text, notes or pages do (not its metadata)."""
    if article.version is not None:
        return article.version
    key = id(article)
    with _lock:
        known = _cache.get(key)
        if known is not None and known[0]() is article:
            _cache.move_to_end(key)
            return known[1]
    version = _fingerprint(article)
    with _lock:
        _cache[key] = (weakref.ref(article), version)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return version


def with_version(article: Article) -> Article:
    """The article carrying its version (Article.version): worked out once, where it was made (a pool
    process that read its file), instead of later in the process that saves or compares it."""
    return article if article.version is not None else replace(article, version=_fingerprint(article))


def _fingerprint(article: Article) -> str:
    # Every text length-prefixed (no two run together), a passage one string, the article one update.
    parts = [f"{len(article.passages)}:{len(article.page_labels)}:", *(f"{len(x)}:{x}" for x in article.page_labels)]
    for p in article.passages:
        pages = ",".join(map(str, p.pages)) if p.pages else ""
        notes = (
            "".join(f"{len(n.marker)}:{n.marker}{len(n.source)}:{n.source}" for n in p.footnotes) if p.footnotes else ""
        )
        parts.append(f"{p.ordinal}:{p.paragraph}:{len(p.text)}:{p.text}{len(pages)}:{pages}{len(p.footnotes)}:{notes}")
    parts.append(f"{len(article.footnotes)}:")
    for n in article.footnotes:
        ibid = (n.ibid_of or "") + (" op. cit." if n.op_cit else "")
        parts.append(f"{len(n.marker)}:{n.marker}{len(n.source)}:{n.source}{len(ibid)}:{ibid}")
    data = "".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=VERSION_CHARS // 2).hexdigest()
