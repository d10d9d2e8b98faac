"""Characters placed on pages → reading-order blocks: the geometry half of the PDF reader.

    pieces (glyphs set together in one string) → runs (neighbours in the content stream on one
    baseline; superscript digits → [n])
    → columns (up to three: gutters no run crosses; a column may hold only a line or two)
    → lines → running headers, footers and page numbers dropped
    → footnote areas (trailing smaller type at a column's foot) → headings (larger or bold type)
    → paragraphs (indents, gaps, short last lines; rebuilt across columns and pages, hyphens rejoined)
    → endnote sections ("Notes" heading, numbered entries).

Everything here is linear in the number of characters (a few sorts per page aside).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from pdfminer.utils import format_int_roman

from bot.core.sentences import ENDS_CLAUSE
from bot.ingest.cleaning import PAGE_OF
from bot.ingest.document import HEADING, NOTE, PARAGRAPH, Block
from bot.ingest.hyphenation import Vocabulary
from bot.ingest.metadata import shown_byline_and_date
from bot.ingest.notes import NOTES_HEADINGS

SUPERSCRIPT_MARKS = "*†‡§¶"
_BARE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,5}|[ivxlcdm]{1,8})(?:\s+(?:of|/)\s+\d{1,5})?$", re.IGNORECASE)
_NOTE_START = re.compile(r"^(?:\[(\d{1,4}|[*†‡§¶]{1,3})\]|(\d{1,4})[.)]?(?=\s)|([*†‡§¶]{1,3}))\s*(?=\S)")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


@dataclass(slots=True)
class Piece:
    """Neighbouring glyphs of one string, in one size on one baseline, as a run would join them
    (spaces where they stand apart). A digit, note symbol or comma is a piece of its own: it may be a
    superscript marker, which only its run can tell."""

    text: str
    x0: float  # the first glyph's left
    x1: float  # the rightmost glyph's right
    end: float  # the last glyph's right, where the next glyph's gap is measured from
    baseline: float
    size: float
    bold: bool
    glyphs: int = 1


MARK_GLYPHS = SUPERSCRIPT_MARKS + ","  # glyphs a superscript note marker is made of (with digits)


@dataclass(slots=True)
class Line:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float  # the main type size (superscripts aside)
    bold: bool
    column: int = 0  # 0: across the page, else the column from the left (1, 2, 3)


@dataclass
class Page:
    number: int  # physical, 1-based
    box: tuple[float, float, float, float]  # the media box: x0, y0, x1, y1
    segments: list[list[Line]] = field(default_factory=list)  # in reading order


# --- characters → lines ----------------------------------------------------------------------------


def page_lines(number: int, pieces: list[Piece], box: tuple[float, float, float, float]) -> Page:
    """One page's pieces of text (in content-stream order) → its lines grouped in reading-order segments."""
    runs = _runs(pieces)
    gutters = _gutters(runs, box[0], box[2])
    groups: dict[int, list[Line]] = {column: [] for column in range(len(gutters) + 2)}
    for run in runs:
        if not gutters or any(run.x0 < gutter < run.x1 for gutter in gutters):
            groups[0].append(run)  # across the page (or a one-column page)
        else:
            groups[1 + sum(gutter <= run.x0 for gutter in gutters)].append(run)
    lines = [line for column, group in groups.items() for line in _merge_runs(group, column)]
    return Page(number, box, _segments(lines, len(gutters) + 1))


def joins(gap: float, rise: float, size: float) -> bool:
    """Whether a glyph `gap` after the last one (and `rise` above it) goes on the same run."""
    return -0.3 * size <= gap <= 1.2 * size and abs(rise) <= 0.6 * size


def spaced(gap: float, size: float) -> bool:
    """Whether glyphs this far apart have a space between them."""
    return gap > 0.2 * size


def _runs(pieces: list[Piece]) -> list[Line]:
    """Neighbouring pieces on one baseline (raised smaller ones included) → runs of text."""
    runs: list[Line] = []
    current: list[Piece] = []
    for piece in pieces:
        if current:
            last = current[-1]
            if joins(piece.x0 - last.end, piece.baseline - last.baseline, max(last.size, piece.size)):
                current.append(piece)
                continue
            runs.append(_run(current))
        current = [piece]
    if current:
        runs.append(_run(current))
    return [run for run in runs if run.text]


