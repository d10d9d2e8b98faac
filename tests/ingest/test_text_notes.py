"""Plain text: the footnote styles readings use, Ibid./op. cit. in several languages, metadata lines
beyond English."""

from __future__ import annotations

import pytest

from bot.ingest import build_article
from bot.ingest.formats.text import text_document
from bot.ingest.notes import Entry, resolve
from bot.service.citations import footnote_line


def _parse(text: str):
    return build_article("a", "a.txt", text_document(text))


def _cites(parsed) -> list[tuple[str, list[str]]]:
    return [(p.text, [f.marker for f in p.footnotes]) for p in parsed.article.passages]


def test_superscript_markers_are_cited_and_shown_as_brackets():
    parsed = _parse(
        "The treaty\n\nThe treaty was signed in 1648.¹ It was revised twice.²\n\n"
        "The room measured 40 m² and held everyone.\n\nNotes\n\n¹ Croxton, Westphalia, p. 4.\n² Ibid., p. 9.\n"
    )
    assert _cites(parsed) == [
        ("The treaty was signed in 1648.[1] It was revised twice.[2]", ["1", "2"]),
        ("The room measured 40 m² and held everyone.", []),  # an exponent, not a note
    ]
    assert parsed.article.footnote("2").source == "Croxton, Westphalia, p. 9."
    assert parsed.warnings == []


HEADINGS = ["Notes", "References", "Endnotes", "Sources", "Anmerkungen", "Примечания", "Notes et références",
            "Bibliography", "Notes de bas de page", "Литература"]  # fmt: skip


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("style", ["{n}.", "{n})"])
def test_a_numbered_notes_list_under_a_heading_is_the_notes_list_never_a_passage(heading, style):
    entries = "\n".join(f"{style.format(n=n)} Source number {n}, p. {n * 10}." for n in range(1, 7))
    body = " ".join(f"Claim {n} rests on a source[{n}]." for n in range(1, 7))
    parsed = _parse(f"A reading\n\n{body}\n\n{heading}\n\n{entries}\n")
    assert parsed.warnings == []
    assert [p.text for p in parsed.article.passages] == [body]
    assert [f.marker for f in parsed.article.passages[0].footnotes] == ["1", "2", "3", "4", "5", "6"]
    assert parsed.article.footnote("6").source == "Source number 6, p. 60."


def test_parenthesised_markers_count_only_where_the_notes_list_has_them():
    with_notes = _parse(
        "A reading\n\nThe council met in Geneva (1) and again in Vienna.(2)\n\n"
        "It decided three things: (1) peace, (2) trade, (3) borders.\n\n"
        "Notes\n\n1. Smith, Geneva, p. 3.\n2. Jones, Vienna.\n"
    )
    assert _cites(with_notes) == [
        ("The council met in Geneva [1] and again in Vienna.[2]", ["1", "2"]),
        ("It decided three things: (1) peace, (2) trade, (3) borders.", []),
    ]
    without = _parse("A reading\n\nThe council met in Geneva (1) and again in Vienna (2).\n")
    assert _cites(without) == [("The council met in Geneva (1) and again in Vienna (2).", [])]
    assert without.warnings == []


