"""The Word reader on a .docx made like a real reading: 15 footnotes, 3 endnotes, headings, core
properties, and what Word writes besides the text (a table of contents, tracked changes, a pull-quote
text box, field codes); then hostile and broken files."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from bot.ingest.formats.docx import DocxReader
from bot.library import load_corpus
from tests.ingest.docx_files import (
    AUTHOR,
    BODY,
    BODY_PARAGRAPHS,
    CORE,
    ENDNOTES,
    EXTRA_PARAGRAPH,
    FOOTNOTES,
    ROMAN,
    STYLES,
    TITLE,
    W_NS,
    body_document,
    expected_text,
    make_docx,
    marker,
    reference,
    run,
)
from tests.ingest.reader_checks import PROPERTY, mangled_member, read_or_skip


@pytest.fixture(scope="module")
def article():
    document = read_document("hanse.docx", make_docx())
    return build_article("hanse", "hanse.docx", document)


# ---------------------------------------------------------------- the reading


def test_every_footnote_and_endnote_is_linked_to_the_passage_that_cites_it(article):
    assert not article.warnings
    footnotes = {f.marker: f for f in article.article.footnotes}
    assert sorted(footnotes) == sorted([str(n) for n in FOOTNOTES] + list(ROMAN.values()))
    for _style, segments in BODY:
        cited = [marker(s).strip("[]") for s in segments if not isinstance(s, str)]
        if not cited:
            continue
        text = expected_text(segments)
        (passage,) = [p for p in article.article.passages if text in p.text]
        assert [f.marker for f in passage.footnotes] == cited
    assert footnotes["3"].source == FOOTNOTES[3]
    assert footnotes["ii"].source == ENDNOTES[2]
    # Ibidem resolves to the note before it, as in the text reader (the page merge is the pipeline's).
    assert footnotes["2"].ibid_of == "1" and footnotes["2"].source.startswith("Philippe Dollinger")
    assert "p. 52" in footnotes["2"].source


def test_each_body_paragraph_once_and_no_furniture_or_note_text(article):
    passages = [p.text for p in article.article.passages]
    joined = "\n".join(passages)
    for text in [*BODY_PARAGRAPHS, EXTRA_PARAGRAPH]:
        assert joined.count(text) == 1, text
    for junk in ["Contents", "\t", "PAGE", "sharply", "Merchants of the Baltic 1", TITLE]:
        assert junk not in joined
    for note in [*FOOTNOTES.values(), *ENDNOTES.values()]:
        assert note.removeprefix("Ibid.") not in joined or note == "Ibid."
    assert "Ibid" not in joined
    # The text-box pull quote repeats a body sentence: it must not make it appear twice.
    assert joined.count("Herring from Scania, grain from Prussia") == 1


def test_headings_join_the_paragraph_they_introduce(article):
    passages = [p.text for p in article.article.passages]
    assert passages[0].split("\n") == ["Merchants of the Baltic", BODY_PARAGRAPHS[0]]
    assert any(p.split("\n") == ["The Kontore", BODY_PARAGRAPHS[2]] for p in passages)
    assert any(p.split("\n") == ["Decline", BODY_PARAGRAPHS[6]] for p in passages)


def test_metadata_from_the_core_properties(article):
    a = article.article
    assert (a.title, a.author, a.date) == (TITLE, AUTHOR, None)  # the file's created date is no article's date


def test_title_paragraph_is_the_title_when_the_core_properties_have_none():
    document = read_document("hanse.docx", make_docx(core=None, title_paragraph="The Hanse, Briefly"))
    a = build_article("hanse", "hanse.docx", document).article
    assert a.title == "The Hanse, Briefly" and a.author is None
    assert all("The Hanse, Briefly" not in p.text for p in a.passages)


def test_a_templates_placeholder_title_and_author_give_way_to_the_title_paragraph():
    core = CORE.replace(TITLE, "Microsoft Word - Document1").replace(AUTHOR, "User")
    document = read_document("hanse.docx", make_docx(core=core, title_paragraph="The Hanse, Briefly"))
    a = build_article("hanse", "hanse.docx", document).article
    assert a.title == "The Hanse, Briefly" and a.author is None
    assert all("The Hanse, Briefly" not in p.text for p in a.passages)


@pytest.mark.parametrize("stated", ["Thesis_final_v3", "essay.docx", "Untitled-1"])
def test_a_file_name_in_the_title_property_gives_way_to_the_title_paragraph(stated):
    document = read_document("hanse.docx", make_docx(core=CORE.replace(TITLE, stated), title_paragraph="The Hanse"))
    a = build_article("hanse", "hanse.docx", document).article
    assert (a.title, a.author) == ("The Hanse", AUTHOR)


def test_only_endnotes_keep_word_roman_numbering_and_footnotes_alone_are_numbers():
    only_endnotes = [(s, [x for x in seg if isinstance(x, str) or x[0] == "en"]) for s, seg in BODY]
    document = read_document("e.docx", make_docx(body=only_endnotes))
    notes = [(b.marker, b.text) for b in document.blocks if b.kind == "note"]
    assert notes == [(ROMAN[n], text) for n, text in ENDNOTES.items()]
    only_footnotes = [(s, [x for x in seg if isinstance(x, str) or x[0] == "fn"]) for s, seg in BODY]
    document = read_document("f.docx", make_docx(body=only_footnotes))
    assert [b.marker for b in document.blocks if b.kind == "note"] == [str(n) for n in FOOTNOTES]


def test_document_number_formats_are_honoured_and_kept_apart():
    # The author chose decimal endnotes starting at 1, the same as the footnotes: endnotes are
    # then numbered in roman so that [1] is never both.
    settings_xml = (
        f'<w:settings xmlns:w="{W_NS}"><w:endnotePr><w:numFmt w:val="decimal"/></w:endnotePr>'
        '<w:footnotePr><w:numFmt w:val="upperRoman"/><w:numStart w:val="4"/></w:footnotePr></w:settings>'
    )
    document = read_document("s.docx", make_docx(parts={"word/settings.xml": settings_xml}))
    markers = [b.marker for b in document.blocks if b.kind == "note"]
    assert markers[:3] == ["iv", "v", "vi"] and markers[-3:] == ["1", "2", "3"]
    body = " ".join(b.text for b in document.blocks if b.kind != "note")
    assert "century the towns" in body and "[vi]" in body and "[3]" in body


def test_custom_heading_style_based_on_a_heading_and_outline_levels_are_headings():
    styles = STYLES.replace(
        "</w:styles>",
        '<w:style w:type="paragraph" w:styleId="ChapterHead"><w:name w:val="Chapter Head"/>'
        '<w:basedOn w:val="Heading1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="berschrift3"><w:name w:val="Part"/>'
        '<w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style></w:styles>',
    )
    body = [("ChapterHead", ["Chapter One"]), ("berschrift3", ["Part A"]), *BODY[1:3]]
    document = read_document("c.docx", make_docx(body=body, parts={"word/styles.xml": styles}))
    kinds = [(b.kind, b.text) for b in document.blocks if b.kind == "heading"]
    assert kinds == [("heading", "Chapter One"), ("heading", "Part A")]


def test_a_reference_to_a_missing_note_is_a_warning_not_a_crash():
    document = read_document("m.docx", make_docx(endnotes={1: ENDNOTES[1]}))
    parsed = build_article("m", "m.docx", document)
    assert "footnote marker [ii] has no entry in the notes list" in parsed.warnings
    assert "footnote marker [iii] has no entry in the notes list" in parsed.warnings


# ---------------------------------------------------------------- hostile and broken files


def skip_message(data: bytes, name: str = "reading.docx", limits: ReadLimits | None = None) -> str:
    with pytest.raises(SkipFile) as raised:
        read_document(name, data, limits)
    return str(raised.value)


def test_a_docx_that_is_no_zip_is_refused_by_its_content():
    assert skip_message(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n") == "its name says Word (.docx), but its content is a PDF"
    assert skip_message(b"Plain text.") == "its name says Word (.docx), but its content is not"


@pytest.mark.parametrize("name", ["reading.docx", "reading.pdf", "reading.epub", "reading.html", "reading.md"])
def test_an_empty_file_is_said_to_be_empty_whatever_its_format(name):
    assert skip_message(b"", name) == "empty file"


def test_a_zip_that_is_no_word_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/cat.jpg", b"\xff\xd8\xff" + b"x" * 100)
    assert skip_message(buffer.getvalue()) == "not a Word document: a zip archive without word/document.xml"


def test_a_truncated_docx_is_named_damaged():
    data = make_docx()
    assert "damaged Word document" in skip_message(data[: len(data) // 2])


def test_zip_bomb_is_refused_naming_the_limit():
    bomb = "<w:p><w:r><w:t>" + "A" * 30_000_000 + "</w:t></w:r></w:p>"
    data = make_docx(parts={"word/document.xml": f'<w:document xmlns:w="{W_NS}"><w:body>{bomb}</w:body></w:document>'})
    assert len(data) < 100_000
    message = skip_message(data)
    assert "zip bomb" in message and "max_unpack_ratio" in message
    message = skip_message(data, limits=ReadLimits(max_unpacked_bytes=5_000_000, max_unpack_ratio=10**9))
    assert "zip bomb" in message and "max_unpacked_bytes" in message


def test_zip_bomb_whose_header_lies_about_its_size_is_stopped_while_reading():
    data = make_docx(parts={"word/document.xml": "<w:document>" + "x" * 20_000_000 + "</w:document>"})
    # Rewrite the declared sizes of word/document.xml (local header and central directory) to 1 KB.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    lying = bytearray(data)
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := lying.find(signature, start)) >= 0:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            if lying[start + name_offset : start + name_offset + 17] == b"word/document.xml":
                lying[start + size_offset : start + size_offset + 4] = (1024).to_bytes(4, "little")
            start += 4
    assert info.file_size == 20_000_000 + len("<w:document></w:document>")
    message = skip_message(bytes(lying), limits=ReadLimits(max_unpack_ratio=10**9, max_unpacked_bytes=10_000_000))
    # Never more than the declared 1 KB is unpacked: the check sum then fails.
    assert message.startswith("damaged Word document: word/document.xml in the zip archive is truncated or corrupt")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>',
        '<!DOCTYPE w:document [<!ENTITY h SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE w:document [<!ENTITY h SYSTEM "http://127.0.0.1:9/steal">]>',
    ],
    ids=["billion-laughs", "local-file", "network"],
)
def test_xml_entities_are_never_expanded_or_fetched(doctype):
    document = (
        f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{W_NS}">'
        "<w:body><w:p><w:r><w:t>&h;</w:t></w:r></w:p></w:body></w:document>"
    )
    message = skip_message(make_docx(parts={"word/document.xml": document}))
    assert message.startswith("word/document.xml")
    assert "entit" in message and "root:" not in message


def test_a_password_protected_member_is_named():
    data = bytearray(make_docx())
    # Set the "encrypted" flag of every entry, as a password-protected zip has it.
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_offset] |= 1
            start += 4
    assert "password" in skip_message(bytes(data))


def test_an_empty_document_says_so():
    empty = f'<w:document xmlns:w="{W_NS}"><w:body><w:p/><w:sectPr/></w:body></w:document>'
    assert "without text" in skip_message(make_docx(parts={"word/document.xml": empty}))


def test_text_past_the_limit_is_cut_with_a_warning():
    document = read_document("hanse.docx", make_docx(), ReadLimits(max_text_chars=600))
    assert document.warnings and "max_text_chars" in document.warnings[0]
    assert sum(len(b.text) for b in document.blocks if b.kind != "note") <= 600


# -------------------------------------------------- damage inside the zip (bytes at large: test_hostile_files)

FIXTURE = make_docx()


def test_markers_in_text_are_only_the_documents_own():
    document = read_document("hanse.docx", make_docx())
    body = " ".join(b.text for b in document.blocks if b.kind != "note")
    assert "\x00" not in body
    assert len(re.findall(r"\[(\d+|[ivx]+)\]", body)) == len(FOOTNOTES) + len(ENDNOTES)


# ---------------------------------------------------------------- more of what Word writes


def test_a_title_paragraph_other_than_the_core_title_stays_as_a_heading():
    document = read_document("t.docx", make_docx(title_paragraph="The Hanse in Twelve Pages"))
    parsed = build_article("t", "t.docx", document)
    assert parsed.article.title == TITLE
    assert parsed.article.passages[0].text.startswith("The Hanse in Twelve Pages\nMerchants of the Baltic\n")


def test_a_custom_reference_mark_is_kept_as_the_marker_and_takes_no_number():
    inner = (
        "<w:p>" + run("The charter was sealed in 1358.")
        + '<w:r><w:footnoteReference w:customMarkFollows="1" w:id="5"/><w:t>*</w:t></w:r>'
        + run(" Nobody recorded by whom.") + reference("fn", 8) + "</w:p>"
    )  # fmt: skip
    document = read_document("c.docx", make_docx(parts={"word/document.xml": body_document(inner)}))
    assert [(b.marker, b.text) for b in document.blocks] == [
        (None, "The charter was sealed in 1358.[*] Nobody recorded by whom.[1]"),
        ("*", FOOTNOTES[1]),
        ("1", FOOTNOTES[2]),
    ]
    passage = build_article("c", "c.docx", document).article.passages[0]
    assert [f.marker for f in passage.footnotes] == ["*", "1"]


def test_table_rows_hyperlinks_and_tabs_are_text_in_reading_order():
    cell = "<w:tc><w:p>{}</w:p></w:tc>"
    inner = (
        '<w:p><w:hyperlink r:id="rId9" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + run("The Lübeck archive") + "</w:hyperlink>" + run(" lists the members.") + "</w:p>"
        + "<w:tbl><w:tr>" + cell.format(run("Town")) + cell.format(run("Joined")) + "</w:tr>"
        + "<w:tr>" + cell.format(run("Visby")) + cell.format(run("1358")) + "</w:tr></w:tbl>"
        + "<w:p>" + run("Cargo") + "<w:r><w:tab/></w:r>" + run("herring\u00adbarrels") + "</w:p>"
    )  # fmt: skip
    document = read_document("t.docx", make_docx(parts={"word/document.xml": body_document(inner)}))
    assert [b.text for b in document.blocks] == [
        "The Lübeck archive lists the members.", "Town | Joined", "Visby | 1358", "Cargo herringbarrels",
    ]  # fmt: skip


def test_a_layout_table_gives_its_cells_paragraphs_one_by_one():
    column = ["Salt came from Lüneburg.", "Herring came from Scania."]
    cell = "<w:tc>" + "".join(f"<w:p>{run(text)}</w:p>" for text in column) + "</w:tc>"
    inner = f"<w:tbl><w:tr>{cell}<w:tc><w:p>{run('Sidebar: the cog')}</w:p></w:tc></w:tr></w:tbl>"
    document = read_document("t.docx", make_docx(parts={"word/document.xml": body_document(inner)}))
    assert [b.text for b in document.blocks] == [*column, "Sidebar: the cog"]


def test_a_docx_in_the_corpus_folder_loads_with_its_footnotes(tmp_path):
    (tmp_path / "hanse.docx").write_bytes(make_docx())
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really")
    corpus = load_corpus(tmp_path)
    (article,) = corpus.articles
    assert article.id == "hanse" and article.title == TITLE and len(article.footnotes) == 18
    assert [str(w) for w in corpus.warnings] == [
        "broken.docx: skipped: damaged Word document: the zip archive is truncated or corrupt"
    ]


def test_a_password_protected_docx_says_so():
    # Word encrypts the whole file into an OLE2 compound file; an old .doc renamed looks the same.
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"EncryptedPackage".ljust(512, b"\x00")
    assert skip_message(encrypted).startswith("a password-protected Word document")


def test_strict_open_xml_and_a_main_part_named_by_the_relationships():
    # The fixture rewritten in the strict namespace, its body under another name.
    with zipfile.ZipFile(io.BytesIO(make_docx())) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    strict_ns = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
    members = {name: body.replace(W_NS.encode(), strict_ns) for name, body in members.items()}
    members["word/main.xml"] = members.pop("word/document.xml")
    members["_rels/.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" '
        b'Target="word/main.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    parsed = build_article("s", "s.docx", read_document("s.docx", buffer.getvalue()))
    joined = "\n".join(p.text for p in parsed.article.passages)
    assert all(joined.count(text) == 1 for text in BODY_PARAGRAPHS)
    assert len(parsed.article.footnotes) == 18


XML_INSERTS = [
    b"",
    b"<",
    b"&",
    b"</w:p>",
    b'"',
    b"<w:p>",
    b"\x00",
    b'<w:footnoteReference w:id="9"/>',
    b"<w:tbl><w:tr>",
]


@PROPERTY
@given(st.sampled_from(["word/document.xml", "word/footnotes.xml", "word/styles.xml", "docProps/core.xml"]), st.data())
def test_a_mangled_part_is_a_skip_at_worst(member, data):
    part = mangled_member(FIXTURE, member, data, XML_INSERTS)
    read_or_skip(DocxReader(), make_docx(parts={member: part}), "x.docx")


def test_author_and_date_paragraphs_are_metadata_over_the_core_properties():
    # As pandoc and many templates write a title block: the core properties name whoever made the
    # file and when; the page shows the reading's author and date.
    styles = STYLES.replace(
        "</w:styles>",
        '<w:style w:type="paragraph" w:styleId="Author"><w:name w:val="Author"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Date"><w:name w:val="Date"/></w:style></w:styles>',
    )
    body = [("Author", ["Karl Weber"]), ("Author", ["Ines Kahl"]), ("Date", ["12 March 2019"]), *BODY]
    body.insert(3, ("Date", ["Revised in spring"]))
    document = read_document("a.docx", make_docx(body=body, parts={"word/styles.xml": styles}))
    parsed = build_article("a", "a.docx", document)
    assert (parsed.article.author, parsed.article.date, parsed.article.title) == (
        "Karl Weber and Ines Kahl",
        "2019-03-12",
        TITLE,
    )
    texts = [p.text for p in parsed.article.passages]
    assert not any("Karl Weber" in t or "12 March 2019" in t for t in texts)
    assert "Revised in spring" in texts  # a Date paragraph that is no date stays as text


def test_a_byline_and_date_typed_under_the_title_are_the_author_and_date():
    body = [("Normal", ["By Ruth Allen"]), ("Normal", ["November 1998"]), *BODY]
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=body)))
    # typed as plain paragraphs: the page still says who wrote it and when, over the file's properties
    assert (parsed.article.author, parsed.article.date) == ("Ruth Allen", "1998-11")
    assert not any("Ruth Allen" in p.text or "November 1998" in p.text for p in parsed.article.passages)


def test_a_date_on_the_bylines_paragraph_is_the_date():
    body = [("Normal", ["By Ruth Allen — 3 November 1998"]), *BODY]
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=body)))
    assert (parsed.article.author, parsed.article.date) == ("Ruth Allen", "1998-11-03")
    assert not any("Ruth Allen" in p.text or "1998" in p.text for p in parsed.article.passages)


@pytest.mark.parametrize(
    "subtitle", [["By Hand and Machine:", "Printing in the Fifteenth Century"], ["By Sea and Land"]]
)
def test_a_subtitle_opening_with_by_is_no_byline(subtitle):
    body = [("Normal", [line]) for line in subtitle] + BODY
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=body)))
    assert parsed.article.author == AUTHOR  # the core properties': the page names nobody
    assert parsed.article.passages[0].text.startswith(subtitle[0])


def test_a_first_entry_opening_with_its_date_and_time_keeps_them_and_dates_no_article():
    entry = "12 March 1916, 10.30 p.m. Rain all day."
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=[("Normal", [entry]), *BODY])))
    assert parsed.article.date is None
    assert parsed.article.passages[0].text == entry


def test_a_date_paragraph_alone_under_the_title_is_the_date():
    body = [("Normal", ["3 April 1865"]), ("Normal", ["12 March 1916. Rain all day, and the trench flooded."]), *BODY]
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=body)))
    assert parsed.article.date == "1865-04-03"
    assert parsed.article.passages[0].text.startswith("12 March 1916. Rain")


@pytest.mark.parametrize("line", ["By Design", "By Chance", "By Popular Demand"])
def test_a_phrase_of_english_words_after_by_keeps_the_properties_author(line):
    body = [("Normal", [line]), *BODY]
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=body)))
    assert parsed.article.author == AUTHOR
    assert parsed.article.passages[0].text.startswith(line)


def test_a_byline_naming_seven_people_is_the_author():
    names = "Ann Lee, Bo Chen, Cy Diaz, Di Evans, Ed Fox, Flo Gray and Gus Hill"
    parsed = build_article("a", "a.docx", read_document("a.docx", make_docx(body=[("Normal", [f"By {names}"]), *BODY])))
    assert parsed.article.author == names
