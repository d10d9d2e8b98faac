"""Every sentence Studybot says to people, in one place, for Discord and the command line alike.

Texts with blanks are functions; the rest are constants. Markdown-sensitive pieces (titles, words
from a question) are passed in already made safe by the caller's renderer.
"""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """"1 passage", "2 passages"."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- answers
NOT_ANSWERED = "The readings do not answer this question."
NO_SEARCHABLE_WORDS = "The question has no words to search for: ask with words, not only symbols or emoji."
EMPTY_QUESTION = "The question is empty: type a question about the readings."
WEAK_ANSWER = (
    "⚠️ Weak answer: only some of the question's words are in the readings, so these excerpts may miss the point."
)
TRY_OTHER_WORDS = "Try asking with words the articles use, or see the articles with `/source`."
TRY_OTHER_WORDS_CLI = "Try other words, or `studybot source` to see what the articles cover."


def unknown_words(words: str) -> str:
    return f"These words are not in any article: {words}."


def known_words_not_enough(words: str) -> str:
    return f"Words they do use ({words}) are not enough to find an answer."


def nothing_in_article(title: str) -> str:
    return f"Nothing in *{title}* matches this question. Ask again without the `article` option."


# ---------------------------------------------------------------- rules of a server
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
EXPIRED = "This answer has expired. Ask again with /ask."
PRIVATE_NOT_YOURS = "This answer is private to the person who asked."
ELSEWHERE = "This button belongs to an answer from another server."
GONE = "That answer is no longer available. Ask again with /ask."
NO_SUCH_PAGE = "There is no such page of this answer."
NO_SUCH_EXCERPT = "There is no such excerpt in this answer."
PASSAGE_GONE = "That passage is no longer in the articles."


def no_such_passage(passage_id: str) -> str:
    return f"No passage {passage_id} in the articles."


def shared_by(mention: str) -> str:
    return f"Shared by {mention}:"


def thanks_for_vote(up_vote: bool, up: int, down: int) -> str:
    thanks = "Thanks, glad it helped." if up_vote else "Thanks, noted: this answer missed."
    return f"{thanks} (👍 {up} · 👎 {down})"


# ---------------------------------------------------------------- the bot itself
RESTARTING = "Studybot is restarting. Please ask again in a minute."
FAILED = "Sorry, something went wrong while answering. The error has been logged; please try again."
STORAGE_DOWN = "I can't reach my database right now. Please try again in a moment."
NOT_SAVED_NOTE = "My database is unavailable, so this answer has no buttons; ask again later to page through it."
