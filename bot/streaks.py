"""Streaks counted on a channel's rounds, not on calendar days.

Rounds carry a sequence number per channel, so a weekend, a pause or a skipped day never
breaks a streak: only a round that happened and went unanswered does. Every 7th round in a
row earns a freeze (at most 2 banked); when a member comes back after missing rounds, banked
freezes cover them one each, and the streak goes on.

`advance` is the incremental rule applied as answers arrive; `recompute` walks the history
round by round, a second, independent statement of the same rule (property tests hold them
to agreement).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Answer, AwayPeriod, Round, Streak

FREEZE_EVERY = 7
MAX_FREEZES = 2


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    freezes: int = 0
    freezes_used: int = 0
    last_seq: int | None = None


def advance(state: StreakState, seq: int) -> StreakState:
    """A member answered round `seq` for the first time. Answers to rounds at or before the
    last counted one change nothing."""
    if state.last_seq is not None and seq <= state.last_seq:
        return state
    freezes, used = state.freezes, state.freezes_used
    if state.last_seq is None:
        current = 1
    else:
        missed = seq - state.last_seq - 1
        if missed <= freezes:
            freezes -= missed
            used += missed
            current = state.current + 1
        else:
            current = 1
    if current % FREEZE_EVERY == 0:
        freezes = min(MAX_FREEZES, freezes + 1)
    return StreakState(
        current=current,
        longest=max(state.longest, current),
        freezes=freezes,
        freezes_used=used,
        last_seq=seq,
    )


def excuse(state: StreakState, seq: int) -> StreakState:
    """Round `seq` ended while the member was away (`bot.away`): it neither counts nor
    breaks. Misses before it are settled with freezes as an answer would settle them, and the
    streak carries on from it; a streak already broken stays broken."""
    if state.last_seq is None or seq <= state.last_seq:
        return state
    missed = seq - state.last_seq - 1
    if missed > state.freezes:
        return state
    return replace(
        state,
        freezes=state.freezes - missed,
        freezes_used=state.freezes_used + missed,
        last_seq=seq,
    )


def recompute(answered_seqs: Iterable[int], excused_seqs: Iterable[int] = ()) -> StreakState:
    """Rebuild the state from the set of round numbers a member answered, and those they were
    away for (`excuse`)."""
    answered = set(answered_seqs)
    if not answered:
        return StreakState()
    excused = set(excused_seqs) - answered
    current = longest = freezes = used = 0
    unanswered_run = 0
    last = max(answered)
    for seq in range(min(answered), max(answered | excused) + 1):
        if seq in excused and unanswered_run <= freezes:
            freezes -= unanswered_run
            used += unanswered_run
            unanswered_run = 0
            last = max(last, seq)
            continue
        if seq not in answered:
            unanswered_run += 1
            continue
        if current and unanswered_run <= freezes:
            freezes -= unanswered_run
            used += unanswered_run
            current += 1
        else:
            current = 1
        unanswered_run = 0
        if current % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
            freezes += 1
        longest = max(longest, current)
    return StreakState(current, longest, freezes, used, last)


def shown(state: StreakState, latest_seq: int | None) -> StreakState:
    """The state as a member sees it now: the latest round is still open, so only rounds
    before it can have been missed; a streak whose misses outnumber the freezes shows 0."""
    if state.last_seq is None or latest_seq is None:
        return state
    missed = max(0, latest_seq - 1 - state.last_seq)
    if missed > state.freezes:
        return replace(state, current=0)
    return state


# ---------------------------------------------------------------- stored streaks


async def _row(session: AsyncSession, workspace_id: int, channel_id: int, member_id: int) -> Streak:
    row = await session.scalar(
        select(Streak).where(Streak.channel_id == channel_id, Streak.member_id == member_id)
    )
    if row is None:
        row = Streak(
            workspace_id=workspace_id,
            channel_id=channel_id,
            member_id=member_id,
            current=0,
            longest=0,
            freezes=0,
            freezes_used=0,
            last_seq=None,
        )
        session.add(row)
    return row


def state_of(row: Streak | None) -> StreakState:
    if row is None:
        return StreakState()
    return StreakState(row.current, row.longest, row.freezes, row.freezes_used, row.last_seq)


def _store(row: Streak, state: StreakState) -> None:
    row.current, row.longest = state.current, state.longest
    row.freezes, row.freezes_used, row.last_seq = state.freezes, state.freezes_used, state.last_seq


async def count_round(
    session: AsyncSession, workspace_id: int, channel_id: int, member_id: int, seq: int
) -> StreakState:
    """A member's first answer in round `seq`: move their streak on incrementally."""
    row = await _row(session, workspace_id, channel_id, member_id)
    state = advance(state_of(row), seq)
    _store(row, state)
    return state


async def answered_seqs(session: AsyncSession, channel_id: int, member_id: int) -> list[int]:
    return list(
        (
            await session.scalars(
                select(Round.seq)
                .join(Answer, Answer.round_id == Round.id)
                .where(Round.channel_id == channel_id, Answer.member_id == member_id)
                .distinct()
            )
        ).all()
    )


async def excused_seqs(session: AsyncSession, channel_id: int, member_id: int) -> list[int]:
    """The channel's closed rounds (a later one is posted) that fell on a day the member was
    away; the open round is excused only once it closes, as `bot.away` does it."""
    latest = (
        select(Round.seq)
        .where(Round.channel_id == channel_id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    return list(
        (
            await session.scalars(
                select(Round.seq)
                .join(
                    AwayPeriod,
                    (AwayPeriod.member_id == member_id)
                    & (AwayPeriod.starts_on <= Round.local_date)
                    & (AwayPeriod.ends_on >= Round.local_date),
                )
                .where(Round.channel_id == channel_id, Round.seq < latest)
                .distinct()
            )
        ).all()
    )


async def rebuild_stored(
    session: AsyncSession, workspace_id: int, channel_id: int, member_id: int
) -> StreakState:
    """Recompute from history (after a deleted answer, or to audit the incremental state)."""
    state = recompute(
        await answered_seqs(session, channel_id, member_id),
        await excused_seqs(session, channel_id, member_id),
    )
    _store(await _row(session, workspace_id, channel_id, member_id), state)
    return state


async def latest_seq(session: AsyncSession, channel_id: int) -> int | None:
    """The channel's latest posted round: newest first along the `(channel_id, seq)` index,
    one probe (max() with the thread filter reads every round of the channel on SQLite)."""
    return await session.scalar(
        select(Round.seq)
        .where(Round.channel_id == channel_id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
    )
