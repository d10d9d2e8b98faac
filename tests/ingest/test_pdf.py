"""The PDF reader, on PDFs made like real readings (tests/ingest/pdf_fixtures.py) and on hostile ones."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from bot.library import load_corpus
from tests.ingest.pdf_fixtures import book_chapter, journal_article, short_column


def _article(data: bytes, limits: ReadLimits | None = None):
    return build_article("reading", "reading.pdf", read_document("reading.pdf", data, limits)).article


@pytest.fixture(scope="module")
def journal():
    data, truth = journal_article()
    return data, truth, _article(data)


@pytest.fixture(scope="module")
def three_columns():
    data, truth = journal_article(columns=3)
    return data, truth, _article(data)


STAMP = "arXiv:2401.01234v1 [cs.CL] 3 Jan 2024"
SIDEBAR = ("Box 1. The quokka tally", "kept by zebra clerks", "of the okapi wharf")


@pytest.fixture(scope="module")
def turned():
    """A landscape table page (page 3, drawn sideways, /Rotate 90), an arXiv-style stamp up the left
    margin of page 1 and a sideways sidebar in the right margin of page 2."""
    data, truth = journal_article(turned_pages=frozenset({3}), margin_stamp=STAMP, sidebar=SIDEBAR)
    return data, truth, _article(data)


READINGS = ["journal", "chapter", "three_columns", "turned"]


@pytest.fixture(scope="module")
def chapter():
    data, truth = book_chapter()
    return data, truth, _article(data)


def _body(passage_text: str, headings: list[str]) -> str:
    """A passage's text without the heading lines joined to it."""
    lines = passage_text.split("\n")
    while len(lines) > 1 and lines[0] in headings:
        lines = lines[1:]
    return "\n".join(lines)


def _paragraph_of(truth, body: str) -> int:
    found = [i for i, paragraph in enumerate(truth.paragraphs) if body in paragraph]
    assert len(found) == 1, f"passage is no part of exactly one paragraph of the reading: {body[:120]!r}"
    return found[0]


@pytest.mark.parametrize("reading", READINGS)
def test_every_paragraph_once_in_reading_order_with_nothing_else(reading, request):
    _, truth, article = request.getfixturevalue(reading)
    assert truth.hyphen_breaks >= 5 and truth.compound_breaks >= 2  # the fixture breaks words at line ends
    bodies = [_body(p.text, truth.headings) for p in article.passages]
    order = [_paragraph_of(truth, body) for body in bodies]  # every passage: a piece of one paragraph
    assert order == sorted(order), "paragraphs out of reading order (columns mixed?)"
    for index, paragraph in enumerate(truth.paragraphs):
        pieces = [body for body, at in zip(bodies, order, strict=True) if at == index]
        assert " ".join(pieces) == paragraph, f"paragraph {index} not rebuilt exactly once"


@pytest.mark.parametrize("reading", ["journal", "three_columns", "turned"])
def test_columns_are_read_left_to_right_although_drawn_row_by_row(reading, request):
    _, truth, article = request.getfixturevalue(reading)
    text = " ".join(p.text for p in article.passages)
    serials = [int(n) for n in re.findall(r"\bw(\d+)\b", text)]  # each sentence's number
    assert serials == [int(n) for n in re.findall(r"\bw(\d+)\b", " ".join(truth.paragraphs))]


def _sentences(text: str) -> list[str]:
    return re.findall(r"[A-Z]\w* w\d+ [^.]*\.", " ".join(text.split()))


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(dict(last_lines=1), id="one-line"),
        pytest.param(dict(last_lines=2), id="two-lines"),
        pytest.param(dict(last_lines=2, under_figure=True), id="under-a-figure"),
        pytest.param(dict(last_lines=2, abstract=3), id="under-an-abstract"),
        pytest.param(dict(last_lines=2, abstract=3, under_figure=True), id="abstract-and-figure"),
        pytest.param(dict(last_lines=2, columns=3), id="third-column"),
        pytest.param(dict(last_lines=10, abstract=8, column_lines=12), id="two-short-columns-under-a-long-abstract"),
        pytest.param(dict(last_lines=3, long_words=True), id="words-far-apart"),
        pytest.param(dict(last_lines=1, long_words=True), id="one-line-words-far-apart"),
    ],
)
def test_a_short_last_column_is_read_after_the_full_one_and_whole(layout):
    """A column of only a line or two, beside a full one, is read after it, not line by line inside
    it; a title and abstract across the page stay before both."""
    data, truth = short_column(**layout)
    passages = _article(data).passages
    text = " ".join(p.text for p in passages)
    assert _sentences(text) == _sentences(" ".join(truth.paragraphs))  # no column's lines inside another's
    assert " ".join(text.split()) == " ".join(" ".join(truth.paragraphs).split())


