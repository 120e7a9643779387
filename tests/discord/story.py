"""Steps many Discord tests share: a channel with a running round, answers read from the DB."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.discord import DiscordAdapter
from bot.models import Answer
from tests.discord.fake_discord import FakeDiscord, custom_ids
from tests.discord.people import Person
from tests.support.harness import Harness


async def round_running(fake: FakeDiscord, lead: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lead sets the channel up with manual pace and starts a round; returns prompt and thread."""
    await fake.reply_to(await lead.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lead.slash("pace", mode="manual"))
    await fake.reply_to(await lead.slash("now"))
    (prompt,) = fake.posts_in(fake.channel_id)
    (thread,) = fake.threads()
    await fake.reply_to(await lead.presses(prompt, custom_ids(prompt)[0]))  # stage 1
    await fake.wait_for(lambda: fake.posts_in(thread["id"]))
    return prompt, thread


async def answers(harness: Harness) -> dict[str, str]:
    """Recorded answers: Discord message id (or command key) -> text."""
    async with harness.kata.sessions() as session:
        rows = await session.scalars(select(Answer))
        return {a.message_id: a.text for a in rows}


async def settled(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    """Wait until the bot has read every gateway event sent so far and finished handling
    them (for effects with no REST call to wait for, such as an edited answer)."""
    await fake.gateway.caught_up()
    await adapter.wait_idle()
