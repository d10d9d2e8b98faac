"""Faults and hostile input, end to end: the real bot (a subprocess) against the fake Discord.

Rate limits, 5xx answers, dead interactions, a dropped gateway, crafted custom_ids, members without
Manage Server, a thousand random option values in a row, and the token staying where it belongs.
Each test prints its figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import statistics
import string
import time

import pytest

from bot.service.messages import ELSEWHERE, GONE
from testing.bot_process import GUILD, MANAGE_GUILD, OTHER_GUILD, TOKEN
from testing.fake_discord import ALL_BUT_ADMIN, APPLICATION_COMMAND, FakeHTTPError, custom_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
ASKER, OTHER_USER = 5555, 6666
NOT_MANAGER = 1 << 11  # Send Messages only
ANSWERABLE = "Who is Andrei Tsygankov?"
UNANSWERABLE = "Who painted the Mona Lisa?"
MULTI_PAGE = "Russia and the West relations reset"
NOT_MINE = "That button is not one of mine."
RATE_LIMITED = {"message": "You are being rate limited.", "retry_after": 0.4, "global": False}
SERVER_ERROR = {"message": "500: Internal Server Error", "code": 0}
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
ALREADY_ACKED = {"message": "Interaction has already been acknowledged.", "code": 40060}
# What only an exception nobody handled leaves in the log (report_failure's own "failed" lines are expected).
UNHANDLED = ("Task exception was never retrieved", "Unhandled", "Ignoring exception", "Exception in callback")
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _no_leftover_injection(fake):
    """A fail_next() the bot never consumed would hit the next test's requests."""
    yield
    leftover = fake.pending_injections()
    fake.clear_injections()
    assert not leftover, f"injections never consumed: {leftover}"



def button_message(custom_id: str) -> dict:
    """A message of ours as a client could present it, carrying one button with a crafted custom_id."""
    return {
        "content": "",
        "components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": custom_id}]}],
    }


def log_mark(bot) -> int:
    return len(bot.log_text())


def assert_log_clean(bot, mark: int) -> str:
    new = bot.log_text()[mark:]
    found = [bad for bad in UNHANDLED if bad in new]
    assert not found, f"{found} in the bot's log:\n{new[-4000:]}"
    return new


def assert_alive(bot) -> None:
    assert bot.process is not None and bot.process.returncode is None, bot.log_text()[-3000:]


async def ask(fake, question: str, **kwargs):
    interaction = await fake.send_command("ask", {"question": question, **kwargs.pop("options", {})}, **kwargs)
    reply = await interaction.wait_for(timeout=15)
    return interaction, reply


async def assert_still_answers(fake, bot) -> None:
    assert_alive(bot)
    interaction = await fake.send_command("ask", {"question": ANSWERABLE})
    reply = await interaction.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    assert interaction.callback_types == [5] and not interaction.errors
    assert "Tsygankov" in json.dumps(reply["embeds"], ensure_ascii=False)


async def settle(seconds: float = 0.6) -> None:
    """Time for a (wrong) second reply to show up, should the bot send one."""
    await asyncio.sleep(seconds)


def requests_for(fake, interaction) -> list:
    return [r for r in fake.requests if interaction.id in r.path or interaction.token in r.path]


# ---------------------------------------------------------------- 1. 429s