def test_a_table_drawn_cell_by_cell_under_one_column_of_text_reads_row_by_row():
    rows = [("1803", "4.3"), ("1813", "6.7"), ("1818", "7.9"), ("1823", "5.7")]

    def draw(c):
        _body_page(c, 0)
        c.setFont("Times-Roman", 11)
        for n, (year, amount) in enumerate(rows):
            c.drawString(72, 250 - 14 * n, year)
            c.drawString(400, 250 - 14 * n, amount)

    shown = " ".join(p.text for p in _article(_pdf(draw)).passages)
    assert " ".join(f"{year} {amount}" for year, amount in rows) in shown


def test_a_landscape_page_reads_upright_and_sideways_margin_text_is_left_out(turned):
    _, truth, article = turned
    assert truth.left_out == [STAMP, *SIDEBAR]
    assert any(3 in p.pages for p in article.passages)  # the turned page's text is there (and in order, above)
    text = " ".join(p.text for p in article.passages).casefold()
    for word in ("arxiv", "2401.01234v1", "quokka", "zebra", "okapi", "tally"):
        assert word not in text


@pytest.mark.parametrize("reading", READINGS)
def test_no_running_header_footer_or_page_number_in_any_passage(reading, request):
    _, truth, article = request.getfixturevalue(reading)
    assert truth.furniture
    for passage in article.passages:
        for line in set(truth.furniture):
            assert line.casefold() not in passage.text.casefold()
        for label in truth.page_labels.values():
            assert not re.search(rf"(?<![\w\[]){re.escape(label)}(?![\w\]])", passage.text), (label, passage.text)


@pytest.mark.parametrize("reading", READINGS)
def test_every_passage_knows_its_pages_and_their_printed_labels(reading, request):
    _, truth, article = request.getfixturevalue(reading)
    pages_of: dict[int, set[int]] = {}
    for passage in article.passages:
        index = _paragraph_of(truth, _body(passage.text, truth.headings))
        assert set(passage.pages) <= truth.pages[index]
        pages_of.setdefault(index, set()).update(passage.pages)
    assert pages_of == dict(enumerate(truth.pages))
    assert any(len(pages) == 2 for pages in truth.pages)  # paragraphs do run over a page break
    assert dict(enumerate(article.page_labels, 1)) == truth.page_labels


def test_roman_and_offset_page_labels(chapter):
    _, _, article = chapter
    assert article.page_labels[:3] == ("xi", "xii", "214")


_WORDS = "vestry minutes record rates parish paid poor relief wardens overseers bread coal rents".split()


def _body_page(c, page: int) -> None:
    """A page of body text whose lines differ (no line repeats from page to page, as furniture does)."""
    c.setFont("Times-Roman", 11)
    for row in range(30):
        words = [_WORDS[(page * 7 + row * 3 + k) % len(_WORDS)] for k in range(12)]
        c.drawString(72, 700 - 14 * row, " ".join(words))


def _offprint(c, first_number: int | None, pages: int = 4, header: str | None = None) -> None:
    """`pages` pages of body text, each printing its number (from `first_number`) at its foot."""
    for n in range(pages):
        _body_page(c, n)
        c.setFont("Times-Roman", 9)
        if first_number is not None and not (n == 0 and header):
            c.drawCentredString(306, 40, str(first_number + n))
        if header and n:
            c.drawString(72, 740, f"{header} {first_number + n}")
        c.showPage()


@pytest.mark.parametrize("header", [None, "THE PARISH RATES"])
def test_a_pdf_without_page_labels_cites_the_page_numbers_it_prints(header):
    article = _article(_pdf(lambda c: _offprint(c, 214, header=header)))
    assert article.page_labels == ("214", "215", "216", "217")
    assert not any(re.search(r"\b21[4-7]\b", p.text) for p in article.passages)


