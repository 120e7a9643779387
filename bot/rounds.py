"""A round's life: created once per channel and local date, posted, staged, wrapped up.

Every step first claims its work in the database with a conditional write (a unique insert or
an `UPDATE ... WHERE` on the old value), then talks to the platform. Two processes, a
restart or a retried job can therefore never post the same thing twice; a failed post gives
its claim back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable

from bot import leaderboard, render, skips, stats
from bot.chat import ChannelRef, OutgoingMessage, Section, ThreadRef, UserRef
from bot.kinds import Pacing
from bot.models import Answer, Channel, Member, Round, StagePost, Workspace
from bot.port import ChannelUnavailable
from bot.prompt_bank import find_prompt, workspace_prompts
from bot.rotation import matching, pick
from bot.schedule import Schedule

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.core import Kata

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)
STUCK_AFTER = timedelta(minutes=10)


def schedule_of(channel: Channel) -> Schedule:
    return Schedule(
        channel.post_time, channel.timezone, channel.weekdays, frozenset(skips.skipped(channel))
    )


async def channel_ref(session: AsyncSession, channel_id: int) -> ChannelRef:
    platform, workspace, channel = (
        await session.execute(
            select(Workspace.platform, Workspace.external_id, Channel.external_id)
            .join(Channel, Channel.workspace_id == Workspace.id)
            .where(Channel.id == channel_id)
        )
    ).one()
    return ChannelRef(platform, workspace, channel)


async def changed_rows(session: AsyncSession, statement: Executable) -> int:
    """Rows an UPDATE or DELETE touched: how a conditional write learns it won its claim."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount


def thread_of(ref: ChannelRef, rnd: Round) -> ThreadRef:
    assert rnd.thread_id is not None
    return ThreadRef(ref, rnd.thread_id)


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


# ---------------------------------------------------------------- timers


def schedule_next(kata: Kata, channel: Channel) -> None:
    job_id = f"round:{channel.id}"
    if channel.paused or not channel.configured:
        kata.jobs.cancel(job_id)
        return
    slot = schedule_of(channel).next_slot(kata.clock.now())
    if slot is None:
        kata.jobs.cancel(job_id)
        return
    day, at = slot
    kata.jobs.run_at(job_id, at, "round", channel_id=channel.id, local_date=day.isoformat())


async def rebuild(kata: Kata) -> None:
    """Rebuild every timer from the database and post what was missed while down."""
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
        await session.execute(
            delete(Round).where(Round.thread_id.is_(None), Round.created_at < now - STUCK_AFTER)
        )
        attached = Workspace.platform.in_(kata.platforms)
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
        schedule_pacing(kata, rnd, total_stages=len(kata.content.stages))
    for channel in channels:
        if channel.paused:
            continue
        due = schedule_of(channel).due_today(now)
        if due is not None:
            await start_round(kata, channel.id, due, scheduled=True)
        schedule_next(kata, channel)


def schedule_pacing(kata: Kata, rnd: Round, total_stages: int) -> None:
    """Set the timer for a posted round's next step according to its pacing."""
    if rnd.wrapped_up_at is not None or rnd.posted_at is None:
        return
    step = timedelta(minutes=rnd.drip_minutes)
    if rnd.pacing == Pacing.DRIP:
        last = rnd.last_stage_at or rnd.posted_at
        if rnd.stages_posted < total_stages:
            kata.jobs.run_at(f"stage:{rnd.id}", last + step, "stage", round_id=rnd.id)
        else:
            kata.jobs.run_at(f"wrapup:{rnd.id}", last + step, "wrapup", round_id=rnd.id)
    elif rnd.pacing == Pacing.ALL:
        if rnd.stages_posted < total_stages:  # a failed post left stages to catch up on
            when = rnd.last_stage_at or rnd.posted_at
            kata.jobs.run_at(f"stage:{rnd.id}", when, "stage", round_id=rnd.id)
        else:
            kata.jobs.cancel(f"stage:{rnd.id}")
            at = rnd.posted_at + step * total_stages
            kata.jobs.run_at(f"wrapup:{rnd.id}", at, "wrapup", round_id=rnd.id)


async def fire_round(kata: Kata, channel_id: int, local_date: str) -> None:
    """The scheduled job: post the day's round, then set the next timer."""
    await start_round(kata, channel_id, date.fromisoformat(local_date), scheduled=True)
    async with kata.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
    if channel is not None:
        schedule_next(kata, channel)


# ---------------------------------------------------------------- starting


