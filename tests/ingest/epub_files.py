"""An EPUB made like a real book, built in memory: three chapters citing their notes in the ways
e-books do, a cover, a title page, a table of contents."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

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
