"""Leaderboards by points, current streak and reviews given.

Periods are calendar periods in the channel's time zone (a week starts on Monday); the scope
is the channel or the whole workspace. Members who opted out are never listed.

Each board is one statement: the database sums, ranks (competition ranking, 1, 2, 2, 4) and
cuts to the limit, so a board costs the same whether the workspace has ten members or a
hundred thousand. Ties are listed by case-folded name (`Member.name_key`) in code-point
order on both databases, then by member id. Workspace boards read rollups the database keeps:
all time `board_totals`, a week or month `board_period_totals` once its zone's period is
registered (`bot.board_periods`; the first ask from the `leaderboard` command does it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Subquery,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot import board_periods
from bot.models import (
    BoardDay,
    BoardPeriodTotal,
    BoardTotal,
    Channel,
    Feedback,
    Member,
    PointEvent,
    Round,
    Streak,
)
from bot.streaks import MAX_FREEZES

Board = Literal["points", "streak", "reviews"]
Period = Literal["week", "month", "all"]
BOARDS: tuple[Board, ...] = ("points", "streak", "reviews")
PERIODS: tuple[Period, ...] = ("week", "month", "all")
KEPT_PERIODS: tuple[Period, ...] = ("week", "month")
"""The periods a workspace board keeps a rollup of (`bot.board_periods`)."""


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


def name_order(session: AsyncSession) -> ColumnElement[str]:
    """Members' names compared by code point, as Python compares strings: PostgreSQL would
    otherwise use the database's locale."""
    dialect = session.get_bind().dialect.name
    return Member.name_key.collate("C" if dialect == "postgresql" else "BINARY")


def points_totals(
    workspace_id: int, channel_id: int | None, start: datetime | None, end: datetime | None
) -> Select[Any]:
    """(member_id, value): points per member in the scope and period."""
    query = (
        select(PointEvent.member_id.label("member_id"), func.sum(PointEvent.points).label("value"))
        .where(PointEvent.workspace_id == workspace_id)
        .group_by(PointEvent.member_id)
    )
    if channel_id is not None:
        query = query.where(PointEvent.channel_id == channel_id)
    if start is not None and end is not None:
        query = query.where(PointEvent.created_at >= start, PointEvent.created_at < end)
    return query


def review_totals(
    workspace_id: int, channel_id: int | None, start: datetime | None, end: datetime | None
) -> Select[Any]:
    """(member_id, value): reviews given per member in the scope and period."""
    query = (
        select(Feedback.reviewer_id.label("member_id"), func.count().label("value"))
        .where(Feedback.workspace_id == workspace_id)
        .group_by(Feedback.reviewer_id)
    )
    if channel_id is not None:
        query = query.where(
            Feedback.round_id.in_(select(Round.id).where(Round.channel_id == channel_id))
        )
    if start is not None and end is not None:
        query = query.where(Feedback.created_at >= start, Feedback.created_at < end)
    return query


def by_days(workspace_id: int, kind: Board, start: datetime, end: datetime) -> Select[Any]:
    """(member_id, value) over a workspace period from `board_days` (kept by triggers): the
    whole UTC days inside the period a row per member and day, the part-days at its edges
    (periods follow the channel's zone) from the events themselves. SQLite only: there it
    reads a quarter of the rows and takes half the time (bench.boards); PostgreSQL
    misjudges the groups of the union and is faster hashing the covering index alone."""
    first_day = (start + timedelta(days=1) - timedelta(microseconds=1)).date()
    last_day = end.date()
    whole_from = datetime.combine(first_day, time(0), tzinfo=UTC)
    whole_to = datetime.combine(last_day, time(0), tzinfo=UTC)
    if first_day >= last_day:  # shorter than a day: no whole day inside
        first_day = last_day
        whole_from = whole_to = end
    days_value = BoardDay.points if kind == "points" else BoardDay.reviews
    parts: list[Select[Any]] = [
        select(BoardDay.member_id.label("member_id"), days_value.label("value")).where(
            BoardDay.workspace_id == workspace_id,
            BoardDay.day >= first_day,
            BoardDay.day < last_day,
        )
    ]
    for edge_from, edge_to in ((start, min(whole_from, end)), (max(whole_to, start), end)):
        if edge_from >= edge_to:
            continue
        if kind == "points":
            parts.append(
                select(PointEvent.member_id, PointEvent.points).where(
                    PointEvent.workspace_id == workspace_id,
                    PointEvent.created_at >= edge_from,
                    PointEvent.created_at < edge_to,
                )
            )
        else:
            parts.append(
                select(Feedback.reviewer_id, literal(1)).where(
                    Feedback.workspace_id == workspace_id,
                    Feedback.created_at >= edge_from,
                    Feedback.created_at < edge_to,
                )
            )
    rows = union_all(*parts).subquery()
    return select(rows.c.member_id, func.sum(rows.c.value).label("value")).group_by(
        rows.c.member_id
    )


