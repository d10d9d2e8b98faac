"""PDF fixtures made like real readings, with the truth about them (for tests and the benchmark).

A tiny typesetter over reportlab's canvas: it wraps paragraphs into one or two columns, breaks words
at marked hyphenation points ("interna|tional") and after real hyphens ("mil-to-mil"), sets footnote
references as superscripts, puts each footnote at the foot of the column where it is cited, draws
running headers and page numbers, and records what a reader should give back: each paragraph's
text (references as ``[n]``), the physical pages it lies on, the notes and the page labels.

Lines of a page are drawn row by row across all columns (as some producers do), so a reader that
trusts the content stream's order instead of the geometry mixes the columns.

`short_column` is the page on which the last paragraph runs over from a full column into only a few
lines of the next one, at its top or under a figure.

Turned pages (`turned_pages`) are typeset like the others, then drawn sideways on a landscape sheet
whose /Rotate shows them upright, as landscape table pages are; `margin_stamp` is a line set
vertically in the left margin of page 1 (like arXiv's), and `sidebar` lines set sideways in the
right margin of page 2: text a reader should leave out, recorded in Truth.left_out.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

WIDTH, HEIGHT = letter
MARGIN = 72
BODY_FONT, BOLD_FONT = "Times-Roman", "Times-Bold"
_REF = re.compile(r"\^(\d+)")


@dataclass
class Truth:
    paragraphs: list[str] = field(default_factory=list)  # reading text, references as [n]
    pages: list[set[int]] = field(default_factory=list)  # physical pages of each paragraph
    headings: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    cited: list[list[str]] = field(default_factory=list)  # the note markers each paragraph cites
    page_labels: dict[int, str] = field(default_factory=dict)
    furniture: list[str] = field(default_factory=list)  # header/footer lines drawn
    left_out: list[str] = field(default_factory=list)  # sideways text in the margins, no passage's
    hyphen_breaks: int = 0  # words broken at a line end with an added hyphen
    compound_breaks: int = 0  # words broken after a real hyphen


@dataclass
class _Word:
    text: str  # as drawn, "|" marks a hyphenation point
    ref: str = ""  # superscript footnote number after it


@dataclass
class _Line:
    x: float
    y: float
    parts: list[tuple[str, str, float, float]]  # (text, font, size, rise), drawn left to right


class _Typesetter:
    def __init__(self, columns: int, size: float, leading: float, note_size: float, labels, header):
        self.columns = columns
        self.size, self.leading = size, leading
        self.note_size, self.note_leading = note_size, note_size * 1.2
        self.gutter = 18
        self.col_width = (WIDTH - 2 * MARGIN - (columns - 1) * self.gutter) / columns
        self.labels = labels  # physical page (1-based) → printed label
        self.header = header  # physical page → running header text
        self.truth = Truth()
        self.figures: dict[tuple[int, int], float] = {}  # (page, column) → the height of a figure at its top
        self.floor = MARGIN  # the bottom of the columns' text
        self.pages: list[list[_Line]] = []
        self.column = 0
        self.top_of_page = HEIGHT - MARGIN
        self._new_page()

    # -- page geometry --
    def _new_page(self) -> None:
        self.pages.append([])
        self.column = 0
        self.y = self.top_of_page
        self.col_notes: list[list[str]] = [[] for _ in range(self.columns)]
        self.note_height = [0.0] * self.columns

    @property
    def page(self) -> int:
        return len(self.pages)

    def _x(self) -> float:
        return MARGIN + self.column * (self.col_width + self.gutter)

    def _bottom(self) -> float:
        room = self.note_height[self.column]
        return self.floor + (room + 8 if room else 0)

    def _next_column(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
            self.y = self.column_top - self.figures.get((self.page, self.column), 0)
        else:
            self._new_page()
            self.column_top = self.top_of_page

    column_top = HEIGHT - MARGIN

    def full_width(self, text: str, font: str, size: float, leading: float, body: bool = False) -> None:
        """A title (not body text) or an abstract (body) across all columns, at the top of the first page."""
        words = [_Word(w) for w in text.split()]
        lines = self._wrap(words, WIDTH - 2 * MARGIN, font, size, first_indent=0)
        for number, line in enumerate(lines):
            self.y -= leading
            justify = WIDTH - 2 * MARGIN if body and number < len(lines) - 1 else None
            self.pages[-1].append(self._line_of(line, MARGIN, self.y, font, size, justify))
        if body:
            self.truth.paragraphs.append(" ".join(w.text.replace("|", "") for w in words))
            self.truth.pages.append({self.page})
            self.truth.cited.append([])
        self.y -= leading
        self.column_top = self.y

    def heading(self, text: str) -> None:
        if self.y - 2.2 * self.leading < self._bottom():
            self._next_column()
        self.y -= self.leading * 0.8
        self.y -= self.leading
        self.pages[-1].append(_Line(self._x(), self.y, [(text, BOLD_FONT, self.size + 1, 0)]))
        self.truth.headings.append(text)

    def paragraph(self, text: str, notes: dict[str, str] | None = None, footnotes: bool = True) -> None:
        words = [_Word(_REF.sub("", w), ("".join(_REF.findall(w)))) for w in text.split()]
        pages: set[int] = set()
        lines = self._wrap(words, self.col_width, BODY_FONT, self.size, first_indent=self.size * 1.5)
        for number, line in enumerate(lines):
            refs = [w.ref for w in line if w.ref]
            extra = sum(self._note_height(notes[r]) for r in refs) if footnotes and notes else 0
            if self.y - self.leading < self._bottom() + extra:
                self._next_column()
            self.y -= self.leading
            indent = self.size * 1.5 if number == 0 else 0
            justify = self.col_width - indent if number < len(lines) - 1 else None
            self.pages[-1].append(self._line_of(line, self._x() + indent, self.y, BODY_FONT, self.size, justify))
            pages.add(self.page)
            for ref in refs if footnotes and notes else ():
                self.col_notes[self.column].append(ref)
                self.note_height[self.column] += self._note_height(notes[ref])
                self._place_notes(notes)
        plain = " ".join(w.text.replace("|", "") + (f"[{w.ref}]" if w.ref else "") for w in words)
        self.truth.paragraphs.append(plain)
        self.truth.pages.append(pages)
        self.truth.cited.append([w.ref for w in words if w.ref])

    def _note_height(self, note: str) -> float:
        words = [_Word(w) for w in f"{note}".split()]
        return len(self._wrap(words, self.col_width - 8, BODY_FONT, self.note_size, 0)) * self.note_leading

    def _place_notes(self, notes: dict[str, str]) -> None:
        """Redraw this column's notes at its foot (the last placement wins; earlier ones are removed)."""
        lines = self.pages[-1]
        tag = (self.page, self.column)
        lines[:] = [ln for ln in lines if getattr(ln, "note_of", None) != tag]
        y = MARGIN + self.note_height[self.column]
        for ref in self.col_notes[self.column]:
            wrapped = self._wrap(
                [_Word(w) for w in notes[ref].split()], self.col_width - 8, BODY_FONT, self.note_size, 0
            )
            for number, words in enumerate(wrapped):
                y -= self.note_leading
                line = self._line_of(words, self._x() + 8, y, BODY_FONT, self.note_size, None)
                if number == 0:
                    line.x -= 8
                    line.parts.insert(0, (f"{ref} ", BODY_FONT, self.note_size, 0))
                line.note_of = tag  # type: ignore[attr-defined]
                lines.append(line)

    # -- lines --
    def _wrap(self, words: list[_Word], width: float, font: str, size: float, first_indent: float):
        lines: list[list[_Word]] = []
        current: list[_Word] = []
        used = first_indent
        space = stringWidth(" ", font, size)
        queue = list(words)
        while queue:
            word = queue.pop(0)
            w = self._word_width(word, font, size)
            if current and used + space + w > width:
                head, tail = self._split(word, width - used - space, font, size)
                if head:
                    current.append(head)
                    queue.insert(0, tail)
                else:
                    queue.insert(0, word)
                lines.append(current)
                current, used = [], 0
                continue
            used += (space if current else 0) + w
            current.append(word)
        if current:
            lines.append(current)
        return lines

    def _split(self, word: _Word, room: float, font: str, size: float):
        """Break a word at its last hyphenation point (or real hyphen) that fits in `room`."""
        text = word.text
        for i in range(len(text) - 1, 0, -1):
            if text[i] == "|":
                head = text[:i].replace("|", "") + "-"
                kind = "hyphen"
            elif text[i - 1] == "-" and text[i].isalpha():
                head = text[:i].replace("|", "")
                kind = "compound"
            else:
                continue
            if stringWidth(head, font, size) <= room:
                if kind == "hyphen":
                    self.truth.hyphen_breaks += 1
                else:
                    self.truth.compound_breaks += 1
                return _Word(head), _Word(text[i:].lstrip("|"), word.ref)
        return None, word

    def _word_width(self, word: _Word, font: str, size: float) -> float:
        w = stringWidth(word.text.replace("|", ""), font, size)
        return w + (stringWidth(word.ref, font, size * 0.6) if word.ref else 0)

    def _line_of(self, words: list[_Word], x: float, y: float, font: str, size: float, justify: float | None):
        parts: list[tuple[str, str, float, float]] = []
        natural = sum(self._word_width(w, font, size) for w in words)
        gaps = max(len(words) - 1, 1)
        space = (justify - natural) / gaps if justify else stringWidth(" ", font, size)
        line = _Line(x, y, [])
        line.space = space  # type: ignore[attr-defined]
        for word in words:
            parts.append((word.text.replace("|", ""), font, size, 0))
            if word.ref:
                parts.append((word.ref, font, size * 0.6, size * 0.35))
            parts.append((" ", font, size, 0))
        line.parts = parts[:-1]
        return line

    # -- output --
    turned_pages: frozenset[int] = frozenset()
    margin_stamp: str | None = None
    sidebar: tuple[str, ...] = ()

    def render(self, title: str, author: str) -> bytes:
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=letter, invariant=1)
        c.setTitle(title)
        c.setAuthor(author)
        for number, lines in enumerate(self.pages, 1):
            turned = number in self.turned_pages
            c.setPageRotation(90 if turned else 0)  # reportlab then writes a landscape /MediaBox
            if turned:  # the portrait page drawn a quarter turn anticlockwise onto the landscape sheet
                c.saveState()
                c.translate(HEIGHT, 0)
                c.rotate(90)
            header = self.header(number)
            if header:
                c.setFont(BODY_FONT, 8)
                c.drawCentredString(WIDTH / 2, HEIGHT - 40, header)
                self.truth.furniture.append(header)
            label = self.labels(number)
            c.setFont(BODY_FONT, 9)
            c.drawCentredString(WIDTH / 2, 40, label)
            self.truth.page_labels[number] = label
            for line in sorted(lines, key=lambda ln: (-round(ln.y, 1), ln.x)):  # row by row
                self._draw(c, line)
            if turned:
                c.restoreState()
            if number == 1 and self.margin_stamp:
                self._sideways(c, 30, 240, [self.margin_stamp], 18)
            if number == 2 and self.sidebar:
                self._sideways(c, WIDTH - 44, 200, list(self.sidebar), 9)
            c.showPage()
        self._page_label_tree(c)
        c.save()
        return out.getvalue()

    def _sideways(self, c, x: float, y: float, lines: list[str], size: float) -> None:
        """Lines set a quarter turn anticlockwise (reading upwards), the first at x, y."""
        c.saveState()
        c.translate(x, y)
        c.rotate(90)
        c.setFont(BODY_FONT, size)
        for row, line in enumerate(lines):
            c.drawString(0, -row * size * 1.2, line)
        c.restoreState()
        self.truth.left_out.extend(lines)

    first_label = 0  # the journal's pages are numbered from its issue's running count

    def _page_label_tree(self, c) -> None:
        """/PageLabels: decimal from `first_label` (a subclass may set other ranges)."""
        if self.first_label:
            c.addPageLabel(0, style="ARABIC", start=self.first_label)

    def _draw(self, c, line: _Line) -> None:
        """One text object per line, as typesetters write them: the words of one type in one string,
        word spacing (Tw) justifies, text rise (Ts) sets superscripts."""
        text = c.beginText(line.x, line.y)
        space = getattr(line, "space", None)
        runs: list[list] = []
        for part, font, size, rise in line.parts:
            if runs and (runs[-1][1:] == [font, size, rise] or part == " " and not runs[-1][3]):
                runs[-1][0] += part
            else:
                runs.append([part, font, size, rise])
        for part, font, size, rise in runs:
            text.setFont(font, size)
            text.setRise(rise)
            if space is not None:
                text.setWordSpace(space - stringWidth(" ", font, size))
            text.textOut(part)
        c.drawText(text)


