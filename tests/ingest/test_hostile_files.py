"""Hostile files, every reader in one place: random bytes behind any format's signature, real files of
each format cut short or with bytes changed, and files whose name lies about their content. Reading
only ever raises SkipFile (with a reason); whatever is read goes through the pipeline without error.
A corpus folder of such files beside a good one loads the good one and names each bad one."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import SkipFile, build_article, read_document
from bot.ingest.formats import READERS
from bot.library import load_corpus
from tests.ingest import same_article
from tests.ingest.docx_files import make_docx
from tests.ingest.epub_files import make_epub
from tests.ingest.html_pages import wikipedia_page

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = [reader.suffixes[0] for reader in READERS]
# The first bytes each format's files begin with (and what lies put in front of other content).
HEADS = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<!DOCTYPE html><html><body><p>", b"---\ntitle: x\n---\n", b"\xef\xbb\xbf"]
NEWS = Path(__file__).parent.parent / "data" / "html" / "news-article.html"


@functools.cache
def fixtures(suffix: str) -> tuple[bytes, ...]:
    """Real files of the format: the shared article, and the readers' own richer fixtures."""
    own = {".docx": [make_docx], ".epub": [make_epub], ".html": [NEWS.read_bytes, lambda: wikipedia_page().encode()]}
    return tuple(write() for write in [same_article.WRITERS[suffix], *own.get(suffix, [])])


def read_or_skip(name: str, data: bytes) -> None:
    """The contract: a Document the pipeline takes without error, or SkipFile with a reason."""
    try:
        document = read_document(name, data)
    except SkipFile as skip:
        assert str(skip), "a SkipFile must say why"
        return
    parsed = build_article("x", name, document)
    assert all(isinstance(w, str) and w for w in parsed.warnings)


def test_every_registered_reader_has_fixtures_here():
    assert set(SUFFIXES) == set(same_article.WRITERS)


@pytest.mark.parametrize("suffix", SUFFIXES)
@EXAMPLES
@given(head=st.sampled_from(HEADS), data=st.binary(max_size=2000))
def test_random_bytes_behind_any_signature_are_a_skip_at_worst(suffix, head, data):
    read_or_skip(f"x{suffix}", head + data)


@pytest.mark.parametrize("suffix", SUFFIXES)
@EXAMPLES
@given(data=st.data())
def test_real_files_cut_short_or_with_bytes_changed_are_a_skip_at_worst(suffix, data):
    original = data.draw(st.sampled_from(fixtures(suffix)))
    damaged = bytearray(original[: data.draw(st.integers(0, len(original)))])
    for _ in range(data.draw(st.integers(0, 8))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    read_or_skip(f"x{suffix}", bytes(damaged))


@pytest.mark.parametrize("content", SUFFIXES)
@pytest.mark.parametrize("name", SUFFIXES)
def test_a_name_that_lies_about_the_content_is_a_skip_at_worst(name, content):
    read_or_skip(f"reading{name}", fixtures(content)[0])


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("paper.docx", ".pdf", "its name says Word (.docx), but its content is a PDF"),
        ("book.html", ".epub", "its name says HTML, but its content is a zip archive"),
        ("notes.txt", ".pdf", "its name says plain text, but its content is a PDF"),
        ("essay.md", ".docx", "its name says Markdown, but its content is a zip archive"),
        ("chapter.pdf", ".html", "its name says PDF, but its content is not"),
        ("book.epub", ".docx", "not an EPUB: a zip archive without META-INF/container.xml"),
        ("paper.docx", ".epub", "not a Word document: a zip archive without word/document.xml"),
    ],
)
def test_a_lying_name_is_refused_saying_what_the_file_is(name, content, reason):
    with pytest.raises(SkipFile) as refused:
        read_document(name, fixtures(content)[0])
    assert str(refused.value) == reason


def test_a_folder_of_hostile_files_loads_the_good_one_and_names_each_bad_one(tmp_path):
    pdf, docx, epub = fixtures(".pdf")[0], fixtures(".docx")[0], fixtures(".epub")[0]
    hostile = {
        "week1/cut-short.pdf": pdf[: len(pdf) // 2],
        "week1/flipped.docx": docx[:-100] + bytes(b ^ 0xFF for b in docx[-100:]),  # its zip directory
        "week1/cut-short-book.epub": epub[: len(epub) // 3],
        "week2/noise.html": bytes(range(256)) * 8,
        "week2/binary.txt": b"\x00\x01\x02" * 100,
        "week2/empty.md": b"",
        "week2/pdf-named.docx": pdf,
        "week2/epub-named.html": epub,
    }
    for relative, data in {**hostile, "week1/salt.md": same_article.as_md()}.items():
        (tmp_path / relative).parent.mkdir(exist_ok=True)
        (tmp_path / relative).write_bytes(data)
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["week1/salt"]
    assert len(corpus.articles[0].footnotes) == len(same_article.NOTES)
    assert sorted((w.path, w.message.split(":")[0]) for w in corpus.warnings) == sorted(
        (path, "skipped") for path in hostile
    )  # one warning each, naming the file
