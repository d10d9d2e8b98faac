"""Metadata: what the head of a text shows (title, byline, date, original url), merged with what the
format and the manifest say."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from urllib.parse import urlsplit

from bot.core.analysis import analyzer_for
from bot.core.sentences import ENDS_CLAUSE
from bot.core.synonyms import table as english_table

METADATA_KEYS = ("title", "author", "date", "publication", "url", "language")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# "By Jane Roe" and, in other languages, "Von Anna Schmidt", "Par Jean Dupont", "Автор: Иван Петров", "Por …"
# (the names with whatever ends the line: a colon there makes it a title's first part).
# ("**By** Jane Roe": Markdown's bold on the word.)
_BYLINE = re.compile(r"^\W*(by|von|par|por|di|door|av|автор(?:ы)?\s*[:—–-]?)[*_]*\s+(.{2,120}?)[\s*_]*$", re.IGNORECASE)
# "Smith", "O'Brien", "d'Alembert", "al-Farsi", "el-Din", "ibn-Saud"
_NAME_WORD = re.compile(
    r"^(?:[A-ZÀ-ÖØ-ÞА-ЯЁ]|[dlDO]['’][A-ZÀ-ÖØ-Þ]|(?:al|el|ad|ar|as|at|an|ash|az|ibn|bin|ben|abu|abd)-[A-Z])[\w'’.-]*$"
)
_INITIAL = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁ]\.?(?:-?[A-ZÀ-ÖØ-ÞА-ЯЁ]\.)*$")  # "J.", "J.R.", "J.-P.", "R"
_PARTICLES = frozenset("von van de der den du da di la le del della dos das ten ter y bin ibn al".split())
_JOINS = frozenset(["and", "&", "und", "et", "и", ","])  # between two people's names
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"])  # "Jane Roe, Jr.": one person's
_MOST_PEOPLE = 12  # a byline naming more is a list of something else
# News agencies whose names are English words, or open with "The": a byline of their own ("By The Associated
# Press"), which the rule for people's names would refuse.
_AGENCIES = frozenset(
    "associated press|press association|canadian press|australian associated press|united press international"
    "|press trust of india|agence france-presse".split("|")
)
# Given names that are English words too ("Mark", "Rose", "Will", "John"): with one, two English words
# ("Mark Brown") are a person's, not a phrase's ("Popular Demand"). Only names the English word table
# holds need be here (the others are no English word).
_GIVEN_WORDS = frozenset(
    "adam alexander amber anthony april art arthur august belle ben benjamin bill billy bob bonnie brittany buck"
    " candy carlos charles chase cherry christian chuck clay constance crystal cynthia dawn dean destiny dick"
    " dolly don doris earl ebony edward ethan eve faith fern flora frank gary gene ginger grace grant gregory guy"
    " harry hazel heather hilary honey hope iris jack jade jean jerry john jordan joshua joy kit lance lawrence"
    " lee li liberty maria marie mark mary mason matthew max may meg melody mercy miles misty mo mohammed"
    " muhammad nick page pat patience paul pearl peg penny peter pip primrose prudence randy raven ray rebecca"
    " rex rich rob robin rocky rod roman rose ruby russell rusty ruth sage sally sandy sky sonny star stormy sue"
    " summer sunny teresa terry theresa tom trinity victor victoria violet virginia wade ward will".split()
)
# Words no personal name is made of, capitalised in a title-case phrase: "By The Numbers", "By Any Means".
_FUNCTION_WORDS = frozenset(
    "the of in on at to for from with without into onto over under through about after before between against among"
    " upon any all every each no not only our your their my her its this that these those what how why when where"
    " which some more most other own".split()
)
_BYLINE_DESK = re.compile(r"\s+(?:\||—|–|-|/|·)\s+.*$")  # "By X | Politics desk": the author is X
URL_LINE = re.compile(r"^\W*original url\s*:\s*<?(\S+?)>?\s*$", re.IGNORECASE)
_ABOUT_AUTHOR = re.compile(r"^about (the )?authors?\W*$", re.IGNORECASE)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y", "%d.%m.%Y")


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner janvier enero gennaio janeiro января январь янв",
            "february feb februar février fevrier febrero febbraio fevereiro февраля февраль фев",
            "march mar märz maerz mars marzo março марта март",
            "april apr avril abril aprile апреля апрель апр",
            "may mai mayo maggio maio мая май",
            "june jun juni juin junio giugno junho июня июнь",
            "july jul juli juillet julio luglio julho июля июль",
            "august aug août aout agosto августа август авг",
            "september sep sept septembre septiembre setiembre settembre setembro сентября сентябрь сен",
            "october oct oktober octobre octubre ottobre outubro октября октябрь окт",
            "november nov novembre noviembre novembro ноября ноябрь",
            "december dec dezember décembre decembre diciembre dicembre dezembro декабря декабрь дек",
        ),
        1,
    )
    for name in names.split()
}
_PUBLISHED = re.compile(
    r"^(?:published|posted|updated|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado"
    r"|pubblicato|опубликовано|обновлено)(?:\s+(?:on|am|le|el|il|в))?\s*:?\s*",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"^[^\W\d]{2,12}\.?,\s*(?=\d{1,2}\b|[^\W\d]+\s+\d)")  # "Tuesday, June 30, 2011", not "Feb., 1952"
# A dateline's time and what may follow it ("10:30 Uhr", "10.30 p.m. EST", "14:22:09 UTC", "| 5 min read");
# not the words of a diary's entry after its time ("12 March 1916, 10.30. Rain all day").
_TIME_TAIL = re.compile(
    r"(?:\s*(?:,|\||—|–|-|at|um|à|a las|в)\s*\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?"
    r"(?:\s*(?:[ap]\.?\s?m\b\.?|uhr\b|h\b|(?-i:[A-Z]{1,5})\b|[+-]\d{1,2}(?::?\d{2})?|\([^()]{1,12}\)))*"
    r"\.?(?:\s*\|.*)?|\s*\|.*)$",
    re.IGNORECASE,
)
_ISO_PARTS = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_SEASONS = frozenset({"spring", "summer", "autumn", "fall", "winter", "frühjahr", "sommer", "herbst", "printemps",
                      "été", "automne", "hiver", "primavera", "verano", "otoño", "invierno"})  # fmt: skip
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:\.|er|º|°)?\s+(?:de\s+)?([^\W\d]+)\.?,?\s+(?:de\s+)?(\d{4})(?:\s*г\.?)?$")
_MONTH_DAY_YEAR = re.compile(r"^([^\W\d]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([^\W\d]+)\.?,?\s+(\d{4})$")  # a journal issue's "November 1998"


def parse_date(text: str) -> str | None:
    """'June 30, 2011' / '30 June 2011' / '2011-06-30' / '9. November 2019' / '12 апреля 2021' /
    '12 de abril de 2021' / 'Published April 12, 2021' → ISO; 'November 1998' → '1998-11'; anything else
    → None."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().strip("*_ ").rstrip("."))
    cleaned = _PUBLISHED.sub("", cleaned)
    iso = _strict_iso(cleaned)
    if iso or len(cleaned) > 60:
        return iso
    cleaned = _TIME_TAIL.sub("", _WEEKDAY.sub("", cleaned)).strip().rstrip(".")
    day_first, month_first = _DAY_MONTH_YEAR.match(cleaned), _MONTH_DAY_YEAR.match(cleaned)
    month_only = _MONTH_YEAR.match(cleaned)
    if month_only:
        if month_only[1].casefold() in _SEASONS:  # a journal's "Spring 2004" issue: the year
            return month_only[2]
        month = _MONTHS.get(month_only[1].casefold())
        return f"{month_only[2]}-{month:02d}" if month else None
    if day_first:
        day, month, year = day_first.groups()
    elif month_first:
        month, day, year = month_first.groups()
    else:
        return _strict_iso(cleaned)
    try:
        return date(int(year), _MONTHS.get(month.casefold(), 0), int(day)).isoformat()
    except ValueError:
        return None


