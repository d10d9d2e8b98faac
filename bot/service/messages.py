"""Every sentence Studybot says to people, in one place, for Discord and the command line alike.

Texts with blanks are functions; the rest are constants. Markdown-sensitive pieces (titles, words
from a question) are passed in already made safe by the caller's renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def plural(count: int, word: str) -> str:
    """"1 passage", "2 passages"."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- answers
NOT_ANSWERED = "The readings do not answer this question."
# An unanswered question that names articles by title or author ("Who wrote Rethinking the Reset?"):
# their cards answer it, so neither "not answered" nor its missing words are said.
NAMED_NOT_IN_TEXT = "No passage says it, but the reading list does:"
NO_SEARCHABLE_WORDS = "The question has no words to search for: ask with words, not only symbols or emoji."
EMPTY_QUESTION = "The question is empty: type a question about the readings."
NO_TEXT_TO_SEARCH = "That message has no text to search for: Find sources reads a message's words."
def weak_answer(answer) -> str:
    """Why an answer is weak: some of the question's words are in no reading, or all are but no passage
    holds enough of them (the excerpts' words are scattered)."""
    if answer.unknown_terms:
        return ("⚠️ Weak answer: only some of the question's words are in the readings, "
                "so these excerpts may miss the point.")  # fmt: skip
    return ("⚠️ Weak answer: the question's words are in the readings, but no passage holds enough of them "
            "together, so these excerpts may miss the point.")  # fmt: skip
TRY_OTHER_WORDS = "Try asking with words the articles use, or see the articles with `/source`."
TRY_OTHER_WORDS_CLI = "Try other words, or `studybot source` to see what the articles cover."


def unknown_words(words: str) -> str:
    return f"These words are not in any article: {words}."


NAMED_SHOWN = 3  # articles a question names shown in an answer: the rest are counted


def named_article_lines(named: Sequence, line: Callable[[Any], str], list_command: str) -> list[str]:
    """line(article) for the first NAMED_SHOWN of the articles a question names, then a count of the rest."""
    lines = [line(article) for article in named[:NAMED_SHOWN]]
    if (more := len(named) - NAMED_SHOWN) > 0:
        lines.append(f"…and {plural(more, 'more article')} it names (`{list_command}` lists every article).")
    return lines


def named_article(title: str, byline: str, source_command: str) -> str:
    """An article the question names by its title or author: "Article: ‘Rethinking the Reset’ — Andrei
    Tsygankov, 2011-06-30 (`/source article:002_…`)."."""
    return f"Article: ‘{title}’ — {byline} (`{source_command}`)."


def known_words_not_enough(words: str) -> str:
    return f"Words they do use ({words}) are not enough to find an answer."


def nothing_in_article(title: str) -> str:
    return f"Nothing in *{title}* matches this question. Ask again without the `article` option."


# ---------------------------------------------------------------- rules of a server
NOT_IN_THIS_CHANNEL = "This server's moderators asked me not to answer in this channel."


def only_in_channels(channels: str) -> str:
    return f"In this server I answer questions only in {channels}."


def slow_down(seconds: int) -> str:
    return f"Slow down a little: try again in {seconds} s."


UNKNOWN_ARTICLE = "I don't know that article. Pick one from the list."
UNKNOWN_FOOTNOTE = "That article has no such footnote. Pick one from the list."
FOOTNOTE_NEEDS_ARTICLE = "Pick an article first, then one of its footnotes."
MANAGE_SETTINGS_ONLY = "Only members with Manage Server can change my settings."
MANAGE_STATS_ONLY = "Only members with Manage Server can see the stats."
SETTINGS_SAVED = "Settings saved."
CURRENT_SETTINGS = "Current settings:"


def bad_option(option: str, why: str) -> str:
    return f"`{option}` {why}"


