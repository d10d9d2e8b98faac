"""Which library a server searches: its own documents, the shared ones, never another server's."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.models import Article, Corpus, Passage
from bot.library.registry import Libraries, LibraryPolicy

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
