"""The shared rules for what a reading's head shows (bot.ingest.metadata): a byline names people, and a
date is the article's only when it stands under the title, not when it opens the body's first paragraph."""

from __future__ import annotations

import pytest

from bot.ingest.metadata import is_placeholder, parse_byline, parse_byline_and_date, parse_date, shown_byline_and_date


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By Jane Smith", "Jane Smith"),
        ("By J. R. Smith and Ann Lee", "J. R. Smith and Ann Lee"),
        ("By J.R. Smith & Ann Lee", "J.R. Smith & Ann Lee"),
        ("By Jane Smith, Ann Lee, and Bo Chen", "Jane Smith, Ann Lee, and Bo Chen"),
        ("By Vincent van Gogh", "Vincent van Gogh"),
        ("By Charles de Gaulle and Ann O'Brien", "Charles de Gaulle and Ann O'Brien"),
        ("BY JANE SMITH AND ANN LEE", "JANE SMITH AND ANN LEE"),
        ("By Reuters", "Reuters"),  # one word alone: a pen name or an agency
        # an affiliation after the names is no part of them
        ("by Jane Smith, University of X", "Jane Smith"),
        ("By Jane Roe | Politics Desk", "Jane Roe"),
        ("Von Anna Schmidt", "Anna Schmidt"),
        ("By Mark Brown", "Mark Brown"),  # a given name and a family name that are English words too
        ("By Rose Bush", "Rose Bush"),
        ("By John Smith", "John Smith"),
        ("By Will Power", "Will Power"),
        ("By AFP", "AFP"),
        ("By Bloomberg", "Bloomberg"),
        ("By The Associated Press", "The Associated Press"),  # an agency, with its "The"
        ("By Associated Press", "Associated Press"),
        ("By Jane Smith and the Editors", "Jane Smith"),  # the desk after the person is no person
        ("By Martin Luther King Jr.", "Martin Luther King Jr."),
        ("By Jane Roe, Jr.", "Jane Roe, Jr."),
        ("By J. R. R. Tolkien", "J. R. R. Tolkien"),
        ("**By** Jane Smith", "Jane Smith"),  # Markdown bold on the word "By"
        ("By Abdul Rahman bin Ahmad al-Farsi", "Abdul Rahman bin Ahmad al-Farsi"),
        ("By Nasser el-Din and Omar ibn Said", "Nasser el-Din and Omar ibn Said"),
        ("Par Jean Moulin", "Jean Moulin"),  # the English word table is for English bylines only
        (
            "By Ann Lee, Bo Chen, Cy Diaz, Di Evans, Ed Fox, Flo Gray and Gus Hill",
            "Ann Lee, Bo Chen, Cy Diaz, Di Evans, Ed Fox, Flo Gray and Gus Hill",
        ),  # seven authors
    ],
)
def test_a_byline_names_people(line, author):
    assert parse_byline(line) == author


@pytest.mark.parametrize(
    "line",
    [
        # a subtitle opening with "By": common words, single words joined by "and", a colon
        "By Hand and Machine: Printing in the Fifteenth Century",
        "By Hand and Machine:",
        "By Sea and Land",
        "By Fire and Sword",
        "By the Numbers",
        "By The Numbers",
        "BY SEA AND LAND",
        "By Any Means Necessary",
        "By Invitation Only",
        "By the fourteenth century the towns had taken over",
        "Von Berlin aus betrachtet",
        # one English word, or two, is a phrase's, not a pen name's or a person's
        "By Design",
        "By Chance",
        "BY DESIGN",
        "By Popular Demand",
        "By Public Demand",
        "By Default",
        "By Request",
        "By Hand",
        "By Night",
        "By Water Power",
    ],
)
def test_a_subtitle_opening_with_by_is_no_byline(line):
    assert parse_byline(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "By Lena Hoffmann, March 3, 2020",
        "By Lena Hoffmann | 3 March 2020",
        "By Lena Hoffmann — March 3, 2020",
        "By Lena Hoffmann – 3 March 2020",
        "By Lena Hoffmann · March 3, 2020",
        "By Lena Hoffmann on March 3, 2020",
        "By Lena Hoffmann, Tuesday, March 3, 2020, 10:30 am",
        "*By Lena Hoffmann* — March 3, 2020",  # Markdown's emphasis on the byline
        "By Lena Hoffmann, University of Kent, March 3, 2020",  # the affiliation dropped, the date kept
    ],
)
def test_a_date_on_the_bylines_own_line_is_the_date(line):
    assert parse_byline_and_date(line) == ("Lena Hoffmann", "2020-03-03")
    assert parse_byline(line) == "Lena Hoffmann"


@pytest.mark.parametrize(
    "line",
    ["By Lena Hoffmann, University of Kent", "By Lena Hoffmann | Politics Desk", "By Lena Hoffmann, 2020"],
)
def test_a_bylines_tail_that_is_no_date_gives_no_date(line):
    assert parse_byline_and_date(line) == ("Lena Hoffmann", None)


@pytest.mark.parametrize("line", ["By the Numbers — March 2020", "By Design, March 3, 2020", "March 3, 2020"])
def test_a_date_after_what_is_no_byline_is_no_bylines_date(line):
    assert parse_byline_and_date(line) == (None, None)


