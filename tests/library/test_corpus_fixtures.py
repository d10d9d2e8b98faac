"""Table of files a moderator may drop into the corpus folder, beside one good article.

Each row: the file's name and bytes, the documented outcome (loads / skipped / ignored), the warning
it must produce (a substring, or None for "no warning about this file"), and an optional check on the
loaded article. Whatever the odd file does, the good article still loads. Each row prints one line
(`pytest -s` shows them) with the outcome and the warnings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.models import Article
from bot.library import load_corpus

CAP = 2_000_000  # corpus.max_file_bytes default
GOOD_NAME = "good.txt"
GOOD_TEXT = "A good article\n\nThe good article talks about treaties and their long history.\n"


@dataclass(frozen=True)
class Row:
    name: str  # file name in the corpus folder
    data: Callable[[], bytes]
    outcome: str  # "loads" | "skipped" | "ignored"
    warning: str | None  # substring of a warning on this file; None: no warning on it at all
    check: Callable[[Article], None] | None = None


# ---------------------------------------------------------------- builders


def _latin1() -> bytes:
    return "Café diplomacy in Genève\n\nThe naïve envoy said « déjà vu » — twice.\n".encode("cp1252")


def _footnotes(count: int) -> bytes:
    """`count` footnotes numbered 1..count, each cited once, ten citations per paragraph."""
    body = []
    for p in range(0, count, 10):
        body.append(" ".join(f"Claim number {n} rests on a source[{n}]." for n in range(p + 1, min(p + 10, count) + 1)))
    entries = "\n".join(f"[{n}] Source number {n}, page {n % 300 + 1}." for n in range(1, count + 1))
    return ("Many notes\n\n" + "\n\n".join(body) + "\n\nNotes\n\n" + entries + "\n").encode()


def _all_linked(count: int) -> Callable[[Article], None]:
    def check(article: Article) -> None:
        assert len(article.footnotes) == count
        cited = [f.marker for p in article.passages for f in p.footnotes]
        assert cited == [str(n) for n in range(1, count + 1)]
        assert article.footnote(str(count)).source == f"Source number {count}, page {count % 300 + 1}."

    return check


def _check_duplicate(article: Article) -> None:
    assert [f.marker for f in article.footnotes] == ["1", "2"]
    assert article.footnote("1").source == "The first entry wins."
    assert article.passages[0].footnotes[0].source == "The first entry wins."


def _check_missing(article: Article) -> None:
    assert [f.marker for f in article.passages[0].footnotes] == ["1"]


def _check_odd_markers(article: Article) -> None:
    by_text = {p.text.split()[0]: [f.marker for f in p.footnotes] for p in article.passages}
    assert by_text == {"Spaced": ["iv"], "Upper": ["iv"], "Caret": ["3"], "Plain": ["12"]}
    assert {f.marker: f.source for f in article.footnotes} == {
        "iv": "Source four.",
        "3": "Source three.",
        "12": "Source twelve.",
    }


def _check_crlf(article: Article) -> None:
    assert [p.text for p in article.passages] == [
        "The first paragraph runs over two lines and ends here.",
        "The second paragraph stands alone.",
        "The third one too.",
    ]
    assert [p.paragraph for p in article.passages] == [1, 2, 3]
    assert article.title == "Line endings"


def _check_markdown(article: Article) -> None:
    assert (article.title, article.author, article.date) == ("The Markdown Title", "Jane Roe", "2014-03-03")
    assert [p.text for p in article.passages] == ["The body starts here and says something of substance."]


def _check_text(expected: str) -> Callable[[Article], None]:
    def check(article: Article) -> None:
        assert any(expected in p.text for p in article.passages), [p.text for p in article.passages]

    return check


ROWS = {
    "latin1-cp1252": Row(
        "latin1.txt", _latin1, "loads", "Windows-1252", _check_text("The naïve envoy said « déjà vu » — twice.")
    ),
    "utf16-bom": Row(
        "utf16.txt",
        lambda: "Café in Genève\n\nUTF-16 text with a byte order mark, from Notepad.\n".encode("utf-16"),
        "loads",
        None,
        _check_text("UTF-16 text with a byte order mark, from Notepad."),
    ),
    "utf8-bom": Row(
        "utf8bom.txt",
        lambda: "Déjà vu\n\nUTF-8 text with a byte order mark in front.\n".encode("utf-8-sig"),
        "loads",
        None,
        _check_text("UTF-8 text with a byte order mark in front."),
    ),
    "binary": Row(
        "image.txt", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "skipped", "binary"
    ),
    "empty": Row("empty.txt", lambda: b"", "skipped", "empty file"),
    "whitespace-only": Row("blank.txt", lambda: b" \n\t\r\n   \n", "skipped", "only whitespace"),
    "over-size-cap": Row("huge.txt", lambda: b"word " * (CAP // 5 + 1), "skipped", "corpus.max_file_bytes"),
    "10000-footnotes": Row("notes10000.txt", lambda: _footnotes(10_000), "loads", None, _all_linked(10_000)),
    "9999-footnotes": Row("notes9999.txt", lambda: _footnotes(9_999), "loads", None, _all_linked(9_999)),
    "duplicate-entry": Row(
        "dup.txt",
        lambda: (
            b"Duplicates\n\nThe claim[1] and another claim[2].\n\n[1] The first entry wins.\n[2] Two.\n"
            b"[1] The second entry loses.\n"
        ),
        "loads",
        "footnote [1] has a second entry; the first one is kept",
        _check_duplicate,
    ),
    "marker-without-entry": Row(
        "missing.txt",
        lambda: b"Missing\n\nThe claim[1] and an orphan claim[7].\n\n[1] The only entry.\n",
        "loads",
        "footnote marker [7] has no entry in the notes list",
        _check_missing,
    ),
    "odd-markers": Row(
        "odd.txt",
        lambda: (
            b"Odd markers\n\nSpaced marker cites a source [ iv ].\n\nUpper marker cites it again [IV].\n\n"
            b"Caret marker cites [^3].\n\nPlain marker cites [12].\n\n"
            b"Notes\n\n[iv] Source four.\n[^3]: Source three.\n[12]. Source twelve.\n"
        ),
        "loads",
        None,
        _check_odd_markers,
    ),
    "windows-line-endings": Row(
        "crlf.txt",
        lambda: (
            b"Line endings\r\n\r\nThe first paragraph runs over two lines\r\nand ends here.\r\n\r\n"
            b"The second paragraph stands alone.\r\n\r\n\r\nThe third one too.\r\n"
        ),
        "loads",
        None,
        _check_crlf,
    ),
    "all-boilerplate": Row(
        "junk.txt",
        lambda: (
            b"Leave A Reply\n\nYou must be logged in to post a comment.\n\nEmail address\n\nSign Up Now\n\n"
            b"Secure and Spam free...\n\nShare this article\n"
        ),
        "skipped",
        "no article text",
    ),
    "markdown-metadata": Row(
        "article.md",
        lambda: (
            b"# The Markdown Title\n\nBy Jane Roe\n\nMarch 3, 2014\n\n"
            b"The body starts here and says something of substance.\n"
        ),
        "loads",
        None,
        _check_markdown,
    ),
    "upper-case-suffix": Row(
        "SHOUTY.TXT", lambda: b"Shouty\n\nAn upper-case suffix is still a text file.\n", "loads", None
    ),
    "broken-pdf": Row("paper.pdf", lambda: b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n", "skipped", "damaged PDF"),
    "text-named-docx": Row(
        "notes.docx",
        lambda: b"Plain text in a docx-named file is still not an article.\n",
        "skipped",
        "its name says Word (.docx), but its content is not",
    ),
    "unsupported-format": Row(
        "scan.jpg",
        lambda: b"\xff\xd8\xff\xe0" + bytes(200),
        "skipped",
        "not a format Studybot reads (it reads .txt, .md",
    ),
    "unsupported-format-with-text": Row(
        "notes.pages", lambda: b"Plain text in a .pages file is still not an article.\n", "skipped", "not a format"
    ),
    "no-suffix": Row("README", lambda: b"Read me first.\n", "skipped", "not a format Studybot reads"),
    "hidden-file": Row(".DS_Store", lambda: bytes(range(256)), "ignored", None),
    "desktop-litter": Row("Thumbs.db", lambda: bytes(64), "ignored", None),
    "word-lock-file": Row("~$reading.md", lambda: b"\x05Jane Roe", "ignored", None),
}


@pytest.mark.parametrize("row", list(ROWS.values()), ids=list(ROWS))
def test_fixture_file_beside_a_good_article(tmp_path: Path, row: Row) -> None:
    (tmp_path / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / row.name).write_bytes(row.data())

    started = time.perf_counter()
    corpus = load_corpus(tmp_path, max_file_bytes=CAP)
    seconds = time.perf_counter() - started

    mine = [w.message for w in corpus.warnings if w.path == row.name]
    stem = Path(row.name).stem
    article = corpus.article(stem)
    outcome = "loads" if article else ("skipped" if any(m.startswith("skipped") for m in mine) else "ignored")
    shown = "; ".join(mine) or "(no warning)"
    print(f"\n[fixture] {row.name:16} {outcome:8} {seconds:6.3f}s  {shown}")

    # the good article is untouched by its odd neighbour
    good = corpus.article("good")
    assert good is not None and good.title == "A good article"
    assert [p.text for p in good.passages] == ["The good article talks about treaties and their long history."]
    assert not [w for w in corpus.warnings if w.path == GOOD_NAME]

    assert outcome == row.outcome, mine
    if row.warning is None:
        assert mine == []
    else:
        assert any(row.warning in m for m in mine), mine
    if row.outcome == "loads":
        assert [a.id for a in corpus.articles] == sorted(["good", stem])
        assert seconds < 10, f"{row.name} took {seconds:.1f}s to load"
        if row.check:
            row.check(article)
    else:
        assert [a.id for a in corpus.articles] == ["good"]
    if row.outcome == "ignored":
        assert all(w.path != row.name for w in corpus.warnings)