async def test_rate_limited_callback_and_followup_are_retried_once(fake, bot):
    mark = log_mark(bot)
    fake.fail_next("POST", "/interactions/*/callback", 429, RATE_LIMITED)
    fake.fail_next("PATCH", "/webhooks/*/messages/@original", 429, RATE_LIMITED)
    deferred = await fake.send_command("ask", {"question": ANSWERABLE})
    reply = await deferred.wait_for(lambda m: bool(m.get("embeds")), timeout=15)
    await settle()
    assert deferred.callback_types == [5]
    assert len(deferred.edits) == 1 and not deferred.followups
    assert [m for m in deferred.messages() if m.get("embeds")] == [reply]
    assert [status for status, _ in deferred.errors] == [429, 429]
    injected = [r for r in requests_for(fake, deferred) if r.injected]
    assert [r.path.split("/")[1] for r in injected] == ["interactions", "webhooks"]
    followup_at = next(r.at for r in deferred.replies if r.kind == "edit")

    fake.fail_next("POST", "/interactions/*/callback", 429, RATE_LIMITED)
    direct = await fake.send_command("ask", {"question": UNANSWERABLE})
    refusal = await direct.wait_for(timeout=15)
    await settle()
    assert direct.callback_types == [4] and len(direct.replies) == 1 and refusal["flags"] & EPHEMERAL
    assert [status for status, _ in direct.errors] == [429]

    print(
        f"\n429 (retry_after {RATE_LIMITED['retry_after']} s, Via) on callback+followup: deferred after "
        f"{deferred.first_response_after:.2f} s, answer after {followup_at:.2f} s, 1 answer; "
        f"429 on a type-4 callback: replied after {direct.first_response_after:.2f} s, 1 reply"
    )
    assert deferred.first_response_after < 3 and direct.first_response_after < 3
    assert deferred.first_response_after >= RATE_LIMITED["retry_after"]
    assert_log_clean(bot, mark)
    assert not fake.unexpected


# ---------------------------------------------------------------- 2. gateway drop


@pytest.mark.parametrize("close_code", [None, 4000], ids=["aborted", "close-4000"])
async def test_dropped_gateway_resumes_and_answers(fake, bot, close_code):
    mark = log_mark(bot)
    loop = asyncio.get_running_loop()
    await fake.wait_connected(timeout=20)
    resumes, identifies = fake.resume_count, fake.identify_count
    started = loop.time()
    await fake.drop_gateway(close_code)
    await fake.wait_until(lambda: fake.resume_count > resumes and fake.connected.is_set(), 30, "RESUME")
    resumed_after = loop.time() - started
    interaction, reply = await ask(fake, ANSWERABLE)
    print(
        f"\ngateway dropped ({close_code or 'transport aborted'}): RESUMEd after {resumed_after:.2f} s "
        f"(resumes {resumes}->{fake.resume_count}, identifies {identifies}->{fake.identify_count}); "
        f"next /ask answered, first response {interaction.first_response_after:.3f} s"
    )
    assert fake.identify_count == identifies  # resumed, not re-identified
    assert reply.get("embeds") and not interaction.errors
    assert_log_clean(bot, mark)


async def test_gateway_dropped_right_after_an_interaction_answers_it_once(fake, bot):
    mark = log_mark(bot)
    resumes = fake.resume_count
    interaction = await fake.send_command("ask", {"question": ANSWERABLE})
    await fake.drop_gateway()  # the event may or may not have been read: RESUME replays what was not
    reply = await interaction.wait_for(lambda m: bool(m.get("embeds")), timeout=20)
    await fake.wait_until(lambda: fake.resume_count > resumes and fake.connected.is_set(), 30, "RESUME")
    await settle()
    print(
        f"\ngateway dropped right after INTERACTION_CREATE: answered once, deferred after "
        f"{interaction.first_response_after:.3f} s, answer after {interaction.replies[-1].at:.2f} s"
    )
    assert interaction.callback_types == [5] and len(interaction.edits) == 1 and not interaction.errors
    assert reply.get("embeds")
    assert_log_clean(bot, mark)


async def test_invalidated_session_identifies_again_and_answers(fake, bot):
    mark = log_mark(bot)
    loop = asyncio.get_running_loop()
    identifies = fake.identify_count
    started = loop.time()
    await fake.invalidate_session()
    await fake.wait_until(lambda: fake.identify_count > identifies and fake.connected.is_set(), 30, "IDENTIFY")
    again_after = loop.time() - started
    interaction, reply = await ask(fake, ANSWERABLE)
    print(
        f"\nsession invalidated (op 9): IDENTIFYed again after {again_after:.2f} s "
        f"(discord.py waits 5 s first); next /ask answered"
    )
    assert reply.get("embeds") and not interaction.errors
    assert_log_clean(bot, mark)


