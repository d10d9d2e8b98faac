"""What each `studybot` command does. A command returns its exit code, or raises CommandError
with the message for stderr."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from bot.cli import output
from bot.config import MAX_DISCORD_ID, Settings, is_discord_id
from bot.core.engine import Engine
from bot.service import messages

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A command cannot go on; `main` prints the message and exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def server_id(text: str) -> int:
    """argparse's type for --guild: a Discord server id."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not is_discord_id(value):
        raise argparse.ArgumentTypeError(f"{text} is not a server id (a whole number from 1 to {MAX_DISCORD_ID})")
    return value


class ProgressBar:
    """A one-line progress bar on stderr; silent when stderr is not a terminal. Remembers how long
    each stage took."""

    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.active = self.stream.isatty()
        self.stages: dict[str, float] = {}  # stage → seconds
        self._started: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self._started.setdefault(stage, now)
        if done >= total:
            self.stages[stage] = now - self._started[stage]
        if not self.active:
            return
        share = done / total if total else 1.0
        bar = "#" * int(share * self.WIDTH)
        self.stream.write(f"\r{stage:<20} [{bar:<{self.WIDTH}}] {done:>9,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _style() -> output.Style:
    return output.Style(sys.stdout.isatty())


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def open_engine(settings: Settings, progress: ProgressBar | None = None, *, save: bool = False,
                guild: int | None = None) -> Engine:  # fmt: skip
    """The host's corpus as an engine (with `guild`: what that server searches, its own documents
    beside the shared ones per the library policy); no loadable text stops the command."""
    from bot.wiring import open_shared_library

    engine = open_shared_library(settings, save=save, progress=progress or ProgressBar())
    if guild is not None:
        engine = _server_engine(settings, engine, guild)
    if not engine.passages and not save:
        where = f"server {guild}'s library" if guild is not None else str(settings.corpus.path)
        raise CommandError(f"no article with text could be loaded from {where}", EXIT_FAILURE)
    return engine


def _server_engine(settings: Settings, shared: Engine, guild: int) -> Engine:
    import asyncio

    from bot.storage import StorageError, open_store
    from bot.wiring import server_libraries, storage_options

    async def load() -> Engine:
        async with await open_store(storage_options(settings)) as store:
            return await server_libraries(settings, shared, store).engine_for(guild)

    try:
        return asyncio.run(load())
    except StorageError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from None


def cmd_ask(args, settings: Settings) -> int:
    if args.top_k is not None and not 1 <= args.top_k <= 50:
        raise CommandError("--top-k must be between 1 and 50")
    if not args.question.strip():
        raise CommandError("the question is empty")
    engine = open_engine(settings, guild=args.guild)
    if args.article is not None and engine.article(args.article) is None:  # "" too: no article has that id
        raise CommandError(f"--article {shlex.quote(args.article)}: no such article (see `studybot source`)")
    answer = engine.ask(args.question, top_k=args.top_k, article_id=args.article)
    if args.json:
        _print_json(output.answer_dict(answer))
    else:
        print(output.answer_text(answer, _style()))
    return EXIT_OK


def cmd_source(args, settings: Settings) -> int:
    engine = open_engine(settings, guild=args.guild)
    style = _style()
    if args.passage is not None:
        found = engine.passage(args.passage)
        if found is None:
            raise CommandError(f"--passage {shlex.quote(args.passage)}: no such passage")
        data, text = output.passage_lookup_dict(found), output.passage_lookup_text(found, style)
    elif args.article is not None:
        article = engine.article(args.article)
        if article is None:
            raise CommandError(f"no such article {shlex.quote(args.article)} (see `studybot source`)")
        if args.marker is not None:
            found = engine.footnote(args.article, args.marker)
            if found is None:
                raise CommandError(f"no such footnote [{args.marker}] in {args.article}")
            data, text = output.footnote_lookup_dict(found), output.footnote_lookup_text(found, style)
        else:
            data, text = output.articles_dict([article]), output.article_card_text(article, style)
    else:
        data, text = output.articles_dict(engine.articles), output.articles_text(engine.articles, style)
    if args.json:
        _print_json(data)
    else:
        print(text)
    return EXIT_OK


def cmd_index(args, settings: Settings) -> int:
    from bot.library.saved import IndexNotSaved, index_dir
    from bot.wiring import library_options

    progress = ProgressBar()
    started = time.perf_counter()
    try:
        engine, not_saved = open_engine(settings, progress, save=True), None
    except IndexNotSaved as exc:  # the report still comes, then the reason
        engine, not_saved = exc.engine, exc
    total = time.perf_counter() - started
    corpus = engine.corpus
    print(output.articles_text(corpus.articles, _style()))
    footnotes = sum(len(a.footnotes) for a in corpus.articles)
    counts = [
        messages.plural(len(corpus.articles), "article"),
        messages.plural(len(engine.passages), "passage"),
        messages.plural(footnotes, "footnote"),
        messages.plural(len(corpus.warnings), "warning"),
    ]
    print("\n" + ", ".join(counts))
    for warning in corpus.warnings:
        print(f"warning: {warning}")
    if not_saved is not None:
        raise CommandError(str(not_saved), EXIT_FAILURE)
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in progress.stages.items())
    if engine.passages and settings.search.engine != "numpy":  # the reference engine keeps no saved index
        print(f"Checked the corpus with the {settings.search.engine} engine, which saves no index "
              f"({stages}; {total:.1f} s in all).")  # fmt: skip
    elif engine.passages:
        print(f"Saved the index in {index_dir(library_options(settings))} ({stages}; {total:.1f} s in all).")
    return EXIT_OK if engine.passages else EXIT_FAILURE