def test_a_numbered_list_without_a_notes_heading_stays_text():
    parsed = _parse("Steps\n\nThe plan had steps.\n\n1. Meet in Geneva.\n2. Sign the treaty.\n")
    texts = [p.text for p in parsed.article.passages]
    assert texts == ["The plan had steps.", "1. Meet in Geneva. 2. Sign the treaty."]
    assert parsed.article.footnotes == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ibid., p. 414.", "Smith, The Book (London, 1987), p. 414."),
        ("Ibid.", "Smith, The Book (London, 1987), p. 89."),
        ("Ibidem, pp. 90–92.", "Smith, The Book (London, 1987), pp. 90–92."),
        ("Ebd., S. 12.", "Smith, The Book (London, 1987), S. 12."),
        ("Ebenda", "Smith, The Book (London, 1987), p. 89."),
        ("Ibídem, p. 3.", "Smith, The Book (London, 1987), p. 3."),
        ("Там же. С. 45.", "Smith, The Book (London, 1987), С. 45."),
        ("Idem, p. 7.", "Smith, The Book (London, 1987), p. 7."),
        ("Ibid., chapter 3.", "Smith, The Book (London, 1987), p. 89, chapter 3."),
    ],
)
def test_ibidem_in_every_language_is_the_previous_source_with_the_new_page(text, expected):
    footnotes, warnings = resolve([Entry("1", "Smith, The Book (London, 1987), p. 89."), Entry("2", text)])
    assert (footnotes[1].source, footnotes[1].ibid_of, warnings) == (expected, "1", [])


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("Samuelsson, Great Power (London, 1968), 42.", "Ibid., 45.", "Samuelsson, Great Power (London, 1968), 45."),
        ("Samuelsson, Great Power (Oslo, 1968), 42–44.", "Ibid., 145.", "Samuelsson, Great Power (Oslo, 1968), 145."),
        ("Samuelsson, Great Power, London, 1968.", "Ibid., 45.", "Samuelsson, Great Power, London, 1968, 45."),
    ],
)
def test_a_chicago_bare_page_replaces_the_page_and_never_the_year(first, then, expected):
    footnotes, _ = resolve([Entry("1", first), Entry("2", then)])
    assert footnotes[1].source == expected


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("Ward, Canals (Oxford, 1974), 164.", "Ibid., p. 170.", "Ward, Canals (Oxford, 1974), p. 170."),
        ("Ward, Canals (Oxford, 1974), 164.", "ibid, pp. 170–171.", "Ward, Canals (Oxford, 1974), pp. 170–171."),
        ("Ward, Canals (Oxford, 1974), 164–66.", "Ibidem, 22.", "Ward, Canals (Oxford, 1974), 22."),
        ("Ward, Canals (Oxford, 1974), 164f.", "Ibid., 12 ff.", "Ward, Canals (Oxford, 1974), 12 ff."),
        ("Ward, Canals (Oxford, 1974), xii.", "Ibid., 3.", "Ward, Canals (Oxford, 1974), 3."),
        ("Ward, Canals (Oxford, 1974), 164.", "Ibid., xiv.", "Ward, Canals (Oxford, 1974), xiv."),
        ("Smith, Locks (London, 1990), p. 12.", "Ibid., 15.", "Smith, Locks (London, 1990), 15."),
        ("Smith, Locks (London, 1990), p. 12.", "Ibid., 15-16.", "Smith, Locks (London, 1990), 15-16."),
        ("Smith, Locks (London, 1990) p. 12.", "Ibid., 15.", "Smith, Locks (London, 1990), 15."),
        ("Lee, “Weirs,” Canals 12, no. 3 (1990): 45–67.", "Ibid., 50.", "Lee, “Weirs,” Canals 12, no. 3 (1990): 50."),
        ("Lee, “Weirs,” Canals 12, no. 3 (1990): 45–67.", "Ibid., p. 50.",
         "Lee, “Weirs,” Canals 12, no. 3 (1990), p. 50."),
        # no locator at the end of the source: the page is added, a year or a bracket kept
        ("Ward, Canals (Oxford, 1974).", "Ibid., p. 170.", "Ward, Canals (Oxford, 1974), p. 170."),
        ("Ward, Canals (Oxford, 1974).", "Ibid., 170.", "Ward, Canals (Oxford, 1974), 170."),
        ("Ward, Canal Finance, Oxford, 1974.", "Ibid., p. 170.", "Ward, Canal Finance, Oxford, 1974, p. 170."),
        ("Ward, Canal Finance, Oxford: 1974.", "Ibid., 170.", "Ward, Canal Finance, Oxford: 1974, 170."),
        ("Ward, Canal Finance, Vol. II.", "Ibid., 170.", "Ward, Canal Finance, Vol. II, 170."),
        ("Ward, https://example.org/canals/164.", "Ibid., 170.", "Ward, https://example.org/canals/164, 170."),
        ("Quoted in Ward, Genesis 1:3.", "Ibid., p. 9.", "Quoted in Ward, Genesis 1:3, p. 9."),
        # no locator in the Ibid.: the source whole, or the words added
        ("Ward, Canals (Oxford, 1974), 164.", "Ibid.", "Ward, Canals (Oxford, 1974), 164."),
        ("Ward, Canals (Oxford, 1974), 164.", "Ibid., ill. 4.", "Ward, Canals (Oxford, 1974), 164, ill. 4."),
        ("Ward, Canals (Oxford, 1974), 164.", "Ibid., n. 3.", "Ward, Canals (Oxford, 1974), 164, n. 3."),
    ],
)
def test_an_ibid_page_replaces_the_page_whichever_style_each_note_gives_it_in(first, then, expected):
    footnotes, _ = resolve([Entry("1", first), Entry("2", then)])
    assert footnotes[1].source == expected


