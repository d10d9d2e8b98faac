"""Two thousand random interactions through the fake Discord, in three servers, over every command,
button and modal: /ask (article, private), Find sources, /source, /settings, /stats, the answer
buttons (real and crafted), /library add (real files of every format, damaged ones, lying names,
types and sizes), the "Add to reading list" menu, /library list|info|edit (its modal)|remove (its
button), every autocomplete; as managers, librarians and plain members.

Judged: the bot stays up with a clean log; every interaction gets exactly one initial response
within Discord's 3 s and no error from the fake (which enforces Discord's payload limits); and no
server ever sees another's documents: each server's uploads carry a made-up word of its own, which
never shows in another server's replies, embeds or autocomplete choices.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from pathlib import Path

import pytest
import pytest_asyncio

from testing.bot_process import GUILD, OTHER_GUILD, THIRD_GUILD, TOKEN, BotProcess, bot_env, write_config
from testing.fake_discord import ALL_BUT_ADMIN, MODAL_SUBMIT, custom_ids
from tests.e2e.test_faults import UNHANDLED, button_message, random_custom_id, random_text
from tests.e2e.uploads import (
    CONTENT_TYPES,
    FORMATS,
    hostile_variant,
    is_outcome,
    library_keys,
    marker_word,
    written,  # fmt: skip
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

GUILDS = (GUILD, OTHER_GUILD, THIRD_GUILD)
PREFIX = {GUILD: "quillfrond", OTHER_GUILD: "brambleveck", THIRD_GUILD: "snorkwhistle"}  # each server's word
LIBRARIAN = {g: g * 10 + 7 for g in GUILDS}
NOT_MANAGER = 1 << 11  # Send Messages only
INTERACTIONS = 2000
CONCURRENCY = 10
TIME_BUDGET = 150.0  # seconds for the whole run at most
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot3(fake3, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-bot")
    data_dir = folder / "data"
    config = write_config(folder / "config.yaml", fake3, data_dir, cooldown_seconds=0, library=library_keys(),
                          sync_guild_ids=f"[{', '.join(map(str, GUILDS))}]")  # fmt: skip
    process = BotProcess(config, data_dir, folder / "bot.log", bot_env(data_dir))
    await process.start(fake3)
    for guild in GUILDS[1:]:
        await fake3.wait_synced("library", guild_id=guild, timeout=30)
    yield process
    code = await process.stop()
    assert code == 0, process.log_text()[-3000:]


def everything_sent(interaction) -> str:
    """All the bot sent for the interaction (messages, embeds, choices, modals), escapes undone."""
    return json.dumps([r.payload for r in interaction.replies], ensure_ascii=False).lower()


class World:
    """What the fuzzer knows of each server: its documents, answers to click, files it uploaded."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.documents: dict[int, list[str]] = {g: [] for g in GUILDS}
        self.answers: dict[int, list[tuple[dict, int]]] = {g: [] for g in GUILDS}  # (message, asker)
        self.serial = 0

    def member(self, guild: int) -> dict:
        """A manager, a librarian or a plain member, at random."""
        user = 30_000 + self.rng.randrange(40)
        kind = self.rng.choice(["manager", "librarian", "member"])
        if kind == "manager":
            return {"user_id": user, "permissions": ALL_BUT_ADMIN}
        roles = [LIBRARIAN[guild]] if kind == "librarian" else []
        return {"user_id": user, "permissions": NOT_MANAGER, "member_roles": roles}

    def marked_file(self, guild: int) -> tuple[str, bytes, str]:
        self.serial += 1
        extension = self.rng.choice(FORMATS)
        data = written(extension, marker_word(PREFIX[guild], self.serial))
        return f"reading-{self.serial}{extension}", data, CONTENT_TYPES[extension]

    def upload(self, guild: int) -> tuple[str, tuple]:
        """(kind, attachment tuple) for one upload to `guild`."""
        name, data, content_type = self.marked_file(guild)
        roll = self.rng.random()
        if roll < 0.45:
            return "real", (name, data, content_type)
        if roll < 0.55:
            return "declared oversized", (name, data, content_type, self.rng.choice([10**9, 2**31, 20_000_001]))
        kind, name, data, content_type = hostile_variant(data, Path(name).suffix, self.rng)
        return kind, (name, data, content_type)

    def document(self, guild: int) -> str:
        """One of the server's documents, another server's (a crafted value), or garbage."""
        roll = self.rng.random()
        if roll < 0.6 and self.documents[guild]:
            return self.rng.choice(self.documents[guild])
        others = [d for g in GUILDS if g != guild for d in self.documents[g]]
        if roll < 0.8 and others:
            return self.rng.choice(others)
        return self.rng.choice(["", "0000000000", "zz", random_text(self.rng, 40)])

    def whose(self, guild: int, document: str, what: str = "crafted removal") -> str:
        """The kind of a crafted interaction on `document` sent in `guild`."""
        if any(document in self.documents[g] for g in GUILDS if g != guild):
            return f"{what} of another server's document"
        return f"{what} of this server's document" if document in self.documents[guild] else f"{what} of no document"

    def question(self, guild: int) -> str:
        if self.rng.random() < 0.4:
            return f"{marker_word(PREFIX[guild], self.rng.randrange(1, self.serial + 2))} salt trains"
        return random_text(self.rng)


