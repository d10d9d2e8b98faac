"""A parsed corpus as memory-mapped arrays: opened in milliseconds, shared by every process.

The saved index keeps its passages beside the BM25 arrays, not as pickled objects: the passage
texts end to end in one UTF-8 blob with offsets, each passage's paragraph number, pages and cited
footnotes as integer arrays (footnotes as positions in one table of every article's notes), and the
few per-article fields (title, author, …) in `articles.json`. Loading maps the arrays and reads the
JSON; `Passage` and `Footnote` objects are made only when something asks for one, so a process
holds privately only what it has looked at, and the page cache holds one copy for all of them.

Files (all `.npy` memory-mapped, besides `articles.json`; integers in the narrowest type that
holds them, so that next to the text itself the rest takes a few bytes a passage):
  text_blob, text_offsets            passage i's text is blob[offsets[i]:offsets[i+1]]
  paragraphs                         per passage
  page_offsets, pages                passage i's pages are pages[page_offsets[i]:page_offsets[i+1]]
  note_offsets, notes                passage i cites footnotes notes[note_offsets[i]:...] (table positions)
  note_blob, note_string_offsets     footnote j's marker, source, ibid_of are strings 3j, 3j+1, 3j+2
  note_has_ibid                      uint8 per footnote: 0 no back-reference, 1 ibid_of set, 2 an op. cit.
  key_heads, key_passages            every passage's key (models.passage_key, what buttons carry) as its
                                     first 8 bytes, sorted, and the passage each is: found by bisection
Passage ids and ordinals are not stored: an article's k-th passage is `<article id>:<k>`.

Before it is saved, an article read by a file worker holds its passages as columns too
(`PassageColumns`): they cross from the worker pickled as a few lists, and `save_corpus` writes
them from those lists, so the process that builds a million-passage index never makes the
million `Passage` objects.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, pairwise
from pathlib import Path

import numpy as np

from bot.core.index import narrowest
from bot.core.models import (
    ARTICLE_FIELDS,
    Article,
    Corpus,
    Footnote,
    LoadWarning,
    Passage,
    article_fields,
    passage_key,
    passage_key_digest,
)
from bot.core.versions import article_version

LAYOUT_VERSION = 3  # 2: offsets and integers in the narrowest type that holds them; 3: article versions
ARTICLES = "articles.json"
STRINGS_AT_A_TIME = 10_000  # encoded together while writing a blob


class Unpackable(ValueError):
    """A corpus whose passages do not follow the `<article id>:<ordinal>` layout the store relies on."""


# ---------------------------------------------------------------- writing


def save_corpus(folder: Path, corpus: Corpus) -> None:
    """Writes the corpus's arrays and articles.json into `folder` (a staging folder: no renames here)."""
    texts, paragraphs, page_counts, pages, note_counts, notes = [], [], [], [], [], []
    note_strings: list[str] = []
    note_has_ibid: list[int] = []
    digests = bytearray()  # every passage's passage_key_digest end to end, for the key table
    articles, first_passage = [], 0
    for article in corpus.articles:
        first_note = len(note_has_ibid)
        table = {}
        for position, footnote in enumerate(article.footnotes):
            table.setdefault(footnote, first_note + position)
            note_strings += (footnote.marker, footnote.source, footnote.ibid_of or "")
            note_has_ibid.append(0 if footnote.ibid_of is None else 2 if footnote.op_cit else 1)
        columns = PassageColumns.of(article.id, article.passages)  # each field a list: a million go through here
        if columns is None:
            ordinal, passage = _off_layout(article.id, article.passages)
            raise Unpackable(f"passage {passage.id!r} is not passage {ordinal} of article {article.id!r}")
        for i, cited in columns.footnotes.items():
            if any(f not in table for f in cited):
                raise Unpackable(f"passage {columns.passage_id(i)!r} cites a footnote outside its article's notes")
        n = len(columns.texts)
        texts += columns.texts
        paragraphs += columns.paragraphs
        if columns.pages is None:
            page_counts += bytes(n)
        else:
            page_counts += map(len, columns.pages)
            pages += chain.from_iterable(columns.pages)
        note_counts += (len(columns.footnotes.get(i, ())) for i in range(n)) if columns.footnotes else bytes(n)
        notes += (table[f] for cited in columns.footnotes.values() for f in cited)
        digests += b"".join(map(passage_key_digest, map(columns.passage_id, range(n))))
        articles.append({
            "id": article.id, **article_fields(article), "page_labels": list(article.page_labels),
            "passages": [first_passage, first_passage + n],
            "footnotes": [first_note, len(note_has_ibid)], "version": article_version(article),
        })  # fmt: skip
        first_passage += n
    _write_strings(folder, "text_blob", "text_offsets", texts)
    _write_strings(folder, "note_blob", "note_string_offsets", note_strings)
    arrays = {
        "paragraphs": narrowest(paragraphs),
        "page_offsets": _offsets(page_counts),
        "pages": narrowest(pages),
        "note_offsets": _offsets(note_counts),
        "notes": narrowest(notes),
        "note_has_ibid": np.array(note_has_ibid, np.uint8),
    }
    arrays.update(_key_table(digests))
    for name, values in arrays.items():
        np.save(folder / f"{name}.npy", values)
    meta = {
        "layout": LAYOUT_VERSION,
        "articles": articles,
        "warnings": [[w.path, w.message] for w in corpus.warnings],
    }
    (folder / ARTICLES).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _key_table(digests: bytearray) -> dict[str, np.ndarray]:
    """Every passage's key (models.passage_key, from its digest) as its first 8 bytes, sorted, and the
    passage each is."""
    heads = np.frombuffer(digests, np.uint8).reshape(-1, 9)[:, :8].copy().view(">u8").ravel()
    heads = heads.astype(np.uint64)
    order = np.argsort(heads, kind="stable")
    return {"key_heads": heads[order], "key_passages": narrowest(order)}


