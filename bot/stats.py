"""What a member sees about themselves and their team: stats, streaks, leaderboards, home."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, literal, select, true
from sqlalchemy.orm import joinedload

from bot import away, leaderboard, picture_data, rubric_trend, streaks
from bot.chat import Actor, Field, OutgoingMessage, Section
from bot.commands import CommandError, Parsed
from bot.echo import echo
from bot.models import (
    Answer,
    Channel,
    Feedback,
    Member,
    PointEvent,
    Round,
    Streak,
    Workspace,
)
from bot.plurals import plural
from bot.render import board_message

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.content import Rubric
    from bot.unit import Unit

BOARD_TITLES = {"points": "Points", "streak": "Current streak", "reviews": "Reviews given"}
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}
SHARE_WORDS = frozenset({"public", "share", "shared"})
"""A board asked for with a command is private unless one of these words posts it."""


def shared(parsed: Parsed) -> bool:
    return any(w.lower() in SHARE_WORDS for w in parsed.words)


async def leaderboard_message(unit: Unit, parsed: Parsed) -> OutgoingMessage:
    """Reads only: a channel the bot has never seen shows an empty board."""
    kind, period, workspace_wide = "points", "week", False
    for word in (w.lower() for w in parsed.words):
        if word in leaderboard.BOARDS:
            kind = word
        elif word in leaderboard.PERIODS:
            period = word
        elif word in ("workspace", "server", "all-channels"):
            workspace_wide = True
        elif word in SHARE_WORDS:
            continue
        else:
            raise CommandError(f"{echo(word)} is not a board, period or scope.", parsed.spec)
    channel = await unit.find_channel()
    workspace_id = await unit.find_workspace_id()
    rows: list[leaderboard.Row] = []
    if workspace_id is not None and (workspace_wide or channel is not None):
        rows = await leaderboard.board(
            unit.session,
            workspace_id,
            None if workspace_wide or channel is None else channel.id,
            kind,  # type: ignore[arg-type]
            period,  # type: ignore[arg-type]
            unit.now,
            ZoneInfo(channel.timezone if channel is not None else "UTC"),
            register=True,
        )
    scope = "workspace" if workspace_wide else "this channel"
    when = "" if kind == "streak" else f", {PERIOD_TITLES[period]}"
    title = f"Leaderboard: {BOARD_TITLES[kind]} ({scope}{when})"
    return board_message(title, rows, kind)


def _numbers(
    workspace_id: int, member_id: int, channel_id: int | ColumnElement[Any] | None
) -> list[ColumnElement[int]]:
    """A member's rounds answered, points, reviews given and received, in one channel or
    (None) everywhere, as scalar subqueries of one statement."""
    answers = select(func.count(func.distinct(Answer.round_id))).where(
        Answer.member_id == member_id, Answer.workspace_id == workspace_id
    )
    points = select(func.coalesce(func.sum(PointEvent.points), 0)).where(
        PointEvent.member_id == member_id, PointEvent.workspace_id == workspace_id
    )
    given = select(func.count(Feedback.id)).where(
        Feedback.reviewer_id == member_id, Feedback.workspace_id == workspace_id
    )
    received = select(func.count(Feedback.id)).where(
        Feedback.reviewee_id == member_id, Feedback.workspace_id == workspace_id
    )
    if channel_id is not None:
        in_channel = select(Round.id).where(Round.channel_id == channel_id)
        answers = answers.where(Answer.round_id.in_(in_channel))
        points = points.where(PointEvent.channel_id == channel_id)
        given = given.where(Feedback.round_id.in_(in_channel))
        received = received.where(Feedback.round_id.in_(in_channel))
    return [q.scalar_subquery() for q in (answers, points, given, received)]


def _channel_id(unit: Unit, workspace_id: int) -> ColumnElement[Any] | None:
    """The event's channel as a subquery (NULL for a channel the bot has never recorded), so
    looking it up costs no statement of its own."""
    if unit.where is None:
        return None
    return (
        select(Channel.id)
        .where(Channel.workspace_id == workspace_id, Channel.external_id == unit.where.channel_id)
        .scalar_subquery()
    )


STREAK_COLUMNS = ("current", "longest", "freezes", "freezes_used", "last_seq")


def _streak_columns(member_id: int, channel_id: int | ColumnElement[Any] | None) -> list[Any]:
    """The member's streak in the channel and the channel's latest posted round, as
    scalar subqueries of one statement."""
    if channel_id is None:
        return [literal(None)] * (len(STREAK_COLUMNS) + 1)
    mine = (Streak.channel_id == channel_id) & (Streak.member_id == member_id)
    columns: list[Any] = [
        select(getattr(Streak, c)).where(mine).scalar_subquery() for c in STREAK_COLUMNS
    ]
    return [*columns, leaderboard.latest_posted_seq(channel_id)]


def _streak_state(values: Sequence[Any]) -> streaks.StreakState:
    *stored, latest = values
    if stored[0] is None:
        return streaks.StreakState()
    return streaks.shown(streaks.StreakState(*stored), latest)


async def _channel_and_member(unit: Unit) -> tuple[Channel | None, Member | None]:
    """The event's channel (with its skipped days) and member, in one statement; None for
    what the bot has never recorded (nothing is)."""
    actor = _actor(unit)
    platform, workspace = (
        (unit.where.platform, unit.where.workspace_id)
        if unit.where is not None
        else (actor.user.platform, actor.user.workspace_id)
    )
    outerjoin_on = (Member.workspace_id == Workspace.id) & (
        Member.external_id == actor.user.user_id
    )
    query = select(Member).select_from(Workspace).outerjoin(Member, outerjoin_on)
    if unit.where is not None:
        query = (
            query.add_columns(Channel)
            .outerjoin(
                Channel,
                (Channel.workspace_id == Workspace.id)
                & (Channel.external_id == unit.where.channel_id),
            )
            .options(joinedload(Channel.skips))
        )
    row = (
        (
            await unit.session.execute(
                query.where(Workspace.platform == platform, Workspace.external_id == workspace)
            )
        )
        .unique()
        .first()
    )
    if row is None:
        return None, None
    member = row[0]
    return (row[1] if unit.where is not None else None), member


async def _figures(
    session: AsyncSession, channel: Channel | None, member: Member | None
) -> tuple[dict[str, int], dict[str, int], streaks.StreakState]:
    """Numbers here, numbers everywhere and the streak here, in one statement; all zero
    for someone the bot has never seen."""
    if member is None:
        zeros = dict.fromkeys(NUMBER_KEYS, 0)
        return zeros, dict(zeros), streaks.StreakState()
    channel_id = channel.id if channel is not None else None
    here: list[Any] = (
        _numbers(member.workspace_id, member.id, channel_id)
        if channel_id is not None
        else [literal(0)] * len(NUMBER_KEYS)
    )
    total = _numbers(member.workspace_id, member.id, None)
    row = (
        await session.execute(select(*here, *total, *_streak_columns(member.id, channel_id)))
    ).one()
    n = len(NUMBER_KEYS)
    return (
        {k: int(v or 0) for k, v in zip(NUMBER_KEYS, row[:n], strict=True)},
        {k: int(v or 0) for k, v in zip(NUMBER_KEYS, row[n : 2 * n], strict=True)},
        _streak_state(row[2 * n :]),
    )


NUMBER_KEYS = ("rounds", "points", "given", "received")


async def stats_message(unit: Unit) -> OutgoingMessage:
    """Reads only: a member or channel the bot has never seen has all zeros. Five
    statements: the channel and member, the figures, the levels received (their averages
    and trend), and the pictures' radar and calendar."""
    actor, rubric = _actor(unit), unit.content.framework.rubric
    channel, member = await _channel_and_member(unit)
    here, total, streak = await _figures(unit.session, channel, member)
    received = (
        await rubric_trend.levels_received(unit.session, member.id) if member is not None else {}
    )
    avg = _average_scores(rubric, received)
    opted_out = member is not None and member.opted_out
    fields = (
        Field("Points here / everywhere", f"{here['points']} / {total['points']}"),
        Field("Rounds answered here", str(here["rounds"])),
        Field("Streak", f"{streak.current} (longest {streak.longest})"),
        Field("Freezes banked", str(streak.freezes)),
        Field("Feedback given / received", f"{here['given']} / {here['received']}"),
    )
    sections = [Section(fields=fields)]
    if avg:
        sections.append(Section(heading="Average rubric scores received (1-4)", text=avg))
    trend = rubric_trend.section_for(rubric, received)
    if trend is not None:
        sections.append(trend)
    if opted_out:
        sections.append(Section(text="You are opted out of leaderboards (/kata optin to return)."))
    pictures = await picture_data.stats_pictures(unit.session, channel, member, rubric, unit.now)
    return OutgoingMessage(
        title=f"Stats for {actor.display_name}", sections=tuple(sections), pictures=pictures
    )