# ---------------------------------------------------------------- 3. 500s


async def test_server_error_on_callback_is_retried_without_a_second_reply(fake, bot):
    mark = log_mark(bot)
    fake.fail_next("POST", "/interactions/*/callback", 500, SERVER_ERROR)
    interaction, reply = await ask(fake, ANSWERABLE)
    await settle(1.0)
    assert interaction.callback_types == [5] and len(interaction.edits) == 1 and reply.get("embeds")
    assert [status for status, _ in interaction.errors] == [500]
    callback_tries = [r for r in requests_for(fake, interaction) if r.path.endswith("/callback")]
    assert [r.status for r in callback_tries] == [500, 200]

    fake.fail_next("PATCH", "/webhooks/*/messages/@original", 500, SERVER_ERROR)
    later, later_reply = await ask(fake, ANSWERABLE)
    await settle(1.0)
    assert later.callback_types == [5] and len(later.edits) == 1 and later_reply.get("embeds")

    print(
        f"\n500 on callback: retried, deferred after {interaction.first_response_after:.2f} s, 1 answer; "
        f"500 on followup: retried, 1 answer after {later.replies[-1].at:.2f} s; bot alive"
    )
    assert interaction.first_response_after < 3
    await assert_still_answers(fake, bot)
    assert_log_clean(bot, mark)


# ---------------------------------------------------------------- 4. dead interactions


@pytest.mark.parametrize(("status", "body"), [(404, UNKNOWN_INTERACTION), (400, ALREADY_ACKED)], ids=["10062", "40060"])
async def test_unknown_or_acknowledged_interaction_is_handled(fake, bot, status, body):
    mark = log_mark(bot)
    fake.fail_next("POST", "/interactions/*/callback", status, body)
    interaction = await fake.send_command("ask", {"question": ANSWERABLE})
    await interaction.wait_error(timeout=10)
    await settle(1.0)
    # The defer failed, so the answer is never sent; at most the short "something went wrong" note gets through.
    assert not any(m.get("embeds") for m in interaction.messages()), interaction.messages()
    assert len(interaction.callbacks) <= 1 and not interaction.followups and not interaction.edits
    failed_line = "command 'ask' failed" in bot.log_text()[mark:]

    _, answer = await ask(fake, ANSWERABLE)
    fake.fail_next("POST", "/interactions/*/callback", status, body)
    click = await fake.click(
        {"content": "", "components": answer["components"]},
        custom_ids(answer)[2],  # 👍
    )
    await click.wait_error(timeout=10)
    await settle(0.5)
    assert len(click.callbacks) <= 1 and not click.followups and not click.edits
    print(
        f"\n{body['code']} injected on /ask's callback: replies {len(interaction.replies)} "
        f"(callbacks {interaction.callback_types}), error logged: {failed_line}; on a vote click: "
        f"callbacks {click.callback_types}; bot alive"
    )
    await assert_still_answers(fake, bot)
    assert_log_clean(bot, mark)


async def test_interaction_past_its_deadline(fake, bot):
    mark = log_mark(bot)
    deadline = fake.response_deadline
    fake.response_deadline = 0.0  # every callback arrives too late: Discord answers 10062, and keeps doing so
    try:
        late = await fake.send_command("ask", {"question": ANSWERABLE})
        await late.wait_error(timeout=10)
        await settle(1.5)
    finally:
        fake.response_deadline = deadline
    codes = [err.get("code") for _, err in late.errors]
    print(f"\ninteraction past its deadline: {len(codes)} attempt(s), all {set(codes)}; no reply, bot alive")
    assert late.callbacks == [] and late.followups == late.edits == [] and set(codes) == {10062}
    assert len(codes) <= 2  # the defer, then at most one "something went wrong"
    await assert_still_answers(fake, bot)
    assert_log_clean(bot, mark)


