"""Every scheduled job by name: a plain module-level callback taking the core's `Deps` and
the job's keyword arguments, so the scheduler holds no live objects. Adding a job is a name in
`bot.jobs.Action` and an entry here; a test checks that every scheduled action has one.
Every job posts, so its database work is `bot.rounds.lifecycle`'s claim, post, record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.context import Deps
from bot.jobs import Action
from bot.rounds import lifecycle

JobCallback = Callable[[Deps, dict[str, Any]], Awaitable[None]]


async def post_round(deps: Deps, kwargs: dict[str, Any]) -> None:
    await lifecycle.fire_round(deps, kwargs["channel_id"], date.fromisoformat(kwargs["local_date"]))


async def post_stage(deps: Deps, kwargs: dict[str, Any]) -> None:
    await lifecycle.post_next_stage(deps, kwargs["round_id"])


async def post_wrap_up(deps: Deps, kwargs: dict[str, Any]) -> None:
    await lifecycle.wrap_up(deps, kwargs["round_id"])


JOBS: dict[str, JobCallback] = {
    Action.ROUND: post_round,
    Action.STAGE: post_stage,
    Action.WRAPUP: post_wrap_up,
}
