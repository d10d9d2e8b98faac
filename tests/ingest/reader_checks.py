"""What every reader's property tests check: any bytes give a Document the pipeline takes, or a
SkipFile with a message; never another exception."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import ReadLimits, SkipFile, build_article

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_skip(reader, data: bytes, name: str) -> None:
    try:
        document = reader.read(data, ReadLimits())
    except SkipFile as skip:
        assert str(skip), "a SkipFile must say why"
    else:
        build_article("x", name, document)  # whatever was read goes through the pipeline


def byte_property_tests(reader, fixture: bytes, name: str):
    """A zip-based reader's two byte-level property tests, to bind to test_… names in its module:
    arbitrary bytes (bare, and behind a zip signature), and its fixture cut short or one byte changed."""

    @PROPERTY
    @given(st.binary(max_size=2000))
    def arbitrary_bytes(data):
        for head in (b"", b"PK\x03\x04"):
            read_or_skip(reader, head + data, name)

    @PROPERTY
    @given(st.integers(0, len(fixture)), st.integers(0, len(fixture) - 1), st.integers(0, 255))
    def truncated_or_mutated(cut, position, byte):
        mutated = bytearray(fixture)
        mutated[position] = byte
        for data in (fixture[:cut], bytes(mutated)):
            read_or_skip(reader, data, name)

    return arbitrary_bytes, truncated_or_mutated


def mangled_member(fixture: bytes, member: str, data, inserts: list[bytes]) -> bytes:
    """One zip member's XML with markup-breaking bytes put in at a drawn place, maybe cut short there
    (`data` is hypothesis's st.data()). Damage inside an intact zip, past its check sums."""
    with zipfile.ZipFile(io.BytesIO(fixture)) as archive:
        original = archive.read(member)
    cut = data.draw(st.integers(0, len(original)))
    insert = data.draw(st.sampled_from(inserts))
    return original[:cut] + insert + (original[cut:] if data.draw(st.booleans()) else b"")
