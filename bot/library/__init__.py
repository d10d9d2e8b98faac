"""Where libraries come from and how they become engines: the host's corpus folder, saved indexes."""

from bot.library.folder import MANIFEST, CorpusError, load_corpus
from bot.library.saved import LibraryOptions, open_library

__all__ = ["MANIFEST", "CorpusError", "LibraryOptions", "load_corpus", "open_library"]