def cmd_eval(args, settings: Settings) -> int:
    from bot.core.evaluation import QuestionSetError, evaluate, load_questions, report_text

    try:
        questions = load_questions(args.questions)  # before the engine: a mistake in the file shows at once
        report = evaluate(open_engine(settings, guild=args.guild), questions).to_dict()
    except QuestionSetError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        _print_json(report)
    else:
        print(report_text(report))
    return EXIT_OK


def cmd_run(args, settings: Settings) -> int:
    from bot.app.runner import run_bot

    return run_bot(settings)


def cmd_reload(args, settings: Settings) -> int:
    """Bring the saved index of the corpus folder up to date here, then tell the running bots to load
    it: on SQLite the one bot holding the database's lock (SIGHUP), on PostgreSQL every bot on the
    database, on any host (a notice through the store's change feed; each reloads its own folder and
    answers, and the command says how many did: none is a failure)."""
    from bot.library.saved import saved_fingerprint
    from bot.storage.sqlite import lock_holder
    from bot.wiring import library_options, storage_options

    sqlite = storage_options(settings).backend == "sqlite"
    pid = lock_holder(settings.database_path) if sqlite else None
    if sqlite and pid is None:
        raise CommandError(f"no bot is running on {settings.database_path}, so there is nothing to reload "
                           "(`studybot run` reads the corpus folder when it starts)", EXIT_FAILURE)  # fmt: skip
    before = saved_fingerprint(library_options(settings))
    engine = open_engine(settings)
    done = "Rebuilt" if saved_fingerprint(library_options(settings)) != before else "Checked"
    counts = [messages.plural(len(engine.articles), "article"), messages.plural(len(engine.passages), "passage"),
              messages.plural(len(engine.corpus.warnings), "warning")]  # fmt: skip
    print(f"{done} the index of {settings.corpus.path}: {', '.join(counts)}.")
    for warning in engine.corpus.warnings:
        print(f"warning: {warning}")
    if sqlite:
        _signal_bot(pid, settings.database_path)
        print(f"Asked the bot (process {pid}) to reload; it answers from the new index once loaded, "
              "and its log says what changed.")  # fmt: skip
    else:
        heard = _publish_reload(settings)
        if not heard:
            raise CommandError(f"no bot on the PostgreSQL database answered the reload notice within "
                               f"{RELOAD_ANSWER_SECONDS:g} s, so none is running there (the saved index is up to "
                               "date: `studybot run` loads it when it starts)", EXIT_FAILURE)  # fmt: skip
        print(f"{messages.plural(heard, 'bot')} on the PostgreSQL database heard the reload notice; each "
              "reloads its own corpus folder, and its log says what changed.")  # fmt: skip
    return EXIT_OK