def is_iso_date(text: str, *, partial: bool = False) -> bool:
    """Whether `text` is a date on the calendar written 2024-05-31 (with `partial`, also 2024 or
    2024-05): not 2017-13-45 nor 2020-02-30, which have the shape."""
    parts = _ISO_PARTS.fullmatch(text)
    if parts is None or not (partial or parts[3]):
        return False
    try:
        date(int(parts[1]), int(parts[2] or 1), int(parts[3] or 1))
    except ValueError:
        return False
    return True


# What an application or a template writes into a file's properties when nobody named the document:
# never a title or an author to cite ("Microsoft Word - Document1", "Untitled-1", "User"). A title that is
# the file's name ("untitled.doc", "draft2.pdf") or a file stem ("Thesis_final_v3": one token, underscores)
# is none either.
_PLACEHOLDER = {
    "title": re.compile(
        r"untitled(?: document|[\s_-]*\d+)?|document\s*\d*|title|word document|microsoft word\s*-.*"
        r"|.*[^\s.]\.(?:docx?|pdf|odt|rtf|tex|txt|indd|qxd)|[\w.-]*_[\w.-]*",
        re.I,
    ),
    "author": re.compile(r"anonymous|unknown|(?:windows |microsoft office |office )?user|admin(?:istrator)?|author"
                         r"|owner", re.I),  # fmt: skip
}


