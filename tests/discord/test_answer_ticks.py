"""On Discord too the ✅ under answers keeps to a rate (a few a second per channel): a burst
beyond it is confirmed by one note in the thread instead of a reaction on each answer."""

from __future__ import annotations

import re

from adapters.discord import DiscordAdapter
from adapters.ticks import TickBudget
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.story import answers, round_running, settled
from tests.support.harness import Harness


async def test_a_burst_beyond_the_reaction_budget_is_confirmed_by_one_note_in_the_thread(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    bot.ticks.budget = TickBudget(per_minute=1, burst=2)
    bot.ticks.summary_after = 0.5
    _, thread = await round_running(fake, Person(fake, "lea", admin=True))
    before = len(fake.posts_in(thread["id"]))
    people = [Person(fake, name) for name in ("bo", "cy", "di")]
    said = [
        await p.says(f"Scope point {n}: one region first.", thread["id"])
        for n in range(2)
        for p in people
    ]

    await fake.wait_for(lambda: len(fake.posts_in(thread["id"])) > before)
    await settled(fake, bot)

    ticked = [m for (channel, m) in fake.reactions if channel == thread["id"] and m in said]
    [note] = [m["content"] for m in fake.posts_in(thread["id"])[before:]]
    counted = re.match(r"✅ (\d+) more answers recorded here", note)
    assert len(ticked) == 2
    assert counted is not None and int(counted.group(1)) == len(said) - 2
    assert set(await answers(harness)) >= set(said)