# --- contents -------------------------------------------------------------------------------------

_VOCAB = (
    "state policy archive treaty council minister border trade alliance reform army press court "
    "election budget province mission church market doctrine famine harbour railway union colony "
    "charter memo envoy summit faction ledger census garrison tariff senate petition monastery"
).split()
_LONG = [
    "interna|tional",
    "govern|ment",
    "adminis|tration",
    "nego|tiations",
    "corre|spondence",
    "minis|terial",
    "diplo|matic",
    "consti|tutional",
    "econo|mic",
    "inter|pretation",
]
_COMPOUND = ["mil-to-mil", "long-term", "state-owned", "post-war", "cross-border", "well-known"]


def _sentence(rng: random.Random, serial: list[int]) -> str:
    words = []
    for i in range(rng.randint(9, 18)):
        roll = rng.random()
        if roll < 0.12:
            words.append(rng.choice(_LONG))
        elif roll < 0.18:
            words.append(rng.choice(_COMPOUND))
        else:
            words.append(rng.choice(_VOCAB))
        if i == 0:
            words[0] = words[0][0].upper() + words[0][1:]
    serial[0] += 1
    words.insert(1, f"w{serial[0]}")  # every sentence unique, so "present exactly once" is checkable
    return " ".join(words) + "."


def _paragraph_text(rng: random.Random, serial: list[int], sentences: int) -> str:
    return " ".join(_sentence(rng, serial) for _ in range(sentences))


