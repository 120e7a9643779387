"""Steps many Discord tests share: a channel with a running round, answers read from the DB."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select

from bot.models import Answer
from tests.discord.fake_discord import FakeDiscord, custom_ids
from tests.discord.people import Person
from tests.support.harness import Harness

T = TypeVar("T")


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


async def eventually(check: Callable[[], Awaitable[T]], within: float = 5.0) -> T:
    """Poll an async check until it returns something truthy (for effects with no REST call)."""
    async with asyncio.timeout(within):
        while True:  # a DB row has no event to wait on
            if result := await check():
                return result
            await asyncio.sleep(0.02)
