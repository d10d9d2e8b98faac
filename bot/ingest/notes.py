"""Footnotes: the notes list (entries, Ibidem, op. cit.) and the inline markers that cite it.

Markers in body text are `[12]`, `[iv]`, `[^3]`: numbers and roman numerals always count (one the
list lacks is warned about, unless it has four digits or more: `[1999]` is a year). Other markers
count only when the notes list has that entry, so that `[sic]`, `[citation needed]` or `[ed.]` stay
text: a name (`[wilson2009]`, from Markdown's
`[^wilson2009]`), a letter (`[a]`), a symbol (`[*]`, `[†]`, `[‡‡]`) or a note group as Wikipedia
shows it (`[note 1]`, `[nb 2]`). In plain text, superscripts (`¹²`) and parenthesised numbers
(`(12)`) become `[12]` where the notes list has entry 12; under a notes heading, entries may be
marked `[a]`, `[*]` or `†` too.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.core.models import Footnote, normalise_marker

# A marker: [i], [12], [^3], [ IV ] — roman numerals or numbers, optionally caret-prefixed.
_MARK = r"\[\s*\^?\s*(?:\d{1,6}|[ivxlcdm]{1,8})\s*\]"
INLINE_MARKER = re.compile(_MARK, re.IGNORECASE)
SYMBOLS = "*†‡§¶‖"  # the classic order of note symbols, then doubled: **, ††
# Counts only when the list has it: [wilson2009], [a], [*], [†‡], [note 1], [nb 2].
NAMED_MARKER = re.compile(rf"\[\^?\s*([^\W_][\w.-]{{0,59}}(?:\s\d{{1,4}})?|[{SYMBOLS}]{{1,4}})\s*\]")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER_DIGITS = str.maketrans(SUPERSCRIPTS, "0123456789")
_SUPERSCRIPT_RUN = re.compile(f"[{SUPERSCRIPTS}]+")
_SYMBOL_RUN = re.compile(rf"(?<=[\w.,;:!?\"”’)])[{SYMBOLS}]{{1,4}}(?=[\s,.;:]|$)")  # "treaty.*", "Vienna†"
_UNIT_BEFORE = re.compile(r"(?:^|[\s(/])(?:m|cm|mm|km|ft|in|mi|yd|s|x|y|n|a|b|r)$")  # m², km³, x²: exponents
# "(3)" right after a word or a sentence's end ("Geneva (3)", "Vienna.(3)"), not "…: (1) first, (2) …"
_PARENTHESISED = re.compile(r"(?:(?<=[\w.!?\"”’»])|(?<=\w ))\((\d{1,3})\)")
# A notes-list entry: a marker at the start of a line, then its text ("[ii] U.S. Department…",
# "[^3]: Source", "[12]. Source", "¹ Source").
ENTRY = re.compile(rf"^\s*({_MARK}|[{SUPERSCRIPTS}]{{1,4}})\s*[:.]?\s*(\S.*)$", re.IGNORECASE)
# Under a notes heading also "1. Source", "1) Source", "(1) Source", "[a] Source", "[*] Source", "† Source"
# (not a bare "* Source": that is a bullet of a reading list).
NUMBERED_ENTRY = re.compile(
    rf"^\s*(?:(\d{{1,4}})[.)]|\((\d{{1,4}})\)|\[([a-z]{{1,2}}|[{SYMBOLS}]{{1,4}})\]|([{SYMBOLS[1:]}]{{1,4}}|\*{{2,4}}))\s+(\S.*)$",
    re.IGNORECASE,
)
NOTES_HEADINGS = frozenset(
    {
        "notes", "footnotes", "endnotes", "references", "sources", "notes and references", "works cited",
        "bibliography",
        "anmerkungen", "fußnoten", "fussnoten", "endnoten", "einzelnachweise", "quellen", "belege",
        "literatur", "literaturverzeichnis",
        "notes et références", "références", "sources et références", "notes de bas de page", "bibliographie",
        "notas", "referencias", "notas y referencias", "fuentes", "notas al pie", "bibliografía",
        "note", "riferimenti", "bibliografia",
        "примечания", "сноски", "ссылки", "источники", "литература", "список литературы",
    }
)  # fmt: skip

# Ibidem in the languages readings come in; what follows it (", p. 414.") is the new detail.
_IBIDEM = re.compile(
    r"^(?:ibid\.?|ibidem|ib\.|[ií]b[ií]d\.?|[ií]b[ií]dem|ebenda|ebd\.|idem|id\.|там\s+же)(?=\W|$)[\s,.;:]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "Smith, op. cit., p. 12.": the author's earlier note, with its page replaced.
_OP_CIT = re.compile(
    r"^(.{2,80}?)[\s,]+(?:op\.\s*cit|loc\.\s*cit|a\.\s*a\.\s*o|указ\.\s*соч|цит\.\s*соч)\.?(?=\W|$)[\s,.;:]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# A page locator: p. 89, pp. 4–5, S. 12 f., pág. 3, с. 45, at the end of a source or the start of a detail.
_PAGE = r"\b(?:pp?|pgs?|pág(?:s|ina)?|s|ss|с|сс|стр|p\.\s*p)\.?\s*[\divxlcdm]+(?:\s*[–—-]\s*[\divxlcdm]+)?(?:\s*ff?\.)?"
_STARTS_WITH_PAGE = re.compile(rf"^{_PAGE}", re.IGNORECASE)
_ENDS_WITH_PAGE = re.compile(rf"([,;]?\s*){_PAGE}\s*\.?\s*$", re.IGNORECASE)
# Chicago's bare page: "Ibid., 45." after "… (London, 1968), 42." (a year there is no page: 1968 stays),
# "xii", "12 ff."; a journal's ends "(1990): 45–67.". Lower-case roman only: "Vol. II" is no page.
_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})\b"
_BARE_PAGE = rf"(\d{{1,4}}|{_ROMAN})(?:\s*[–—-]\s*(?:\d{{1,4}}|{_ROMAN}))?(?:\s*ff?\.)?"
_IS_BARE_PAGE = re.compile(rf"^{_BARE_PAGE}\.?$")
_ENDS_WITH_BARE_PAGE = re.compile(rf"(,\s*|:\s+){_BARE_PAGE}\s*\.?\s*$")  # not "Genesis 1:3."


@dataclass(frozen=True)
class Entry:
    marker: str  # normalised
    text: str


def parse_entry(line: str, numbered: bool = False) -> Entry | None:
    """A notes-list entry, or None. `numbered`: "1. Source" counts too (under a notes heading)."""
    match = ENTRY.match(line)
    if match:
        return Entry(normalise_marker(match.group(1).translate(_SUPER_DIGITS)), match.group(2).strip())
    match = NUMBERED_ENTRY.match(line) if numbered else None
    return Entry(next(filter(None, match.groups()[:4])).lower(), match.group(5).strip()) if match else None


def resolve(entries: list[Entry]) -> tuple[tuple[Footnote, ...], list[str]]:
    """Entries → footnotes with Ibidem and op. cit. resolved. Returns (footnotes, warnings).

    A duplicate marker keeps its first entry; an Ibidem with nothing before it, or an op. cit.
    whose author has no earlier note, stays as written.
    """
    footnotes: list[Footnote] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.marker in seen:
            warnings.append(f"footnote [{entry.marker}] has a second entry; the first one is kept")
            continue
        seen.add(entry.marker)
        ibid = _IBIDEM.match(entry.text)
        if ibid and footnotes:
            previous = footnotes[-1]
            footnotes.append(Footnote(entry.marker, with_detail(previous.source, ibid.group(1)), previous.marker))
            continue
        if ibid:
            warnings.append(f"footnote [{entry.marker}] says Ibidem but no entry comes before it")
        op_cit = _OP_CIT.match(entry.text)
        candidates = _by_author(footnotes, op_cit.group(1)) if op_cit and not ibid else []
        if candidates:
            earlier, author = candidates[0], op_cit.group(1)
            works: dict[str, str] = {}  # each work the author has notes of → its first note
            for candidate in reversed(candidates):
                works.setdefault(_work(candidate.source), candidate.marker)
            if len(works) > 1:
                named = [f"[{m}]" for m in works.values()]
                warnings.append(
                    f"footnote [{entry.marker}] says op. cit. of {_surname(author)}, who has notes "
                    f"{', '.join(named[:-1])} and {named[-1]}: the latest, [{earlier.marker}], is taken"
                )
            source = _own_words(author, earlier.source) + with_detail(earlier.source, op_cit.group(2))
            footnotes.append(Footnote(entry.marker, source, earlier.marker, op_cit=True))
            continue
        footnotes.append(Footnote(entry.marker, entry.text))
    return tuple(footnotes), warnings


def with_detail(source: str, detail: str) -> str:
    """The source a back-reference points to, with its detail: a page replaces the source's page.

    ("Smith, Book (1987), p. 89.", "p. 414.") → "Smith, Book (1987), p. 414."; Chicago's bare pages too,
    ("Smith, Book (1987), 89.", "414.") → "Smith, Book (1987), 414.", and the one style for the other,
    ("Smith, Book (1987), 89.", "p. 414.") → "Smith, Book (1987), p. 414."; ("…", "") → the source.
    """
    detail = detail.strip()
    if not detail:
        return source
    bare = bool(_IS_BARE_PAGE.match(detail))
    if bare or _STARTS_WITH_PAGE.match(detail):  # either style of page replaces either style at the end
        page = _ENDS_WITH_PAGE.search(source) or _ENDS_WITH_BARE_PAGE.search(source)
        if page and page.re is _ENDS_WITH_BARE_PAGE and _is_year(page.group(2)):
            page = None  # a year ends the source: the page is added
        if page:
            separator = page.group(1)
            if not separator.strip():  # "(1990) p. 12." then "15." → "(1990), 15."
                separator = ", " if bare else separator or " "
            elif separator.strip() == ":" and not bare:  # "(1990): 45–67." then "p. 50." → "(1990), p. 50."
                separator = ", "
            return f"{source[: page.start()]}{separator}{detail}"
    return f"{source.rstrip().rstrip('.')}, {detail}"


def _is_year(number: str) -> bool:
    return number.isdigit() and 1400 <= int(number) <= 2100


def _by_author(footnotes: list[Footnote], author: str) -> list[Footnote]:
    """The earlier notes (not themselves back-references), latest first, whose source starts with this
    author, or whose author has this surname ("Kofler, op. cit." after "Anton Kofler, Die Brennerstraße…")."""
    wanted = author.strip(" ,.").casefold()
    if not wanted:
        return []
    surname = _surname(wanted)
    found = []
    for footnote in reversed([f for f in footnotes if f.ibid_of is None]):
        source = footnote.source.casefold()
        named = source.split(",", 1)[0].split()
        if source.startswith(wanted) or source.startswith(surname) or (named and named[-1] == surname):
            found.append(footnote)
    return found


def _work(source: str) -> str:
    """What a note cites, its pages aside: the part after the author ("Hamlin, A Science of Impurity …")."""
    parts = source.casefold().split(",")
    return parts[1].strip() if len(parts) > 1 else parts[0].strip()


def _surname(author: str) -> str:
    return author.strip(" ,.").split()[-1]


_INITIAL = re.compile(r"[A-ZÀ-ÞА-Я]\.")


def _own_words(author: str, source: str) -> str:
    """What an op. cit. says before the author's name ("On the postulates see Gradmann, op. cit."
    → "On the postulates see "), without given names or initials the earlier source spells out."""
    words = author.strip(" ,.").split()[:-1]
    named = {w.casefold() for w in source.split(",", 1)[0].split()}
    while words and (words[-1].casefold() in named or _INITIAL.fullmatch(words[-1])):
        words.pop()
    if not words or source.casefold().startswith(author.strip(" ,.").casefold()):
        return ""
    return " ".join(words) + " "


def cited_markers(text: str, known: Collection[str] = ()) -> list[str]:
    """Normalised markers cited in a text, in order of first citation.

    Numbers and roman numerals always count (an unknown one is warned about), save an unknown one of
    four digits or more (`[1999]` is a year, `[viii]` still a note); any other marker
    (`[wilson2009]`, `[a]`, `[*]`, `[note 1]`) counts only when it is one of `known`, so `[sic]` is
    no citation.
    """
    if "[" not in text:  # every marker is bracketed: most passages cite nothing
        return []
    found: list[tuple[int, str]] = [(m.start(), normalise_marker(m.group(0))) for m in INLINE_MARKER.finditer(text)]
    found = [(at, marker) for at, marker in found if len(marker) < 4 or not marker.isdigit() or marker in known]
    if known:
        named = ((m.start(), _folded(m.group(1))) for m in NAMED_MARKER.finditer(text))
        found += [(start, marker) for start, marker in named if marker in known]
    return list(dict.fromkeys(marker for _, marker in sorted(found)))


def can_cite(marker: str) -> bool:
    """Whether `[marker]` written in text cites the note of that (normalised) marker."""
    text = f"[{marker}]"
    return bool(INLINE_MARKER.fullmatch(text) or NAMED_MARKER.fullmatch(text))


def _folded(marker: str) -> str:
    return " ".join(marker.split()).lower()


def link_plain_markers(text: str, known: Collection[str]) -> str:
    """Plain-text citations of known entries as `[n]`: superscripts ("treaty.¹²" → "treaty.[12]"), note
    symbols right after a word ("treaty.*" → "treaty.[*]") and parenthesised numbers after a word
    ("treaty (3)" → "treaty [3]"). Unknown numbers, exponents (m²) and enumerations ("…: (1) first")
    stay as written."""
    if not known:
        return text
    if any(c in SUPERSCRIPTS for c in text):

        def superscript(match: re.Match) -> str:
            number = match.group(0).translate(_SUPER_DIGITS)
            exponent = _UNIT_BEFORE.search(match.string, 0, match.start())
            return f"[{number}]" if number in known and not exponent else match.group(0)

        text = _SUPERSCRIPT_RUN.sub(superscript, text)
    if any(c in SYMBOLS for c in text):
        text = _SYMBOL_RUN.sub(lambda m: f"[{m.group(0)}]" if m.group(0) in known else m.group(0), text)
    if "(" in text:

        def parenthesised(match: re.Match) -> str:
            return f"[{match.group(1)}]" if match.group(1) in known else match.group(0)

        text = _PARENTHESISED.sub(parenthesised, text)
    return text


def is_notes_heading(line: str) -> bool:
    return line.strip().strip("#*_:= ").casefold() in NOTES_HEADINGS


def _heading_apart(block: list[str]) -> list[list[str]]:
    """A notes heading with its first entry on the next line, no blank line between, as two blocks."""
    if len(block) > 1 and is_notes_heading(block[0]) and parse_entry(block[1], numbered=True) is not None:
        return [block[:1], block[1:]]
    return [block]


def take_notes(blocks: list[list[str]]) -> tuple[list[Entry], list[list[str]], int]:
    """Split off the notes list: the run of blocks from the first entry to the last one.

    An entry is a marker at the start of a line (`[12] …`, `¹ …`) anywhere, or a numbered line
    (`1. …`, `1) …`) after a notes heading. Inside that run, a block that is no entry but reads as
    text (several lines, a note marker, a long sentence: text pasted from a PDF, its notes at the
    foot of each page) stays in the body where it was; other text (a stray pull-quote) is dropped;
    notes headings go too. Returns (entries, the body blocks, how many stray lines were dropped).
    """
    blocks = [part for block in blocks for part in _heading_apart(block)]
    heading_rows = [i for i, block in enumerate(blocks) if len(block) == 1 and is_notes_heading(block[0])]
    after_heading = heading_rows[0] if heading_rows else len(blocks)

    def is_entry_row(i: int) -> bool:
        return parse_entry(blocks[i][0], numbered=i > after_heading) is not None

    entry_rows = [i for i in range(len(blocks)) if is_entry_row(i)]
    if not entry_rows:
        return [], blocks, 0
    first, last = entry_rows[0], entry_rows[-1]
    entries: list[Entry] = []
    between: list[list[str]] = []  # text between notes at the pages' feet
    stray = 0
    for row in range(first, last + 1):
        block, numbered = blocks[row], row > after_heading
        if row in heading_rows:
            continue
        if not is_entry_row(row) and _reads_as_text(block):
            between.append(block)
            continue
        current: Entry | None = None
        for line in block:
            entry = parse_entry(line, numbered)
            if entry:
                if current:
                    entries.append(current)
                current = entry
            elif current:
                current = Entry(current.marker, f"{current.text} {line.strip()}")
            else:
                stray += 1
        if current:
            entries.append(current)
    head = blocks[:first]
    if head and len(head[-1]) == 1 and is_notes_heading(head[-1][0]):
        head = head[:-1]
    return entries, head + between + blocks[last + 1 :], stray


_CITES_A_NOTE = re.compile(rf"[{SUPERSCRIPTS}]|\[\w{{1,6}}\]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")


def _reads_as_text(block: list[str]) -> bool:
    """A block among the notes that is body text, not a stray line: several lines, or a note
    marker, or one long sentence."""
    text = " ".join(line.strip() for line in block)
    return len(block) > 1 or bool(_CITES_A_NOTE.search(text)) or (len(text) >= 200 and bool(_SENTENCE_END.search(text)))