def test_an_ibid_with_its_own_page_in_a_text_file_drops_the_earlier_page():
    parsed = _parse(
        "Ibid Test Article\n\nBy Ann Lee\n\nAlpha.[1] Beta.[2] Gamma.[3] Delta.[4] Epsilon.[5]\n\nNotes\n\n"
        "1. Ward, Canal Finance (Oxford, 1974), 164.\n2. Ibid., p. 170.\n3. Smith, Locks (London, 1990), p. 12.\n"
        "4. Ibid., 15.\n5. Ibid., 15-16.\n"
    )
    assert [f.source for f in parsed.article.footnotes] == [
        "Ward, Canal Finance (Oxford, 1974), 164.",
        "Ward, Canal Finance (Oxford, 1974), p. 170.",
        "Smith, Locks (London, 1990), p. 12.",
        "Smith, Locks (London, 1990), 15.",
        "Smith, Locks (London, 1990), 15-16.",
    ]


def test_op_cit_resolves_to_that_authors_earlier_note():
    footnotes, _ = resolve(
        [
            Entry("1", "Smith, The Book (London, 1987), p. 89."),
            Entry("2", "Jones, Another Book (Paris, 2001), p. 5."),
            Entry("3", "Smith, op. cit., p. 12."),
            Entry("4", "Brown, op. cit., p. 1."),
        ]
    )
    assert (footnotes[2].source, footnotes[2].ibid_of) == ("Smith, The Book (London, 1987), p. 12.", "1")
    assert (footnotes[3].source, footnotes[3].ibid_of) == ("Brown, op. cit., p. 1.", None)  # no earlier Brown


def test_an_op_cit_says_so_and_keeps_its_own_words():
    footnotes, warnings = resolve(
        [
            Entry("1", "Christoph Gradmann, Krankheit im Labor (Göttingen, 2005), p. 12."),
            Entry("2", "Ibid., p. 40."),
            Entry("3", "On the postulates see Gradmann, op. cit., pp. 110–115."),
        ]
    )
    assert [(f.ibid_of, f.op_cit) for f in footnotes] == [(None, False), ("1", False), ("1", True)]
    assert footnotes[2].source == (
        "On the postulates see Christoph Gradmann, Krankheit im Labor (Göttingen, 2005), pp. 110–115."
    )
    assert footnote_line(footnotes[1]).startswith("[2] Ibid. = [1] Christoph Gradmann")
    assert footnote_line(footnotes[2]).startswith("[3] Op. cit. = [1] On the postulates see Christoph Gradmann")
    assert warnings == []


def test_an_op_cit_that_could_mean_two_books_of_its_author_is_warned_about():
    _, warnings = resolve(
        [
            Entry("1", "Christopher Hamlin, A Science of Impurity (Bristol, 1990), p. 3."),
            Entry("2", "Christopher Hamlin, Public Health and Social Justice (Cambridge, 1998), p. 9."),
            Entry("3", "Christopher Hamlin, A Science of Impurity (Bristol, 1990), p. 8."),  # the same work again
            Entry("4", "Hamlin, op. cit., p. 124."),
        ]
    )
    assert warnings == ["footnote [4] says op. cit. of Hamlin, who has notes [1] and [2]: the latest, [3], is taken"]


def test_op_cit_by_surname_finds_a_note_that_named_the_author_in_full():
    footnotes, _ = resolve(
        [
            Entry("1", "Anton Kofler, Die Brennerstraße im Mittelalter (Innsbruck, 1967), p. 112."),
            Entry("2", "Maria Huber, Schmuggel in Tirol (1990), p. 4."),
            Entry("3", "Kofler, op. cit., p. 203."),
        ]
    )
    assert (footnotes[2].source, footnotes[2].ibid_of) == (
        "Anton Kofler, Die Brennerstraße im Mittelalter (Innsbruck, 1967), p. 203.",
        "1",
    )