async def one_interaction(fake, world: World, guild: int) -> tuple[str, list]:
    """Send one random interaction to `guild` (and any it leads to: a modal's submit, a confirmation's
    click); (its kind, the interactions sent)."""
    rng, who = world.rng, world.member(guild)
    roll = rng.random()

    async def command(name, options=None, **extra):
        return await fake.send_command(name, options or {}, guild_id=guild, **{**who, **extra})

    if roll < 0.20:
        options = {"question": world.question(guild)}
        if rng.random() < 0.25:
            options["article"] = world.document(guild) if rng.random() < 0.5 else random_text(rng, 100)
        if rng.random() < 0.3:
            options["private"] = rng.random() < 0.5
        return "ask", [await command("ask", options)]
    if roll < 0.24:
        message = {"content": world.question(guild)}
        return "Find sources", [await command("Find sources", command_type=3, target_message=message)]
    if roll < 0.31:
        options = {}
        for name, make in (("article", lambda: world.document(guild)),
                           ("footnote", lambda: rng.choice(["1", "2", "ii", "x"])),
                           ("passage", lambda: f"{world.document(guild)}:{rng.randint(0, 5)}")):  # fmt: skip
            if rng.random() < 0.4:
                options[name] = make()
        return "source", [await command("source", options)]
    if roll < 0.43:
        name, focused = rng.choice([("ask", "article"), ("source", "article"), ("source", "footnote"),
                                    ("source", "passage"), ("library info", "document"),
                                    ("library edit", "document"), ("library remove", "document")])  # fmt: skip
        options = {focused: rng.choice(["", PREFIX[guild][:4], random_text(rng, 50)])}
        if name == "ask":
            options["question"] = world.question(guild)
        return f"autocomplete {name}/{focused}", [await command(name, options, focused=focused)]
    if roll < 0.55:
        pool = world.answers[guild] if rng.random() < 0.85 else [a for g in GUILDS for a in world.answers[g]]
        if not pool:
            return "ask", [await command("ask", {"question": world.question(guild)})]
        message, asker = rng.choice(pool)
        custom_id = rng.choice(custom_ids(message["components"]))
        user = asker if rng.random() < 0.6 else who["user_id"]
        return "answer button", [await fake.click(message, custom_id, guild_id=guild, user_id=user)]
    if roll < 0.59:
        custom_id, kind = random_custom_id(rng), "crafted button"
        if rng.random() < 0.5:  # a removal of a document, maybe another server's
            document = world.document(guild)
            custom_id, kind = f"sb:lrm:{document}"[:100], world.whose(guild, document)
        return kind, [await fake.click(button_message(custom_id), custom_id, guild_id=guild, **who)]
    if roll < 0.61:  # an edit form for a document the member never opened (maybe another server's)
        values = [{"type": 1, "id": 1, "components": [{"type": 4, "id": 2, "custom_id": "title",
                                                         "value": random_text(rng, 100).strip() or "x"}]}]  # fmt: skip
        document = world.document(guild)
        payload = fake.interaction_payload(MODAL_SUBMIT, {"custom_id": f"sb:ledit:{document}"[:100],
                                                          "components": values}, guild_id=guild, **who)  # fmt: skip
        return world.whose(guild, document, "crafted edit form"), [await fake.deliver(payload)]
    if roll < 0.67:
        options = rng.choice([
            {}, {"excerpts": rng.choice([1, 3, 5, 10, 0, -3, 11, 10**12])}, {"cooldown": rng.choice([0, -1, 10**12])},
            {"private": rng.random() < 0.5}, {"threads": rng.random() < 0.3}, {"all_channels": True},
            {"allow_channel": rng.choice(GUILDS) * 100 + 1}, {"disallow_channel": guild * 100 + 2},
            {"librarian_role": LIBRARIAN[guild]}, {"no_librarian_role": True},
        ])  # fmt: skip
        return "settings", [await command("settings", options)]
    if roll < 0.69:
        return "stats", [await command("stats")]
    if roll < 0.80:
        kind, attachment = world.upload(guild)
        options = {}
        if rng.random() < 0.2:
            options = rng.choice([{"title": random_text(rng, 80).strip() or "t"},
                                  {"date": rng.choice(["2024", "24-1"])}, {"author": "A" * 300},
                                  {"url": rng.choice(["https://example.org/r", "ftp://x", "data:,x"])}])  # fmt: skip
        return f"library add ({kind})", [await command("library add", options, attachments={"file": attachment})]
    if roll < 0.83:
        message = {"content": "this week's reading"}
        if rng.random() < 0.85:
            message["attachments"] = [world.upload(guild)[1]]
        return "Add to reading list", [await command("Add to reading list", command_type=3, target_message=message)]
    if roll < 0.86:
        return "library list", [await command("library list", {"page": rng.choice([1, 2, 1000])})]
    if roll < 0.90:
        return "library info", [await command("library info", {"document": world.document(guild)})]
    if roll < 0.95:
        edit = await command("library edit", {"document": world.document(guild)})
        with contextlib.suppress(TimeoutError):
            await edit.wait_for(timeout=5)
        if edit.modal is None:
            with contextlib.suppress(TimeoutError):
                await edit.wait_modal(timeout=3)
        if edit.modal is None:
            return "library edit", [edit]
        values = rng.choice([{"title": f"{PREFIX[guild]} {random_text(rng, 60).strip()}"[:256]}, {"date": "2023-05"},
                             {"date": "May 2023"}, {"url": "https://example.org/x"}, {"url": "gopher://x"},
                             {"author": random_text(rng, 200).strip() or "Ann"}])  # fmt: skip
        submit = await fake.submit_modal(edit, values, **{k: v for k, v in who.items() if k != "user_id"})
        return "library edit", [edit, submit]
    remove = await command("library remove", {"document": world.document(guild)})
    with contextlib.suppress(TimeoutError):
        await remove.wait_for(timeout=10)
    confirm = next((m for m in remove.messages() if m.get("components")), None)
    if confirm is None:
        return "library remove", [remove]
    clicker = world.member(guild)
    click = await fake.click(confirm, custom_ids(confirm["components"])[0], guild_id=guild, **clicker)
    return "library remove", [remove, click]


