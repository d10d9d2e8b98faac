"""Files to upload in the end-to-end library tests: the same-article fixture of every format, made
unique by a made-up marker word in its title and paragraphs, and hostile variants of them."""

from __future__ import annotations

import json
import random
import re
import string
from unittest import mock

from tests.ingest import same_article

FORMATS = tuple(same_article.WRITERS)  # .txt .md .html .docx .epub .pdf
CONTENT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 ".epub": "application/epub+zip"}  # fmt: skip


def library_keys(upload_cooldown_seconds: float = 0) -> dict:
    """The `library:` keys of a bot that downloads the fake's attachments (served on loopback)."""
    return {"attachment_hosts": "[127.0.0.1, localhost]", "upload_cooldown_seconds": upload_cooldown_seconds}


def text_of(message: dict) -> str:
    """A reply's content and embeds as one string, markdown escapes undone."""
    raw = json.dumps({k: message.get(k) for k in ("content", "embeds")}, ensure_ascii=False)
    return re.sub(r"\\\\(.)", r"\1", raw)


PROGRESS = re.compile(r"(Downloading|Reading|Indexing) .*…")  # messages.upload_progress


def is_outcome(message: dict) -> bool:
    """A reply with content that is not an upload's progress edit: its outcome (or any other reply)."""
    content = message.get("content") or ""
    return bool(content or message.get("embeds")) and not PROGRESS.fullmatch(content)


def marker_word(prefix: str, n: int) -> str:
    """A word no reading holds: `prefix` and `n` spelled in four letters."""
    letters = "".join(string.ascii_lowercase[n // 26**i % 26] for i in range(4))
    return f"{prefix}{letters}"


def written(extension: str, marker: str) -> bytes:
    """The same-article fixture as `extension`, `marker` in its title and in every paragraph."""
    paragraphs = [f"The {marker} salt trains crossed here. {p}" for p in same_article.PARAGRAPHS]
    with mock.patch.object(same_article, "PARAGRAPHS", paragraphs), \
         mock.patch.object(same_article, "TITLE", f"The {marker} salt roads"):  # fmt: skip
        return same_article.WRITERS[extension]()


def marked_document(n: int, rng: random.Random, prefix: str = "zorvel") -> tuple[str, bytes, str]:
    """(file name, bytes, marker) of a readable document of a random format holding its own marker."""
    extension = rng.choice(FORMATS)
    marker = marker_word(prefix, n)
    return f"reading-{n}{extension}", written(extension, marker), marker


def hostile_variant(data: bytes, extension: str, rng: random.Random) -> tuple[str, bytes, str, str]:
    """(kind, file name, bytes, declared content type) of a damaged or lying version of a readable file."""
    kind = rng.choice(["truncated", "random bytes", "lying extension", "lying type", "empty", "flipped bytes"])
    if kind == "truncated":
        return kind, f"cut{extension}", data[: rng.randint(1, max(1, len(data) - 1))], CONTENT_TYPES[extension]
    if kind == "random bytes":
        return kind, f"noise{extension}", rng.randbytes(rng.randint(1, 4000)), CONTENT_TYPES[extension]
    if kind == "lying extension":
        other = rng.choice([e for e in FORMATS if e != extension] + [".exe", ".png", ""])
        return kind, f"liar{other}", data, CONTENT_TYPES.get(other, "application/octet-stream")
    if kind == "lying type":
        return kind, f"typed{extension}", data, rng.choice(["image/png", "application/pdf", "text/html", ""])
    if kind == "empty":
        return kind, f"empty{extension}", b"", CONTENT_TYPES[extension]
    flipped = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    return kind, f"flipped{extension}", bytes(flipped), CONTENT_TYPES[extension]
