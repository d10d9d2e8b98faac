"""Golden tests on the seeds and fixtures for what a moderator may drop into the corpus folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import bundled_corpus_dir
from bot.ingest import build_article, read_document
from bot.ingest.cleaning import is_boilerplate
from bot.ingest.formats.text import decode, text_document
from bot.library import CorpusError, load_corpus

SEED_000 = "000_4a78ec43d6a1d967"
SEED_002 = "002_845548aa095cdc9a"
BOILERPLATE = [
    "Leave A Reply",
    "Get Amazing Articles",
    "Sign Up Now",
    "Email address",
    "Secure and Spam free",
    "Photo credit",
    "ZhenQianNiuNiu",
    "do not necessarily reflect",
    "Original url",
]


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(bundled_corpus_dir())


def test_verbatim_copies_are_unchanged():
    """The bundled seeds and the dev question set, against the checksums taken when they were copied."""
    import hashlib

    root = Path(__file__).resolve().parents[2]
    lines = (root / "tests" / "data" / "upstream.sha256").read_text(encoding="utf-8").splitlines()
    expected = dict(reversed(line.split()) for line in lines if line and not line.startswith("#"))
    assert len(expected) == 3 and set(expected) >= {f"corpus/{p.name}" for p in bundled_corpus_dir().glob("*.txt")}
    for name, digest in expected.items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, name


def test_seed_000_has_eleven_footnotes_and_ibidem_resolves(corpus):
    article = corpus.article(SEED_000)
    assert len(article.footnotes) == 11
    ii, iii = article.footnote("ii"), article.footnote("[iii]")
    assert iii.source == ii.source and iii.ibid_of == "ii"
    assert ii.source.startswith("U.S. Department of Defense")
    cited = {f.marker for p in article.passages for f in p.footnotes}
    assert cited == {f.marker for f in article.footnotes}


def test_seed_000_metadata_from_manifest_and_bio_stays(corpus):
    article = corpus.article(SEED_000)
    assert article.title == "Russia and the West: the hard way to a new reset"
    assert article.author == "Daria Mironova"
    bio = [p for p in article.passages if "PhD student" in p.text]
    assert len(bio) == 1 and bio[0].text.startswith("About Author")


def test_seed_002_metadata_comes_from_the_text(corpus):
    article = corpus.article(SEED_002)
    assert article.title == "Rethinking the Reset"
    assert article.author == "Andrei Tsygankov"
    assert article.date == "2011-06-30"
    assert article.url == "https://www.themoscowtimes.com/2011/06/30/rethinking-the-reset-a7977"


def test_seed_002_broken_paragraph_is_rejoined(corpus):
    texts = [p.text for p in corpus.article(SEED_002).passages]
    assert any("The Kremlin's initiatives — from merging" in t for t in texts)
    assert not any(t.startswith("initiatives") for t in texts)


def test_heading_joins_the_passage_it_introduces(corpus):
    texts = [p.text for p in corpus.article(SEED_000).passages]
    assert any(t.startswith("What is to be done?\nA systemic crisis") for t in texts)
    assert "What is to be done?" not in texts


def test_no_passage_holds_boilerplate_or_the_notes_list(corpus):
    for passage in corpus.passages:
        for junk in BOILERPLATE:
            assert junk.casefold() not in passage.text.casefold(), (passage.id, junk)
        assert not re.match(r"^\[[ivx]+\]", passage.text)
        assert "common interests than shared values.\n" not in passage.text
    stray = "o-Atlantic security structures. common interests"
    assert all(stray not in p.text for p in corpus.passages)


def test_passage_ids_are_stable_and_ordered(corpus):
    again = load_corpus(bundled_corpus_dir())
    assert [p.id for p in again.passages] == [p.id for p in corpus.passages]
    for article in corpus.articles:
        assert [p.ordinal for p in article.passages] == list(range(1, len(article.passages) + 1))
        numbers = [p.paragraph for p in article.passages]
        assert numbers == sorted(numbers) and numbers[0] == 1


def test_long_paragraph_splits_at_sentences_into_even_pieces():
    sentence = "The council met again to discuss the treaty in detail. "
    text = "Title line\n\n" + sentence * 40 + "\n"
    article = build_article("long", "long.txt", text_document(text), max_passage_chars=600).article
    assert len(article.passages) == 4
    assert all(len(p.text) <= 600 and p.text.endswith("detail.") for p in article.passages)
    assert {p.paragraph for p in article.passages} == {1}
    assert " ".join(p.text for p in article.passages) == (sentence * 40).strip()


def test_markdown_metadata_and_odd_markers():
    text = (
        "# A Title\n\nBy [Jane Roe](https://x)\n\nPublished: 3 March 2014\n\n"
        "The treaty was signed[^1] and later revised [ II ].\r\n\r\n"
        "Notes\n\n[^1]: First source\n\n[ii] Ibid., p. 4\n\n[ii] A duplicate\n"
    )
    parsed = build_article("md", "md.md", text_document(text))
    article = parsed.article
    assert (article.title, article.author, article.date) == ("A Title", "Jane Roe", "2014-03-03")
    assert [f.marker for f in article.passages[0].footnotes] == ["1", "ii"]
    assert article.footnote("ii").source == "First source, p. 4"
    assert article.footnote("ii").ibid_of == "1"
    assert any("second entry" in w for w in parsed.warnings)
    assert all(p.text != "Notes" for p in article.passages)


@pytest.mark.parametrize(
    ("name", "byline"),
    [
        ("soil.txt", "By Lena Hoffmann, March 3, 2020"),
        ("soil.txt", "By Lena Hoffmann | 3 March 2020"),
        ("soil.txt", "By Lena Hoffmann — March 3, 2020"),
        ("soil.md", "*By Lena Hoffmann* — March 3, 2020"),
    ],
)
def test_a_date_on_the_bylines_line_is_the_articles_date(name, byline):
    text = f"Soil Carbon Under Pasture\n\n{byline}\n\nGrazed pasture stores more carbon than expected.\n"
    article = build_article("soil", name, read_document(name, text.encode())).article
    assert (article.title, article.author, article.date) == ("Soil Carbon Under Pasture", "Lena Hoffmann", "2020-03-03")
    assert [p.text for p in article.passages] == ["Grazed pasture stores more carbon than expected."]


def test_a_bylines_affiliation_is_dropped_and_gives_no_date():
    text = "Soil Carbon Under Pasture\n\nBy Lena Hoffmann, University of Kent\n\nGrazed pasture stores carbon.\n"
    article = build_article("soil", "soil.txt", text_document(text)).article
    assert (article.author, article.date) == ("Lena Hoffmann", None)


@pytest.mark.parametrize("name", ["Aisha Rahman", "Thomas Greenhalgh", "J. K. Okafor and Lena Weiss"])
def test_a_name_over_the_date_under_the_title_is_the_author(name):
    body = "Coffee reached Oxford in 1650 and London soon after."
    text = f"Coffee and the Coffeehouse\n\n{name}\n\n12 January 2023\n\n{body}\n"
    article = build_article("coffee", "coffee.txt", text_document(text)).article
    assert (article.title, article.author, article.date) == ("Coffee and the Coffeehouse", name, "2023-01-12")
    assert [p.text for p in article.passages] == [body]


@pytest.mark.parametrize("line", ["Coffee Houses", "Early Modern England", "Part One"])
def test_a_subtitle_over_the_date_is_no_author(line):
    text = f"Coffee and the Coffeehouse\n\n{line}\n\n12 January 2023\n\nCoffee reached Oxford in 1650.\n"
    assert build_article("coffee", "coffee.txt", text_document(text)).article.author is None


def test_marker_without_entry_warns():
    parsed = build_article("m", "m.txt", text_document("Body text cites a source[7].\n\n[1] The only entry\n"))
    assert any("[7] has no entry" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\t\n", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (b"\xff\xfeA\x00\x00\xd8", "UTF-16"),
    ],
)
def test_unreadable_files_are_skipped_with_their_reason(tmp_path, data, reason):
    (tmp_path / "bad.txt").write_bytes(data)
    (tmp_path / "good.txt").write_text("A good article about treaties.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["good"]
    assert any(w.path == "bad.txt" and reason in w.message for w in corpus.warnings), corpus.warnings


@pytest.mark.parametrize(
    ("encode", "warned"),
    [
        (lambda s: s.encode("utf-8-sig"), False),
        (lambda s: s.encode("utf-16"), False),
        (lambda s: s.encode("utf-16-be"), None),
        (lambda s: s.encode("cp1252"), True),
    ],
)
def test_encodings(tmp_path, encode, warned):
    text = "Café diplomacy in Genève.\r\n\r\nA second paragraph.\r\n"
    try:
        data = encode(text)
    except UnicodeEncodeError:
        pytest.skip("not encodable")
    (tmp_path / "a.txt").write_bytes(data)
    corpus = load_corpus(tmp_path)
    if warned is None:  # UTF-16 without a BOM is not one of the supported encodings
        assert not corpus.articles and corpus.warnings
        return
    assert corpus.articles[0].passages[0].text == "Café diplomacy in Genève."
    assert any("Windows-1252" in w.message for w in corpus.warnings) is warned


def test_oversized_file_is_skipped(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000, encoding="utf-8")
    corpus = load_corpus(tmp_path, max_file_bytes=1000)
    assert not corpus.articles
    assert "over corpus.max_file_bytes" in corpus.warnings[0].message


def test_all_boilerplate_file_is_skipped(tmp_path):
    (tmp_path / "junk.txt").write_text("Leave A Reply\n\nEmail address\n\nSign Up Now.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert not corpus.articles and "no article text" in corpus.warnings[0].message


def test_missing_folder_and_bad_manifest_name_the_culprit(tmp_path):
    with pytest.raises(CorpusError, match="no such folder"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "manifest.yaml").write_text("articles:\n  a.txt: {colour: red}\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"manifest.yaml, line 2: a.txt: unknown key 'colour'"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("{title: [A, B]}", "line 2: a.txt: 'title' must be text, not ['A', 'B']"),
        ("{url: 'javascript:alert(1)'}", "a.txt: 'url' must be a web address (https://…)"),
        ("{url: 'https://'}", "a.txt: 'url' must be a web address (https://…)"),
        ("{language: English}", "a.txt: 'language' must be a two-letter ISO 639-1 code"),
        ("{title: A, title: B}", "line 2: duplicate key 'title' (first defined on line 2, column 11)"),
    ],
)
def test_a_manifest_value_that_no_citation_could_show_is_named(tmp_path, entry, complaint):
    (tmp_path / "a.txt").write_text("A reading\n\nThe seminar read about volcanoes.\n", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(f"articles:\n  a.txt: {entry}\n", encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        load_corpus(tmp_path)
    assert "manifest.yaml" in str(error.value) and complaint in str(error.value)


def test_decode_windows_line_endings():
    text, warning = decode(b"One.\r\nTwo.\rThree.")
    assert text == "One.\nTwo.\nThree." and warning is None


@pytest.mark.parametrize("line", ["Leave A Reply", "Photo credit: AP", "Secure and Spam free...", "Email address"])
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    ["Photos of the summit were published widely.", "The council will sign up to the treaty.", "Comments by Lavrov"],
)
def test_article_sentences_are_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_a_sentence_ending_in_subscribe_is_kept():
    assert not is_boilerplate("Moscow refused to subscribe.")
    assert is_boilerplate("Subscribe to our newsletter")


def test_a_pool_of_processes_reads_the_same_corpus(tmp_path):
    for n in range(6):
        (tmp_path / f"a{n}.txt").write_text(f"Title {n}\n\nThe treaty was signed[1] in {2000 + n}.\n\n[1] Source {n}\n")
    (tmp_path / "bad.txt").write_bytes(b"")
    sequential, pooled = load_corpus(tmp_path, workers=0), load_corpus(tmp_path, workers=2)
    assert pooled == sequential and len(pooled.articles) == 6 and pooled.warnings


def test_an_articles_language_is_detected_when_nothing_states_it():
    german = (
        "Die Studierenden lesen jede Woche einen Aufsatz über die Geschichte der Stadt und sprechen "
        "danach in der Gruppe darüber, was sie gelernt haben und welche Fragen noch offen sind."
    )
    found = build_article("de", "de.txt", text_document(f"Titel\n\n{german}\n")).article
    assert found.language == "de"
    stated = build_article("de", "de.txt", text_document(f"Titel\n\n{german}\n"), {"language": "en"}).article
    assert stated.language == "en"  # the manifest wins


def test_text_pasted_from_a_pdf_has_its_broken_words_mended_and_real_hyphens_kept():
    text = (
        "The inflation\n\nPrices doubled every few days, and work-\ners were paid twice a day before their wages "
        "became worth-\n"
        "less. The long-term effects were grave, and the long-\nterm savings of the middle classes were gone.\n"
    )
    (passage,) = build_article("weimar", "weimar.txt", text_document(text)).article.passages
    assert passage.text == (
        "Prices doubled every few days, and workers were paid twice a day before their wages became worthless. "
        "The long-term effects were grave, and the long-term savings of the middle classes were gone."
    )


def test_text_pasted_from_a_pdf_loses_its_running_heads_and_page_numbers():
    body = "Prices doubled every few days and wages were paid twice a day in the cities of the Reich."
    pages = []
    for page in range(17, 23):  # a page of text between heads: eight lines
        head = f"THE WEIMAR INFLATION {page}" if page % 2 else f"{page} ANNA KELLER"
        pages.append(f"{head}\n" + f"{body}\n" * 8 + f"{page}")
    text = "The inflation\n\nBy Anna Keller\n\n" + "\n".join(pages) + "\n\nThe mark was stabilised in 1923.\n"
    article = build_article("weimar", "weimar.txt", text_document(text)).article
    shown = " ".join(p.text for p in article.passages)
    assert "WEIMAR" not in shown and "KELLER" not in shown
    assert not re.search(r"\b(?:1[7-9]|2[0-2])\b", shown)
    assert shown.count("Prices doubled") == 48 and "stabilised in 1923" in shown


def test_left_and_right_page_heads_of_a_short_paste_are_dropped_together():
    body = "The occupation of the Ruhr made matters worse, and the government paid the strikers in new notes."
    heads = {n: f"THE WEIMAR INFLATION {n}" if n % 2 else f"{n} ANNA KELLER" for n in (17, 18, 19, 20)}
    pages = [f"{head}\n" + f"{body}\n" * 7 for head in heads.values()]
    article = build_article("w", "w.txt", text_document("The inflation\n\n" + "\n".join(pages))).article
    assert not any("WEIMAR" in p.text or "KELLER" in p.text for p in article.passages)


def test_a_line_that_repeats_with_one_number_is_kept_when_the_numbers_are_no_pages():
    lines = "\n".join(f"Total sales {n}" for n in (40, 12, 33))
    article = build_article("t", "t.txt", text_document(f"Sales\n\n{lines}\n")).article
    assert article.passages[0].text.count("Total sales") == 3


@pytest.mark.parametrize(
    "lines",
    [
        ["1836", "1838", "1839", "1842", "1848"],  # a timeline's years
        ["1914", "1915", "1916", "1917"],
        ["Source 1", "Source 2", "Source 3", "Source 4"],  # a text's own numbered parts
        ["Seminar 1", "Seminar 2", "Seminar 3"],
        ["Hobsbawm 1952", "Hobsbawm 1959", "Hobsbawm 1964"],  # a reading list
        ["1", "2", "3", "4"],
    ],
)
def test_numbered_lines_of_the_text_itself_are_kept(lines):
    said = "The petition went to Parliament and was refused again."
    text = "Chartism\n\n" + "".join(f"{line}\n{said}\n\n" for line in lines)
    shown = "\n".join(p.text for p in build_article("t", "t.txt", text_document(text)).article.passages)
    assert all(line in shown for line in lines)


@pytest.mark.parametrize("numbered", [["1 INTRODUCTION", "2 THE HOSIERY TRADE", "3 THE RISINGS", "4 CONCLUSION"],
                                      ["1", "2", "3", "4"]])  # fmt: skip
def test_numbered_sections_a_page_apart_are_kept(numbered):
    body = "The framework knitters of Nottingham broke the frames of the hosiers who cut their rates. " * 8
    text = "The Luddites\n\n" + "".join(f"{line}\n\n{body}\n\n" for line in numbered)
    shown = "\n".join(p.text for p in build_article("l", "l.txt", text_document(text)).article.passages)
    assert all(f"{line}\n" in shown for line in numbered)


def test_page_n_of_m_footers_are_furniture():
    text = "The cotton famine\n\nPage 1 of 2\nMills closed across Lancashire in 1862.\n\nPage 2 of 2\nRelief came.\n"
    shown = " ".join(p.text for p in build_article("c", "c.txt", text_document(text)).article.passages)
    assert "Page" not in shown and "Mills closed" in shown and "Relief came." in shown


def test_numbered_chapters_are_kept_though_their_numbers_rise():
    text = "A novel\n\n" + "".join(f"Chapter {n}\n\nThe rain fell on the town for day {n}.\n\n" for n in (1, 2, 3))
    article = build_article("n", "n.txt", text_document(text)).article
    assert [p.text.split("\n")[0] for p in article.passages] == ["Chapter 1", "Chapter 2", "Chapter 3"]


def test_a_line_end_hyphen_after_self_or_anti_is_a_real_hyphen():
    text = ("Self-help\n\nSmiles preached self-\nhelp, and the anti-\nslavery men fought slavery; none was self-\n"
            "ish, and they anti-\ncipated reform.\n")  # fmt: skip
    (passage,) = build_article("s", "s.txt", text_document(text)).article.passages
    assert "preached self-help, and the anti-slavery men" in passage.text
    assert "none was selfish, and they anticipated reform." in passage.text


def test_a_page_break_pasted_with_its_page_number_is_mended():
    text = (
        "The report\n\nThe cost of sickness, widowhood and orphan-\n\n2\n\nhood fell on the ratepayers through "
        "poor relief.\n\nChadwick's remedy was engineering.\n"
    )
    passages = build_article("c", "c.txt", text_document(text)).article.passages
    assert [p.text for p in passages] == [
        "The cost of sickness, widowhood and orphanhood fell on the ratepayers through poor relief.",
        "Chadwick's remedy was engineering.",
    ]


def test_a_paragraph_leading_in_with_a_colon_keeps_what_it_introduces():
    text = (
        "The Charter\n\nIn 1838 the London Working Men's Association made six demands:\n\n"
        "1. A vote for every man.\n2. The secret ballot.\n3. No property qualification.\n\nThe petition failed.\n"
    )
    passages = [p.text for p in build_article("c", "c.txt", text_document(text)).article.passages]
    assert passages[0].startswith("In 1838 the London Working Men's Association made six demands:\n1. A vote")
    assert passages[1:] == ["The petition failed."]
