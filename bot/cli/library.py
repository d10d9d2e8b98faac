"""`studybot library add|list|info|remove --guild ID`: a server's reading list from the terminal,
over the same database and the same service the bot uses (acting with Manage Server's rights).

The service and the database are imported by the commands that use them: every `studybot` command
builds this parser, and `studybot ask` should not pay for them."""

from __future__ import annotations

import dataclasses
import json
import mimetypes
import time
from pathlib import Path

from bot.cli.commands import EXIT_FAILURE, EXIT_OK, CommandError, server_id
from bot.config import Settings
from bot.service import messages
from bot.storage.records import DocumentRecord, DocumentStats


def add_library_parser(sub, common_options) -> None:
    """`studybot library ACTION …`; `common_options` adds --config and --corpus to each action."""
    help_ = "manage a server's own reading list in the database"
    library = sub.add_parser("library", help=help_, description=help_)
    actions = library.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_: str):
        p = common_options(actions.add_parser(name, help=help_, description=help_))
        p.add_argument("--guild", type=server_id, required=True, metavar="ID", help="the server's id")
        return p

    add = action("add", "add a file to the server's reading list")
    add.add_argument("file", type=Path, metavar="FILE")
    for option in ("title", "author", "date", "url"):
        add.add_argument(f"--{option}", metavar=option.upper())
    listing = action("list", "list the server's documents")
    listing.add_argument("--json", action="store_true")
    info = action("info", "one document's card")
    info.add_argument("document", metavar="DOCUMENT", help="document id (see `studybot library list`)")
    info.add_argument("--json", action="store_true")
    remove = action("remove", "remove a document")
    remove.add_argument("document", metavar="DOCUMENT")


def cmd_library(args, settings: Settings) -> int:
    import asyncio

    return asyncio.run(_library(args, settings))


async def _library(args, settings: Settings) -> int:
    from bot.service.deadline import unbounded
    from bot.service.library import COMMAND_LINE_USER, DocumentEdit, Library, Upload
    from bot.service.rules import Member, ServerRules
    from bot.storage import StorageError, open_store
    from bot.wiring import server_library_options, service_options, storage_options

    if args.action == "add":  # read the file before touching the database
        data = _read_file(args.file)
    try:
        async with await open_store(storage_options(settings)) as store:
            rules = ServerRules(store, service_options(settings))
            options = dataclasses.replace(server_library_options(settings), upload_cooldown_seconds=0)
            library = Library(store, _NoLoadedLibraries(settings.data_dir), rules, options, bounded=unbounded)
            who = Member(user_id=COMMAND_LINE_USER, guild_id=args.guild, can_manage=True)
            if args.action == "add":
                upload = Upload(args.file.name, len(data), mimetypes.guess_type(args.file.name)[0], data=data)
                edit = DocumentEdit(args.title, args.author, args.date, args.url)
                added = _or_fail(await library.add(who, upload, edit), args.file)
                print(messages.document_added(added.title, added.passages, added.footnotes, added.first_page,
                                              added.last_page, added.warnings) + f" (id {added.id})")  # fmt: skip
            elif args.action == "list":
                documents = _or_fail(await library.list(who))
                if args.json:
                    print(json.dumps([document_dict(d) for d in documents], ensure_ascii=False, indent=2))
                else:
                    print(documents_text(documents, args.guild))
            elif args.action == "info":
                found, stats = _or_fail(await library.card(who, args.document), args.document)
                if args.json:
                    data = {**document_dict(found), "stats": dataclasses.asdict(stats)}
                    print(json.dumps(data, ensure_ascii=False, indent=2))
                else:
                    print(card_text(found, stats))
            else:
                removed = _or_fail(await library.remove(who, args.document), args.document)
                print(messages.document_removed(removed.title))
    except StorageError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from None
    return EXIT_OK


class _NoLoadedLibraries:
    """The terminal loads no engine: nothing to forget after a change (a running bot forgets through
    the store's change notices), but a removed document's text leaves the data folder's saved indexes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def forget(self, guild_id: int) -> None:
        pass

    async def forget_removed(self, guild_id: int) -> None:
        import asyncio

        from bot.library.saved import drop_server_library

        await asyncio.to_thread(drop_server_library, self.data_dir, guild_id)

    async def engine_for(self, guild_id: int) -> None:
        pass  # nor builds one after an upload


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _or_fail(result, what: object = None):
    from bot.service.rules import Refusal

    if isinstance(result, Refusal):
        prefix = f"{what}: " if what is not None and str(what) not in result.message else ""
        raise CommandError(prefix + result.message, EXIT_FAILURE)
    return result


def document_dict(doc: DocumentRecord) -> dict:
    data = dataclasses.asdict(doc)
    data["warnings"] = list(doc.warnings)
    data["guild_id"] = str(doc.guild_id)  # ids as text: JSON readers lose 64-bit integers
    data["added_by"] = str(doc.added_by)
    return data


def documents_text(documents: tuple[DocumentRecord, ...], guild_id: int) -> str:
    if not documents:
        return f"Server {guild_id}'s reading list is empty."
    lines = [f"{doc.id}  {doc.title} ({doc.filename}) — {messages.plural(doc.passages, 'passage')}, "
             f"{messages.size_text(doc.size)}" for doc in documents]  # fmt: skip
    return "\n".join(lines)


def card_text(doc: DocumentRecord, stats: DocumentStats) -> str:
    from bot.service.library import COMMAND_LINE_USER

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(doc.added_at))
    who = "the command line" if doc.added_by == COMMAND_LINE_USER else f"user {doc.added_by}"
    lines = [doc.title]
    lines += [f"{label}: {value}" for label, value in (("Author", doc.author), ("Date", doc.date), ("URL", doc.url))
              if value]  # fmt: skip
    pages = messages.pages_text(doc.first_page, doc.last_page)
    counts = [messages.plural(doc.passages, "passage"), messages.plural(doc.footnotes, "footnote")]
    lines.append(f"File: {doc.filename}, {messages.size_text(doc.size)}; " + ", ".join(counts + [pages] * bool(pages)))
    lines.append(f"Id: {doc.id}; added by {who} on {when}.")
    lines.append(messages.quoted_in(stats.answers, stats.feedback_up, stats.feedback_down))
    lines += [f"warning: {w}" for w in doc.warnings]
    return "\n".join(lines)
