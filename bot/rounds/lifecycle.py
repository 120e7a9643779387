"""A round's life: created once per channel and local date, posted, staged, wrapped up.

Every step first claims its work in the database with a conditional write (a unique insert or
an `UPDATE ... WHERE` on the old value), then talks to the platform, then records what the
platform returned, or undoes its claim when the post failed. Two processes, a restart or a
retried job can therefore never post the same thing twice.

This is why a step here opens two or three short transactions where a command or an event
runs in one unit of work (`bot.unit`): no transaction stays open across a platform call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot import render
from bot.chat import ChannelRef, OutgoingMessage, Section, UserRef
from bot.digest import digest_of
from bot.final_boards import final_boards
from bot.jobs import Action
from bot.kinds import Pacing
from bot.models import Channel, Member, Round, StagePost
from bot.port import ChannelUnavailable
from bot.prompt_bank import PromptView, find_prompt, workspace_prompts
from bot.rotation import matching, pick
from bot.rounds.queries import changed_rows, channel_ref, schedule_of, thread_of
from bot.rounds.timers import (
    cancel_rounds,
    cancel_steps,
    retry_round,
    retry_step,
    schedule_next,
    schedule_pacing,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NextPosted:
    """What `post_next_stage` put in the thread: a stage, or (`stage_key` None) the wrap-up."""

    stage_key: str | None

    @property
    def wrap_up(self) -> bool:
        return self.stage_key is None


@dataclass(frozen=True)
class StartResult:
    status: str  # "posted", "exists", "paused", "no-prompts", "unavailable", "failed"
    round_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Claimed:
    """A round row without a thread yet (the claim), and what posting its prompt needs."""

    round_id: int
    seq: int
    ref: ChannelRef
    prompt: PromptView
    pacing: Pacing
    drip_minutes: int
    still_open: list[int]
    boards: list[OutgoingMessage]


# ---------------------------------------------------------------- starting


async def fire_round(deps: Deps, channel_id: int, local_date: date) -> None:
    """The scheduled job: post the day's round, then set the next timer."""
    await start_round(deps, channel_id, local_date, scheduled=True)
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is not None:
            schedule_next(deps, channel)


async def start_round(
    deps: Deps, channel_id: int, local_date: date, *, scheduled: bool
) -> StartResult:
    claimed = await _claim_round(deps, channel_id, local_date, scheduled)
    if isinstance(claimed, StartResult):
        return claimed
    await _close_previous(deps, claimed)
    ref, round_id = claimed.ref, claimed.round_id
    total = len(deps.content.stages)
    message = render.prompt_message(
        claimed.prompt, round_id, claimed.seq, claimed.pacing, claimed.drip_minutes, total
    )
    try:
        thread = await deps.port_for(ref.platform).post_prompt(ref, message)
    except ChannelUnavailable as exc:
        await _forget_round(deps, round_id)
        await pause_unavailable(deps, channel_id, exc.reason)
        return StartResult("unavailable", detail=exc.reason)
    except Exception:
        log.exception("posting round %s in %s failed; retrying in 5 minutes", round_id, ref)
        await _forget_round(deps, round_id)
        if scheduled:
            retry_round(deps, channel_id, local_date)
        return StartResult("failed", detail="the platform did not accept the post")

    async with deps.sessions.begin() as session:
        posted = await session.get(Round, round_id)
        assert posted is not None
        posted.thread_id = thread.thread_id
        posted.posted_at = deps.clock.now()
    log.info("round %s (#%s, %s) posted in %s", round_id, claimed.seq, claimed.prompt.key, ref)

    if claimed.pacing == Pacing.DRIP:
        await post_next_stage(deps, round_id)
    elif claimed.pacing == Pacing.ALL:
        for _ in range(total):
            if await post_next_stage(deps, round_id) is None:
                break
    return StartResult("posted", round_id)


