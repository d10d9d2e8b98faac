"""A stored answer remembers the version of every document it quotes: its buttons tell a removed or
replaced document from one only re-titled, for a server's uploads and for the shared library."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.engine import Engine
from bot.core.models import Article, Corpus, Footnote, Passage
from bot.core.versions import article_version
from bot.library.registry import Libraries
from bot.service import messages
from bot.service.answers import DocumentChange
from bot.service.asking import Answered, Question, Ready
from bot.service.library import DocumentEdit, Upload
from bot.service.options import ServerLibraryOptions
from bot.service.services import Services
from bot.storage.records import ExcerptRecord
from tests.service.conftest import GUILD, member
from tests.support.readings import QUESTION, READING

MANAGER = member(can_manage=True)
SALT = "How did the salt trains cross the pass?"


def upload(text: str = READING, name: str = "quokkas.md") -> Upload:
    data = text.encode()
    return Upload(name, len(data), "text/markdown", data=data)


@pytest.fixture
def services(engine, store, options) -> Services:
    libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version)
    return Services.create(libraries, store, options, ServerLibraryOptions(upload_cooldown_seconds=0))


async def ask(services: Services, text: str = QUESTION, guild_id: int | None = GUILD) -> Answered:
    step = await services.asking.check(Question(member(guild_id=guild_id), text))
    assert isinstance(step, Ready), step
    done = await services.asking.answer(step)
    assert done.record is not None
    return done


def quoting(done: Answered, article_id: str) -> ExcerptRecord:
    return next(e for e in done.record.excerpts if e.passage_id.startswith(f"{article_id}:"))


def salt_article(text: str, title: str = "The Salt Roads") -> Article:
    article_id = "week1/salt"
    passages = tuple(
        Passage(f"{article_id}:{n}", article_id, n, n, line, ())
        for n, line in enumerate([text, "Caravans rested at the oasis wells before the dunes."], start=1)
    )
    return Article(article_id, "week1/salt.md", title, passages=passages)


def shared_engine(*articles: Article) -> Engine:
    filler = Article("week1/other", "week1/other.md", "Weather", passages=(
        Passage("week1/other:1", "week1/other", 1, 1, "Rain fell on the northern hills all winter."),
        Passage("week1/other:2", "week1/other", 2, 2, "Snow closed the roads in the mountains."),
    ))  # fmt: skip
    return Engine(Corpus((*articles, filler)))


def test_the_version_follows_the_text_notes_and_pages_not_the_metadata():
    article = salt_article("The salt trains crossed the pass in spring.")
    assert article_version(article) == article_version(salt_article("The salt trains crossed the pass in spring."))
    retitled = dataclasses.replace(article, title="Salt", author="Someone", date="2024", url="https://x.org")
    assert article_version(retitled) == article_version(article)
    assert article_version(salt_article("The salt trains crossed the pass in autumn.")) != article_version(article)
    noted = dataclasses.replace(article, footnotes=(Footnote("1", "Ranger report."),))
    paged = dataclasses.replace(article, passages=(dataclasses.replace(article.passages[0], pages=(3,)),
                                                   article.passages[1]))  # fmt: skip
    assert len({article_version(article), article_version(noted), article_version(paged)}) == 3


async def test_an_answer_stores_its_documents_versions_titles_and_the_library_version(services, store):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services)
    stored = await store.get_answer(done.record.id)
    excerpt = quoting(done, added.id)
    article = next(e.article for e in done.answer.excerpts if e.article.id == added.id)
    assert excerpt.document_version == article_version(article) and excerpt.document_title == "The Quokka Census"
    assert stored.excerpts == done.record.excerpts
    assert stored.library_version == await store.library_version(GUILD) != "0"


async def test_a_document_removed_and_added_again_with_new_text_is_reported_replaced(services):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services)
    excerpt = quoting(done, added.id)
    await services.library.remove(MANAGER, added.id)
    await services.library.add(MANAGER, upload(READING.replace("twelve thousand", "eleven thousand")))
    replaced = DocumentChange("The Quokka Census", replaced=True)
    view = await services.answers.view(done.record, 1)
    assert view.changes == (replaced,) and all(e.article.id != added.id for e in view.shown)
    assert "twelve thousand" not in " ".join(e.quote for e in view.shown)
    assert await services.answers.excerpt_passage(done.record, str(excerpt.rank)) == replaced
    assert await services.answers.document_change(done.record, excerpt.passage_id) == replaced
    assert await services.answers.document_change(done.record, None) == replaced  # a passage key no longer known


async def test_a_document_removed_and_added_again_unchanged_is_still_the_one_quoted(services):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services)
    excerpt = quoting(done, added.id)
    await services.library.remove(MANAGER, added.id)
    again = await services.library.add(MANAGER, upload())  # the same bytes: a new id, the same text
    assert again.id != added.id
    view = await services.answers.view(done.record, 1)
    assert view.changes == () and any(e.article.id == again.id for e in view.shown)
    shown = await services.answers.excerpt_passage(done.record, str(excerpt.rank))
    assert shown == f"{again.id}:{excerpt.passage_id.rpartition(':')[2]}"  # its Full passage button works
    assert await services.answers.document_change(done.record, shown) is None


async def test_a_metadata_edit_is_not_a_new_version(services):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services)
    excerpt = quoting(done, added.id)
    await services.library.edit(MANAGER, added.id, DocumentEdit(title="Quokka Count 2023", author="R. Ranger"))
    view = await services.answers.view(done.record, 1)
    assert view.changes == () and any(e.article.title == "Quokka Count 2023" for e in view.shown)
    assert await services.answers.excerpt_passage(done.record, str(excerpt.rank)) == excerpt.passage_id
    assert await services.answers.document_change(done.record, excerpt.passage_id) is None


async def test_a_shared_file_changed_in_place_is_replaced_and_a_retitled_one_is_not(store, options):
    before = salt_article("The salt trains crossed the pass each spring.")
    libraries = Libraries(shared_engine(before))
    services = Services.create(libraries, store, options)
    done = await ask(services, SALT)
    excerpt = quoting(done, before.id)
    libraries.replace_shared(shared_engine(dataclasses.replace(before, title="Salt Roads, revised")))
    assert (await services.answers.view(done.record, 1)).changes == ()
    assert await services.answers.excerpt_passage(done.record, str(excerpt.rank)) == excerpt.passage_id

    libraries.replace_shared(shared_engine(salt_article("The pass was closed to the salt trains for good.")))
    replaced = DocumentChange("The Salt Roads", replaced=True)  # the same passage id, other text
    view = await services.answers.view(done.record, 1)
    assert replaced in view.changes and all(e.article.id != before.id for e in view.shown)
    assert await services.answers.excerpt_passage(done.record, str(excerpt.rank)) == replaced


async def test_an_answer_stored_before_versions_were_kept_still_tells_removed_from_present(services):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services)
    old = dataclasses.replace(done.record, library_version=None, excerpts=tuple(
        dataclasses.replace(e, document_version=None, document_title=None) for e in done.record.excerpts
    ))  # fmt: skip
    excerpt = quoting(done, added.id)
    assert (await services.answers.view(old, 1)).changes == ()
    await services.library.remove(MANAGER, added.id)
    assert (await services.answers.view(old, 1)).changes == (DocumentChange(None, replaced=False),)
    assert await services.answers.excerpt_passage(old, str(excerpt.rank)) == DocumentChange(None, replaced=False)


def test_the_reply_names_the_document_and_says_what_became_of_it():
    assert messages.document_changed("The Salt Roads", replaced=True) == (
        "‘The Salt Roads’ was replaced by a new version since this answer, so its old text can't be shown. "
        "Ask again with /ask to quote the new version."
    )
    assert messages.document_changed("The Salt Roads", replaced=False).startswith(
        "‘The Salt Roads’ was removed from the reading list since this answer"
    )
    assert messages.document_changed(None, replaced=False).startswith("A document this answer quotes was removed")