def _write_strings(folder: Path, blob_name: str, offsets_name: str, strings: list[str]) -> None:
    """The strings' UTF-8 end to end in `<blob_name>.npy`, written a slice at a time (no second copy
    of the text in memory, and through the file, not a memory map: no page of it counts against this
    process), and where each starts in `<offsets_name>.npy`."""
    offsets = _offsets(len(s) if s.isascii() else len(s.encode("utf-8")) for s in strings)  # isascii: a flag
    np.save(folder / f"{offsets_name}.npy", offsets)
    with open(folder / f"{blob_name}.npy", "wb") as out:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)), "fortran_order": False,
                  "shape": (int(offsets[-1]),)}  # fmt: skip
        np.lib.format.write_array_header_1_0(out, header)  # np.save's header for this array
        for lo in range(0, len(strings), STRINGS_AT_A_TIME):
            out.write("".join(strings[lo : lo + STRINGS_AT_A_TIME]).encode("utf-8"))


def _offsets(counts: Iterable[int]) -> np.ndarray:
    counts = np.fromiter(counts, np.int64)
    offsets = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return narrowest(offsets)


# ---------------------------------------------------------------- reading


class PackedStore:
    """The memory-mapped arrays of one saved corpus; makes passages and footnotes on demand."""

    def __init__(self, folder: Path, article_ids: list[str], starts: list[int]):
        load = lambda name: np.load(folder / f"{name}.npy", mmap_mode="r")  # noqa: E731
        self._text_blob, self._text_offsets = load("text_blob"), load("text_offsets")
        self._paragraphs = load("paragraphs")
        self._page_offsets, self._pages = load("page_offsets"), load("pages")
        self._note_offsets, self._notes = load("note_offsets"), load("notes")
        self._note_blob, self._note_string_offsets = load("note_blob"), load("note_string_offsets")
        self._note_has_ibid = load("note_has_ibid")
        self._key_heads, self._key_passages = load("key_heads"), load("key_passages")
        self._article_ids, self._starts = article_ids, starts  # each article's id and first passage
        self.n_passages = len(self._paragraphs)
        self.n_footnotes = len(self._note_has_ibid)
        ends = [  # (where an offsets array ends, the length of what it indexes): unequal when damaged
            (len(self._text_offsets), self.n_passages + 1), (len(self._page_offsets), self.n_passages + 1),
            (len(self._note_offsets), self.n_passages + 1), (len(self._note_string_offsets), 3 * self.n_footnotes + 1),
            (self._text_offsets[-1], len(self._text_blob)), (self._page_offsets[-1], len(self._pages)),
            (self._note_offsets[-1], len(self._notes)), (self._note_string_offsets[-1], len(self._note_blob)),
            (len(self._key_heads), self.n_passages), (len(self._key_passages), self.n_passages),
        ]  # fmt: skip
        if any(int(a) != int(b) for a, b in ends) or (self.n_footnotes == 0 and len(self._notes)):
            raise ValueError(f"{folder}: the saved passage arrays do not fit together")

    def passage_id(self, i: int) -> str:
        k = bisect.bisect_right(self._starts, i) - 1
        return f"{self._article_ids[k]}:{i - self._starts[k] + 1}"

    def position_of_key(self, key: str) -> int | None:
        """The passage whose passage_key this is (None when none is): checked in full, not by 8 bytes."""
        if len(key) != 18 or not all(c in "0123456789abcdef" for c in key):
            return None
        head = np.uint64(int(key[:16], 16))
        i = int(np.searchsorted(self._key_heads, head))
        while i < len(self._key_heads) and self._key_heads[i] == head:
            position = int(self._key_passages[i])
            if position < self.n_passages and passage_key(self.passage_id(position)) == key:
                return position
            i += 1
        return None

    def passage(self, i: int) -> Passage:
        k = bisect.bisect_right(self._starts, i) - 1
        article_id, ordinal = self._article_ids[k], i - self._starts[k] + 1
        t0, t1 = self._text_offsets[i : i + 2].tolist()
        p0, p1 = self._page_offsets[i : i + 2].tolist()
        n0, n1 = self._note_offsets[i : i + 2].tolist()
        return Passage(
            id=f"{article_id}:{ordinal}",
            article_id=article_id,
            ordinal=ordinal,
            paragraph=int(self._paragraphs[i]),
            text=self._text_blob[t0:t1].tobytes().decode("utf-8"),
            footnotes=tuple(map(self.footnote, self._notes[n0:n1].tolist())),
            pages=tuple(self._pages[p0:p1].tolist()),
        )

    def text(self, i: int) -> str:
        t0, t1 = self._text_offsets[i : i + 2].tolist()
        return self._text_blob[t0:t1].tobytes().decode("utf-8")

    def footnote(self, j: int) -> Footnote:
        bounds = self._note_string_offsets[3 * j : 3 * j + 4].tolist()
        blob = self._note_blob
        marker, source, ibid_of = (blob[a:b].tobytes().decode("utf-8") for a, b in pairwise(bounds))
        kind = int(self._note_has_ibid[j])
        return Footnote(marker, source, ibid_of if kind else None, kind == 2)