def test_pages_before_the_printed_page_1_are_front_matter_not_a_second_page_1():
    def draw(c):
        for n in range(2):  # a title page and a preface, unnumbered
            _body_page(c, n + 10)
            c.showPage()
        _offprint(c, 1, pages=3)  # the body, printed 1-3 on pages 3-5

    labels = _article(_pdf(draw)).page_labels
    assert labels == ("i", "ii", "1", "2", "3")  # never "1" and "2" twice


@pytest.mark.parametrize("footer", ["- {} -", "[{}]", "Page {} of 40"])
def test_page_numbers_printed_in_other_footers_are_the_labels_too(footer):
    def draw(c):
        for n in range(3):
            _body_page(c, n)
            c.setFont("Times-Roman", 9)
            c.drawCentredString(306, 40, footer.format(57 + n))
            c.showPage()

    assert _article(_pdf(draw)).page_labels == ("57", "58", "59")


def test_page_numbers_that_do_not_follow_the_pages_are_no_labels():
    def draw(c):
        for n, printed in enumerate((9, 3, 40)):
            _body_page(c, n)
            c.setFont("Times-Roman", 9)
            c.drawCentredString(306, 40, str(printed))
            c.showPage()

    assert _article(_pdf(draw)).page_labels == ("1", "2", "3")


@pytest.mark.parametrize("reading", READINGS)
def test_every_note_is_linked_to_the_passage_citing_it(reading, request):
    _, truth, article = request.getfixturevalue(reading)
    assert {f.marker: f.source for f in article.footnotes} == truth.notes
    cited: set[str] = set()
    for passage in article.passages:
        markers = re.findall(r"\[(\d+)\]", passage.text)
        assert [f.marker for f in passage.footnotes] == list(dict.fromkeys(markers))
        assert all(f.source == truth.notes[f.marker] for f in passage.footnotes)
        cited.update(markers)
    assert cited == set(truth.notes)
    assert len(truth.notes) == (12 if reading == "chapter" else 20)


def test_headings_introduce_their_sections_and_the_notes_list_is_no_passage(chapter, journal):
    for _, truth, article in (journal, chapter):
        starts = [p.text.split("\n")[0] for p in article.passages if "\n" in p.text]
        assert starts == truth.headings
    _, _, article = chapter
    assert not any(p.text.startswith("Notes") or "register, fol." in p.text for p in article.passages)


def test_metadata_from_the_information_dictionary_and_title_not_repeated(journal):
    _, _, article = journal
    assert article.title == "Treaties and Trade on the Northern Frontier"
    assert article.author == "Ada Lindqvist"
    assert not any(article.title in p.text for p in article.passages)


def test_hyphen_rule_keeps_real_hyphens_and_rejoins_broken_words(journal):
    _, _, article = journal
    text = " ".join(p.text for p in article.passages)
    assert "international" in text and "interna-" not in text and "interna tional" not in text
    assert "mil-to-mil" in text and "milto" not in text.casefold()


def test_a_corpus_folder_loads_its_pdfs(tmp_path, journal, chapter):
    (tmp_path / "journal.pdf").write_bytes(journal[0])
    (tmp_path / "chapter.pdf").write_bytes(chapter[0])
    corpus = load_corpus(tmp_path, workers=0)
    assert {a.title for a in corpus.articles} == {"Treaties and Trade on the Northern Frontier", "The Harbour Towns"}
    assert corpus.warnings == ()
    assert all(p.pages for a in corpus.articles for p in a.passages)


