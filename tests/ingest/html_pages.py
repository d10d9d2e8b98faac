# ruff: noqa: E501  (the page template keeps the long lines a saved page has)
"""Web pages for the HTML reader's tests, made like the real ones (a Wikipedia article with 40
references), and the text the reader must find in them."""

from __future__ import annotations

import random

# Each body paragraph of the Wikipedia-style page: sentences, the reference names they cite after them.
# A name cited in more than one place is a named reference (one entry, several back-links).
WIKI_PARAGRAPHS: list[list[tuple[str, list[str]]]] = [
    [
        (
            "A printing press is a mechanical device for applying pressure to an inked surface resting upon a print "
            "medium, thereby transferring the ink.",
            ["def"],
        ),
        (
            "It marked a dramatic improvement on earlier printing methods in which the cloth, paper or other medium "
            "was brushed or rubbed repeatedly to achieve the transfer of ink.",
            ["rub", "eisen"],
        ),
    ],
    [
        (
            "Johannes Gutenberg, a goldsmith from Mainz, developed a hand mould to create metal movable type around "
            "1440.",
            ["gut1", "mould"],
        ),
        ("He adapted screw presses already in use for pressing grapes and olives to the needs of printing.", ["screw"]),
        (
            "The combination of these elements made the mass production of books possible in Europe for the first "
            "time.",
            ["eisen"],
        ),
    ],
    [
        (
            "Earlier, printing from carved wooden blocks had spread across East Asia, and Bi Sheng had made movable "
            "type from baked clay in the eleventh century.",
            ["bi", "needham"],
        ),
        (
            "Korean printers cast bronze type in the thirteenth century, and the Jikji of 1377 is the oldest surviving "
            "book printed that way.",
            ["jikji"],
        ),
    ],
    [
        (
            "The Gutenberg Bible, finished in Mainz in about 1455, was printed in an edition of perhaps 180 copies.",
            ["bible", "copies"],
        ),
        ("About 49 copies survive, some on vellum and most on paper.", ["survive"]),
        ("Its quality convinced contemporaries that the new art could rival the work of scribes.", ["scribes"]),
    ],
    [
        (
            "Within a few decades printing spread from Mainz to more than two hundred cities in a dozen European "
            "countries.",
            ["spread", "febvre"],
        ),
        ("By 1500, presses across Western Europe had produced more than twenty million volumes.", ["volumes"]),
        (
            "Venice became the capital of the trade, with Aldus Manutius issuing small octavo editions of the "
            "classics.",
            ["venice", "aldus"],
        ),
    ],
    [
        (
            "The spread of printing changed how scholars worked, since identical copies allowed readers in different "
            "cities to cite the same page.",
            ["eisen", "cite"],
        ),
        ("Errors could now be corrected in a later edition rather than copied by every scribe.", ["errata"]),
    ],
    [
        (
            "The Protestant Reformation was among the first movements to use the press for mass persuasion.",
            ["ref1", "pettegree"],
        ),
        (
            "Martin Luther's pamphlets were reprinted in many towns at once, and his German translation of the New "
            "Testament sold thousands of copies within weeks.",
            ["luther", "nt"],
        ),
        (
            "Catholic authorities answered with printed works of their own and, in 1559, with an index of forbidden "
            "books.",
            ["index"],
        ),
    ],
    [
        (
            "Printing also standardised vernacular languages, as printers chose one spelling and one dialect for a "
            "whole market.",
            ["vernacular", "febvre"],
        ),
        ("William Caxton's editions did much to fix the forms of written English.", ["caxton"]),
    ],
    [
        ("The hand press changed little for three and a half centuries.", ["hand"]),
        (
            "In 1800 Lord Stanhope built a press entirely of cast iron, which needed less force and printed a larger "
            "sheet.",
            ["stanhope"],
        ),
        (
            "Friedrich Koenig's steam-powered cylinder press of 1814 could print more than a thousand sheets an hour.",
            ["koenig", "times"],
        ),
    ],
    [
        (
            "The rotary press, in which the type or plates are curved around a cylinder, made daily newspapers with "
            "large circulations possible.",
            ["rotary", "hoe"],
        ),
        ("Richard Hoe's machine of 1843 could produce millions of pages a day.", ["hoe"]),
        ("Cheap newspapers in turn widened the reading public and the market for advertising.", ["penny"]),
    ],
    [
        (
            "Literacy rose in the centuries after Gutenberg, though historians disagree about how much printing "
            "itself caused the rise.",
            ["literacy", "houston"],
        ),
        ("Printed primers and catechisms were used to teach reading in schools and homes.", ["primers"]),
    ],
    [
        (
            "Offset lithography, developed in the early twentieth century, transfers the inked image from a plate to "
            "a rubber blanket and then to paper.",
            ["offset", "rubel"],
        ),
        ("It remains the most common method for printing books and magazines in large runs.", ["rubel"]),
        ("Digital printing, which needs no plates at all, now serves short runs and printing on demand.", ["digital"]),
    ],
]
WIKI_REFERENCE_COUNT = 40
WIKI_LINKED = (  # words the page links to their own articles, as Wikipedia does
    "Johannes Gutenberg",
    "Mainz",
    "movable type",
    "screw presses",
    "Bi Sheng",
    "Jikji",
    "Gutenberg Bible",
    "vellum",
    "Venice",
    "Aldus Manutius",
    "Protestant Reformation",
    "Martin Luther",
    "New Testament",
    "William Caxton",
    "Lord Stanhope",
    "cast iron",
    "rotary press",
    "Richard Hoe",
    "Literacy",
    "catechisms",
    "Offset lithography",
    "Digital printing",
    "printing on demand",
)


