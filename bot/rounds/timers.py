"""When a round, a stage or a wrap-up is next due: the timers, set from what the database
says. Each timer has a stable id (`round:{channel}`, `stage:{round}`, `wrapup:{round}`), so
setting one again replaces it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.jobs import Action
from bot.kinds import Pacing
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from bot.context import Deps
    from bot.models import Channel, Round

RETRY_AFTER = timedelta(minutes=5)


def job_id(action: Action, target: int) -> str:
    """The timer for a channel's round or a round's stage or wrap-up."""
    return f"{action}:{target}"


def schedule_next(deps: Deps, channel: Channel) -> None:
    """Set the channel's next round timer, or cancel it when nothing is scheduled."""
    set_round_timer(deps, channel.id, next_round_slot(deps, channel))


def next_round_slot(deps: Deps, channel: Channel) -> tuple[date, datetime] | None:
    """The local date and moment of the channel's next round; None when none is scheduled.
    Read inside a transaction, so the timer can be set once it committed."""
    if channel.paused or not channel.configured:
        return None
    return schedule_of(channel).next_slot(deps.clock.now())


def set_round_timer(deps: Deps, channel_id: int, slot: tuple[date, datetime] | None) -> None:
    timer = job_id(Action.ROUND, channel_id)
    if slot is None:
        deps.jobs.cancel(timer)
        return
    day, at = slot
    deps.jobs.run_at(timer, at, Action.ROUND, channel_id=channel_id, local_date=day.isoformat())


def schedule_pacing(deps: Deps, rnd: Round, total_stages: int) -> None:
    """Set the timer for a posted round's next step according to its pacing."""
    if rnd.wrapped_up_at is not None or rnd.posted_at is None:
        return
    step = timedelta(minutes=rnd.drip_minutes)
    stage, wrapup = job_id(Action.STAGE, rnd.id), job_id(Action.WRAPUP, rnd.id)
    if rnd.pacing == Pacing.DRIP:
        last = rnd.last_stage_at or rnd.posted_at
        if rnd.stages_posted < total_stages:
            deps.jobs.run_at(stage, last + step, Action.STAGE, round_id=rnd.id)
        else:
            deps.jobs.run_at(wrapup, last + step, Action.WRAPUP, round_id=rnd.id)
    elif rnd.pacing == Pacing.ALL:
        if rnd.stages_posted < total_stages:  # a failed post left stages to catch up on
            when = rnd.last_stage_at or rnd.posted_at
            deps.jobs.run_at(stage, when, Action.STAGE, round_id=rnd.id)
        else:
            deps.jobs.cancel(stage)
            at = rnd.posted_at + step * total_stages
            deps.jobs.run_at(wrapup, at, Action.WRAPUP, round_id=rnd.id)


def cancel_steps(deps: Deps, round_id: int) -> None:
    """A wrapped-up round has no stage or wrap-up left to time."""
    deps.jobs.cancel(job_id(Action.STAGE, round_id))
    deps.jobs.cancel(job_id(Action.WRAPUP, round_id))


def cancel_rounds(deps: Deps, channel_id: int) -> None:
    deps.jobs.cancel(job_id(Action.ROUND, channel_id))


def retry_round(deps: Deps, channel_id: int, local_date: date) -> None:
    """Try a round whose prompt the platform did not take again in a few minutes, beside
    (not instead of) the channel's next scheduled round."""
    deps.jobs.run_at(
        f"round-retry:{channel_id}",
        deps.clock.now() + RETRY_AFTER,
        Action.ROUND,
        channel_id=channel_id,
        local_date=local_date.isoformat(),
    )


def retry_step(deps: Deps, action: Action, round_id: int) -> None:
    """Post a stage or wrap-up that failed again in a few minutes."""
    when = deps.clock.now() + RETRY_AFTER
    deps.jobs.run_at(job_id(action, round_id), when, action, round_id=round_id)