def test_ibid_in_a_text_file_from_the_notes_list_to_the_quote():
    parsed = _parse(
        "A reading\n\nThe first claim[1] and the second[2].\n\nNotes\n\n"
        "[1] Smith, The Book (London, 1987), p. 89.\n[2] Ibid., p. 414.\n"
    )
    assert [f.source for f in parsed.article.passages[0].footnotes] == [
        "Smith, The Book (London, 1987), p. 89.",
        "Smith, The Book (London, 1987), p. 414.",
    ]


@pytest.mark.parametrize(
    ("head", "author", "date"),
    [
        ("Von Anna Schmidt\n\n9. November 2019", "Anna Schmidt", "2019-11-09"),
        ("Автор: Иван Петров\n\n12 апреля 2021", "Иван Петров", "2021-04-12"),
        ("Par Jean Dupont\n\n12 avril 2021", "Jean Dupont", "2021-04-12"),
        ("Por María López\n\n12 de abril de 2021", "María López", "2021-04-12"),
        ("By Jane Roe | Politics Desk\n\nPublished April 12, 2021", "Jane Roe", "2021-04-12"),
        ("By Jane Roe\n\nVeröffentlicht am 9. November 2019, 10:30 Uhr", "Jane Roe", "2019-11-09"),
        ("By Jane Roe\n\nSamstag, 9. November 2019", "Jane Roe", "2019-11-09"),
        # a journal's issue gives the month only: cited as that month, not left out
        ("By Jane Roe\n\nNovember 1998", "Jane Roe", "1998-11"),
        ("Von Anna Schmidt\n\nMärz 2004", "Anna Schmidt", "2004-03"),
        ("By Jane Roe\n\nPublished Sept. 2021", "Jane Roe", "2021-09"),
        ("By Jane Roe\n\nSpring 2004", "Jane Roe", "2004"),  # a season's issue: the year
        ("By Jane Roe\n\nFeb., 1952", "Jane Roe", "1952-02"),
    ],
)
def test_metadata_lines_beyond_english(head, author, date):
    parsed = _parse(f"A Title\n\n{head}\n\nThe body of the article begins here and says something of substance.\n")
    article = parsed.article
    assert (article.title, article.author, article.date) == ("A Title", author, date)
    assert [p.text for p in article.passages] == [
        "The body of the article begins here and says something of substance."
    ]


def test_a_sentence_starting_with_von_is_no_byline():
    parsed = _parse("A Title\n\nVon Berlin aus betrachtet\n\nThe body of the article begins here and says something.\n")
    assert parsed.article.author is None


@pytest.mark.parametrize(
    "subtitle", ["By Hand and Machine: Printing in the Fifteenth Century", "By Sea and Land", "By the Numbers"]
)
def test_a_subtitle_opening_with_by_is_no_byline(subtitle):
    parsed = _parse(f"A Title\n\n{subtitle}\n\nThe body of the article begins here and says something.\n")
    assert parsed.article.author is None
    assert parsed.article.passages[0].text.startswith(subtitle)


def test_a_diarys_first_entry_keeps_its_date_and_dates_no_article():
    parsed = _parse(
        "The Diary of Private Jones\n12 March 1916.\nRain all day, and the trench\nflooded to the knee.\n\n"
        "13 March 1916.\nSun at last.\n"
    )
    article = parsed.article
    assert (article.title, article.date) == ("The Diary of Private Jones", None)
    assert article.passages[0].text == "12 March 1916. Rain all day, and the trench flooded to the knee."


def test_a_first_entry_opening_with_its_date_and_time_keeps_them_and_dates_no_article():
    entry = "12 March 1916, 10.30 p.m. Rain all day."
    parsed = _parse(f"A Diary\n\n{entry}\n\n13 March 1916. Sun at last.\n")
    assert parsed.article.date is None
    assert parsed.article.passages[0].text == entry


