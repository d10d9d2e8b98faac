"""The services' settings as plain options (bot.wiring fills them from the config): light to import,
so reading the config costs neither the ingest pipeline nor the storage layer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ingest.options import IngestOptions
from bot.storage.records import DocumentQuota

DISCORD_ATTACHMENT_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")


@dataclass(frozen=True)
class ServiceOptions:
    """Bot-wide defaults a server's /settings override."""

    top_k: int = 3
    max_results: int = 15
    cooldown_seconds: float = 10.0
    private_by_default: bool = False
    answer_ttl_hours: float = 24.0


@dataclass(frozen=True)
class ServerLibraryOptions:
    """Limits of every server's own library (bot.wiring fills them from the `library:` section)."""

    max_documents: int = 50
    max_total_bytes: int = 200_000_000
    max_passages: int = 20_000
    max_file_bytes: int = 20_000_000
    upload_cooldown_seconds: float = 30.0
    attachment_hosts: tuple[str, ...] = DISCORD_ATTACHMENT_HOSTS
    download_timeout_seconds: float = 30.0
    max_passage_chars: int = 1200
    ingest: IngestOptions = IngestOptions()  # per-format size caps, the worker's time and memory limits

    @property
    def quota(self) -> DocumentQuota:
        return DocumentQuota(self.max_documents, self.max_total_bytes, self.max_passages)