async def test_server_errors_outlasting_the_deadline(fake, bot):
    mark = log_mark(bot)
    for _ in range(2):  # discord.py retries after 1 s, then 3 s: the third try comes after the 3 s deadline
        fake.fail_next("POST", "/interactions/*/callback", 500, SERVER_ERROR)
    interaction = await fake.send_command("ask", {"question": ANSWERABLE})
    await fake.wait_until(lambda: any(err.get("code") == 10062 for _, err in interaction.errors), 15, "10062")
    await settle(1.5)
    statuses = [status for status, _ in interaction.errors]
    print(f"\ntwo 500s on the callback: answers {statuses}, then no reply; bot alive")
    assert statuses[:3] == [500, 500, 404] and len(statuses) <= 4
    assert interaction.callbacks == [] and interaction.followups == interaction.edits == []
    await assert_still_answers(fake, bot)
    assert_log_clean(bot, mark)


async def test_defer_accepted_but_answered_500_still_gets_the_answer_out(fake, bot):
    """Discord processed the defer, but the response got lost as a 500: discord.py retries, and Discord answers
    40060 "already acknowledged". The interaction *is* acknowledged, so the answer fills the deferred message."""
    mark = log_mark(bot)
    accept = fake.accept_callback
    lost: list[str] = []

    def accept_but_lose_the_response(interaction, body, uploads):
        result = accept(interaction, body, uploads)  # the fake's own rules: accepted, recorded as acknowledged
        if not lost:
            lost.append(interaction.id)
            raise FakeHTTPError(500, 0, "500: Internal Server Error")
        return result

    fake.accept_callback = accept_but_lose_the_response
    try:
        interaction = await fake.send_command("ask", {"question": ANSWERABLE})
        await fake.wait_until(lambda: any(e.get("code") == 40060 for _, e in interaction.errors), 10, "40060")
    finally:
        fake.accept_callback = accept
    with contextlib.suppress(TimeoutError):
        await interaction.wait_for(timeout=5)
    codes = [e.get("code") for _, e in interaction.errors]
    print(
        f"\ndefer accepted but answered 500: then {codes}; callbacks {interaction.callback_types}, "
        f"edits {len(interaction.edits)} -> the member sees "
        f"{'an answer' if interaction.original.get('embeds') else 'thinking… forever'}"
    )
    assert_alive(bot)
    assert_log_clean(bot, mark)
    assert interaction.callback_types == [5]
    assert interaction.original.get("embeds"), "nothing but 'Studybot is thinking…' ever reaches the member"
    assert not interaction.followups


# ---------------------------------------------------------------- 5. crafted custom_ids, permissions