def _actor(unit: Unit) -> Actor:
    if unit.actor is None:
        raise ValueError("stats are asked for by a member")
    return unit.actor


def _average_scores(rubric: Rubric, received: dict[str, list[int]]) -> str:
    lines = []
    for signal in rubric.signals:
        levels = received.get(signal.key)
        if levels:
            lines.append(f"{signal.title}: {sum(levels) / len(levels):.1f} ({len(levels)})")
    return "\n".join(lines)


async def streak_message(unit: Unit) -> OutgoingMessage:
    """Reads only, like `stats_message`."""
    member = await unit.find_member()
    streak = streaks.StreakState()
    away_note: str | None = None
    if member is not None:
        channel_id = _channel_id(unit, member.workspace_id)
        columns = _streak_columns(member.id, channel_id)
        row = (
            await unit.session.execute(
                select(*columns, *away.note_columns(member.id, channel_id, unit.now))
            )
        ).one()
        streak = _streak_state(row[: len(columns)])
        away_note = away.note(row[len(columns) :], unit.now)
    until = streaks.FREEZE_EVERY - streak.current % streaks.FREEZE_EVERY
    text = (
        f"Current streak: {plural(streak.current, 'round')} in a row. "
        f"Longest: {plural(streak.longest, 'round')}.\n"
        f"Freezes banked: {streak.freezes} of {streaks.MAX_FREEZES} "
        f"(used so far: {streak.freezes_used}). "
    )
    if streak.freezes < streaks.MAX_FREEZES:
        text += f"Answer {plural(until, 'more round', 'more rounds')} in a row to earn a freeze."
    text += "\nA freeze covers one missed round by itself; days without a round never count."
    if away_note is not None:
        text += "\n" + away_note
    return OutgoingMessage(title="Your streak", sections=(Section(text=text),))


