"""Best answer of a round: members vote, the wrap-up names the winner and pays a bonus.

Rules: one vote per member and round (voting again moves it), never for yourself, only for
someone who answered the round, and only until the wrap-up. The wrap-up settles the vote
once: most votes wins; a tie goes to whoever answered the round first, then to the member
who joined the workspace first, so the same votes always name the same winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.chat import Choice, Form, FormField, Outcome, OutgoingMessage, Reply, text_message
from bot.commands import CommandError, Invocation
from bot.db import insert_unless_present
from bot.directory import find_member
from bot.echo import echo
from bot.feedback import reviewable
from bot.kinds import PointKind
from bot.models import Answer, BestVote, Member, PointEvent, Round
from bot.rounds.queries import own_round

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit

FORM_ID = "vote"
BEST_ANSWER_POINTS = 5
CLOSED = "Voting for round #{seq} closed at its wrap-up."


class VoteError(ValueError):
    """A vote that breaks a rule; the message says which."""


@dataclass(frozen=True)
class Winner:
    member_id: int
    name: str
    votes: int
    opted_out: bool
    points: int


async def vote_command(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`vote <member>`: for the round of the thread the command came from, else the latest."""
    who = inv.parsed.rest.strip()
    if not who:
        raise CommandError("Name the member whose answer was the best.", inv.parsed.spec)
    from bot.round_commands import round_for  # it imports the round lifecycle, which needs us

    thread = inv.event.thread
    rnd = await round_for(unit, thread.thread_id if thread else None)
    if rnd is None:
        return text_message("There is no round here to vote on yet.")
    try:
        return await _record(unit, rnd, who)
    except VoteError as exc:
        raise CommandError(str(exc), inv.parsed.spec) from None


async def open_form(unit: Unit, round_id: int) -> Outcome:
    """The Vote button: a form listing the members one may vote for."""
    rnd = await own_round(unit, round_id)
    if rnd is None or unit.actor is None:
        return _private("That round is not available here.")
    if rnd.wrapped_up_at is not None:
        return _private(CLOSED.format(seq=rnd.seq))
    members = await reviewable(unit.session, rnd, unit.actor.user.user_id)
    if not members:
        return _private("Nobody else has answered this round yet, so there is no one to vote for.")
    choices = tuple(Choice(m.external_id, m.display_name) for m in members[:100])
    field = FormField("nominee", "Whose answer was the best?", "choice", True, choices)
    title = f"Best answer: #{rnd.seq}"[:24]
    return Outcome(form=Form(FORM_ID, title, str(rnd.id), (field,), "Vote"))


async def submit(unit: Unit, round_id: int, values: dict[str, str]) -> Outcome:
    rnd = await own_round(unit, round_id)
    who = (values.get("nominee") or "").strip()
    try:
        if rnd is None:
            raise VoteError("That round is not available here.")
        if not who:
            raise VoteError("Choose whose answer was the best.")
        message = await _record(unit, rnd, who)
    except VoteError as exc:
        return Outcome(form_errors={"nominee": str(exc)}, replies=[Reply(text_message(str(exc)))])
    return Outcome(replies=[Reply(message)])


async def _record(unit: Unit, rnd: Round, who: str) -> OutgoingMessage:
    if rnd.wrapped_up_at is not None:
        raise VoteError(CLOSED.format(seq=rnd.seq))
    session = unit.session
    voter = await unit.ensure_member()
    nominee = await find_member(session, rnd.workspace_id, who)
    if nominee is None:
        raise VoteError(f"I don't know a member called {echo(who)}.")
    if nominee.id == voter.id:
        raise VoteError("You can't vote for your own answer; pick a teammate's.")
    answered = await session.scalar(
        select(Answer.id).where(Answer.round_id == rnd.id, Answer.member_id == nominee.id).limit(1)
    )
    if answered is None:
        raise VoteError(f"{nominee.display_name} has not answered round #{rnd.seq}.")
    vote = await session.scalar(
        select(BestVote).where(BestVote.round_id == rnd.id, BestVote.voter_id == voter.id)
    )
    if vote is None:
        session.add(
            BestVote(
                workspace_id=rnd.workspace_id,
                round_id=rnd.id,
                voter_id=voter.id,
                nominee_id=nominee.id,
                created_at=unit.now,
                updated_at=unit.now,
            )
        )
        verb = "counted"
    elif vote.nominee_id == nominee.id:
        return text_message(f"You already voted for {nominee.display_name} in round #{rnd.seq}.")
    else:
        vote.nominee_id, vote.updated_at = nominee.id, unit.now
        verb = "moved"
    return text_message(
        f"Your vote for {nominee.display_name} is {verb} (round #{rnd.seq}). "
        "You can change it until the wrap-up."
    )


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
        await session.execute(
            insert_unless_present(session, PointEvent).values(
                workspace_id=rnd.workspace_id,
                channel_id=rnd.channel_id,
                member_id=paid,
                round_id=rnd.id,
                kind=PointKind.BEST,
                subject="",
                points=BEST_ANSWER_POINTS,
                created_at=now,
            )
        )
    member = await session.get(Member, paid)
    if member is None:
        return None
    return Winner(
        member.id, member.display_name, counts.get(paid, 0), member.opted_out, BEST_ANSWER_POINTS
    )


async def winner_of(session: AsyncSession, round_id: int) -> Winner | None:
    """The settled winner of a wrapped-up round (for the archive), without paying anything."""
    row = (
        await session.execute(
            select(Member, PointEvent.points)
            .join(PointEvent, PointEvent.member_id == Member.id)
            .where(PointEvent.round_id == round_id, PointEvent.kind == PointKind.BEST)
        )
    ).first()
    if row is None:
        return None
    member, points = row
    counts = dict(await tally(session, round_id))
    return Winner(
        member.id, member.display_name, counts.get(member.id, 0), member.opted_out, points
    )


def _private(text: str) -> Outcome:
    return Outcome(replies=[Reply(text_message(text))])
