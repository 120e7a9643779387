"""Assigned reviews: when a round wraps up (or an admin says `assign`), each member who
answered it is asked to review one teammate who also answered, so no answer goes unreviewed.

Rules: round-robin over the answerers in a fixed order (a rotation, so nobody reviews
themselves and everybody gives and gets exactly one review), choosing among the rotations
the one that repeats the fewest reviewer/reviewee pairs of the channel's recent rounds; the
same answers always give the same pairs. Members off the boards are never assigned or named.
Each reviewer is told privately, with the Give feedback button and the command; one private
reminder comes before the channel's deadline to those who have not reviewed yet; a review
given by the deadline earns a bonus. Unassigned reviews stay possible and pay as always.

Both notes are work (`assign:{round}`, `reviewdue:{round}`) planned in the transaction that
creates the assignments. Before each note the assignment's `told_at` / `reminded_at` is set
in its own transaction, and only the transaction that set it sends: a restart or a second
worker never sends a note twice (at most once: a send that fails after the mark is lost,
and logged, rather than risk a duplicate).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from bot import work_queue
from bot.chat import (
    Button,
    ChannelRef,
    MessageRef,
    OutgoingMessage,
    Section,
    UserRef,
)
from bot.db import insert_unless_present
from bot.kinds import WorkKind
from bot.models import Answer, Channel, Feedback, Member, ReviewAssignment, Round
from bot.plurals import plural
from bot.points import ASSIGNED_REVIEW_POINTS
from bot.port import message_link
from bot.rounds.queries import changed_rows, channel_ref

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps
    from bot.work_queue import Claimed

log = logging.getLogger(__name__)

RECENT_ROUNDS = 5
"""How many of the channel's earlier rounds a new assignment tries not to repeat."""
REMIND_BEFORE = timedelta(hours=2)
"""The reminder comes this long before the deadline (half-way for deadlines under 4 h)."""


def assign_key(round_id: int) -> str:
    return f"assign:{round_id}"


def due_key(round_id: int) -> str:
    return f"reviewdue:{round_id}"


def rotation(
    members: Sequence[int], recent: set[tuple[int, int]], seq: int
) -> list[tuple[int, int]]:
    """(reviewer, reviewee) pairs: member i reviews member i+k of `members`, for the shift k
    that repeats fewest `recent` pairs; ties go to the shift the round's number points at, so
    a team of the same people is paired differently round after round."""
    n = len(members)
    if n < 2:
        return []
    shifts = list(range(1, n))
    start = seq % (n - 1)
    ordered = shifts[start:] + shifts[:start]

    def repeats(k: int) -> int:
        return sum((members[i], members[(i + k) % n]) in recent for i in range(n))

    best = min(ordered, key=repeats)
    return [(members[i], members[(i + best) % n]) for i in range(n)]


def reminder_at(now: datetime, due: datetime) -> datetime:
    if due - now > 2 * REMIND_BEFORE:
        return due - REMIND_BEFORE
    return now + (due - now) / 2


@dataclass(frozen=True)
class Assigned:
    """One assignment as the wrap-up and the `assign` reply show it."""

    reviewer: str
    reviewee: str
    done: bool
    due_at: datetime


async def assign(session: AsyncSession, rnd: Round, channel: Channel, now: datetime) -> bool:
    """Assign the round's reviewers unless they are assigned already, and plan the private
    notes and the reminder in the caller's transaction; True when this call assigned."""
    if await session.scalar(
        select(ReviewAssignment.id).where(ReviewAssignment.round_id == rnd.id).limit(1)
    ):
        return False
    members = list(
        (
            await session.scalars(
                select(Member.id)
                .join(Answer, Answer.member_id == Member.id)
                .where(Answer.round_id == rnd.id, Member.opted_out.is_(False))
                .distinct()
                .order_by(Member.id)
            )
        ).all()
    )
    recent = set(
        (
            await session.execute(
                select(ReviewAssignment.reviewer_id, ReviewAssignment.reviewee_id)
                .join(Round, Round.id == ReviewAssignment.round_id)
                .where(
                    Round.channel_id == rnd.channel_id,
                    Round.seq < rnd.seq,
                    Round.seq >= rnd.seq - RECENT_ROUNDS,
                )
            )
        ).tuples()
    )
    pairs = rotation(members, recent, rnd.seq)
    if not pairs:
        return False
    due = now + timedelta(hours=channel.review_hours)
    await session.execute(
        insert_unless_present(session, ReviewAssignment).values(
            [
                {
                    "workspace_id": rnd.workspace_id,
                    "round_id": rnd.id,
                    "reviewer_id": reviewer,
                    "reviewee_id": reviewee,
                    "due_at": due,
                    "created_at": now,
                }
                for reviewer, reviewee in pairs
            ]
        )
    )
    payload = {"round_id": rnd.id}
    await work_queue.enqueue(session, WorkKind.ASSIGN, assign_key(rnd.id), now, now, payload)
    await work_queue.enqueue(
        session, WorkKind.REVIEW_DUE, due_key(rnd.id), reminder_at(now, due), now, payload
    )
    return True


async def assigned(session: AsyncSession, round_id: int) -> list[Assigned]:
    """The round's assignments between members on the boards, and whether each is done."""
    return (await assigned_in(session, [round_id])).get(round_id, [])


