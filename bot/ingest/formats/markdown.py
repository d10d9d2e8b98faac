"""Markdown (.md): front matter → metadata, markdown syntax → plain reading text, footnotes → NOTE blocks.

The body becomes TEXT blocks (so the pipeline's heuristics for bylines, dates and notes lists still
apply) whose text carries no markdown: `## Heading` stays a heading line, `*emphasis*` and
`[text](url)` become plain words, images go, list bullets and `>` go, code fences keep their code.
Footnote references `[^id]` are written `[id]`; each definition `[^id]: …` is a NOTE block.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import yaml

from bot.core import yamlfile
from bot.ingest.document import NOTE, TEXT, Block, Document
from bot.ingest.formats.text import TextReader, text_blocks
from bot.ingest.metadata import METADATA_KEYS, parse_date
from bot.ingest.notes import INLINE_MARKER, is_notes_heading

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$", re.MULTILINE)
_FRONT_MATTER_ALIASES = {"authors": "author", "lang": "language", "link": "url", "journal": "publication"}
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?!\[[ xX]\]\s)|^\s*[-*+]\s+\[[ xX]\]\s+")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_FOOTNOTE_DEF = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:\s*(.*)$")
_LINK_DEF = re.compile(r"""^\s{0,3}\[[^\]^][^\]]*\]:\s*<?\S+>?(?:\s+["'(].*["')])?\s*$""")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Raw HTML whose content is code or drawing, never prose: dropped whole, not only its tags.
_NOT_PROSE = re.compile(r"<(script|style|svg|iframe|noscript)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"\s*!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]^][^\]]*)\](?:\((?:[^()]|\([^)]*\))*\)|\[[^\]]*\])")
# An inline link to a web address, in a note: its address is part of the source ("[Title](https://…)")
_WEB_LINK = re.compile(r"\[([^\]^][^\]]*)\]\((https?://[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])|(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


class MarkdownReader(TextReader):
    name = "Markdown"
    suffixes = (".md", ".markdown")

    def document(self, text: str) -> Document:
        return markdown_document(text)


def markdown_document(text: str) -> Document:
    """Decoded markdown → TEXT blocks of plain text, NOTE blocks for the footnote definitions."""
    metadata, body, warnings = front_matter(text)
    lines, notes = _plain_lines(_NOT_PROSE.sub("", _COMMENT.sub("", body)))
    blocks = [Block(TEXT, "\n".join(b)) for b in text_blocks("\n".join(lines))]
    while blocks and is_notes_heading(blocks[-1].text):  # "## Notes" whose entries became NOTE blocks
        blocks.pop()
    cited = {m.lower() for m in _FOOTNOTE_REF.findall(body)}
    defined = {marker for marker, _ in notes}
    for marker in sorted(cited - defined):
        if not INLINE_MARKER.fullmatch(f"[{marker}]"):  # numbered ones the pipeline warns about
            warnings.append(f"footnote marker [{marker}] has no entry in the notes list")
    note_blocks = [Block(NOTE, " ".join(text.split()), marker) for marker, text in notes if text.strip()]
    return Document(tuple(blocks + note_blocks), metadata, warnings=tuple(warnings))


def front_matter(text: str) -> tuple[dict[str, str], str, list[str]]:
    """A leading `---` YAML block → (its known metadata keys, the text after it, warnings).

    Never text, even when broken: a front matter that is no YAML mapping is dropped with a warning.
    """
    if not re.match(r"---\s*\n", text):
        return {}, text, []
    end = _FRONT_MATTER_END.search(text, text.index("\n") + 1)
    if end is None or end.start() > 64_000:
        return {}, text, []  # a rule at the top, not front matter
    raw, body = text[text.index("\n") + 1 : end.start()], text[end.end() :]
    if not re.match(r"\s*[\w-]+\s*:", raw):
        return {}, text, []  # a rule at the top and some text: no front matter
    try:
        values = yamlfile.load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        return {}, body, [f"front matter is not valid YAML{where}; its metadata is ignored"]
    if values is None:
        return {}, body, []
    if not isinstance(values, dict):
        return {}, body, ["front matter is not a mapping of keys; its metadata is ignored"]
    metadata: dict[str, str] = {}
    warnings: list[str] = []
    for raw_key, value in values.items():
        key = _FRONT_MATTER_ALIASES.get(str(raw_key).lower(), str(raw_key).lower())
        if key not in METADATA_KEYS or key in metadata or value in (None, "", []):
            continue
        text_value = _front_matter_value(key, value)
        if text_value is None:
            warnings.append(f"front matter {raw_key}: {str(value)[:60]!r} is not a date; ignored")
        else:
            metadata[key] = text_value
    return metadata, body, warnings


def _front_matter_value(key: str, value: object) -> str | None:
    if key == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return parse_date(str(value))
    if isinstance(value, list):  # authors: [A, B] or [{name: A}, …]
        names = [str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in value]
        return ", ".join(n.strip() for n in names if n.strip()) or None
    if isinstance(value, dict):
        return str(value.get("name") or "").strip() or None
    return " ".join(str(value).split())


def _plain_lines(body: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Markdown lines → plain-text lines (blank lines kept as block breaks), and the footnote definitions."""
    out: list[str] = []
    notes: list[tuple[str, str]] = []
    fence: str | None = None
    in_note = False
    source = body.split("\n")
    for index, line in enumerate(source):
        if fence is not None:  # code is kept as written
            if line.strip().startswith(fence):
                fence = None
                out.append("")
            else:
                out.append(line)
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)[0] * 3
            out.append("")
            continue
        definition = _FOOTNOTE_DEF.match(line)
        if definition:
            notes.append((definition.group(1).lower(), inline_plain(definition.group(2), addresses=True)))
            in_note = True
            out.append("")
            continue
        if in_note:  # continuation: indented lines, or lazy lines right after the definition
            lazy = out and out[-1] == "" and source[index - 1].strip()
            if line.strip() and (line.startswith(("    ", "\t")) or lazy):
                marker, text = notes[-1]
                notes[-1] = (marker, f"{text} {inline_plain(line.strip(), addresses=True)}")
                continue
            if not line.strip():
                continue
            in_note = False
        if _LINK_DEF.match(line) or _TABLE_RULE.match(line) and "|" in line:
            out.append("")
            continue
        following = source[index + 1] if index + 1 < len(source) else ""
        if line.strip() and _SETEXT.match(following) and not _BULLET.match(line) and not _RULE.match(line):
            level = "#" if following.strip().startswith("=") else "##"
            source[index + 1] = ""  # the underline is no text
            out += ["", f"{level} {inline_plain(line.strip())}", ""]
            continue
        if _RULE.match(line):
            out.append("")
            continue
        heading = _ATX.match(line)
        if heading:
            out += ["", f"{heading.group(1)} {inline_plain(heading.group(2))}", ""]
            continue
        line = _QUOTE.sub("", line)
        line = _BULLET.sub("", line)
        if line.strip().startswith("|") or line.strip().endswith("|"):
            line = " — ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        out.append(inline_plain(line))
    return out, notes


def _with_address(link: re.Match) -> str:
    words, address = link.group(1), link.group(2)
    return address if words.strip() == address else f"{words} ({address})"  # an address shown once


def inline_plain(text: str, addresses: bool = False) -> str:
    """One line's inline markdown → its plain words: `**x**`, `*x*`, `_x_`, `` `x` ``, `[x](url)` → x,
    images dropped, `[^id]` → `[id]`, tags dropped, `\\*` → `*`. With `addresses` (a note's source), a
    link to a web address keeps it: `[x](https://…)` → "x (https://…)"."""
    if not any(c in text for c in "*_`[]<>!\\~"):
        return text
    codes: list[str] = []

    def keep_code(match: re.Match) -> str:
        codes.append(match.group(2).strip())
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE_SPAN.sub(keep_code, text)
    text = _ESCAPE.sub(lambda m: f"\x01{ord(m.group(1))}\x01", text)
    text = _IMAGE.sub("", text)
    # kept aside until links are read: "[^1][^2]" would read as a reference link "[1][2]"
    text = _FOOTNOTE_REF.sub(lambda m: f"\x02{m.group(1).lower()}\x02", text)
    if addresses:
        text = _WEB_LINK.sub(_with_address, text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    for _ in range(3):  # nested emphasis: ***x***, **_x_**
        text = _STRIKE.sub(r"\1", _STRONG.sub(r"\2", text))
        text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub("\x02([^\x02]*)\x02", r"[\1]", text)
    text = re.sub("\x01(\\d+)\x01", lambda m: chr(int(m.group(1))), text)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], text)