def test_a_footnote_running_over_to_the_next_page_is_one_note():
    body = (
        "The harbour registers of the northern towns were kept by the magistrates in every season "
        "of the year, and the councils read them aloud at the yearly assembly of the merchants."
    ).split()

    def page(c, marker: str, note_lines: list[str]) -> None:
        for row in range(16):
            words = body[(row * 3) % 20 : (row * 3) % 20 + 9]
            text = c.beginText(72, 700 - 14 * row)
            text.setFont("Times-Roman", 11)
            text.textOut(" ".join(words) + (" row" if row < 15 else " row."))
            if row == 7 and marker:
                text.setFont("Times-Roman", 7)
                text.setRise(4)
                text.textOut(marker)
                text.setRise(0)
            c.drawText(text)
        for number, line in enumerate(note_lines):
            c.setFont("Times-Roman", 8)
            c.drawString(72, 120 - 10 * number, line)
        c.setFont("Times-Roman", 9)
        c.drawCentredString(306, 40, str(c.getPageNumber()))

    def draw(c):
        page(c, "1", ["1 A long note on the registers of the harbour towns, which the council kept"])
        c.showPage()
        page(c, "", ["in a chest at the town hall until the fire of 1791."])

    article = _article(_pdf(draw))
    assert {f.marker: f.source for f in article.footnotes} == {
        "1": "A long note on the registers of the harbour towns, which the council kept in a chest at the "
        "town hall until the fire of 1791.",
    }
    assert not any("chest" in p.text or "note" in p.text for p in article.passages)


def _title_and_head(c, title: str, head: list[str]) -> float:
    """A title in large type and `head` lines in body type under it; the height of the next line."""
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 700, title)
    c.setFont("Times-Roman", 11)
    y = 676
    for line in head:
        c.drawString(72, y, line)
        y -= 14
    return y


def _headed_reading(c, head: list[str], author: str = "jsmith", title: str = "The Grain Trade of the Baltic") -> None:
    """A title in large type, `head` lines in body type under it, then a paragraph."""
    c.setAuthor(author)
    y = _title_and_head(c, title, head)
    for _ in range(12):
        y -= 14
        c.drawString(72, y, "The merchants of the northern towns shipped rye and barley to the western ports by")
    c.drawString(72, y - 14, "the autumn, and the councils taxed every cargo that passed the sound.")


def test_the_byline_and_date_printed_under_the_title_are_the_author_and_date():
    article = _article(_pdf(lambda c: _headed_reading(c, ["By Mira Tanaka", "University of Tartu", "March 2019"])))
    # the page says who wrote it and when; the file's properties say who made the file, and when
    assert (article.title, article.author, article.date) == ("The Grain Trade of the Baltic", "Mira Tanaka", "2019-03")
    assert not any("Tanaka" in p.text or "2019" in p.text for p in article.passages)
    assert any(p.text.startswith("The merchants") for p in article.passages)


def test_the_authors_name_printed_under_the_title_is_no_passage():
    article = _article(_pdf(lambda c: _headed_reading(c, ["Mira Tanaka"], author="Mira Tanaka")))
    assert article.author == "Mira Tanaka"
    assert [p.text.split()[:2] for p in article.passages] == [["The", "merchants"]]


def test_a_body_line_opening_with_by_is_no_byline():
    article = _article(_pdf(lambda c: _headed_reading(c, [])))
    # the properties' author, as nothing else shows one; their CreationDate is when the file was made
    assert article.author == "jsmith" and article.date is None
    assert article.passages[0].text.startswith("The merchants")
    assert "by the autumn" in article.passages[0].text


@pytest.mark.parametrize(
    "head", [["By Hand and Machine:", "Printing in the Fifteenth Century"], ["By Sea and Land"], ["By the Numbers"]]
)
def test_a_subtitle_opening_with_by_is_no_byline(head):
    article = _article(_pdf(lambda c: _headed_reading(c, head)))
    assert article.author == "jsmith"  # the properties' author: the page names nobody
    assert article.passages[0].text.startswith(head[0])


def test_a_byline_naming_people_with_their_affiliation_is_the_author():
    article = _article(_pdf(lambda c: _headed_reading(c, ["by Jane Smith, University of York", "March 2019"])))
    assert (article.author, article.date) == ("Jane Smith", "2019-03")
    assert article.passages[0].text.startswith("The merchants")


@pytest.mark.parametrize("byline", ["By Lena Hoffmann, March 3, 2020", "By Lena Hoffmann | 3 March 2020"])
def test_a_date_on_the_bylines_line_is_the_date(byline):
    article = _article(_pdf(lambda c: _headed_reading(c, [byline])))
    assert (article.author, article.date) == ("Lena Hoffmann", "2020-03-03")
    assert not any("Hoffmann" in p.text or "2020" in p.text for p in article.passages)
    assert article.passages[0].text.startswith("The merchants")


