"""What ingesting one file may cost: a size cap per format, a wall-time and a memory limit.

The defaults are written here once; configuration overrides them (`ingest.max_bytes.<format>`,
`ingest.timeout_seconds`, `ingest.max_memory_mb`). A format is named by its reader's first suffix
without the dot ("pdf", "html" — which also covers .htm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.ingest.document import ReadLimits, SkipFile

# A 300-page PDF with figures is often 10–30 MB; Word and EPUB files are zips of text and images;
# a saved web page carries scripts and styles; a text file of 5 MB is a long book already.
DEFAULT_MAX_BYTES: Mapping[str, int] = {
    "pdf": 50_000_000,
    "docx": 30_000_000,
    "epub": 30_000_000,
    "html": 10_000_000,
    "txt": 5_000_000,
    "md": 5_000_000,
}
FALLBACK_MAX_BYTES = 10_000_000  # a format added without an entry above
# Formats read in the calling process: their readers are linear pure Python over a few MB at most,
# where starting a worker process costs more than the parsing (see benchmarks.ingest_worker).
IN_PROCESS_FORMATS = frozenset({"txt", "md"})
TEXT_FORMATS = ("txt", "md")  # what the older corpus.max_file_bytes caps


@dataclass(frozen=True)
class IngestOptions:
    max_bytes: Mapping[str, int] = field(default_factory=dict)  # per format, over DEFAULT_MAX_BYTES
    timeout_seconds: float = 30.0  # wall time one file may take in its worker process
    max_memory_mb: int = 512  # memory one file's reader may take in its worker process
    # corpus.max_file_bytes, when set: the cap of .txt and .md (what it has always capped)
    text_max_bytes: int | None = None
    max_pages: int = ReadLimits.max_pages  # paged formats (PDF)
    max_unpacked_bytes: int = ReadLimits.max_unpacked_bytes  # zip-based formats (.docx, .epub), all members
    max_unpack_ratio: int = ReadLimits.max_unpack_ratio  # zip-based formats, one member's unpacked/packed
    max_text_chars: int = ReadLimits.max_text_chars  # text taken from one file; the rest is cut with a warning

    def max_bytes_for(self, format_key: str) -> tuple[int, str]:
        """The size cap of a format, and the setting it comes from (for the warning)."""
        if self.text_max_bytes is not None and format_key in TEXT_FORMATS:
            return self.text_max_bytes, "corpus.max_file_bytes"
        cap = self.max_bytes.get(format_key, DEFAULT_MAX_BYTES.get(format_key, FALLBACK_MAX_BYTES))
        return cap, f"ingest.max_bytes.{format_key}"

    def check_size(self, format_key: str, size: int) -> None:
        """Raises SkipFile when a file of this format and size is over its cap."""
        cap, setting = self.max_bytes_for(format_key)
        if size > cap:
            raise SkipFile(f"{size:,} bytes is over {setting} ({cap:,})")

    def limits_for(self, format_key: str) -> ReadLimits:
        return ReadLimits(
            max_bytes=self.max_bytes_for(format_key)[0],
            max_pages=self.max_pages,
            max_unpacked_bytes=self.max_unpacked_bytes,
            max_unpack_ratio=self.max_unpack_ratio,
            max_text_chars=self.max_text_chars,
        )

    def needs_worker(self, format_key: str) -> bool:
        return format_key not in IN_PROCESS_FORMATS
