"""The point scheme, kept as a ledger of `PointEvent` rows with natural keys
(rule, round, member, subject).

- 5 points for answering a round (your first answer in it),
- 2 points for every stage of the round you cover (so covering all ten is worth 20),
- 3 points for each member you review in a round, for up to 5 members a round
  (updating a review earns nothing more; reviewing yourself is not possible),
- 3 more for the review you were assigned (`bot.assignments`), given by its deadline.

Keys make awarding idempotent (a redelivered event cannot pay twice) and taking back a
matter of deleting rows (a deleted answer takes its points with it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_unless_present
from bot.kinds import PointKind
from bot.models import Answer, PointEvent, ReviewAssignment, Round

ANSWER_POINTS = 5
STAGE_POINTS = 2
REVIEW_POINTS = 3
REVIEWS_PAID_PER_ROUND = 5
ASSIGNED_REVIEW_POINTS = 3


class InRound(Protocol):
    """A round as the ledger needs it: a `Round`, or the answer writer's cached view of one."""

    @property
    def id(self) -> int: ...

    @property
    def workspace_id(self) -> int: ...

    @property
    def channel_id(self) -> int: ...


def point_row(
    rnd: InRound, member_id: int, kind: PointKind, subject: str, points: int, now: datetime
) -> dict[str, object]:
    """One ledger row, keyed by (rule, round, member, subject)."""
    return {
        "workspace_id": rnd.workspace_id,
        "channel_id": rnd.channel_id,
        "member_id": member_id,
        "round_id": rnd.id,
        "kind": kind,
        "subject": subject,
        "points": points,
        "created_at": now,
    }


def answer_rows(rnd: InRound, member_id: int, stage: str, now: datetime) -> list[dict[str, object]]:
    """What an answer earns: the round's points and its stage's."""
    return [
        point_row(rnd, member_id, PointKind.ANSWER, "", ANSWER_POINTS, now),
        point_row(rnd, member_id, PointKind.STAGE, stage, STAGE_POINTS, now),
    ]


async def pay_once(session: AsyncSession, row: dict[str, object]) -> bool:
    """Insert the row unless its key is there already; True when it was new."""
    result = await session.execute(insert_unless_present(session, PointEvent).values(row))
    return getattr(result, "rowcount", 0) == 1


async def pay_for_answer(
    session: AsyncSession, rnd: Round, member_id: int, stage: str, now: datetime
) -> None:
    """A new answer pays for the round and for its stage unless those rows exist. Only ever
    inserting (and skipping what a unique key already holds) keeps this right under any
    interleaving: two answers arriving together can neither pay twice nor undo each other."""
    await session.execute(
        insert_unless_present(session, PointEvent).values(answer_rows(rnd, member_id, stage, now))
    )


async def sync_answer_points(
    session: AsyncSession, rnd: Round, member_id: int, now: datetime
) -> None:
    """Make the member's answer and stage points for a round match the answers they have,
    after an answer was deleted or moved to another stage."""
    stages = set(
        (
            await session.scalars(
                select(Answer.stage_key).where(
                    Answer.round_id == rnd.id, Answer.member_id == member_id
                )
            )
        ).all()
    )
    wanted: dict[tuple[PointKind, str], int] = {}
    if stages:
        wanted[PointKind.ANSWER, ""] = ANSWER_POINTS
    for stage in stages:
        wanted[PointKind.STAGE, stage] = STAGE_POINTS
    mine = (
        PointEvent.round_id == rnd.id,
        PointEvent.member_id == member_id,
        PointEvent.kind.in_((PointKind.ANSWER, PointKind.STAGE)),
    )
    existing = set(
        (await session.execute(select(PointEvent.kind, PointEvent.subject).where(*mine))).tuples()
    )
    for kind, subject in existing - wanted.keys():
        await session.execute(
            delete(PointEvent).where(*mine, PointEvent.kind == kind, PointEvent.subject == subject)
        )
    for (kind, subject), points in wanted.items():
        if (kind, subject) not in existing:
            session.add(_event(rnd, member_id, kind, subject, points, now))


async def award_review(
    session: AsyncSession, rnd: Round, reviewer_id: int, feedback_id: int, now: datetime
) -> int:
    """Pay for a first review of a member in a round (one `Feedback` row); returns the points
    awarded."""
    subject = str(feedback_id)
    existing = await session.scalar(
        select(func.count())
        .select_from(PointEvent)
        .where(
            PointEvent.workspace_id == rnd.workspace_id,
            PointEvent.round_id == rnd.id,
            PointEvent.member_id == reviewer_id,
            PointEvent.kind == PointKind.REVIEW,
        )
    )
    already = await session.scalar(
        select(PointEvent.id).where(
            PointEvent.round_id == rnd.id,
            PointEvent.member_id == reviewer_id,
            PointEvent.kind == PointKind.REVIEW,
            PointEvent.subject == subject,
        )
    )
    if already is not None or (existing or 0) >= REVIEWS_PAID_PER_ROUND:
        return 0
    session.add(_event(rnd, reviewer_id, PointKind.REVIEW, subject, REVIEW_POINTS, now))
    return REVIEW_POINTS


async def pay_assigned_review(
    session: AsyncSession, rnd: Round, reviewer_id: int, reviewee_id: int, now: datetime
) -> int:
    """The bonus for the reviewer's assigned review, if this review is it and it is on time;
    paid once (insert-only under the ledger's unique key). Returns the points paid now."""
    due = await session.scalar(
        select(ReviewAssignment.due_at).where(
            ReviewAssignment.round_id == rnd.id,
            ReviewAssignment.reviewer_id == reviewer_id,
            ReviewAssignment.reviewee_id == reviewee_id,
        )
    )
    if due is None or now > due:
        return 0
    row = point_row(rnd, reviewer_id, PointKind.ASSIGNED_REVIEW, "", ASSIGNED_REVIEW_POINTS, now)
    return ASSIGNED_REVIEW_POINTS if await pay_once(session, row) else 0


def _event(
    rnd: Round, member_id: int, kind: PointKind, subject: str, points: int, now: datetime
) -> PointEvent:
    return PointEvent(
        workspace_id=rnd.workspace_id,
        channel_id=rnd.channel_id,
        member_id=member_id,
        round_id=rnd.id,
        kind=kind,
        subject=subject,
        points=points,
        created_at=now,
    )
