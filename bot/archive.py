"""`archive [page]`: the channel's past rounds (prompt, date, who answered, best answer), and
`archive boards [page]`: the final points boards of its past weeks and months, newest first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot import leaderboard
from bot.best_answer import OFF_BOARDS
from bot.chat import OutgoingMessage, Section, text_message
from bot.commands import CommandError, Invocation
from bot.echo import echo
from bot.kinds import PointKind
from bot.models import Answer, Member, PointEvent, Round
from bot.plurals import plural
from bot.render import champion_text
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.models import Channel
    from bot.unit import Unit

PAGE = re.compile(r"[1-9][0-9]{0,5}")
ROUNDS_PER_PAGE = 10
PERIODS_PER_PAGE = 4
BOARD_ROWS = 3


async def archive(unit: Unit, inv: Invocation) -> OutgoingMessage:
    words = inv.parsed.words
    boards = bool(words) and words[0].lower() == "boards"
    rest = words[1:] if boards else words
    if len(rest) > 1 or (rest and not PAGE.fullmatch(rest[0])):
        raise CommandError(
            f"{echo(' '.join(rest))} is not a page number (1, 2, ...).", inv.parsed.spec
        )
    page = int(rest[0]) if rest else 1
    channel = await unit.find_channel()
    if channel is None:
        return text_message("This channel has no rounds yet.")
    if boards:
        return await _boards(unit, channel, page)
    return await _rounds(unit, channel, page)


async def _rounds(unit: Unit, channel: Channel, page: int) -> OutgoingMessage:
    session = unit.session
    past = (Round.channel_id == channel.id, Round.wrapped_up_at.is_not(None))
    total = await session.scalar(select(func.count()).select_from(Round).where(*past)) or 0
    if total == 0:
        return text_message("No round here has wrapped up yet; the archive starts after the first.")
    pages = -(-total // ROUNDS_PER_PAGE)
    if page > pages:
        return text_message(
            f"The archive has {plural(pages, 'page')} of rounds; try /kata archive 1."
        )
    answered = (
        select(Answer.round_id, func.count(func.distinct(Answer.member_id)).label("members"))
        .group_by(Answer.round_id)
        .subquery()
    )
    rows = (
        (
            await session.execute(
                select(
                    Round.id, Round.seq, Round.local_date, Round.prompt_title, answered.c.members
                )
                .outerjoin(answered, answered.c.round_id == Round.id)
                .where(*past)
                .order_by(Round.seq.desc())
                .offset((page - 1) * ROUNDS_PER_PAGE)
                .limit(ROUNDS_PER_PAGE)
            )
        )
        .tuples()
        .all()
    )
    best = {
        round_id: OFF_BOARDS if opted_out else name
        for round_id, name, opted_out in await session.execute(
            select(PointEvent.round_id, Member.display_name, Member.opted_out)
            .join(Member, Member.id == PointEvent.member_id)
            .where(PointEvent.round_id.in_([r[0] for r in rows]), PointEvent.kind == PointKind.BEST)
        )
    }
    lines = []
    for round_id, seq, day, title, members in rows:
        who = plural(members or 0, "member") + " answered"
        top = f"; best answer: {best[round_id]}" if round_id in best else ""
        lines.append(f"#{seq} {day:%a %d %b %Y}: {title} ({who}{top})")
    return OutgoingMessage(
        title=f"Past rounds here (page {page} of {pages})",
        sections=(Section(text="\n".join(lines)),),
        footer=_footer("archive", page, pages, "/kata archive boards: past weeks' final boards."),
    )


async def _boards(unit: Unit, channel: Channel, page: int) -> OutgoingMessage:
    session = unit.session
    zone = schedule_of(channel).zone
    today = schedule_of(channel).local_date(unit.now)
    days = (
        await session.scalars(
            select(Round.local_date)
            .where(Round.channel_id == channel.id, Round.posted_at.is_not(None))
            .distinct()
        )
    ).all()
    periods = _closed_periods(days, today)
    if not periods:
        return text_message("No week or month has closed here yet; its final board comes then.")
    pages = -(-len(periods) // PERIODS_PER_PAGE)
    if page > pages:
        return text_message(
            f"The archive has {plural(pages, 'page')} of boards; try /kata archive boards 1."
        )
    sections = []
    for period, start, title in periods[(page - 1) * PERIODS_PER_PAGE :][:PERIODS_PER_PAGE]:
        rows = await leaderboard.board(
            session,
            channel.workspace_id,
            channel.id,
            "points",
            period,
            _inside(start, zone),
            zone,
            BOARD_ROWS,
        )
        if rows:
            listed = "\n".join(f"{r.rank}. {r.name}: {plural(r.value, 'pt')}" for r in rows)
            text = f"{champion_text(period, rows)}\n{listed}"
        else:
            text = "Nobody on the board."
        sections.append(Section(heading=title, text=text))
    return OutgoingMessage(
        title=f"Final boards of past weeks and months (page {page} of {pages})",
        sections=tuple(sections),
        footer=_footer("archive boards", page, pages, "/kata archive: past rounds."),
    )


def _closed_periods(
    days: Sequence[date], today: date
) -> list[tuple[leaderboard.Period, date, str]]:
    """Each week and month with a round that ended before `today`, newest end first."""
    this_week = today - timedelta(days=today.weekday())
    this_month = today.replace(day=1)
    found: dict[tuple[leaderboard.Period, date], tuple[date, str]] = {}
    for day in days:
        week = day - timedelta(days=day.weekday())
        if week < this_week:
            found["week", week] = (week + timedelta(days=7), f"Week of {week:%a %d %b %Y}")
        month = day.replace(day=1)
        if month < this_month:
            end = (month + timedelta(days=32)).replace(day=1)
            found["month", month] = (end, f"{month:%B %Y}")
    ordered = sorted(found.items(), key=lambda kv: (kv[1][0], kv[0][0] == "month"), reverse=True)
    return [(period, start, title) for (period, start), (_, title) in ordered]


def _inside(day: date, zone: ZoneInfo) -> datetime:
    """Noon on the period's first day: a moment inside it in the channel's time zone."""
    return datetime.combine(day, time(12), tzinfo=zone)


def _footer(command: str, page: int, pages: int, also: str) -> str:
    more = f"Next: /kata {command} {page + 1}. " if page < pages else ""
    return more + also
