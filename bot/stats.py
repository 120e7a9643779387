"""What a member sees about themselves and their team: stats, streaks, leaderboards, home."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import leaderboard, picture_data, rubric_scores, streaks
from bot.chat import Actor, Field, OutgoingMessage, Section
from bot.commands import CommandError, Parsed
from bot.echo import echo
from bot.models import Answer, Channel, Feedback, Member, PointEvent, Round, Streak
from bot.plurals import plural
from bot.render import board_message
from bot.rubric_trend import trend_section

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

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
        )
    scope = "workspace" if workspace_wide else "this channel"
    when = "" if kind == "streak" else f", {PERIOD_TITLES[period]}"
    title = f"Leaderboard: {BOARD_TITLES[kind]} ({scope}{when})"
    return board_message(title, rows, kind)


async def _member_numbers(
    session: AsyncSession, member: Member | None, channel_id: int | None
) -> dict[str, int]:
    """A member's rounds, points and reviews, in one channel or (None) everywhere; all zero
    for someone the bot has never seen."""
    if member is None:
        return dict.fromkeys(("rounds", "points", "given", "received"), 0)
    workspace_id, member_id = member.workspace_id, member.id
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
    return {
        "rounds": int(await session.scalar(answers) or 0),
        "points": int(await session.scalar(points) or 0),
        "given": int(await session.scalar(given) or 0),
        "received": int(await session.scalar(received) or 0),
    }


async def _streak(
    session: AsyncSession, channel_id: int | None, member_id: int | None
) -> streaks.StreakState:
    if channel_id is None or member_id is None:
        return streaks.StreakState()
    row = await session.scalar(
        select(Streak).where(Streak.channel_id == channel_id, Streak.member_id == member_id)
    )
    return streaks.shown(streaks.state_of(row), await streaks.latest_seq(session, channel_id))


async def stats_message(unit: Unit) -> OutgoingMessage:
    """Reads only: a member or channel the bot has never seen has all zeros."""
    session, actor = unit.session, _actor(unit)
    channel, member = await unit.find_channel(), await unit.find_member()
    member_id = member.id if member is not None else None
    channel_id = channel.id if channel is not None else None
    here = await _member_numbers(session, member if channel else None, channel_id)
    total = await _member_numbers(session, member, None)
    streak = await _streak(session, channel_id, member_id)
    avg = await _average_scores(unit, member_id) if member_id is not None else ""
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
    trend = await trend_section(session, unit.content.framework.rubric, member_id)
    if trend is not None:
        sections.append(trend)
    if opted_out:
        sections.append(Section(text="You are opted out of leaderboards (/kata optin to return)."))
    pictures = await picture_data.stats_pictures(
        session, channel, member, unit.content.framework.rubric, unit.now
    )
    return OutgoingMessage(
        title=f"Stats for {actor.display_name}", sections=tuple(sections), pictures=pictures
    )


def _actor(unit: Unit) -> Actor:
    if unit.actor is None:
        raise ValueError("stats are asked for by a member")
    return unit.actor


async def _average_scores(unit: Unit, member_id: int) -> str:
    found = {
        s: (avg, n)
        for s, avg, n in await unit.session.execute(rubric_scores.averages_received(member_id))
    }
    lines = []
    for signal in unit.content.framework.rubric.signals:
        if signal.key in found:
            average, count = found[signal.key]
            lines.append(f"{signal.title}: {float(average):.1f} ({count})")
    return "\n".join(lines)


async def streak_message(unit: Unit) -> OutgoingMessage:
    """Reads only, like `stats_message`."""
    channel, member = await unit.find_channel(), await unit.find_member()
    streak = await _streak(
        unit.session,
        channel.id if channel is not None else None,
        member.id if member is not None else None,
    )
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
    return OutgoingMessage(title="Your streak", sections=(Section(text=text),))


async def home_message(unit: Unit) -> OutgoingMessage:
    """Everything about a member across the workspace's channels (Slack's App Home)."""
    actor, now, session = _actor(unit), unit.now, unit.session
    sections: list[Section] = []
    ws_id = await unit.ensure_workspace_id()
    member = await unit.ensure_member()
    channels = (
        await session.scalars(
            select(Channel).where(Channel.workspace_id == ws_id, Channel.configured)
        )
    ).all()
    total = await _member_numbers(session, member, None)
    sections.append(
        Section(
            fields=(
                Field("Points", str(total["points"])),
                Field("Rounds answered", str(total["rounds"])),
                Field("Feedback given / received", f"{total['given']} / {total['received']}"),
            )
        )
    )
    for channel in channels:
        streak = await _streak(session, channel.id, member.id)
        recent = (
            await session.scalars(
                select(Round)
                .where(Round.channel_id == channel.id, Round.thread_id.is_not(None))
                .order_by(Round.seq.desc())
                .limit(5)
            )
        ).all()
        answered = set(
            (
                await session.scalars(
                    select(Answer.round_id).where(
                        Answer.member_id == member.id,
                        Answer.round_id.in_([r.id for r in recent]),
                    )
                )
            ).all()
        )
        lines = [
            f"{'answered' if r.id in answered else 'missed'}: #{r.seq} "
            f"{r.local_date:%a %d %b}, {r.prompt_title}"
            for r in recent
        ]
        rows = await leaderboard.board(
            session, ws_id, channel.id, "points", "week", now, ZoneInfo(channel.timezone), 5
        )
        board = (
            "\n".join(f"{r.rank}. {r.name}: {plural(r.value, 'pt')}" for r in rows)
            or "No points yet."
        )
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
        sections.append(
            Section(text="No practice channel yet: invite the bot and run /kata setup there.")
        )
    return OutgoingMessage(title=f"Design Kata: {actor.display_name}", sections=tuple(sections))