class LazySequence(Sequence):
    """Items [start, stop) of a store, made when read: len, indexing, slicing and iteration as a tuple's."""

    __slots__ = ("_make", "_start", "_stop")

    def __init__(self, make, start: int, stop: int):
        self._make, self._start, self._stop = make, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, index):
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            if step == 1:
                return LazySequence(self._make, self._start + lo, self._start + max(lo, hi))
            return tuple(self[i] for i in range(lo, hi, step))
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("index out of range")
        return self._make(self._start + i)

    def __iter__(self) -> Iterator:
        return map(self._make, range(self._start, self._stop))

    def __eq__(self, other) -> bool:
        if isinstance(other, LazySequence) and (other._make, other._start, other._stop) == (
            self._make, self._start, self._stop
        ):  # fmt: skip
            return True
        return isinstance(other, Sequence) and not isinstance(other, str) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash((self._start, self._stop))

    def __add__(self, other):
        return (*self, *other)

    def __repr__(self) -> str:
        return f"<{len(self)} items made on demand>"


class PassageColumns(LazySequence):
    """One article's passages as columns, every passage `<article id>:<k>` (k its 1-based ordinal): a
    sequence of its passages like any LazySequence (each made when read), pickled as these few lists."""

    __slots__ = ("article_id", "texts", "paragraphs", "pages", "footnotes")

    def __init__(self, article_id: str, texts: list[str], paragraphs: Sequence[int],
                 pages: list[tuple[int, ...]] | None, footnotes: dict[int, tuple[Footnote, ...]]):  # fmt: skip
        super().__init__(self.passage, 0, len(texts))
        self.article_id, self.texts, self.paragraphs = article_id, texts, paragraphs
        self.pages = pages  # each passage's pages; None when none has any (unpaged formats)
        self.footnotes = footnotes  # position → the footnotes it cites, for the passages citing any

    @classmethod
    def of(cls, article_id: str, passages: Sequence[Passage]) -> PassageColumns | None:
        """The columns of `passages` (themselves when they are columns already); None when some passage
        is not `<article id>:<k>`."""
        if isinstance(passages, PassageColumns) and passages.article_id == article_id:
            return passages
        if _off_layout(article_id, passages):
            return None
        pages = [p.pages for p in passages]
        paragraphs = array("q", [p.paragraph for p in passages])
        cited = {i: p.footnotes for i, p in enumerate(passages) if p.footnotes}
        return cls(article_id, [p.text for p in passages], paragraphs, pages if any(pages) else None, cited)

    def __reduce__(self):
        return PassageColumns, (self.article_id, self.texts, self.paragraphs, self.pages, self.footnotes)

    def passage_id(self, i: int) -> str:
        return f"{self.article_id}:{i + 1}"

    def passage(self, i: int) -> Passage:
        return Passage(self.passage_id(i), self.article_id, i + 1, self.paragraphs[i], self.texts[i],
                       self.footnotes.get(i, ()), () if self.pages is None else self.pages[i])  # fmt: skip


