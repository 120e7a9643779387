"""What a round does next, written down as work: each step is a row in the work queue with a
key that names it (`round:{channel}:{date}`, `stage:{round}:{n}`, `wrapup:{round}`,
`boards:{channel}:{date}`), so planning the same step twice plans it once, and a restart,
a kill or a second worker finds the plan where it was left.

Every function here writes in the caller's transaction: a step and the step it plans commit
together, so no step is finished without its successor being planned.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import work_queue
from bot.kinds import Pacing, WorkKind
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.models import Channel, Round


def round_key(channel_id: int, day: date) -> str:
    return f"round:{channel_id}:{day.isoformat()}"


def stage_key(round_id: int, position: int) -> str:
    return f"stage:{round_id}:{position}"


def wrap_up_key(round_id: int) -> str:
    return f"wrapup:{round_id}"


def boards_key(channel_id: int, day: date) -> str:
    return f"boards:{channel_id}:{day.isoformat()}"


def round_row(channel_id: int, day: date, due: datetime, now: datetime) -> dict[str, Any]:
    """The round of `day` as a row for a multi-row insert (start-up and the fan-out plan
    many channels' rounds in one statement)."""
    return {
        "kind": WorkKind.ROUND,
        "key": round_key(channel_id, day),
        "payload": {"channel_id": channel_id, "local_date": day.isoformat()},
        "due_at": due,
        "attempts": 0,
        "created_at": now,
    }


async def plan_round(
    session: AsyncSession, channel_id: int, day: date, due: datetime, now: datetime
) -> bool:
    """The round of `day`; False when that round was already planned (or done)."""
    return await work_queue.enqueue(
        session,
        WorkKind.ROUND,
        round_key(channel_id, day),
        due,
        now,
        {"channel_id": channel_id, "local_date": day.isoformat()},
    )


async def plan_next_round(
    session: AsyncSession, channel: Channel, now: datetime, after: datetime | None = None
) -> tuple[date, datetime] | None:
    """Plan the channel's first round after `after` (default: now) that is not planned or done
    yet; returns its (local date, instant), or None when the channel has no schedule."""
    if channel.paused or not channel.configured:
        return None
    schedule = schedule_of(channel)
    moment = after or now
    for _ in range(8):
        slot = schedule.next_slot(moment)
        if slot is None:
            return None
        day, at = slot
        if await plan_round(session, channel.id, day, at, now):
            return slot
        if await work_queue.is_open(session, round_key(channel.id, day)):
            return slot
        moment = at  # that day's round is done: the next slot is on a later day
    return None


async def replan_channel(session: AsyncSession, channel: Channel, now: datetime) -> None:
    """The schedule changed (set-up, time, days, pause, resume, skip): drop the rounds planned
    under the old one that no worker is running, and plan the next under the new one."""
    await work_queue.drop_pending(session, f"round:{channel.id}:", now)
    await plan_next_round(session, channel, now)


async def drop_steps(session: AsyncSession, round_id: int, now: datetime) -> None:
    """A wrapped-up round has no stage left to post."""
    await work_queue.drop_pending(session, f"stage:{round_id}:", now)


def next_step(rnd: Round, total_stages: int, now: datetime) -> tuple[str, datetime] | None:
    """The round's next step by its pacing, as (key, due): the first stage at once, later
    stages `drip_minutes` apart (drip) or at once (all), then the wrap-up; None when the round
    waits for `next` (manual) or is over."""
    if rnd.wrapped_up_at is not None or rnd.posted_at is None or rnd.pacing == Pacing.MANUAL:
        return None
    step = timedelta(minutes=rnd.drip_minutes)
    last = rnd.last_stage_at or rnd.posted_at
    if rnd.stages_posted < total_stages:
        due = now if rnd.stages_posted == 0 or rnd.pacing == Pacing.ALL else last + step
        return stage_key(rnd.id, rnd.stages_posted + 1), due
    if rnd.pacing == Pacing.ALL:
        return wrap_up_key(rnd.id), rnd.posted_at + step * total_stages
    return wrap_up_key(rnd.id), last + step


async def plan_next_step(
    session: AsyncSession, rnd: Round, total_stages: int, now: datetime
) -> bool:
    """Plan what `next_step` says; True when that created work."""
    step = next_step(rnd, total_stages, now)
    if step is None:
        return False
    key, due = step
    return await plan_step(session, rnd, key, due, now)


async def plan_step(
    session: AsyncSession, rnd: Round, key: str, due: datetime, now: datetime
) -> bool:
    if key.startswith("wrapup:"):
        return await work_queue.enqueue(
            session, WorkKind.WRAP_UP, key, due, now, {"round_id": rnd.id}
        )
    position = int(key.rsplit(":", 1)[1])
    return await work_queue.enqueue(
        session, WorkKind.STAGE, key, due, now, {"round_id": rnd.id, "position": position}
    )


async def plan_wrap_up(session: AsyncSession, round_id: int, due: datetime) -> bool:
    return await work_queue.enqueue(
        session, WorkKind.WRAP_UP, wrap_up_key(round_id), due, due, {"round_id": round_id}
    )


async def plan_boards(session: AsyncSession, channel_id: int, day: date, now: datetime) -> None:
    await work_queue.enqueue(
        session,
        WorkKind.BOARDS,
        boards_key(channel_id, day),
        now,
        now,
        {"channel_id": channel_id, "local_date": day.isoformat()},
    )