def _run(pieces: list[Piece]) -> Line:
    sizes: Counter[float] = Counter()
    for p in pieces:
        sizes[round(p.size, 1)] += p.glyphs
    main = max(sizes, key=lambda s: (sizes[s], s))
    baseline = next(p.baseline for p in pieces if round(p.size, 1) == main)
    small, raised = 0.85 * main, baseline + 0.15 * main  # a superscript: smaller and above the baseline
    parts: list[str] = []
    superscript: list[str] = []
    previous: Piece | None = None
    for c in pieces:
        is_mark = c.size < small and c.baseline > raised and (c.text.isdigit() or c.text in MARK_GLYPHS)
        if superscript and not is_mark:
            parts.append(_marker(superscript))
            superscript = []
        if previous is not None and spaced(c.x0 - previous.end, min(c.size, previous.size)):
            parts.append(" ")
        if is_mark:
            superscript.append(c.text)
        else:
            parts.append(c.text)
        previous = c
    if superscript:
        parts.append(_marker(superscript))
    text = re.sub(r"\s+", " ", "".join(parts).translate(_LIGATURES)).strip()
    return Line(text, pieces[0].x0, max(p.x1 for p in pieces), baseline, main, all(p.bold for p in pieces))


def _marker(chars: list[str]) -> str:
    """Superscript characters → "[12]" (or "[1][2]" for "1,2")."""
    return "".join(f"[{m}]" for m in "".join(chars).split(",") if m)


_GUTTER_TRIES = 4  # the candidate gutters tried in each range


