"""What the readers' property tests check: any bytes give a Document the pipeline takes, or a SkipFile
with a message; never another exception. (Bytes at large, for every reader: test_hostile_files.)"""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, settings
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


def mangled_member(fixture: bytes, member: str, data, inserts: list[bytes]) -> bytes:
    """One zip member's XML with markup-breaking bytes put in at a drawn place, maybe cut short there
    (`data` is hypothesis's st.data()). Damage inside an intact zip, past its check sums."""
    with zipfile.ZipFile(io.BytesIO(fixture)) as archive:
        original = archive.read(member)
    cut = data.draw(st.integers(0, len(original)))
    insert = data.draw(st.sampled_from(inserts))
    return original[:cut] + insert + (original[cut:] if data.draw(st.booleans()) else b"")
