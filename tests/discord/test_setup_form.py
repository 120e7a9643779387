"""Setting a channel up by form on Discord, and the buttons on its schedule: one modal of five
labelled components (the time and zone typed on one line, select menus for the days, the
pacing and both filters), a mistake explained privately with nothing saved, and pause /
resume, skip next, start now and edit under `/kata schedule`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.discord import DiscordAdapter
from bot.kinds import Pacing
from bot.models import Channel
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person
from tests.support.harness import Harness

EPHEMERAL = 1 << 6


async def channel_row(harness: Harness, channel_id: str) -> Channel:
    async with harness.kata.sessions() as session:
        row = await session.scalar(select(Channel).where(Channel.external_id == channel_id))
    assert row is not None
    return row


def by_id(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["component"]["custom_id"]: c for c in modal["components"]}


async def schedule_message(fake: FakeDiscord, who: Person) -> dict[str, Any]:
    """`/kata schedule`'s answer, as the message the member sees (and presses on)."""
    asked = await who.slash("schedule")
    await fake.reply_to(asked)
    return fake.responses[asked]


async def test_the_schedule_has_buttons_and_edit_opens_the_form_in_one_modal(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    shown = await schedule_message(fake, lea)
    channel = fake.channel_id
    assert custom_ids(shown) == [f"kata:{a}:{channel}" for a in ("pause", "skip", "now", "edit")]

    # Edit: one modal, five labelled components, filled in with the channel as it is.
    opened = await fake.reply_to(await lea.presses(shown, f"kata:edit:{channel}"))
    assert opened["type"] == 9
    modal = opened["data"]
    assert len(modal["components"]) == 5 and all(c["type"] == 18 for c in modal["components"])
    parts = by_id(modal)
    assert list(parts) == ["when", "days", "pace", "tags", "difficulty"]
    assert parts["when"]["component"]["value"] == "09:30 Europe/Berlin"
    days = parts["days"]["component"]
    assert days["type"] == 3 and days["max_values"] == 7
    assert [o["value"] for o in days["options"] if o.get("default")] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    assert [o["value"] for o in parts["pace"]["component"]["options"] if o.get("default")] == [
        "drip:60"
    ]
    assert "prompts of" in parts["tags"]["description"]

    # A zone that does not exist: explained privately, with a button back to the form.
    wrong = await lea.submits(
        modal["custom_id"],
        {"when": "08:00 Mars/Olympus", "days": ["sat", "sun"], "pace": ["manual"]},
    )
    problem = (await fake.reply_to(wrong))["data"]
    assert problem["flags"] & EPHEMERAL
    assert "Time and time zone" in text_of(problem) and "Mars/Olympus" in text_of(problem)
    assert custom_ids(problem)[0].startswith("kata:form:")
    row = await channel_row(harness, channel)
    assert (f"{row.post_time:%H:%M}", row.timezone, row.pacing) == (
        "09:30",
        "Europe/Berlin",
        Pacing.DRIP,
    )

    # Fixed and sent again: what was typed is still there, the schedule changes and the
    # channel hears it.
    (fix,) = custom_ids(problem)
    again = (await fake.reply_to(await lea.presses(fake.responses[wrong], fix)))["data"]
    assert by_id(again)["when"]["component"]["value"] == "08:00 Mars/Olympus"
    fixed = await lea.submits(
        again["custom_id"],
        {
            "when": "08:00 America/Chicago",
            "days": ["sat", "sun"],
            "pace": ["manual"],
            "difficulty": ["easy", "medium"],
        },
    )
    said = (await fake.reply_to(fixed))["data"]
    assert not said.get("flags", 0) & EPHEMERAL
    assert "08:00 America/Chicago" in text_of(said)
    assert "each stage on /kata next" in text_of(said)
    row = await channel_row(harness, channel)
    assert (f"{row.post_time:%H:%M}", row.timezone, row.weekdays) == (
        "08:00",
        "America/Chicago",
        0b1100000,
    )
    assert row.pacing == Pacing.MANUAL and row.difficulty_filter == ["easy", "medium"]


async def test_the_schedule_buttons_pause_resume_skip_and_start(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    channel = fake.channel_id
    shown = await schedule_message(fake, lea)

    # Bo is no admin: the buttons refuse him, as the typed commands would.
    refused = (await fake.reply_to(await bo.presses(shown, f"kata:pause:{channel}")))["data"]
    assert "Only admins can use /kata-admin pause" in text_of(refused)
    assert not (await channel_row(harness, channel)).paused

    paused = (await fake.reply_to(await lea.presses(shown, f"kata:pause:{channel}")))["data"]
    assert text_of(paused).startswith("Paused")
    assert (await channel_row(harness, channel)).paused
    shown = await schedule_message(fake, lea)
    assert custom_ids(shown)[0] == f"kata:resume:{channel}"

    resumed = (await fake.reply_to(await lea.presses(shown, f"kata:resume:{channel}")))["data"]
    assert text_of(resumed).startswith("Resumed")

    skipped = (await fake.reply_to(await lea.presses(shown, f"kata:skip:{channel}")))["data"]
    assert "will be skipped" in text_of(skipped)

    started = await lea.presses(shown, f"kata:now:{channel}")
    await fake.reply_to(started)
    await fake.wait_for(lambda: bool(fake.posts_in(channel)))
    assert fake.posts_in(channel)[0]["embeds"][0]["title"].startswith("Design Kata #1")


async def test_setup_without_options_opens_the_form_and_sets_the_channel_up(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    opened = await fake.reply_to(await lea.slash("setup"))
    assert opened["type"] == 9
    modal = opened["data"]
    assert by_id(modal)["when"]["component"]["value"] == "09:30 UTC"  # Discord tells no zone
    sent = await lea.submits(
        modal["custom_id"],
        {"when": "07:45 Asia/Tokyo", "days": ["mon", "thu"], "pace": ["drip:15"]},
    )
    said = (await fake.reply_to(sent))["data"]
    assert "Design Kata is set up here" in text_of(said)
    assert "a new stage every 15 minutes" in text_of(said)
    row = await channel_row(harness, fake.channel_id)
    assert (f"{row.post_time:%H:%M}", row.timezone, row.drip_minutes) == ("07:45", "Asia/Tokyo", 15)

    # Half the options is the typed command, and it says what is missing.
    half = (await fake.reply_to(await lea.slash("setup", time="08:00")))["data"]
    assert "setup needs a time and a time zone" in text_of(half)
