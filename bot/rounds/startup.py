"""After a (re)start: timers live in memory only, so they are rebuilt from the database, and
rounds missed while the bot was down are posted if their local day is not over."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.models import Channel, Round, Workspace
from bot.rounds.lifecycle import start_round
from bot.rounds.queries import schedule_of
from bot.rounds.timers import next_round_slot, schedule_pacing, set_round_timer

if TYPE_CHECKING:
    from bot.context import Deps

STUCK_AFTER = timedelta(minutes=10)
"""A round claimed this long ago and still without a thread lost its process mid-post."""


async def rebuild(deps: Deps) -> None:
    """Rebuild every timer of the attached platforms and post what was missed while down."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await session.execute(
            delete(Round).where(Round.thread_id.is_(None), Round.created_at < now - STUCK_AFTER)
        )
        attached = Workspace.platform.in_(deps.platforms)
        channels = (
            await session.scalars(
                select(Channel)
                .join(Workspace, Workspace.id == Channel.workspace_id)
                .where(Channel.configured, attached)
            )
        ).all()
        open_rounds = (
            await session.scalars(
                select(Round)
                .join(Workspace, Workspace.id == Round.workspace_id)
                .where(Round.thread_id.is_not(None), Round.wrapped_up_at.is_(None), attached)
            )
        ).all()
        for rnd in open_rounds:
            schedule_pacing(deps, rnd, total_stages=len(deps.content.stages))
        active = [
            (c.id, schedule_of(c).due_today(now), next_round_slot(deps, c))
            for c in channels
            if not c.paused
        ]
    for channel_id, due, slot in active:
        if due is not None:
            await start_round(deps, channel_id, due, scheduled=True)
        set_round_timer(deps, channel_id, slot)