def is_placeholder(key: str, text: str) -> bool:
    """Whether a file property (`key` "title" or "author") holds an application's placeholder."""
    pattern = _PLACEHOLDER.get(key)
    return pattern is not None and pattern.fullmatch(text.strip()) is not None


def is_web_url(text: str) -> bool:
    """Whether `text` is an http(s) address with a host and no spaces (a citation's link: never
    javascript:, file: or data:, nor a bare "https://" that leads nowhere)."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a broken port or bracket
        return False
    return parts.scheme in ("http", "https") and bool(host) and not any(c.isspace() for c in text)


def _strict_iso(text: str) -> str | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def parse_byline(text: str) -> str | None:
    """'By Jane Roe' / 'By Jane Roe | Politics desk' / 'by Jane Roe, University of X' / 'Von Anna Schmidt' /
    'Автор: Иван Петров' → the names. They must read as people's names (`_names`): a title that opens with
    "By" ("By Sea and Land", "By Hand and Machine: Printing…", "By the Numbers") is none, nor is a line
    of running text that opens with "By the …"."""
    return parse_byline_and_date(text)[0]


# What may part a byline's names from a date on its line: "By X, March 3, 2020", "By X | …", "By X on …"
_BYLINE_DATE_SEPARATOR = re.compile(r"\s*[,|—–·]\s*|\s+-\s+|\s+on\s+", re.IGNORECASE)


def parse_byline_and_date(text: str) -> tuple[str | None, str | None]:
    """A byline's names (parse_byline) and the date on its line after them ("By Jane Roe, March 3, 2020",
    "By Jane Roe | 3 March 2020", "By Jane Roe on March 3, 2020"): the whole rest of the line after a
    separator, read by parse_date; otherwise None ("By Jane Roe, University of X"). No names, no date."""
    byline = _BYLINE.match(text)
    if not byline:
        return None, None
    names, found_date = _plain(byline.group(2)), None
    for separator in _BYLINE_DATE_SEPARATOR.finditer(names):
        rest = names[separator.end() :]
        first = rest.split(maxsplit=1)
        if first and first[0].rstrip(",").casefold() in _SUFFIXES:  # "Jane Roe, Jr., March 3, 2020"
            continue
        found_date = parse_date(rest)
        if found_date:
            names = names[: separator.start()]
            break
    names = _BYLINE_DESK.sub("", names).strip()
    if ":" in names:  # "By Hand and Machine: Printing in the Fifteenth Century": a title and its subtitle
        return None, None
    names = re.sub(r"^\W+|\W+$", "", names) + (names[-1] if _ENDS_ABBREVIATION.search(names) else "")
    if re.sub(r"^the\s+", "", names.casefold()) in _AGENCIES:
        return names, found_date
    people = _names(names, english=byline.group(1).casefold() == "by")
    return people, found_date if people else None


# A byline's last word written with its full stop: a suffix or an initial ("King Jr.", "Smith, J.")
_ENDS_ABBREVIATION = re.compile(r"(?:\b(?:[JjSs][Rr])|(?<![\w'’.-])[A-ZÀ-ÖØ-ÞА-ЯЁ])\.$")


def _names(text: str, *, english: bool = False) -> str | None:
    """The people a byline names ("J. R. Smith and Ann Lee", "Jane Smith, Ann Lee, and Bo Chen"), without
    an affiliation or role after a comma ("Jane Smith, University of X" → "Jane Smith"); None when the
    words are no people's names. Each person is two or more name words (capitalised, initials, particles
    such as "van" or "de": a given name and a family name) with a full one among them, and no function
    word ("the", "any", "of"); a byline of one word alone ("By Reuters") is a pen name or an agency, but
    single words joined ("By Sea and Land", "By Hand and Machine") are a phrase's. In an `english` byline,
    one or two English words are a phrase's too ("By Design", "By Popular Demand"; `_english_words`), but
    for a given name among them ("Mark Brown"). After a person, what is no person's name ends the names:
    an affiliation or a role after a comma, a desk at the end ("Jane Smith and the Editors")."""
    tokens = text.replace(",", " , ").split()
    people: list[tuple[int, int]] = []  # each person's tokens: [start, end)
    start = 0
    for at, token in enumerate([*tokens, ","]):
        if token.casefold() in _JOINS:
            if at > start:
                people.append((start, at))
            start = at + 1
    named: list[tuple[int, int]] = []
    for first, end in people:
        words = tokens[first:end]
        if named and len(words) == 1 and words[0].casefold() in _SUFFIXES:  # "Jane Roe, Jr."
            named[-1] = (named[-1][0], end)
            continue
        if not _is_person(words, alone=len(people) == 1, english=english):
            after_comma = first > 0 and tokens[first - 1] == ","
            desk = words[0].casefold() == "the" and end == len(tokens) and len(words) <= 4  # "and the Editors"
            if named and (after_comma or desk):  # an affiliation, a role, a desk: not a name
                break
            return None
        named.append((first, end))
    if not named or len(named) > _MOST_PEOPLE:
        return None
    return " ".join(tokens[: named[-1][1]]).replace(" , ", ", ")


def _is_person(words: list[str], *, alone: bool, english: bool = False) -> bool:
    if not 1 <= len(words) <= 6 or any(w.casefold().strip(".") in _FUNCTION_WORDS for w in words):
        return False
    if not all(w in _PARTICLES or _NAME_WORD.match(w) for w in words):
        return False
    full = [w for w in words if w not in _PARTICLES and not _INITIAL.match(w)]
    named = [w for w in words if w not in _PARTICLES]
    if not full or not (len(named) >= 2 or alone and len(words) == 1):
        return False
    if english and len(words) <= 2 and full == words and words[0].casefold() not in _GIVEN_WORDS:
        return not all(_is_english_word(w) for w in words)  # "By Design", "By Popular Demand": a phrase
    return True


def _is_english_word(word: str) -> bool:
    """Whether `word` is a common English word, lower-cased ("Design", "DEMAND"; "the"), as the English
    word table shows it: the synonym table's terms (bot.core.synonyms: WordNet's words, as stems) and the
    analyzer's stopwords. A name that is no English word ("Weiss", "Reuters") is not there; one that is
    ("Smith", "Brown") is, which is why a given name counts (_GIVEN_WORDS)."""
    terms = analyzer_for("en").tokens(word.casefold())
    return not terms or len(terms) == 1 and terms[0] in _english_words()


@cache
def _english_words() -> frozenset[str]:
    """Read once a process (~0.1 s), when a one- or two-word English byline is first met."""
    found = english_table()
    return frozenset(found).union(*(others.split() for others in found.values()))


def shown_byline_and_date(
    texts: Sequence[str | None], stated_author: str | None = None, *, run_on: Collection[int] = ()
) -> tuple[dict, set[int]]:
    """The author and date a document prints under its title ("By Mira Tanaka", "March 2019"), from
    its first lines or paragraphs (None: a heading, passed over), and which of them showed them.
    Read until the body begins (a line longer than a byline, or one ending a sentence), past short
    lines such as an affiliation; a line that is just the `stated_author` (the file's properties) is
    the byline without "By" and is taken too. A PDF's and a Word file's head alike.

    `run_on`: the positions of lines whose paragraph the next one goes on with (a PDF's lines; a Word
    paragraph is whole). A date line there opens the body, as a diary's first entry does ("12 March
    1916." over the day's text): the body has begun, and the date is the entry's, not the article's;
    unless the line just above it is the byline, which shows the date is the head's (a head set at the
    body's leading, with no gap over the body).

    A title's first part ending with a colon ("By Hand and Machine:" over "Printing in the Fifteenth
    Century") ends no sentence: the lines under it are read on."""
    found: dict[str, str] = {}
    taken: set[int] = set()
    under_byline = False  # the line above was the byline
    for position, text in enumerate(texts):
        if text is None:
            continue
        text = text.strip()
        following = texts[position + 1] if position + 1 < len(texts) else None
        author, byline_date = parse_byline_and_date(text) if "author" not in found else (None, None)
        if "author" not in found and not author and not stated_author:
            author = _name_over_date(text, following)
        date = "date" not in found and (byline_date or len(text) <= 40 and parse_date(text))
        if date and not author and position in run_on and not under_byline and _opens_body(following, stated_author):
            break  # a dated entry opens the body (a byline with its date does not)
        is_author = bool(stated_author) and text.casefold() == stated_author.casefold()
        under_byline = bool(author) or is_author
        if author or date:
            found.update({key: value for key, value in (("author", author), ("date", date)) if value})
            taken.add(position)
        elif is_author:
            taken.add(position)
        elif len(text) > 60 or ENDS_CLAUSE.search(text) and not _is_title_part(text):
            break  # the body has begun
    return found, taken


_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or the to with".split())


def _is_title_part(text: str) -> bool:
    """Whether a line ending with a colon is a title's first part ("By Hand and Machine:", "Grain and
    Salt:"), its words capitalised but for small ones, rather than running text's ("as follows:")."""
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    return text.endswith(":") and bool(words) and all(w[0].isupper() or w in _SMALL_WORDS for w in words)


def _name_over_date(text: str, following: str | None) -> str | None:
    """A line of people's names alone over a date line ("Aisha Rahman" over "12 January 2023"): a
    byline without "By", as essays and handouts set it under their title (`_names`: "Early Modern
    England" is no one's name)."""
    if following is None or len(text) > 80 or not parse_date(_plain(following.strip())):
        return None
    names = _names(_plain(text).strip(), english=True)
    words = (names or "").replace(",", " ").split()
    # without "By", stricter: each word a given name, a particle, an initial or no English word
    ordinary = (w for w in words if w.casefold() not in _GIVEN_WORDS and w not in _PARTICLES and not _INITIAL.match(w))
    return names if names and not any(_is_english_word(w) for w in ordinary if w.casefold() not in _JOINS) else None


def _opens_body(following: str | None, stated_author: str | None = None) -> bool:
    """Whether a date line whose paragraph goes on with `following` (the next line, None: a heading)
    is the first line of the body, a dated entry's, rather than the head's: the date stands alone
    unless text of the paragraph follows it (a byline or another date after it is the head's still)."""
    if following is None:
        return False
    text = _plain(following.strip())
    head = parse_byline(text) or parse_date(text) or (stated_author and text.casefold() == stated_author.casefold())
    return bool(text) and not head


@dataclass
class Metadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    publication: str | None = None
    url: str | None = None
    language: str = "en"

    def updated(self, values: dict) -> Metadata:
        merged = {k: getattr(self, k) for k in METADATA_KEYS}
        merged.update({k: v for k, v in values.items() if v is not None})
        return Metadata(**merged)


def _plain(text: str) -> str:
    return _MD_LINK.sub(r"\1", text).strip().strip("*_").strip()


def take_metadata(blocks: list[list[str]], *, guess_title: bool = True) -> tuple[Metadata, list[list[str]]]:
    """Metadata the text shows, and the blocks without the lines that showed it.

    The head of the file (before the first real paragraph) may hold a title (`# Title` or, when
    `guess_title`, a lone short first line), a `By …` line and a date line; an `Original url:` line
    may be anywhere. (When the format states the title, a short first line is a heading: kept.)
    """
    meta = Metadata()
    kept: list[list[str]] = []
    in_head = True
    heads = _head_lines_apart(blocks)
    for at, block in enumerate(heads):
        lines = []
        for line in block:
            url = URL_LINE.match(line)
            if url:
                meta.url = meta.url or url.group(1)
                continue
            if in_head and len(block) == 1:
                text = line.strip()
                if meta.title is None and text.startswith("# "):
                    meta.title = _plain(text[2:])
                    continue
                author, dated = (None, None)
                if meta.author is None and len(text) <= 150:
                    author, dated = parse_byline_and_date(_plain(text))
                if meta.author is None and not author and meta.title is not None:
                    following = heads[at + 1] if at + 1 < len(heads) and len(heads[at + 1]) == 1 else [None]
                    author = _name_over_date(text, following[0])
                if author:
                    meta.author, meta.date = author, meta.date or dated  # "By Jane Roe, March 3, 2020"
                    continue
                found_date = parse_date(_plain(text))
                if meta.date is None and found_date:
                    meta.date = found_date
                    continue
                title_like = len(text) <= 200 and not re.search(r"[.!?]$", text)
                if guess_title and meta.title is None and not kept and title_like:
                    meta.title = _plain(text.lstrip("#"))
                    continue
            lines.append(line)
        if lines:
            kept.append(lines)
            in_head = in_head and len(lines) == 1 and len(lines[0]) < 40  # a long line ends the head
    meta.author = meta.author or _author_from_bio(kept)
    return meta, kept


def _head_lines_apart(blocks: list[list[str]]) -> list[list[str]]:
    """A head written without blank lines ("Title", "By Jane Doe", "March 3, 2017" in one block) read
    as the lone lines it would be with them: when the first block is a few short lines, one of them
    past the first a byline or a date. A date line the block goes on from with text is a dated entry's
    (shown_byline_and_date's rule), unless a byline stands just above it: from it on, the block stays
    one paragraph."""
    if not blocks or not 1 < len(blocks[0]) <= 4 or any(len(line.strip()) > 150 for line in blocks[0]):
        return blocks
    head = blocks[0]
    rest = [_plain(line.strip()) for line in head[1:]]
    if not any(parse_byline(line) or parse_date(line) for line in rest):
        return blocks
    lone: list[list[str]] = []
    for at, line in enumerate(head):
        dated = at and at + 1 < len(head) and parse_date(_plain(line.strip()))
        under_byline = at and parse_byline(_plain(head[at - 1].strip()))  # the head's date, under its byline
        if dated and not under_byline and _opens_body(head[at + 1]):
            return [*lone, head[at:], *blocks[1:]]  # a dated entry opens the body: one paragraph still
        lone.append([line])
    return lone + blocks[1:]


def _author_from_bio(blocks: list[list[str]]) -> str | None:
    """An "About Author" heading followed by a lone name line names the author."""
    for heading, name in zip(blocks, blocks[1:], strict=False):
        if len(heading) == 1 and _ABOUT_AUTHOR.match(heading[0].strip()) and len(name) == 1:
            candidate = name[0].strip()
            if 1 < len(candidate.split()) <= 5 and not re.search(r"[.!?:]", candidate):
                return candidate
    return None
