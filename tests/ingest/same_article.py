"""One article written out as every format a study group reads (.txt, .md, .html, .docx, .epub, .pdf),
each the way that format marks footnotes, and the passages a reader must give back from any of them.

The article: a title, an author, a section heading, four paragraphs citing six footnotes (one of
them "Ibid., p. 57.", one "Kofler, op. cit., p. 203.").
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from tests.ingest import pdf_fixtures
from tests.ingest.docx_files import CONTENT_TYPES, NAMESPACES, STYLES, notes_part, reference, run
from tests.ingest.epub_files import CONTAINER, XHTML

TITLE = "The Salt Roads of the Alps"
AUTHOR = "Clara Moser"
HEADING = "The mule trains"
# Paragraphs; "^n" cites footnote n. The heading stands before paragraph HEADING_BEFORE.
PARAGRAPHS = [
    "Salt was carried over the Alpine passes long before the Romans built roads there.^1 Mule trains left the "
    "mines of Hallstatt with blocks of salt wrapped in straw and came back with wine and oil.^2",
    "A train of forty mules could cross the Brenner in six days when the weather held.^3 The drivers were paid "
    "by the load and not by the day, which made them reckless on the ice.",
    "Tolls were raised at every bridge and gate, and the bishops of Brixen grew rich on them.^4 Smugglers took "
    "the higher passes and avoided the gates altogether.^5",
    "By the sixteenth century the salt trade had become a state monopoly in most of the Alpine lands.^6 The old "
    "mule roads fell silent once the railways reached the valleys.",
]
HEADING_BEFORE = 1
NOTES = {
    1: "Jean-François Bergier, Une histoire du sel (Fribourg: Office du Livre, 1982), p. 41.",
    2: "Ibid., p. 57.",
    3: "Anton Kofler, Die Brennerstraße im Mittelalter (Innsbruck: Wagner, 1967), p. 112.",
    4: "Bergier, Une histoire du sel, p. 88.",
    5: "Maria Huber, 'Schmuggel in Tirol', Tiroler Heimatblätter 12 (1990), pp. 4-9.",
    6: "Kofler, op. cit., p. 203.",
}
# What every reader must resolve the notes to.
SOURCES = {
    **{n: text for n, text in NOTES.items() if n not in (2, 6)},
    2: "Jean-François Bergier, Une histoire du sel (Fribourg: Office du Livre, 1982), p. 57.",
    6: "Anton Kofler, Die Brennerstraße im Mittelalter (Innsbruck: Wagner, 1967), p. 203.",
}
_REF = re.compile(r"\^(\d)")


def cited(paragraph: str) -> list[int]:
    return [int(n) for n in _REF.findall(paragraph)]


def expected_passages() -> list[tuple[str, list[str]]]:
    """Each passage's text (markers as [n], the heading on its own line before its paragraph) and the
    sources it cites, in order."""
    passages = []
    for index, paragraph in enumerate(PARAGRAPHS):
        text = _REF.sub(r"[\1]", paragraph)
        if index == HEADING_BEFORE:
            text = f"{HEADING}\n{text}"
        passages.append((text, [SOURCES[n] for n in cited(paragraph)]))
    return passages


def _with(paragraph: str, mark) -> str:
    return _REF.sub(lambda m: mark(int(m.group(1))), paragraph)


# ---------------------------------------------------------------- text formats


def as_txt() -> bytes:
    superscript = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    body = [_with(p, lambda n: str(n).translate(superscript)) for p in PARAGRAPHS]
    body.insert(HEADING_BEFORE, HEADING)
    notes = [f"{n}. {text}" for n, text in NOTES.items()]
    return "\n\n".join([TITLE, f"By {AUTHOR}", *body, "Notes", "\n".join(notes)]).encode() + b"\n"


def as_md() -> bytes:
    body = [_with(p, lambda n: f"[^{n}]") for p in PARAGRAPHS]
    body.insert(HEADING_BEFORE, f"## {HEADING}")
    notes = [f"[^{n}]: {text}" for n, text in NOTES.items()]
    front = f"---\ntitle: {TITLE}\nauthor: {AUTHOR}\n---\n"
    return (front + "\n\n".join(body) + "\n\n" + "\n".join(notes) + "\n").encode()


# ---------------------------------------------------------------- markup formats


def _html_body(mark) -> list[str]:
    body = [f"<p>{_with(escape(p), mark)}</p>" for p in PARAGRAPHS]
    body.insert(HEADING_BEFORE, f"<h2>{HEADING}</h2>")
    return body


def as_html() -> bytes:
    body = _html_body(lambda n: f'<sup id="fnref{n}"><a href="#fn{n}">{n}</a></sup>')
    notes = "".join(f'<li id="fn{n}">{escape(t)} <a href="#fnref{n}">↩</a></li>' for n, t in NOTES.items())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
        f'<meta name="author" content="{AUTHOR}"></head><body>'
        f'<nav><a href="/">Home</a> <a href="/essays">Essays</a></nav>'
        f"<article><h1>{TITLE}</h1>{''.join(body)}"
        f'<section class="footnotes"><h2>Notes</h2><ol>{notes}</ol></section></article>'
        "<footer>© 2024 The Alpine Review</footer></body></html>"
    ).encode()


def as_epub() -> bytes:
    body = _html_body(lambda n: f'<a epub:type="noteref" href="#fn{n}" id="ref{n}">{n}</a>')
    asides = "".join(
        f'<aside epub:type="footnote" id="fn{n}"><p><a href="#ref{n}">{n}</a> {escape(t)}</p></aside>'
        for n, t in NOTES.items()
    )
    chapter = (
        f'<?xml version="1.0" encoding="utf-8"?>{XHTML}<head><title>{TITLE}</title></head><body>'
        f'<section epub:type="chapter"><h1>{TITLE}</h1>{"".join(body)}</section>{asides}</body></html>'
    )
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        'unique-identifier="uid"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="uid">urn:uuid:salt-roads</dc:identifier><dc:title>{TITLE}</dc:title>'
        f"<dc:creator>{AUTHOR}</dc:creator><dc:language>en</dc:language></metadata>"
        '<manifest><item id="c1" href="salt.xhtml" media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    )
    return _zip(
        {"META-INF/container.xml": CONTAINER, "OEBPS/content.opf": opf, "OEBPS/salt.xhtml": chapter},
        first=("mimetype", "application/epub+zip"),
    )


def as_docx() -> bytes:
    note_ids = {("fn", n): n + 1 for n in NOTES}  # ids 0 and 1 would be the separators
    paragraphs = [
        '<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>'
        + "".join(run(part) if i % 2 == 0 else reference("fn", note_ids[("fn", int(part))])
                  for i, part in enumerate(_REF.split(p)))
        + "</w:p>"
        for p in PARAGRAPHS
    ]  # fmt: skip
    paragraphs.insert(HEADING_BEFORE, f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>{run(HEADING)}</w:p>')
    paragraphs.insert(0, f'<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>{run(TITLE)}</w:p>')
    document = f"<w:document {NAMESPACES}><w:body>{''.join(paragraphs)}<w:sectPr/></w:body></w:document>"
    core = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{TITLE}</dc:title>'
        f"<dc:creator>{AUTHOR}</dc:creator></cp:coreProperties>"
    )
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": document,
            "word/styles.xml": STYLES,
            "word/footnotes.xml": notes_part("fn", NOTES, {n: n + 1 for n in NOTES}),
            "docProps/core.xml": core,
        }
    )


def _zip(members: dict[str, str], first: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, first (EPUB's mimetype)
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---------------------------------------------------------------- PDF


def as_pdf() -> bytes:
    """One column, footnotes at the foot of the page where they are cited, page numbers at the foot."""
    setter = pdf_fixtures._Typesetter(columns=1, size=11, leading=14, note_size=8.5, labels=str, header=lambda n: None)
    setter.full_width(TITLE, pdf_fixtures.BOLD_FONT, 18, 24)
    notes = {str(n): text for n, text in NOTES.items()}
    for index, paragraph in enumerate(PARAGRAPHS):
        if index == HEADING_BEFORE:
            setter.heading(HEADING)
        setter.paragraph(paragraph, notes)
    return setter.render(TITLE, AUTHOR)


WRITERS = {".txt": as_txt, ".md": as_md, ".html": as_html, ".docx": as_docx, ".epub": as_epub, ".pdf": as_pdf}
