"""A round's life as work items: the prompt, each stage, the wrap-up, the closed periods' boards.

Each step runs as one claimed row of the work queue (`bot.worker`) in three moves:
1. **intent**: in one transaction, write down what is about to be posted (the round row
   without a thread, a stage row without a message id, the wrap-up time) and plan what must
   happen even if this step fails (tomorrow's round);
2. **post**, with no transaction open, carrying the step's key (`bot.chat.Once`) so that a
   retry after an ambiguous failure finds the earlier post instead of posting twice;
3. **record**, in one transaction, what the platform returned, and plan the next step.

A kill between any two moves leaves the row leased; when the lease runs out another worker
(or the restarted one) runs the step again, finds the intent and retries with `Once.retry`.
A failure is raised to the worker, which retries the row with backoff; only a channel the
bot cannot reach ends a step early (the channel is paused and its admin told).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, select, update

from bot import assignments, nudges, render
from bot.chat import ChannelRef, Once, OutgoingMessage, Section, UserRef
from bot.digest import digest_of
from bot.final_boards import closed_periods, final_boards
from bot.kinds import Pacing
from bot.models import Channel, Member, Round, StagePost
from bot.port import ChannelUnavailable
from bot.prompt_bank import PromptView, find_prompt, workspace_prompts
from bot.rotation import matching, pick
from bot.rounds import plan
from bot.rounds.queries import (
    changed_rows,
    channel_ref,
    schedule_of,
    thread_of,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps
    from bot.work_queue import Claimed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _RoundIntent:
    """A round row without a thread yet, and what posting its prompt needs."""

    round_id: int
    seq: int
    ref: ChannelRef
    prompt: PromptView
    pacing: Pacing
    drip_minutes: int
    retry: bool
    boards: str | None = None
    """The key of the closed periods' boards, posted just before the prompt."""
    reviewed: tuple[int, tuple[assignments.Assigned, ...]] | None = None
    """The previous round's number and how its assigned reviews went, shown with the prompt."""


# ---------------------------------------------------------------- the round


async def run_round(deps: Deps, item: Claimed) -> str:
    """Post the channel's round of `local_date` (payload), unless it exists or is not wanted."""
    channel_id = int(item.payload["channel_id"])
    day = date.fromisoformat(item.payload["local_date"])
    manual = bool(item.payload.get("manual"))
    intent = await _round_intent(deps, channel_id, day, manual, item.attempts)
    if isinstance(intent, str):
        return intent
    if intent.boards is not None:
        await deps.worker.run_key(intent.boards)  # last week closes before the new round opens
    message = render.prompt_message(
        intent.prompt,
        intent.round_id,
        intent.seq,
        intent.pacing,
        intent.drip_minutes,
        len(deps.content.stages),
    )
    if intent.reviewed is not None:
        message = render.with_assigned_reviews(message, *intent.reviewed)
    try:
        thread = await deps.port_for(intent.ref.platform).post_prompt(
            intent.ref, message, Once(item.key, intent.retry)
        )
    except ChannelUnavailable as exc:
        async with deps.sessions.begin() as session:
            await session.execute(delete(Round).where(Round.id == intent.round_id))
        await pause_unavailable(deps, channel_id, exc.reason)
        return f"unavailable: {exc.reason}"

    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, intent.round_id)
        if rnd is None:
            return "forgotten"
        rnd.thread_id = thread.thread_id
        rnd.posted_at = now
        await plan.plan_next_step(session, rnd, len(deps.content.stages), now)
    deps.worker.poke()
    log.info(
        "round %s (#%s, %s) posted in %s",
        intent.round_id,
        intent.seq,
        intent.prompt.key,
        intent.ref,
    )
    return "posted"