async def start_round(
    kata: Kata, channel_id: int, local_date: date, *, scheduled: bool
) -> StartResult:
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return StartResult("failed", detail="unknown channel")
        if scheduled and (channel.paused or not channel.configured):
            return StartResult("paused")
        if scheduled and schedule_of(channel).local_date(now) != local_date:
            return StartResult("failed", detail="the round's day is over")
        existing = await session.scalar(
            select(Round).where(Round.channel_id == channel.id, Round.local_date == local_date)
        )
        if existing is not None:
            return StartResult("exists", existing.id)
        ref = await channel_ref(session, channel.id)
        prompts = await workspace_prompts(session, kata.content, channel.workspace_id)
        history = (
            await session.scalars(select(Round.prompt_key).where(Round.channel_id == channel.id))
        ).all()
        candidates = matching(
            [p.choice for p in prompts], channel.tag_filter or [], channel.difficulty_filter or []
        )
        if not candidates:
            return StartResult("no-prompts", detail="no prompt matches this channel's filters")
        choice = pick(candidates, history, f"{channel.id}:{local_date.isoformat()}")
        prompt = next(p for p in prompts if p.key == choice.key)
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
        previous = (
            await session.scalars(
                select(Round.id).where(
                    Round.channel_id == channel.id,
                    Round.id != rnd.id,
                    Round.thread_id.is_not(None),
                    Round.wrapped_up_at.is_(None),
                )
            )
        ).all()
        round_id, pacing, drip = rnd.id, rnd.pacing, rnd.drip_minutes
        boards = await _final_boards(session, channel, local_date)
    for prev_id in previous:
        await wrap_up(kata, prev_id)
    for board in boards:
        try:
            await kata.port_for(ref.platform).post_in_channel(ref, board)
        except Exception:
            log.warning("could not post a final board in %s", ref, exc_info=True)

    total = len(kata.content.stages)
    message = render.prompt_message(prompt, round_id, seq + 1, pacing, drip, total)
    try:
        thread = await kata.port_for(ref.platform).post_prompt(ref, message)
    except ChannelUnavailable as exc:
        await _forget_round(kata, round_id)
        await pause_unavailable(kata, channel_id, exc.reason)
        return StartResult("unavailable", detail=exc.reason)
    except Exception:
        log.exception("posting round %s in %s failed; retrying in 5 minutes", round_id, ref)
        await _forget_round(kata, round_id)
        if scheduled:
            kata.jobs.run_at(
                f"round-retry:{channel_id}",
                now + RETRY_AFTER,
                "round",
                channel_id=channel_id,
                local_date=local_date.isoformat(),
            )
        return StartResult("failed", detail="the platform did not accept the post")

    async with kata.sessions.begin() as session:
        posted = await session.get(Round, round_id)
        assert posted is not None
        posted.thread_id = thread.thread_id
        posted.posted_at = kata.clock.now()
    log.info("round %s (#%s, %s) posted in %s", round_id, seq + 1, prompt.key, ref)

    if pacing == Pacing.DRIP:
        await post_next_stage(kata, round_id)
    elif pacing == Pacing.ALL:
        for _ in range(total):
            if await post_next_stage(kata, round_id) is None:
                break
    return StartResult("posted", round_id)


async def _final_boards(
    session: AsyncSession, channel: Channel, today: date
) -> list[OutgoingMessage]:
    """Last week's (and last month's) points board, posted once, with the first round of a
    new calendar period: the period closes, its champions are named, the board starts over."""
    last = await session.scalar(
        select(Round)
        .where(
            Round.channel_id == channel.id,
            Round.local_date < today,
            Round.posted_at.is_not(None),
        )
        .order_by(Round.local_date.desc())
        .limit(1)
    )
    if last is None or last.posted_at is None:
        return []
    zone = schedule_of(channel).zone
    closed: list[tuple[leaderboard.Period, str]] = []
    if last.local_date < today - timedelta(days=today.weekday()):
        week_of = last.local_date - timedelta(days=last.local_date.weekday())
        closed.append(("week", f"Final board for the week of {week_of:%a %d %b}"))
    if (last.local_date.year, last.local_date.month) != (today.year, today.month):
        closed.append(("month", f"Final board for {last.local_date:%B %Y}"))
    boards = []
    for period, title in closed:
        rows = await leaderboard.board(
            session, channel.workspace_id, channel.id, "points", period, last.posted_at, zone
        )
        if rows:
            boards.append(stats.board_message(title, rows, "points"))
    return boards


async def _forget_round(kata: Kata, round_id: int) -> None:
    async with kata.sessions.begin() as session:
        await session.execute(delete(Round).where(Round.id == round_id))


