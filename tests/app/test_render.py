"""What a reader sees of answers and sources, and that it always fits Discord and never pings."""

from __future__ import annotations

import re

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import render
from bot.core.models import Answer, Article, Excerpt, Footnote, FootnoteLookup, Passage, PassageLookup

# ---------------------------------------------------------------- builders

DOD = Footnote("ii", "U.S. Department of Defense, Annual Report to Congress (2023), https://www.defense.gov/a_b")
IBID = Footnote("iii", DOD.source, ibid_of="ii")


def article(article_id="kaplan", title="The Pacific Balance", author="R. Kaplan", date="2021-05-04", **kw):
    return Article(id=article_id, path=f"{article_id}.txt", title=title, author=author, date=date, **kw)


def passage(art: Article, ordinal=1, paragraph=3, text="Deterrence rests on credible forces.", footnotes=()):
    return Passage(
        id=f"{art.id}:{ordinal}",
        article_id=art.id,
        ordinal=ordinal,
        paragraph=paragraph,
        text=text,
        footnotes=tuple(footnotes),
    )


def excerpt(rank, art, psg, quote=None, highlights=()):
    return Excerpt(rank, 10.0 - rank, psg, art, psg.text if quote is None else quote, tuple(highlights))


def answer(question, excerpts, *, weak=False, unknown=()):
    return Answer(question, True, weak, ("deterr",), tuple(unknown), tuple(excerpts))


def texts(embed: discord.Embed, *, markdown_only: bool = False) -> list[str]:
    """The embed's text; ``markdown_only`` leaves out footer and author, which Discord shows verbatim."""
    out = [embed.title or "", embed.description or ""]
    if not markdown_only:
        out += [embed.footer.text or "", embed.author.name or ""]
    for field in embed.fields:
        out += [field.name or "", field.value or ""]
    return out


def assert_fits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= render.TITLE
    assert len(embed.description or "") <= render.DESCRIPTION
    assert len(embed.fields) <= render.FIELDS
    for field in embed.fields:
        assert 0 < len(field.name) <= render.FIELD_NAME
        assert 0 < len(field.value) <= render.FIELD_VALUE
    assert len(embed.footer.text or "") <= render.FOOTER
    assert len(embed.author.name or "") <= render.AUTHOR
    assert render.embed_size(embed) <= render.EMBED_TOTAL
    assert render.embed_size(embed) == len(embed)  # our count agrees with discord.py's


MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here", re.IGNORECASE)


_ESCAPED = re.compile(r"\\.", re.DOTALL)


def unescaped(text: str, chars: str) -> list[str]:
    """Markdown characters in ``text`` not preceded by an escaping backslash."""
    return [c for c in _ESCAPED.sub("", text) if c in chars]


def dangling_backslash(text: str) -> bool:
    """True when the text ends (before its "…") in a backslash that escapes nothing."""
    body = text[:-1] if text.endswith("…") else text
    run = len(body) - len(body.rstrip("\\"))
    return run % 2 == 1


# ---------------------------------------------------------------- answers a reader sees


def test_answer_embed_shows_question_articles_bold_matches_and_sources():
    kaplan = article()
    other = article("mearsheimer", "The Tragedy of Great Power Politics", "J. Mearsheimer", "2001-01-01")
    anonymous = article("memo", "A Staff Memo", author=None, date=None)
    p1 = passage(kaplan, 1, 3, "Deterrence rests on credible forces [ii] and alliances [iii].", (DOD, IBID))
    p2 = passage(other, 4, 7, "Great powers seek deterrence through hegemony.")
    p3 = passage(anonymous, 2, 2, "Deterrence *fails* when @everyone doubts resolve.")
    excerpts = [
        excerpt(1, kaplan, p1, highlights=[(0, 10)]),
        excerpt(2, other, p2, highlights=[(18, 28)]),
        excerpt(3, anonymous, p3, highlights=[(0, 10)]),
    ]
    ans = answer("What makes deterrence work?", excerpts)
    embed = render.answer_embed(ans, page=1, page_size=3, excerpts=excerpts)

    assert_fits(embed)
    assert embed.title == "What makes deterrence work?"
    names = [f.name for f in embed.fields]
    assert names[0] == "1. The Pacific Balance — R. Kaplan, 2021 · ¶3"
    assert names[1] == "2. The Tragedy of Great Power Politics — J. Mearsheimer, 2001 · ¶7"
    assert names[2].startswith("3. A Staff Memo") and names[2].endswith("¶2")
    values = [f.value for f in embed.fields]
    assert values[0].startswith("**Deterrence** rests on credible forces")
    assert "**deterrence**" in values[1]
    assert "\\[ii\\] U.S. Department of Defense, Annual Report to Congress (2023)" in values[0]
    assert "https://www.defense.gov/a_b" in values[0]  # links stay clickable
    assert "\\[iii\\] Ibid. = \\[ii\\] U.S. Department of Defense" in values[0]  # Ibidem resolved
    assert "\\*fails\\*" in values[2] and "@everyone" not in values[2]
    assert not embed.footer.text  # one page: no page count, and never an internal id
    assert embed.description is None  # a strong answer needs no warning


