"""Notes marked by letters, symbols and Wikipedia's note groups link to the passages that cite them in
every reader; bracketed text that is no note ("[sic]", "[citation needed]", "[1999]") stays text."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from bot.ingest import build_article, read_document
from bot.ingest.notes import cited_markers, link_plain_markers
from tests.ingest.docx_files import W_NS, body_document, make_docx, reference, run

NOTES = {
    "a": "The bridge's first architect is named only in the town accounts of 1701.",
    "*": "Tolls were abolished in 1850 by an act of the cantonal council.",
    "†": "The chronicle gives the date as 1703; the accounts say 1704.",
    "note 1": "Some sources call it the Salt Bridge.",
    "1": "Hans Keller, Brücken der Schweiz (Zürich, 1961), p. 12.",
}


def parse(name: str, data: bytes):
    return build_article("bridge", name, read_document(name, data))


def links(parsed) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each passage's first words and the (marker, source) pairs it cites."""
    return [(" ".join(p.text.split()[:3]), [(f.marker, f.source) for f in p.footnotes]) for p in parsed.passages]


WIKIPEDIA = (
    "<html><head><title>Salt bridge - Wikipedia</title></head><body><main><h1>Salt bridge</h1>"
    '<div class="mw-parser-output">'
    "<p>The salt bridge at Brugg was rebuilt in stone in 1703.<sup id='cite_ref-1' class='reference'>"
    "<a href='#cite_note-1'>[1]</a></sup><sup id='cite_ref-note1' class='reference'>"
    "<a href='#cite_note-note1'>[note 1]</a></sup> Its architect is unknown.<sup id='cite_ref-a' class='reference'>"
    "<a href='#cite_note-a'>[a]</a></sup> The town paid for it [sic] out of the salt tax."
    "<sup class='noprint Inline-Template Template-Fact'>[<i><a href='/wiki/Wikipedia:Citation_needed'>"
    "citation needed</a></i>]</sup></p>"
    "<p>It carried the salt road over the Aare until the railway came, as a history of [1999] tells.</p>"
    "<h2>Notes</h2><div class='reflist reflist-lower-alpha'><ol class='references'>"
    f"<li id='cite_note-a'><span class='mw-cite-backlink'><a href='#cite_ref-a'>^</a></span> "
    f"<span class='reference-text'>{NOTES['a']}</span></li></ol></div>"
    "<h2>Explanatory notes</h2><div class='reflist'><ol class='references'>"
    f"<li id='cite_note-note1'><span class='mw-cite-backlink'><a href='#cite_ref-note1'>^</a></span> "
    f"<span class='reference-text'>{NOTES['note 1']}</span></li></ol></div>"
    "<h2>References</h2><div class='reflist'><ol class='references'>"
    f"<li id='cite_note-1'><span class='mw-cite-backlink'><a href='#cite_ref-1'>^</a></span> "
    f"<span class='reference-text'>{NOTES['1']}</span></li></ol></div>"
    "</div></main></body></html>"
)


def test_wikipedia_letters_and_note_groups_link_beside_numbered_references():
    parsed = parse("bridge.html", WIKIPEDIA.encode())
    assert links(parsed.article) == [
        ("The salt bridge", [("1", NOTES["1"]), ("note 1", NOTES["note 1"]), ("a", NOTES["a"])]),
        ("It carried the", []),
    ]
    text = parsed.article.passages[0].text
    assert "[sic] out of the salt tax." in text  # and the template's "[citation needed]" is no note
    assert "a history of [1999] tells" in parsed.article.passages[1].text
    assert parsed.warnings == []


def test_html_symbol_notes_link():
    page = (
        "<html><head><title>Tolls</title></head><body><article>"
        "<p>Tolls were raised at the gate.<sup><a href='#fn-star' id='r1'>*</a></sup> The chronicle dates the "
        "bridge to 1703.<sup><a href='#fn-dagger' id='r2'>†</a></sup></p>"
        f"<div class='footnotes'><p id='fn-star'>* {NOTES['*']}</p><p id='fn-dagger'>† {NOTES['†']}</p></div>"
        "</article></body></html>"
    )
    parsed = parse("tolls.html", page.encode())
    assert links(parsed.article) == [("Tolls were raised", [("*", NOTES["*"]), ("†", NOTES["†"])])]
    assert parsed.article.passages[0].text.endswith("to 1703.[†]") and parsed.warnings == []


