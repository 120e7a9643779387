"""Text members typed never pings anyone and shows exactly as typed."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person, UserOption
from tests.discord.story import round_running

PINGS = "@everyone @here <@&1> <@2>"


async def test_echoed_member_text_pings_no_one(bot: DiscordAdapter, fake: FakeDiscord) -> None:
    assert bot.client.allowed_mentions is not None
    assert bot.client.allowed_mentions.to_dict() == {"parse": []}
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    _, thread = await round_running(fake, lea)
    await bo.says(f"{PINGS} a **bold** claim", where=thread["id"])
    await fake.wait_for(lambda: len(fake.reactions) == 1)
    await lea.says("Two-tower retrieval, then a ranker.", where=thread["id"])
    await fake.wait_for(lambda: len(fake.reactions) == 2)

    review = await lea.slash(
        "feedback",
        member=UserOption(bo.id),
        strength=f"{PINGS} clear scope",
        improve="name a *latency* budget",
        problem="3",
    )
    await fake.reply_to(review)
    (dm,) = await fake.wait_for(lambda: fake.dms_to(bo.id))
    shown = text_of(dm)
    assert "@everyone @here" in shown and "\\*latency\\*" in shown

    creates = [
        c
        for c in fake.calls
        if c.method == "POST" and (c.path.endswith("/messages") or "/webhooks/" in c.path)
    ]
    assert creates and all(c.body["allowed_mentions"] == {"parse": []} for c in creates)
    callbacks = [b for b in fake.callbacks.values() if b["type"] == 4]
    assert callbacks and all(b["data"]["allowed_mentions"] == {"parse": []} for b in callbacks)
