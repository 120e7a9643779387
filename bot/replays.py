"""A platform request is carried out once, however often it arrives.

Slack accepts a signed request for five minutes, so a captured `/kata prompts add` could be
sent again and again; Discord redelivers nothing, but its interaction ids are just as unique.
The first arrival of a request id claims it in the database (shared by every worker); later
arrivals are told it was already done. A request whose handling failed gives its claim back.

The claim is a short transaction of its own, ahead of the request's unit of work: it commits
at once, so a redelivery is refused straight away instead of queueing behind the first
arrival's handling, and it holds even when the handler commits early to post.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import HandledRequest

KEEP_FOR = timedelta(hours=1)
"""Far beyond Slack's five-minute signature window; older ids are deleted as new ones come."""


async def claim(
    sessions: async_sessionmaker[AsyncSession], platform: str, request_id: str, now: datetime
) -> bool:
    """True for the first arrival of this request, False for a replay."""
    try:
        async with sessions.begin() as session:
            await session.execute(
                delete(HandledRequest).where(HandledRequest.handled_at < now - KEEP_FOR)
            )
            await session.execute(
                insert(HandledRequest).values(
                    platform=platform, request_id=request_id[:128], handled_at=now
                )
            )
    except IntegrityError:
        return False
    return True


async def release(
    sessions: async_sessionmaker[AsyncSession], platform: str, request_id: str
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            delete(HandledRequest).where(
                HandledRequest.platform == platform,
                HandledRequest.request_id == request_id[:128],
            )
        )
