"""Scheduled rounds: the daily fan-out across channels, through Discord's rate limits."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from adapters.discord.adapter import nonce_for
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.test_failures import rate_limited
from tests.support.harness import Harness


async def test_the_morning_prompts_reach_every_channel_once_despite_a_429(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    channels = [
        fake.channel_id,
        await fake.create_channel("ml-design"),
        await fake.create_channel("infra"),
    ]
    for channel in channels:
        setup = await lea.slash("setup", time="09:30", timezone="Europe/Berlin", where=channel)
        await fake.reply_to(setup)
    body, headers = rate_limited(0.2)
    fake.rest.fail("POST", rf"^/channels/{channels[1]}/messages$", 429, body, headers)

    await harness.advance(hours=2)  # 07:00 UTC -> 09:00 UTC; Berlin's 09:30 has passed

    await fake.wait_for(lambda: all(fake.posts_in(c) for c in channels))
    for channel in channels:
        (prompt,) = fake.posts_in(channel)
        assert prompt["embeds"][0]["title"].startswith("Design Kata #1")
    assert sorted(t["parent_id"] for t in fake.threads()) == sorted(channels)
    retried = [c.status for c in fake.calls if c.path == f"/channels/{channels[1]}/messages"]
    assert retried == [429, 200]


async def test_a_prompt_discord_made_but_answered_with_a_500_is_not_posted_twice(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    setup = await lea.slash("setup", time="09:30", timezone="Europe/Berlin")
    await fake.reply_to(setup)
    fake.rest.accept_then_fail("POST", rf"^/channels/{fake.channel_id}/messages$")

    await harness.advance(hours=2)

    await fake.wait_for(lambda: bool(fake.posts_in(fake.channel_id)))
    (prompt,) = fake.posts_in(fake.channel_id)
    assert prompt["embeds"][0]["title"].startswith("Design Kata #1")
    sent = [
        c
        for c in fake.calls
        if c.method == "POST" and c.path == f"/channels/{fake.channel_id}/messages"
    ]
    assert len(sent) == 2 and sent[0].body["nonce"] == sent[1].body["nonce"]
    # The nonce comes from the round's work key, so a later retry by any process repeats it.
    assert sent[0].body["nonce"] == str(nonce_for("round:1:2026-11-23:0"))
    assert sent[0].body["enforce_nonce"] is True
    assert len(fake.threads()) == 1