async def assigned_in(session: AsyncSession, round_ids: Sequence[int]) -> dict[int, list[Assigned]]:
    """`assigned` for many rounds in one read (the morning's rounds each name their channel's
    previous one)."""
    if not round_ids:
        return {}
    reviewer, reviewee = aliased(Member), aliased(Member)
    done = exists().where(
        Feedback.round_id == ReviewAssignment.round_id,
        Feedback.reviewer_id == ReviewAssignment.reviewer_id,
        Feedback.reviewee_id == ReviewAssignment.reviewee_id,
    )
    rows = await session.execute(
        select(
            ReviewAssignment.round_id,
            reviewer.display_name,
            reviewee.display_name,
            done,
            ReviewAssignment.due_at,
        )
        .select_from(ReviewAssignment)
        .join(reviewer, reviewer.id == ReviewAssignment.reviewer_id)
        .join(reviewee, reviewee.id == ReviewAssignment.reviewee_id)
        .where(
            ReviewAssignment.round_id.in_(list(round_ids)),
            reviewer.opted_out.is_(False),
            reviewee.opted_out.is_(False),
        )
        .order_by(ReviewAssignment.round_id, ReviewAssignment.id)
    )
    found: dict[int, list[Assigned]] = {}
    for round_id, a, b, d, due in rows.tuples():
        found.setdefault(round_id, []).append(Assigned(a, b, bool(d), due))
    return found


def local_time(moment: datetime, zone: str) -> str:
    """A deadline as the channel reads it: `Tue 24 Nov 08:00 (Europe/Berlin)`."""
    return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b %H:%M} ({zone})"


# ---------------------------------------------------------------- the private notes


@dataclass(frozen=True)
class _Note:
    user: UserRef
    message: OutgoingMessage


async def run_assign(deps: Deps, item: Claimed) -> str:
    """Tell each reviewer of the round, once, whom they review."""
    return await _send_all(deps, int(item.payload["round_id"]), reminder=False)


async def run_review_due(deps: Deps, item: Claimed) -> str:
    """Remind, once, each assigned reviewer who has not reviewed yet."""
    return await _send_all(deps, int(item.payload["round_id"]), reminder=True)


async def _send_all(deps: Deps, round_id: int, reminder: bool) -> str:
    mark = ReviewAssignment.reminded_at if reminder else ReviewAssignment.told_at
    async with deps.sessions.begin() as session:
        ids = list(
            (
                await session.scalars(
                    select(ReviewAssignment.id)
                    .where(ReviewAssignment.round_id == round_id, mark.is_(None))
                    .order_by(ReviewAssignment.id)
                )
            ).all()
        )
    sent = 0
    for assignment_id in ids:
        note = await _claim_note(deps, assignment_id, reminder)
        if note is None:
            continue
        port = deps.port_for(note.user.platform)
        try:
            await port.send_private(note.user, note.message)
            sent += 1
        except Exception:
            log.warning("could not send %s to %s", mark.key, note.user, exc_info=True)
    return f"{sent} sent"


async def _claim_note(deps: Deps, assignment_id: int, reminder: bool) -> _Note | None:
    """Mark the note as sent and build it, in one transaction; None when another process
    marked it first, or when no note is wanted (opted out, reviewed, past the deadline)."""
    now = deps.clock.now()
    mark = "reminded_at" if reminder else "told_at"
    column = getattr(ReviewAssignment, mark)
    async with deps.sessions.begin() as session:
        won = await changed_rows(
            session,
            update(ReviewAssignment)
            .where(ReviewAssignment.id == assignment_id, column.is_(None))
            .values({mark: now}),
        )
        if not won:
            return None
        row = await session.get(ReviewAssignment, assignment_id)
        if row is None:
            return None
        rnd = await session.get(Round, row.round_id)
        reviewer = await session.get(Member, row.reviewer_id)
        reviewee = await session.get(Member, row.reviewee_id)
        channel = await session.get(Channel, rnd.channel_id) if rnd else None
        if rnd is None or reviewer is None or reviewee is None or channel is None:
            return None
        if reviewer.opted_out or reviewee.opted_out:
            return None
        if reminder:
            reviewed = await session.scalar(
                select(Feedback.id).where(
                    Feedback.round_id == rnd.id,
                    Feedback.reviewer_id == reviewer.id,
                    Feedback.reviewee_id == reviewee.id,
                )
            )
            if reviewed is not None or now >= row.due_at:
                return None
        ref = await channel_ref(session, rnd.channel_id)
        link = _thread_link(deps, ref, rnd)
        message = _note(rnd, reviewee.display_name, local_time(row.due_at, channel.timezone), link)
        if reminder:
            message = OutgoingMessage(
                title=f"Reminder: your review of {reviewee.display_name} is due soon",
                sections=message.sections,
                buttons=message.buttons,
            )
        return _Note(UserRef(ref.platform, ref.workspace_id, reviewer.external_id), message)


def _thread_link(deps: Deps, ref: ChannelRef, rnd: Round) -> str | None:
    """A link to the round's prompt, where the platform can make one (`port.message_link`)."""
    if rnd.thread_id is None:
        return None
    return message_link(deps.port_for(ref.platform), MessageRef(ref, rnd.thread_id))


def _note(rnd: Round, reviewee: str, due: str, link: str | None) -> OutgoingMessage:
    how = (
        f"Press Review {reviewee} below, or type in the round's thread: "
        f"/kata feedback {reviewee} strength: ... improve: ..."
    )
    if link:
        how += f"\nThe round: {link}"
    return OutgoingMessage(
        title=f"Please review {reviewee}'s answers (round #{rnd.seq})",
        sections=(
            Section(
                text=f"You are {reviewee}'s reviewer for round #{rnd.seq}, {rnd.prompt_title}. "
                f"Review by {due} to earn +{plural(ASSIGNED_REVIEW_POINTS, 'point')} on top "
                "of the usual. Other teammates can be reviewed as always."
            ),
            Section(heading="How", text=how),
        ),
        buttons=(Button("feedback", f"Review {reviewee}"[:75], str(rnd.id), primary=True),),
    )