async def test_crafted_custom_ids_are_refused_politely(fake, bot):
    mark = log_mark(bot)
    rng = random.Random(5)
    mine, mine_reply = await ask(fake, MULTI_PAGE)
    answer_id = custom_ids(mine_reply)[0].split(":")[2]
    _, elsewhere_reply = await ask(fake, MULTI_PAGE, guild_id=OTHER_GUILD)
    other_id = custom_ids(elsewhere_reply)[0].split(":")[2]
    assert re.fullmatch(r"[0-9a-f]{12}", answer_id) and other_id != answer_id
    unknown_id = "".join(rng.choice("0123456789abcdef") for _ in range(12))
    garbage = "".join(rng.choice(string.printable.strip()) for _ in range(100))

    cases = [  # (custom_id, clicking user, guild, what the reply says)
        (f"sb:page:{other_id}:2", ASKER, GUILD, ELSEWHERE),
        (f"sb:vote:{other_id}:up", ASKER, GUILD, ELSEWHERE),
        (f"sb:full:{other_id}:1", ASKER, GUILD, ELSEWHERE),
        (f"sb:nav:{other_id}:x", ASKER, GUILD, ELSEWHERE),
        (f"sb:page:{answer_id}:2", ASKER, None, ELSEWHERE),  # in a DM
        ("sb:page:'; DROP TABLE x;--:1", ASKER, GUILD, NOT_MINE),
        (f"sb:page:{unknown_id}:999999999999", ASKER, GUILD, GONE),
        (f"sb:page:{answer_id}:999999999999", ASKER, GUILD, "no such page"),
        (f"sb:page:{answer_id}:0", ASKER, GUILD, "no such page"),
        (f"sb:page:{answer_id}:-1", ASKER, GUILD, "no such page"),
        (f"sb:full:{answer_id}:99", ASKER, GUILD, "no such excerpt"),
        (f"sb:nav:{answer_id}:notakey", ASKER, GUILD, "no longer in the articles"),
        (f"sb:vote:{answer_id}:sideways", ASKER, GUILD, NOT_MINE),
        ("sb:nav:-:notakey", ASKER, GUILD, "no longer in the articles"),
        ("xx", ASKER, GUILD, NOT_MINE),
        (garbage, ASKER, GUILD, NOT_MINE),
        ("sb:page:ａｂｃ１２３:１", ASKER, GUILD, NOT_MINE),  # fullwidth lookalikes
        (f"sb:page:{answer_id}:²", ASKER, GUILD, NOT_MINE),  # str.isdigit() but not int()-able
        (f"sb:page:{answer_id}:2\n", ASKER, GUILD, NOT_MINE),
        ("sb:page:Ы漢🙂\u202e:1", ASKER, GUILD, NOT_MINE),
        ("sb:" + ":" * 97, ASKER, GUILD, NOT_MINE),
    ]
    outcomes = []
    for custom_id, user, guild, expected in cases:
        click = await fake.click(button_message(custom_id), custom_id, user_id=user, guild_id=guild)
        reply = await click.wait_for(timeout=10)
        outcomes.append((custom_id, click.callback_types, reply.get("content")))
        assert click.callback_types == [4], (custom_id, click)
        assert reply["flags"] & EPHEMERAL and expected in reply["content"], (custom_id, reply)
        assert not click.errors and not click.followups, (custom_id, click)
    await settle(0.3)
    assert all(len(fake.interactions[-1 - i].replies) == 1 for i in range(len(cases)))

    turn = await fake.click(mine.original, f"sb:page:{answer_id}:2", user_id=ASKER)  # the real answer still pages
    page2 = await turn.wait_for(timeout=10)
    assert turn.callback_types == [7] and "page 2/" in page2["embeds"][0]["footer"]["text"]
    print(f"\n{len(cases)} crafted custom_ids: each one polite ephemeral type-4 reply, none crashed; e.g.")
    for custom_id, types, content in outcomes[:8]:
        print(f"  {custom_id[:40]!r:44} -> {types} {content!r}")
    await assert_still_answers(fake, bot)
    assert_log_clean(bot, mark)


async def dm_command(fake, name: str, options: dict | None = None, user_id: int = ASKER):
    """A slash command from a DM (no guild, no member). The fake's send_command only offers the commands
    synced where they are used, and these are synced to guilds, so build the DM interaction by hand."""
    cmd = fake.find_command(name, guild_id=GUILD)
    data: dict = {"id": cmd["id"], "name": name, "type": 1}
    if options:
        data["options"] = [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()]
    payload = fake.interaction_payload(
        APPLICATION_COMMAND,
        data,
        guild_id=None,
        channel_id=None,
        user_id=user_id,
        permissions=ALL_BUT_ADMIN,
        member_roles=(),
        locale="en-US",
    )
    return await fake.deliver(payload)


