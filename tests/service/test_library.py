"""A server's own reading list, in process over a real SQLite store: who may change it, what an
upload reply says, isolation between servers, quotas, cooldown, hostile uploads, removed documents."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.library.registry import Libraries
from bot.service import messages
from bot.service.answers import DocumentChange
from bot.service.asking import Answered, Question, Ready, Unanswered, normalise
from bot.service.library import DocumentEdit, Upload, UploadProgress, allowed_host
from bot.service.options import ServerLibraryOptions
from bot.service.rules import Refusal
from bot.service.services import Services
from bot.storage import DocumentRecord
from tests.ingest.pdf_fixtures import journal_article
from tests.service.conftest import ASKER, GUILD, OTHER_GUILD, OTHER_MEMBER, member
from tests.support.readings import QUESTION, READING

MANAGER = member(can_manage=True)


def upload(text: str = READING, name: str = "quokkas.md") -> Upload:
    data = text.encode()
    return Upload(name, len(data), "text/markdown", data=data)


@pytest.fixture
def limits() -> ServerLibraryOptions:
    return ServerLibraryOptions(upload_cooldown_seconds=0)


@pytest.fixture
def services(engine, store, options, limits) -> Services:
    libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version)
    return Services.create(libraries, store, options, limits)


async def ask(services: Services, guild_id: int | None, text: str = QUESTION):
    step = await services.asking.check(Question(member(guild_id=guild_id), normalise(text)))
    return await services.asking.answer(step) if isinstance(step, Ready) else step


async def test_an_upload_is_described_searchable_in_its_server_only_and_gone_once_removed(services):
    added = await services.library.add(MANAGER, upload())
    assert isinstance(added, DocumentRecord) and added.title == "The Quokka Census" and added.author == "Mira Tanaka"
    reply = messages.document_added(
        added.title, added.passages, added.footnotes, added.first_page, added.last_page, added.warnings
    )
    assert reply == "Added ‘The Quokka Census’ — 2 passages, 1 footnote."
    found = await ask(services, GUILD)
    assert isinstance(found, Answered) and "twelve thousand" in found.answer.excerpts[0].passage.text
    assert found.answer.excerpts[0].article.id == added.id
    elsewhere = await ask(services, OTHER_GUILD)
    assert not isinstance(elsewhere, Answered) or all(e.article.id != added.id for e in elsewhere.answer.excerpts)
    in_dm = await ask(services, None)
    assert not isinstance(in_dm, Answered) or all(e.article.id != added.id for e in in_dm.answer.excerpts)
    assert await services.library.list(member(guild_id=OTHER_GUILD)) == ()
    assert await services.library.info(member(guild_id=OTHER_GUILD), added.id) == Refusal(messages.UNKNOWN_DOCUMENT)

    removed = await services.library.remove(MANAGER, added.id)
    assert removed == added
    after = await ask(services, GUILD)
    assert isinstance(after, Unanswered) or all(e.article.id != added.id for e in after.answer.excerpts)
    assert await services.library.list(member()) == ()


async def test_an_upload_that_states_no_title_is_called_by_its_file_name(services):
    text = "otters hold hands while they sleep, so that the current does not part them.\n"
    added = await services.library.add(MANAGER, upload(text, "river_otters.txt"))
    assert isinstance(added, DocumentRecord) and added.title == "river otters"
    assert [d.title for d in await services.library.list(member())] == ["river otters"]


async def test_a_removed_document_leaves_no_saved_copy_of_its_text_in_the_data_folder(
    engine, store, options, limits, tmp_path
):
    """A server library large enough to be saved: once a document is removed, no file in the data folder
    still holds its text (the saved copy of the server's index went with it; the next question rebuilds)."""
    data_dir = tmp_path / "data"
    libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version, data_dir=data_dir,
                          save_from_passages=1)  # fmt: skip
    services = Services.create(libraries, store, options, limits)
    onions = upload("# Onions\n\nOnions are bulbs cured in the sun.\n", "onions.md")
    kept = await services.library.add(MANAGER, onions)
    added = await services.library.add(MANAGER, upload())
    assert isinstance(kept, DocumentRecord) and isinstance(added, DocumentRecord)

    def holding(text: bytes) -> list:
        return [p for p in data_dir.rglob("*") if p.is_file() and text in p.read_bytes()]

    assert holding(b"twelve thousand")  # the upload's index was saved
    assert isinstance(await services.library.remove(MANAGER, added.id), DocumentRecord)
    assert holding(b"twelve thousand") == []
    answer = await ask(services, GUILD, "How are onions cured?")
    assert isinstance(answer, Answered) and answer.answer.excerpts[0].article.id == kept.id
    assert holding(b"cured in the sun") and holding(b"twelve thousand") == []  # saved again, without it


