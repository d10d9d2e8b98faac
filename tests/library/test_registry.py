"""Which library a server searches: its own documents, the shared ones, never another server's."""

from __future__ import annotations

import asyncio

from bot.core.engine import Engine
from bot.core.models import Article, Corpus, Passage
from bot.library.options import LibraryPolicy
from bot.library.registry import Libraries

A, B, C = 1001, 1002, 1003


def article(article_id: str, *texts: str) -> Article:
    passages = tuple(Passage(f"{article_id}:{i}", article_id, i, i, t) for i, t in enumerate(texts, 1))
    return Article(article_id, f"{article_id}.txt", article_id.title(), passages=passages)


FILLER = ("Rivers flow to the sea.", "Deserts receive little rain.", "Mountains rise where plates meet.",
          "Forests shelter many birds.", "Lakes freeze in cold winters.", "Wind shapes the dunes.")  # fmt: skip
SHARED = Engine(Corpus((article("glaciers", "Glaciers carve valleys over thousands of years.", *FILLER),)))
OWN = {A: (article("quokkas", "Quokkas live on Rottnest Island."),), B: ()}


class Store:
    def __init__(self):
        self.versions = {A: "1", B: "1", C: "1"}
        self.articles = dict(OWN)
        self.calls = 0

    async def __call__(self, guild_id: int):
        self.calls += 1
        return self.versions.get(guild_id, "0"), self.articles.get(guild_id, ())


async def test_a_servers_documents_are_its_own_and_beside_the_shared_ones():
    libraries = Libraries(SHARED, Store())
    own = await libraries.engine_for(A)
    assert own.ask("Where do quokkas live?").excerpts[0].passage.id == "quokkas:1"
    assert own.ask("What carves valleys?").excerpts[0].passage.id == "glaciers:1"
    other = await libraries.engine_for(B)
    assert other is SHARED and not other.ask("Where do quokkas live?").answered
    assert (await libraries.engine_for(None)) is SHARED  # a DM sees only the shared library


async def test_the_policy_decides_who_sees_the_shared_library():
    libraries = Libraries(SHARED, Store(), LibraryPolicy(shared_for=(A,)))
    assert (await libraries.engine_for(A)).ask("What carves valleys?").answered
    assert not (await libraries.engine_for(B)).ask("What carves valleys?").answered
    apart = Libraries(SHARED, Store(), LibraryPolicy(search_shared_beside_own=False))
    own = await apart.engine_for(A)
    assert own.ask("Where do quokkas live?").answered and not own.ask("What carves valleys?").answered


async def test_loaded_libraries_stay_few_and_a_change_reloads():
    store = Store()
    store.articles[C] = (article("ferns", "Ferns grow in the shade."),)
    store.articles[B] = (article("owls", "Owls hunt at night."),)
    libraries = Libraries(SHARED, store, LibraryPolicy(max_loaded=2))
    first = await libraries.engine_for(A)
    assert await libraries.engine_for(A) is first  # loaded once
    await libraries.engine_for(B)
    await libraries.engine_for(C)
    assert libraries.loaded == (B, C)
    store.articles[C] = (article("ferns", "Ferns grow in damp shade and spread by spores."),)
    store.versions[C] = "2"
    assert (await libraries.engine_for(C)).ask("How do ferns spread?").answered


async def test_a_store_outage_keeps_answering_from_what_is_loaded():
    from bot.core.engine import Engine
    from bot.core.models import Article, Corpus, Passage

    def article(aid: str, text: str) -> Article:
        return Article(aid, f"{aid}.md", aid, passages=(Passage(f"{aid}:1", aid, 1, 1, text),))

    shared = Engine(Corpus((article("shared", "the shared reading about rivers"),)))
    own = (article("own", "our own reading about quokkas"),)
    down = False

    class Outage(Exception):
        pass

    async def guild_articles(guild_id: int):
        if down:
            raise Outage
        return "1", own

    async def guild_version(guild_id: int) -> str:
        if down:
            raise Outage
        return "1"

    libraries = Libraries(shared, guild_articles, guild_version=guild_version, unavailable=(Outage,))
    loaded = await libraries.engine_for(1)
    assert loaded.article("own") is not None
    down = True
    assert await libraries.engine_for(1) is loaded  # loaded before the outage: still served
    assert await libraries.engine_for(2) is shared  # never loaded: the shared library meanwhile


def _noted(article_id: str, *texts: str) -> Article:
    """An article whose every other passage cites a source (cited sources are indexed too)."""
    from bot.core.models import Footnote

    note = Footnote("1", "Ostrom, Governing the Commons (1990)")
    passages = tuple(Passage(f"{article_id}:{i}", article_id, i, i, t, (note,) if i % 2 else ())
                     for i, t in enumerate(texts, 1))  # fmt: skip
    return Article(article_id, f"{article_id}.txt", article_id.title(), passages=passages, footnotes=(note,))


