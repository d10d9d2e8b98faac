"""The EPUB reader on a book made like a real one: three chapters, each citing its notes in another
of the ways e-books do (EPUB 3 noteref and aside, ARIA doc-noteref to an endnotes file, a plain
<sup><a href="#ftn7"> of a converted book), a cover, a title page, a table of contents; then hostile
and broken files."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from bot.ingest.formats.epub import EpubReader
from bot.library import load_corpus
from tests.ingest.reader_checks import PROPERTY, mangled_member, read_or_skip

TITLE = "Letters from the Steppe"
CHAPTERS = [
    (
        "The Road East",
        [
            (
                "In the spring of 1891 the expedition left Orenburg with eleven wagons and a doctor who had "
                "never before slept outdoors.",
                [1],
            ),
            (
                "The caravan route followed the Ural River for a week before turning towards the Aral Sea, "
                "where the wells were known to every driver.",
                [2, 3],
            ),
            (
                "Nobody in the party spoke Kazakh well, and the interpreter hired in Orenburg deserted at the "
                "first large encampment.",
                [],
            ),
        ],
    ),
    (
        "Among the Herders",
        [
            (
                "The herders received the travellers with a courtesy that the doctor's letters describe with "
                "growing astonishment.",
                [4],
            ),
            (
                "Milk, mutton and tea were offered at every yurt, and refusing any of them was an insult that "
                "the guides took pains to prevent.",
                [5],
            ),
            (
                "By midsummer the doctor had treated more than three hundred patients, most of them for eye "
                "diseases caused by smoke and glare.",
                [6, 4],
            ),
        ],
    ),
    (
        "Return",
        [
            (
                "The expedition came back to Orenburg in October with its wagons, its notebooks and one "
                "camel more than it had taken.",
                [7],
            ),
            (
                "The letters were published in 1894 and sold out within a year; a second edition added the "
                "doctor's sketches.",
                [8, 9],
            ),
        ],
    ),
]
NOTES = {
    1: "The departure is dated by the doctor's first letter, 14 April 1891.",
    2: "On the caravan routes see Alexander Morrison, The Russian Conquest of Central Asia (2020), p. 41.",
    3: "Ibid., p. 58.",
    4: "The letters speak of 'a politeness we have forgotten in Petersburg'.",
    5: "Compare the customs described in Martha Brill Olcott, The Kazakhs (1987), pp. 19–21.",
    6: "The doctor's case book survives in the Orenburg regional archive.",
    7: "The camel was a gift from the herders of the Irgiz valley.",
    8: "Pis'ma iz stepi (St Petersburg, 1894).",
    9: "Second edition, 1896, with forty-two plates.",
}
BODY_PARAGRAPHS = [text for _, paragraphs in CHAPTERS for text, _ in paragraphs]

XHTML = '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en">'


def cited(text: str, numbers: list[int], link) -> str:
    return escape(text).rstrip(".") + "".join(link(n) for n in numbers) + "."


def chapter_one(notes: dict[int, str], shown) -> str:
    """EPUB 3: epub:type noteref, footnotes in <aside epub:type="footnote"> at the chapter's end."""
    title, paragraphs = CHAPTERS[0]

    def link(n: int) -> str:
        return f'<sup><a epub:type="noteref" href="#fn{n}" id="ref{n}">{shown(n)}</a></sup>'

    body = "".join(f"<p>{cited(t, ns, link)}</p>" for t, ns in paragraphs[:2])
    body += '<span epub:type="pagebreak" role="doc-pagebreak" id="page12" title="12">12</span>'
    body += f"<p>{escape(paragraphs[2][0])}</p>"
    asides = "".join(
        f'<aside epub:type="footnote" id="fn{n}"><p><a href="#ref{n}">{shown(n)}</a> {escape(notes[n])}</p></aside>'
        for n in (1, 2, 3)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{XHTML}<head><title>{title}</title></head><body>'
        f'<section epub:type="chapter"><span epub:type="pagebreak" id="page11" title="11"/><h1>{title}</h1>{body}'
        f"</section>{asides}</body></html>"
    )


def chapter_two(shown) -> str:
    """ARIA roles: doc-noteref links to an endnotes document elsewhere in the book."""
    title, paragraphs = CHAPTERS[1]

    def link(n: int) -> str:
        return f'<a role="doc-noteref" href="notes.xhtml#note{n}" id="c2ref{n}">{shown(n)}</a>'

    body = "".join(f"<p>{cited(t, ns, link)}</p>" for t, ns in paragraphs)
    body = body.replace("yurt, and", 'yurt, <span role="doc-pagebreak" aria-label="13"></span>and')  # mid-paragraph
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{XHTML}<head><title>{title}</title></head><body>'
        f'<h2 class="chapter">{title}</h2>{body}</body></html>'
    )


