"""A server's own reading list: add, list, read, edit and remove its documents.

Everyone may list and read; changing needs Manage Server or the server's librarian role, checked
here, not only by Discord. Uploads are hostile input: the file is downloaded only from the
configured attachment hosts, refused before download when its declared size is over the limit,
parsed in a worker process (bot.ingest.worker), and stored only whole (quotas checked in the adding transaction).
An upload reports how far it has got (UploadProgress: downloading, reading page k of n, indexing)
to a callback the front end gives, which words it with messages.upload_progress.
A message's files are tried in turn (`add_first`): its readable files in order, until one is added
or a refusal not about one file (rights, a full list, the cooldown) ends the tries; one file per call.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import urlsplit

from bot.core.models import Article
from bot.ingest import SkipFile
from bot.ingest.formats import readable_suffixes
from bot.ingest.metadata import is_iso_date, is_web_url
from bot.ingest.pipeline import ParsedArticle
from bot.ingest.worker import ingest_file_async
from bot.service import messages
from bot.service.deadline import before_first_reply
from bot.service.options import ServerLibraryOptions
from bot.service.rules import Member, Refusal, ServerRules
from bot.storage import DocumentRecord, DocumentStats, QuotaExceeded

log = logging.getLogger("studybot.service")

COMMAND_LINE_USER = 0  # added_by of a document added with `studybot library add`
TITLE_MAX, AUTHOR_MAX, URL_MAX = 256, 256, 512


@dataclass(frozen=True)
class DocumentEdit:
    """Metadata given with an upload or an edit; None leaves a field as it is ("" clears it)."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file to add: an attachment (`attachment_url`, declared `size`) or, from the command line,
    its bytes in `data`. Never a link a member typed."""

    filename: str
    size: int
    content_type: str | None = None
    attachment_url: str | None = None
    data: bytes | None = None
    # How replies name the file: a front end's safe form of it (Discord: markdown and mentions made
    # inert, cut to fit); the file name itself when None.
    shown_name: str | None = None

    @property
    def shown(self) -> str:
        return self.shown_name or self.filename


# The bytes at an attachment url, at most `max_bytes` of them (ValueError past it).
Download = Callable[[str, int, float], Awaitable[bytes]]


@dataclass(frozen=True)
class UploadProgress:
    """How far an upload has got: downloading; reading (page `at` of `total`, where the reader
    tells); indexing (`total` passages). Worded by messages.upload_progress."""

    stage: Literal["downloading", "reading", "indexing"]
    filename: str
    at: int | None = None
    total: int | None = None


# Hears an upload's progress; called on the event loop, it must return at once (no awaiting).
OnProgress = Callable[[UploadProgress], None]


def _unheard(progress: UploadProgress) -> None:
    pass


async def _no_acknowledgement() -> None:
    pass


# How long `add_first` goes on starting files: one try may take the download's and the reader's time
# limits (30 s each by default), and the reply must come within Discord's 15 minutes of an interaction.
TRY_FILES_FOR_SECONDS = 300.0


@dataclass(frozen=True)
class FirstAdded:
    """What `add_first` did with a message's files, in their order: the one `added` (its upload and
    record), the ones `refused` on the way (each with its refusal, whose reason says why briefly),
    the readable ones `untried` (one file per call), and `stopped`: a refusal not about one file
    (rights, a full list, the cooldown) that ended the tries. `considered`: how many it was to try."""

    considered: int
    added: tuple[Upload, DocumentRecord] | None = None
    refused: tuple[tuple[Upload, Refusal], ...] = ()
    untried: tuple[Upload, ...] = ()
    stopped: Refusal | None = None
    out_of_time: bool = False  # the untried ones were left because the time for trying ran out


class Library:
    def __init__(self, store, libraries, rules: ServerRules, options: ServerLibraryOptions | None = None,
                 download: Download | None = None, bounded=before_first_reply):  # fmt: skip
        """`bounded`: how a read a first reply waits on is bounded (a terminal passes deadline.unbounded)."""
        self.store = store
        self.bounded = bounded
        self.libraries = libraries
        self.rules = rules
        self.options = options or ServerLibraryOptions()
        self.download = download or download_attachment
        self._last_upload: dict[int, float] = {}
        self._storing: dict[int, asyncio.Lock] = {}  # per server: one file's duplicate check and store at once

    # -- who may do what -------------------------------------------------------------------

    async def may_change(self, member: Member) -> bool:
        if member.guild_id is None:
            return False
        if member.can_manage:
            return True
        role = (await self.rules.settings(member.guild_id)).librarian_role_id
        return role is not None and role in member.role_ids

    async def _change_refusal(self, member: Member) -> Refusal | None:
        if member.guild_id is None:
            return Refusal(messages.LIBRARY_IN_SERVERS_ONLY)
        if not await self.may_change(member):
            return Refusal(messages.LIBRARY_CHANGE_NOT_ALLOWED)
        return None

    # -- reading -----------------------------------------------------------------------------

    async def list(self, member: Member) -> tuple[DocumentRecord, ...] | Refusal:
        if member.guild_id is None:
            return Refusal(messages.LIBRARY_IN_SERVERS_ONLY)
        return await self.bounded(self.store.list_documents(member.guild_id), "list the documents")

    async def info(self, member: Member, document_id: str) -> DocumentRecord | Refusal:
        if member.guild_id is None:
            return Refusal(messages.LIBRARY_IN_SERVERS_ONLY)
        found = await self.bounded(self.store.get_document(member.guild_id, document_id), "find the document")
        return found or Refusal(messages.UNKNOWN_DOCUMENT)

    async def card(self, member: Member, document_id: str) -> tuple[DocumentRecord, DocumentStats] | Refusal:
        """The document, and the answers in the member's server that quote it with their votes."""
        if member.guild_id is None:
            return Refusal(messages.LIBRARY_IN_SERVERS_ONLY)

        async def read() -> tuple[DocumentRecord | None, DocumentStats | None]:
            found = await self.store.get_document(member.guild_id, document_id)
            return found, await self.store.document_stats(member.guild_id, document_id) if found else None

        found, stats = await self.bounded(read(), "find the document")  # both reads within one bound
        return (found, stats) if found else Refusal(messages.UNKNOWN_DOCUMENT)

    async def document_items(self, member: Member) -> list[tuple[str, str]]:
        """(shown name, document id) of every document of the member's server, for autocomplete."""
        if member.guild_id is None:
            return []
        documents = await self.bounded(self.store.list_documents(member.guild_id), "list the documents")
        return [(_choice_name(doc), doc.id) for doc in documents]

    # -- changing ----------------------------------------------------------------------------

    async def check(self, member: Member, upload: Upload, metadata: DocumentEdit = DocumentEdit()) -> Refusal | None:
        """The cheap checks before anything is downloaded (rights, options, declared size, quotas,
        the server's upload cooldown, which this starts): a front end answers a refusal at once."""
        return await self._upload_refusal(member, upload, metadata) or self._cooldown_refusal(member.guild_id)

    async def _upload_refusal(self, member: Member, upload: Upload, metadata: DocumentEdit) -> Refusal | None:
        """`check` but the cooldown."""
        refusal = await self._change_refusal(member) or _metadata_refusal(metadata)
        if refusal:
            return refusal
        limits = self.options
        if not 0 <= upload.size <= limits.max_file_bytes:
            return _too_large(upload, limits.max_file_bytes)
        usage = await self.bounded(self.store.library_usage(member.guild_id), "read the library's size")
        if usage.documents >= limits.max_documents:
            return Refusal(messages.library_full("documents", limits.max_documents))
        if usage.total_bytes + upload.size > limits.max_total_bytes:
            return _over_quota(upload, "total_bytes", limits.max_total_bytes, usage.total_bytes)
        return None

    async def add_first(
        self, member: Member, uploads: Sequence[Upload], metadata: DocumentEdit = DocumentEdit(),
        progress: OnProgress = _unheard, before_work: Callable[[], Awaitable[None]] = _no_acknowledgement,
        try_for: float = TRY_FILES_FOR_SECONDS,
    ) -> FirstAdded:  # fmt: skip
        """Add the first of a message's files that can be added: its files of a readable format (by
        name; the first file when none is) in order, each checked, downloaded, parsed and stored as
        `add` does, the next tried when one is refused for itself (damaged, too large, no text, there
        already: a refusal with a reason). A refusal not about one file ends the tries, and no file is
        started once `try_for` seconds have passed (every file is tried once at most). `before_work` is
        awaited once, before the first download (a front end acknowledges there): a reply to a
        refusal before it may come at once. The server's upload cooldown is held while the files are
        tried and started only by the one added, from when it was added."""
        readable = [upload for upload in uploads if readable_name(upload.filename)] or list(uploads[:1])
        candidates: list[Upload] = []  # the same file attached twice (name and size) once: its copy is a duplicate
        for upload in readable:
            if all((upload.filename, upload.size) != (other.filename, other.size) for other in candidates):
                candidates.append(upload)
        refused: list[tuple[Upload, Refusal]] = []
        started_at, acknowledged, holding, added = time.monotonic(), False, False, None
        try:
            for at, upload in enumerate(candidates):
                if at and time.monotonic() - started_at > try_for:
                    return FirstAdded(len(candidates), refused=tuple(refused), untried=tuple(candidates[at:]),
                                      out_of_time=True)  # fmt: skip
                refusal = await self._upload_refusal(member, upload, metadata)
                if refusal is None and not holding:
                    refusal = self._cooldown_refusal(member.guild_id)
                    holding = refusal is None
                if refusal is None:
                    if not acknowledged:
                        acknowledged = True
                        await before_work()
                    stored = await self._store_upload(member, upload, metadata, progress)
                    if isinstance(stored, DocumentRecord):
                        added = stored
                        self._last_upload[member.guild_id] = time.monotonic()  # the cooldown runs from now
                        return FirstAdded(len(candidates), (upload, stored), tuple(refused),
                                          tuple(candidates[at + 1 :]))  # fmt: skip
                    refusal = stored
                if refusal.reason is None:  # not about this file: the next would fare no better
                    return FirstAdded(len(candidates), refused=tuple(refused), untried=tuple(candidates[at + 1 :]),
                                      stopped=refusal)  # fmt: skip
                refused.append((upload, refusal))
            return FirstAdded(len(candidates), refused=tuple(refused))
        finally:
            if holding and added is None:
                self._last_upload.pop(member.guild_id, None)  # none was added since this took it

    async def add(
        self, member: Member, upload: Upload, metadata: DocumentEdit = DocumentEdit(), progress: OnProgress = _unheard
    ) -> DocumentRecord | Refusal:
        """Check, download, parse, store; the stored record (its reply: messages.document_added)."""
        return await self.check(member, upload, metadata) or await self.store_upload(member, upload, metadata,
                                                                                     progress)  # fmt: skip

    async def store_upload(
        self, member: Member, upload: Upload, metadata: DocumentEdit = DocumentEdit(), progress: OnProgress = _unheard
    ) -> DocumentRecord | Refusal:
        """After `check`: download, parse in a worker, store (quotas checked again, atomically), and
        build the server's index, so that the reply means "answerable now"; `progress` hears each stage.
        A file refused here does not hold the server's next upload back: only an added one does."""
        stored: DocumentRecord | Refusal | None = None
        try:
            stored = await self._store_upload(member, upload, metadata, progress)
            return stored
        finally:
            if not isinstance(stored, DocumentRecord):
                self._last_upload.pop(member.guild_id, None)  # `check` let it through: none was added since

    async def _store_upload(
        self, member: Member, upload: Upload, metadata: DocumentEdit, progress: OnProgress
    ) -> DocumentRecord | Refusal:
        if upload.data is None:
            progress(UploadProgress("downloading", upload.filename))
        data = await self._bytes_of(upload)
        if isinstance(data, Refusal):
            return data
        async with self._storing.setdefault(member.guild_id, asyncio.Lock()):  # the same file sent twice at once
            return await self._parse_and_store(member, upload, metadata, progress, data)

    async def _parse_and_store(
        self, member: Member, upload: Upload, metadata: DocumentEdit, progress: OnProgress, data: bytes
    ) -> DocumentRecord | Refusal:
        guild_id, limits, name = member.guild_id, self.options, upload.filename
        sha256 = hashlib.sha256(data).hexdigest()
        same = next((d for d in await self.store.list_documents(guild_id) if d.sha256 == sha256), None)
        if same is not None:
            return Refusal(messages.already_in_library(same.title), messages.already_in_library_reason(same.title))
        progress(UploadProgress("reading", name))
        parsed = await parse_upload(name, data, limits,
                                    lambda at, total: progress(UploadProgress("reading", name, at, total)),
                                    shown_name=upload.shown)  # fmt: skip
        if isinstance(parsed, Refusal):
            return parsed
        article = _with_metadata(parsed.article, metadata)
        if not article.passages:
            return Refusal(messages.no_text_in(upload.shown), messages.NO_TEXT_REASON)
        pages = [page for p in article.passages for page in p.pages]
        record = DocumentRecord(
            id=None, guild_id=guild_id, filename=upload.filename, content_type=upload.content_type or "",
            size=len(data), sha256=sha256, title=article.title, author=article.author, date=article.date,
            url=article.url, added_by=member.user_id, added_at=time.time(), passages=len(article.passages),
            footnotes=len(article.footnotes), first_page=min(pages, default=None), last_page=max(pages, default=None),
            warnings=tuple(parsed.warnings),
        )  # fmt: skip
        progress(UploadProgress("indexing", name, total=len(article.passages)))
        try:
            saved = await self.store.add_document(record, data, article, limits.quota)
        except QuotaExceeded as exc:
            return _over_quota(upload, exc.what, exc.limit, exc.used)
        self.libraries.forget(guild_id)
        log.info("guild %s: added document %s (%r, passages: %d)", guild_id, saved.id, upload.filename, saved.passages)
        await self._index(guild_id)
        return saved

    async def edit(self, member: Member, document_id: str, metadata: DocumentEdit) -> DocumentRecord | Refusal:
        refusal = await self._change_refusal(member) or _metadata_refusal(metadata)
        if refusal:
            return refusal
        changes = {k: (v.strip() or None) for k, v in vars(metadata).items() if v is not None}
        if "title" in changes and changes["title"] is None:
            return Refusal(messages.bad_option("title", "cannot be empty."))
        updated = await self.store.update_document(member.guild_id, document_id, **changes)
        if updated is None:
            return Refusal(messages.UNKNOWN_DOCUMENT)
        self.libraries.forget(member.guild_id)
        return updated

    async def remove(self, member: Member, document_id: str) -> DocumentRecord | Refusal:
        """Remove the document; the record it had (for the reply)."""
        refusal = await self._change_refusal(member)
        if refusal:
            return refusal
        found = await self.info(member, document_id)  # bounded: a front end may reply to a refusal at once
        if isinstance(found, Refusal):
            return found
        # not bounded: a write given up on may still commit, unseen by the caches (a front end defers first)
        if not await self.store.remove_document(member.guild_id, document_id):
            return Refusal(messages.UNKNOWN_DOCUMENT)
        await self.libraries.forget_removed(member.guild_id)
        log.info("guild %s: removed document %s", member.guild_id, document_id)
        return found

    # -- helpers -------------------------------------------------------------------------------

    async def _index(self, guild_id: int) -> None:
        """Build the server's index now (in a thread) rather than at its next question. The document
        is stored whatever happens here: a failure only leaves the build to that question."""
        try:
            await self.libraries.engine_for(guild_id)
        except Exception:  # noqa: BLE001 — the upload succeeded; the next question tries again
            log.warning("guild %s: building its index after an upload failed", guild_id, exc_info=True)

    def _cooldown_refusal(self, guild_id: int) -> Refusal | None:
        now = time.monotonic()
        left = self._last_upload.get(guild_id, -1e18) + self.options.upload_cooldown_seconds - now
        if left > 0:
            return Refusal(messages.upload_cooldown(max(1, round(left))))
        self._last_upload[guild_id] = now
        return None

    async def _bytes_of(self, upload: Upload) -> bytes | Refusal:
        if upload.data is not None:
            data = upload.data
        else:
            if not upload.attachment_url or not allowed_host(upload.attachment_url, self.options.attachment_hosts):
                return Refusal(messages.NOT_AN_ATTACHMENT)
            try:
                data = await self.download(
                    upload.attachment_url, self.options.max_file_bytes, self.options.download_timeout_seconds
                )
            except ValueError:
                return _too_large(upload, self.options.max_file_bytes)
            except Exception as exc:  # aiohttp's errors, a timeout, a refused connection: all "try again"
                log.warning("download of attachment %r failed: %s", upload.filename, exc)  # %r: one line always
                return Refusal(messages.download_failed(upload.shown), messages.DOWNLOAD_FAILED_REASON)
        if len(data) > self.options.max_file_bytes:
            return _too_large(upload, self.options.max_file_bytes)
        return data


