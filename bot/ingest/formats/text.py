"""Plain text (.txt): bytes → decoded text → TEXT blocks (the lines between blank lines)."""

from __future__ import annotations

from dataclasses import replace

from bot.ingest.document import TEXT, Block, Document, ReadLimits, SkipFile


class TextReader:
    name = "plain text"
    suffixes = (".txt",)

    def sniff(self, head: bytes) -> bool:
        # A PDF or a zip renamed .txt is refused by what it is; decode() judges the rest precisely.
        return binary_kind(head) is None

    def read(self, data: bytes, limits: ReadLimits) -> Document:
        text, warning = decode(data)
        if not text.strip():
            raise SkipFile("empty file" if not data else "no text (only whitespace)")
        document = self.document(text)
        return replace(document, warnings=(warning, *document.warnings)) if warning else document

    def document(self, text: str) -> Document:
        """Decoded text → Document (formats written as text override this)."""
        return text_document(text)


# What a file is by its first bytes, for formats whose files always begin with a signature.
_SIGNATURES = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc) or an encrypted one"),
)


def binary_kind(head: bytes) -> str | None:
    """What binary format these first bytes begin ("a PDF", "a zip archive"), or None."""
    return next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)


def text_document(text: str) -> Document:
    """Decoded text → a Document of TEXT blocks."""
    return Document(tuple(Block(TEXT, "\n".join(lines)) for lines in text_blocks(text)))


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes → text. Returns (text, a warning or None); raises SkipFile for what is no text."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
        if b"\x00" in data[:8192]:
            raise SkipFile("binary file (NUL bytes), not text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise SkipFile(f"not valid {encoding.upper()} text") from None
        text = data.decode("cp1252", errors="replace")
        if _control_share(text) > 0.01 or text.count("\ufffd") > len(text) // 100:
            raise SkipFile("not text in UTF-8 or UTF-16 (looks binary)") from None
        return _normalise_newlines(text), "not UTF-8: read as Windows-1252 (Latin-1); save it as UTF-8"
    if _control_share(text) > 0.01:
        raise SkipFile("binary file (control characters), not text")
    return _normalise_newlines(text), None


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / min(len(text), 20000)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_blocks(text: str) -> list[list[str]]:
    """Text → blocks of non-blank lines (whitespace runs and no-break spaces folded)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split()).lstrip("\ufeff")  # every run of (Unicode) whitespace: one space
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks
