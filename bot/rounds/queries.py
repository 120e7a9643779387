"""Lookups about rounds and their channels that use cases borrow: pure reads, no posting."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable

from bot import skips
from bot.chat import ChannelRef, ThreadRef
from bot.models import Channel, Round, Workspace
from bot.schedule import Schedule

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit


def schedule_of(channel: Channel) -> Schedule:
    return Schedule(
        channel.post_time, channel.timezone, channel.weekdays, frozenset(skips.skipped(channel))
    )


async def channel_ref(session: AsyncSession, channel_id: int) -> ChannelRef:
    platform, workspace, channel = (
        await session.execute(
            select(Workspace.platform, Workspace.external_id, Channel.external_id)
            .join(Channel, Channel.workspace_id == Workspace.id)
            .where(Channel.id == channel_id)
        )
    ).one()
    return ChannelRef(platform, workspace, channel)


async def changed_rows(session: AsyncSession, statement: Executable) -> int:
    """Rows an UPDATE or DELETE touched: how a conditional write learns it won its claim."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount


def thread_of(ref: ChannelRef, rnd: Round) -> ThreadRef:
    assert rnd.thread_id is not None
    return ThreadRef(ref, rnd.thread_id)


async def latest_posted_before(session: AsyncSession, channel_id: int, day: date) -> Round | None:
    """The channel's last round posted on a local date before `day`."""
    return await session.scalar(
        select(Round)
        .where(
            Round.channel_id == channel_id,
            Round.local_date < day,
            Round.posted_at.is_not(None),
        )
        .order_by(Round.local_date.desc())
        .limit(1)
    )


async def own_round(unit: Unit, round_id: int) -> Round | None:
    """The round, only if it belongs to the event's own workspace."""
    rnd = await unit.session.get(Round, round_id)
    if rnd is None:
        return None
    return rnd if await unit.find_workspace_id() == rnd.workspace_id else None
