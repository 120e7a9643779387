"""Leaderboards by points, current streak and reviews given.

Periods are calendar periods in the channel's time zone (a week starts on Monday); the scope
is the channel or the whole workspace. Members who opted out are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import streaks
from bot.models import Feedback, Member, PointEvent, Round, Streak

Board = Literal["points", "streak", "reviews"]
Period = Literal["week", "month", "all"]
BOARDS: tuple[Board, ...] = ("points", "streak", "reviews")
PERIODS: tuple[Period, ...] = ("week", "month", "all")


@dataclass(frozen=True)
class Row:
    rank: int
    member_id: int
    name: str
    value: int


def period_bounds(
    period: Period, now: datetime, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """UTC start (inclusive) and end (exclusive) of the calendar period containing `now`."""
    if period == "all":
        return None, None
    today = now.astimezone(zone).date()
    if period == "week":
        start_day = today - timedelta(days=today.weekday())
        end_day = start_day + timedelta(days=7)
    else:
        start_day = today.replace(day=1)
        end_day = (start_day + timedelta(days=32)).replace(day=1)
    return _midnight(start_day, zone), _midnight(end_day, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _rank(values: list[tuple[int, str, int]], limit: int) -> list[Row]:
    """Competition ranking (1, 2, 2, 4); ties listed by name."""
    ordered = sorted((v for v in values if v[2] > 0), key=lambda v: (-v[2], v[1].lower()))
    rows: list[Row] = []
    for i, (member_id, name, value) in enumerate(ordered[:limit]):
        rank = rows[-1].rank if rows and rows[-1].value == value else i + 1
        rows.append(Row(rank, member_id, name, value))
    return rows


async def board(
    session: AsyncSession,
    workspace_id: int,
    channel_id: int | None,
    kind: Board,
    period: Period,
    now: datetime,
    zone: ZoneInfo,
    limit: int = 10,
) -> list[Row]:
    start, end = period_bounds(period, now, zone)
    visible = (Member.workspace_id == workspace_id) & Member.opted_out.is_(False)
    if kind == "points":
        query = (
            select(Member.id, Member.display_name, func.sum(PointEvent.points))
            .join(PointEvent, PointEvent.member_id == Member.id)
            .where(visible, PointEvent.workspace_id == workspace_id)
            .group_by(Member.id, Member.display_name)
        )
        if channel_id is not None:
            query = query.where(PointEvent.channel_id == channel_id)
        if start is not None:
            query = query.where(PointEvent.created_at >= start, PointEvent.created_at < end)
        values = [(m, n, int(v or 0)) for m, n, v in (await session.execute(query)).all()]
    elif kind == "reviews":
        query = (
            select(Member.id, Member.display_name, func.count(Feedback.id))
            .join(Feedback, Feedback.reviewer_id == Member.id)
            .where(visible, Feedback.workspace_id == workspace_id)
            .group_by(Member.id, Member.display_name)
        )
        if channel_id is not None:
            query = query.where(
                Feedback.round_id.in_(select(Round.id).where(Round.channel_id == channel_id))
            )
        if start is not None:
            query = query.where(Feedback.created_at >= start, Feedback.created_at < end)
        values = [(m, n, int(v)) for m, n, v in (await session.execute(query)).all()]
    else:
        values = await _streak_values(session, workspace_id, channel_id, visible)
    return _rank(values, limit)


async def _streak_values(
    session: AsyncSession, workspace_id: int, channel_id: int | None, visible
) -> list[tuple[int, str, int]]:
    """Current streaks as members see them; workspace-wide, a member's best channel counts."""
    query = (
        select(Streak, Member.display_name)
        .join(Member, Member.id == Streak.member_id)
        .where(visible, Streak.workspace_id == workspace_id)
    )
    if channel_id is not None:
        query = query.where(Streak.channel_id == channel_id)
    best: dict[int, tuple[int, str, int]] = {}
    latest: dict[int, int | None] = {}
    for row, name in (await session.execute(query)).all():
        if row.channel_id not in latest:
            latest[row.channel_id] = await streaks.latest_seq(session, row.channel_id)
        value = streaks.shown(streaks.state_of(row), latest[row.channel_id]).current
        if row.member_id not in best or best[row.member_id][2] < value:
            best[row.member_id] = (row.member_id, name, value)
    return list(best.values())