async def test_the_shared_library_is_still_searched_beside_the_servers_own(services):
    await services.library.add(MANAGER, upload())
    shared = await ask(services, GUILD, "Who heads the Joint Chiefs of Staff?")
    assert isinstance(shared, Answered) and "Joe Dunford" in shared.answer.excerpts[0].passage.text


async def test_only_managers_or_the_librarian_role_may_change_and_everyone_may_read(services):
    plain = member(OTHER_MEMBER, role_ids=(77,))
    assert await services.library.add(plain, upload()) == Refusal(messages.LIBRARY_CHANGE_NOT_ALLOWED)
    assert await services.library.list(member()) == ()
    await services.rules.update(GUILD, librarian_role_id=77)
    added = await services.library.add(plain, upload())
    assert isinstance(added, DocumentRecord)
    assert await services.library.info(member(ASKER), added.id) == added  # anyone reads
    other = member(ASKER, role_ids=(78,))
    assert await services.library.remove(other, added.id) == Refusal(messages.LIBRARY_CHANGE_NOT_ALLOWED)
    assert await services.library.edit(other, added.id, DocumentEdit(title="Mine")) == Refusal(
        messages.LIBRARY_CHANGE_NOT_ALLOWED
    )
    assert await services.library.add(member(guild_id=None, can_manage=True), upload()) == Refusal(
        messages.LIBRARY_IN_SERVERS_ONLY
    )
    assert len(await services.library.list(member())) == 1


async def test_the_librarian_role_of_one_server_grants_nothing_in_another(services):
    await services.rules.update(GUILD, librarian_role_id=77)
    outsider = member(OTHER_MEMBER, guild_id=OTHER_GUILD, role_ids=(77,))
    assert await services.library.add(outsider, upload()) == Refusal(messages.LIBRARY_CHANGE_NOT_ALLOWED)


async def test_edit_changes_what_answers_cite_and_checks_its_options(services):
    added = await services.library.add(MANAGER, upload(), DocumentEdit(title="Census", date="2023-10"))
    assert (added.title, added.date) == ("Census", "2023-10")
    edited = await services.library.edit(MANAGER, added.id, DocumentEdit(title="Quokka Count", author=""))
    assert (edited.title, edited.author) == ("Quokka Count", None)
    found = await ask(services, GUILD)
    assert found.answer.excerpts[0].article.title == "Quokka Count"
    bad_date = await services.library.edit(MANAGER, added.id, DocumentEdit(date="last spring"))
    assert isinstance(bad_date, Refusal) and "`date`" in bad_date.message
    no_such_day = await services.library.edit(MANAGER, added.id, DocumentEdit(date="2023-02-29"))
    assert no_such_day == Refusal(messages.bad_option("date", "must be a real date: 2024, 2024-05 or 2024-05-31."))
    for url in ("javascript:alert(1)", "https://", "https://exa mple.com/x", "http:///path"):
        bad_url = await services.library.edit(MANAGER, added.id, DocumentEdit(url=url))
        assert isinstance(bad_url, Refusal) and "`url`" in bad_url.message, url
    empty = await services.library.edit(MANAGER, added.id, DocumentEdit(title="  "))
    assert isinstance(empty, Refusal) and "`title`" in empty.message
    assert await services.library.edit(MANAGER, "0123456789", DocumentEdit(title="x")) == Refusal(
        messages.UNKNOWN_DOCUMENT
    )


