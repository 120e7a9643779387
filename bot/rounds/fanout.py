"""The morning fan-out: many channels' rounds due at once, handled as one batch.

Posting a round one by one costs three transactions and a dozen statements per channel;
ten thousand channels at 09:00 make that the bot's busiest minute. A batch of claimed round
rows is handled in the same three moves as one round (`bot.rounds.lifecycle`), each move
set-based:

1. **intent**, one transaction for the batch: the channels, their workspaces, their earlier
   rounds and their workspaces' own prompts in four reads; tomorrow's rounds and today's
   round rows written with one multi-row insert each;
2. **post** each prompt, concurrently, no transaction open;
3. **record**, one transaction: every thread id in one bulk update, every first stage planned
   in one multi-row insert, every posted row finished.

A row this path cannot settle in bulk (a retry after a kill, a round already posted, a channel
no longer set up) goes through `lifecycle.run_round` alone, with the same guarantees.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, insert, select, update

from bot import assignments, nudges, render, work_queue
from bot.chat import ChannelRef, Once, ThreadRef
from bot.db import insert_rows
from bot.kinds import Pacing, WorkKind
from bot.models import Channel, CustomPrompt, Member, Round, WorkItem, Workspace
from bot.port import ChannelUnavailable
from bot.prompt_bank import PromptView, builtin_views, from_custom
from bot.rounds import lifecycle, plan
from bot.rounds.queries import schedule_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps
    from bot.work_queue import Claimed

log = logging.getLogger(__name__)

Outcome = str | Exception


@dataclass
class _Planned:
    """A round written down in the batch's intent, as plain values that outlive its session."""

    item: Claimed
    channel_id: int
    ref: ChannelRef
    prompt: PromptView
    pacing: Pacing
    drip_minutes: int
    round_id: int = 0
    seq: int = 0
    boards: str | None = None
    reviewed: tuple[int, tuple[assignments.Assigned, ...]] | None = None


async def run_rounds(deps: Deps, items: list[Claimed]) -> dict[int, Outcome]:
    """Post the rounds of `items` (all `WorkKind.ROUND`); each item's status, or the error
    that must send it back for a retry. Rows finished here are marked done in the record."""
    outcomes: dict[int, Outcome] = {}
    single: list[Claimed] = []
    planned = await _intents(deps, items, outcomes, single)
    for item in single:
        try:
            outcomes[item.id] = await lifecycle.run_round(deps, item)
        except Exception as exc:
            outcomes[item.id] = exc
    if not planned:
        return outcomes
    for p in planned:
        if p.boards is not None:
            await deps.worker.run_key(p.boards)
    total = len(deps.content.stages)
    results = await asyncio.gather(
        *(_post(deps, p, total) for p in planned), return_exceptions=True
    )
    posted: list[tuple[_Planned, ThreadRef]] = []
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # the process is going down (cancelled, interrupted): hold everything
    for p, result in zip(planned, results, strict=True):
        if isinstance(result, ThreadRef):
            posted.append((p, result))
        elif isinstance(result, ChannelUnavailable):
            async with deps.sessions.begin() as session:
                await session.execute(delete(Round).where(Round.id == p.round_id))
            await lifecycle.pause_unavailable(deps, p.channel_id, result.reason)
            outcomes[p.item.id] = f"unavailable: {result.reason}"
        else:
            outcomes[p.item.id] = (
                result if isinstance(result, Exception) else RuntimeError(repr(result))
            )
    if posted:
        await _record(deps, posted, total)
        for p, _ in posted:
            outcomes[p.item.id] = "posted"
        deps.worker.poke()
    return outcomes


async def _post(deps: Deps, p: _Planned, total: int) -> ThreadRef:
    message = render.prompt_message(p.prompt, p.round_id, p.seq, p.pacing, p.drip_minutes, total)
    if p.reviewed is not None:
        message = render.with_assigned_reviews(message, *p.reviewed)
    return await deps.port_for(p.ref.platform).post_prompt(p.ref, message, Once(p.item.key))


