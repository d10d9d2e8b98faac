"""Markdown: front matter is metadata, markdown syntax never reaches a passage or a quote, named
footnotes keep one marker everywhere."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.models import Corpus
from bot.ingest import SkipFile, build_article
from bot.ingest.document import ReadLimits
from bot.ingest.formats.markdown import MarkdownReader, inline_plain
from bot.library import load_corpus

ESSAY = """---
title: "Print and the Reformation"
author:
  - Ann Wilson
  - Bob Roe
date: 2019-11-09
tags: [history, print]
layout: post
---

# Print and the Reformation

By Someone Else

## Luther's pamphlets

Andrew Pettegree's *Brand Luther* argues that **printing** made Martin Luther famous[^wilson2009].
The _Ninety-five Theses_ reached [Wittenberg's printers](https://example.org/wittenberg "Printers") within weeks.

![A woodcut of the press](woodcut.png)

> Whoever reads these pamphlets will see how cheaply the printers
> sold them in every market town.

The pamphlets were short, cheap and written in German[^2], and they sold:

- in Wittenberg, by the thousand
- in Leipzig and Augsburg, in reprints
* in the Swiss towns, through Froben

```
print_run = 1_000 * towns
```

## The printers' profits

Printers paid for the paper themselves and kept the profits[^3]; a \\*reprint\\* cost them nothing but paper.

## Notes

[^wilson2009]: Wilson, *Print Culture in the Reformation* (Oxford, 2009), p. 12.
[^2]: Ibid., p. 40.
[^3]: Roe, [The Economics of Print](https://example.org/roe), p. 7.
    Quoted from the second edition.
"""

BODY = [
    "Andrew Pettegree's Brand Luther argues that printing made Martin Luther famous[wilson2009]. "
    "The Ninety-five Theses reached Wittenberg's printers within weeks.",
    "Whoever reads these pamphlets will see how cheaply the printers sold them in every market town.",
    "The pamphlets were short, cheap and written in German[2], and they sold:",
    "print_run = 1_000 * towns",
    "Printers paid for the paper themselves and kept the profits[3]; a *reprint* cost them nothing but paper.",
]
MARKDOWN_SYNTAX = re.compile(r"^#|^\s*[-*+>] |\*\*|\]\(|!\[|\[\^|(?<!\w)_\w[^_]*_(?!\w)|^---", re.MULTILINE)


def _parse(text: str = ESSAY):
    return build_article("essay", "essay.md", MarkdownReader().read(text.encode(), ReadLimits()))


def test_front_matter_is_metadata_and_never_text():
    parsed = _parse()
    article = parsed.article
    assert (article.title, article.author) == ("Print and the Reformation", "Ann Wilson, Bob Roe")
    assert article.date == "2019-11-09"
    everything = "\n".join(p.text for p in article.passages)
    for leaked in ("layout", "tags", "history, print", "2019-11-09", "Someone Else", "---"):
        assert leaked not in everything
    assert parsed.warnings == []


def test_no_markdown_syntax_in_any_passage_and_each_paragraph_once():
    passages = [p.text for p in _parse().article.passages]
    for text in passages:
        assert not MARKDOWN_SYNTAX.search(text.replace("print_run = 1_000 * towns", "")), text
    everything = "\n".join(passages)
    for paragraph in BODY:
        assert everything.count(paragraph) == 1, paragraph
    assert "woodcut" not in everything  # images are not text
    assert passages[0].startswith("Luther's pamphlets\nAndrew Pettegree's Brand Luther")  # heading, hashes gone
    assert not any(t.strip() == "Notes" or t.startswith("Notes\n") for t in passages)


def test_named_footnotes_are_linked_with_one_marker_in_text_and_sources():
    article = _parse().article
    assert [f.marker for f in article.footnotes] == ["wilson2009", "2", "3"]
    by_first_words = {p.text.split("\n")[-1][:20]: p for p in article.passages}
    first = by_first_words["Andrew Pettegree's B"]
    assert "[wilson2009]" in first.text
    assert [(f.marker, f.source) for f in first.footnotes] == [
        ("wilson2009", "Wilson, Print Culture in the Reformation (Oxford, 2009), p. 12.")
    ]
    german = next(p for p in article.passages if p.text.startswith("The pamphlets were s"))
    listed = "in Wittenberg, by the thousand in Leipzig and Augsburg, in reprints in the Swiss towns, through Froben"
    assert f"they sold:\n{listed}" in german.text  # the list it leads in to, with it
    assert [(f.marker, f.source, f.ibid_of) for f in german.footnotes] == [
        ("2", "Wilson, Print Culture in the Reformation (Oxford, 2009), p. 40.", "wilson2009")
    ]
    profits = by_first_words["Printers paid for th"]
    assert profits.footnotes[0].source == (
        "Roe, The Economics of Print (https://example.org/roe), p. 7. Quoted from the second edition.")  # fmt: skip


@pytest.mark.parametrize("refs", ["[^1][^2]", "[^1] [^2]", "[^a][^b][^c]"])
def test_footnote_references_side_by_side_each_cite_their_note(refs):
    markers = re.findall(r"\^(\w+)", refs)
    notes = "".join(f"[^{m}]: Source {m}.\n" for m in markers)
    article = _parse(f"# T\n\nFirst claim{refs} and more.\n\n{notes}").article
    (passage,) = article.passages
    assert passage.text == f"First claim{refs.replace('^', '')} and more."
    assert [f.source for f in passage.footnotes] == [f"Source {m}." for m in markers]


def test_the_quote_a_user_sees_carries_no_markdown_and_the_listed_marker():
    article = _parse().article
    answer = Engine(Corpus((article,))).ask("Which book argues that printing made Luther famous?")
    top = answer.excerpts[0]
    assert "Brand Luther" in top.quote and "*Brand Luther*" not in top.quote
    assert "## " not in top.quote and "[^" not in top.quote
    assert "[wilson2009]" in top.quote and [f.marker for f in top.passage.footnotes] == ["wilson2009"]


@pytest.mark.parametrize("title", ["[unclosed", "!!int three"])  # bad syntax; a value its tag cannot make
def test_broken_front_matter_is_dropped_with_a_warning_naming_the_line(title):
    parsed = _parse(f"---\ntitle: {title}\nauthor: X\n---\n\nThe body of the essay says something.\n")
    assert any(w.startswith("front matter is not valid YAML (line ") for w in parsed.warnings), parsed.warnings
    assert [p.text for p in parsed.article.passages] == ["The body of the essay says something."]


def test_a_front_matter_date_that_is_no_day_is_named_and_the_rest_is_read(tmp_path):
    """PyYAML's constructor raised on the unquoted 2020-02-30, and the whole file was skipped."""
    (tmp_path / "capybara.md").write_text(
        "---\ntitle: Front Matter Title\nauthor: Ann Writer\ndate: 2020-02-30\n---\n\n# Heading\n\n"
        "The capybara is the largest rodent.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert [str(w) for w in corpus.warnings] == ["capybara.md: front matter date: '2020-02-30' is not a date; ignored"]
    article = corpus.article("capybara")
    assert (article.title, article.author, article.date) == ("Front Matter Title", "Ann Writer", None)
    assert Engine(corpus).ask("What is the largest rodent?").excerpts[0].article.id == "capybara"


def test_a_rule_at_the_top_is_no_front_matter():
    parsed = _parse("---\n\nThe essay opens after a rule and says something.\n\n---\n\nA second paragraph follows.\n")
    assert [p.text for p in parsed.article.passages] == [
        "The essay opens after a rule and says something.",
        "A second paragraph follows.",
    ]


def test_a_named_reference_without_definition_is_warned_about():
    parsed = _parse("Title\n\nA claim cites a missing note[^nowhere] and keeps its text.\n")
    assert "footnote marker [nowhere] has no entry in the notes list" in parsed.warnings


def test_raw_html_scripts_and_styles_are_never_text():
    parsed = _parse(
        "Title\n\nBefore the script.\n\n<script>alert(1)</script>\n\n"
        "<STYLE type=\"text/css\">\np {color: red}\n</STYLE>\n\nAfter it, <b>bold</b> words.\n"
    )
    assert [p.text for p in parsed.article.passages] == ["Before the script.", "After it, bold words."]


def test_inline_markdown_becomes_plain_words():
    plain = inline_plain("**bold** and *em* and _under_ and `code` and ~~gone~~")
    assert plain == "bold and em and under and code and gone"
    assert inline_plain("snake_case_name stays, 2 * 3 * 4 stays") == "snake_case_name stays, 2 * 3 * 4 stays"
    assert inline_plain("[a link](http://x.org/a_(b)) and <https://y.org> and <b>tag</b>") == (
        "a link and https://y.org and tag"
    )
    assert inline_plain(r"an escaped \*star\* and a [^Note-1] marker") == "an escaped *star* and a [note-1] marker"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #*_-[]^:()!>`~|\n\n---yaml: x\t1.")), max_size=300))
def test_any_markdown_is_read_or_skipped_never_crashes(text: str):
    try:
        document = MarkdownReader().read(text.encode(), ReadLimits())
    except SkipFile:
        return
    for passage in build_article("x", "x.md", document).article.passages:
        assert passage.text.strip() == passage.text and passage.text


def test_a_byline_with_by_in_bold_is_the_author():
    parsed = _parse("# A Title\n\n**By** Jane Smith\n\nThe body of the essay begins here and says something.\n")
    assert parsed.article.author == "Jane Smith"
    assert parsed.article.passages[0].text.startswith("The body")


def test_a_footnote_keeps_the_address_of_the_source_it_links():
    text = ("# Bees\n\nBees choose a new home by a vote.[^1] Scouts dance for sites.[^2]\n\n"
            "[^1]: Seeley, [Honeybee Democracy](https://press.princeton.edu/books/honeybee) (Princeton, 2010), p. 4.\n"
            "[^2]: See <https://example.org/dance> and [https://example.org/x](https://example.org/x).\n")  # fmt: skip
    notes = {f.marker: f.source for f in _parse(text).article.footnotes}
    address = "https://press.princeton.edu/books/honeybee"
    assert notes["1"] == f"Seeley, Honeybee Democracy ({address}) (Princeton, 2010), p. 4."
    assert notes["2"] == "See https://example.org/dance and https://example.org/x."  # an address shown once
    body = " ".join(p.text for p in _parse(text).article.passages)
    assert "https" not in body  # the text keeps a link's words only