def test_weak_answer_and_unknown_words_are_said():
    art = article()
    psg = passage(art)
    exs = [excerpt(1, art, psg)]
    ans = answer("deterrence and flibbertigibbet", exs, weak=True, unknown=("flibbertigibbet",))
    embed = render.answer_embed(ans, page=1, page_size=5, excerpts=exs)
    assert "weak" in embed.description.lower() and "only some of the question's words" in embed.description
    assert "flibbertigibbet" in embed.footer.text
    assert_fits(embed)
    # every word is in the readings, but no passage holds enough of them: the reason says so
    together = render.answer_embed(answer("deterrence", exs, weak=True), page=1, page_size=5, excerpts=exs)
    assert "weak" in together.description.lower() and "only some" not in together.description
    assert "no passage" in together.description


def test_fifteen_long_excerpts_paged_five_at_a_time_fit():
    art = article(title="T" * 300, author="A" * 300)
    notes = tuple(Footnote(str(i), f"Source number {i}: " + "s" * 280) for i in range(1, 11))
    exs = []
    for rank in range(1, 16):
        psg = passage(art, rank, rank, "word *x* " * 150, notes)
        exs.append(excerpt(rank, art, psg, quote=("deterrence **" * 80)[:1000], highlights=[(0, 10), (13, 23)]))
    ans = answer("q" * 400, exs, weak=True, unknown=tuple("u" * 50 for _ in range(40)))
    for page in (1, 2, 3):
        shown = exs[(page - 1) * 5 : page * 5]
        embed = render.answer_embed(ans, page=page, page_size=5, excerpts=shown)
        assert_fits(embed)
        assert len(embed.fields) == 5
        assert [f.name.split(".")[0] for f in embed.fields] == [str(e.rank) for e in shown]
        assert f"page {page}/3" in embed.footer.text
        for field in embed.fields:
            assert "**deterrence**" in field.value  # the bold survives the shrinking
            assert "\\[1\\] Source number 1" in field.value  # and so does a source


def test_page_count_comes_from_the_whole_answer():
    art = article()
    exs = [excerpt(r, art, passage(art, r)) for r in range(1, 8)]
    embed = render.answer_embed(answer("q", exs), page=2, page_size=3, excerpts=exs[3:6])
    assert "page 2/3" in embed.footer.text


def test_unanswered_message_lists_unknown_words_escaped():
    ans = Answer("what is __zorp__?", False, False, (), ("__zorp__", "@everyone"), ())
    message = render.unanswered_message(ans)
    assert "do not answer" in message
    assert "\\_\\_zorp\\_\\_" in message
    assert "/source" in message
    assert not MENTION.search(message)
    many = Answer("q", False, False, (), tuple("w" * 100 + str(i) for i in range(500)), ())
    assert len(render.unanswered_message(many)) <= render.CONTENT


def test_an_article_the_question_names_is_shown_with_its_author_and_date():
    art = article(title="Rethinking the **Reset**", author="Andrei Tsygankov")
    unanswered = Answer("Who wrote Rethinking the Reset?", False, True, ("reset",), ("wrote", "rethinking"), (), (art,))
    message = render.unanswered_message(unanswered)
    assert message.startswith("No passage says it, but the reading list does:")  # the card answers it
    assert "do not answer" not in message and "wrote" not in message  # nor its frame words "unknown"
    assert "Article: ‘Rethinking the \\*\\*Reset\\*\\*’ — Andrei Tsygankov, 2021-05-04" in message
    assert f"`/source article:{art.id}`" in message
    exs = [excerpt(1, art, passage(art))]
    weak = Answer("Who wrote Rethinking the Reset?", True, True, ("reset",), ("wrote",), tuple(exs), (art,))
    embed = render.answer_embed(weak, page=1, page_size=5, excerpts=exs)
    assert "’ — Andrei Tsygankov" in embed.description
    assert_fits(embed)