async def settle_replies(interaction) -> None:
    """Wait for the interaction's reply (a deferred one: for its content)."""
    with contextlib.suppress(TimeoutError):
        await interaction.wait_for(timeout=15)
        if interaction.callback_types[:1] == [5]:
            await interaction.wait_for(is_outcome, timeout=30)  # an upload: past its progress


def learn(world: World, guild: int, interaction) -> None:
    """Keep what later interactions can use: answers with buttons, the server's document ids."""
    for callback in interaction.callbacks:
        options = interaction.payload["data"].get("options") or [{}]
        typed = next((o.get("value") for o in options[0].get("options", []) if o.get("focused")), None)
        if callback.get("type") == 8 and interaction.payload["data"].get("name") == "library" and typed == "":
            world.documents[guild] = [c["value"] for c in callback["data"]["choices"]]
    message = interaction.original
    if message and message.get("components") and interaction.payload["data"].get("name") in ("ask", "Find sources"):
        world.answers[guild].append((message, int(interaction.payload["member"]["user"]["id"])))
        del world.answers[guild][:-30]


def problems_of(kind: str, guild: int, interaction) -> list:
    what = (kind, guild, interaction)
    found = []
    if interaction.errors:
        found.append(("errors from Discord", what, interaction.errors))
    elif interaction.first_response_after is None or interaction.first_response_after >= interaction.deadline:
        found.append(("late or never answered", what))
    elif len(interaction.callbacks) != 1:
        found.append(("not exactly one initial response", what))
    elif kind.startswith("autocomplete") and interaction.callback_types != [8]:
        found.append(("autocomplete not answered with choices", what))
    elif not kind.startswith("autocomplete") and not interaction.messages() and interaction.modal is None:
        found.append(("no reply", what))
    text = everything_sent(interaction)
    leaked = [PREFIX[g] for g in GUILDS if g != guild and PREFIX[g] in text]
    if leaked:
        found.append((f"another server's word {leaked}", what, text[:500]))
    if "went wrong" in text:
        found.append(("failure reply", what, text[:500]))
    if kind.endswith("another server's document") and ("removed ‘" in text or "updated ‘" in text):
        found.append(("a crafted id changed a document", what, text[:500]))
    return found