def notes_document(notes: dict[int, str], shown) -> str:
    entries = "".join(
        f'<li id="note{n}" role="doc-endnote"><p>{escape(notes[n])} '
        f'<a href="chapter2.xhtml#c2ref{n}" role="doc-backlink">↩</a></p></li>'
        for n in (4, 5, 6)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{XHTML}<head><title>Notes</title></head><body>'
        f'<section epub:type="endnotes" role="doc-endnotes"><h1>Notes</h1><ol>{entries}</ol></section>'
        "</body></html>"
    )


def chapter_three(notes: dict[int, str], shown) -> str:
    """A converted book: no heading of its own, XHTML 1.1 with &nbsp; entities its DTD defines,
    <sup><a href="#ftn7">[7]</a></sup> and notes as plain paragraphs after a rule."""
    _, paragraphs = CHAPTERS[2]

    def link(n: int) -> str:
        return f'<sup><a href="#ftn{n}" id="ref{n}">[{shown(n)}]</a></sup>'

    body = "".join(f'<p class="calibre1">{cited(t, ns, link)}&nbsp;</p>' for t, ns in paragraphs)
    footnotes = "".join(
        f'<p class="calibre2" id="ftn{n}"><a href="#ref{n}">{shown(n)}.</a>&nbsp;{escape(notes[n])}</p>'
        for n in (7, 8, 9)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>Chapter 3</title></head><body>{body}<hr/>{footnotes}</body></html>"
    )


COVER = (
    f'<?xml version="1.0"?>{XHTML}<head><title>Cover</title></head>'
    '<body><img src="cover.jpg" alt="Cover"/></body></html>'
)
TITLE_PAGE = (
    f'<?xml version="1.0"?>{XHTML}<head><title>Title page</title></head><body epub:type="frontmatter titlepage">'
    f"<h1>{TITLE}</h1><p>Anna Petrova</p><p>Steppe Press, Almaty</p></body></html>"
)
NAV = (
    f'<?xml version="1.0"?>{XHTML}<head><title>Contents</title></head><body>'
    '<nav epub:type="toc"><h1>Contents</h1><ol>'
    '<li><a href="chapter1.xhtml">1. The Road East</a></li><li><a href="chapter2.xhtml">2. Among the Herders</a></li>'
    '<li><a href="chapter3.xhtml">3. Return</a></li><li><a href="notes.xhtml">Notes</a></li></ol></nav>'
    '<nav epub:type="landmarks"><ol><li><a epub:type="cover" href="cover.xhtml">Cover</a></li></ol></nav>'
    "</body></html>"
)
OPF = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
    <dc:identifier id="uid">urn:uuid:7d3c6d1e-2f0b-4f55-9d1a-2f4e1d4b7a10</dc:identifier>
    <dc:title>{TITLE}</dc:title>
    <dc:creator opf:role="aut">Anna Petrova</dc:creator>
    <dc:creator opf:role="aut">Ivan Sokolov</dc:creator>
    <dc:creator opf:role="edt">Olga Edit</dc:creator>
    <dc:creator id="trl">Tom Translator</dc:creator>
    <meta refines="#trl" property="role" scheme="marc:relators">trl</meta>
    <dc:date>2019-05-12</dc:date>
    <dc:language>en-GB</dc:language>
    <dc:publisher>Steppe Press</dc:publisher>
    <meta property="dcterms:modified">2023-01-01T10:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>
    <item id="title" href="title.xhtml" media-type="application/xhtml+xml"/>
    <item id="c1" href="chapter1.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="chapter2.xhtml" media-type="application/xhtml+xml"/>
    <item id="c3" href="chapter3.xhtml" media-type="application/xhtml+xml"/>
    <item id="notes" href="notes.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine>
    <itemref idref="cover" linear="no"/><itemref idref="title"/>
    <itemref idref="c1"/><itemref idref="c2"/><itemref idref="c3"/><itemref idref="notes" linear="no"/>
  </spine>
  <guide><reference type="cover" href="cover.xhtml" title="Cover"/></guide>
</package>"""
CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>'
    "</container>"
)


def make_epub(*, shown=str, opf: str = OPF, parts: dict[str, str | bytes] | None = None) -> bytes:
    """The book; `shown(n)` is how note n is marked in the text (the book's own numbering)."""
    members = {
        "META-INF/container.xml": CONTAINER,
        "OEBPS/content.opf": opf,
        "OEBPS/nav.xhtml": NAV,
        "OEBPS/cover.xhtml": COVER,
        "OEBPS/title.xhtml": TITLE_PAGE,
        "OEBPS/chapter1.xhtml": chapter_one(NOTES, shown),
        "OEBPS/chapter2.xhtml": chapter_two(shown),
        "OEBPS/chapter3.xhtml": chapter_three(NOTES, shown),
        "OEBPS/notes.xhtml": notes_document(NOTES, shown),
        "OEBPS/style.css": "p { text-indent: 1em }",
    }
    members.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # stored, first: the spec
        for name, content in members.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


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