def test_a_named_article_whose_id_no_code_span_holds_is_shown_without_it():
    odd = article("week`1/" + "d" * 200, "Odd", "Ada Quill")
    message = render.unanswered_message(Answer("Who wrote Odd?", False, True, (), (), (), (odd,)))
    assert "(`/source article:`)" in message and "ddd" not in message and message.count("`") == 2


def test_of_many_articles_a_question_names_three_are_shown_and_the_rest_counted():
    named = tuple(article(f"letters{n}", f"Letters, Part {n}", "Ada Quill") for n in range(1, 8))
    unanswered = Answer("Which articles did Quill write?", False, True, (), ("write",), (), named)
    message = render.unanswered_message(unanswered)
    assert message.count("Article: ‘Letters, Part") == 3 and "Part 4" not in message
    assert "…and 4 more articles it names (`/source` lists every article)." in message
    exs = [excerpt(1, named[0], passage(named[0]))]
    weak = Answer("Which articles did Quill write?", True, True, ("quill",), ("write",), tuple(exs), named)
    embed = render.answer_embed(weak, page=1, page_size=5, excerpts=exs)
    assert embed.description.count("’ — Ada Quill") == 3 and "4 more articles" in embed.description
    assert_fits(embed)


def test_unanswered_message_names_the_words_the_readings_do_use():
    message = render.unanswered_message(Answer("Which wines is France famous for?", False, True, ("france",),
                                               ("wines", "famous"), ()))  # fmt: skip
    assert "not in any article: wines, famous" in message and "(france) are not enough" in message


# ---------------------------------------------------------------- sources


def test_huge_passage_with_fifty_footnotes_fits_every_limit():
    notes = tuple(Footnote(str(i), f"[{i}] " + "Ministry of Sources, " + "x" * 275) for i in range(1, 51))
    art = article(title="Long " * 80, author="B" * 400, publication="P" * 400, url="https://example.org/a")
    psg = passage(art, 9, 12, ("A sentence about deterrence. " * 400)[:10_000], notes)
    embed = render.passage_embed(PassageLookup(art, psg, "kaplan:8", "kaplan:10"))
    assert_fits(embed)
    assert embed.description.endswith("…")
    assert embed.fields and embed.fields[0].name == "Sources"
    assert "more sources" in embed.fields[-1].value
    assert embed.footer.text == "¶12"  # where in the article, not the internal passage id
    assert embed.url == "https://example.org/a"


def test_short_passage_shows_all_sources():
    art = article()
    psg = passage(art, 1, 3, "Deterrence [ii] works [iii].", (DOD, IBID))
    embed = render.passage_embed(PassageLookup(art, psg, None, "kaplan:2"))
    assert_fits(embed)
    assert embed.description == "Deterrence \\[ii\\] works \\[iii\\]."
    assert len(embed.fields) == 1 and embed.fields[0].value.count("\n") == 1
    assert "R. Kaplan" in embed.author.name and "2021-05-04" in embed.author.name


def test_articles_embed_shows_every_article_on_one_of_its_pages():
    arts = [article(f"a{i}", f"T{i} " + "Title " * 60, "Author " * 30, "2020-01-01", passages=(), footnotes=(DOD,))
            for i in range(45)]  # fmt: skip
    pages = [render.articles_embed(arts, page) for page in (1, 2, 3)]
    for embed in pages:
        assert_fits(embed)
    shown = [field.name.split()[0] for embed in pages for field in embed.fields]
    assert shown == [f"T{i}" for i in range(45)]  # each once, in order
    assert pages[0].footer.text.startswith("page 1/3") and "/source page:2" in pages[0].description
    assert render.articles_embed(arts, 99).footer.text.startswith("page 3/3")  # past the end: the last page
    small = render.articles_embed([article()])
    assert "1 footnote" not in small.fields[0].value and "0 passages" in small.fields[0].value
    assert not small.footer.text and render.articles_embed([]).description