def _off_layout(article_id: str, passages: Sequence[Passage]) -> tuple[int, Passage] | None:
    """The first passage (and the ordinal it should have) that is not `<article id>:<ordinal>`, if any."""
    return next(((k, p) for k, p in enumerate(passages, 1)
                 if (p.id, p.article_id, p.ordinal) != (f"{article_id}:{k}", article_id, k)), None)  # fmt: skip


class Concatenated(Sequence):
    """Several sequences read as one, without copying them (a shared library's passages, then a server's)."""

    def __init__(self, parts: Sequence[Sequence]):
        self._parts = tuple(parts)
        self._starts = [0]
        for part in self._parts:
            self._starts.append(self._starts[-1] + len(part))

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError("index out of range")
        k = bisect.bisect_right(self._starts, i) - 1
        return self._parts[k][i - self._starts[k]]

    def __iter__(self) -> Iterator:
        for part in self._parts:
            yield from part


def keys_across(corpora: Sequence[Corpus]) -> Callable[[str], int | None]:
    """passage_key → position in the corpora's passages end to end (a Concatenated of them), asking each
    in turn: a saved corpus its memory-mapped key table, any other (a server's own, small) a dict of its
    keys made here. Nothing is built over a saved corpus's passages."""
    lookups, start = [], 0
    for corpus in corpora:
        passages = corpus.passages
        at_key = corpus.passage_at_key or {passage_key(p.id): i for i, p in enumerate(passages)}.get
        lookups.append((at_key, start))
        start += len(passages)

    def position_of_key(key: str) -> int | None:
        for at_key, first in lookups:
            position = at_key(key)
            if position is not None:
                return first + position
        return None

    return position_of_key


def load_corpus(folder: Path) -> Corpus:
    """The corpus saved by save_corpus, its passages memory-mapped. ValueError/KeyError/OSError if damaged."""
    meta = json.loads((folder / ARTICLES).read_text(encoding="utf-8"))
    if meta.get("layout") != LAYOUT_VERSION:
        raise ValueError(f"{folder}: corpus layout {meta.get('layout')} is not {LAYOUT_VERSION}")
    entries = meta["articles"]
    store = PackedStore(folder, [e["id"] for e in entries], [e["passages"][0] for e in entries])
    if (entries[-1]["passages"][1] if entries else 0) != store.n_passages:
        raise ValueError(f"{folder}: {ARTICLES} does not match the passage arrays")
    articles = tuple(
        Article(
            id=e["id"],
            **{name: e[name] for name in ARTICLE_FIELDS},
            passages=LazySequence(store.passage, *e["passages"]),
            footnotes=LazySequence(store.footnote, *e["footnotes"]),
            page_labels=tuple(e["page_labels"]),
            version=e["version"],
        )
        for e in entries
    )
    warnings = tuple(LoadWarning(path, message) for path, message in meta["warnings"])
    return Corpus(articles, warnings, all_passages=LazySequence(store.passage, 0, store.n_passages),
                  passage_at_key=store.position_of_key)  # fmt: skip