async def test_settings_and_stats_check_manage_server_themselves(fake, bot):
    mark = log_mark(bot)
    tries = [
        ("settings", {"excerpts": 1}, {"permissions": NOT_MANAGER}),
        ("settings", {"cooldown": 3600}, {"permissions": 0}),
        ("settings", {}, {"permissions": NOT_MANAGER, "guild_id": OTHER_GUILD}),
        ("stats", {}, {"permissions": NOT_MANAGER}),
        ("stats", {}, {"permissions": 0, "guild_id": OTHER_GUILD}),
    ]
    for name, options, where in tries:
        refused = await fake.send_command(name, options, **where)
        reply = await refused.wait_for(timeout=10)
        assert refused.callback_types == [4] and reply["flags"] & EPHEMERAL, (name, where, reply)
        assert "Manage Server" in reply["content"] and not reply.get("embeds"), (name, where, reply)
    in_dm = []
    for name, options in (("settings", {"excerpts": 1}), ("stats", {})):
        refused = await dm_command(fake, name, options)
        reply = await refused.wait_for(timeout=10)
        in_dm.append(reply["content"])
        assert refused.callback_types == [4] and reply["flags"] & EPHEMERAL and "Manage Server" in reply["content"]
    current = await fake.send_command("settings", permissions=MANAGE_GUILD)
    shown = await current.wait_for(timeout=10)
    assert shown["content"] == "Current settings:"  # nothing the refused members sent was saved
    fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
    assert fields["Excerpts per page"] != "1" and fields["Cooldown"] == "Off"
    print(
        f"\n{len(tries)} /settings|/stats without Manage Server + 2 from a DM: all refused ({in_dm[0]!r}); "
        f"settings unchanged: {fields['Excerpts per page']} per page, cooldown {fields['Cooldown']}"
    )
    assert_log_clean(bot, mark)


# ---------------------------------------------------------------- 6. a thousand random interactions

SCRIPTS = [
    "Что такое перезагрузка отношений России и Запада?",
    "俄罗斯与西方的关系重启是什么",
    "ما هي العلاقات بين روسيا والغرب",
    "🙂🔥🇺🇦👍🏽👨‍👩‍👧 reset 🤖",
    "\u202eteser\u202c \u200f\u200e\u2066isolate\u2069 \u061c",
    "@everyone @here <@123> <@!456> <@&789> <#1011> </ask:1> <t:0:R> ＠everyone",
    "**bold** __under__ ~~strike~~ `code` ```block``` > quote\n# heading\n- list\n1. one [x](http://e.x) ||s||",
    "Z̷̢͓̀a̸͉͝l̶̥̀g̵̰͝o̴̢͛ Russia",
    "ﷺﷺﷺ ﬃ ㎧ ½ Ⅻ",
    "\\\\\\*\\_ \\ trailing backslash \\",
    "Robert'); DROP TABLE answers;-- %s %d {0} ${x} {{7*7}}",
    "ا" * 5 + " NATO " + "ב" * 5,
]
CORPUS_WORDS = ["Russia", "West", "reset", "Putin", "NATO", "Tsygankov", "Moscow", "Joint", "Chiefs", "relations"]
LOOKALIKES = "".join(chr(0x2400 + i) for i in range(0x21)) + "\ufffd\u25a1"  # ␀␁… stand in for \x00\x01…


def random_text(rng: random.Random, limit: int = 300) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice([" ", "   ", "\t", " \n ", "\u3000", "\u00a0 \u2003"])  # empty after strip
    if kind == 1:  # exactly the longest allowed
        alphabet = string.ascii_letters + " *_`~|>#@<:" + "Жж漢ع🙂"
        return "".join(rng.choice(alphabet) for _ in range(limit))
    if kind == 2:
        return "".join(rng.choice(LOOKALIKES) for _ in range(rng.randint(1, 40)))
    if kind == 3:
        return rng.choice(SCRIPTS)[:limit]
    if kind == 4:  # answerable words wrapped in noise
        words = rng.sample(CORPUS_WORDS, rng.randint(1, 4))
        return (rng.choice(SCRIPTS) + " " + " ".join(words))[-limit:]
    if kind == 5:
        return "x" * rng.randint(1, limit)  # one long token
    if kind == 6:
        return "".join(chr(rng.randint(0x21, 0x2FFF)) for _ in range(rng.randint(1, 60)))
    if kind == 7:
        return "".join(rng.choice(string.punctuation) for _ in range(rng.randint(1, 30)))
    if kind == 8:  # one character that NFKC blows up to 8-18
        return rng.choice(["\ufdfa", "\ufdfd", "\u3250", "\ufdfb"]) * rng.randint(1, limit)
    return " ".join(rng.choice(CORPUS_WORDS) for _ in range(rng.randint(1, 8)))