def test_article_and_footnote_cards():
    art = article(publication="Foreign Affairs", url="https://fa.org/x", footnotes=(DOD, IBID))
    card = render.article_embed(art)
    assert_fits(card)
    assert card.title == "The Pacific Balance"
    assert {f.name for f in card.fields} >= {"Author", "Date", "Publication", "Passages", "Footnotes"}
    bare = article()
    cited = article(footnotes=(DOD, IBID), passages=(passage(bare, 1, 1), passage(bare, 4, 3)))
    note = render.footnote_embed(FootnoteLookup(cited, IBID, ("kaplan:1", "kaplan:4")))
    assert_fits(note)
    assert note.title.startswith("\\[iii\\]")
    assert "U.S. Department of Defense" in note.description
    assert any(f.name == "Ibidem" and "same as \\[ii\\]" in f.value for f in note.fields)
    assert note.fields[-1].value == "¶1, ¶3"  # paragraphs people can find, not internal ids
    long = article(footnotes=(DOD,), passages=tuple(passage(bare, i, i) for i in range(1, 501)))
    many = render.footnote_embed(FootnoteLookup(long, DOD, tuple(f"kaplan:{i}" for i in range(1, 501))))
    assert_fits(many)
    assert "more passages" in many.fields[-1].value


def test_settings_and_stats():
    embed = render.settings_embed(top_k=3, private=True, cooldown=30, channel_ids=[1, 2])
    assert_fits(embed)
    assert "<#1>" in embed.fields[-1].value
    assert "All channels" in render.settings_embed(top_k=3, private=False, cooldown=0, channel_ids=[]).fields[-1].value
    lots = render.settings_embed(top_k=3, private=False, cooldown=0, channel_ids=list(range(10**18, 10**18 + 300)))
    assert_fits(lots)
    stats = render.stats_embed(asked=8, answered=6, top_unanswered=[("@everyone **why**", 3)], up=2, down=1)
    assert_fits(stats)
    assert "75%" in " ".join(texts(stats))
    assert not MENTION.search(" ".join(texts(stats)))
    zero = render.stats_embed(asked=0, answered=0, top_unanswered=[], up=0, down=0)
    assert_fits(zero)
    long = render.stats_embed(asked=9, answered=0, top_unanswered=[("q" * 3000, 9)] * 30, up=0, down=0)
    assert_fits(long)


def test_stats_name_the_most_quoted_documents_inertly_and_within_limits():
    top_documents = [("@everyone **Quokkas**", 3, 2, 1)] + [("t" * 900, 1, 0, 0)] * 30
    stats = render.stats_embed(asked=3, answered=3, top_unanswered=[], up=1, down=0, top_documents=top_documents)
    assert_fits(stats)
    text = " ".join(texts(stats))
    assert "Quoted in 3 answers (👍 2 · 👎 1)" in text and not MENTION.search(text)
    one = render.document_stats_embed(title="<@123> Census", document_id="0a1b2c3d4e", answers=2, up=1, down=0)
    assert_fits(one)
    assert "2" in " ".join(texts(one)) and not MENTION.search(" ".join(texts(one)))


# ---------------------------------------------------------------- small pieces


def test_highlights_merge_overlapping_and_nested_spans():
    quote = "The quick brown fox jumps"
    assert render.quote_with_highlights(quote, [(4, 9), (6, 15), (5, 7), (20, 25)], 100) == (
        "The **quick brown** fox **jumps**"
    )
    assert render.quote_with_highlights(quote, [(0, 3), (3, 9)], 100) == "**The quick** brown fox jumps"
    assert render.quote_with_highlights(quote, [(-5, 3), (20, 99)], 100) == "**The** quick brown fox **jumps**"
    cut = render.quote_with_highlights(quote, [(4, 15)], 12)
    assert len(cut) <= 12 and cut.endswith("…") and cut.count("**") % 2 == 0


def test_safe_truncation_never_leaves_a_dangling_backslash():
    for limit in range(1, 30):
        out = render.safe("*_*_" * 20, limit)
        assert len(out) <= limit
        assert not dangling_backslash(out)


def test_choices_filter_prefix_first_and_cut():
    items = [("Gamma alpha", "g"), ("Alpha", "a"), ("x" * 300, "y" * 300), ("Beta", "alpha-id")]
    got = render.choices(items, "ALP")
    assert [v for _, v in got] == ["a", "alpha-id", "g"]
    everything = render.choices([(f"n{i}", f"v{i}") for i in range(100)], "")
    assert len(everything) == 25
    long = render.choices(items, "xxx")
    assert len(long[0][0]) <= 100 and len(long[0][1]) <= 100


# ---------------------------------------------------------------- properties

TOKENS = [
    "@everyone",
    "@here",
    "<@&123>",
    "<@!456>",
    "<@789>",
    "<#12345>",
    "＠everyone",
    "＠here",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2066",
    "\ufeff",
    "**",
    "__",
    "~~",
    "||",
    "```",
    "`",
    ">",
    ">>> ",
    "#",
    "-# ",
    "\n",
    " ",
    "\\",
    "[x](http://e.com)",
    "https://example.org/a_b?c=1",
    "@",
    "<",
    "everyone",
    "123",
    "1. ",
    "- ",
]