async def _round_intent(
    deps: Deps, channel_id: int, day: date, manual: bool, attempts: int
) -> _RoundIntent | str:
    """Write down the round about to be posted; a status word when nothing is to be posted.

    Tomorrow's round is planned first, in this same transaction, so no failure of today's
    post can lose it."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return "unknown channel"
        schedule = schedule_of(channel)
        await plan.plan_next_round(session, channel, now, after=schedule.slot(day))
        if not manual:
            if channel.paused or not channel.configured:
                return "paused"
            if schedule.local_date(now) != day:
                return "the round's day is over"
        boards: str | None = None
        past = await _rounds_of(session, channel.id)
        todays = next((r for r in past if r.local_date == day), None)
        rnd = await session.get(Round, todays.id) if todays is not None else None
        retry = rnd is not None
        if rnd is not None and rnd.thread_id is not None:
            await plan.plan_next_step(session, rnd, len(deps.content.stages), now)
            return "exists"
        if rnd is not None:
            prompt = await find_prompt(session, deps.content, rnd.workspace_id, rnd.prompt_key)
        else:
            prompt = await _choose_prompt(session, deps, channel, day, [r.prompt_key for r in past])
            if prompt is None:
                return "no-prompts"
            rnd = await _new_round(session, channel, day, prompt, now, past)
            boards = await close_previous(session, channel, rnd, now, past)
            await nudges.rounds_created(
                session, [(channel, rnd, past)], now, len(deps.content.stages)
            )
        if prompt is None:
            return "prompt gone"
        return _RoundIntent(
            round_id=rnd.id,
            seq=rnd.seq,
            ref=await channel_ref(session, channel.id),
            prompt=prompt,
            pacing=rnd.pacing,
            drip_minutes=rnd.drip_minutes,
            retry=retry or attempts > 1,
            boards=boards,
            reviewed=await previous_reviews(session, past, day),
        )


async def previous_reviews(
    session: AsyncSession, past: list[Row[Any]], day: date
) -> tuple[int, tuple[assignments.Assigned, ...]] | None:
    """The channel's previous round's number and assigned reviews, if it had any."""
    before = [r for r in past if r.posted_at is not None and r.local_date < day]
    if not before:
        return None
    last = max(before, key=lambda r: r.local_date)
    rows = await assignments.assigned(session, last.id)
    return (last.seq, tuple(rows)) if rows else None


async def _rounds_of(session: AsyncSession, channel_id: int) -> list[Row[Any]]:
    """The channel's rounds, a few columns each: one read gives the prompt history, the next
    number, today's round, the rounds still open and the last one posted."""
    return list(
        (
            await session.execute(
                select(
                    Round.id,
                    Round.local_date,
                    Round.seq,
                    Round.prompt_key,
                    Round.thread_id,
                    Round.posted_at,
                    Round.wrapped_up_at,
                ).where(Round.channel_id == channel_id)
            )
        ).all()
    )


async def _new_round(
    session: AsyncSession,
    channel: Channel,
    day: date,
    prompt: PromptView,
    now: datetime,
    past: list[Row[Any]],
) -> Round:
    seq = max((r.seq for r in past), default=0)
    rnd = Round(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        local_date=day,
        seq=seq + 1,
        prompt_key=prompt.key,
        prompt_title=prompt.title,
        pacing=channel.pacing,
        drip_minutes=channel.drip_minutes,
        stages_posted=0,
        created_at=now,
    )
    session.add(rnd)
    await session.flush()
    return rnd


async def close_previous(
    session: AsyncSession, channel: Channel, rnd: Round, now: datetime, past: list[Row[Any]]
) -> str | None:
    """A new round wraps up the channel's open ones and posts the boards of the periods that
    closed since the last round, each as work of its own; returns the boards' key, if any."""
    for old in past:
        if old.thread_id is not None and old.wrapped_up_at is None:
            await plan.plan_wrap_up(session, old.id, now)
    posted = [
        r.local_date for r in past if r.posted_at is not None and r.local_date < rnd.local_date
    ]
    if posted and closed_periods(max(posted), rnd.local_date):
        await plan.plan_boards(session, channel.id, rnd.local_date, now)
        return plan.boards_key(channel.id, rnd.local_date)
    return None


async def _choose_prompt(
    session: AsyncSession, deps: Deps, channel: Channel, local_date: date, history: list[str]
) -> PromptView | None:
    prompts = await workspace_prompts(session, deps.content, channel.workspace_id)
    return choose(prompts, channel, local_date, history)


def choose(
    prompts: list[PromptView], channel: Channel, day: date, history: list[str]
) -> PromptView | None:
    """The day's prompt: one that matches the channel's filters, fresh for the channel, the
    same on every try (seeded by channel and date)."""
    candidates = matching(
        [p.choice for p in prompts], channel.tag_filter or [], channel.difficulty_filter or []
    )
    if not candidates:
        return None
    choice = pick(candidates, history, f"{channel.id}:{day.isoformat()}")
    return next(p for p in prompts if p.key == choice.key)


# ---------------------------------------------------------------- stages


