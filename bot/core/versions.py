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


def _fingerprint(article: Article) -> str:
    # Every field length-prefixed (no two texts run together), the whole article hashed in one update.
    def field(part: object) -> str:
        text = str(part)
        return f"{len(text)}:{text}"

    parts = [field(len(article.passages)), field(len(article.page_labels)), *map(field, article.page_labels)]
    for passage in article.passages:
        parts += (field(passage.ordinal), field(passage.paragraph), field(passage.text),
                  field(",".join(map(str, passage.pages))))  # fmt: skip
        parts += (field(f"{note.marker}\x1f{note.source}") for note in passage.footnotes)
    parts.append(field(len(article.footnotes)))
    parts += (field(f"{note.marker}\x1f{note.source}\x1f{note.ibid_of or ''}") for note in article.footnotes)
    data = "".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=VERSION_CHARS // 2).hexdigest()