async def _intents(
    deps: Deps, items: list[Claimed], outcomes: dict[int, Outcome], single: list[Claimed]
) -> list[_Planned]:
    now = deps.clock.now()
    wanted = {int(i.payload["channel_id"]) for i in items}
    async with deps.sessions.begin() as session:
        channels = {
            c.id: c
            for c in (await session.scalars(select(Channel).where(Channel.id.in_(wanted)))).all()
        }
        spaces = {
            w.id: w
            for w in (
                await session.scalars(
                    select(Workspace).where(
                        Workspace.id.in_({c.workspace_id for c in channels.values()})
                    )
                )
            ).all()
        }
        past = await _rounds_by_channel(session, set(channels))
        custom = await _custom_by_workspace(session, set(spaces))
        await _plan_tomorrow(session, items, channels, now)

        planned: list[_Planned] = []
        new: list[tuple[Round, Channel]] = []
        bank: dict[int, list[PromptView]] = {}
        for item in items:
            channel = channels.get(int(item.payload["channel_id"]))
            day = date.fromisoformat(item.payload["local_date"])
            rows = past.get(channel.id, []) if channel is not None else []
            simple = (
                channel is not None
                and item.attempts == 1
                and not item.payload.get("manual")
                and not any(r.local_date == day for r in rows)
            )
            if channel is None or not simple:
                if channel is None:
                    outcomes[item.id] = "unknown channel"
                else:
                    single.append(item)
                continue
            if channel.paused or not channel.configured:
                outcomes[item.id] = "paused"
                continue
            if schedule_of(channel).local_date(now) != day:
                outcomes[item.id] = "the round's day is over"
                continue
            prompts = bank.get(channel.workspace_id)
            if prompts is None:
                prompts = bank[channel.workspace_id] = [
                    *builtin_views(deps.content),
                    *custom.get(channel.workspace_id, []),
                ]
            prompt = lifecycle.choose(prompts, channel, day, [r.prompt_key for r in rows])
            if prompt is None:
                outcomes[item.id] = "no-prompts"
                continue
            space = spaces[channel.workspace_id]
            rnd = Round(
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                local_date=day,
                seq=max((r.seq for r in rows), default=0) + 1,
                prompt_key=prompt.key,
                prompt_title=prompt.title,
                pacing=channel.pacing,
                drip_minutes=channel.drip_minutes,
                stages_posted=0,
                created_at=now,
            )
            new.append((rnd, channel))
            planned.append(
                _Planned(
                    item,
                    channel.id,
                    ChannelRef(space.platform, space.external_id, channel.external_id),
                    prompt,
                    channel.pacing,
                    channel.drip_minutes,
                )
            )
        await _insert_rounds(session, [rnd for rnd, _ in new])
        previous = {
            channel.id: max(
                (r for r in past.get(channel.id, []) if r.posted_at is not None),
                key=lambda r: r.local_date,
                default=None,
            )
            for _, channel in new
        }
        reviews = await assignments.assigned_in(
            session, [r.id for r in previous.values() if r is not None]
        )
        for p, (rnd, channel) in zip(planned, new, strict=True):
            p.round_id, p.seq = rnd.id, rnd.seq
            last = previous[channel.id]
            if last is not None and reviews.get(last.id):
                p.reviewed = (last.seq, tuple(reviews[last.id]))
            p.boards = await lifecycle.close_previous(
                session, channel, rnd, now, past.get(channel.id, [])
            )
        await nudges.rounds_created(
            session, [(c, r, past.get(c.id, [])) for r, c in new], now, len(deps.content.stages)
        )
    return planned


async def _insert_rounds(session: AsyncSession, rounds: list[Round]) -> None:
    """Write the batch's rounds with one multi-row insert and give each its id. The rounds
    stay out of the session: an ORM flush would send one INSERT per round on SQLite."""
    if not rounds:
        return
    columns = (
        "workspace_id",
        "channel_id",
        "local_date",
        "seq",
        "prompt_key",
        "prompt_title",
        "pacing",
        "drip_minutes",
        "stages_posted",
        "created_at",
    )
    ids = {
        (row.channel_id, row.local_date): row.id
        for row in await session.execute(
            insert(Round).returning(Round.id, Round.channel_id, Round.local_date),
            [{c: getattr(rnd, c) for c in columns} for rnd in rounds],
        )
    }
    for rnd in rounds:
        rnd.id = ids[(rnd.channel_id, rnd.local_date)]


