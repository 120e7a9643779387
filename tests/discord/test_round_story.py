"""A server's first round in Discord, from /kata setup to the leaderboard."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person
from tests.support.harness import Harness

EPHEMERAL = 1 << 6


async def test_a_full_round_in_a_thread_with_feedback_and_leaderboard(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")

    # Lea sets the channel up; the answer is public so the channel sees the schedule.
    setup = await lea.slash("setup", time="09:30", timezone="Europe/Berlin", days="weekdays")
    reply = await fake.reply_to(setup)
    assert reply["type"] == 4
    assert "09:30 Europe/Berlin" in text_of(reply["data"])
    assert not (reply["data"].get("flags") or 0) & EPHEMERAL

    await fake.reply_to(await lea.slash("pace", mode="manual"))
    now = await lea.slash("now")
    assert "posted" in text_of((await fake.reply_to(now))["data"])

    # The prompt is an embed in the channel with buttons; a public thread starts from it.
    (prompt,) = fake.posts_in(fake.channel_id)
    assert prompt["embeds"][0]["title"].startswith("Design Kata #1: ")
    buttons = custom_ids(prompt)
    assert [b.split(":")[1] for b in buttons] == ["next", "feedback", "stats", "vote"]
    (thread,) = fake.threads()
    assert thread["id"] == prompt["id"] and thread["parent_id"] == fake.channel_id
    assert thread["name"] == prompt["embeds"][0]["title"][:100]

    # "Next stage" posts stage 1 into the thread.
    press = await lea.presses(prompt, buttons[0])
    await fake.reply_to(press)
    stage = await fake.wait_for(lambda: fake.posts_in(thread["id"]))
    assert stage[0]["embeds"][0]["title"].startswith("Stage 1/")

    # Members answer in the thread; the bot ticks each answer it counted.
    bo_answer = await bo.says("Who is it for: members in Europe first.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], bo_answer) in fake.reactions)
    lea_answer = await lea.says(
        "Goal: watch time, with retention as a guardrail.", where=thread["id"]
    )
    await fake.wait_for(lambda: (thread["id"], lea_answer) in fake.reactions)

    # "Give feedback" opens a modal: selects inside labels, at most five per modal.
    press = await lea.presses(prompt, buttons[1])
    modal = (await fake.reply_to(press))["data"]
    assert len(modal["components"]) == 5
    reviewee = modal["components"][0]["component"]
    assert reviewee["type"] == 3
    assert [o["label"] for o in reviewee["options"]] == ["Bo"]

    first = await lea.submits(
        modal["custom_id"],
        {"reviewee": [bo.id], "problem": ["3"], "data": ["4"], "modelling": [], "deployment": []},
        where=fake.channel_id,
    )
    step = (await fake.reply_to(first))["data"]
    assert step["flags"] & EPHEMERAL
    (continue_id,) = custom_ids(step)

    second_press = await lea.presses(fake.responses[first], continue_id)
    page_two = (await fake.reply_to(second_press))["data"]
    keys = [c["component"]["custom_id"] for c in page_two["components"]]
    assert keys == ["communication", "strength", "improvement"]

    done = await lea.submits(
        page_two["custom_id"],
        {
            "communication": ["3"],
            "strength": "Clear scope questions",
            "improvement": "Name a latency budget",
        },
        where=fake.channel_id,
    )
    thanks = (await fake.reply_to(done))["data"]
    assert thanks["flags"] & EPHEMERAL

    # Bo hears about it in a direct message.
    dm = await fake.wait_for(lambda: fake.dms_to(bo.id))
    assert "Clear scope questions" in text_of(dm[0])

    # The rest of the stages, then the wrap-up, all land in the thread.
    while not any(_title(m).startswith("Wrap-up") for m in fake.posts_in(thread["id"])):
        await fake.reply_to(await lea.slash("next", where=thread["id"]))
    titles = [_title(m) for m in fake.posts_in(thread["id"]) if m["embeds"]]
    total = len(harness.kata.content.stages)
    assert [t.split(":")[0] for t in titles if t.startswith("Stage")][
        -1
    ] == f"Stage {total}/{total}"
    assert fake.posts_in(fake.channel_id) == [prompt]

    board = await lea.slash("leaderboard")
    shown = (await fake.reply_to(board))["data"]
    assert "Bo" in text_of(shown) and "Lea" in text_of(shown)


async def test_manage_server_makes_a_member_an_admin(bot: DiscordAdapter, fake: FakeDiscord):
    owner = Person(fake, "max")
    mod = Person(fake, "lea", admin=True)  # a role with Manage Server
    bo = Person(fake, "bo")
    await fake.reply_to(await owner.slash("setup", time="08:00", timezone="Asia/Tokyo"))

    refused = (await fake.reply_to(await bo.slash("pause")))["data"]
    assert refused["flags"] & EPHEMERAL and text_of(refused).startswith("Only")
    allowed = (await fake.reply_to(await mod.slash("pause")))["data"]
    assert "paused" in text_of(allowed).lower()


async def test_export_sends_the_csv_as_a_file_only_the_admin_sees(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    export = await lea.slash("export", scope="channel")
    reply = await fake.reply_to(export)
    assert reply["data"]["flags"] & EPHEMERAL
    upload = next(c for c in fake.calls if c.path.startswith(f"/interactions/{export}/"))
    assert upload.files and all(name.endswith(".csv") for name in upload.files)


def _title(message: dict) -> str:
    return (message.get("embeds") or [{}])[0].get("title") or ""
