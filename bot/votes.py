"""Best answer of a round: members vote, the wrap-up names the winner and pays a bonus.

Rules: one vote per member and round (voting again moves it), never for yourself, only for
someone who answered the round, and only until the wrap-up, which settles the vote
(`bot.best_answer`). A vote is cast with `vote @name`, the Vote button's form, or by reacting
with 🏆 (`trophy`) to a teammate's answer in the round's thread; removing that reaction
withdraws the vote if it is still for that teammate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.chat import (
    Choice,
    Form,
    FormField,
    Outcome,
    OutgoingMessage,
    ReactionChanged,
    Reply,
    text_message,
)
from bot.commands import CommandError, Invocation
from bot.directory import find_member
from bot.echo import echo
from bot.feedback import reviewable
from bot.kinds import AnswerSource
from bot.models import Answer, BestVote, Member, Round
from bot.round_commands import round_for
from bot.rounds.queries import own_round

if TYPE_CHECKING:
    from bot.unit import Unit

FORM_ID = "vote"
VOTE_EMOJI = "trophy"
"""The reaction that votes for an answer's author (🏆)."""
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
    nominee = await find_member(unit.session, rnd.workspace_id, who)
    if nominee is None:
        raise VoteError(f"I don't know a member called {echo(who)}.")
    return await _cast(unit, rnd, nominee)


async def reaction(unit: Unit, event: ReactionChanged) -> Outcome:
    """🏆 on an answer in a round's thread votes for its author; removing it withdraws that
    vote. Any other emoji, or a message that is not an answer, changes nothing."""
    if event.emoji != VOTE_EMOJI:
        return Outcome()
    channel = await unit.find_channel()
    if channel is None:
        return Outcome()
    answer = await unit.session.scalar(
        select(Answer).where(
            Answer.channel_id == channel.id,
            Answer.source == AnswerSource.MESSAGE,
            Answer.message_id == event.message.message_id,
        )
    )
    rnd = await unit.session.get(Round, answer.round_id) if answer is not None else None
    nominee = await unit.session.get(Member, answer.member_id) if answer is not None else None
    if rnd is None or nominee is None:
        return Outcome()
    try:
        if event.added:
            return _private_message(await _cast(unit, rnd, nominee))
        return _private_message(await _withdraw(unit, rnd, nominee))
    except VoteError as exc:
        return _private(str(exc))


async def _withdraw(unit: Unit, rnd: Round, nominee: Member) -> OutgoingMessage:
    if rnd.wrapped_up_at is not None:
        raise VoteError(CLOSED.format(seq=rnd.seq))
    voter = await unit.find_member()
    vote = (
        await unit.session.scalar(
            select(BestVote).where(
                BestVote.round_id == rnd.id,
                BestVote.voter_id == voter.id,
                BestVote.nominee_id == nominee.id,
            )
        )
        if voter is not None
        else None
    )
    if vote is None:
        return text_message(f"You have no vote for {nominee.display_name} in round #{rnd.seq}.")
    await unit.session.delete(vote)
    return text_message(f"Your vote for {nominee.display_name} is withdrawn (round #{rnd.seq}).")


async def _cast(unit: Unit, rnd: Round, nominee: Member) -> OutgoingMessage:
    if rnd.wrapped_up_at is not None:
        raise VoteError(CLOSED.format(seq=rnd.seq))
    session = unit.session
    voter = await unit.ensure_member()
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


def _private_message(message: OutgoingMessage) -> Outcome:
    return Outcome(replies=[Reply(message)])