# ---------------------------------------------------------------- stored answers and buttons
NOT_MINE = "That button is not one of mine."
FORM_CLOSED = "That form is no longer open. Open it again with /library edit."
EXPIRED = "This answer has expired. Ask again with /ask."
PRIVATE_NOT_YOURS = "This answer is private to the person who asked."
ELSEWHERE = "This button belongs to an answer from another server."
GONE = "That answer is no longer available. Ask again with /ask."
NO_SUCH_PAGE = "There is no such page of this answer."
NO_SUCH_EXCERPT = "There is no such excerpt in this answer."
PASSAGE_GONE = "That passage is no longer in the articles."


def no_such_passage(passage_id: str) -> str:
    return f"No passage {passage_id} in the articles."


def question_heading(question: str) -> str:
    return f"**Q:** {question}\nThe answer is in the thread below."


def shared_by(mention: str) -> str:
    return f"Shared by {mention}:"


def thanks_for_vote(up_vote: bool, up: int, down: int) -> str:
    thanks = "Thanks, glad it helped." if up_vote else "Thanks, noted: this answer missed."
    return f"{thanks} (👍 {up} · 👎 {down})"


# ---------------------------------------------------------------- a server's reading list
LIBRARY_IN_SERVERS_ONLY = "Reading lists belong to servers: use this command in a server."
LIBRARY_CHANGE_NOT_ALLOWED = (
    "Only members with Manage Server or the librarian role can change this server's reading list. "
    "Everyone can see it with `/library list`."
)
UNKNOWN_DOCUMENT = "This server's reading list has no such document. Pick one from the list."
NOT_AN_ATTACHMENT = "I only add files attached to Discord messages, not links."
OWN_ANSWER = (
    "That is one of my own messages: an answer shows its sources with its excerpts. Ask about the readings "
    "with `/ask`."
)
NO_ATTACHMENT = "That message has no file attached to add."
LIBRARY_EMPTY = "This server's reading list is empty. Add a file with `/library add`."


def document_changed(title: str | None, replaced: bool) -> str:
    """Why excerpts of an answer are not shown (on its page, or on one's button): their document
    `title` (None: unknown, in answers stored before titles were kept) was removed or replaced since."""
    document = f"‘{title}’" if title else "A document this answer quotes"
    if replaced:
        return (
            f"{document} was replaced by a new version since this answer, so its old text can't be shown. "
            "Ask again with /ask to quote the new version."
        )
    return f"{document} was removed from the reading list since this answer, so its excerpts can't be shown."


LIBRARIAN_ROLE_NOT_HERE = "must be a role of this server."
LIBRARIAN_ROLE_EVERYONE = (
    "cannot be @everyone: every member could then add and remove readings. Choose a role for the librarians."
)
LIMIT_NAMES = {"documents": "documents", "total_bytes": "total size", "passages": "passages"}


def size_text(size: int) -> str:
    """"820 bytes", "12.5 kB", "3.2 MB"."""
    if size < 1000:
        return plural(size, "byte")
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000 or unit == "GB":
            return f"{size / scale:.1f} {unit}"
    return str(size)


def pages_text(first: int | None, last: int | None) -> str | None:
    if first is None:
        return None
    return f"page {first}" if first == last else f"pages {first}–{last}"


def document_added(title: str, passages: int, footnotes: int, first_page: int | None, last_page: int | None,
                   warnings: tuple[str, ...], filename: str | None = None) -> str:  # fmt: skip
    """"Added ‘Title’ — 214 passages, 38 footnotes, pages 1–30; 2 warnings: …" ("Added ‘Title’ from
    week3.pdf — …" given the `filename`: which of a message's files it was)."""
    parts = [plural(passages, "passage"), plural(footnotes, "footnote")]
    pages = pages_text(first_page, last_page)
    if pages:
        parts.append(pages)
    source = f" from {filename}" if filename else ""
    text = f"Added ‘{title}’{source} — {', '.join(parts)}"
    if warnings:
        text += f"; {plural(len(warnings), 'warning')}: " + "; ".join(warnings)
    return text + "."


def document_removed(title: str) -> str:
    return f"Removed ‘{title}’ from this server's reading list."


def document_updated(title: str) -> str:
    return f"Updated ‘{title}’."