def _mix(drawn: tuple[list[str], str]) -> str:
    """Interleave hostile tokens with random text (one text draw is much cheaper than many)."""
    tokens, junk = drawn
    out = []
    for i, token in enumerate(tokens):
        out += [junk[3 * i : 3 * i + 3], token]
    return "".join(out) + junk[3 * len(tokens) :]


hostile = st.tuples(st.lists(st.sampled_from(TOKENS), max_size=20), st.text(max_size=40)).map(_mix)
repeated = st.tuples(hostile, st.integers(1, 80)).map(lambda t: t[0] * t[1])  # long text, cheaply
long_hostile = st.tuples(hostile, st.sampled_from([0, 0, 50, 300, 1500, 5000])).map(
    lambda t: t[0][: len(t[0]) // 2] + "y " * t[1] + t[0][len(t[0]) // 2 :]  # sometimes long, hostile both ends
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=long_hostile, limit=st.one_of(st.none(), st.integers(1, 300)))
def test_safe_neutralises_mentions_and_markdown(text, limit):
    out = render.safe(text, limit)
    assert not MENTION.search(out)
    assert "```" not in out
    assert not unescaped(out, "`*|~[]")
    assert not re.search("[\u202a-\u202e\u2066-\u2069\ufeff]", out)
    if limit is not None:
        assert len(out) <= limit
        assert not dangling_backslash(out)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quote=long_hostile,
    spans=st.lists(st.tuples(st.integers(-5, 400), st.integers(-5, 400)), max_size=4),
    limit=st.integers(1, 400),
)
@example(quote="*" + " ".join(["y"] * 50) + " *`", spans=[(0, 102)], limit=108)  # a cut on an escape's edge
def test_highlighted_quotes_fit_and_stay_balanced(quote, spans, limit):
    out = render.quote_with_highlights(quote, spans, limit)
    assert len(out) <= limit
    assert not MENTION.search(out)
    assert len(unescaped(out, "*")) % 4 == 0  # every bold opened is closed
    assert not unescaped(out, "`|~")


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=hostile, body=hostile, count=st.integers(0, 5), repeat=st.integers(1, 40))
def test_answer_embed_from_hostile_text_fits_and_never_pings(question, body, count, repeat):
    # up to a page of long hostile quotes: rotations of one drawn text (drawing is the slow part)
    quotes = [(body[k * 7 % (len(body) or 1) :] + body[: k * 7 % (len(body) or 1)]) * repeat for k in range(count)]
    title = body[:80] or question
    source = question * repeat
    unknown = question.split()[:3]
    art = article(title=title, author=title or None)
    notes = (Footnote("i", source), Footnote("ii", source, ibid_of="i"))
    exs = [
        excerpt(r, art, passage(art, r, r, q or "x", notes), quote=q, highlights=[(0, 5), (3, 30)])
        for r, q in enumerate(quotes, 1)
    ]
    ans = answer(question, exs, weak=bool(unknown), unknown=unknown)
    embed = render.answer_embed(ans, page=1, page_size=5, excerpts=exs)
    assert_fits(embed)
    for text in texts(embed):
        assert not MENTION.search(text)
    for text in texts(embed, markdown_only=True):
        assert "```" not in text
        assert not unescaped(text, "`|~")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=long_hostile, source=hostile, count=st.integers(0, 60), repeat=st.integers(1, 30))
def test_passage_embed_from_hostile_text_fits_and_never_pings(text, source, count, repeat):
    art = article(title=source, author=source or None, publication=source or None)
    notes = tuple(Footnote(str(i), source * repeat, ibid_of="1" if i % 2 else None) for i in range(count))
    embed = render.passage_embed(PassageLookup(art, passage(art, 1, 1, text * repeat, notes), None, None))
    assert_fits(embed)
    for shown in texts(embed):
        assert not MENTION.search(shown)
    for shown in texts(embed, markdown_only=True):
        assert "```" not in shown


def test_a_long_file_name_keeps_its_end_and_stays_on_one_line():
    names = [render.file_name("n" * 200 + f"{k}.md") for k in range(3)]
    assert len(set(names)) == 3 and all(n.endswith(".md") and len(n) <= 200 for n in names)
    assert render.file_name("line1\nline2 <@123> **x**.exe") == "line1 line2 <@\u200b123> \\*\\*x\\*\\*.exe"