@pytest.mark.parametrize(
    "stated", ["untitled.doc", "Thesis_final_v3", "Microsoft Word - essay.docx", "draft2.pdf", "Untitled-1", ""]
)
def test_the_printed_title_wins_over_a_file_name_in_the_title_property(stated):
    title = "Copper and Commerce: The Baltic Trade"

    def draw(c):
        c.setTitle(stated)
        _headed_reading(c, ["By Mira Tanaka"], title=title)

    article = _article(_pdf(draw))
    assert (article.title, article.author) == (title, "Mira Tanaka")
    assert not any("Copper" in p.text for p in article.passages)


_ENTRIES = [
    "12 March 1916.",
    "Rain all day, and the trench flooded to the knee by evening; the men bailed it out with",
    "their helmets and the officers with buckets, and nobody slept until the light went",
    "grey over the wire and the stand-to was called along the line by the sergeants.",
    "13 March 1916.",
    "Sun at last. The company marched back to the reserve billets behind the ridge and",
    "the men slept in the barns of the farm with their boots on, too tired to eat.",
]


def _diary(c, head: list[str]) -> None:
    """A diary's title, `head` lines under it, then its dated entries (each date a line of its own
    atop the entry's lines, at the body's leading)."""
    y = _title_and_head(c, "A Subaltern's Diary", head) - 14
    for line in _ENTRIES:
        c.drawString(72, y, line)
        y -= 14


def test_the_first_entrys_date_opening_a_diary_is_no_article_date():
    article = _article(_pdf(lambda c: _diary(c, [])))
    assert article.date is None
    assert article.passages[0].text.startswith("12 March 1916.")  # the entry keeps its date


def test_a_diarys_date_line_under_the_title_is_its_date_not_the_first_entrys():
    article = _article(_pdf(lambda c: _diary(c, ["3 April 1917"])))
    assert article.date == "1917-04-03"
    assert article.passages[0].text.startswith("12 March 1916.")


def test_a_date_line_alone_under_the_title_is_the_date():
    article = _article(_pdf(lambda c: _headed_reading(c, ["3 April 1865"])))
    assert article.date == "1865-04-03"
    assert not any("1865" in p.text for p in article.passages)


def _unspaced_reading(c, head: list[str]) -> None:
    """A title, then `head` lines and the body's lines in body type at the body's leading, no gap."""
    c.setAuthor("jsmith")
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 700, "Report Five")
    c.setFont("Times-Roman", 11)
    y = 680
    for line in [*head, *_ENTRIES[1:4]]:
        c.drawString(72, y, line)
        y -= 14


def test_a_head_set_without_a_gap_over_the_body_keeps_its_date_under_the_byline():
    article = _article(_pdf(lambda c: _unspaced_reading(c, ["By Anna Weiss", "March 3, 2017"])))
    assert (article.author, article.date) == ("Anna Weiss", "2017-03-03")
    assert not any("2017" in p.text or "Weiss" in p.text for p in article.passages)
    assert any(p.text.startswith("Rain all day") for p in article.passages)


def test_a_date_under_the_title_without_a_gap_over_the_text_is_a_first_entrys():
    article = _article(_pdf(lambda c: _unspaced_reading(c, ["12 March 1916."])))
    assert article.date is None
    assert any(p.text.startswith("12 March 1916.") for p in article.passages)


def test_a_subtitle_opening_with_by_and_ending_with_a_colon_is_passed_over_to_the_byline():
    head = ["By Hand and Machine:", "Printing in the Fifteenth Century", "By Jane Smith"]
    article = _article(_pdf(lambda c: _headed_reading(c, head)))
    assert article.author == "Jane Smith"
    assert article.passages[0].text.startswith("By Hand and Machine:")
    assert not any("Jane Smith" in p.text for p in article.passages)


@pytest.mark.parametrize("line", ["By Design", "By Popular Demand"])
def test_a_phrase_of_english_words_after_by_is_no_author(line):
    article = _article(_pdf(lambda c: _headed_reading(c, [line])))
    assert article.author == "jsmith"
    assert article.passages[0].text.startswith(line)


