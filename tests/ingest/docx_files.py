"""A .docx made like a real reading, built in memory: the body, its 15 footnotes and 3 endnotes,
styles, core properties and what Word writes besides the text."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ROMAN = {1: "i", 2: "ii", 3: "iii"}

# The reading: (style, segments). A segment is text, ("fn", n) a footnote reference or ("en", n) an
# endnote reference; n is the note's number as Word shows it (footnotes 1…15, endnotes i…iii).
BODY = [
    ("Heading1", ["Merchants of the Baltic"]),
    (
        "Normal",
        [
            "The Hanseatic League began not as a state but as an agreement among merchants who travelled "
            "together for safety along the Baltic coast.",
            ("fn", 1),
            " Their guilds in Lübeck and Visby shared warehouses, ships and the cost of envoys.",
            ("fn", 2),
        ],
    ),
    (
        "Normal",
        [
            "By the fourteenth century the towns themselves had taken over what the merchants began, "
            "meeting in a diet whose decisions bound every member town.",
            ("fn", 3),
        ],
    ),
    ("Heading2", ["The Kontore"]),
    (
        "Normal",
        [
            "Four great trading posts, the Kontore, stood at Bergen, Bruges, London and Novgorod.",
            ("fn", 4),
            " Each had its own statutes, its own church and a court that judged disputes among the Germans "
            "living there.",
            ("fn", 5),
            ("en", 1),
        ],
    ),
    (
        "Normal",
        [
            "The Steelyard in London enjoyed privileges that English merchants resented for two centuries;",
            ("fn", 6),
            " Elizabeth I finally closed it in 1598.",
            ("fn", 7),
        ],
    ),
    ("Heading1", ["Trade and its goods"]),
    (
        "Normal",
        [
            "Herring from Scania, grain from Prussia, furs and wax from Novgorod and cloth from Flanders moved "
            "along the same routes in the same cogs.",
            ("fn", 8),
        ],
    ),
    (
        "Normal",
        [
            "Salt from Lüneburg made the herring trade possible at all, for without it the catch could not "
            "survive the voyage west.",
            ("fn", 9),
            " The Old Salt Route carried it overland to Lübeck.",
            ("fn", 10),
        ],
    ),
    ("Heading2", ["Decline"]),
    (
        "Normal",
        [
            "Historians have long debated whether the League declined because the herring left the Baltic, "
            "because Dutch shipping outcompeted it, or because territorial princes grew strong.",
            ("fn", 11),
            ("en", 2),
        ],
    ),
    (
        "Normal",
        [
            "The last diet met in 1669 with only nine towns represented.",
            ("fn", 12),
            " Lübeck, Hamburg and Bremen kept the name for centuries afterwards.",
            ("fn", 13),
        ],
    ),
    (
        "Normal",
        [
            "What remained was a habit of cooperation between towns that outlived the institutions built on it,",
            ("fn", 14),
            " and a memory later claimed by very different causes.",
            ("fn", 15),
            ("en", 3),
        ],
    ),
]
FOOTNOTES = {
    1: "Philippe Dollinger, The German Hansa (Stanford: Stanford University Press, 1970), p. 45.",
    2: "Ibid., p. 52.",
    3: "Rhiman A. Rotz, 'The Lubeck Uprising of 1408', Proceedings of the American Philosophical Society 121 "
    "(1977), p. 17.",
    4: "Dollinger, The German Hansa, pp. 99–105.",
    5: "Justyna Wubs-Mrozewicz, 'The Hanse in Medieval and Early Modern Europe', Journal of Early Modern "
    "History 17 (2013), p. 9.",
    6: "T. H. Lloyd, England and the German Hanse, 1157–1611 (Cambridge: Cambridge University Press, 1991), p. 35.",
    7: "Ibid., p. 362.",
    8: "Michael North, The Expansion of Europe, 1250–1500 (Manchester University Press, 2012), p. 201.",
    9: "Harald Witthöft, 'Die Lüneburger Saline', Hansische Geschichtsblätter 94 (1976), p. 3.",
    10: "North, The Expansion of Europe, p. 204.",
    11: "Donald J. Harreld, ed., A Companion to the Hanseatic League (Leiden: Brill, 2015), pp. 1–11.",
    12: "Dollinger, The German Hansa, p. 364.",
    13: "Rainer Postel, 'The Hanseatic League and its Decline', Central Connecticut State University lecture, 1996.",
    14: "Harreld, Companion, p. 305.",
    15: "Ibid.",
}
ENDNOTES = {
    1: "On the Bergen Kontor see the museum at Bryggen, whose buildings stand on the medieval plots.",
    2: "The debate is summarised in the introduction to the Companion cited above.",
    3: "The name was revived in 1980 by the New Hanse, a league of towns promoting trade and tourism.",
}
TITLE = "The Hanseatic League: an introduction"
AUTHOR = "Maria Lindqvist"


def marker(segment: tuple[str, int]) -> str:
    kind, number = segment
    return f"[{number}]" if kind == "fn" else f"[{ROMAN[number]}]"


def expected_text(segments: list) -> str:
    return "".join(s if isinstance(s, str) else marker(s) for s in segments)


BODY_PARAGRAPHS = [expected_text(segments) for style, segments in BODY if style == "Normal"]
HEADINGS = [expected_text(segments) for style, segments in BODY if style != "Normal"]


# ---------------------------------------------------------------- the fixture, as Word writes it


def run(text: str, properties: str = "") -> str:
    return f'<w:r>{properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def reference(kind: str, note_id: int) -> str:
    tag = "footnoteReference" if kind == "fn" else "endnoteReference"
    style = "FootnoteReference" if kind == "fn" else "EndnoteReference"
    return f'<w:r><w:rPr><w:rStyle w:val="{style}"/></w:rPr><w:{tag} w:id="{note_id}"/></w:r>'


def paragraph(style: str, segments: list, note_ids: dict) -> str:
    runs = []
    for segment in segments:
        if isinstance(segment, str):
            # Word splits text into runs at every formatting or revision change.
            half = len(segment) // 2
            runs.append(run(segment[:half]) + run(segment[half:], '<w:rPr><w:lang w:val="en-GB"/></w:rPr>'))
        else:
            runs.append(reference(segment[0], note_ids[segment]))
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{"".join(runs)}</w:p>'


def furniture() -> tuple[str, str]:
    """What Word writes that is no reading text: a table of contents before the body, and inside it
    a tracked deletion, a field code, a pull-quote text box that repeats the body."""
    toc = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
        '<w:sdtContent><w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr>' + run("Contents") + "</w:p>"
        '<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr>' + run("Merchants of the Baltic\t1") + "</w:p>"
        "</w:sdtContent></w:sdt>"
    )
    extras = (
        '<w:p><w:r><w:t xml:space="preserve">Prices rose </w:t></w:r>'
        '<w:del w:id="90" w:author="Editor"><w:r><w:delText>sharply and </w:delText></w:r></w:del>'
        '<w:ins w:id="91" w:author="Editor"><w:r><w:t>steadily</w:t></w:r></w:ins>'
        '<w:r><w:t xml:space="preserve"> after 1370, as the page </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> ledger shows.</w:t></w:r>'
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        "<w:p>" + run("Herring from Scania, grain from Prussia") + "</w:p>"
        "</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent>"
        "<w:p>" + run("Herring from Scania, grain from Prussia") + "</w:p>"
        "</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:p/>"  # an empty paragraph between sections
    )
    return toc, extras


EXTRA_PARAGRAPH = "Prices rose steadily after 1370, as the page 3 ledger shows."


def notes_part(kind: str, notes: dict[int, str], ids: dict[int, int]) -> str:
    tag = "footnote" if kind == "fn" else "endnote"
    ref = "footnoteRef" if kind == "fn" else "endnoteRef"
    entries = [
        f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>',
        f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{tag}>',
    ]
    for number, text in notes.items():
        entries.append(
            f'<w:{tag} w:id="{ids[number]}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:{ref}/></w:r>'
            f"{run(' ')}{run(text)}</w:p></w:{tag}>"
        )
    return f'<w:{tag}s xmlns:w="{W_NS}">{"".join(entries)}</w:{tag}s>'


STYLES = (
    f'<w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
    '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>'
    '<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/>'
    '<w:basedOn w:val="Heading1"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/></w:style>'
    "</w:styles>"
)
CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:title>{TITLE}</dc:title><dc:creator>{AUTHOR}</dc:creator>"
    "<cp:lastModifiedBy>Editor</cp:lastModifiedBy><cp:revision>7</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2021-03-14T09:26:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2021-04-02T17:05:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
NAMESPACES = (
    f'xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def make_docx(
    *,
    body: list = BODY,
    title_paragraph: str | None = TITLE,
    core: str | None = CORE,
    endnotes: dict[int, str] = ENDNOTES,
    parts: dict[str, bytes] | None = None,
) -> bytes:
    # Word's note ids are not the shown numbers: they start at 1 after the two separators and
    # footnote ids skip numbers after edits, so the reader must number by order of reference.
    footnote_ids = {n: 2 + 3 * n for n in FOOTNOTES}
    endnote_ids = {n: 40 + n for n in ENDNOTES}
    note_ids = {("fn", n): i for n, i in footnote_ids.items()} | {("en", n): i for n, i in endnote_ids.items()}
    toc, extras = furniture()
    paragraphs = [paragraph("Title", [title_paragraph], note_ids)] if title_paragraph else []
    paragraphs += [toc] + [paragraph(style, segments, note_ids) for style, segments in body[:3]] + [extras]
    paragraphs += [paragraph(style, segments, note_ids) for style, segments in body[3:]]
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NAMESPACES}><w:body>'
        + "".join(paragraphs)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    members = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": "<Relationships/>",
        "word/document.xml": document,
        "word/styles.xml": STYLES,
        "word/footnotes.xml": notes_part("fn", FOOTNOTES, footnote_ids),
        "word/endnotes.xml": notes_part("en", endnotes, endnote_ids),
        "word/settings.xml": f'<w:settings xmlns:w="{W_NS}"><w:footnotePr><w:footnote w:id="-1"/>'
        "</w:footnotePr></w:settings>",
    }
    if core is not None:
        members["docProps/core.xml"] = core
    members.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def body_document(inner: str) -> str:
    return f"<w:document {NAMESPACES}><w:body>{inner}<w:sectPr/></w:body></w:document>"