def test_a_date_line_alone_under_the_title_is_the_date():
    parsed = _parse("A Diary\n\n3 April 1865\n\n12 March 1916. Rain all day, and the trench flooded.\n")
    assert parsed.article.date == "1865-04-03"
    assert parsed.article.passages[0].text.startswith("12 March 1916. Rain")


def test_a_head_written_without_blank_lines_is_still_title_byline_and_date():
    parsed = _parse("Pangolin Facts\nBy Jane Doe\nMarch 3, 2017\n\nThe pangolin is a scaly mammal that eats ants.\n")
    article = parsed.article
    assert (article.title, article.author, article.date) == ("Pangolin Facts", "Jane Doe", "2017-03-03")
    assert [p.text for p in article.passages] == ["The pangolin is a scaly mammal that eats ants."]


def test_a_short_stanza_without_a_byline_or_date_stays_text():
    parsed = _parse("Rain on the roof\nwind at the door\nnight in the hall\n\nA second block of text follows here.\n")
    assert parsed.article.author is None and parsed.article.date is None
    assert parsed.article.passages[0].text.startswith("Rain on the roof")


def test_a_notes_list_right_under_its_heading_is_the_notes_list():
    parsed = _parse(
        "Pangolins\n\nThe pangolin eats ants.[1] It has scales.[2]\n\n"
        "Notes\n[1] Smith, Mammals of Asia, 2001.\n[2] Jones, Scales, 2003.\n"
    )
    assert parsed.warnings == []
    assert _cites(parsed) == [("The pangolin eats ants.[1] It has scales.[2]", ["1", "2"])]
    assert parsed.article.footnote("2").source == "Jones, Scales, 2003."


def test_notes_at_the_foot_of_each_pasted_page_keep_the_text_between_them():
    parsed = _parse(
        "Sewage Farming\n\nLiebig argued that waste would restore the land.¹ Farms were laid out.\n\n"
        "¹ Hamlin, Providence and Putrefaction, p. 390.\n\n"
        "Few of these farms ever made a profit. The land became waterlogged in winter, and\n"
        "farmers refused to pay for a liquid they did not want.² By 1880 most towns had turned away.³\n\n"
        "² Ibid., p. 395.\n³ Goddard, Sewage Utilization, p. 107.\n"
    )
    assert _cites(parsed) == [
        ("Liebig argued that waste would restore the land.[1] Farms were laid out.", ["1"]),
        ("Few of these farms ever made a profit. The land became waterlogged in winter, and farmers refused to "
         "pay for a liquid they did not want.[2] By 1880 most towns had turned away.[3]", ["2", "3"]),
    ]  # fmt: skip
    assert parsed.article.footnotes[1].source == "Hamlin, Providence and Putrefaction, p. 395."
    assert not any("dropped" in w for w in parsed.warnings)


def test_a_head_and_body_written_without_blank_lines_keep_the_date_off_the_passage():
    parsed = _parse("Report Five\nBy Anna Weiss\nMarch 3, 2017\nThe committee met on Monday. It decided nothing.\n")
    article = parsed.article
    assert (article.title, article.author, article.date) == ("Report Five", "Anna Weiss", "2017-03-03")
    assert [p.text for p in article.passages] == ["The committee met on Monday. It decided nothing."]


@pytest.mark.parametrize("line", ["By Design", "By Chance", "By Popular Demand"])
def test_a_phrase_of_english_words_after_by_is_no_author(line):
    parsed = _parse(f"A Title\n\n{line}\n\nThe body of the article begins here and says something.\n")
    assert parsed.article.author is None
    assert parsed.article.passages[0].text.startswith(line)


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By The Associated Press", "The Associated Press"),
        ("By Reuters", "Reuters"),
        ("By Jane Smith and the Editors", "Jane Smith"),
        ("By Martin Luther King Jr.", "Martin Luther King Jr."),
        ("By Abdul Rahman bin Ahmad al-Farsi", "Abdul Rahman bin Ahmad al-Farsi"),
        ("**By** Jane Smith", "Jane Smith"),
    ],
)
def test_a_byline_under_the_title_is_the_author(line, author):
    parsed = _parse(f"A Title\n\n{line}\n\nThe body of the article begins here and says something.\n")
    assert parsed.article.author == author
    assert parsed.article.passages[0].text.startswith("The body")