def _signal_bot(pid: int, database: Path) -> None:
    import os
    import signal

    if pid == 0:
        raise CommandError(f"a bot holds {database} but did not record its process id (an older Studybot?); "
                           "restart it to load the corpus folder", EXIT_FAILURE)  # fmt: skip
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise CommandError(f"the bot (process {pid}) on {database} has just stopped; nothing to reload",
                           EXIT_FAILURE) from None  # fmt: skip
    except PermissionError:
        raise CommandError(f"not allowed to signal the bot (process {pid}); run `studybot reload` as the "
                           "user that runs it", EXIT_FAILURE) from None  # fmt: skip


RELOAD_ANSWER_SECONDS = 2.0  # how long `studybot reload` waits for bots to answer its notice (PostgreSQL)


def _publish_reload(settings: Settings) -> int:
    """Publish the reload notice; how many bots answered it within RELOAD_ANSWER_SECONDS."""
    import asyncio

    from bot.library.watch import RELOAD_HEARD, RELOAD_NOTICE
    from bot.storage import StorageError, open_store
    from bot.wiring import storage_options

    async def publish() -> int:
        heard = []
        async with await open_store(storage_options(settings)) as store:
            store.on_change(lambda change: heard.append(change) if change.kind == RELOAD_HEARD else None)
            await store.publish(RELOAD_NOTICE, None)
            await asyncio.sleep(RELOAD_ANSWER_SECONDS)  # bots on any host answer within milliseconds
        return len(heard)

    try:
        return asyncio.run(publish())
    except StorageError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from None


def cmd_sync(args, settings: Settings) -> int:
    from bot.app.runner import sync_commands

    return sync_commands(settings)


def cmd_backup(args, settings: Settings) -> int:
    from bot.storage.sqlite import BackupError, backup_sqlite
    from bot.wiring import storage_options

    if storage_options(settings).backend != "sqlite":
        raise CommandError("studybot backup copies SQLite databases; back PostgreSQL up with pg_dump (see the README)")
    try:
        done = backup_sqlite(settings.database_path, Path(args.dest))
    except BackupError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from None
    print(f"Backed up {done.source} to {done.dest} ({messages.plural(done.answers, 'answer')}).")
    return EXIT_OK


def cmd_migrate(args, settings: Settings) -> int:
    import asyncio

    from bot.storage import StorageError, migrate
    from bot.wiring import storage_options

    try:
        done = asyncio.run(migrate(storage_options(settings)))
    except StorageError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from None
    if done.before == done.after:
        print(f"{done.where} is up to date (schema version {done.after}).")
    else:
        print(f"Migrated {done.where} from schema version {done.before} to {done.after}.")
    return EXIT_OK


def _transfer(settings: Settings, move, path: Path):
    import asyncio

    from bot.storage import StorageError, open_store
    from bot.wiring import storage_options

    async def run():
        async with await open_store(storage_options(settings)) as store:
            return await move(store, path)

    try:
        return asyncio.run(run())
    except (StorageError, OSError, ValueError) as exc:
        raise CommandError(f"{path}: {exc}", EXIT_FAILURE) from None


def cmd_export(args, settings: Settings) -> int:
    from bot.storage.transfer import export_store

    done = _transfer(settings, export_store, Path(args.file))
    print(
        f"Exported {messages.plural(sum(done.rows.values()), 'row')} to {done.path}"
        f" (schema version {done.schema_version})."
    )
    return EXIT_OK


def cmd_import(args, settings: Settings) -> int:
    from bot.storage.transfer import import_store

    done = _transfer(settings, import_store, Path(args.file))
    print(
        f"Imported {messages.plural(sum(done.rows.values()), 'row')} from {done.path}"
        f" (schema version {done.schema_version})."
    )
    return EXIT_OK


COMMANDS = {
    "ask": cmd_ask,
    "source": cmd_source,
    "index": cmd_index,
    "eval": cmd_eval,
    "run": cmd_run,
    "reload": cmd_reload,
    "sync": cmd_sync,
    "backup": cmd_backup,
    "migrate": cmd_migrate,
    "export": cmd_export,
    "import": cmd_import,
}