async def test_two_thousand_random_interactions_in_three_servers(fake3, bot3):
    fake = fake3
    rng = random.Random(20261201)
    for prefix in PREFIX.values():  # the words are made up: only uploads can bring them
        assert not any(prefix in p.read_text(errors="replace").lower() for p in CORPUS.iterdir() if p.is_file())
    world = World(rng)
    for guild in GUILDS:
        fake.add_role(guild, LIBRARIAN[guild], "Librarian")
        saved = await fake.send_command("settings", {"librarian_role": LIBRARIAN[guild]}, guild_id=guild)
        assert (await saved.wait_for(timeout=10))["content"] == "Settings saved."
        for _ in range(2):  # something of its own to find from the start
            name, data, content_type = world.marked_file(guild)
            added = await fake.send_command("library add", attachments={"file": (name, data, content_type)},
                                            guild_id=guild)  # fmt: skip
            reply = await added.wait_for(is_outcome, timeout=30)
            assert reply["content"].startswith("Added ‘"), reply

    log_mark = len(bot3.log_text())
    gate = asyncio.Semaphore(CONCURRENCY)
    done: list[tuple[str, int, object]] = []
    started = time.monotonic()

    async def run_one(n: int) -> None:
        guild = GUILDS[n % 3]
        async with gate:
            if time.monotonic() - started > TIME_BUDGET:
                return
            kind, interactions = await one_interaction(fake, world, guild)
            for interaction in interactions:
                await settle_replies(interaction)
                learn(world, guild, interaction)
                done.append((kind, guild, interaction))

    await asyncio.wait_for(asyncio.gather(*(run_one(n) for n in range(INTERACTIONS))), TIME_BUDGET + 60)
    total = time.monotonic() - started
    await asyncio.sleep(1.0)  # time for a (wrong) second reply to show up

    latencies = sorted(i.first_response_after for *_, i in done if i.first_response_after is not None)
    kinds: dict[str, int] = {}
    for kind, _guild, _interaction in done:
        kinds[kind] = kinds.get(kind, 0) + 1
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    documents = {g: len(world.documents[g]) for g in GUILDS}
    print(
        f"\n{len(done)} random interactions in 3 servers, {CONCURRENCY} at a time: {total:.1f} s; first response "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; "
        f"documents per server at the end (last seen): {documents}"
    )
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:38} {count}")

    own_word_seen = {g: sum(PREFIX[g] in everything_sent(i) for _k, guild, i in done if guild == g) for g in GUILDS}
    print(f"  replies showing the server's own word: {own_word_seen}")
    assert all(own_word_seen.values())  # the uploads are searched, so a leak would show

    problems = [p for kind, guild, interaction in done for p in problems_of(kind, guild, interaction)]
    assert not problems, f"{len(problems)} problems, first: {problems[:3]}"
    assert len(done) >= INTERACTIONS and not fake.unexpected
    assert bot3.process is not None and bot3.process.returncode is None, bot3.log_text()[-3000:]
    log = bot3.log_text()[log_mark:]
    found = [bad for bad in (*UNHANDLED, "Traceback") if bad in log]
    assert not found, f"{found} in the bot's log:\n{log[log.find(found[0]) - 2000 :][:5000] if found else ''}"
    assert TOKEN not in log