RECENT_ROUNDS = 5
HOME_BOARD_SIZE = 5


async def home_message(unit: Unit) -> OutgoingMessage:
    """Everything about a member across their own channels (Slack's App Home): the
    configured channels where they have answered. Five statements, however many channels
    the workspace or the member has."""
    actor, session = _actor(unit), unit.session
    member = await unit.ensure_member()  # first: finds the workspace with the member
    ws_id = await unit.ensure_workspace_id()
    total, channels = await _home_channels(session, ws_id, member)
    sections = [
        Section(
            fields=(
                Field("Points", str(total["points"])),
                Field("Rounds answered", str(total["rounds"])),
                Field("Feedback given / received", f"{total['given']} / {total['received']}"),
            )
        )
    ]
    recent = await _recent_rounds(session, member.id, [c.id for c in channels])
    boards = await leaderboard.weekly_points_by_channel(
        session, ws_id, [(c.id, ZoneInfo(c.timezone)) for c in channels], unit.now, HOME_BOARD_SIZE
    )
    for channel in channels:
        lines = [
            f"{'answered' if answered else 'missed'}: #{seq} {day:%a %d %b}, {title}"
            for seq, day, title, answered in recent.get(channel.id, [])
        ]
        board = (
            "\n".join(f"{r.rank}. {r.name}: {plural(r.value, 'pt')}" for r in boards[channel.id])
            or "No points yet."
        )
        streak = channel.streak
        sections.append(
            Section(
                heading=f"#{channel.name}" if channel.name else f"Channel {channel.external_id}",
                text=(
                    f"Streak {streak.current} (longest {streak.longest}), "
                    f"freezes {streak.freezes}\n"
                    + ("Recent rounds:\n" + "\n".join(lines) if lines else "No rounds yet.")
                    + "\nThis week's points:\n"
                    + board
                ),
            )
        )
    if not channels:
        sections.append(Section(text=NO_CHANNEL if not total["any_channel"] else NOT_YET))
    return OutgoingMessage(title=f"Design Kata: {actor.display_name}", sections=tuple(sections))


