"""Discord saying no: rate limits, missing permissions, deleted channels and threads."""

from __future__ import annotations

import time

import pytest

from adapters.discord import DiscordAdapter
from bot.chat import ChannelRef, ThreadRef, text_message
from bot.port import ChannelUnavailable
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person
from tests.discord.story import round_running

EPHEMERAL = 1 << 6


def rate_limited(retry_after: float) -> tuple[dict, dict[str, str]]:
    """A per-route 429 as Discord sends it: JSON body plus Retry-After and X-RateLimit-*."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    headers = {
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": "f4ke-bucket",
        "X-RateLimit-Scope": "user",
    }
    return body, headers


async def test_a_429_on_the_prompt_delays_it_but_posts_it_exactly_once(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    body, headers = rate_limited(0.3)
    fake.rest.fail("POST", rf"^/channels/{fake.channel_id}/messages$", 429, body, headers)
    bot.defer_after = 0.05  # the core now counts as slow: the command is deferred first

    now = await lea.slash("now")
    first = await fake.reply_to(now)
    assert first["type"] == 5 and first["data"]["flags"] & EPHEMERAL
    edit = await fake.wait_for(
        lambda: [c for c in fake.calls if c.method == "PATCH" and "@original" in c.path]
    )
    assert "posted" in edit[0].body["content"]

    attempts = [c for c in fake.calls if c.path == f"/channels/{fake.channel_id}/messages"]
    assert [c.status for c in attempts] == [429, 200]
    assert len(fake.posts_in(fake.channel_id)) == 1 and len(fake.threads()) == 1


async def test_missing_permissions_pause_the_channel_and_the_bot_keeps_going(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    fake.rest.fail(
        "POST",
        rf"^/channels/{fake.channel_id}/messages$",
        403,
        {"message": "Missing Permissions", "code": 50013},
    )
    reply = (await fake.reply_to(await lea.slash("now")))["data"]
    assert "can't post in this channel" in text_of(reply)
    assert "Missing Permissions" in text_of(reply)

    schedule = (await fake.reply_to(await lea.slash("schedule")))["data"]
    assert "paused" in text_of(schedule).lower()


async def test_a_deleted_thread_or_channel_is_reported_as_unavailable(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    _, thread = await round_running(fake, lea)
    channel = ChannelRef("discord", fake.guild_id, fake.channel_id)
    del fake.channels[thread["id"]]

    with pytest.raises(ChannelUnavailable) as gone:
        await bot.post_in_thread(ThreadRef(channel, thread["id"]), text_message("Stage 2"))
    assert gone.value.channel == channel and "deleted" in gone.value.reason

    del fake.channels[fake.channel_id]
    with pytest.raises(ChannelUnavailable):
        await bot.post_prompt(channel, text_message("A new prompt", title="Design Kata #2"))
    assert bot.client.is_ready()