def _cite(text: str, ref: str, rng: random.Random) -> str:
    words = text.split()
    at = rng.randrange(2, len(words))
    if words[at - 1].endswith("."):
        at -= 1
    words[at - 1] += f"^{ref}"
    return " ".join(words)


def journal_article(
    pages_wanted: int = 6, seed: int = 3, notes_count: int = 20, columns: int = 2, **sideways
) -> tuple[bytes, Truth]:
    """A journal article in two columns (or `columns`): title and abstract across the page, headings,
    footnotes at the foot of the columns, running headers alternating author/title, page numbers
    from 87. `sideways`: turned_pages, margin_stamp, sidebar (see the module's docstring)."""
    rng = random.Random(seed)
    serial = [0]
    title = "Treaties and Trade on the Northern Frontier"
    author = "Ada Lindqvist"
    setter = _Typesetter(
        columns=columns,
        size=10 if columns < 3 else 9,
        leading=12 if columns < 3 else 11,
        note_size=7.5,
        labels=lambda n: str(86 + n),
        header=lambda n: None if n == 1 else (author.upper() if n % 2 == 0 else title.upper()),
    )
    setter.first_label = 87
    for name, value in sideways.items():
        setattr(setter, name, value)
    setter.full_width(title, BOLD_FONT, 16, 20)
    setter.full_width("Abstract. " + _paragraph_text(rng, serial, 3), BODY_FONT, 9, 11, body=True)
    notes: dict[str, str] = {}
    sections = ["Introduction", "Sources and method", "The frontier councils", "Trade and treaty", "Conclusion"]
    paragraphs_total = max(pages_wanted * 5, 10)
    note_every = max(paragraphs_total // notes_count, 1)
    number = 0
    for index in range(paragraphs_total):
        if index % max(paragraphs_total // len(sections), 1) == 0 and index // max(
            paragraphs_total // len(sections), 1
        ) < len(sections):
            setter.heading(sections[index // max(paragraphs_total // len(sections), 1)])
        text = _paragraph_text(rng, serial, rng.randint(3, 6))
        if index % note_every == 0 and number < notes_count:
            number += 1
            ref = str(number)
            notes[ref] = (
                f"See {rng.choice(_VOCAB).title()} Papers, box {rng.randint(1, 90)}, folder "
                f"{rng.randint(1, 40)}, on the {rng.choice(_VOCAB)} of {1800 + rng.randint(0, 99)}."
            )
            text = _cite(text, ref, rng)
        setter.paragraph(text, notes)
    setter.truth.notes = notes
    return setter.render(title, author), setter.truth


class _LabelledTypesetter(_Typesetter):
    def _page_label_tree(self, c) -> None:
        c.addPageLabel(0, style="ROMAN_LOWER", start=11)
        c.addPageLabel(2, style="ARABIC", start=214)


def book_chapter(seed: int = 5, paragraphs: int = 14, notes_count: int = 12) -> tuple[bytes, Truth]:
    """A one-column book chapter: pages labelled xi, xii, then 214…; superscript references; an
    endnotes section ("Notes", numbered entries) at the end."""
    rng = random.Random(seed)
    serial = [0]
    title = "The Harbour Towns"

    def label(n: int) -> str:
        return ("xi", "xii")[n - 1] if n <= 2 else str(211 + n)

    setter = _LabelledTypesetter(
        columns=1,
        size=11,
        leading=14,
        note_size=9,
        labels=label,
        header=lambda n: None if n == 1 else "CHAPTER 3 · THE HARBOUR TOWNS",
    )
    setter.full_width(title, BOLD_FONT, 18, 24)
    notes: dict[str, str] = {}
    for index in range(paragraphs):
        if index == paragraphs // 2:
            setter.heading("Merchants and magistrates")
        text = _paragraph_text(rng, serial, rng.randint(4, 7))
        for _ in range(2 if index % 2 == 0 else 1):
            if len(notes) < notes_count:
                ref = str(len(notes) + 1)
                notes[ref] = (
                    f"{rng.choice(_VOCAB).title()} to {rng.choice(_VOCAB)}, {rng.randint(1, 28)} "
                    f"March {1700 + rng.randint(0, 99)}, in the {rng.choice(_VOCAB)} register, "
                    f"fol. {rng.randint(1, 300)}."
                )
                text = _cite(text, ref, rng)
        setter.paragraph(text, notes, footnotes=False)
    setter.heading("Notes")
    setter.truth.headings.pop()
    for ref, note in notes.items():
        lines = setter._wrap([_Word(w) for w in note.split()], setter.col_width - 14, BODY_FONT, 10, 0)
        for number, words in enumerate(lines):
            if setter.y - 12 < setter._bottom():
                setter._next_column()
            setter.y -= 12
            line = setter._line_of(words, setter._x() + 14, setter.y, BODY_FONT, 10, None)
            if number == 0:
                line.x -= 14
                line.parts.insert(0, (f"{ref}. ", BODY_FONT, 10, 0))
            setter.pages[-1].append(line)
    setter.truth.notes = notes
    return setter.render(title, "Jonas Brekke"), setter.truth


def _plain_sentence(rng: random.Random, serial: list[int], vocabulary: list[str]) -> list[str]:
    """A sentence's words (no hyphenation points, so measuring it breaks no word), numbered w<n>."""
    serial[0] += 1
    words = [rng.choice(vocabulary) for _ in range(rng.randint(9, 18))]
    return [words[0].title(), f"w{serial[0]}", *words[1:-1], words[-1] + "."]


def short_column(
    last_lines: int,
    under_figure: bool = False,
    abstract: int = 0,
    column_lines: int | None = None,
    columns: int = 2,
    long_words: bool = False,
    seed: int = 7,
) -> tuple[bytes, Truth]:
    """One page whose last paragraph fills the left column (and any middle one) and runs over into
    only `last_lines` lines of the last column: at that column's top, where an article ends, or
    `under_figure`, at its foot under a figure that fills the rest of it. `abstract`: sentences of an
    abstract across the page, under a title, above the columns; `column_lines`: how many lines the
    columns hold (a figure across the page fills the rest), else the page's height. `long_words`:
    three or four words to a line, justified so far apart that a reader sees each word as a run."""
    vocabulary = [w.replace("|", "") for w in _LONG] if long_words else _VOCAB
    rng = random.Random(seed)
    serial = [0]
    setter = _Typesetter(columns, size=10, leading=12, note_size=7.5, labels=str, header=lambda n: None)
    if abstract:
        setter.full_width("The Congress at Osnabrück", BOLD_FONT, 16, 20)
        setter.full_width(_paragraph_text(rng, serial, abstract), BODY_FONT, 9, 11, body=True)
    if column_lines:
        setter.floor = setter.column_top - column_lines * setter.leading
    held = int((setter.column_top - setter.floor) / setter.leading + 1e-6)  # lines a column holds
    if under_figure:
        setter.figures = {(1, columns - 1): (held - last_lines) * setter.leading}
    setter.paragraph(" ".join(w for _ in range(3) for w in _plain_sentence(rng, serial, vocabulary)))
    wanted = int((setter.y - setter.floor) / setter.leading + 1e-6) + (columns - 2) * held + last_lines

    def lines(words: list[str]) -> int:
        return len(setter._wrap([_Word(w) for w in words], setter.col_width, BODY_FONT, setter.size, setter.size * 1.5))

    words: list[str] = []
    last = 0  # where the last sentence starts
    while lines(words) < wanted:
        last = len(words)
        words += _plain_sentence(rng, serial, vocabulary)
    while lines(words) > wanted and len(words) - last > 3:  # the last sentence shortened to end on the last line
        del words[-2]
    assert lines(words) == wanted
    setter.paragraph(" ".join(words))
    return setter.render("The Congress at Osnabrück", "Ida Berg"), setter.truth
