"""The weeks and months whose workspace boards the database keeps, registered on first ask.

A workspace's week or month board follows the asking channel's time zone, so the rollup is
per zone; SQLite has no time zones, so the triggers (`bot.board_totals`) cannot work out which
period a row falls in. Instead the bounds are worked out here, with the same
`leaderboard.period_bounds` the boards use (daylight-saving changes included), and stored as
a `BoardPeriod`; the triggers then add every row to the registered periods whose bounds hold
its `created_at`. A period is filled from the rows when it is registered, together with the
next one (empty then, so cheap): as long as a board is asked once a period, only the very
first ask of a zone pays for a fill.

On PostgreSQL the fill takes a SHARE lock on `point_events` and `feedback` first: a writer
still running cannot see the new period, so the fill waits for it to commit and then counts
its rows; writers after the lock wait for the registration and then keep the period. SQLite
has one writer at a time, so nothing can slip between.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import BoardPeriod, BoardPeriodTotal, Feedback, PointEvent

KEPT_AFTER_END = timedelta(days=40)
"""How long a period's rollup outlives it: boards ask for the current period, so older ones
are dropped when new ones are registered (a board of a past period reads the rows)."""

Span = tuple[str, date, datetime, datetime]
"""A period: its kind (`week`, `month`), first local day and UTC start and end."""


async def register(session: AsyncSession, workspace_id: int, zone: str, spans: list[Span]) -> None:
    """Register the periods of `zone` that are not yet, filled from the rows already
    written, and drop the zone's periods long over (only the zone's: two registrations of
    other zones never wait for each other's rows): two statements (three with PostgreSQL's
    lock) when all are kept, four (six) when some were not."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(text("LOCK TABLE point_events, feedback IN SHARE MODE"))
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = (
        await session.scalars(
            upsert(BoardPeriod)
            .values(
                [
                    {
                        "workspace_id": workspace_id,
                        "zone": zone,
                        "kind": kind,
                        "starts_on": starts_on,
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                    }
                    for kind, starts_on, starts_at, ends_at in spans
                ]
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "zone", "kind", "starts_on"])
            .returning(BoardPeriod.id)
        )
    ).all()
    if added:
        await session.execute(_fill(workspace_id, list(added)))
        if dialect == "postgresql":
            # Fresh statistics at once: with the fill unseen, PostgreSQL estimates a period
            # at one row and joins all of it to `members` before sorting (360 ms instead of
            # 2 ms at bench.boards' scale), until autovacuum gets round to the table.
            await session.execute(text("ANALYZE board_period_totals"))
        oldest = min(starts_at for _, _, starts_at, _ in spans)
        await session.execute(
            delete(BoardPeriod).where(
                BoardPeriod.workspace_id == workspace_id,
                BoardPeriod.zone == zone,
                BoardPeriod.ends_at < oldest - KEPT_AFTER_END,
            )
        )


def _fill(workspace_id: int, period_ids: list[int]) -> Any:
    """Each new period's totals from the rows inside its bounds: every part reads one range
    of the `(workspace_id, created_at)` index per period."""
    new = (
        select(BoardPeriod.id, BoardPeriod.starts_at, BoardPeriod.ends_at)
        .where(BoardPeriod.workspace_id == workspace_id, BoardPeriod.id.in_(period_ids))
        .subquery()
    )
    paid = union_all(
        select(
            new.c.id.label("period_id"),
            PointEvent.member_id.label("member_id"),
            PointEvent.points.label("points"),
            literal(0).label("reviews"),
        ).join(
            PointEvent,
            (PointEvent.workspace_id == workspace_id)
            & (PointEvent.created_at >= new.c.starts_at)
            & (PointEvent.created_at < new.c.ends_at),
        ),
        select(new.c.id, Feedback.reviewer_id, literal(0), literal(1)).join(
            Feedback,
            (Feedback.workspace_id == workspace_id)
            & (Feedback.created_at >= new.c.starts_at)
            & (Feedback.created_at < new.c.ends_at),
        ),
    ).subquery()
    sums = select(
        paid.c.period_id,
        literal(workspace_id),
        paid.c.member_id,
        func.sum(paid.c.points),
        func.sum(paid.c.reviews),
    ).group_by(paid.c.period_id, paid.c.member_id)
    return insert(BoardPeriodTotal).from_select(
        ["period_id", "workspace_id", "member_id", "points", "reviews"], sums
    )


def period_id(workspace_id: int, zone: str, kind: str, starts_on: date) -> Any:
    """The registered period's id as a scalar subquery (NULL when it is not registered)."""
    return (
        select(BoardPeriod.id)
        .where(
            BoardPeriod.workspace_id == workspace_id,
            BoardPeriod.zone == zone,
            BoardPeriod.kind == kind,
            BoardPeriod.starts_on == starts_on,
        )
        .scalar_subquery()
    )