@pytest.mark.parametrize("limits", [ServerLibraryOptions(max_documents=1, upload_cooldown_seconds=0)])
async def test_a_full_library_refuses_with_the_limit_named(services):
    await services.library.add(MANAGER, upload())
    second = await services.library.add(MANAGER, upload(READING + "\nMore.\n", "more.md"))
    assert second == Refusal(messages.library_full("documents", 1))
    assert "at most 1 documents" in second.message
    assert len(await services.library.list(member())) == 1


@pytest.mark.parametrize("limits", [ServerLibraryOptions(max_passages=3, upload_cooldown_seconds=0)])
async def test_the_passage_quota_is_checked_when_storing(services):
    await services.library.add(MANAGER, upload())
    second = await services.library.add(MANAGER, upload(READING + "\nMore here.\n", "more.md"))
    used = (await services.library.list(member()))[0].passages
    assert 0 < used < 3  # not full: this document does not fit the room left, a smaller one might
    assert second == Refusal(messages.no_room_for("more.md", "passages", 3, used))
    assert "more.md does not fit" in second.message and "full" not in second.message


@pytest.mark.parametrize("limits", [ServerLibraryOptions(upload_cooldown_seconds=600)])
async def test_uploads_have_a_cooldown_per_server(services):
    assert isinstance(await services.library.add(MANAGER, upload()), DocumentRecord)
    again = await services.library.add(MANAGER, upload(READING + "x", "two.md"))
    assert isinstance(again, Refusal) and "try again in" in again.message
    other = await services.library.add(member(guild_id=OTHER_GUILD, can_manage=True), upload())
    assert isinstance(other, DocumentRecord)


async def test_the_same_file_twice_is_refused(services):
    first = await services.library.add(MANAGER, upload())
    assert await services.library.add(MANAGER, upload()) == Refusal(messages.already_in_library(first.title))


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("notes.exe", b"MZ\x90\x00binary", "not a format"),
        ("quokkas.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "its content is not"),
        ("empty.md", b"   \n\n", "no text"),
    ],
)
async def test_a_file_that_cannot_be_read_gets_a_clear_reply_and_nothing_is_stored(services, name, data, why):
    refused = await services.library.add(MANAGER, Upload(name, len(data), None, data=data))
    assert isinstance(refused, Refusal) and name in refused.message and why in refused.message
    assert "Nothing was stored" in refused.message
    assert await services.library.list(member()) == ()


async def test_an_attachment_is_fetched_only_from_an_allowed_host_and_never_over_the_limit(engine, store, options):
    fetched: list[str] = []

    async def fake_download(url: str, max_bytes: int, timeout: float) -> bytes:
        fetched.append(url)
        return READING.encode()

    libraries = Libraries(engine, store.guild_articles)
    limits = ServerLibraryOptions(upload_cooldown_seconds=0, max_file_bytes=10_000)
    services = Services.create(libraries, store, options, limits)
    services.library.download = fake_download
    typed_link = Upload("quokkas.md", 100, attachment_url="https://evil.example/quokkas.md")
    assert await services.library.add(MANAGER, typed_link) == Refusal(messages.NOT_AN_ATTACHMENT)
    too_big = Upload("quokkas.md", 10_001, attachment_url="https://cdn.discordapp.com/attachments/1/2/quokkas.md")
    assert await services.library.add(MANAGER, too_big) == Refusal(messages.file_too_large("quokkas.md", 10_000))
    assert fetched == []  # neither was downloaded
    good = Upload("quokkas.md", 100, attachment_url="https://cdn.discordapp.com/attachments/1/2/quokkas.md")
    assert isinstance(await services.library.add(MANAGER, good), DocumentRecord)
    assert fetched == [good.attachment_url]