def _two_column_page(c, page: int, markers: tuple[str, str], notes: tuple[str, ...]) -> None:
    """Two columns of body text, each citing one marker; the notes under them, long ones across the
    page, short ones in the left column."""
    for column, x in enumerate((72, 320)):
        for row in range(40):
            words = [_WORDS[(page * 7 + column * 5 + row * 3 + k) % len(_WORDS)] for k in range(6)]
            text = c.beginText(x, 720 - 12 * row)
            text.setFont("Times-Roman", 10)
            text.textOut(" ".join(words) + ("." if row % 8 == 7 else ""))
            if row == 10:
                text.setFont("Times-Roman", 6)
                text.setRise(3)
                text.textOut(markers[column])
                text.setRise(0)
            c.drawText(text)
    c.setFont("Times-Roman", 8)
    for n, note in enumerate(notes):
        c.drawString(72, 118 - 10 * n, note)
    c.showPage()


def test_footnotes_under_a_two_column_page_are_its_notes_long_and_short():
    def draw(c):
        _two_column_page(c, 0, ("1", "2"), (
            "1 Vestry minutes of the parish of Saint Olave, kept at the county record office, vol. 3.",
            "2 Ibid., p. 4.",
        ))  # fmt: skip
        _two_column_page(c, 1, ("3", "4"), (
            "3 Overseers' accounts of the same parish for the years of the great dearth, bundle 12.",
            "4 Ibid., p. 9.",  # the same words as note 2 at the same place: a note, not a repeated footer
        ))  # fmt: skip

    article = _article(_pdf(draw))
    assert {f.marker: f.source for f in article.footnotes} == {
        "1": "Vestry minutes of the parish of Saint Olave, kept at the county record office, vol. 3.",
        "2": "Vestry minutes of the parish of Saint Olave, kept at the county record office, vol. 3, p. 4.",
        "3": "Overseers' accounts of the same parish for the years of the great dearth, bundle 12.",
        "4": "Overseers' accounts of the same parish for the years of the great dearth, bundle 12, p. 9.",
    }
    assert not any("Vestry minutes of" in p.text or "Ibid" in p.text for p in article.passages)
    assert [f.marker for p in article.passages for f in p.footnotes] == ["1", "2", "3", "4"]


def test_a_jstor_cover_sheet_is_the_articles_metadata_and_no_text():
    def draw(c):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, 740, "The Machine Breakers")
        c.setFont("Times-Roman", 11)
        for n, line in enumerate(("Author(s): E. J. Hobsbawm", "Source: Past & Present, No. 1 (Feb., 1952), pp. 57-70",
                                  "Published by: Oxford University Press", "Stable URL: https://www.jstor.org/stable/649990",
                                  "Accessed: 03-11-2021 14:22 UTC")):  # fmt: skip
            c.drawString(72, 716 - 14 * n, line)
        c.setFont("Times-Roman", 9)
        c.drawString(72, 620, "JSTOR is a not-for-profit service that helps scholars, researchers, and students")
        c.drawString(72, 609, "discover, use, and build upon a wide range of content in a trusted digital archive.")
        c.showPage()
        for n in range(2):
            c.setFont("Helvetica-Bold", 16)
            if n == 0:
                c.drawString(72, 740, "The Machine Breakers")
                c.setFont("Times-Roman", 10)
                c.drawString(72, 722, "E. J. HOBSBAWM")
            _body_page(c, n)
            c.setFont("Times-Roman", 9)
            c.drawCentredString(306, 40, str(57 + n))
            c.setFont("Times-Roman", 7)
            c.drawString(72, 28, "This content downloaded from 81.2.69.142 on Wed, 03 Nov 2021 14:22:09 UTC")
            c.showPage()

    article = _article(_pdf(draw))
    assert (article.title, article.author, article.date) == ("The Machine Breakers", "E. J. Hobsbawm", "1952-02")
    assert (article.publication, article.url) == ("Past & Present, No. 1", "https://www.jstor.org/stable/649990")
    assert article.passages[0].text.startswith("vestry minutes")  # the reading itself comes first
    assert not any(w in p.text for p in article.passages for w in ("JSTOR", "HOBSBAWM", "downloaded", "Stable URL"))
    assert {article.page_label(page) for p in article.passages for page in p.pages} == {"57", "58"}


