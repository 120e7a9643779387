"""Points are decided by what exists, never by a read followed by a write, so answers that
arrive at the same moment pay exactly what they pay one by one."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.models import PointEvent
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def points_of(harness: Harness) -> int:
    async with harness.kata.sessions() as session:
        return int(await session.scalar(select(func.sum(PointEvent.points))) or 0)


async def test_a_members_answers_sent_at_once_pay_as_they_would_one_by_one(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    stages = [s.key for s in harness.kata.content.stages]
    members = [chat.member(f"m{n}") for n in range(6)]
    thread = chat.latest_thread()

    await asyncio.gather(
        *(
            chat.reply(member, f"{stage}: an answer for {stage}", thread=thread)
            for member in members
            for stage in stages
        )
    )

    one_member = 5 + 2 * len(stages)
    assert await points_of(harness) == one_member * len(members)
