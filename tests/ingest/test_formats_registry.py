"""The registry of readers: a file name finds its reader without importing it, and the registry
says what each reader class says."""

from __future__ import annotations

from bot.ingest import formats


def test_each_registered_reader_declares_the_suffixes_it_is_found_by():
    for entry in formats.READERS:
        reader = entry.load()
        assert reader.suffixes == entry.suffixes, entry.target
        assert entry.name == reader.name and reader.name


def test_a_file_name_finds_its_reader_by_suffix():
    assert formats.reader_for("Notes.PDF").load().name == "PDF"
    assert formats.reader_for("page.htm").load().name == "HTML"
    assert formats.reader_for("report.doc") is None and formats.reader_for("README") is None