def random_custom_id(rng: random.Random) -> str:
    action = rng.choice(["page", "full", "vote", "nav", "PAGE", "", "x" * 30])
    answer_id = rng.choice(["-", "".join(rng.choice("0123456789abcdef") for _ in range(12)), random_text(rng, 20)])
    arg = rng.choice(["1", "2", "0", "-1", "up", "down", "99999999999999999999", random_text(rng, 30)])
    return (f"sb:{action}:{answer_id}:{arg}" if rng.random() < 0.7 else random_text(rng, 100))[:100] or "x"


def random_interaction(rng: random.Random, articles: list[str], passages: list[str]) -> tuple[str, dict, str | None]:
    """(command, options, focused option or None) for one random interaction; "Find sources" takes the
    message content as options["content"], a button click the custom_id as options["custom_id"]."""

    def article() -> str:
        return rng.choice(articles) if rng.random() < 0.3 else random_text(rng, 100)

    roll = rng.random()
    if roll < 0.05:
        return "Find sources", {"content": random_text(rng) * rng.choice([1, 1, 6])}, None
    if roll < 0.1:
        return "click", {"custom_id": random_custom_id(rng)}, None
    if roll < 0.45:
        options: dict = {"question": random_text(rng)}
        if rng.random() < 0.3:
            options["article"] = article()
        if rng.random() < 0.3:
            options["private"] = rng.random() < 0.5
        return "ask", options, None
    if roll < 0.65:
        options = {}
        for name, make in (
            ("article", article),
            ("footnote", lambda: rng.choice(["i", "ii", "iii", "1", random_text(rng, 50)])),
            ("passage", lambda: rng.choice(passages) if rng.random() < 0.3 else random_text(rng, 100)),
        ):
            if rng.random() < 0.4:
                options[name] = make()
        return "source", options, None
    command, focused = rng.choice(
        [
            ("ask", "article"),
            ("source", "article"),
            ("source", "footnote"),
            ("source", "passage"),
            ("source", "passage"),
        ]
    )
    options = {focused: random_text(rng, 100) if rng.random() < 0.8 else ""}
    if command == "ask":
        options["question"] = random_text(rng)
    elif focused == "footnote" and rng.random() < 0.7:
        options["article"] = article()
    return command, options, focused


