"""Away days: `away 3d`, `away 1w`, `away until 2026-12-24`, `back`.

A member away is away in every channel of their workspace. Periods are local dates, read in
the time zone of the channel the command came from, and compared with each round's own local
date, so daylight-saving changes never move a day in or out. A round that falls on an away day
neither counts for nor breaks the member's streak, and sends them no nudge; it is settled when
the next round opens (`excuse_round`), so an answer given anyway still counts as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, literal, select, update

from bot.chat import OutgoingMessage, text_message
from bot.commands import CommandError, Invocation
from bot.durations import parse_duration
from bot.echo import echo
from bot.models import AwayPeriod, Channel, Member, Streak
from bot.plurals import plural
from bot.schedule import Schedule

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit

LONGEST = timedelta(days=365)


def parse_end(words: list[str], today: date) -> date:
    """The last away day (inclusive) that `3d`, `1w`, `2 weeks`, `until 2026-12-24` or
    `2026-12-24` names, counted from `today`; a friendly `CommandError` otherwise."""
    text = " ".join(words).strip().lower()
    if text.startswith("until "):
        text = text.removeprefix("until ").strip()
    if not text:
        raise CommandError("Say for how long: away 3d, away 1w or away until 2026-12-24.")
    span = parse_duration(text)
    if span is not None and span % timedelta(days=1) == timedelta(0):
        days = span.days
        if days < 1:
            raise CommandError("Away for at least one day: away 1d is today only.")
        end = today + timedelta(days=days - 1)
    else:
        try:
            end = date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"{echo(text)} is not a length or a date; try away 3d, away 1w or "
                "away until 2026-12-24."
            ) from None
        if end < today:
            raise CommandError(f"{end:%a %d %b %Y} has passed; today is {today:%a %d %b %Y}.")
    if end - today >= LONGEST:
        raise CommandError("Away for at most a year; say back whenever you return.")
    return end


def today_of(channel: Channel | None, now: datetime) -> date:
    """Today in the channel's time zone (UTC where the channel has no schedule)."""
    if channel is None or not channel.configured:
        return now.date()
    return Schedule(channel.post_time, channel.timezone, channel.weekdays).local_date(now)


async def current(session: AsyncSession, member_id: int, today: date) -> AwayPeriod | None:
    """The member's away period that covers `today` or starts later, if any."""
    return await session.scalar(
        select(AwayPeriod)
        .where(AwayPeriod.member_id == member_id, AwayPeriod.ends_on >= today)
        .order_by(AwayPeriod.starts_on)
        .limit(1)
    )


async def away_until(session: AsyncSession, member_id: int, today: date) -> date | None:
    """The last away day of the member's current period, None when they are not away."""
    period = await current(session, member_id, today)
    if period is None or period.starts_on > today:
        return None
    return period.ends_on


def note_columns(member_id: int, channel_id: Any, now: datetime) -> list[Any]:
    """The member's latest away period near today and the channel's time zone, as scalar
    subqueries to add to a statement the caller runs anyway (`note` reads them)."""
    utc = now.date()
    period = (
        select(AwayPeriod)
        .where(
            AwayPeriod.member_id == member_id,
            AwayPeriod.ends_on >= utc - timedelta(days=1),
            AwayPeriod.starts_on <= utc + timedelta(days=1),
        )
        .order_by(AwayPeriod.ends_on.desc())
        .limit(1)
        .subquery()
    )
    zone = (
        select(Channel.timezone).where(Channel.id == channel_id).scalar_subquery()
        if channel_id is not None
        else literal(None)
    )
    return [
        select(period.c.starts_on).scalar_subquery(),
        select(period.c.ends_on).scalar_subquery(),
        zone,
    ]


def note(values: Sequence[Any], now: datetime) -> str | None:
    """ "You are away through …" when the `note_columns` say so, else None."""
    starts, ends, zone = values
    if starts is None or ends is None:
        return None
    today = now.astimezone(ZoneInfo(zone or "UTC")).date()
    if not starts <= today <= ends:
        return None
    return f"You are {until_text(ends)}; /kata back ends it early."


def until_text(end: date) -> str:
    return f"away through {end:%a %d %b %Y} (back {end + timedelta(days=1):%a %d %b})"


async def away(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`away <length or date>` sets the member's away period from today; `away` alone says
    whether they are away."""
    member = await unit.ensure_member()
    today = today_of(await unit.find_channel(), unit.now)
    words = inv.parsed.words
    if not words:
        end = await away_until(unit.session, member.id, today)
        if end is None:
            raise CommandError("You are not away. Try away 3d, away 1w or away until a date.")
        return text_message(f"You are {until_text(end)}; /kata back ends it early.")
    end = parse_end(words, today)
    await unit.session.execute(
        delete(AwayPeriod).where(AwayPeriod.member_id == member.id, AwayPeriod.ends_on >= today)
    )
    unit.session.add(
        AwayPeriod(
            workspace_id=member.workspace_id,
            member_id=member.id,
            starts_on=today,
            ends_on=end,
            created_at=unit.now,
        )
    )
    days = (end - today).days + 1
    return text_message(
        f"You are {until_text(end)}, {plural(days, 'day')} in every channel here: rounds on "
        "those days don't break your streak or earn anything, and no reminders come. "
        "/kata back ends it early."
    )


async def back(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """End the current away period: today's round counts again."""
    member = await unit.find_member()
    today = today_of(await unit.find_channel(), unit.now)
    period = await current(unit.session, member.id, today) if member is not None else None
    if member is None or period is None:
        return text_message("You are not away: nothing to end.")
    await unit.session.execute(
        delete(AwayPeriod).where(AwayPeriod.member_id == member.id, AwayPeriod.starts_on >= today)
    )
    await unit.session.execute(
        update(AwayPeriod)
        .where(AwayPeriod.member_id == member.id, AwayPeriod.ends_on >= today)
        .values(ends_on=today - timedelta(days=1))
    )
    return text_message("Welcome back: today's round counts for your streak again.")


async def excuse_round(
    session: AsyncSession, workspace_id: int, channel_id: int, seq: int, day: date
) -> None:
    """Round `seq` of `day` has closed: for members away that day who did not answer it,
    `bot.streaks.excuse` in one statement (the streak carries on from it, earlier misses
    settled with freezes). A streak already broken is left alone."""
    missed = seq - 1 - Streak.last_seq
    await session.execute(
        update(Streak)
        .where(
            Streak.channel_id == channel_id,
            Streak.last_seq < seq,
            Streak.last_seq >= seq - 1 - Streak.freezes,
            Streak.member_id.in_(away_members(workspace_id, day)),
        )
        .values(
            freezes=Streak.freezes - missed,
            freezes_used=Streak.freezes_used + missed,
            last_seq=seq,
        )
        .execution_options(synchronize_session=False)
    )


def away_members(workspace_id: int, day: date) -> Select[tuple[int]]:
    """Members away on `day`, as a subquery."""
    return select(AwayPeriod.member_id).where(
        AwayPeriod.workspace_id == workspace_id,
        AwayPeriod.starts_on <= day,
        AwayPeriod.ends_on >= day,
    )


async def periods_of(session: AsyncSession, member: Member) -> list[AwayPeriod]:
    """Every away period of the member, oldest first (the export)."""
    return list(
        (
            await session.scalars(
                select(AwayPeriod)
                .where(
                    AwayPeriod.member_id == member.id,
                    AwayPeriod.workspace_id == member.workspace_id,
                )
                .order_by(AwayPeriod.starts_on)
            )
        ).all()
    )
