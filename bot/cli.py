"""studybot ask | source | index | eval | run | sync | backup.

Discord is imported only by `run` and `sync`, so the other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bot import output
from bot.config import ConfigError, Settings, load_settings
from bot.core.loading import CorpusError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("studybot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="Answers questions from a study group's articles.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--config", type=Path, metavar="FILE", help="YAML config (default: built-in defaults)")
        p.add_argument("--corpus", type=Path, metavar="DIR", help="folder of articles (overrides corpus.path)")
        return p

    ask = command("ask", "answer a question with cited excerpts")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, metavar="K", help="number of excerpts (default: search.top_k)")
    ask.add_argument("--article", metavar="ID", help="search only this article")
    ask.add_argument("--json", action="store_true", help="print the JSON contract")

    source = command("source", "list the articles, show a footnote, or a whole passage")
    source.add_argument("article", nargs="?", metavar="ARTICLE", help="article id")
    source.add_argument("marker", nargs="?", metavar="MARKER", help="footnote marker, e.g. iii")
    source.add_argument("--passage", metavar="ID", help="passage id, e.g. 002_845548aa095cdc9a:4")
    source.add_argument("--json", action="store_true")

    command("index", "load the corpus and report articles, passages, footnotes and warnings")

    ev = command("eval", "measure answer quality on a question set")
    ev.add_argument("questions", type=Path, metavar="QUESTIONS.yaml")
    ev.add_argument("--json", action="store_true")

    command("run", "start the Discord bot (token from DISCORD_TOKEN or DISCORD_TOKEN_FILE)")
    command("sync", "register the slash commands with Discord, then exit")
    backup = command("backup", "copy the bot's database safely, even while the bot runs")
    backup.add_argument("dest", type=Path, metavar="DEST")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"studybot: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.corpus is not None:
        settings = settings.with_corpus(args.corpus.resolve())
    _configure_logging(settings)
    handler = {
        "ask": cmd_ask,
        "source": cmd_source,
        "index": cmd_index,
        "eval": cmd_eval,
        "run": cmd_run,
        "sync": cmd_sync,
        "backup": cmd_backup,
    }[args.command]
    try:
        return handler(args, settings)
    except CorpusError as exc:
        print(f"studybot: corpus error: {exc}", file=sys.stderr)
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


def _style() -> output.Style:
    return output.Style(sys.stdout.isatty())


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


class ProgressBar:
    """A one-line progress bar on stderr; silent when stderr is not a terminal."""

    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.active = self.stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.active:
            return
        share = done / total if total else 1.0
        bar = "#" * int(share * self.WIDTH)
        self.stream.write(f"\r{stage:<20} [{bar:<{self.WIDTH}}] {done:>9,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def open_engine(settings: Settings, *, report_warnings: bool = False):
    """Load the corpus and build (or load) its index. Returns None when nothing loads.

    Load warnings are for moderators (`studybot index`, the bot's log), not for every answer."""
    from bot.core.library import open_library

    engine = open_library(settings, progress=ProgressBar())
    if report_warnings:
        for warning in engine.corpus.warnings:
            log.warning("%s", warning)
    if not engine.passages:
        print(f"studybot: no article with text could be loaded from {settings.corpus.path}", file=sys.stderr)
        return None
    return engine


def cmd_ask(args, settings: Settings) -> int:
    if args.top_k is not None and not 1 <= args.top_k <= 50:
        print("studybot: --top-k must be between 1 and 50", file=sys.stderr)
        return EXIT_USAGE
    if not args.question.strip():
        print("studybot: the question is empty", file=sys.stderr)
        return EXIT_USAGE
    engine = open_engine(settings)
    if engine is None:
        return EXIT_FAILURE
    if args.article and engine.article(args.article) is None:
        print(f"studybot: --article {args.article}: no such article (see `studybot source`)", file=sys.stderr)
        return EXIT_USAGE
    answer = engine.ask(args.question, top_k=args.top_k, article_id=args.article)
    if args.json:
        _print_json(output.answer_dict(answer))
    else:
        print(output.answer_text(answer, _style()))
    return EXIT_OK


def cmd_source(args, settings: Settings) -> int:
    engine = open_engine(settings)
    if engine is None:
        return EXIT_FAILURE
    style = _style()
    if args.passage:
        found = engine.passage(args.passage)
        if found is None:
            print(f"studybot: --passage {args.passage}: no such passage", file=sys.stderr)
            return EXIT_USAGE
        data, text = output.passage_lookup_dict(found), output.passage_lookup_text(found, style)
    elif args.article and args.marker:
        found = engine.footnote(args.article, args.marker)
        if found is None:
            what = "article" if engine.article(args.article) is None else f"footnote [{args.marker}] in"
            print(f"studybot: no such {what} {args.article}", file=sys.stderr)
            return EXIT_USAGE
        data, text = output.footnote_lookup_dict(found), output.footnote_lookup_text(found, style)
    else:
        articles = engine.articles
        if args.article:
            articles = [a for a in articles if a.id == args.article]
            if not articles:
                print(f"studybot: no such article {args.article} (see `studybot source`)", file=sys.stderr)
                return EXIT_USAGE
        data, text = output.articles_dict(articles), output.articles_text(articles, style)
    if args.json:
        _print_json(data)
    else:
        print(text)
    return EXIT_OK


def cmd_index(args, settings: Settings) -> int:
    from bot.core.library import open_library

    engine = open_library(settings, save=True, progress=ProgressBar())
    corpus = engine.corpus
    style = _style()
    print(output.articles_text(corpus.articles, style))
    footnotes = sum(len(a.footnotes) for a in corpus.articles)
    print(
        f"\n{len(corpus.articles)} articles, {len(engine.passages)} passages, {footnotes} footnotes, "
        f"{len(corpus.warnings)} warnings"
    )
    for warning in corpus.warnings:
        print(f"warning: {warning}")
    return EXIT_OK if engine.passages else EXIT_FAILURE


def cmd_eval(args, settings: Settings) -> int:
    from bot.core.evaluation import QuestionSetError, evaluate, load_questions, report_text

    try:
        questions = load_questions(args.questions)
    except QuestionSetError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    engine = open_engine(settings)
    if engine is None:
        return EXIT_FAILURE
    report = evaluate(engine, questions).to_dict()
    if args.json:
        _print_json(report)
    else:
        print(report_text(report))
    return EXIT_OK


def cmd_run(args, settings: Settings) -> int:
    from bot.app.runner import run_bot

    return run_bot(settings)


def cmd_sync(args, settings: Settings) -> int:
    from bot.app.runner import sync_commands

    return sync_commands(settings)


def cmd_backup(args, settings: Settings) -> int:
    from bot.storage.backup import backup_database

    return backup_database(settings.database_path, args.dest)
