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
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = str(part).encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little"))  # length-prefixed: no two texts run together
            digest.update(data)

    add(len(article.passages), len(article.page_labels), *article.page_labels)
    for passage in article.passages:
        add(passage.ordinal, passage.paragraph, passage.text, ",".join(map(str, passage.pages)))
        for note in passage.footnotes:
            add(note.marker, note.source)
    add(len(article.footnotes))
    for note in article.footnotes:
        add(note.marker, note.source, note.ibid_of or "")
    return digest.hexdigest()[:VERSION_CHARS]