NO_CHANNEL = "No practice channel yet: invite the bot and run /kata setup there."
NOT_YET = "No practice channel of yours yet: answer a round and its channel shows up here."


@dataclass(frozen=True)
class HomeChannel:
    id: int
    name: str | None
    external_id: str
    timezone: str
    streak: streaks.StreakState


async def _home_channels(
    session: AsyncSession, workspace_id: int, member: Member
) -> tuple[dict[str, int], list[HomeChannel]]:
    """The member's numbers everywhere, whether the workspace has a practice channel at all,
    and the configured channels where the member has answered, each with their streak
    there: one statement."""
    any_channel = exists().where(Channel.workspace_id == workspace_id, Channel.configured)
    totals = select(
        *(
            n.label(k)
            for k, n in zip(NUMBER_KEYS, _numbers(workspace_id, member.id, None), strict=True)
        ),
        any_channel.label("any_channel"),
    ).subquery()
    latest = leaderboard.latest_posted_seq(Channel.id)
    mine = (
        select(
            Channel.id,
            Channel.name,
            Channel.external_id,
            Channel.timezone,
            *(getattr(Streak, c) for c in STREAK_COLUMNS),
            latest.label("latest"),
        )
        .join(Streak, (Streak.channel_id == Channel.id) & (Streak.member_id == member.id))
        .where(Channel.workspace_id == workspace_id, Channel.configured)
        .subquery()
    )
    rows = (
        await session.execute(
            select(totals, mine).select_from(totals.outerjoin(mine, true())).order_by(mine.c.id)
        )
    ).all()
    figures = {k: int(getattr(rows[0], k) or 0) for k in (*NUMBER_KEYS, "any_channel")}
    channels = [
        HomeChannel(
            r.id,
            r.name,
            r.external_id,
            r.timezone,
            _streak_state([getattr(r, c) for c in (*STREAK_COLUMNS, "latest")]),
        )
        for r in rows
        if r.id is not None
    ]
    return figures, channels


async def _recent_rounds(
    session: AsyncSession, member_id: int, channel_ids: list[int]
) -> dict[int, list[tuple[int, date, str, bool]]]:
    """The last posted rounds of each channel (seq, date, title, answered by the member),
    newest first: one statement."""
    found: dict[int, list[tuple[int, date, str, bool]]] = {}
    if not channel_ids:
        return found
    newest_first = (
        func.row_number()
        .over(partition_by=Round.channel_id, order_by=Round.seq.desc())
        .label("position")
    )
    posted = (
        select(Round.id, Round.channel_id, Round.seq, Round.local_date, Round.prompt_title)
        .add_columns(newest_first)
        .where(Round.channel_id.in_(channel_ids), Round.thread_id.is_not(None))
        .subquery()
    )
    answered = exists().where(Answer.round_id == posted.c.id, Answer.member_id == member_id)
    rows = await session.execute(
        select(
            posted.c.channel_id,
            posted.c.seq,
            posted.c.local_date,
            posted.c.prompt_title,
            answered,
        )
        .where(posted.c.position <= RECENT_ROUNDS)
        .order_by(posted.c.channel_id, posted.c.position)
    )
    for channel_id, seq, day, title, was_answered in rows.all():
        found.setdefault(channel_id, []).append((seq, day, title, bool(was_answered)))
    return found
