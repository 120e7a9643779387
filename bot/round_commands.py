"""`/kata now`, `next`, `answer` and `feedback`: the commands that act on a round.

Who may run them is declared in `bot.commands.catalogue` and checked before these run.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import answers, feedback
from bot.channel_settings import pacing_text
from bot.chat import Actor, ChannelRef, Outcome, OutgoingMessage, Reply, ThreadRef, text_message
from bot.commands import CommandError, Invocation
from bot.directory import channel_for, workspace_for
from bot.kinds import AnswerSource, Pacing
from bot.models import Round
from bot.rounds import lifecycle
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from bot.context import Deps


async def now(kata: Deps, inv: Invocation) -> OutgoingMessage:
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, inv.event.channel, kata.clock.now())
        assert channel is not None
        configured, channel_id = channel.configured, channel.id
        today = schedule_of(channel).local_date(kata.clock.now())
    if not configured:
        raise CommandError("Set up this channel first.", usage_of="setup")
    result = await lifecycle.start_round(kata, channel_id, today, scheduled=False)
    if result.status == "exists" and await _wrapped_up(kata, result.round_id):
        return text_message(await _done_today(kata, inv.event.channel))
    texts = {
        "posted": "Today's round is posted. Answer in its thread!",
        "exists": "Today's round is already running: answer in its thread, or /kata next.",
        "no-prompts": "No prompt matches this channel's filters. Try /kata filter clear.",
        "unavailable": f"I can't post in this channel ({result.detail}). Schedule paused.",
        "failed": "Posting the round failed; I will try again shortly.",
    }
    return text_message(texts.get(result.status, result.status))


async def _wrapped_up(kata: Deps, round_id: int | None) -> bool:
    if round_id is None:
        return False
    async with kata.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        return rnd is not None and rnd.wrapped_up_at is not None


async def _done_today(kata: Deps, channel_ref: ChannelRef) -> str:
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, channel_ref, kata.clock.now())
        assert channel is not None
        schedule = schedule_of(channel)
        now = kata.clock.now()
        slot = None if channel.paused else schedule.next_slot(now)
        if slot is not None and slot[0] == schedule.local_date(now):
            slot = schedule.next_slot(slot[1])  # today's slot finds today's round taken
    if slot is None:
        return "Today's round is done, and no round is scheduled yet (/kata schedule)."
    return (
        "Today's round is done; the next one comes on "
        f"{slot[1].astimezone(schedule.zone):%a %d %b at %H:%M}."
    )


async def round_for(kata: Deps, channel_ref: ChannelRef, thread: ThreadRef | None) -> Round | None:
    """The round a command refers to: the thread's round, else the channel's latest."""
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, channel_ref, kata.clock.now(), create=False)
        if channel is None:
            return None
        query = select(Round).where(Round.channel_id == channel.id, Round.thread_id.is_not(None))
        if thread is not None:
            in_thread = await session.scalar(query.where(Round.thread_id == thread.thread_id))
            if in_thread is not None:
                return in_thread
        return await session.scalar(query.order_by(Round.seq.desc()).limit(1))


async def _own_round(
    kata: Deps, session: AsyncSession, actor: Actor, round_id: int
) -> Round | None:
    rnd = await session.get(Round, round_id)
    if rnd is None:
        return None
    ws = await workspace_for(
        session, actor.user.platform, actor.user.workspace_id, kata.clock.now(), create=False
    )
    return rnd if ws is not None and ws.id == rnd.workspace_id else None


async def target_round(kata: Deps, inv: Invocation) -> Round | None:
    """The round a `next` moves on: the button's own round, else the command's."""
    if inv.round_id is None:
        return await round_for(kata, inv.event.channel, inv.event.thread)
    async with kata.sessions.begin() as session:
        return await _own_round(kata, session, inv.event.actor, inv.round_id)


async def why_timed(kata: Deps, inv: Invocation) -> str | None:
    """Why only admins may hurry this round (it moves by itself), or None: anyone moves a
    manual round on, or learns there is nothing to move."""
    rnd = await target_round(kata, inv)
    if rnd is None or rnd.wrapped_up_at is not None or rnd.pacing == Pacing.MANUAL:
        return None
    if rnd.pacing == Pacing.DRIP:
        return f"This round posts {pacing_text(rnd.pacing, rnd.drip_minutes)} by itself."
    return "This round has all its stages out and wraps up by itself."


async def next_stage(kata: Deps, inv: Invocation) -> OutgoingMessage:
    rnd = await target_round(kata, inv)
    if rnd is None:
        return text_message("There is no round running here yet. Try /kata now.")
    if rnd.wrapped_up_at is not None:
        return text_message("This round is wrapped up; the next one comes on schedule.")
    posted = await lifecycle.post_next_stage(kata, rnd.id)
    if posted is None:
        return text_message("Nothing to post right now (someone was quicker).")
    if posted.stage_key is None:
        return text_message("All stages were out, so I posted the wrap-up.")
    stage = kata.content.framework.stage(posted.stage_key)
    return text_message(f"Posted the next stage: {stage.title}.")


async def answer(kata: Deps, inv: Invocation) -> Outcome:
    cmd, parsed = inv.event, inv.parsed
    if not parsed.rest:
        raise CommandError("Write your answer after the command.", parsed.spec)
    rnd = await round_for(kata, cmd.channel, cmd.thread)
    if rnd is None:
        return Outcome(replies=[Reply(text_message("There is no round to answer yet."))])
    key = answers.AnswerKey(AnswerSource.COMMAND, cmd.request_id or uuid.uuid4().hex)
    outcome = await answers.record(kata, rnd, cmd.actor, parsed.rest, key)
    if outcome.react and not outcome.replies:
        outcome.replies.append(Reply(text_message(f"Answer recorded for round #{rnd.seq}.")))
    return outcome


async def review(kata: Deps, inv: Invocation) -> Outcome | OutgoingMessage:
    cmd, parsed = inv.event, inv.parsed
    try:
        values = feedback.parse_command(kata.content.framework.rubric, parsed.rest)
    except feedback.FeedbackError as exc:
        raise CommandError(str(exc), parsed.spec) from None
    rnd = await round_for(kata, cmd.channel, cmd.thread)
    if rnd is None:
        return text_message("There is no round here to give feedback on yet.")
    outcome = await feedback.submit(kata, cmd.actor, rnd.id, values)
    outcome.form_errors = {}
    return outcome
