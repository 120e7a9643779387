"""Streaks count rounds, not days; freezes are earned, capped, and spent by themselves."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.models import Channel, Member, Streak
from bot.streaks import StreakState, advance, rebuild_stored, recompute, shown, state_of
from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat


async def daily_rounds(harness: Harness, chat: MemoryChat, pattern: str, who: str = "ana") -> None:
    """One round per practice day; `x` means the member answers it, `.` that they skip it."""
    member = chat.member(who)
    for mark in pattern:
        await harness.advance(days=1)
        if mark == "x":
            await chat.reply(member, "my answer")


async def setup_daily(chat: MemoryChat, days: str = "daily") -> None:
    await chat.start_round(f"09:00 Europe/Berlin {days}", now=False)


async def test_a_member_who_answers_three_rounds_in_a_row_has_a_streak_of_three(
    harness: Harness, chat: MemoryChat
) -> None:
    await setup_daily(chat)
    await daily_rounds(harness, chat, "xxx")
    out = await chat.command(chat.member("ana"), "streak")
    assert "Current streak: 3 rounds in a row. Longest: 3 rounds." in out.text


async def test_weekends_without_rounds_never_break_a_streak(
    harness: Harness, chat: MemoryChat
) -> None:
    await setup_daily(chat, "mon-fri")
    ana = chat.member("ana")
    seen = 0
    for _ in range(14):  # two calendar weeks; only weekdays have rounds
        await harness.advance(days=1)
        if len(chat.prompts()) > seen:
            seen = len(chat.prompts())
            await chat.reply(ana, "answer")
    out = await chat.command(ana, "streak")
    assert len(chat.prompts()) == 10
    assert "Current streak: 10" in out.text


async def test_seven_rounds_in_a_row_earn_a_freeze_that_covers_a_missed_round(
    harness: Harness, chat: MemoryChat
) -> None:
    await setup_daily(chat)
    await daily_rounds(harness, chat, "xxxxxxx")
    ana = chat.member("ana")
    assert "Freezes banked: 1 of 2" in (await chat.command(ana, "streak")).text
    await daily_rounds(harness, chat, ".x")
    out = await chat.command(ana, "streak")
    assert "Current streak: 8" in out.text
    assert "Freezes banked: 0 of 2 (used so far: 1)" in out.text


async def test_missing_more_rounds_than_freezes_starts_over(
    harness: Harness, chat: MemoryChat
) -> None:
    await setup_daily(chat)
    await daily_rounds(harness, chat, "xxxxxxx..x")
    out = await chat.command(chat.member("ana"), "streak")
    assert "Current streak: 1 round in a row. Longest: 7 rounds." in out.text


async def test_no_more_than_two_freezes_are_banked(harness: Harness, chat: MemoryChat) -> None:
    await setup_daily(chat)
    await daily_rounds(harness, chat, "x" * 21)
    out = await chat.command(chat.member("ana"), "streak")
    assert "Freezes banked: 2 of 2" in out.text


async def test_a_streak_shows_zero_once_misses_outnumber_freezes(
    harness: Harness, chat: MemoryChat
) -> None:
    await setup_daily(chat)
    await daily_rounds(harness, chat, "xxx..")
    out = await chat.command(chat.member("ana"), "streak")
    assert "Current streak: 0" in out.text


# ---------------------------------------------------------------- properties

answer_sets = st.sets(st.integers(min_value=1, max_value=60), max_size=40)


@given(answer_sets)
def test_the_incremental_rule_and_the_recomputation_always_agree(answered: set[int]) -> None:
    state = StreakState()
    for seq in sorted(answered):
        state = advance(state, seq)
    assert state == recompute(answered)


@given(answer_sets, st.integers(min_value=1, max_value=80))
def test_streak_invariants_hold(answered: set[int], latest: int) -> None:
    state = recompute(answered)
    assert 0 <= state.freezes <= 2
    assert state.current <= state.longest <= len(answered)
    assert 0 <= shown(state, max(latest, state.last_seq or 0)).current <= state.current


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.booleans(), min_size=1, max_size=20))
def test_stored_streaks_match_a_recomputation_from_history(pattern: list[bool]) -> None:
    """Drive real rounds and answers through the core, then audit the stored state."""

    async def story() -> None:
        harness = await make_harness()
        chat = MemoryChat(harness.kata)
        try:
            await setup_daily(chat)
            await daily_rounds(harness, chat, "".join("x" if a else "." for a in pattern))
            async with harness.kata.sessions.begin() as session:
                member = await session.scalar(select(Member).where(Member.display_name == "ana"))
                if member is None:
                    assert not any(pattern)
                    return
                row = await session.scalar(select(Streak).where(Streak.member_id == member.id))
                stored = state_of(row)
                channel = await session.scalar(select(Channel))
                rebuilt = await rebuild_stored(session, channel.workspace_id, channel.id, member.id)
            assert stored == rebuilt
        finally:
            await harness.close()

    asyncio.run(story())