def _gutters(runs: list[Line], left: float, right: float) -> tuple[float, ...]:
    """The x of the vertical gaps between columns of text: two for three columns, one for two, none
    for a one-column page. A gutter is where fewest runs cross (or nearly: see candidates), with text
    on either side (_columns_fit)."""
    if len(runs) < 6:
        return ()
    width = right - left
    crossing = [0] * 102  # crossing[p]: runs crossing x = left + p% of the width (a difference array)
    for run in runs:
        first = max(20, int((run.x0 - left) / width * 100) + 1)
        last = min(80, -int(-(run.x1 - left) / width * 100) - 1)
        if first <= last:
            crossing[first] += 1
            crossing[last + 1] -= 1
    for p in range(1, 102):
        crossing[p] += crossing[p - 1]

    def candidates(low: int, high: int) -> list[float]:
        """Where a gutter may stand in [low%, high%]: the middle of each stretch crossed by fewest
        runs, or by up to two more (a centred page number or footer line may cross a gutter, and a
        short column leaves blank page beside it), fewest first, then nearest the range's middle."""
        fewest = min(crossing[low : high + 1])
        stretches = []
        for count, group in itertools.groupby(range(low, high + 1), key=crossing.__getitem__):
            points = list(group)
            if count <= fewest + 2:
                middle = points[len(points) // 2]
                stretches.append((count, abs(2 * middle - low - high), middle))
        return [left + width * p / 100 for _, _, p in sorted(stretches)[:_GUTTER_TRIES]]

    firsts, seconds = candidates(20, 45), candidates(55, 80)
    outer = (min(r.x0 for r in runs), max(r.x1 for r in runs))
    lines = functools.cache(lambda low, high: _lines_between(runs, low, high))  # spans recur across tries
    for pair in sorted(itertools.product(range(len(firsts)), range(len(seconds))), key=sum):
        if _columns_fit(runs, (firsts[pair[0]], seconds[pair[1]]), outer, lines):
            return firsts[pair[0]], seconds[pair[1]]
    for gutter in candidates(30, 70):
        if _columns_fit(runs, (gutter,), outer, lines):
            return (gutter,)
    return ()


def _columns_fit(
    runs: list[Line], gutters: tuple[float, ...], outer: tuple[float, float], lines_between
) -> bool:
    """Text stands in each column between the gutters, and few lines cross them. A column holds three
    lines or more, or is short: one or two lines just across a gutter from a column of text, as where
    an article ends a few lines into its last column or a column ends above a figure. When every
    column is text (a short one: a line of it fills it), lines across the page above or below the
    columns set side by side (a title and abstract over them, notes under them) do not count: they
    are a head or a foot, which _segments reads in its place. Otherwise (a table's cells under a page
    of prose, say) every crossing line counts. `outer`: the runs' leftmost and rightmost x;
    `lines_between(low, high)`: _lines_between of the runs, which the tries of one page share."""
    spans = list(itertools.pairwise((outer[0], *gutters, outer[1])))
    columns = [lines_between(low, high) for low, high in spans]
    if not all(columns):
        return False
    text = [len(column) >= 3 and _fills(column, *span) for column, span in zip(columns, spans, strict=True)]
    for i, column in enumerate(columns):
        if len(column) < 3:  # a short column stands by a column of text
            by_left = i > 0 and text[i - 1] and _stands_by(columns[i - 1], column, column)
            by_right = i + 1 < len(columns) and text[i + 1] and _stands_by(column, columns[i + 1], column)
            if not (by_left or by_right):
                return False
    prose = all(  # a short column's last line may be a paragraph's short last one
        t or len(c) < 3 and _fills(c, *span, share=0) for t, c, span in zip(text, columns, spans, strict=True)
    )
    limit = max(2, 0.25 * sum(map(len, columns)))
    for gutter in gutters:
        crossing = [r for r in runs if r.x0 < gutter < r.x1]
        if len(crossing) > limit and (not prose or len(_between_columns(columns, crossing)) > limit):
            return False
    return True


def _between_columns(columns: list[dict], crossing: list[Line]) -> list[Line]:
    """The crossing runs that stand between lines set side by side: below the top of the first band
    (lines between two crossing runs) with lines in two columns, above the foot of the last one."""
    events = [(b, i) for i, column in enumerate(columns) for b in column] + [(r.baseline, -1) for r in crossing]
    first_top = last_bottom = None
    sides: set[int] = set()
    band_top = band_bottom = 0.0
    for baseline, column in sorted([(float("-inf"), -1), *events], reverse=True):  # top to bottom, then an end
        if column >= 0:
            if not sides:
                band_top = baseline
            band_bottom = baseline
            sides.add(column)
            continue
        if len(sides) > 1:
            first_top = band_top if first_top is None else first_top
            last_bottom = band_bottom
        sides = set()
    if first_top is None:
        return crossing
    return [r for r in crossing if last_bottom <= r.baseline <= first_top]


def _lines_between(runs: list[Line], low: float, high: float) -> dict[int, tuple[float, float, float]]:
    """The lines that runs standing between two x's make: baseline → left, right, type size (runs of
    one line, which wide word spaces may part, as one)."""
    lines: dict[int, tuple[float, float, float]] = {}
    for r in runs:
        if low <= r.x0 and r.x1 <= high:
            x0, x1, size = lines.get(round(r.baseline), (r.x0, r.x1, r.size))
            lines[round(r.baseline)] = (min(x0, r.x0), max(x1, r.x1), max(size, r.size))
    return lines


def _fills(column: dict[int, tuple[float, float, float]], low: float, high: float, share: float = 0.6) -> bool:
    """Whether a column holds lines of text: most of them (`share`, one at least) span most of its
    width, as a table's cells rarely do."""
    wide = sum(x1 - x0 >= 0.6 * (high - low) for x0, x1, _ in column.values())
    return wide >= max(1.0, share * len(column))


def _stands_by(left: dict, right: dict, short: dict) -> bool:
    """Whether a short column stands a gutter away from its neighbour: the right column's text starts
    within 4 ems (of the short column's type) of where the left one's ends. A line out in the blank
    half of a page stands farther."""
    gap = min(x0 for x0, _, _ in right.values()) - max(x1 for _, x1, _ in left.values())
    return gap <= 4 * max(size for _, _, size in short.values())


def _merge_runs(runs: list[Line], column: int) -> list[Line]:
    """Runs of one column on the same baseline → lines, top to bottom."""
    lines: list[Line] = []
    for run in sorted(runs, key=lambda r: (-r.baseline, r.x0)):
        last = lines[-1] if lines else None
        if last and abs(last.baseline - run.baseline) <= 0.3 * min(last.size, run.size) and run.x0 >= last.x1 - 1:
            last.text = f"{last.text} {run.text}"
            last.x1 = run.x1
            last.size = max(last.size, run.size)
            last.bold = last.bold and run.bold
            continue
        lines.append(Line(run.text, run.x0, run.x1, run.baseline, run.size, run.bold, column))
    return lines


def _segments(lines: list[Line], columns: int) -> list[list[Line]]:
    """Lines → reading order: bands between lines across the page; in a band, column by column from the
    left."""
    segments: list[list[Line]] = []
    band: dict[int, list[Line]] = {column: [] for column in range(1, columns + 1)}
    full: list[Line] = []

    def flush_band() -> None:
        for column in band:
            if band[column]:
                segments.append(band[column])
                band[column] = []

    for line in sorted(lines, key=lambda ln: -ln.baseline):
        if line.column == 0:
            flush_band()
            if segments and full and segments[-1] is full:
                full.append(line)
            else:
                full = [line]
                segments.append(full)
        else:
            band[line.column].append(line)
            full = []
    flush_band()
    return segments


# --- page furniture --------------------------------------------------------------------------------


def drop_furniture(pages: list[Page], body_size: float) -> dict[int, set[int]]:
    """Remove running headers, footers and page numbers: bare numbers and lines repeating at the top or
    bottom of pages, and an isolated line in small type above the text. Returns the numbers each page
    printed in them (physical page → numbers), for printed_labels."""
    edges: dict[int, list[Line]] = {}
    seen: Counter[str] = Counter()
    for page in pages:
        ordered = sorted((ln for seg in page.segments for ln in seg), key=lambda ln: -ln.baseline)
        candidates = ordered[:2] + ordered[-2:] if len(ordered) > 4 else ordered
        edges[page.number] = candidates
        for key in {_furniture_key(ln.text) for ln in candidates}:
            seen[key] += 1
    printed: dict[int, set[int]] = {}
    for page in pages:
        ordered = sorted((ln for seg in page.segments for ln in seg), key=lambda ln: -ln.baseline)
        drop: set[int] = set()
        for line in edges[page.number]:
            text = line.text.strip()
            # a short note ("[4] Ibid.") repeats from page to page too, but is no furniture
            repeated = len(text) <= 100 and seen[_furniture_key(text)] >= 2 and not _NOTE_START.match(text)
            if _BARE_NUMBER.match(text) or repeated or _isolated_top(line, ordered, body_size):
                drop.add(id(line))
                printed.setdefault(page.number, set()).update(_printed_numbers(text))
        page.segments = [kept for seg in page.segments if (kept := [ln for ln in seg if id(ln) not in drop])]
    return printed


# A page's number stands at an end of its line ("57", "THE PARISH RATES 215", "12 of 30"), not inside
# ("downloaded from 81.2.69.142 on 03 Nov 2021").
_EDGE_NUMBER = re.compile(r"^\d{1,5}(?!\S)|(?<!\S)\d{1,5}$")


def _printed_numbers(text: str) -> set[int]:
    """The page numbers a running head or foot may print: "57", "- 57 -", "[57]", "TITLE 215",
    "Page 7", "Page 7 of 12" (7)."""
    page_of = PAGE_OF.fullmatch(text)
    if page_of:
        return {int(page_of[1])}
    return {int(n) for n in _EDGE_NUMBER.findall(text.strip(" -–—[]()|·•"))}


def printed_labels(printed: dict[int, set[int]], count: int) -> dict[int, str]:
    """Physical page → the number printed on it, when the numbers a PDF's running heads and feet show
    follow its pages (page + one offset on at least half the pages that show a number, two or more):
    "p. 216" for an offprint that starts at 214, where the PDF states no /PageLabels."""
    offsets = Counter(number - page for page, numbers in printed.items() for number in numbers)
    if not offsets:
        return {}
    offset, pages = max(offsets.items(), key=lambda item: (item[1], -abs(item[0])))
    if offset == 0 or pages < 2 or pages * 2 < len(printed):
        return {}
    # pages before the printed page 1 are front matter: i, ii, … as books number it (their physical
    # numbers would cite a second "p. 1")
    return {page: str(page + offset) if page + offset > 0 else format_int_roman(page) for page in range(1, count + 1)}


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _isolated_top(line: Line, ordered: list[Line], body_size: float) -> bool:
    if line is not ordered[0] or len(ordered) < 2 or line.size >= 0.95 * body_size:
        return False
    return line.baseline - ordered[1].baseline > 2.5 * body_size


# --- lines → blocks -------------------------------------------------------------------------------


def body_size(pages: list[Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for seg in page.segments:
            for line in seg:
                sizes[round(line.size, 1)] += len(line.text)
    return max(sizes, key=sizes.__getitem__) if sizes else 10.0


@dataclass
class _Paragraph:
    kind: str
    marker: str | None = None
    parts: list[str] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)
    length: int = 0
    last: Line | None = None  # its last line so far

    def add(self, line: Line, text: str, page: int, vocabulary: Vocabulary) -> None:
        glue = ""
        if self.parts:
            drop, glue = vocabulary.glue(self.parts[-1], text)
            if drop:
                self.parts[-1] = self.parts[-1][:-1]
                self.length -= 1
        offset = self.length + len(glue)
        if not self.marks or self.marks[-1][1] != page:
            self.marks.append((offset if self.parts else 0, page))
        self.parts.append(glue + text)
        self.length = offset + len(text)
        self.last = line

    def block(self) -> Block | None:
        text = "".join(self.parts)
        if not text.strip():
            return None
        return Block(self.kind, text, self.marker, tuple(self.marks) if self.kind != NOTE else ())


def build_blocks(pages: list[Page], size: float) -> list[Block]:
    """The pages' lines (furniture gone) → HEADING, PARAGRAPH and NOTE blocks in reading order."""
    vocabulary = Vocabulary([line.text for page in pages for seg in page.segments for line in seg])
    leading = _typical_leading(pages, size)
    cited = {m[1].lower() for page in pages for seg in page.segments for ln in seg for m in _CITED.finditer(ln.text)}
    items: list[_Paragraph] = []
    current: _Paragraph | None = None  # the paragraph (or heading, or endnote) being read
    last_note: _Paragraph | None = None  # a footnote may go on at the foot of the next page
    in_notes_section = False

    def start(kind: str, marker: str | None = None) -> _Paragraph:
        nonlocal current
        current = _Paragraph(kind, marker)
        items.append(current)
        return current

    for page in pages:
        # a note left open at the foot of the last page may go on at the foot of this one, unmarked
        open_note = last_note is not None and last_note.marks[-1][1] == page.number - 1
        above: float | None = None  # the lowest baseline of the page's text (no notes) read so far
        for seg in page.segments:
            below_text = above is not None and seg[0].baseline < above
            footnotes = _footnote_area(seg, page, size, open_note, below_text, cited, _next_marker(last_note))
            open_note = open_note and not footnotes
            body = seg[: len(seg) - len(footnotes)]
            if body:
                above = body[-1].baseline if above is None else min(above, body[-1].baseline)
            left = min((ln.x0 for ln in seg), default=0)
            right = max((ln.x1 for ln in seg), default=0)
            previous: Line | None = None
            for line in body:
                if _is_heading(line, size):
                    continued = current is not None and current.kind == HEADING and previous is current.last
                    if continued and previous.baseline - line.baseline < 2 * line.size:
                        current.add(line, line.text, page.number, vocabulary)
                    elif line.text.strip(" :").casefold() in NOTES_HEADINGS:
                        in_notes_section, current = True, None  # a notes list's heading is no passage
                    else:
                        in_notes_section = False
                        start(HEADING).add(line, line.text, page.number, vocabulary)
                elif in_notes_section:
                    entry = _NOTE_START.match(line.text)
                    if entry:
                        start(NOTE, _note_marker(entry)).add(line, line.text[entry.end() :], page.number, vocabulary)
                    elif current is not None:
                        current.add(line, line.text, page.number, vocabulary)
                else:
                    if current is None or current.kind != PARAGRAPH or _starts_paragraph(
                        line, previous, current.last, left, right, leading
                    ):
                        start(PARAGRAPH)
                    current.add(line, line.text, page.number, vocabulary)
                previous = line
            for line in footnotes:
                entry = _note_start(line.text, cited, _next_marker(last_note))
                if entry:
                    last_note = _Paragraph(NOTE, _note_marker(entry))
                    items.append(last_note)
                    last_note.add(line, line.text[entry.end() :], page.number, vocabulary)
                elif last_note is not None:
                    last_note.add(line, line.text, page.number, vocabulary)
    return [block for item in items if (block := item.block())]


def _note_marker(match: re.Match) -> str:
    return next(g for g in match.groups() if g).lower()


_CITED = re.compile(r"\[(\d{1,4}|[*†‡§¶]{1,3})\]")  # a note marker the text cites (superscripts read as [n])


def _note_start(text: str, cited: set[str], following: str | None = None) -> re.Match | None:
    """A line beginning a footnote: its marker, when the text cites it or it follows the last note
    (`following`: "3" after note 2, its superscript perhaps unread), so that a table row at a page's
    foot ("12  4.3") is no note 12; any marker up to 999 when the text cites none the reader saw."""
    entry = _NOTE_START.match(text)
    if entry is None:
        return None
    marker = _note_marker(entry)
    if cited and marker not in cited and marker != following:
        return None
    return None if marker.isdigit() and int(marker) > 999 else entry  # "1803": a year, never a note


def _next_marker(note: _Paragraph | None) -> str | None:
    """The marker a note numbered after `note` would have."""
    return str(int(note.marker) + 1) if note is not None and note.marker and note.marker.isdigit() else None


def _is_heading(line: Line, size: float) -> bool:
    words = len(line.text.split())
    if words > 16 or ENDS_CLAUSE.search(line.text) and not line.text.endswith("?"):
        return False
    return line.size >= 1.15 * size or (line.bold and line.size >= 0.95 * size)


def _footnote_area(
    seg: list[Line], page: Page, size: float, open_note: bool, below_text: bool = False,
    cited: set[str] = frozenset(), following: str | None = None,
) -> list[Line]:
    """The trailing lines in smaller type in the lower part of a column, if a note marker begins one
    or a note from the page before is still open (lines before the first marker go on with it). A
    segment all in small type is a foot only when it stands under the page's text read so far
    (`below_text`: the notes under two columns, long ones across the page, short ones in a column);
    a column all in small type beside the text (a sidebar) is no foot of a column."""
    start = len(seg)
    _, bottom, _, top = page.box
    while start > 0 and seg[start - 1].size < 0.9 * size and seg[start - 1].baseline < bottom + 0.6 * (top - bottom):
        start -= 1
    area = seg[start:]
    if not area or start == 0 and not below_text:
        return []
    return area if open_note or any(_note_start(line.text, cited, following) for line in area) else []


def _starts_paragraph(
    line: Line, previous: Line | None, last: Line | None, left: float, right: float, leading: float
) -> bool:
    """Does this body line begin a new paragraph? (`previous`: the line above in this column, if any;
    `last`: the paragraph's last line, perhaps in another column or on another page.)"""
    if last is None:
        return True
    if abs(line.size - last.size) > 0.5 or last.bold != line.bold and len(last.text) < 80:
        return True
    if line.x0 > left + 0.8 * line.size:
        return True
    if previous is not None and previous.baseline - line.baseline > 1.6 * leading:
        return True
    short = last.x1 < (right if previous is not None else last.x1 + 1) - 2 * last.size
    return bool(short and ENDS_CLAUSE.search(last.text))


def _typical_leading(pages: list[Page], size: float) -> float:
    gaps: Counter[float] = Counter()
    for page in pages[:50]:
        for seg in page.segments:
            for above, below in zip(seg, seg[1:], strict=False):
                if abs(above.size - size) < 0.5 and abs(below.size - size) < 0.5:
                    gaps[round(above.baseline - below.baseline, 1)] += 1
    positive = [g for g in gaps if g > 0]
    return max(positive, key=gaps.__getitem__) if positive else 1.2 * size


_HEAD_LINES = 8  # how far down the first page a byline or date line may stand


def take_shown_metadata(pages: list[Page], size: float, stated_author: str | None = None) -> dict[str, str]:
    """The author and date printed under the title (metadata.shown_byline_and_date over the first
    page's first lines, headings passed over), taken off that page."""
    first = list(itertools.islice(((line for seg in pages[0].segments for line in seg) if pages else ()), _HEAD_LINES))
    leading = _typical_leading(pages, size)
    run_on = {at for at, (line, below) in enumerate(itertools.pairwise(first)) if _runs_on(line, below, leading)}
    texts = [None if _is_heading(ln, size) else ln.text for ln in first]
    found, taken = shown_byline_and_date(texts, stated_author, run_on=run_on)
    if taken:
        gone = {id(first[i]) for i in taken}
        for seg in pages[0].segments:
            seg[:] = [line for line in seg if id(line) not in gone]
    return found


def _runs_on(line: Line, below: Line, leading: float) -> bool:
    """Whether `below` goes on with `line`'s paragraph, as far as the page shows: the next line down in
    the same column and type, at the text's leading (no gap such as sets a head's lines apart from the
    body), neither indented under it nor far to its left (a centred line over the text)."""
    return (
        below.column == line.column
        and abs(below.size - line.size) <= 0.5
        and below.bold == line.bold
        and 0 < line.baseline - below.baseline <= 1.3 * leading
        and line.x0 - 3 * line.size <= below.x0 <= line.x0 + 0.8 * line.size
    )
