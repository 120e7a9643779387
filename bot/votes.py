"""Best answer of a round: members vote, the wrap-up names the winner and pays a bonus.

Rules: one vote per member and round (voting again moves it), never for yourself, only for
someone who answered the round, and only until the wrap-up, which settles the vote
(`bot.best_answer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.chat import Choice, Form, FormField, Outcome, OutgoingMessage, Reply, text_message
from bot.commands import CommandError, Invocation
from bot.directory import find_member
from bot.echo import echo
from bot.feedback import reviewable
from bot.models import Answer, BestVote, Round
from bot.round_commands import round_for
from bot.rounds.queries import own_round

if TYPE_CHECKING:
    from bot.unit import Unit

FORM_ID = "vote"
CLOSED = "Voting for round #{seq} closed at its wrap-up."


class VoteError(ValueError):
    """A vote that breaks a rule; the message says which."""


async def vote_command(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`vote <member>`: for the round of the thread the command came from, else the latest."""
    who = inv.parsed.rest.strip()
    if not who:
        raise CommandError("Name the member whose answer was the best.", inv.parsed.spec)
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


def _private(text: str) -> Outcome:
    return Outcome(replies=[Reply(text_message(text))])