async def test_an_upload_reports_each_stage_and_is_indexed_before_its_reply(engine, store, options):
    data, _truth = journal_article(pages_wanted=12)

    async def fake_download(url: str, max_bytes: int, timeout: float) -> bytes:
        return data

    libraries = Libraries(engine, store.guild_articles, guild_version=store.library_version)
    services = Services.create(libraries, store, options, ServerLibraryOptions(upload_cooldown_seconds=0))
    services.library.download = fake_download
    heard: list[UploadProgress] = []
    url = "https://cdn.discordapp.com/attachments/1/2/journal.pdf"
    pdf = Upload("journal.pdf", len(data), "application/pdf", attachment_url=url)
    added = await services.library.add(MANAGER, pdf, progress=heard.append)
    assert isinstance(added, DocumentRecord), added
    stages = [p.stage for p in heard]
    assert stages[:2] == ["downloading", "reading"] and stages[-1] == "indexing", stages
    pages = [(p.at, p.total) for p in heard if p.stage == "reading" and p.at is not None]
    assert pages and pages[0] == (1, added.last_page) and all(total == added.last_page for _, total in pages)
    assert heard[-1] == UploadProgress("indexing", "journal.pdf", total=added.passages)
    assert GUILD in libraries.loaded  # the reply means answerable now: the index is built already


def test_allowed_hosts_are_exact_and_https():
    hosts = ("cdn.discordapp.com", "127.0.0.1")
    assert allowed_host("https://cdn.discordapp.com/a/b.pdf", hosts)
    assert allowed_host("http://127.0.0.1:8080/a.pdf", hosts)  # loopback: the tests' fake
    assert not allowed_host("http://cdn.discordapp.com/a.pdf", hosts)  # plain http elsewhere
    assert not allowed_host("https://cdn.discordapp.com.evil.example/a.pdf", hosts)
    assert not allowed_host("https://user:pw@cdn.discordapp.com/a.pdf", hosts)
    assert not allowed_host("file:///etc/passwd", hosts)
    assert not allowed_host("https://[::1/", hosts)