async def test_a_thousand_random_interactions(fake, bot):
    mark = log_mark(bot)
    rng = random.Random(20240601)
    probe = await fake.send_command("source", {"article": ""}, focused="article")
    articles = [c["value"] for c in (await probe.wait_for(timeout=10))["choices"]]
    probe = await fake.send_command("source", {"passage": ""}, focused="passage")
    passages = [c["value"] for c in (await probe.wait_for(timeout=10))["choices"]]
    assert articles and passages
    plan = [random_interaction(rng, articles, passages) for _ in range(1000)]
    gate = asyncio.Semaphore(10)
    done: list = []

    async def one(n: int, command: str, options: dict, focused: str | None):
        async with gate:
            user = 20_000 + n % 97
            if command == "click":
                custom_id = options["custom_id"]
                interaction = await fake.click(button_message(custom_id), custom_id, user_id=user)
            elif command == "Find sources":
                interaction = await fake.send_command(command, command_type=3, target_message=options, user_id=user)
            else:
                interaction = await fake.send_command(command, options, focused=focused, user_id=user)
            with contextlib.suppress(TimeoutError):  # judged below, with the others
                await interaction.wait_for(timeout=15)
            done.append((command, options, focused, interaction))

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(one(n, *p) for n, p in enumerate(plan))), 90)
    total = time.monotonic() - started
    await settle(0.5)

    latencies = sorted(i.first_response_after for *_, i in done if i.first_response_after is not None)
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    kinds: dict[str, int] = {}
    for command, _, focused, interaction in done:
        key = f"{command}{'/' + focused if focused else ''}:{interaction.callback_types[:1]}"
        kinds[key] = kinds.get(key, 0) + 1
    print(
        f"\n1000 random interactions, 10 at a time: {total:.1f} s; first response p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))

    problems = []
    for command, options, focused, interaction in done:
        what = (command, focused, options, interaction)
        if interaction.errors:
            problems.append(("errors", what, interaction.errors))
        elif interaction.first_response_after is None or interaction.first_response_after >= 3:
            problems.append(("late or never", what))
        elif len(interaction.callbacks) != 1:
            problems.append(("callbacks", what))
        elif focused and interaction.callback_types != [8]:
            problems.append(("autocomplete", what))
        elif not focused and not interaction.messages():
            problems.append(("no reply", what))
        for message in interaction.messages():
            if "choices" in message:
                continue
            if message.get("allowed_mentions") != {"parse": []}:
                problems.append(("mentions", what, message))
        if not focused and any("went wrong" in (m.get("content") or "") for m in interaction.messages()):
            problems.append(("failure reply", what))
    assert not problems, f"{len(problems)} problems, first: {problems[:3]}"
    assert len(done) == 1000 and not fake.unexpected
    stats = await fake.send_command("stats", permissions=MANAGE_GUILD)  # the random questions, now in /stats
    shown = await stats.wait_for(timeout=10)
    assert stats.callback_types == [4] and shown.get("embeds") and not stats.errors
    assert p99 < 3
    new_log = assert_log_clean(bot, mark)
    assert " failed (guild" not in new_log, new_log[new_log.find(" failed (guild") - 200 :][:3000]
    await assert_still_answers(fake, bot)


# ---------------------------------------------------------------- 7. the token


async def test_token_only_in_authorization_headers_and_identify(fake, bot):
    authorised = 0
    for rec in fake.requests:
        for name, value in rec.headers.items():
            if TOKEN in value:
                assert name.lower() == "authorization" and value == f"Bot {TOKEN}", (rec.method, rec.path, name)
                authorised += 1
        if rec.path.startswith(("/interactions/", "/webhooks/")):
            assert "Authorization" not in rec.headers, (rec.method, rec.path)  # interaction routes need no token
        assert TOKEN not in rec.raw_path and TOKEN not in json.dumps(rec.query), rec.path
        assert TOKEN not in json.dumps(rec.json, ensure_ascii=False, default=str), (rec.method, rec.path)
        assert all(TOKEN.encode() not in upload["data"] for upload in rec.uploads), rec.path
    identifies = 0
    for payload in fake.gateway_received:
        d = payload.get("d")
        if isinstance(d, dict) and payload.get("op") in (2, 6):
            assert d.get("token") in (TOKEN, f"Bot {TOKEN}")
            identifies += 1
            d = {k: v for k, v in d.items() if k != "token"}
        assert TOKEN not in json.dumps(d, default=str), payload.get("op")
    for interaction in fake.interactions:
        for reply in interaction.replies:
            assert TOKEN not in json.dumps(reply.payload, ensure_ascii=False, default=str), interaction
    log = bot.log_text()
    print(
        f"\ntoken: in {authorised} Authorization headers (bot routes only) and {identifies} IDENTIFY/RESUME "
        f"payloads; absent from {len(fake.requests)} requests' paths/bodies, "
        f"{sum(len(i.replies) for i in fake.interactions)} replies and {len(log)} chars of log"
    )
    assert authorised > 0 and identifies >= 1
    assert TOKEN not in log and "secret-token" not in log
