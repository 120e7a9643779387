"""A platform request is carried out once, however often it arrives.

Slack accepts a signed request for five minutes, so a captured `/kata prompts add` could be
sent again and again; Discord redelivers nothing, but its interaction ids are just as unique.
The first arrival of a request id claims it in the database (shared by every worker); later
arrivals are told it was already done. A request whose handling failed gives its claim back:
rolled back with its unit, or released when the unit had committed before the failure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import HandledRequest

KEEP_FOR = timedelta(hours=1)
"""Far beyond Slack's five-minute signature window; older ids are deleted as new ones come."""


async def claim(session: AsyncSession, platform: str, request_id: str, now: datetime) -> bool:
    """True for the first arrival of this request, False for a replay. The claim is part of
    the request's own transaction: if handling fails before it commits, the claim goes too."""
    await session.execute(delete(HandledRequest).where(HandledRequest.handled_at < now - KEEP_FOR))
    try:
        async with session.begin_nested():
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
