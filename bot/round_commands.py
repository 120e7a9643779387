"""`/kata now`, `next`, `answer` and `feedback`: the commands that act on a round.

Who may run them is declared in `bot.commands.catalogue` and checked before these run.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import answers, feedback, work_queue
from bot.channel_settings import pacing_text
from bot.chat import Outcome, OutgoingMessage, Reply, text_message
from bot.commands import CommandError, Invocation
from bot.kinds import AnswerSource, Pacing
from bot.models import Channel, Round
from bot.rounds import plan
from bot.rounds.queries import own_round, schedule_of

if TYPE_CHECKING:
    from bot.unit import Unit

RUNNING = "Today's round is already running: answer in its thread, or /kata next."


async def now(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """Plans today's round in the unit, ends it, then runs that work at once: the round is
    posted by the same claim, post and record as a scheduled one, so it is posted once."""
    channel = await unit.ensure_channel()
    if not channel.configured:
        raise CommandError("Set up this channel first.", usage_of="setup")
    channel_id, today = channel.id, schedule_of(channel).local_date(unit.now)
    todays = await unit.session.scalar(
        select(Round).where(Round.channel_id == channel_id, Round.local_date == today)
    )
    if todays is not None and todays.thread_id is not None:
        return text_message(_done_today(unit, channel) if todays.wrapped_up_at else RUNNING)
    key = plan.round_key(channel_id, today)
    if not await plan.plan_round(unit.session, channel_id, today, unit.now, unit.now):
        await work_queue.reopen(unit.session, key, unit.now)
    await unit.commit()
    status = await unit.deps.worker.run_key(key, manual=True) or "exists"
    if status.startswith("unavailable: "):
        reason = status.removeprefix("unavailable: ")
        return text_message(f"I can't post in this channel ({reason}). Schedule paused.")
    texts = {
        "posted": "Today's round is posted. Answer in its thread!",
        "exists": RUNNING,
        "no-prompts": "No prompt matches this channel's filters. Try /kata filter clear.",
        "failed": "Posting the round failed; I will try again shortly.",
    }
    return text_message(texts.get(status, RUNNING))


def _done_today(unit: Unit, channel: Channel) -> str:
    schedule = schedule_of(channel)
    slot = None if channel.paused else schedule.next_slot(unit.now)
    if slot is not None and slot[0] == schedule.local_date(unit.now):
        slot = schedule.next_slot(slot[1])  # today's slot finds today's round taken
    if slot is None:
        return "Today's round is done, and no round is scheduled yet (/kata schedule)."
    return (
        "Today's round is done; the next one comes on "
        f"{slot[1].astimezone(schedule.zone):%a %d %b at %H:%M}."
    )


async def round_for(unit: Unit, thread_id: str | None) -> Round | None:
    """The round a command refers to: the thread's round, else the channel's latest."""
    channel = await unit.find_channel()
    if channel is None:
        return None
    query = select(Round).where(Round.channel_id == channel.id, Round.thread_id.is_not(None))
    if thread_id is not None:
        in_thread = await unit.session.scalar(query.where(Round.thread_id == thread_id))
        if in_thread is not None:
            return in_thread
    return await unit.session.scalar(query.order_by(Round.seq.desc()).limit(1))


async def target_round(unit: Unit, inv: Invocation) -> Round | None:
    """The round a `next` moves on: the button's own round, else the command's."""
    if inv.round_id is None:
        thread = inv.event.thread
        return await round_for(unit, thread.thread_id if thread else None)
    return await own_round(unit, inv.round_id)


async def why_timed(unit: Unit, inv: Invocation) -> str | None:
    """Why only admins may hurry this round (it moves by itself), or None: anyone moves a
    manual round on, or learns there is nothing to move."""
    rnd = await target_round(unit, inv)
    if rnd is None or rnd.wrapped_up_at is not None or rnd.pacing == Pacing.MANUAL:
        return None
    if rnd.pacing == Pacing.DRIP:
        return f"This round posts {pacing_text(rnd.pacing, rnd.drip_minutes)} by itself."
    return "This round has all its stages out and wraps up by itself."


async def next_stage(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """Plans the round's next step in the unit, ends it, then runs that work at once (the
    same work a paced round would run later, so it is posted once either way)."""
    rnd = await target_round(unit, inv)
    if rnd is None:
        return text_message("There is no round running here yet. Try /kata now.")
    if rnd.wrapped_up_at is not None:
        return text_message("This round is wrapped up; the next one comes on schedule.")
    stages = unit.content.stages
    n = rnd.stages_posted
    key = plan.stage_key(rnd.id, n + 1) if n < len(stages) else plan.wrap_up_key(rnd.id)
    await plan.plan_step(unit.session, rnd, key, unit.now, unit.now)
    await unit.commit()
    status = await unit.deps.worker.run_key(key)
    if status == "posted":
        if n < len(stages):
            return text_message(f"Posted the next stage: {stages[n].title}.")
        return text_message("All stages were out, so I posted the wrap-up.")
    if status == "failed":
        return text_message("Posting failed; I will try again shortly.")
    return text_message("Nothing to post right now (someone was quicker).")


async def answer(unit: Unit, inv: Invocation) -> Outcome:
    cmd, parsed = inv.event, inv.parsed
    if not parsed.rest:
        raise CommandError("Write your answer after the command.", parsed.spec)
    rnd = await round_for(unit, cmd.thread.thread_id if cmd.thread else None)
    if rnd is None:
        return Outcome(replies=[Reply(text_message("There is no round to answer yet."))])
    key = answers.AnswerKey(AnswerSource.COMMAND, cmd.request_id or uuid.uuid4().hex)
    seq = rnd.seq
    outcome = await answers.record(unit, rnd, parsed.rest, key)
    if outcome.react and not outcome.replies:
        outcome.replies.append(Reply(text_message(f"Answer recorded for round #{seq}.")))
    return outcome


async def review(unit: Unit, inv: Invocation) -> Outcome | OutgoingMessage:
    cmd, parsed = inv.event, inv.parsed
    try:
        values = feedback.parse_command(unit.content.framework.rubric, parsed.rest)
    except feedback.FeedbackError as exc:
        raise CommandError(str(exc), parsed.spec) from None
    rnd = await round_for(unit, cmd.thread.thread_id if cmd.thread else None)
    if rnd is None:
        return text_message("There is no round here to give feedback on yet.")
    outcome = await feedback.submit(unit, rnd.id, values)
    outcome.form_errors = {}
    return outcome
