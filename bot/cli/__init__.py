"""studybot ask | source | index | eval | library | run | reload | sync | backup | completion.

Discord is imported only by `run` and `sync`, so the other commands start fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot import __version__
from bot.cli.commands import COMMANDS, CommandError, ProgressBar, server_id
from bot.cli.library import add_library_parser, cmd_library
from bot.config import ConfigError, Settings, load_settings
from bot.core.engine import EngineUnavailable
from bot.library import CorpusError

EXIT_OK, EXIT_USAGE = 0, 2

__all__ = ["ProgressBar", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="Answers questions from a study group's articles.")
    parser.add_argument("--version", action="version", version=f"studybot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common_options(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", type=Path, metavar="FILE", help="YAML config (default: built-in defaults)")
        p.add_argument("--corpus", type=Path, metavar="DIR", help="folder of articles (overrides corpus.path)")
        return p

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        return common_options(sub.add_parser(name, help=help_, description=help_))

    def server_option(p: argparse.ArgumentParser) -> None:
        help_ = "search as this server does (its own documents too)"
        p.add_argument("--guild", type=server_id, metavar="ID", help=help_)

    ask = command("ask", "answer a question with cited excerpts")
    server_option(ask)
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, metavar="K", help="number of excerpts (default: search.top_k)")
    ask.add_argument("--article", metavar="ID", help="search only this article")
    ask.add_argument("--json", action="store_true", help="print the JSON contract")

    source = command("source", "list the articles, show an article's card, a footnote, or a whole passage")
    source.add_argument("article", nargs="?", metavar="ARTICLE", help="article id")
    source.add_argument("marker", nargs="?", metavar="MARKER", help="footnote marker, e.g. iii")
    source.add_argument("--passage", metavar="ID", help="passage id, e.g. 002_845548aa095cdc9a:4")
    source.add_argument("--json", action="store_true")
    server_option(source)

    command("index", "load the corpus, save its index, and report articles, passages, footnotes and warnings")

    ev = command("eval", "measure answer quality on a question set")
    ev.add_argument("questions", type=Path, metavar="QUESTIONS.yaml")
    ev.add_argument("--json", action="store_true")
    server_option(ev)
    add_library_parser(sub, common_options)

    command("run", "start the Discord bot (token from DISCORD_TOKEN or DISCORD_TOKEN_FILE)")
    command("reload", "bring the corpus folder's saved index up to date and make the running bot load it now")
    command("sync", "register the slash commands with Discord, then exit")
    backup = command("backup", "copy the bot's database safely, even while the bot runs")
    backup.add_argument("dest", type=Path, metavar="DEST")
    command("migrate", "apply the database's pending schema migrations, then exit")
    export = command("export", "write everything the database holds to FILE (to move between SQLite and PostgreSQL)")
    export.add_argument("file", type=Path, metavar="FILE")
    import_ = command("import", "load a FILE written by `studybot export` into an empty database")
    import_.add_argument("file", type=Path, metavar="FILE")
    completion = sub.add_parser("completion", help="print a shell completion script (bash or zsh)")
    completion.add_argument("shell", choices=("bash", "zsh"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "completion":
        from bot.cli.completion import completion_script

        print(completion_script(parser, args.shell))
        return EXIT_OK
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"studybot: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.corpus is not None:
        settings = settings.with_corpus(args.corpus.resolve())
    _configure_logging(settings)
    try:
        return {**COMMANDS, "library": cmd_library}[args.command](args, settings)
    except CommandError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return exc.code
    except CorpusError as exc:
        given = "--corpus" if args.corpus is not None else f"corpus.path in {args.config}" if args.config else None
        where = f" (the folder comes from {given})" if given and not settings.corpus.path.is_dir() else ""
        print(f"studybot: corpus error: {exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except EngineUnavailable as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `studybot ask … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.logging.level.upper(),
        format="%(asctime)s | %(levelname)s | %(name)s | %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("discord").setLevel(max(logging.WARNING, logging.getLogger().level))
