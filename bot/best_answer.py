"""The best answer of a round, settled at wrap-up: most votes wins; a tie goes to whoever
answered the round first, then to the member who joined the workspace first, so the same
votes always name the same winner. The winner earns a bonus, paid once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.kinds import PointKind
from bot.models import Answer, BestVote, Member, PointEvent, Round
from bot.points import pay_once, point_row

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

BEST_ANSWER_POINTS = 5
OFF_BOARDS = "a teammate who keeps off the boards"
"""How a member who opted out of the boards is named where a list would name them."""


@dataclass(frozen=True)
class Winner:
    member_id: int
    name: str
    votes: int
    opted_out: bool
    points: int


async def tally(session: AsyncSession, round_id: int) -> list[tuple[int, int]]:
    """(member id, votes) for the round, best first, ties broken as the module says."""
    votes = (
        select(BestVote.nominee_id, func.count().label("votes"))
        .where(BestVote.round_id == round_id)
        .group_by(BestVote.nominee_id)
        .subquery()
    )
    first = (
        select(Answer.member_id, func.min(Answer.created_at).label("first_at"))
        .where(Answer.round_id == round_id)
        .group_by(Answer.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(votes.c.nominee_id, votes.c.votes)
        .join(first, first.c.member_id == votes.c.nominee_id)
        .order_by(votes.c.votes.desc(), first.c.first_at, votes.c.nominee_id)
    )
    return [(member_id, n) for member_id, n in rows.tuples()]


async def settle(session: AsyncSession, rnd: Round, now: datetime) -> Winner | None:
    """Name the round's best answer and pay its bonus, once: a wrap-up posted again (after a
    failed post) finds the bonus already paid and names the same winner."""
    paid = await session.scalar(
        select(PointEvent.member_id).where(
            PointEvent.round_id == rnd.id, PointEvent.kind == PointKind.BEST
        )
    )
    ranked = await tally(session, rnd.id)
    counts = dict(ranked)
    if paid is None:
        if not ranked:
            return None
        paid = ranked[0][0]
        await pay_once(session, point_row(rnd, paid, PointKind.BEST, "", BEST_ANSWER_POINTS, now))
    member = await session.get(Member, paid)
    if member is None:
        return None
    return Winner(
        member.id, member.display_name, counts.get(paid, 0), member.opted_out, BEST_ANSWER_POINTS
    )
