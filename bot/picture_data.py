"""The numbers behind the charts, read from the database as plain values, and the entry
points that hand them to `bot.pictures`.

`bot.pictures` draws from plain values and never sees a session; drawing happens in a worker
thread (`draw_later`). Every query is filtered by workspace (through its channel) like the
rest of the core.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select

from bot import leaderboard
from bot.chat import Picture
from bot.models import Answer, Channel, Feedback, FeedbackScore, Member, Round
from bot.pictures import bars, heatmap, radar
from bot.pictures.canvas import draw_later

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.content import Rubric


def local_today(channel: Channel, now: datetime) -> date:
    return now.astimezone(ZoneInfo(channel.timezone)).date()


async def member_calendar(
    session: AsyncSession, channel: Channel, member: Member, today: date
) -> dict[date, heatmap.Mark]:
    """Each round day of the calendar ending `today` as `member` lived it in `channel`.

    Rounds before the member first appeared are left out rather than shown as missed, and
    so is the latest round, which takes answers until the next one is posted; a skipped day
    with no round is excused. One statement.
    """
    start = heatmap.first_day(today)
    joined = local_today(channel, member.created_at)
    answered = Round.id.in_(select(Answer.round_id).where(Answer.member_id == member.id))
    reviewed = Round.id.in_(select(Feedback.round_id).where(Feedback.reviewer_id == member.id))
    rounds = (
        await session.execute(
            select(Round.local_date, answered, reviewed).where(
                Round.channel_id == channel.id,
                Round.workspace_id == channel.workspace_id,
                Round.posted_at.is_not(None),
                Round.local_date >= start,
                Round.local_date <= today,
            )
        )
    ).all()
    marks: dict[date, heatmap.Mark] = _excused(channel, start, max(start, joined), today)
    still_open = max((day for day, _, _ in rounds), default=None)
    for day, was_answered, was_reviewed in rounds:
        if was_reviewed:
            marks[day] = "reviewed"
        elif was_answered:
            marks[day] = "answered"
        elif day >= joined and day != still_open:
            marks[day] = "missed"
    return marks


async def channel_calendar(
    session: AsyncSession, channel: Channel, today: date
) -> dict[date, heatmap.Mark]:
    """The channel's own calendar: a round someone answered, one nobody did, skipped days."""
    start = heatmap.first_day(today)
    answers = (
        select(func.count(Answer.id))
        .where(Answer.round_id == Round.id)
        .correlate(Round)
        .scalar_subquery()
    )
    rounds = (
        await session.execute(
            select(Round.local_date, answers).where(
                Round.channel_id == channel.id,
                Round.workspace_id == channel.workspace_id,
                Round.posted_at.is_not(None),
                Round.local_date >= start,
                Round.local_date <= today,
            )
        )
    ).all()
    marks = _excused(channel, start, start, today)
    still_open = max((day for day, _ in rounds), default=None)
    for day, count in rounds:
        if count:
            marks[day] = "answered"
        elif day != still_open:
            marks[day] = "missed"
    return marks


def _excused(channel: Channel, start: date, joined: date, today: date) -> dict[date, heatmap.Mark]:
    return {s.local_date: "excused" for s in channel.skips if joined <= s.local_date <= today}


async def rubric_spokes(
    session: AsyncSession, channel: Channel, member: Member | None, rubric: Rubric
) -> list[radar.Spoke]:
    """Average received level per signal in `channel`: the member's (if given) and
    everyone's, in one statement."""
    in_channel = select(Round.id).where(Round.channel_id == channel.id)
    own = (
        func.avg(case((Feedback.reviewee_id == member.id, FeedbackScore.level)))
        if member is not None
        else literal(None)
    )
    rows = await session.execute(
        select(FeedbackScore.signal, func.avg(FeedbackScore.level), own)
        .join(Feedback, Feedback.id == FeedbackScore.feedback_id)
        .where(
            Feedback.workspace_id == channel.workspace_id,
            Feedback.round_id.in_(in_channel),
            Feedback.reviewee_id.is_not(None),
        )
        .group_by(FeedbackScore.signal)
    )
    everyone: dict[str, float] = {}
    mine: dict[str, float] = {}
    for signal, average, own_average in rows.all():
        everyone[signal] = float(average)
        if own_average is not None:
            mine[signal] = float(own_average)
    titles = {s.key: s.title for s in rubric.signals}
    return radar.spokes_for(titles, mine, everyone)


def board_bars(rows: list[leaderboard.Row]) -> list[bars.Bar]:
    return [bars.Bar(r.name, r.value) for r in rows]


async def stats_pictures(
    session: AsyncSession,
    channel: Channel | None,
    member: Member | None,
    rubric: Rubric,
    now: datetime,
) -> tuple[Picture, ...]:
    """`stats`' calendar (once the channel has had a round) and radar (once the member has
    been scored in it); nothing for a channel or member the bot has never seen."""
    if channel is None or member is None:
        return ()
    today = local_today(channel, now)
    drawing: list[asyncio.Task[Picture]] = []
    marks = await member_calendar(session, channel, member, today)
    if marks:
        # Drawn in its worker thread while the radar's numbers are read.
        calendar = draw_later(heatmap.draw, marks, today, member.display_name)
        drawing.append(asyncio.ensure_future(calendar))
    try:
        spokes = await rubric_spokes(session, channel, member, rubric)
    except BaseException:
        for task in drawing:
            task.cancel()
        raise
    if any(s.member is not None for s in spokes):
        drawing.append(asyncio.ensure_future(draw_later(radar.draw, spokes, member.display_name)))
    return tuple([await task for task in drawing])


async def board_picture(title: str, rows: list[leaderboard.Row]) -> Picture:
    """A final board's bar chart."""
    return await draw_later(bars.draw, title, board_bars(rows))