@pytest.mark.parametrize(
    "line",
    [
        "12 March 1916, 10.30. Rain all day, and the trench flooded.",
        "3 April 1865 at 9:15 Left camp before dawn.",
        "Monday, 3 April 1865 — 9.15 The city fell this morning.",
    ],
)
def test_a_date_and_time_opening_a_line_of_text_is_no_date_line(line):
    # the words after the time are the entry's: the line is no dateline (nor is its text to drop)
    assert parse_date(line) is None


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Veröffentlicht am 9. November 2019, 10:30 Uhr", "2019-11-09"),
        ("June 30, 2011 at 10:30 am EST", "2011-06-30"),
        ("March 3, 2021, 14:22:09 UTC", "2021-03-03"),
        ("April 12, 2021 | 5 min read", "2021-04-12"),
        ("April 12, 2021, 10:30 | Politics", "2021-04-12"),
    ],
)
def test_a_dateline_with_its_time_is_still_the_date(line, iso):
    assert parse_date(line) == iso


BODY_LINE = "Rain all day, and the trench flooded to the knee by evening, so the men"


def test_a_date_the_paragraph_runs_on_from_opens_the_body():
    lines = ["12 March 1916.", BODY_LINE]
    found, taken = shown_byline_and_date(lines, run_on={0})
    assert (found, taken) == ({}, set())


def test_a_date_line_alone_under_the_title_is_the_date():
    lines = ["By Mira Tanaka", "3 April 1865", BODY_LINE]
    assert shown_byline_and_date(lines, run_on={0, 2}) == ({"author": "Mira Tanaka", "date": "1865-04-03"}, {0, 1})


def test_a_date_running_on_into_the_byline_is_still_the_heads():
    lines = ["3 April 1865", "By Mira Tanaka", BODY_LINE]
    assert shown_byline_and_date(lines, run_on={0}) == ({"date": "1865-04-03", "author": "Mira Tanaka"}, {0, 1})


def test_a_date_under_a_byline_is_the_heads_though_the_body_runs_on_from_it():
    # a head set at the body's leading, no gap: the byline above the date shows it is the head
    lines = ["By Anna Weiss", "March 3, 2017", "The committee met on Monday. It decided nothing."]
    assert shown_byline_and_date(lines, run_on={0, 1}) == ({"author": "Anna Weiss", "date": "2017-03-03"}, {0, 1})


def test_a_date_under_the_stated_author_is_the_heads_though_the_body_runs_on_from_it():
    lines = ["Anna Weiss", "March 3, 2017", "The committee met on Monday. It decided nothing."]
    found, taken = shown_byline_and_date(lines, "Anna Weiss", run_on={0, 1})
    assert (found, taken) == ({"date": "2017-03-03"}, {0, 1})


def test_a_byline_with_its_date_gives_both_though_the_body_runs_on_from_it():
    lines = ["By Lena Hoffmann, March 3, 2020", BODY_LINE]
    found = ({"author": "Lena Hoffmann", "date": "2020-03-03"}, {0})
    assert shown_byline_and_date(lines) == shown_byline_and_date(lines, run_on={0}) == found


def test_a_date_line_above_a_byline_with_a_date_stays_the_date():
    lines = ["3 April 1865", "By Mira Tanaka, March 3, 2020", BODY_LINE]
    assert shown_byline_and_date(lines) == ({"date": "1865-04-03", "author": "Mira Tanaka"}, {0, 1})


def test_a_subtitle_opening_with_by_and_ending_with_a_colon_is_read_past():
    lines = ["By Hand and Machine:", "Printing in the Fifteenth Century", "By Jane Smith", BODY_LINE]
    assert shown_byline_and_date(lines) == ({"author": "Jane Smith"}, {2})


def test_a_line_ending_with_a_colon_in_running_text_still_opens_the_body():
    lines = ["The findings are these:", "By Jane Smith", BODY_LINE]
    assert shown_byline_and_date(lines) == ({}, set())


@pytest.mark.parametrize("ending", ["1919.[1]", "1919.”[12]", "1919…", "1919.»"])
def test_a_sentence_ending_in_a_note_marker_or_an_ellipsis_opens_the_body(ending):
    # a date further down is the body's, not the article's
    lines = [f"The treaty was signed in {ending}", "June 1920", BODY_LINE]
    assert shown_byline_and_date(lines) == ({}, set())


@pytest.mark.parametrize(
    "title",
    [
        "untitled.doc",
        "Thesis_final_v3",
        "report_v2_FINAL",
        "Microsoft Word - essay.docx",
        "draft2.pdf",
        "My Essay (final).DOCX",
        "chapter3.tex",
        "layout.indd",
        "Untitled-1",
        "Untitled Document",
        "Document1",
    ],
)
def test_a_file_name_or_an_applications_name_for_it_is_no_title(title):
    assert is_placeholder("title", title)


@pytest.mark.parametrize(
    "title",
    [
        "Copper and Commerce: The Baltic Trade",
        "Why I Left .NET",
        "Notes on the .pdf Format",
        "Plato",
        "The Rise of snake_case in Code",
        "Untitled Poems",
    ],
)
def test_a_real_title_is_no_placeholder(title):
    assert not is_placeholder("title", title)


@pytest.mark.parametrize(("author", "placeholder"), [("User", True), ("admin", True), ("Plato", False)])
def test_an_applications_author_is_a_placeholder_and_a_one_word_name_is_not(author, placeholder):
    assert is_placeholder("author", author) is placeholder


def test_a_name_over_a_date_is_the_heads_author_without_by():
    lines = ["Aisha Rahman", "12 January 2023", BODY_LINE]
    assert shown_byline_and_date(lines) == ({"author": "Aisha Rahman", "date": "2023-01-12"}, {0, 1})
    assert shown_byline_and_date(["Early Modern England", "12 January 2023", BODY_LINE])[0] == {"date": "2023-01-12"}


def test_a_name_suffix_before_the_bylines_date_stays_with_the_name():
    assert parse_byline_and_date("By Jane Roe, Jr., March 3, 2020") == ("Jane Roe, Jr.", "2020-03-03")
    assert parse_byline_and_date("By Jane Roe III | March 3, 2020") == ("Jane Roe III", "2020-03-03")