async def pause_unavailable(kata: Kata, channel_id: int, reason: str) -> None:
    """Stop posting where the bot cannot: keep the schedule, pause it, and say why."""
    async with kata.sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None:
            return
        channel.paused = True
        channel.paused_reason = (
            f"Paused automatically on {kata.clock.now():%Y-%m-%d %H:%M} UTC: the bot could "
            f"not post here ({reason}). Fix access, then /kata resume."
        )
        note = channel.paused_reason
        ref = await channel_ref(session, channel.id)
        admin = await session.get(Member, channel.setup_by_id) if channel.setup_by_id else None
        admin_user = UserRef(ref.platform, ref.workspace_id, admin.external_id) if admin else None
    kata.jobs.cancel(f"round:{channel_id}")
    log.warning("channel %s (%s) paused: %s", channel_id, ref, reason)
    if admin_user is not None:
        try:
            await kata.port_for(ref.platform).send_private(
                admin_user,
                OutgoingMessage(title="Design Kata paused a channel", sections=(Section(note),)),
            )
        except Exception:
            log.warning("could not tell %s that %s was paused", admin_user, ref, exc_info=True)


# ---------------------------------------------------------------- stages and wrap-up


async def post_next_stage(kata: Kata, round_id: int) -> NextPosted | None:
    """Post the round's next stage, or its wrap-up after the last one; None when there was
    nothing to do (someone was quicker, or the post failed and will be retried)."""
    stages = kata.content.stages
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
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
            prompt = await find_prompt(session, kata.content, rnd.workspace_id, rnd.prompt_key)
    if finished:
        return NextPosted(None) if await wrap_up(kata, round_id) else None

    stage = stages[n]
    try:
        posted = await kata.port_for(ref.platform).post_in_thread(
            thread, render.stage_message(stage, n + 1, len(stages), prompt)
        )
    except Exception as exc:
        async with kata.sessions.begin() as session:
            await session.execute(delete(StagePost).where(StagePost.id == post_id))
            await session.execute(
                update(Round)
                .where(Round.id == round_id, Round.stages_posted == n + 1)
                .values(stages_posted=n)
            )
        await _after_failure(kata, exc, ref, round_id, f"stage:{round_id}", "stage")
        return None
    async with kata.sessions.begin() as session:
        row = await session.get(StagePost, post_id)
        if row is not None:
            row.message_id = posted.message_id
        rnd = await session.get(Round, round_id)
    if rnd is not None:
        schedule_pacing(kata, rnd, len(stages))
    return NextPosted(stage.key)


async def _after_failure(
    kata: Kata, exc: Exception, ref: ChannelRef, round_id: int, job_id: str, action: str
) -> None:
    async with kata.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        channel_id = rnd.channel_id if rnd else None
    if isinstance(exc, ChannelUnavailable):
        if channel_id is not None:
            await pause_unavailable(kata, channel_id, exc.reason)
        return
    log.error(
        "posting %s for round %s in %s failed (%s); retrying in 5 minutes",
        action,
        round_id,
        ref,
        exc,
    )
    kata.jobs.run_at(job_id, kata.clock.now() + RETRY_AFTER, action, round_id=round_id)


async def coverage(session: AsyncSession, round_id: int) -> dict[str, list[str]]:
    rows = (
        await session.execute(
            select(Member.display_name, Answer.stage_key)
            .join(Member, Member.id == Answer.member_id)
            .where(Answer.round_id == round_id)
        )
    ).all()
    result: dict[str, list[str]] = {}
    for name, stage in rows:
        result.setdefault(name, [])
        if stage not in result[name]:
            result[name].append(stage)
    return result


async def wrap_up(kata: Kata, round_id: int) -> bool:
    """Post the wrap-up once: the checklist and who answered which stages."""
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
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
        prompt = await find_prompt(session, kata.content, rnd.workspace_id, rnd.prompt_key)
        message = render.wrapup_message(
            prompt,
            rnd.prompt_title,
            rnd.id,
            kata.content.framework,
            await coverage(session, rnd.id),
        )
        thread = thread_of(ref, rnd)
    kata.jobs.cancel(f"stage:{round_id}")
    kata.jobs.cancel(f"wrapup:{round_id}")
    try:
        await kata.port_for(ref.platform).post_in_thread(thread, message)
    except Exception as exc:
        async with kata.sessions.begin() as session:
            await session.execute(
                update(Round).where(Round.id == round_id).values(wrapped_up_at=None)
            )
        await _after_failure(kata, exc, ref, round_id, f"wrapup:{round_id}", "wrapup")
        return False
    return True