async def test_a_download_larger_than_it_declared_is_refused(engine, store, options):
    body = READING.encode() * 200

    async def serve(_request):
        return web.Response(body=body, content_type="text/markdown")

    app = web.Application()
    app.router.add_get("/attachments/quokkas.md", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        limits = ServerLibraryOptions(
            upload_cooldown_seconds=0, max_file_bytes=len(body) - 1, attachment_hosts=("127.0.0.1",)
        )
        services = Services.create(Libraries(engine, store.guild_articles), store, options, limits)
        url = f"http://127.0.0.1:{port}/attachments/quokkas.md"
        lying = Upload("quokkas.md", 100, attachment_url=url)  # declares 100 bytes, serves more
        refused = await asyncio.wait_for(services.library.add(MANAGER, lying), 30)
        assert refused == Refusal(messages.file_too_large("quokkas.md", len(body) - 1))
        assert await services.library.list(member()) == ()
        services.library.options = ServerLibraryOptions(
            upload_cooldown_seconds=0, max_file_bytes=len(body), attachment_hosts=("127.0.0.1",)
        )
        whole = Upload("quokkas.md", len(body), attachment_url=url)
        added = await asyncio.wait_for(services.library.add(MANAGER, whole), 30)
        assert isinstance(added, DocumentRecord) and added.size == len(body)
    finally:
        await runner.cleanup()


async def test_a_stored_answer_whose_document_was_removed_says_so(services):
    added = await services.library.add(MANAGER, upload())
    done = await ask(services, GUILD)
    assert isinstance(done, Answered)
    assert (await services.answers.view(done.record, 1)).changes == ()
    await services.library.remove(MANAGER, added.id)
    view = await services.answers.view(done.record, 1)
    assert view.removed >= 1 and view.changes == (DocumentChange("The Quokka Census", replaced=False),)
    gone_rank = next(e.rank for e in done.record.excerpts if e.passage_id.startswith(added.id))
    gone = await services.answers.excerpt_passage(done.record, str(gone_rank))
    assert gone == DocumentChange("The Quokka Census", replaced=False)


async def test_autocomplete_offers_only_this_servers_documents(services):
    added = await services.library.add(MANAGER, upload())
    assert await services.library.document_items(member()) == [("The Quokka Census (quokkas.md)", added.id)]
    assert await services.library.document_items(member(guild_id=OTHER_GUILD)) == []
    assert await services.library.document_items(member(guild_id=None)) == []


def test_the_upload_reply_reads_as_promised():
    text = messages.document_added("Title", 214, 38, 1, 30, ("page 3: a table was skipped", "no date found"))
    assert text == (
        "Added ‘Title’ — 214 passages, 38 footnotes, pages 1–30; "
        "2 warnings: page 3: a table was skipped; no date found."
    )


@pytest.mark.parametrize("limits", [ServerLibraryOptions(upload_cooldown_seconds=600)])
async def test_a_refused_upload_does_not_hold_the_next_one_back(services):
    exe = b"MZ\x90\x00binary"
    refused = await services.library.add(MANAGER, Upload("tool.exe", len(exe), None, data=exe))
    assert isinstance(refused, Refusal) and "not a format" in refused.message
    assert isinstance(await services.library.add(MANAGER, upload()), DocumentRecord)
    again = await services.library.add(MANAGER, upload(READING + "x", "two.md"))
    assert again == Refusal(messages.upload_cooldown(600))  # a file was added: the next one waits


async def test_the_same_file_sent_three_times_at_once_is_stored_once(services):
    results = await asyncio.wait_for(asyncio.gather(*(services.library.add(MANAGER, upload()) for _ in range(3))), 60)
    assert sum(isinstance(r, DocumentRecord) for r in results) == 1
    refusals = [r.message for r in results if isinstance(r, Refusal)]
    assert refusals == [messages.already_in_library("The Quokka Census")] * 2
    assert len(await services.library.list(MANAGER)) == 1


async def test_a_refusal_names_the_file_as_the_front_end_shows_it(services):
    exe = b"MZ\x90\x00binary"
    shown = Upload("@everyone_**x**.exe", len(exe), None, data=exe, shown_name="SHOWN")
    refused = await services.library.add(MANAGER, shown)
    assert isinstance(refused, Refusal) and "SHOWN" in refused.message and "everyone" not in refused.message


DAMAGED_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog"  # cut short: no end-of-file marker


def raw(name: str, data: bytes, declared: int | None = None) -> Upload:
    return Upload(name, len(data) if declared is None else declared, None, data=data)


class Acknowledgements:
    def __init__(self):
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


@pytest.mark.parametrize("limits", [ServerLibraryOptions(upload_cooldown_seconds=600, max_file_bytes=10_000)])
async def test_a_messages_files_are_tried_in_turn_and_only_the_added_one_starts_the_cooldown(services):
    acknowledged = Acknowledgements()
    files = [raw("cover.png", b"\x89PNG\r\n\x1a\n"), raw("scan.pdf", DAMAGED_PDF), raw("huge.md", b"x", 10**6),
             raw("blank.md", b" \n"), upload(), upload(READING + "\nMore.\n", "more.md")]  # fmt: skip
    outcome = await services.library.add_first(MANAGER, files, before_work=acknowledged)
    assert outcome.considered == 5 and acknowledged.count == 1  # the cover is no reading: not tried
    assert outcome.added is not None and outcome.added[0].filename == "quokkas.md"
    assert [(u.filename, r.reason) for u, r in outcome.refused] == [
        ("scan.pdf", "damaged PDF: the file is cut short (no end-of-file marker: a broken download?)"),
        ("huge.md", messages.too_large_reason(10_000)), ("blank.md", "no text (only whitespace)")]  # fmt: skip
    assert [u.filename for u in outcome.untried] == ["more.md"] and outcome.stopped is None
    assert [d.filename for d in await services.library.list(member())] == ["quokkas.md"]
    again = await services.library.add(MANAGER, upload(READING + "x", "two.md"))
    assert again == Refusal(messages.upload_cooldown(600))  # a file was added: the next one waits


async def test_the_same_file_attached_twice_is_one_candidate(services):
    outcome = await services.library.add_first(MANAGER, [upload(), upload(), upload(READING + "x", "b.md")])
    assert outcome.considered == 2 and outcome.added[0].filename == "quokkas.md"
    assert [u.filename for u in outcome.untried] == ["b.md"]  # not quokkas.md again, which is in the list now


@pytest.mark.parametrize("limits", [ServerLibraryOptions(upload_cooldown_seconds=600)])
async def test_a_message_whose_every_file_is_refused_does_not_hold_the_next_upload_back(services):
    files = [raw("scan.pdf", DAMAGED_PDF), raw("blank.md", b" \n"), raw("e.txt", b"")]
    outcome = await services.library.add_first(MANAGER, files)
    assert outcome.added is None and outcome.stopped is None and outcome.untried == ()
    assert [r.reason for _u, r in outcome.refused][1:] == ["no text (only whitespace)", "empty file"]
    assert isinstance(await services.library.add(MANAGER, upload()), DocumentRecord)


async def test_a_refusal_not_about_one_file_ends_the_tries_before_any_download(services):
    acknowledged = Acknowledgements()
    files = [upload(), upload(READING + "\nMore.\n", "more.md")]
    outcome = await services.library.add_first(member(), files, before_work=acknowledged)
    assert outcome.stopped == Refusal(messages.LIBRARY_CHANGE_NOT_ALLOWED) and outcome.refused == ()
    assert acknowledged.count == 0 and outcome.added is None  # answered at once: nothing was downloaded


@pytest.mark.parametrize("limits", [ServerLibraryOptions(max_documents=1, upload_cooldown_seconds=0)])
async def test_a_full_reading_list_ends_the_tries(services):
    await services.library.add(MANAGER, upload())
    outcome = await services.library.add_first(MANAGER, [raw("scan.pdf", DAMAGED_PDF), upload(READING + "x", "b.md")])
    assert outcome.stopped == Refusal(messages.library_full("documents", 1)) and outcome.added is None


@pytest.mark.parametrize("limits", [ServerLibraryOptions(max_total_bytes=2_000, upload_cooldown_seconds=0)])
async def test_a_file_too_large_for_the_room_left_is_refused_for_itself_and_the_next_one_tried(services):
    big = upload(READING + "\n" + "The quokkas ate leaves all night. " * 80 + "\n", "big.md")
    outcome = await services.library.add_first(MANAGER, [big, upload()])
    assert [(u.filename, r.reason) for u, r in outcome.refused] == [("big.md", messages.no_room_reason(
        "total_bytes", 2_000, 0))]  # fmt: skip
    assert outcome.added is not None and outcome.added[0].filename == "quokkas.md" and outcome.stopped is None
    alone = await services.library.add(MANAGER, big)
    assert "big.md does not fit in this server's reading list" in alone.message and "full" not in alone.message


async def test_no_further_file_is_started_once_the_time_for_trying_is_over(services):
    files = [raw("scan.pdf", DAMAGED_PDF), upload(), upload(READING + "x", "b.md")]
    outcome = await services.library.add_first(MANAGER, files, try_for=0)
    assert [u.filename for u, _r in outcome.refused] == ["scan.pdf"] and outcome.added is None
    assert [u.filename for u in outcome.untried] == ["quokkas.md", "b.md"] and outcome.out_of_time
    from bot.app.library import first_added_text

    reply = first_added_text(outcome)
    assert "Not tried (no time was left to try them): quokkas.md, b.md" in reply and "one file per click" not in reply
    assert await services.library.list(member()) == ()