def latest_posted_seq(channel_id: Any) -> ScalarSelect[Any]:
    """The channel's latest posted round number (`streaks.latest_seq`) as a subquery: the
    newest rounds first along the `(channel_id, seq)` index, so one probe finds it (written
    as max(), SQLite may pick the `(channel_id, local_date)` index and read every round)."""
    query = (
        select(Round.seq)
        .where(Round.channel_id == channel_id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
    )
    if not isinstance(channel_id, int):
        query = query.correlate(Channel)
    return query.scalar_subquery()


def latest_seqs(workspace_id: int, channel_id: int | None) -> Select[Any]:
    """(channel_id, latest): each channel's latest posted round, one index probe a channel."""
    latest = latest_posted_seq(Channel.id)
    query = select(Channel.id.label("channel_id"), latest.label("latest")).where(
        Channel.workspace_id == workspace_id
    )
    if channel_id is not None:
        query = query.where(Channel.id == channel_id)
    return query


def shown_current(latest: ColumnElement[Any]) -> ColumnElement[int]:
    """`streaks.shown(...).current` in SQL: zero once the misses before the open round
    outnumber the freezes."""
    return case(
        (Streak.last_seq.is_(None) | latest.is_(None), Streak.current),
        (latest - 1 - Streak.last_seq > Streak.freezes, 0),
        else_=Streak.current,
    )


def streak_totals(workspace_id: int, channel_id: int | None) -> Select[Any]:
    """(member_id, value): current streaks as members see them; workspace-wide, a member's
    best channel counts. Only rows that answered one of the last `MAX_FREEZES + 1` rounds
    before the open one can show a streak, so only those are read (a row without a
    `last_seq` has never counted a round and holds 0). The latest rounds are materialized
    first: inlined, both databases would look them up again for every streak row."""
    latest = latest_seqs(workspace_id, channel_id).cte("latest").prefix_with("MATERIALIZED")
    recent_enough = Streak.last_seq >= func.coalesce(latest.c.latest, 0) - 1 - MAX_FREEZES
    return (
        select(Streak.member_id.label("member_id"), func.max(shown_current(latest.c.latest)))
        .join(latest, (Streak.channel_id == latest.c.channel_id) & recent_enough)
        .group_by(Streak.member_id)
    )


STREAK_PREFIX_PER_ROW = 3
"""The workspace streak board first reads this many showing streak rows per board row,
longest first, to find how short a leader's streak can be (`_streak_board_in_workspace`)."""


def _alive_streaks(workspace_id: int, at_least: int) -> Select[Any]:
    """(member_id, current) of the workspace's streak rows of visible members that still
    show (`shown_current` > 0, where it equals `current`), longest first along the
    `(workspace_id, current)` index. Each row's channel's latest round and its member's
    opt-out are probes of one row each, written once in the filter so that both databases
    stop reading at the limit: as a join or EXISTS, PostgreSQL hashes every member first;
    filtered in an outer query, SQLite sorts every row again."""
    latest = (
        select(Round.seq)
        .where(Round.channel_id == Streak.channel_id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
        .correlate(Streak)
        .scalar_subquery()
    )
    opted_out = (
        select(Member.opted_out)
        .where(Member.id == Streak.member_id, Member.workspace_id == workspace_id)
        .correlate(Streak)
        .scalar_subquery()
    )
    # `shown_current` > 0 with `latest` written once: NULL (no round yet, or no streak
    # counted) leaves the streak showing.
    in_time = func.coalesce(latest - 1 - Streak.last_seq <= Streak.freezes, true())
    return (
        select(Streak.member_id.label("member_id"), Streak.current.label("current"))
        .where(
            Streak.workspace_id == workspace_id,
            Streak.current >= max(at_least, 1),
            in_time,
            opted_out.is_(False),
        )
        .order_by(Streak.current.desc())
    )


async def _streak_board_in_workspace(
    session: AsyncSession, workspace_id: int, limit: int
) -> list[Row]:
    """The workspace streak board from the longest streaks down, in two bounded reads. A
    member's value is their longest showing streak, so the first `limit` distinct members
    of the showing rows, longest first, each show at least the streak of the last of them:
    no leader (ties included) shows less. The first statement reads that threshold off the
    first rows; the second ranks the rows at or above it. When those first rows hold fewer
    than `limit` members (a small workspace, or leaders with streaks in many channels), the
    board is summed from every channel's recent rows instead (`streak_totals`). Two
    statements, not one: given the threshold as a value, PostgreSQL sees how few rows are
    above it and plans probes (inside one statement it guesses a third of the table, hashes
    every member and compiles the plan with JIT: 190 ms instead of 5)."""
    prefix = _alive_streaks(workspace_id, 1).limit(max(limit, 1) * STREAK_PREFIX_PER_ROW).subquery()
    bests = select(func.max(prefix.c.current).label("best")).group_by(prefix.c.member_id).subquery()
    threshold = await session.scalar(
        select(bests.c.best).order_by(bests.c.best.desc()).limit(1).offset(max(limit, 1) - 1)
    )
    if threshold is None:
        return await ranked(session, workspace_id, streak_totals(workspace_id, None), limit)
    leaders = _alive_streaks(workspace_id, threshold).subquery()
    totals = select(
        leaders.c.member_id.label("member_id"), func.max(leaders.c.current).label("value")
    ).group_by(leaders.c.member_id)
    return await ranked(session, workspace_id, totals, limit, few=True)


async def board(
    session: AsyncSession,
    workspace_id: int,
    channel_id: int | None,
    kind: Board,
    period: Period,
    now: datetime,
    zone: ZoneInfo,
    limit: int = 10,
    *,
    register: bool = False,
) -> list[Row]:
    """The top `limit` rows of a board. `register`: a workspace week or month not yet kept
    by the database is registered (`bot.board_periods`) so the next asks read its rollup;
    only callers whose transaction commits should ask for that."""
    start, end = period_bounds(period, now, zone)
    if kind != "streak" and channel_id is None:
        if start is None or end is None:
            return await _all_time_in_workspace(session, workspace_id, kind, limit)
        kept = await _from_period_totals(
            session, workspace_id, kind, period, now, zone, limit, register
        )
        if kept is not None:
            return kept
        if session.get_bind().dialect.name == "sqlite":
            return await ranked(
                session, workspace_id, by_days(workspace_id, kind, start, end), limit
            )
    if kind == "streak" and channel_id is None:
        return await _streak_board_in_workspace(session, workspace_id, limit)
    if kind == "points":
        totals = points_totals(workspace_id, channel_id, start, end)
    elif kind == "reviews":
        totals = review_totals(workspace_id, channel_id, start, end)
    else:
        totals = streak_totals(workspace_id, channel_id)
    return await ranked(session, workspace_id, totals, limit, few=channel_id is not None)


async def ranked(
    session: AsyncSession,
    workspace_id: int,
    totals: Select[Any],
    limit: int,
    *,
    few: bool = False,
) -> list[Row]:
    """The top `limit` visible members of `totals` (member_id, value), ranked in SQL.
    `few`: the totals hold few members (a channel's board), so on PostgreSQL each one's
    member row is probed through its primary key (a LATERAL subquery OFFSET 0 keeps it a
    probe): joined, PostgreSQL guesses several hundred groups where there are a hundred and
    hashes all 100k members of the workspace (30 ms at bench.boards' scale, not 1)."""
    sums = totals.subquery()
    value = sums.c[1]
    if few and session.get_bind().dialect.name == "postgresql":
        member = (
            select(Member.id, Member.display_name, Member.name_key)
            .where(
                Member.id == sums.c.member_id,
                Member.workspace_id == workspace_id,
                Member.opted_out.is_(False),
            )
            .offset(0)
            .lateral()
        )
        key = member.c.name_key.collate("C")
        top = (
            select(
                member.c.id.label("member_id"),
                member.c.display_name.label("name"),
                key.label("name_key"),
                value.label("value"),
            )
            .select_from(sums)
            .join(member, true())
            .where(value > literal(0))
            .order_by(value.desc(), key, member.c.id)
            .limit(limit)
            .subquery()
        )
        return await _ranked_prefix(session, top)
    top = (
        select(
            Member.id.label("member_id"),
            Member.display_name.label("name"),
            name_order(session).label("name_key"),
            value.label("value"),
        )
        .join(sums, sums.c.member_id == Member.id)
        .where(
            Member.workspace_id == workspace_id,
            Member.opted_out.is_(False),
            value > literal(0),
        )
        .order_by(value.desc(), name_order(session), Member.id)
        .limit(limit)
        .subquery()
    )
    return await _ranked_prefix(session, top)


async def _all_time_in_workspace(
    session: AsyncSession, workspace_id: int, kind: Board, limit: int
) -> list[Row]:
    """The all-time workspace board from `board_totals` (kept by triggers): the top rows
    come off the end of an index, so only about `limit` rows are read however many members
    the workspace has."""

    def value_of(totals: type[BoardTotal]) -> Any:
        return totals.points if kind == "points" else totals.reviews

    top = (
        select(
            Member.id.label("member_id"),
            Member.display_name.label("name"),
            name_order(session).label("name_key"),
            value_of(BoardTotal).label("value"),
        )
        .join(
            BoardTotal,
            (BoardTotal.member_id == Member.id) & (BoardTotal.workspace_id == Member.workspace_id),
        )
        .where(
            BoardTotal.workspace_id == workspace_id,
            Member.opted_out.is_(False),
            value_of(BoardTotal) > literal(0),
        )
        .order_by(value_of(BoardTotal).desc(), name_order(session), Member.id)
        .limit(limit)
        .subquery()
    )
    return await _ranked_prefix(session, top)


def _spans(period: Period, now: datetime, zone: ZoneInfo) -> list[board_periods.Span]:
    """The `period` containing `now` and the one after it."""
    spans: list[board_periods.Span] = []
    for _ in range(2):
        start, end = period_bounds(period, now, zone)
        assert start is not None and end is not None
        spans.append((period, start.astimezone(zone).date(), start, end))
        now = end
    return spans


async def _from_period_totals(
    session: AsyncSession,
    workspace_id: int,
    kind: Board,
    period: Period,
    now: datetime,
    zone: ZoneInfo,
    limit: int,
    register: bool,
) -> list[Row] | None:
    """A workspace week or month from `board_period_totals`: the top rows of one index
    range, in one statement that also says whether the period (and the next) is kept. None
    when it is not and `register` is false; registers it (both kinds, this period and the
    next) when it is not and `register` is true."""
    (_, this_on, _, _), (_, next_on, _, _) = _spans(period, now, zone)
    this_id = board_periods.period_id(workspace_id, zone.key, period, this_on)
    next_id = board_periods.period_id(workspace_id, zone.key, period, next_on)
    value = BoardPeriodTotal.points if kind == "points" else BoardPeriodTotal.reviews
    top = (
        select(
            Member.id.label("member_id"),
            Member.display_name.label("name"),
            name_order(session).label("name_key"),
            value.label("value"),
        )
        .join(
            BoardPeriodTotal,
            (BoardPeriodTotal.member_id == Member.id)
            & (BoardPeriodTotal.workspace_id == Member.workspace_id),
        )
        .where(
            BoardPeriodTotal.period_id == this_id,
            Member.workspace_id == workspace_id,
            Member.opted_out.is_(False),
            value > literal(0),
        )
        .order_by(value.desc(), name_order(session), Member.id)
        .limit(limit)
        .subquery()
    )
    ranks = _ranks(top)
    kept = select(this_id.label("this_id"), next_id.label("next_id")).subquery()
    found = (
        await session.execute(
            select(kept, ranks)
            .select_from(kept.outerjoin(ranks, true()))
            .order_by(ranks.c.value.desc(), ranks.c.name_key, ranks.c.member_id)
        )
    ).all()
    this_kept, next_kept = found[0].this_id is not None, found[0].next_id is not None
    if not (this_kept and next_kept) and register:
        spans = [span for kept_kind in KEPT_PERIODS for span in _spans(kept_kind, now, zone)]
        await board_periods.register(session, workspace_id, zone.key, spans)
        if not this_kept:
            return await _from_period_totals(
                session, workspace_id, kind, period, now, zone, limit, False
            )
    if not this_kept:
        return None
    return [
        Row(int(r.rank), r.member_id, r.name, int(r.value))
        for r in found
        if r.member_id is not None
    ]


def _ranks(top: Subquery) -> Subquery:
    """`top` (member_id, name, name_key, value) with each row's competition rank."""
    return select(
        func.rank().over(order_by=top.c.value.desc()).label("rank"),
        top.c.member_id,
        top.c.name,
        top.c.name_key,
        top.c.value,
    ).subquery()


async def _ranked_prefix(session: AsyncSession, top: Subquery) -> list[Row]:
    """Ranks for the first rows of a board (member_id, name, name_key, value), best first.
    Everyone with more than a row's value comes before it, so inside the prefix too: its
    competition rank over the prefix is its rank on the whole board."""
    query = select(
        func.rank().over(order_by=top.c.value.desc()),
        top.c.member_id,
        top.c.name,
        top.c.value,
    ).order_by(top.c.value.desc(), top.c.name_key, top.c.member_id)
    return [Row(int(r), m, n, int(v)) for r, m, n, v in (await session.execute(query)).all()]


async def weekly_points_by_channel(
    session: AsyncSession,
    workspace_id: int,
    channels: Sequence[tuple[int, ZoneInfo]],
    now: datetime,
    limit: int,
) -> dict[int, list[Row]]:
    """This week's points board of each channel (its own week, in its own zone), all in one
    statement: the same rows `board(..., "points", "week", ...)` gives one channel."""
    boards: dict[int, list[Row]] = {channel_id: [] for channel_id, _ in channels}
    if not channels:
        return boards
    weeks = []
    for channel_id, zone in channels:
        start, end = period_bounds("week", now, zone)
        assert start is not None and end is not None
        weeks.append(
            (PointEvent.channel_id == channel_id)
            & (PointEvent.created_at >= start)
            & (PointEvent.created_at < end)
        )
    sums = (
        select(
            PointEvent.channel_id.label("channel_id"),
            PointEvent.member_id.label("member_id"),
            func.sum(PointEvent.points).label("value"),
        )
        .where(PointEvent.workspace_id == workspace_id, or_(*weeks))
        .group_by(PointEvent.channel_id, PointEvent.member_id)
        .subquery()
    )
    in_channel = sums.c.channel_id
    positions = (
        select(
            in_channel,
            func.rank().over(partition_by=in_channel, order_by=sums.c.value.desc()).label("rank"),
            func.row_number()
            .over(
                partition_by=in_channel,
                order_by=(sums.c.value.desc(), name_order(session), Member.id),
            )
            .label("position"),
            Member.id.label("member_id"),
            Member.display_name,
            sums.c.value,
        )
        .join(sums, sums.c.member_id == Member.id)
        .where(
            Member.workspace_id == workspace_id,
            Member.opted_out.is_(False),
            sums.c.value > literal(0),
        )
        .subquery()
    )
    query = (
        select(
            positions.c.channel_id,
            positions.c.rank,
            positions.c.member_id,
            positions.c.display_name,
            positions.c.value,
        )
        .where(positions.c.position <= limit)
        .order_by(positions.c.channel_id, positions.c.position)
    )
    for channel_id, rank, member_id, name, value in (await session.execute(query)).all():
        boards[channel_id].append(Row(int(rank), member_id, name, int(value)))
    return boards