def confirm_remove(title: str) -> str:
    return f"Remove ‘{title}’ from this server's reading list? Answers quoting it will no longer show it."


def quoted_in(answers: int, up: int, down: int) -> str:
    return f"Quoted in {plural(answers, 'answer')} (👍 {up} · 👎 {down})."


def added_by(mention: str, when: str) -> str:
    return f"Added by {mention} on {when}."


def file_too_large(filename: str, limit: int) -> str:
    return f"{filename} is too large: files up to {size_text(limit)} can be added."


def no_room_for(name: str, what: str, limit: int, used: int) -> str:
    """The list is not full, but this file would take it past a limit (a smaller one may still fit)."""
    return (f"{name} does not fit in this server's reading list: it may hold at most {_amount(what, limit)} and "
            f"holds {_amount(what, used)}. Remove a document with `/library remove` to make room.")  # fmt: skip


def no_room_reason(what: str, limit: int, used: int) -> str:
    return f"too large for the room left ({_amount(what, limit - used)} of {_amount(what, limit)} free)"


def _amount(what: str, count: int) -> str:
    return size_text(count) if what == "total_bytes" else f"{count:,} {LIMIT_NAMES.get(what, what)}"


def library_full(what: str, limit: int) -> str:
    return (
        f"This server's reading list is full: it may hold at most {_amount(what, limit)}. "
        "Remove a document with `/library remove` to make room."
    )


def others_not_tried(names: str, out_of_time: bool = False) -> str:
    """A message's readable files not tried: one was added (one file per click), or the time for trying
    ran out before them."""
    why = "no time was left to try them" if out_of_time else "one file per click"
    return f"Not tried ({why}): {names}. Add each with `/library add`."


# A message's files tried in turn: those refused, one line each, under a heading.
REFUSED_ON_THE_WAY = "Not added:"
NONE_OF_THE_FILES = "I couldn't add any file of that message. Nothing was stored."


def file_refused(filename: str, reason: str) -> str:
    return f"- {filename}: {reason}"


def more_refused(count: int) -> str:
    return f"- and {plural(count, 'more file')}"


# Why one file was refused, in a few words (Refusal.reason), for a reply that names several.
NO_TEXT_REASON = "no text to search"
DOWNLOAD_FAILED_REASON = "the download from Discord failed; try again in a moment"


def too_large_reason(limit: int) -> str:
    return f"too large (files up to {size_text(limit)} can be added)"


def already_in_library_reason(title: str) -> str:
    return f"already in this server's reading list as ‘{title}’"


def upload_cooldown(seconds: int) -> str:
    return f"A file was just added to this server's reading list: try again in {seconds} s."


def already_in_library(title: str) -> str:
    return f"That file is already in this server's reading list as ‘{title}’."


def cannot_read(filename: str, why: str) -> str:
    return f"I can't add {filename}: {why}. Nothing was stored."


def no_text_in(filename: str) -> str:
    return f"I found no text to search in {filename}. Nothing was stored."


def download_failed(filename: str) -> str:
    return f"I couldn't download {filename} from Discord. Please try again in a moment."


def upload_progress(stage: str, filename: str, at: int | None = None, total: int | None = None) -> str:
    """The deferred upload reply while the work goes on: "Downloading report.pdf…", "Reading
    report.pdf — page 40 of 214…" (as far as the reader tells), "Indexing 1,204 passages…"."""
    if stage == "downloading":
        return f"Downloading {filename}…"
    if stage == "indexing":
        return f"Indexing {plural(total or 0, 'passage')}…"
    if at is None:
        return f"Reading {filename}…"
    return f"Reading {filename} — page {at:,}{f' of {total:,}' if total else ''}…"


# ---------------------------------------------------------------- the bot itself
RESTARTING = "Studybot is restarting. Please ask again in a minute."
FAILED = "Sorry, something went wrong while answering. The error has been logged; please try again."
STORAGE_DOWN = "I can't reach my database right now. Please try again in a moment."
NOT_SAVED_NOTE = "My database is unavailable, so this answer has no buttons; ask again later to page through it."