async def run_stage(deps: Deps, item: Claimed) -> str:
    """Post stage `position` (payload) of a round, once, in order."""
    stages = deps.content.stages
    round_id, position = int(item.payload["round_id"]), int(item.payload["position"])
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        if rnd is None or rnd.thread_id is None or rnd.wrapped_up_at is not None:
            return "round over"
        if position > len(stages):
            return "no such stage"
        if rnd.stages_posted >= position:
            await plan.plan_next_step(session, rnd, len(stages), now)
            return "already posted"
        if rnd.stages_posted != position - 1:
            await plan.plan_step(
                session, rnd, plan.stage_key(rnd.id, rnd.stages_posted + 1), now, now
            )
            return "out of order"
        stage = stages[position - 1]
        post = await session.scalar(
            select(StagePost).where(
                StagePost.round_id == round_id, StagePost.stage_key == stage.key
            )
        )
        retry = post is not None or item.attempts > 1
        if post is None:
            post = StagePost(
                round_id=round_id, stage_key=stage.key, position=position, posted_at=now
            )
            session.add(post)
            await session.flush()
        post_id = post.id
        ref = await channel_ref(session, rnd.channel_id)
        thread = thread_of(ref, rnd)
        prompt = await find_prompt(session, deps.content, rnd.workspace_id, rnd.prompt_key)
    message = render.stage_message(stage, position, len(stages), prompt)
    try:
        posted = await deps.port_for(ref.platform).post_in_thread(
            thread, message, Once(item.key, retry)
        )
    except ChannelUnavailable as exc:
        await _unavailable(deps, round_id, exc)
        return "unavailable"
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await session.execute(
            update(StagePost).where(StagePost.id == post_id).values(message_id=posted.message_id)
        )
        moved = await changed_rows(
            session,
            update(Round)
            .where(Round.id == round_id, Round.stages_posted == position - 1)
            .values(stages_posted=position, last_stage_at=now),
        )
        rnd = await session.get(Round, round_id)
        if moved and rnd is not None:
            await session.refresh(rnd)
            await plan.plan_next_step(session, rnd, len(stages), now)
    deps.worker.poke()
    return "posted"


# ---------------------------------------------------------------- wrap-up


async def run_wrap_up(deps: Deps, item: Claimed) -> str:
    """Post the wrap-up once: the checklist and who answered which stages."""
    round_id = int(item.payload["round_id"])
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        if rnd is None or rnd.thread_id is None:
            return "no thread"
        retry = rnd.wrapped_up_at is not None
        if not retry:
            rnd.wrapped_up_at = now
        await plan.drop_steps(session, round_id, now)
        channel = await session.get(Channel, rnd.channel_id)
        if channel is not None and channel.assign_reviews:
            await assignments.assign(session, rnd, channel, now)  # plans the private notes
        ref = await channel_ref(session, rnd.channel_id)
        message = render.digest_message(
            await digest_of(session, deps, rnd.id), deps.content.framework
        )
        thread = thread_of(ref, rnd)
    try:
        await deps.port_for(ref.platform).post_in_thread(
            thread, message, Once(item.key, retry or item.attempts > 1)
        )
    except ChannelUnavailable as exc:
        await _unavailable(deps, round_id, exc)
        return "unavailable"
    return "posted"


# ---------------------------------------------------------------- final boards


async def run_boards(deps: Deps, item: Claimed) -> str:
    """Post the boards of the periods that closed before the round of `local_date`."""
    channel_id = int(item.payload["channel_id"])
    day = date.fromisoformat(item.payload["local_date"])
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return "unknown channel"
        boards = await final_boards(session, channel, day)
        ref = await channel_ref(session, channel_id)
    port = deps.port_for(ref.platform)
    for n, board in enumerate(boards):
        try:
            await port.post_in_channel(ref, board, Once(f"{item.key}:{n}", item.attempts > 1))
        except ChannelUnavailable as exc:
            await pause_unavailable(deps, channel_id, exc.reason)
            return "unavailable"
    return f"{len(boards)} posted"


# ---------------------------------------------------------------- a channel out of reach


async def _unavailable(deps: Deps, round_id: int, exc: ChannelUnavailable) -> None:
    async with deps.sessions.begin() as session:
        channel_id = await session.scalar(select(Round.channel_id).where(Round.id == round_id))
    if channel_id is not None:
        await pause_unavailable(deps, channel_id, exc.reason)


async def pause_unavailable(deps: Deps, channel_id: int, reason: str) -> None:
    """Stop posting where the bot cannot: keep the schedule, pause it, and say why."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return
        channel.paused = True
        channel.paused_reason = (
            f"Paused automatically on {now:%Y-%m-%d %H:%M} UTC: the bot could "
            f"not post here ({reason}). Fix access, then /kata resume."
        )
        note = channel.paused_reason
        await plan.replan_channel(session, channel, now)
        ref = await channel_ref(session, channel.id)
        admin = await session.get(Member, channel.setup_by_id) if channel.setup_by_id else None
        admin_user = UserRef(ref.platform, ref.workspace_id, admin.external_id) if admin else None
    log.warning("channel %s (%s) paused: %s", channel_id, ref, reason)
    if admin_user is not None:
        try:
            await deps.port_for(ref.platform).send_private(
                admin_user,
                OutgoingMessage(title="Design Kata paused a channel", sections=(Section(note),)),
            )
        except Exception:
            log.warning("could not tell %s that %s was paused", admin_user, ref, exc_info=True)
