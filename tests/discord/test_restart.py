"""After a restart: old buttons still work and edits to old messages still count."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.conftest import connect
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person
from tests.discord.story import answers, round_running, settled
from tests.support.harness import Harness

EPHEMERAL = 1 << 6


async def test_buttons_and_edits_from_before_a_restart_keep_working(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    prompt, thread = await round_running(fake, lea)
    said = await bo.says("Start from a popularity baseline.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], said) in fake.reactions)

    await bot.close()
    restarted = await harness.restart()
    again = await connect(fake, restarted)
    try:
        assert len(fake.gateway.identifies) == 2
        stats = await bo.presses(prompt, custom_ids(prompt)[2])
        reply = (await fake.reply_to(stats))["data"]
        assert reply["flags"] & EPHEMERAL
        assert "Stats for Bo" in text_of(reply) and "Rounds answered here: 1" in text_of(reply)

        # discord.py's message cache is empty now; the raw edit event still counts.
        assert again.client.get_partial_messageable(int(thread["id"])) is not None
        await bo.edits(
            said, "Start from a popularity baseline, then two towers.", where=thread["id"]
        )
        await settled(fake, again)
        assert await _text_is(restarted, said, "Start from a popularity baseline, then two towers.")
    finally:
        await again.close()
        await restarted.kata.close()


async def _text_is(harness: Harness, message_id: str, text: str) -> bool:
    return (await answers(harness)).get(message_id) == text