async def _claim_round(
    deps: Deps, channel_id: int, local_date: date, scheduled: bool
) -> _Claimed | StartResult:
    """Insert the day's round (unique per channel and date) with its prompt chosen; a
    `StartResult` when there is nothing to post."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return StartResult("failed", detail="unknown channel")
        if scheduled and (channel.paused or not channel.configured):
            return StartResult("paused")
        if scheduled and schedule_of(channel).local_date(now) != local_date:
            return StartResult("failed", detail="the round's day is over")
        existing = await session.scalar(
            select(Round.id).where(Round.channel_id == channel.id, Round.local_date == local_date)
        )
        if existing is not None:
            return StartResult("exists", existing)
        prompt = await _choose_prompt(session, deps, channel, local_date)
        if prompt is None:
            return StartResult("no-prompts", detail="no prompt matches this channel's filters")
        seq = (
            await session.scalar(select(func.max(Round.seq)).where(Round.channel_id == channel.id))
        ) or 0
        rnd = Round(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            local_date=local_date,
            seq=seq + 1,
            prompt_key=prompt.key,
            prompt_title=prompt.title,
            pacing=channel.pacing,
            drip_minutes=channel.drip_minutes,
            stages_posted=0,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(rnd)
        except IntegrityError:
            return StartResult("exists")
        still_open = (
            await session.scalars(
                select(Round.id).where(
                    Round.channel_id == channel.id,
                    Round.id != rnd.id,
                    Round.thread_id.is_not(None),
                    Round.wrapped_up_at.is_(None),
                )
            )
        ).all()
        return _Claimed(
            round_id=rnd.id,
            seq=rnd.seq,
            ref=await channel_ref(session, channel.id),
            prompt=prompt,
            pacing=rnd.pacing,
            drip_minutes=rnd.drip_minutes,
            still_open=list(still_open),
            boards=await final_boards(session, channel, local_date),
        )


async def _choose_prompt(
    session: AsyncSession, deps: Deps, channel: Channel, local_date: date
) -> PromptView | None:
    """The day's prompt: one that matches the channel's filters, fresh for the channel."""
    prompts = await workspace_prompts(session, deps.content, channel.workspace_id)
    history = (
        await session.scalars(select(Round.prompt_key).where(Round.channel_id == channel.id))
    ).all()
    candidates = matching(
        [p.choice for p in prompts], channel.tag_filter or [], channel.difficulty_filter or []
    )
    if not candidates:
        return None
    choice = pick(candidates, history, f"{channel.id}:{local_date.isoformat()}")
    return next(p for p in prompts if p.key == choice.key)


async def _close_previous(deps: Deps, claimed: _Claimed) -> None:
    """Before a new round: wrap up the channel's open ones, post the closed periods' boards."""
    for round_id in claimed.still_open:
        await wrap_up(deps, round_id)
    for board in claimed.boards:
        try:
            await deps.port_for(claimed.ref.platform).post_in_channel(claimed.ref, board)
        except Exception:
            log.warning("could not post a final board in %s", claimed.ref, exc_info=True)


async def _forget_round(deps: Deps, round_id: int) -> None:
    async with deps.sessions.begin() as session:
        await session.execute(delete(Round).where(Round.id == round_id))


async def pause_unavailable(deps: Deps, channel_id: int, reason: str) -> None:
    """Stop posting where the bot cannot: keep the schedule, pause it, and say why."""
    async with deps.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return
        channel.paused = True
        channel.paused_reason = (
            f"Paused automatically on {deps.clock.now():%Y-%m-%d %H:%M} UTC: the bot could "
            f"not post here ({reason}). Fix access, then /kata resume."
        )
        note = channel.paused_reason
        ref = await channel_ref(session, channel.id)
        admin = await session.get(Member, channel.setup_by_id) if channel.setup_by_id else None
        admin_user = UserRef(ref.platform, ref.workspace_id, admin.external_id) if admin else None
    cancel_rounds(deps, channel_id)
    log.warning("channel %s (%s) paused: %s", channel_id, ref, reason)
    if admin_user is not None:
        try:
            await deps.port_for(ref.platform).send_private(
                admin_user,
                OutgoingMessage(title="Design Kata paused a channel", sections=(Section(note),)),
            )
        except Exception:
            log.warning("could not tell %s that %s was paused", admin_user, ref, exc_info=True)


# ---------------------------------------------------------------- stages and wrap-up


async def post_next_stage(deps: Deps, round_id: int) -> NextPosted | None:
    """Post the round's next stage, or its wrap-up after the last one; None when there was
    nothing to do (someone was quicker, or the post failed and will be retried)."""
    stages = deps.content.stages
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        if rnd is None or rnd.thread_id is None or rnd.wrapped_up_at is not None:
            return None
        n = rnd.stages_posted
        if n >= len(stages):
            finished = True
        else:
            finished = False
            claimed = await changed_rows(
                session,
                update(Round)
                .where(Round.id == round_id, Round.stages_posted == n)
                .values(stages_posted=n + 1, last_stage_at=now),
            )
            if claimed != 1:
                return None
            post = StagePost(
                round_id=round_id, stage_key=stages[n].key, position=n + 1, posted_at=now
            )
            session.add(post)
            await session.flush()
            post_id = post.id
            ref = await channel_ref(session, rnd.channel_id)
            thread = thread_of(ref, rnd)
            prompt = await find_prompt(session, deps.content, rnd.workspace_id, rnd.prompt_key)
    if finished:
        return NextPosted(None) if await wrap_up(deps, round_id) else None

    stage = stages[n]
    try:
        posted = await deps.port_for(ref.platform).post_in_thread(
            thread, render.stage_message(stage, n + 1, len(stages), prompt)
        )
    except Exception as exc:
        async with deps.sessions.begin() as session:
            await session.execute(delete(StagePost).where(StagePost.id == post_id))
            await session.execute(
                update(Round)
                .where(Round.id == round_id, Round.stages_posted == n + 1)
                .values(stages_posted=n)
            )
        await _after_failure(deps, exc, ref, round_id, Action.STAGE)
        return None
    async with deps.sessions.begin() as session:
        row = await session.get(StagePost, post_id)
        if row is not None:
            row.message_id = posted.message_id
        rnd = await session.get(Round, round_id)
        if rnd is not None:
            schedule_pacing(deps, rnd, len(stages))
    return NextPosted(stage.key)


async def wrap_up(deps: Deps, round_id: int) -> bool:
    """Post the wrap-up once: the checklist and who answered which stages."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        claimed = await changed_rows(
            session,
            update(Round)
            .where(
                Round.id == round_id,
                Round.wrapped_up_at.is_(None),
                Round.thread_id.is_not(None),
            )
            .values(wrapped_up_at=now),
        )
        if claimed != 1:
            return False
        rnd = await session.get(Round, round_id)
        assert rnd is not None
        ref = await channel_ref(session, rnd.channel_id)
        message = render.digest_message(
            await digest_of(session, deps, rnd.id), deps.content.framework
        )
        thread = thread_of(ref, rnd)
    cancel_steps(deps, round_id)
    try:
        await deps.port_for(ref.platform).post_in_thread(thread, message)
    except Exception as exc:
        async with deps.sessions.begin() as session:
            await session.execute(
                update(Round).where(Round.id == round_id).values(wrapped_up_at=None)
            )
        await _after_failure(deps, exc, ref, round_id, Action.WRAPUP)
        return False
    return True


async def _after_failure(
    deps: Deps, exc: Exception, ref: ChannelRef, round_id: int, action: Action
) -> None:
    """A post that failed: pause a channel the bot cannot reach, else try again later."""
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        channel_id = rnd.channel_id if rnd else None
    if isinstance(exc, ChannelUnavailable):
        if channel_id is not None:
            await pause_unavailable(deps, channel_id, exc.reason)
        return
    log.error(
        "posting %s for round %s in %s failed (%s); retrying in 5 minutes",
        action,
        round_id,
        ref,
        exc,
    )
    retry_step(deps, action, round_id)