async def _rounds_by_channel(
    session: AsyncSession, channel_ids: set[int]
) -> dict[int, list[Row[Any]]]:
    rows = (
        await session.execute(
            select(
                Round.channel_id,
                Round.id,
                Round.local_date,
                Round.seq,
                Round.prompt_key,
                Round.thread_id,
                Round.posted_at,
                Round.wrapped_up_at,
            ).where(Round.channel_id.in_(channel_ids))
        )
    ).all()
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.channel_id].append(row)
    return grouped


async def _custom_by_workspace(
    session: AsyncSession, workspace_ids: set[int]
) -> dict[int, list[PromptView]]:
    grouped: dict[int, list[PromptView]] = defaultdict(list)
    rows = (
        await session.execute(
            select(CustomPrompt, Member.display_name)
            .outerjoin(Member, Member.id == CustomPrompt.created_by_id)
            .where(CustomPrompt.workspace_id.in_(workspace_ids))
            .order_by(CustomPrompt.id)
        )
    ).tuples()
    for row, author in rows:
        grouped[row.workspace_id].append(from_custom(row, author))
    return grouped


async def _plan_tomorrow(
    session: AsyncSession, items: list[Claimed], channels: dict[int, Channel], now: datetime
) -> None:
    """Every channel's next round after this one, in one multi-row insert; the rare channel
    whose next slot was done already goes the one-by-one way."""
    rows: list[dict[str, Any]] = []
    for item in items:
        channel = channels.get(int(item.payload["channel_id"]))
        if channel is None or channel.paused or not channel.configured:
            continue
        schedule = schedule_of(channel)
        slot = schedule.next_slot(schedule.slot(date.fromisoformat(item.payload["local_date"])))
        if slot is None:
            continue
        rows.append(plan.round_row(channel.id, *slot, now))
    if not rows:
        return
    added = {key for (key,) in await insert_rows(session, WorkItem, rows, WorkItem.key)}
    there = [r["key"] for r in rows if r["key"] not in added]
    if not there:
        return
    done = (
        await session.scalars(
            select(WorkItem.key).where(WorkItem.key.in_(there), WorkItem.done_at.is_not(None))
        )
    ).all()
    for key in done:
        channel = channels[int(key.split(":")[1])]
        await plan.plan_next_round(
            session,
            channel,
            now,
            after=schedule_of(channel).slot(date.fromisoformat(key.rsplit(":", 1)[1])),
        )


async def _record(deps: Deps, posted: list[tuple[_Planned, ThreadRef]], total: int) -> None:
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await session.execute(
            update(Round).execution_options(synchronize_session=False),
            [{"id": p.round_id, "thread_id": t.thread_id, "posted_at": now} for p, t in posted],
        )
        steps: list[dict[str, Any]] = []
        for p, _ in posted:
            fresh = Round(
                id=p.round_id,
                pacing=p.pacing,
                drip_minutes=p.drip_minutes,
                stages_posted=0,
                posted_at=now,
                last_stage_at=None,
                wrapped_up_at=None,
            )
            step = plan.next_step(fresh, total, now)
            if step is not None:
                key, due = step
                steps.append(
                    {
                        "kind": WorkKind.STAGE,
                        "key": key,
                        "payload": {"round_id": p.round_id, "position": 1},
                        "due_at": due,
                        "attempts": 0,
                        "created_at": now,
                    }
                )
        if steps:
            await insert_rows(session, WorkItem, steps)
        await work_queue.finish_many(session, [p.item.id for p, _ in posted], deps.worker.name, now)
    for p, _ in posted:
        log.info("round %s (#%s, %s) posted in %s", p.round_id, p.seq, p.prompt.key, p.ref)