def wiki_reference_names() -> list[str]:
    """The reference names in order of first citation (their numbers: 1, 2, …)."""
    return list(dict.fromkeys(n for para in WIKI_PARAGRAPHS for _, names in para for n in names))


def wiki_paragraph_texts() -> list[str]:
    """The body paragraphs as the reader should give them, with `[n]` where they cite."""
    number = {name: i for i, name in enumerate(wiki_reference_names(), 1)}
    return [" ".join(s + "".join(f"[{number[n]}]" for n in names) for s, names in para) for para in WIKI_PARAGRAPHS]


def wiki_reference_text(name: str) -> str:
    rng = random.Random(name)
    authors = ["Eisenstein, Elizabeth", "Febvre, Lucien", "Needham, Joseph", "Pettegree, Andrew", "Man, John"]
    return (
        f"{rng.choice(authors)} ({rng.randint(1958, 2015)}). The printing press, study of {name}. "
        f"Cambridge University Press. p. {rng.randint(3, 400)}."
    )


def _linked(sentence: str) -> str:
    for term in WIKI_LINKED:
        link = f'<a href="/wiki/{term.replace(" ", "_")}" title="{term}">{term}</a>'
        sentence = sentence.replace(term, link, 1)
    return sentence


def wikipedia_page() -> str:
    """An article saved from Wikipedia: the skin's menus, an infobox, edit links, a reflist, navboxes."""
    names = wiki_reference_names()
    assert len(names) == WIKI_REFERENCE_COUNT, len(names)
    number = {name: i for i, name in enumerate(names, 1)}
    uses: dict[str, int] = {}

    def ref(name: str) -> str:
        n, use = number[name], uses.get(name, 0)
        uses[name] = use + 1
        return (
            f'<sup id="cite_ref-{name}_{n}-{use}" class="reference"><a href="#cite_note-{name}-{n}">'
            f'<span class="cite-bracket">&#91;</span>{n}<span class="cite-bracket">&#93;</span></a></sup>'
        )

    def heading(title: str) -> str:
        anchor = title.replace(" ", "_")
        return (
            f'<div class="mw-heading mw-heading2"><h2 id="{anchor}">{title}</h2><span class="mw-editsection">'
            f'<span class="mw-editsection-bracket">[</span><a href="/w/index.php?title=Printing_press&amp;'
            f'action=edit&amp;section=1" title="Edit section: {title}"><span>edit</span></a>'
            f'<span class="mw-editsection-bracket">]</span></span></div>'
        )

    body = []
    sections = {
        0: None,
        2: "Precursors",
        3: "Gutenberg's press",
        6: "Social effects",
        8: "Industrial presses",
        11: "Modern printing",
    }
    for index, para in enumerate(WIKI_PARAGRAPHS):
        if sections.get(index):
            body.append(heading(sections[index]))
        if index == 3:
            body.append(
                '<figure typeof="mw:File/Thumb"><a href="/wiki/File:Bible.jpg"><img src="b.jpg" alt="">'
                "</a><figcaption>A page of the Gutenberg Bible, c.&#160;1455</figcaption></figure>"
            )
        sentences = " ".join(f"{_linked(s)}{''.join(ref(n) for n in names)}" for s, names in para)
        body.append(f"<p>{sentences}\n</p>")
    items = []
    for name in names:
        n, count = number[name], uses[name]
        if count == 1:
            back = f'<b><a href="#cite_ref-{name}_{n}-0">^</a></b>'
        else:
            letters = " ".join(
                f'<a href="#cite_ref-{name}_{n}-{u}"><sup><i><b>{chr(97 + u)}</b></i></sup></a>' for u in range(count)
            )
            back = f"^ {letters}"
        items.append(
            f'<li id="cite_note-{name}-{n}"><span class="mw-cite-backlink">{back}</span> '
            f'<span class="reference-text"><cite class="citation book cs1">{wiki_reference_text(name)}'
            f'</cite><span title="ctx_ver=Z39.88-2004" class="Z3988"></span></span></li>'
        )
    return f"""<!DOCTYPE html>
<html class="client-nojs vector-feature-language-in-header-enabled" lang="en" dir="ltr">
<head>
<meta charset="UTF-8">
<title>Printing press - Wikipedia</title>
<script>(function(){{var className="client-js";}}());</script>
<meta property="og:title" content="Printing press - Wikipedia">
<meta property="og:type" content="website">
<link rel="canonical" href="https://en.wikipedia.org/wiki/Printing_press">
<script type="application/ld+json">{{"@context":"https:\\/\\/schema.org","@type":"Article","name":"Printing press",
"url":"https:\\/\\/en.wikipedia.org\\/wiki\\/Printing_press","author":{{"@type":"Organization",
"name":"Contributors to Wikimedia projects"}},"publisher":{{"@type":"Organization","name":"Wikimedia Foundation, Inc."}},
"datePublished":"2001-09-27T14:32:41Z","dateModified":"2024-03-03T10:12:00Z",
"headline":"mechanical device for applying pressure to an inked surface"}}</script>
</head>
<body class="skin-vector skin-vector-search-vue mediawiki ltr sitedir-ltr ns-0 ns-subject page-Printing_press">
<a class="mw-jump-link" href="#bodyContent">Jump to content</a>
<div class="vector-header-container"><header class="vector-header mw-header">
<nav class="vector-main-menu-landmark" aria-label="Site"><ul><li><a href="/wiki/Main_Page">Main page</a></li>
<li><a href="/wiki/Portal:Contents">Contents</a></li><li><a href="/wiki/Portal:Current_events">Current events</a></li>
</ul></nav>
<div id="p-search" role="search" class="vector-search-box"><form action="/w/index.php"><input type="search"
 name="search" placeholder="Search Wikipedia"><button>Search</button></form></div>
<div class="vector-user-links"><a href="/w/index.php?title=Special:CreateAccount">Create account</a>
<a href="/w/index.php?title=Special:UserLogin">Log in</a></div>
</header></div>
<div class="mw-page-container"><div class="mw-page-container-inner">
<div class="vector-sitenotice-container"><div id="siteNotice"></div></div>
<div class="mw-content-container"><main id="content" class="mw-body">
<header class="mw-body-header vector-page-titlebar">
<h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">Printing press</span></h1>
<div id="p-lang-btn" class="vector-dropdown mw-portlet mw-portlet-lang"><span>98 languages</span></div>
</header>
<div class="vector-page-toolbar"><ul><li><a href="/wiki/Printing_press">Article</a></li>
<li><a href="/wiki/Talk:Printing_press">Talk</a></li><li><a href="#">Read</a></li><li><a href="#">Edit</a></li>
<li><a href="#">View history</a></li></ul></div>
<div id="bodyContent" class="vector-body">
<div id="siteSub" class="noprint">From Wikipedia, the free encyclopedia</div>
<div id="mw-content-text" class="mw-body-content"><div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">
<div class="shortdescription nomobile noexcerpt noprint searchaux" style="display:none">Mechanical device for applying pressure</div>
<div role="note" class="hatnote navigation-not-searchable">For other uses, see <a href="/wiki/Printing_press_(disambiguation)">Printing press (disambiguation)</a>.</div>
<table class="infobox"><tbody><tr><th colspan="2" class="infobox-above">Printing press</th></tr>
<tr><th class="infobox-label">Inventor</th><td class="infobox-data">Johannes Gutenberg and many craftsmen before and after him</td></tr>
<tr><th class="infobox-label">Introduced</th><td class="infobox-data">around 1440 in the city of Mainz, in the Holy Roman Empire</td></tr></tbody></table>
{body[0] if not body[0].startswith("<div") else ""}
<meta property="mw:PageProp/toc">
{chr(10).join(body[1:])}
{heading("See also")}
<ul><li><a href="/wiki/Movable_type">Movable type</a></li><li><a href="/wiki/Printing">Printing</a></li>
<li><a href="/wiki/History_of_printing">History of printing</a></li></ul>
{heading("References")}
<style data-mw-deduplicate="TemplateStyles:r1">.mw-parser-output .reflist{{margin-bottom:0.5em}}</style>
<div class="reflist reflist-columns references-column-width"><ol class="references">
{chr(10).join(items)}
</ol></div>
{heading("External links")}
<ul><li><a rel="nofollow" class="external text" href="https://archive.example/press">The printing press in pictures</a></li></ul>
<div role="navigation" class="navbox" aria-labelledby="Printing"><table class="nowraplinks"><tbody>
<tr><th class="navbox-title">Printing</th></tr><tr><td class="navbox-list"><a href="/wiki/Letterpress">Letterpress</a> ·
<a href="/wiki/Intaglio">Intaglio</a> · <a href="/wiki/Lithography">Lithography</a></td></tr></tbody></table></div>
</div></div>
<div class="printfooter" data-nosnippet="">Retrieved from "<a dir="ltr" href="https://en.wikipedia.org/w/index.php?title=Printing_press&amp;oldid=1">https://en.wikipedia.org/w/index.php?title=Printing_press&amp;oldid=1</a>"</div>
<div id="catlinks" class="catlinks" data-mw="interface"><div id="mw-normal-catlinks" class="mw-normal-catlinks">
<a href="/wiki/Help:Category">Categories</a>: <ul><li><a href="/wiki/Category:Printing">Printing</a></li>
<li><a href="/wiki/Category:German_inventions">German inventions</a></li></ul></div></div>
</div></main></div></div></div>
<footer id="footer" class="mw-footer" role="contentinfo"><ul id="footer-info">
<li id="footer-info-lastmod"> This page was last edited on 3 March 2024, at 10:12<span class="anonymous-show">&#160;(UTC)</span>.</li>
<li id="footer-info-copyright">Text is available under the <a rel="license" href="//creativecommons.org/licenses/by-sa/4.0/">Creative Commons Attribution-ShareAlike License 4.0</a>; additional terms may apply.</li>
</ul><ul id="footer-places"><li><a href="/wiki/Privacy">Privacy policy</a></li><li><a href="/wiki/About">About Wikipedia</a></li></ul></footer>
</body></html>
"""
