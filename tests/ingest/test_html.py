"""The HTML reader: a saved news page and a Wikipedia article come in as their text, footnotes and
metadata, with none of the page's furniture; footnote markup of every common kind is linked; hostile
pages are refused or cut with a clear reason, never a crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest import ReadLimits, SkipFile, build_article, read_document
from tests.ingest.html_pages import (
    WIKI_REFERENCE_COUNT,
    wiki_paragraph_texts,
    wiki_reference_names,
    wiki_reference_text,
    wikipedia_page,
)

NEWS = Path(__file__).parent.parent / "data" / "html" / "news-article.html"

NEWS_PARAGRAPHS = [
    "Volunteers in Hexley spent four winters drying, cleaning and cataloguing 1,200 flood-damaged books, and found "
    "a lost chronicle among them.",
    "When the river Hex burst its banks in December 2015, the water rose to within a hand's breadth of the ceiling "
    "of the parish library, a stone room that had held the town's books since the reign of Henry VII.[1] By the "
    "time the flood receded, almost every volume on the lower shelves was soaked through.",
    "Conservators from the county record office advised the parish council to freeze the wettest books at once, so "
    "that mould could not take hold while a plan was made.",
    "What followed was four winters of slow work in the town hall.",
    "a method first described by the Florentine conservators who dealt with the Arno flood of 1966.[2]",
    "The volunteers, most of them retired, kept a ledger of every volume they handled.",
    "written in a careful secretary hand between 1539 and 1561.[3] It records the closing of the nearby priory",
    "Item this yeare the brigge was broken by the grete water and the towne made it agayne at its owne charge.",
    "Historians at the University of Durham, who have since transcribed the chronicle",
    "More than 1,200 volumes were dried and cleaned between 2016 and 2020.",
    "Ninety-one books were judged beyond repair and have been digitised from the surviving leaves.",
    "The room itself has been rebuilt with shelves on raised plinths",
]
NEWS_HEADINGS = ["Four winters of work", "A chronicle nobody had read"]
NEWS_JUNK = [
    "cookies",
    "Accept",
    "Skip to",
    "Sign in",
    "Subscribe",
    "Opinion",
    "Lifestyle",
    "Share on",
    "Share via",
    "87 comments",
    "comments",
    "Join the discussion",
    "What do you think",
    "riverwatcher",
    "What a wonderful story",
    "grandmother",
    "Related stories",
    "archives at risk",
    "chained libraries",
    "Read more",
    "newsletter",
    "inbox",
    "spam free",
    "Advertisement",
    "Photograph",
    "By Margaret",
    "correspondent",
    "Mon 12 Apr",
    "©",
    "All rights reserved",
    "Registered in England",
    "Most viewed",
    "Rovers",
    "Privacy",
    "Terms of use",
    "Libraries",
    "Notes",
    "↩",
    "wheelbarrows",
    "The Northern Ledger",
]
NEWS_NOTES = {
    "1": "The library's foundation charter of 1497 survives in the county record office.",
    "2": "See Waters, P., Procedures for Salvage of Water-Damaged Library Materials, Library of Congress, 1975.",
    "3": "The chronicle is now catalogued as Hexley Parish MS 14.",
}


def article_of(name: str, data: bytes, limits: ReadLimits | None = None):
    return build_article(name.rsplit(".", 1)[0], name, read_document(name, data, limits))


def passage_texts(name: str, body: str) -> list[str]:
    return [p.text for p in article_of(name, page(body)).article.passages]


def page(body: str, head: str = "<title>A page</title>") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_news_page_gives_the_article_text_each_paragraph_once_without_furniture():
    parsed = article_of("news.html", NEWS.read_bytes())
    texts = [p.text for p in parsed.article.passages]
    everything = "\n".join(texts)
    for paragraph in NEWS_PARAGRAPHS + NEWS_HEADINGS:
        assert everything.count(paragraph) == 1, paragraph
    for junk in NEWS_JUNK:
        assert not re.search(rf"(?<!\w){re.escape(junk)}(?!\w)", everything, re.IGNORECASE), junk
    assert parsed.warnings == []


def test_news_page_footnotes_are_linked_to_the_passages_citing_them():
    article = article_of("news.html", NEWS.read_bytes()).article
    assert {f.marker: f.source for f in article.footnotes} == NEWS_NOTES
    for marker, source in NEWS_NOTES.items():
        citing = [p for p in article.passages if f"[{marker}]" in p.text]
        assert len(citing) == 1, marker
        assert [(f.marker, f.source) for f in citing[0].footnotes] == [(marker, source)]
    assert not any("Hexley Parish MS 14" in p.text for p in article.passages)  # the notes list is no passage


def test_news_page_metadata():
    article = article_of("news.html", NEWS.read_bytes()).article
    assert (article.title, article.author, article.date, article.publication, article.language) == (
        "How a river town saved its medieval library",
        "Margaret Ellison",
        "2021-04-12",
        "The Northern Ledger",
        "en",
    )
    assert article.url == "https://www.northernledger.example/culture/2021/apr/12/hexley-medieval-library"
    assert not article.passages[0].text.startswith(article.title)  # the headline is the title, not text


WIKI_JUNK = [
    "Jump to content",
    "Main page",
    "Search Wikipedia",
    "Create account",
    "Log in",
    "98 languages",
    "View history",
    "Talk",
    "From Wikipedia",
    "For other uses",
    "disambiguation",
    "Inventor",
    "craftsmen",
    "edit",
    "[",
    "]",
    "page of the Gutenberg Bible, c.",
    "See also",
    "History of printing",
    "References",
    "Cambridge University Press",
    "External links",
    "in pictures",
    "Letterpress",
    "Retrieved from",
    "Categories",
    "German inventions",
    "last edited",
    "Creative Commons",
    "About Wikipedia",
    "^",
]


def test_wikipedia_page_paragraphs_once_and_no_furniture():
    parsed = article_of("printing_press.html", wikipedia_page().encode())
    everything = "\n".join(p.text for p in parsed.article.passages)
    for paragraph in wiki_paragraph_texts():
        assert everything.count(paragraph) == 1, paragraph[:60]
    for heading in ("Precursors", "Gutenberg's press", "Social effects", "Industrial presses", "Modern printing"):
        assert everything.count(heading + "\n") == 1, heading
    without_markers = re.sub(r"\[\d+\]", "", everything)
    for junk in WIKI_JUNK:
        assert not re.search(rf"(?<!\w){re.escape(junk)}(?!\w)", without_markers), junk
    assert parsed.warnings == []


def test_wikipedia_references_all_forty_linked_where_cited():
    article = article_of("printing_press.html", wikipedia_page().encode()).article
    names = wiki_reference_names()
    assert [(f.marker, f.source) for f in article.footnotes] == [
        (str(n), wiki_reference_text(name)) for n, name in enumerate(names, 1)
    ]
    cited_somewhere: set[str] = set()
    for passage in article.passages:
        markers = list(dict.fromkeys(re.findall(r"\[(\d+)\]", passage.text)))
        assert [f.marker for f in passage.footnotes] == markers
        cited_somewhere.update(markers)
    assert len(cited_somewhere) == WIKI_REFERENCE_COUNT
    # A named reference cited in three paragraphs is linked from each of them.
    eisen = str(names.index("eisen") + 1)
    assert sum(eisen in [f.marker for f in p.footnotes] for p in article.passages) == 3


def test_wikipedia_metadata_takes_the_site_off_the_title():
    article = article_of("printing_press.html", wikipedia_page().encode()).article
    assert (article.title, article.publication, article.url, article.date, article.language) == (
        "Printing press",
        "Wikipedia",
        "https://en.wikipedia.org/wiki/Printing_press",
        "2001-09-27",
        "en",
    )


BODY = "<p>The harbour was rebuilt in stone after the storm of 1703, at the town's own charge.{ref} It stood.</p>"
NOTE = "Town accounts, 1704, folio 12."
FOOTNOTE_STYLES = {
    "pandoc": (
        BODY.format(ref='<sup><a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref">1</a></sup>')
        + f'<section class="footnotes" role="doc-endnotes"><hr><ol><li id="fn1"><p>{NOTE}'
        '<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li></ol></section>'
    ),
    "kramdown": (
        BODY.format(ref='<sup id="fnref:1" role="doc-noteref"><a href="#fn:1" class="footnote">1</a></sup>')
        + f'<div class="footnotes" role="doc-endnotes"><ol><li id="fn:1" role="doc-endnote"><p>{NOTE}&#160;'
        '<a href="#fnref:1" class="reversefootnote" role="doc-backlink">&#8617;</a></p></li></ol></div>'
    ),
    "doc-footnote aside": (
        BODY.format(ref='<a role="doc-noteref" href="#n1">[1]</a>')
        + f'<aside role="doc-footnote" id="n1"><p>1. {NOTE}</p></aside>'
    ),
    "epub noteref": (
        BODY.format(ref='<a epub:type="noteref" href="#note-1">1</a>')
        + f'<aside epub:type="footnote" id="note-1"><p>{NOTE}</p></aside>'
    ),
    "word export": (
        BODY.format(ref='<a href="#_ftn1" name="_ftnref1" title=""><span class="MsoFootnoteReference">[1]</span></a>')
        + '<div style="mso-element:footnote-list"><div style="mso-element:footnote" id="ftn1">'
        + f'<p class="MsoFootnoteText">'
        f'<a href="#_ftnref1" name="_ftn1" title="">[1]</a> {NOTE}</p></div></div>'
    ),
    "substack": (
        BODY.format(ref='<a class="footnote-anchor" id="footnote-anchor-1" href="#footnote-1">1</a>')
        + '<div class="footnote"><a class="footnote-number" id="footnote-1" href="#footnote-anchor-1">1</a>'
        f'<div class="footnote-content"><p>{NOTE}</p></div></div>'
    ),
    "plain sup link": (
        BODY.format(ref='<sup><a href="#note1">1</a></sup>')
        + f'<h2>Notes</h2><p id="note1"><a href="#top">1</a> {NOTE}</p>'
    ),
}


@pytest.mark.parametrize("style", FOOTNOTE_STYLES)
def test_footnote_styles_are_linked(style):
    parsed = article_of("harbour.html", page(FOOTNOTE_STYLES[style]))
    [passage] = parsed.article.passages
    assert (
        passage.text
        == "The harbour was rebuilt in stone after the storm of 1703, at the town's own charge.[1] It stood."
    )
    assert [(f.marker, f.source) for f in passage.footnotes] == [("1", NOTE)]
    assert parsed.warnings == []


def test_a_notes_heading_leaves_with_its_notes_even_mid_page():
    body = (
        FOOTNOTE_STYLES["plain sup link"]
        + "<h2>Afterword</h2><p>The harbour was extended again in 1850, when the railway reached the town.</p>"
    )
    texts = passage_texts("harbour.html", body)
    assert texts[1] == "Afterword\nThe harbour was extended again in 1850, when the railway reached the town."
    assert not any("Notes" in t or NOTE in t for t in texts)


def test_xhtml_with_noterefs_and_self_closing_anchors():
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="de">'
        "<head><title>Der Hafen</title></head><body><section><h1>Der Hafen</h1>"
        '<p><a id="page12"/>Der Hafen wurde nach dem Sturm von 1703 aus Stein wieder aufgebaut.'
        '<a epub:type="noteref" href="#n1">1</a> Er steht noch.</p>'
        '<aside epub:type="footnote" id="n1"><p>Stadtrechnungen, 1704.</p></aside></section></body></html>'
    )
    article = article_of("hafen.xhtml", xhtml.encode()).article
    assert (article.title, article.language) == ("Der Hafen", "de")
    [passage] = article.passages
    assert passage.text == "Der Hafen wurde nach dem Sturm von 1703 aus Stein wieder aufgebaut.[1] Er steht noch."
    assert [(f.marker, f.source) for f in passage.footnotes] == [("1", "Stadtrechnungen, 1704.")]


@pytest.mark.parametrize(
    ("head", "title", "publication"),
    [
        (
            '<title>The long tide - Harbour Notes</title><meta property="og:site_name" content="Harbour Notes">',
            "The long tide",
            "Harbour Notes",
        ),
        (
            '<title>Harbour Notes | The long tide</title><meta property="og:site_name" content="Harbour Notes">',
            "The long tide",
            "Harbour Notes",
        ),
        ("<title>The long tide | Harbour Notes</title>", "The long tide", "Harbour Notes"),  # the <h1> repeats it
        ("<title>Tides - a history</title>", "Tides - a history", None),  # nothing shows a site: kept whole
    ],
)
def test_title_loses_the_site_name_only_when_the_page_shows_it(head, title, publication):
    h1 = "The long tide" if "long tide" in head else "How the tides were measured"
    body = f"<h1>{h1}</h1><p>{'Water came in twice a day and went out again, as it always had. ' * 3}</p>"
    article = article_of("tide.html", page(body, head)).article
    assert (article.title, article.publication) == (title, publication)


def test_json_ld_metadata_when_the_head_has_no_meta():
    head = (
        '<title>x</title><script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Site"}, {"@type": ["NewsArticle"], "headline": "Storm season",'
        ' "author": [{"name": "Ana Ruiz"}, {"name": "Li Wei"}], "datePublished": "2019-11-09",'
        ' "publisher": {"name": "Coast Daily"}}]}</script>'
    )
    body = "<p>Storms come in autumn and stay until the spring, every year the same way as before.</p>"
    article = article_of("storm.html", page(body, head)).article
    assert (article.title, article.author, article.date, article.publication) == (
        "Storm season",
        "Ana Ruiz, Li Wei",
        "2019-11-09",
        "Coast Daily",
    )


def test_declared_and_undeclared_single_byte_charsets():
    text = "<p>Caf\u00e9 culture in the harbour town grew after the war, with \u201cgood\u201d coffee.</p>"
    declared = page(text, '<meta charset="windows-1252"><title>Caf\u00e9</title>').decode().encode("cp1252")
    parsed = article_of("cafe.html", declared)
    assert parsed.article.passages[0].text == "Café culture in the harbour town grew after the war, with “good” coffee."
    assert parsed.warnings == []
    undeclared = page(text).decode().encode("cp1252")
    parsed = article_of("cafe.html", undeclared)
    assert parsed.article.passages[0].text.startswith("Café culture")
    assert any("Windows-1252" in w for w in parsed.warnings)
    utf16 = page(text).decode().encode("utf-16")  # with its byte-order mark, as Windows saves it
    assert article_of("cafe.html", utf16).article.passages[0].text.startswith("Café culture")


# Hostile pages ----------------------------------------------------------------------------------------


def test_page_over_the_size_limit_is_refused_naming_the_limit():
    data = page("<p>" + "word " * 1000 + "</p>")
    with pytest.raises(SkipFile, match=r"over the size limit.*1,000 bytes"):
        read_document("big.html", data, ReadLimits(max_bytes=1000))


def test_text_past_max_text_chars_is_cut_with_a_warning():
    body = "".join(f"<p>Paragraph {i} is about the harbour and nothing else at all.</p>" for i in range(200))
    document = read_document("long.html", page(body), ReadLimits(max_text_chars=1000))
    assert 0 < sum(len(b.text) for b in document.blocks) <= 1000
    assert any("1,000 characters" in w for w in document.warnings)


def test_deeply_nested_markup_is_read_up_to_the_parser_cap_with_a_warning():
    top = "<p>" + "Near the top of the page, before the deep part. " * 3 + "</p>"
    data = page(top + "<div>" * 100_000 + "<p>Too deep to read.</p>" + "</div>" * 100_000)
    document = read_document("deep.html", data)
    assert document.blocks[0].text.startswith("Near the top of the page")
    assert any("nested deeper than 255 levels" in w for w in document.warnings)


def test_entities_are_never_expanded_or_fetched():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Laughs: &c; and a file: &xxe; end of the story, '
        "as it was told by the harbour master.</p></body></html>"
    )
    for name in ("laughs.xhtml", "laughs.html"):
        text = " ".join(b.text for b in read_document(name, laughs.encode()).blocks)
        assert "haha" not in text and "root:" not in text and "]>" not in text
        assert "harbour master" in text


def test_control_characters_and_bad_numeric_entities_never_reach_the_text():
    body = "<p>Tide tables &#0; &#1; &#xD800; &#1114112; \x07 for the whole harbour, printed yearly.</p>"
    text = read_document("t.html", page(body)).blocks[0].text
    assert not any(ord(c) < 32 for c in text)
    assert text.startswith("Tide tables") and text.endswith("printed yearly.")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x00\x00",
        bytes(range(256)) * 4,
        b"Just a plain note with no markup at all.",
    ],
)
def test_a_file_whose_name_lies_is_refused_by_sniffing(data):
    with pytest.raises(SkipFile, match="its name says HTML"):
        read_document("report.html", data)


@pytest.mark.parametrize(
    "body", ["", "<nav><a href='/'>Home</a></nav><script>var x = 1;</script>", "<form><input name=q></form>"]
)
def test_a_page_without_article_text_is_skipped_with_a_reason(body):
    with pytest.raises(SkipFile, match="no article text|empty web page"):
        read_document("empty.html", page(body))


def test_without_article_markup_the_best_scored_container_is_the_text():
    story = "".join(
        f"<p>In {1700 + i}, the harbour master wrote that the tide had risen higher than in any year before, "
        f"and that the town, once again, had paid for the repairs itself.</p>"
        for i in range(4)
    )
    teasers = "".join(
        f'<div class="x{i}"><a href="/s/{i}">Storm story {i}</a><span>2 min</span></div>' for i in range(6)
    )
    body = f'<div id="wrap"><div id="c1">{story}</div><div id="c2"><b>Elsewhere</b>{teasers}</div></div>'
    everything = " ".join(passage_texts("harbour.html", body))
    assert everything.count("the harbour master wrote") == 4
    assert "Storm story" not in everything and "Elsewhere" not in everything and "2 min" not in everything


def test_documentation_pages_keep_headings_and_definition_terms():
    body = (
        '<div class="body"><h2>Menus<a class="headerlink" href="#menus" title="Permalink">¶</a></h2>'
        "<p>IDLE has two main window types, the Shell window and the Editor window, and menus for both.</p>"
        '<h2 id="context"><a class="header" href="#context">Context menus</a></h2>'
        "<p>Open a context menu by right-clicking in a window; it has the standard clipboard functions.</p>"
        "<dl><dt>Cut</dt><dd>Copy the selection into the system-wide clipboard, then delete the selection.</dd></dl>"
        "</div>"
    )
    assert passage_texts("idle.html", body) == [
        "Menus\nIDLE has two main window types, the Shell window and the Editor window, and menus for both.",
        "Context menus\nOpen a context menu by right-clicking in a window; it has the standard clipboard functions.",
        "Cut\nCopy the selection into the system-wide clipboard, then delete the selection.",
    ]


def test_old_pages_with_line_breaks_and_layout_tables():
    body = (
        '<table width="100%"><tr><td width="20%"><a href="/">Home</a><br><a href="/links">Links</a></td><td>'
        "<font size=2>The mill on the river was built in 1820 by the Ashworth family, who ran it for ninety years."
        "<br><br>After the flood of 1911 it was rebuilt higher up the bank, and it still stands there today."
        "</font></td></tr></table>"
    )
    assert passage_texts("mill.htm", body) == [
        "The mill on the river was built in 1820 by the Ashworth family, who ran it for ninety years.",
        "After the flood of 1911 it was rebuilt higher up the bank, and it still stands there today.",
    ]


def test_a_sentence_shaped_like_a_byline_and_a_lettered_item_c_stay_text():
    body = (
        "<article><h1>The strike</h1><p>By Jane Doe</p>"
        "<p>The miners walked out in spring, and the owners waited for them to come back.</p>"
        "<p>By October, the strike had spread to every pit in the valley.</p>"
        "<p>The treaty allowed three grounds for help:</p>"
        "<ul><li>(a) when a border is crossed by force;</li><li>(b) when a port is blockaded;</li>"
        "<li>(c) when a member state requests assistance after consultations have failed.</li></ul>"
        "<p>(c) 2024 The Ledger</p></article>"
    )
    texts = " ".join(passage_texts("strike.html", body))
    assert "By October, the strike had spread to every pit in the valley." in texts
    assert "(c) when a member state requests assistance" in texts
    assert "By Jane Doe" not in texts and "2024 The Ledger" not in texts


def test_a_byline_and_time_the_page_only_shows_are_its_author_and_date():
    body = (
        '<header><time datetime="2026-12-01">Today</time></header>'
        '<article><h1>Arctic lanes</h1><p class="byline">By <span class="author">Ingrid Solberg</span> · '
        '<time datetime="2023-09-14T08:30:00Z">September 14, 2023</time></p>'
        "<p>Shipping lanes in the Arctic open earlier each year as the sea ice retreats further north.</p>"
        "</article>"
    )
    a = article_of("news.html", page(body)).article
    assert (a.author, a.date) == ("Ingrid Solberg", "2023-09-14")
    meta = '<title>Arctic lanes</title><meta name="author" content="Desk Editor">'
    assert article_of("news.html", page(body, head=meta)).article.author == "Desk Editor"  # the page's meta wins