def test_a_handout_quoting_a_jstor_citation_is_no_cover_sheet():
    def draw(c):
        c.setFont("Times-Roman", 11)
        lines = ("Week 3: read the essay below before Thursday and note two of its arguments.",
                 "Bring your notes on the Luddite letters; we compare them with the essay.",
                 "Our copy was found on JSTOR through the university library.",
                 "Author(s): E. J. Hobsbawm", "Source: Past & Present, No. 1 (Feb., 1952), pp. 57-70",
                 "Stable URL: https://www.jstor.org/stable/649990")  # fmt: skip
        for n, line in enumerate(lines):
            c.drawString(72, 716 - 14 * n, line)
        c.showPage()
        _body_page(c, 1)

    article = _article(_pdf(draw))
    assert article.author is None and article.url is None
    assert any("Week 3: read the essay" in p.text for p in article.passages)


def test_a_table_in_small_type_at_a_pages_foot_is_text_not_notes():
    def draw(c):
        _body_page(c, 0)
        c.setFont("Times-Roman", 8.5)
        for n, row in enumerate(("Year Expenditure (£ millions)", "1803 4.3", "1813 6.7", "1818 7.9")):
            c.drawString(72, 160 - 11 * n, row)

    article = _article(_pdf(draw))
    assert article.footnotes == ()
    shown = " ".join(p.text for p in article.passages)
    assert "Year Expenditure" in shown and "1813 6.7" in shown


# --- files a reader must refuse ----------------------------------------------------------------------


def _pdf(draw, **options) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter, invariant=1, **options)
    draw(c)
    c.showPage()
    c.save()
    return out.getvalue()


def test_password_protected_pdf_is_refused_saying_so():
    data = _pdf(lambda c: c.drawString(72, 700, "Secret minutes of the council."), encrypt="hunter2")
    with pytest.raises(SkipFile, match="password-protected"):
        read_document("minutes.pdf", data)


def test_scanned_pdf_without_text_layer_is_refused_saying_so(tmp_path):
    scan = tmp_path / "scan.png"
    Image.new("L", (80, 100), 200).save(scan)
    data = _pdf(lambda c: c.drawImage(str(scan), 72, 72, 400, 500))
    with pytest.raises(SkipFile, match="scanned PDF.*no text layer"):
        read_document("scan.pdf", data)


def test_damaged_pdf_is_refused_saying_so():
    with pytest.raises(SkipFile, match="damaged PDF"):
        read_document("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage\xff" * 200)


def test_truncated_pdf_gives_what_it_can_or_says_it_is_damaged(journal):
    data = journal[0]
    try:
        document = read_document("cut.pdf", data[: len(data) * 2 // 3])
    except SkipFile as error:
        assert "damaged PDF: the file is cut short" in str(error)
    else:
        assert document.blocks  # partial text is usable


def test_a_file_named_pdf_that_is_not_one_is_refused():
    with pytest.raises(SkipFile, match="its name says PDF"):
        read_document("notes.pdf", b"just some text, not a PDF at all")


def test_too_many_pages_is_refused_by_the_limit(journal):
    with pytest.raises(SkipFile, match="max_pages"):
        read_document("long.pdf", journal[0], ReadLimits(max_pages=2))


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_page_tree_declaring_100000_pages_is_refused_at_once():
    data = _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 100000 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )
    with pytest.raises(SkipFile, match=r"100,000 pages.*max_pages"):
        read_document("huge.pdf", data)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"
_CONTENT = b"<< /Length 39 >>\nstream\nBT /F1 12 Tf 72 700 Td (Nested.) Tj ET\nendstream"


def test_deeply_nested_arrays_cost_bounded_work():
    nested = b"[" * 50_000 + b"]" * 50_000
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R /X " + nested + b" >>"
    )
    data = _raw_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, _CONTENT, _FONT]
    )
    assert [b.text for b in read_document("nested.pdf", data).blocks] == ["Nested."]


def test_a_page_tree_nested_thousands_deep_is_refused_saying_so():
    depth = 5000
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    objects += [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (i + 3) for i in range(depth)]
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> "
        b"/Contents %d 0 R >>" % (depth + 4, depth + 3)
    )
    objects += [_CONTENT, _FONT]
    with pytest.raises(SkipFile, match="nested too deeply"):
        read_document("deep.pdf", _raw_pdf(objects))
