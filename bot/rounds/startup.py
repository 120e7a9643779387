"""After a (re)start: every scheduled channel must have its next round planned as work.

Planned work survives restarts in the database, so this only fills gaps: a channel set up
before the work queue existed, a round whose step was never planned (an upgrade from timers),
or today's round of a channel whose time came while no process was running. It writes in
set-sized batches and yields to the event loop between them, so ten thousand channels never
block the loop for long.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.db import insert_rows
from bot.kinds import WorkKind
from bot.models import Channel, Round, WorkItem, Workspace
from bot.rounds import plan
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps

BATCH = 200


async def plan_missing(deps: Deps) -> int:
    """Plan the next round of every active channel that has none open, and the next step of
    every open round of the attached platforms; returns how many rounds it planned."""
    now = deps.clock.now()
    attached = Workspace.platform.in_(deps.platforms)
    async with deps.sessions() as session:
        open_keys = (
            await session.scalars(
                select(WorkItem.key).where(
                    WorkItem.kind == WorkKind.ROUND,
                    WorkItem.done_at.is_(None),
                    WorkItem.dead_at.is_(None),
                )
            )
        ).all()
        planned = {int(key.split(":")[1]) for key in open_keys}
        channel_ids = [
            cid
            for cid in (
                await session.scalars(
                    select(Channel.id)
                    .join(Workspace, Workspace.id == Channel.workspace_id)
                    .where(Channel.configured, Channel.paused.is_(False), attached)
                )
            ).all()
            if cid not in planned
        ]
        open_rounds = (
            await session.scalars(
                select(Round.id)
                .join(Workspace, Workspace.id == Round.workspace_id)
                .where(Round.thread_id.is_not(None), Round.wrapped_up_at.is_(None), attached)
            )
        ).all()
    made = 0
    async with deps.sessions.begin() as session:  # one commit for all: start-up waits on it
        for start in range(0, len(channel_ids), BATCH):
            made += await _plan_batch(session, channel_ids[start : start + BATCH], now)
            await asyncio.sleep(0)
    total = len(deps.content.stages)
    for start in range(0, len(open_rounds), BATCH):
        async with deps.sessions.begin() as session:
            rounds = (
                await session.scalars(
                    select(Round).where(Round.id.in_(open_rounds[start : start + BATCH]))
                )
            ).all()
            for rnd in rounds:
                await plan.plan_next_step(session, rnd, total, now)
        await asyncio.sleep(0)
    return made


async def _plan_batch(session: AsyncSession, channel_ids: list[int], now: datetime) -> int:
    """A batch of channels: every channel's candidate round (today's if its time came, else
    the next slot) in one multi-row insert; the few whose candidate was already done (today's
    round was posted before the restart) go one by one."""
    channels = (await session.scalars(select(Channel).where(Channel.id.in_(channel_ids)))).all()
    rows: list[dict[str, Any]] = []
    for channel in channels:
        schedule = schedule_of(channel)
        today = schedule.due_today(now)
        slot = (today, schedule.slot(today)) if today is not None else schedule.next_slot(now)
        if slot is not None:
            rows.append(plan.round_row(channel.id, *slot, now))
    added = {key for (key,) in await insert_rows(session, WorkItem, rows, WorkItem.key)}
    # Only keys that were there already need a look (usually none): reading all of them
    # back made PostgreSQL scan the table it had just filled, batch after batch.
    there = [r["key"] for r in rows if r["key"] not in added]
    still = added
    if there:
        still = added | set(
            (
                await session.scalars(
                    select(WorkItem.key).where(
                        WorkItem.key.in_(there),
                        WorkItem.done_at.is_(None),
                        WorkItem.dead_at.is_(None),
                    )
                )
            ).all()
        )
    key_of = {r["payload"]["channel_id"]: r["key"] for r in rows}
    for channel in channels:
        if key_of.get(channel.id) not in still:
            await plan.plan_next_round(session, channel, now)
    return len(still)