OWN_TEXTS = (
    "Commons are shared resources managed by a community.",
    "Grazing land was a classic commons.",
    "Rules for the commons emerge from local agreement.",
    "Rivers flow to the sea, past grazing land.",
)


def _scores(engine: Engine, question: str) -> list[tuple[str, float]]:
    return [(e.passage.id, e.score) for e in engine.ask(question, top_k=10).excerpts]


async def test_a_loaded_library_ranks_exactly_as_one_engine_over_the_same_passages():
    own = (_noted("commons", *OWN_TEXTS),)
    store = Store()
    store.articles[A] = own
    beside = await Libraries(SHARED, store).engine_for(A)
    alone = await Libraries(SHARED, store, LibraryPolicy(search_shared_beside_own=False)).engine_for(A)
    together, apart = Engine(Corpus(SHARED.articles + own)), Engine(Corpus(own))  # each built from scratch
    for question in ("Who manages grazing land?", "Where do rivers flow?", "What did Ostrom govern?"):
        assert _scores(beside, question) == _scores(together, question) != []
        assert _scores(alone, question) == _scores(apart, question)
    assert _scores(beside, "What carves valleys?") == _scores(together, "What carves valleys?") != []


async def test_libraries_load_the_same_after_the_term_encoder_starts_afresh():
    store = Store()
    store.articles[A] = (_noted("commons", *OWN_TEXTS),)
    store.articles[B] = (_noted("rivers", "Rivers carve canyons through soft rock.", "Deltas form at river mouths."),)
    libraries = Libraries(SHARED, store)
    libraries._encoder.MAX_TERMS = 5  # every load past the first few terms starts a fresh encoder
    first = _scores(await libraries.engine_for(A), "Who manages grazing land?")
    assert _scores(await libraries.engine_for(B), "How do rivers carve canyons?")[0][0] == "rivers:1"
    libraries.forget(A)
    assert _scores(await libraries.engine_for(A), "Who manages grazing land?") == first != []


async def test_servers_asking_at_once_load_their_library_once_and_leave_no_lock_behind():
    store = Store()
    store.articles.update({guild: (article(f"notes{guild}", "Quokkas live on Rottnest Island."),)
                           for guild in range(2000, 2300)})  # fmt: skip

    async def version(guild_id: int) -> str:
        return store.versions.get(guild_id, "0")

    libraries = Libraries(SHARED, store, LibraryPolicy(max_loaded=50), guild_version=version)
    engines = await asyncio.gather(*(libraries.engine_for(2000) for _ in range(5)))
    assert store.calls == 1 and all(e is engines[0] for e in engines)  # one load, every asker served
    await asyncio.gather(*(libraries.engine_for(guild) for guild in range(2000, 2300)))
    assert len(libraries.loaded) == 50
    assert libraries._locks == {}  # nothing kept per server that is not loading: memory does not grow with servers


async def test_the_shared_librarys_statistics_can_be_prepared_before_any_server_asks():
    store = Store()
    libraries = Libraries(SHARED, store)
    libraries.prepare()
    prepared = libraries._shared_statistics
    assert (await libraries.engine_for(A)).ask("What carves valleys?").answered
    assert libraries._shared_statistics is prepared  # the first load used them, did not work them out again


async def test_the_shared_library_is_never_analysed_again_for_a_server_nor_after_a_reload():
    """Its statistics are read from its saved index in place: ranking a server's documents beside it,
    before and after the host folder changes, reads none of the shared passages' text."""

    def shared_engine(*texts: str) -> Engine:
        engine = Engine(Corpus((article("glaciers", *texts, *FILLER),)))
        engine.documents = lambda: (_ for _ in ()).throw(AssertionError("the shared passages were analysed again"))
        return engine

    store = Store()
    store.articles[A] = (_noted("commons", *OWN_TEXTS),)
    libraries = Libraries(shared_engine("Glaciers carve valleys over thousands of years."), store)
    libraries.prepare()
    question = "Who manages grazing land in the valleys?"
    before = _scores(await libraries.engine_for(A), question)
    together = Engine(Corpus(libraries.shared.articles + store.articles[A]))
    assert before == _scores(together, question) != []
    libraries.replace_shared(shared_engine("Glaciers carve valleys.", "Valleys flood in spring."))
    after = _scores(await libraries.engine_for(A), question)
    assert after == _scores(Engine(Corpus(libraries.shared.articles + store.articles[A])), question) != before
