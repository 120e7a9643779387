"""A streak nudge in Discord is a direct message: the bot opens the DM channel
(`POST /users/@me/channels`) and sends the nudge in it, both checked against Discord's
published API."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person
from tests.support.harness import Harness


async def test_a_member_whose_streak_would_end_is_nudged_by_direct_message(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea, bo = Person(fake, "lea", admin=True), Person(fake, "bo")
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("pace", mode="manual"))
    await harness.advance(hours=2)  # Mon 09:30 Berlin: round 1
    for day in range(3):  # Bo answers Monday, Tuesday and Wednesday
        await fake.wait_for(lambda day=day: len(fake.threads()) == day + 1)
        thread = fake.threads()[-1]["id"]
        said = await bo.says("Scope: shoppers in one region first.", where=thread)
        await fake.wait_for(lambda said=said, thread=thread: (thread, said) in fake.reactions)
        await harness.advance(days=1)  # the next morning's round
    await fake.wait_for(lambda: len(fake.threads()) == 4)  # Thursday's round: Bo is busy
    assert fake.dms_to(bo.id) == []
    await harness.advance(hours=22)  # Fri 07:30 Berlin: two hours before the next round
    await fake.wait_for(lambda: bool(fake.dms_to(bo.id)))
    (nudge,) = fake.dms_to(bo.id)
    assert "Your 3-round streak ends at today's round at 09:30" in text_of(nudge)
    assert any(c.method == "POST" and c.path == "/users/@me/channels" for c in fake.calls)
    assert fake.dms_to(lea.id) == []
