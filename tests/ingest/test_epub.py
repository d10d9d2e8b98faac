"""The EPUB reader on a book made like a real one: three chapters, each citing its notes in another
of the ways e-books do (EPUB 3 noteref and aside, ARIA doc-noteref to an endnotes file, a plain
<sup><a href="#ftn7"> of a converted book), a cover, a title page, a table of contents; then hostile
and broken files."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from bot.ingest.formats.epub import EpubReader
from bot.library import load_corpus
from tests.ingest.epub_files import (
    BODY_PARAGRAPHS,
    CHAPTERS,
    CONTAINER,
    NAV,
    NOTES,
    OPF,
    TITLE,
    XHTML,
    chapter_one,
    chapter_three,
    chapter_two,
    make_epub,
)
from tests.ingest.reader_checks import PROPERTY, mangled_member, read_or_skip


def parse(data: bytes):
    return build_article("steppe", "steppe.epub", read_document("steppe.epub", data))


@pytest.fixture(scope="module")
def parsed():
    return parse(make_epub())


def expected(text: str, markers: list[str]) -> str:
    return text.rstrip(".") + "".join(f"[{m}]" for m in markers) + "."


# ---------------------------------------------------------------- the book


def test_every_note_is_linked_to_the_passages_that_cite_it(parsed):
    assert not parsed.warnings
    article = parsed.article
    footnotes = {f.marker: f for f in article.footnotes}
    assert sorted(footnotes, key=int) == [str(n) for n in NOTES]
    for _, paragraphs in CHAPTERS:
        for text, numbers in paragraphs:
            (passage,) = [p for p in article.passages if expected(text, [str(n) for n in numbers]) in p.text]
            assert [f.marker for f in passage.footnotes] == [str(n) for n in numbers]
    assert footnotes["2"].source == NOTES[2]
    assert footnotes["5"].source == NOTES[5]  # the back link "↩" is not part of the note
    assert footnotes["8"].source == NOTES[8]  # nor the leading "8." that links back
    # "Ibid., p. 58." points back to note 2 (how its page is merged is the pipeline's business).
    assert footnotes["3"].ibid_of == "2" and footnotes["3"].source.startswith("On the caravan routes")


def test_each_paragraph_once_and_no_note_text_or_furniture_in_the_body(parsed):
    joined = "\n".join(p.text for p in parsed.article.passages)
    for number, text in enumerate(BODY_PARAGRAPHS):
        numbers = [n for _, ps in CHAPTERS for t, ns in ps if t == text for n in ns]
        assert joined.count(expected(text, [str(n) for n in numbers])) == 1, number
    for note in NOTES.values():
        assert note.removeprefix("Ibid., ") not in joined
    for junk in ["Contents", "Cover", "Anna Petrova", "Steppe Press", "↩", "Notes", "12", "\xa0", "1. The Road"]:
        assert junk not in joined, junk
    assert len(parsed.article.passages) == len(BODY_PARAGRAPHS)


def test_chapter_titles_join_their_chapters_first_passage(parsed):
    passages = parsed.article.passages
    firsts = [expected(ps[0][0], [str(n) for n in ps[0][1]]) for _, ps in CHAPTERS]
    # Chapters 1 and 2 show their own heading; chapter 3 has none and takes the table of contents' entry.
    titles = ["The Road East", "Among the Herders", "3. Return"]
    for title, first in zip(titles, firsts, strict=True):
        (passage,) = [p for p in passages if first in p.text]
        assert passage.text.split("\n") == [title, first]


def test_passages_know_the_print_pages_their_page_breaks_mark(parsed):
    article = parsed.article
    assert article.page_labels == ("11", "12", "13")

    def labels(fragment: str) -> list[str]:
        (passage,) = [p for p in article.passages if fragment in p.text]
        return [article.page_labels[page - 1] for page in passage.pages]

    assert labels("In the spring of 1891") == ["11"]
    assert labels("Nobody in the party") == ["12"]  # after the break between paragraphs
    assert labels("The herders received") == ["12"]  # the next chapter goes on on the same page
    assert labels("Milk, mutton and tea") == ["12", "13"]  # a break inside the paragraph
    assert labels("one camel more") == ["13"]


def test_metadata_from_the_package_document(parsed):
    a = parsed.article
    assert (a.title, a.author, a.date, a.language, a.publication) == (
        TITLE,
        "Anna Petrova and Ivan Sokolov",
        "2019-05-12",
        "en",
        "Steppe Press",
    )


def test_notes_numbered_afresh_in_each_chapter_are_renumbered_through_the_book():
    # The book shows 1, 2, 3 in every chapter: three notes would share [1]. They become 1…9.
    parsed = parse(make_epub(shown=lambda n: str((n - 1) % 3 + 1)))
    assert not parsed.warnings
    assert [f.source for f in parsed.article.footnotes if f.ibid_of is None] == [v for k, v in NOTES.items() if k != 3]
    for _, paragraphs in CHAPTERS:
        for text, numbers in paragraphs:
            (passage,) = [p for p in parsed.article.passages if text.rstrip(".") in p.text]
            assert [f.source for f in passage.footnotes if f.ibid_of is None] == [NOTES[n] for n in numbers if n != 3]


def test_roman_markers_are_kept():
    romans = {n: r for n, r in enumerate("i ii iii iv v vi vii viii ix".split(), 1)}
    parsed = parse(make_epub(shown=romans.get))
    assert [f.marker for f in parsed.article.footnotes] == list(romans.values())
    passage = next(p for p in parsed.article.passages if "eye diseases" in p.text)
    assert "glare[vi][iv]." in passage.text and [f.marker for f in passage.footnotes] == ["vi", "iv"]


def test_epub2_ncx_table_of_contents_gives_the_title_of_a_chapter_without_heading():
    ncx = (
        '<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>'
        '<navPoint id="n3" playOrder="3"><navLabel><text>Chapter Three: Return</text></navLabel>'
        '<content src="chapter3.xhtml"/></navPoint></navMap></ncx>'
    )
    opf = (
        OPF.replace('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>', "")
        .replace("<manifest>", '<manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        .replace("<spine>", '<spine toc="ncx">')
    )
    parsed = parse(make_epub(opf=opf, parts={"OEBPS/toc.ncx": ncx}))
    passage = next(p for p in parsed.article.passages if "one camel more" in p.text)
    assert passage.text.startswith("Chapter Three: Return\n")


def test_a_chapter_missing_from_the_file_is_a_warning_and_the_rest_is_read():
    data = make_epub()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "OEBPS/chapter2.xhtml":
                target.writestr(info, source.read(info))
    parsed = parse(buffer.getvalue())
    assert "chapter OEBPS/chapter2.xhtml is listed in the spine but missing from the file" in parsed.warnings
    assert any("one camel more" in p.text for p in parsed.article.passages)


# ---------------------------------------------------------------- hostile and broken files


def skip_message(data: bytes, limits: ReadLimits | None = None) -> str:
    with pytest.raises(SkipFile) as raised:
        read_document("book.epub", data, limits)
    return str(raised.value)


def test_an_epub_that_is_no_zip_is_refused_by_its_content():
    message = skip_message(b"<html><body>not a book</body></html>")
    assert "EPUB (.epub)" in message and "content is not" in message


def test_a_zip_that_is_no_epub():
    data = make_epub(parts={})
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "META-INF/container.xml":
                target.writestr(info, source.read(info))
    assert skip_message(buffer.getvalue()) == "not an EPUB: a zip archive without META-INF/container.xml"


def test_a_container_naming_a_missing_package_document():
    container = CONTAINER.replace("OEBPS/content.opf", "OEBPS/book.opf")
    message = skip_message(make_epub(parts={"META-INF/container.xml": container}))
    assert message == "damaged EPUB: the package document (OEBPS/book.opf) named by META-INF/container.xml is missing"


def test_a_truncated_epub_is_named_damaged():
    data = make_epub()
    assert "damaged EPUB" in skip_message(data[: len(data) * 2 // 3])


def test_zip_bomb_in_a_chapter_is_refused_naming_the_limit():
    bomb = chapter_two(str).replace("<body>", "<body><p>" + "lo" * 15_000_000 + "</p>")
    message = skip_message(make_epub(parts={"OEBPS/chapter2.xhtml": bomb}))
    assert "zip bomb" in message and "OEBPS/chapter2.xhtml" in message and "max_unpack_ratio" in message


@pytest.mark.parametrize("part", ["OEBPS/content.opf", "OEBPS/chapter1.xhtml"])
def test_entity_expansion_and_external_entities_are_refused(part):
    doctype = (
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY x SYSTEM "file:///etc/hostname">]>'
    )
    original = OPF if part.endswith(".opf") else chapter_one(NOTES, str)
    hostile = original.replace("?>", "?>" + doctype, 1).replace("</dc:title>", "&g;&x;</dc:title>")
    hostile = hostile.replace("<h1>", "<h1>&g;&x;")
    message = skip_message(make_epub(parts={part: hostile}))
    assert message.startswith(part) and "entit" in message


def test_entities_in_a_chapter_that_is_no_xml_are_refused_too():
    # Not well-formed (an unclosed <br>): the HTML parser would show the declaration as text.
    hostile = '<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/hostname">]><html><body><p>a&x;b<br></p></body></html>'
    assert skip_message(make_epub(parts={"OEBPS/chapter2.xhtml": hostile})).startswith(
        "OEBPS/chapter2.xhtml declares XML entities"
    )


def test_text_past_the_limit_is_cut_with_a_warning():
    document = read_document("book.epub", make_epub(), ReadLimits(max_text_chars=500))
    assert any("max_text_chars" in w for w in document.warnings)
    assert sum(len(b.text) for b in document.blocks if b.kind != "note") <= 500


# -------------------------------------------------- damage inside the zip (bytes at large: test_hostile_files)

FIXTURE = make_epub()


INSERTS = [b"", b"<", b"&", b"</p>", b'"', b"<a href='#", b"\x00", b"<body>", b"<sup><a href='#fn1'>1</a></sup>"]
MEMBERS = ["OEBPS/content.opf", "OEBPS/chapter1.xhtml", "OEBPS/chapter3.xhtml", "OEBPS/nav.xhtml"]


@PROPERTY
@given(st.sampled_from(MEMBERS), st.data())
def test_a_mangled_package_document_or_chapter_is_a_skip_at_worst(member, data):
    read_or_skip(EpubReader(), make_epub(parts={member: mangled_member(FIXTURE, member, data, INSERTS)}), "x.epub")


# ---------------------------------------------------------------- the ways books mark notes


def chapter(body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>{XHTML}<head><title>Return</title></head><body>{body}</body></html>'


def read_chapter_three(body: str):
    return parse(make_epub(parts={"OEBPS/chapter3.xhtml": chapter(body)}))


def test_notes_that_link_back_with_ids_of_their_own_leave_the_body_whole():
    # Each side links to the other by id, with no epub:type: the note starts with its link back.
    parsed = read_chapter_three(
        '<p>The caravan returned in October<a id="r70" href="#n70"><sup>70</sup></a> with all its wagons.</p>'
        '<div class="notes"><p><a id="n70" href="#r70"><sup>70</sup></a> Its log is lost.</p></div>'
    )
    (passage,) = [p for p in parsed.article.passages if "caravan returned" in p.text]
    assert passage.text.endswith("The caravan returned in October[70] with all its wagons.")
    assert [f.source for f in passage.footnotes] == ["Its log is lost."]
    assert all("log is lost" not in p.text for p in parsed.article.passages)


def test_a_link_to_its_own_paragraph_or_a_chapter_cites_no_note():
    parsed = read_chapter_three(
        '<p id="p5">Paragraph five says it twice.<sup><a href="#p5">5</a></sup></p>'
        '<p>See chapter <a href="chapter1.xhtml">1</a> and the start of this one<sup><a href="#top">2</a></sup>.</p>'
    )
    texts = [p.text for p in parsed.article.passages]
    assert any("Paragraph five says it twice.5" in t for t in texts)
    assert any("See chapter 1 and the start of this one2." in t for t in texts)


def test_a_footnote_nothing_cites_is_kept_as_a_note_and_the_cited_keep_their_markers():
    extra = '<aside epub:type="footnote" id="lost"><p>A note whose reference the editor deleted.</p></aside>'
    parsed = parse(make_epub(parts={"OEBPS/chapter3.xhtml": chapter_three(NOTES, str).replace("<hr/>", extra)}))
    markers = {f.marker: f.source for f in parsed.article.footnotes}
    assert markers["10"] == "A note whose reference the editor deleted."
    assert [markers[str(n)] for n in NOTES if n != 3] == [v for k, v in NOTES.items() if k != 3]
    assert all("editor deleted" not in p.text for p in parsed.article.passages)


def test_pages_the_landmarks_call_furniture_stay_out():
    copyright_page = chapter("<p>Copyright 2019 Steppe Press. All rights reserved. Printed in Kazakhstan.</p>")
    nav = NAV.replace(
        "</ol></nav></body>",
        '<li><a epub:type="copyright-page" href="rights.xhtml">Copyright</a></li></ol></nav></body>',
    )
    opf = OPF.replace(
        '<item id="css"', '<item id="rights" href="rights.xhtml" media-type="application/xhtml+xml"/><item id="css"'
    ).replace('<itemref idref="c1"/>', '<itemref idref="rights"/><itemref idref="c1"/>')
    parsed = parse(make_epub(opf=opf, parts={"OEBPS/rights.xhtml": copyright_page, "OEBPS/nav.xhtml": nav}))
    assert all("rights reserved" not in p.text for p in parsed.article.passages)
    assert len(parsed.article.passages) == len(BODY_PARAGRAPHS)


def test_an_html_chapter_with_epub_attributes_is_read_like_xhtml():
    # Not well-formed XML (an unclosed <br>), so parsed as HTML: epub:type is then a plain attribute.
    html = (
        "<html><body><h1>Return</h1><p>The wagons came back<a epub:type='noteref' href='#x1'>1</a>.<br>"
        "Nobody was missing.</p><aside epub:type='footnote' id='x1'><p>Except the camel.</p></aside></body></html>"
    )
    parsed = parse(make_epub(parts={"OEBPS/chapter3.xhtml": html}))
    (passage,) = [p for p in parsed.article.passages if "wagons came back" in p.text]
    assert passage.text == "Return\nThe wagons came back[7]. Nobody was missing."
    assert [f.source for f in passage.footnotes] == ["Except the camel."]


def test_an_epub_in_the_corpus_folder_loads_with_its_notes(tmp_path):
    (tmp_path / "steppe.epub").write_bytes(make_epub())
    (tmp_path / "fake.epub").write_bytes(b"%PDF-1.4 a PDF renamed")
    corpus = load_corpus(tmp_path)
    (article,) = corpus.articles
    assert article.id == "steppe" and article.title == TITLE and len(article.footnotes) == len(NOTES)
    assert [str(w) for w in corpus.warnings] == [
        "fake.epub: skipped: its name says EPUB (.epub), but its content is a PDF"
    ]


def encryption(algorithm: str, uri: str) -> str:
    return (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        f'<enc:EncryptionMethod Algorithm="{algorithm}"/>'
        f'<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData></encryption>'
    )


def test_a_drm_protected_book_is_named_and_obfuscated_fonts_are_no_obstacle():
    drm = encryption("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "OEBPS/chapter2.xhtml")
    garbled = bytes(range(256)) * 40  # what an encrypted chapter looks like to a reader without the key
    data = make_epub(parts={"META-INF/encryption.xml": drm, "OEBPS/chapter2.xhtml": garbled})
    assert skip_message(data) == "EPUB is DRM-protected (its chapters are encrypted): use a DRM-free copy"
    fonts = encryption("http://www.idpf.org/2008/embedding", "OEBPS/fonts/serif.otf")
    parsed = parse(make_epub(parts={"META-INF/encryption.xml": fonts}))
    assert len(parsed.article.passages) == len(BODY_PARAGRAPHS)


def test_a_title_page_without_semantics_is_known_by_repeating_the_metadata():
    # As pandoc writes an EPUB 2 title page: classes only, the title, author, publisher and date.
    plain = (
        f'<?xml version="1.0"?>{XHTML}<head><title>{TITLE}</title></head><body>'
        f'<h1 class="title">{TITLE}</h1><p class="author">by Anna Petrova</p><p class="publisher">Steppe Press</p>'
        '<p class="date">2019-05-12</p></body></html>'
    )
    parsed = parse(make_epub(parts={"OEBPS/title.xhtml": plain}))
    assert len(parsed.article.passages) == len(BODY_PARAGRAPHS)
    assert all("Anna Petrova" not in p.text for p in parsed.article.passages)


def test_table_rows_of_plain_cells_are_one_line_and_layout_cells_give_paragraphs():
    parsed = read_chapter_three(
        "<p>The wagons carried:</p><table><tr><th>Goods</th><th>Weight</th></tr>"
        "<tr><td>Tea</td><td>40 <i>puds</i></td></tr></table>"
        "<table><tr><td><p>A whole paragraph laid out in a table.</p><p>And another one.</p></td></tr></table>"
    )
    texts = [p.text for p in parsed.article.passages]
    assert texts[-5:] == [
        "3. Return\nThe wagons carried:",
        "Goods | Weight",
        "Tea | 40 puds",
        "A whole paragraph laid out in a table.",
        "And another one.",
    ]


def test_a_note_marked_by_a_symbol_or_a_letter_keeps_its_mark_and_links():
    parsed = parse(make_epub(shown=lambda n: {5: "*", 7: "a", 2: "12"}.get(n, str(n))))
    markers = {f.marker: f.source for f in parsed.article.footnotes}
    assert (markers["*"], markers["a"], markers["12"]) == (NOTES[5], NOTES[7], NOTES[2])
    assert all(markers[str(n)] == NOTES[n] for n in NOTES if n not in (2, 3, 5, 7))  # 3 is an Ibid.
    passage = next(p for p in parsed.article.passages if "refusing any of them" in p.text)
    assert passage.text.endswith("prevent[*].") and [f.marker for f in passage.footnotes] == ["*"]
    assert parsed.warnings == []


def test_a_symbol_marking_several_notes_gives_way_to_free_numbers_and_the_others_keep_theirs():
    # "*" in chapters two and three: those notes take the first numbers none of the others has.
    parsed = parse(make_epub(shown=lambda n: {5: "*", 7: "*", 2: "12"}.get(n, str(n))))
    markers = {f.marker: f.source for f in parsed.article.footnotes}
    assert (markers["2"], markers["5"], markers["12"]) == (NOTES[5], NOTES[7], NOTES[2])
    passage = next(p for p in parsed.article.passages if "refusing any of them" in p.text)
    assert passage.text.endswith("prevent[2].") and [f.marker for f in passage.footnotes] == ["2"]