def test_plain_text_letter_and_symbol_notes_link_under_a_notes_heading():
    text = (
        "The Salt Bridge\n\n"
        "Its architect is unknown.[a] Tolls were raised at the gate.* The town paid for it [sic] in 1703.†\n\n"
        "A later history [1999] says nothing of the tolls.\n\n"
        f"Notes\n\n[a] {NOTES['a']}\n[*] {NOTES['*']}\n† {NOTES['†']}\n"
    )
    parsed = parse("bridge.txt", text.encode())
    assert links(parsed.article) == [
        ("Its architect is", [("a", NOTES["a"]), ("*", NOTES["*"]), ("†", NOTES["†"])]),
        ("A later history", []),
    ]
    assert parsed.article.passages[0].text.endswith("gate.[*] The town paid for it [sic] in 1703.[†]")
    assert parsed.warnings == []


def test_bracketed_words_and_years_are_no_citations_and_raise_no_warning():
    known = {"a", "*", "note 1", "12"}
    text = "Smith [sic] wrote [citation needed] in [1999] of [a] and [*], [note 1], [12], [b], [note 2], [**]."
    assert cited_markers(text, known) == ["a", "*", "note 1", "12"]
    assert cited_markers("In [1999] and [3].", set()) == ["3"]  # unknown small numbers are still warned about
    # Symbols in plain text: only right after a word, only for entries the list has.
    assert link_plain_markers("gate.* and 5 * 3 and stars ** here and Vienna†", {"*", "†"}) == (
        "gate.[*] and 5 * 3 and stars ** here and Vienna[†]"
    )


def _numbered_docx(number_format: str) -> bytes:
    inner = "<w:p>" + run("Tolls were raised at the gate.") + reference("fn", 5) + run(" The chronicle")
    inner += run(" dates the bridge to 1703.") + reference("fn", 8) + "</w:p>"
    settings = (
        f'<w:settings xmlns:w="{W_NS}"><w:footnotePr><w:numFmt w:val="{number_format}"/></w:footnotePr></w:settings>'
    )
    return make_docx(parts={"word/document.xml": body_document(inner), "word/settings.xml": settings})


@pytest.mark.parametrize(("number_format", "markers"), [("chicago", ["*", "†"]), ("lowerLetter", ["a", "b"])])
def test_word_notes_numbered_by_symbols_or_letters_keep_them_and_link(number_format, markers):
    parsed = parse("tolls.docx", _numbered_docx(number_format))
    [passage] = parsed.article.passages
    first, second = markers
    assert passage.text == f"Tolls were raised at the gate.[{first}] The chronicle dates the bridge to 1703.[{second}]"
    assert [f.marker for f in passage.footnotes] == markers
    assert parsed.warnings == []


def _pdf_with_symbol_notes() -> bytes:
    """One page: body lines, "*" and "†" raised after words, the two notes in small type at its foot."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter, invariant=1)
    lines = [
        ("Tolls were raised at every gate of the salt road,", ""),
        ("and the bishops of Brixen grew rich on them.", "*"),
        ("The chronicle dates the stone bridge to the year", ""),
        ("after the great flood of the Aare valley.", "†"),
    ]
    for row, (line, mark) in enumerate(lines):
        text = c.beginText(72, 700 - 14 * row)
        text.setFont("Times-Roman", 11)
        text.textOut(line)
        if mark:
            text.setFont("Times-Roman", 7)
            text.setRise(4)
            text.textOut(mark)
            text.setRise(0)
        c.drawText(text)
    c.setFont("Times-Roman", 8)
    c.drawString(72, 100, f"* {NOTES['*']}")
    c.drawString(72, 90, f"† {NOTES['†']}")
    c.showPage()
    c.save()
    return out.getvalue()


def test_pdf_footnotes_marked_by_symbols_link():
    parsed = parse("tolls.pdf", _pdf_with_symbol_notes())
    [passage] = parsed.article.passages
    assert [(f.marker, f.source) for f in passage.footnotes] == [("*", NOTES["*"]), ("†", NOTES["†"])]
    assert "grew rich on them.[*]" in passage.text and passage.text.endswith("Aare valley.[†]")
    assert parsed.warnings == []