def _over_quota(upload: Upload, what: str, limit: int, used: int) -> Refusal:
    """Full: no file can be added (a refusal not about this one). Not full: this file is too large for
    the room left, and a smaller one may still fit."""
    if used >= limit:
        return Refusal(messages.library_full(what, limit))
    return Refusal(messages.no_room_for(upload.shown, what, limit, used), messages.no_room_reason(what, limit, used))


def _too_large(upload: Upload, limit: int) -> Refusal:
    return Refusal(messages.file_too_large(upload.shown, limit), messages.too_large_reason(limit))


def readable_name(filename: str) -> bool:
    """Whether a file's name says a format Studybot reads (its content decides in the end)."""
    return PurePosixPath(filename.lower()).suffix in readable_suffixes()


def allowed_host(url: str, hosts: tuple[str, ...]) -> bool:
    """An https url on one of `hosts` (plain http only on a loopback address, as a test's fake serves)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if host not in {h.lower() for h in hosts} or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def download_attachment(url: str, max_bytes: int, timeout: float) -> bytes:
    """The body at `url`, read in chunks; ValueError as soon as it passes `max_bytes`. No redirects:
    a redirect could lead off the allowed hosts."""
    import aiohttp  # here: the command line reads this module without needing the network

    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=limit) as session, session.get(url, allow_redirects=False) as response:
        response.raise_for_status()
        if response.content_length is not None and response.content_length > max_bytes:
            raise ValueError("declared larger than the limit")
        body = bytearray()
        async for chunk in response.content.iter_chunked(65536):
            body += chunk
            if len(body) > max_bytes:
                raise ValueError("larger than the limit")
        return bytes(body)


async def parse_upload(
    filename: str, data: bytes, options: ServerLibraryOptions, on_page: Callable[[int, int | None], None] | None = None,
    shown_name: str | None = None,
) -> ParsedArticle | Refusal:
    """The file as an article, parsed in a worker process with the formats' time and memory limits
    (off the event loop; `on_page(page, pages)` hears where the reader is, on the loop); a Refusal
    naming the file (as `shown_name`, when given) when it cannot be read."""
    try:
        return await ingest_file_async(filename, data, article_id="upload", path=filename, on_progress=on_page,
                                       max_passage_chars=options.max_passage_chars, options=options.ingest)  # fmt: skip
    except SkipFile as exc:
        return Refusal(messages.cannot_read(shown_name or filename, str(exc)), str(exc))
    except Exception:  # a reader's bug on hostile input must not lose the bot
        log.exception("reading upload %r failed", filename)
        why = "it could not be read"
        return Refusal(messages.cannot_read(shown_name or filename, why), why)


def _with_metadata(article: Article, metadata: DocumentEdit) -> Article:
    given = {k: v.strip() for k, v in vars(metadata).items() if v is not None and v.strip()}
    return replace(article, **given) if given else article


def _metadata_refusal(metadata: DocumentEdit) -> Refusal | None:
    for option, value, limit in (("title", metadata.title, TITLE_MAX), ("author", metadata.author, AUTHOR_MAX),
                                 ("url", metadata.url, URL_MAX)):  # fmt: skip
        if value is not None and len(value) > limit:
            return Refusal(messages.bad_option(option, f"must be at most {limit} characters."))
    if metadata.date and not is_iso_date(metadata.date.strip(), partial=True):
        return Refusal(messages.bad_option("date", "must be a real date: 2024, 2024-05 or 2024-05-31."))
    if metadata.url and not is_web_url(metadata.url):
        return Refusal(messages.bad_option("url", "must be a web address (https://…)."))
    return None


def _choice_name(doc: DocumentRecord) -> str:
    name = f"{doc.title} ({doc.filename})"
    return name if len(name) <= 100 else name[:99] + "…"
