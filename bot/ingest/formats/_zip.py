"""Safe reading of zip containers (.docx, .epub) from strangers: zip bombs are refused while reading.

Every member is read in bounded chunks, counting what it really unpacks to (the sizes in its header
are the sender's word, checked but never trusted): past ReadLimits.max_unpacked_bytes for all the
members read, or past max_unpack_ratio for one member, reading stops with a SkipFile naming the
limit. Nothing is extracted to disk; member names are only looked up, never used as paths.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from bot.ingest.document import ReadLimits, SkipFile

ZIP_SIGNATURE = b"PK\x03\x04"
CHUNK = 64 * 1024
# A member that unpacks to less than this cannot be a bomb, whatever its ratio (a small XML part
# of repeated markup compresses far beyond any sensible ratio).
RATIO_FLOOR = 1 << 20


def looks_like_zip(head: bytes) -> bool:
    return head.startswith(ZIP_SIGNATURE)


class ZipPackage:
    """The members of one zip archive, read under the limits; `kind` names the format in messages."""

    def __init__(self, data: bytes, limits: ReadLimits, kind: str) -> None:
        self.kind = kind
        self.limits = limits
        self.unpacked = 0  # bytes unpacked so far, all members
        if not looks_like_zip(data):
            raise SkipFile(f"its content is no zip archive (every {kind} is one)")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self._members = {info.filename: info for info in self._zip.infolist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
            raise SkipFile(f"damaged {kind}: the zip archive is truncated or corrupt") from None

    def __contains__(self, name: str) -> bool:
        return name in self._members

    def read(self, name: str) -> bytes:
        """One member's bytes. Raises SkipFile if it is missing, damaged or unpacks past a limit."""
        info = self._members.get(name)
        if info is None:
            raise SkipFile(f"not a {self.kind}: the zip archive has no {name}")
        budget = self.limits.max_unpacked_bytes - self.unpacked
        self._check(name, info.file_size, info.compress_size, budget, declared=True)
        out = bytearray()
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(CHUNK):
                    out += chunk
                    self._check(name, len(out), info.compress_size, budget, declared=False)
        except RuntimeError:  # zipfile: an encrypted member
            raise SkipFile(
                f"{self.kind} is password-protected ({name} is encrypted): save it without a password"
            ) from None
        except NotImplementedError as error:
            raise SkipFile(f"{self.kind} uses a zip compression Studybot cannot unpack ({name}: {error})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as error:
            raise SkipFile(
                f"damaged {self.kind}: {name} in the zip archive is truncated or corrupt ({error})"
            ) from None
        self.unpacked += len(out)
        return bytes(out)

    def _check(self, name: str, size: int, compressed: int, budget: int, *, declared: bool) -> None:
        says = "says it unpacks to" if declared else "unpacks to more than"
        if size > budget:
            limit = self.limits.max_unpacked_bytes
            raise SkipFile(
                f"{self.kind} refused as a possible zip bomb: {name} {says} {_mb(size)}, past the limit of "
                f"{_mb(limit)} unpacked per file (max_unpacked_bytes)"
            )
        if size > RATIO_FLOOR and size > self.limits.max_unpack_ratio * max(compressed, 1):
            raise SkipFile(
                f"{self.kind} refused as a possible zip bomb: {name} {says} {size // max(compressed, 1)} times "
                f"its packed size, past the limit of {self.limits.max_unpack_ratio} (max_unpack_ratio)"
            )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
