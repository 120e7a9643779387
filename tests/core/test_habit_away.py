"""Away days and holidays: a member away keeps their streak through the rounds they miss and
earns nothing for them; an admin's holidays have no round and no effect on streaks. Dates are
the channel's local dates, across a daylight-saving change."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.models import AwayPeriod
from bot.streaks import StreakState, advance, excuse, recompute
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

BERLIN = ZoneInfo("Europe/Berlin")


async def daily_round(harness: Harness, chat: MemoryChat) -> None:
    """Move on to the next day's 09:00 round (Berlin) and a minute past it."""
    before = len(chat.prompts())
    while len(chat.prompts()) == before:
        await harness.advance(minutes=30)


def streak_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("Current streak"))


async def test_rounds_while_away_never_break_a_streak_and_back_ends_it(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana, bo = chat.member("ana"), chat.member("bo")
    for _ in range(2):  # Mon, Tue: both answer
        await daily_round(harness, chat)
        await chat.reply(ana, "scope: shoppers in one region")
        await chat.reply(bo, "scope: shoppers in one region")
    out = await chat.command(ana, "away 3d")  # Tue: away Tue, Wed, Thu
    assert "away through Thu 26 Nov 2026 (back Fri 27 Nov)" in out.text, out.text
    assert "3 days in every channel here" in out.text
    await chat.command(bo, "away 2d")
    await chat.command(bo, "back")  # changed his mind the same day
    for _ in range(2):  # Wed, Thu: nobody answers
        await daily_round(harness, chat)
    streak = (await chat.command(ana, "streak")).text
    assert streak_line(streak) == "Current streak: 2 rounds in a row. Longest: 2 rounds."
    assert "away through Thu 26 Nov 2026" in streak
    assert "2" in (await chat.command(ana, "leaderboard streak")).text.split("ana")[1][:6]
    await daily_round(harness, chat)  # Fri: ana is back and answers; bo answers too
    await chat.reply(ana, "scope: shoppers in one region")
    await chat.reply(bo, "scope: shoppers in one region")
    ana_streak = (await chat.command(ana, "streak")).text
    assert streak_line(ana_streak).startswith("Current streak: 3 rounds"), ana_streak
    assert "used so far: 0" in ana_streak and "away" not in ana_streak
    assert streak_line((await chat.command(bo, "streak")).text).startswith(
        "Current streak: 1 round"
    )
    assert "Not away" not in (await chat.command(lead, "schedule")).text


async def test_an_answer_given_while_away_still_counts(harness: Harness, chat: MemoryChat) -> None:
    await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana = chat.member("ana")
    await daily_round(harness, chat)
    await chat.reply(ana, "scope: one region")
    await chat.command(ana, "away 1w")
    await daily_round(harness, chat)
    await chat.reply(ana, "scope: one region, again")
    await daily_round(harness, chat)
    await daily_round(harness, chat)
    text = (await chat.command(ana, "streak")).text
    assert streak_line(text).startswith("Current streak: 2 rounds"), text
    assert "away through Sun 29 Nov 2026" in text


async def test_away_is_per_member_across_the_workspace_in_each_channels_dates(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False, channel="C1")
    await chat.start_round("09:00 Asia/Tokyo daily", "manual", now=False, channel="C2")
    ana = chat.member("ana")
    harness.clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # Mon 17:00 Berlin, Tue in Tokyo
    berlin = await chat.command(ana, "away 1d", channel="C1")
    assert "away through Mon 23 Nov 2026" in berlin.text
    tokyo = await chat.command(ana, "away", channel="C2")
    assert "You are not away" in tokyo.text  # in Tokyo that Monday is over already
    tokyo = await chat.command(ana, "away 1d", channel="C2")
    assert "away through Tue 24 Nov 2026" in tokyo.text
    assert "away through Mon 23 Nov 2026" in (await chat.command(ana, "away", channel="C1")).text
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AwayPeriod)) == 2


async def test_bad_away_input_gets_a_friendly_answer(harness: Harness, chat: MemoryChat) -> None:
    await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana = chat.member("ana")
    answers = {
        text: (await chat.command(ana, text)).text
        for text in (
            "away",
            "away 0d",
            "away until 2026-11-01",
            "away 400d",
            "away until 2027-12-01",
            "away soon",
            "away until christmas",
            "back",
        )
    }
    assert "You are not away" in answers["away"]
    assert "at least one day" in answers["away 0d"]
    assert "Sun 01 Nov 2026 has passed" in answers["away until 2026-11-01"]
    assert "at most a year" in answers["away 400d"]
    assert "at most a year" in answers["away until 2027-12-01"]
    assert "'soon' is not a length or a date" in answers["away soon"]
    assert "'christmas' is not a length or a date" in answers["away until christmas"]
    assert "You are not away" in answers["back"]
    assert all("Traceback" not in t for t in answers.values())
    ok = await chat.command(ana, "away until 2026-12-24")
    assert "away through Thu 24 Dec 2026 (back Fri 25 Dec)" in ok.text
    assert "32 days" in ok.text


async def test_a_holiday_has_no_round_and_no_streak_effect_across_a_dst_change(
    harness: Harness, chat: MemoryChat
) -> None:
    harness.clock.set(datetime(2026, 10, 22, 6, 0, tzinfo=UTC))  # Thu 08:00 Berlin (CEST)
    lead = await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana, bo = chat.member("ana"), chat.member("bo")
    out = await chat.command(lead, "holiday add 2026-10-24..2026-10-25")  # Sat, Sun: clocks go back
    assert "Holiday: Sat 24 Oct to Sun 25 Oct 2026, no round on 2 practice days" in out.text
    refused = await chat.command(bo, "holiday add 2026-10-30")
    assert "Only admins can use /kata holiday add" in refused.text
    listed = await chat.command(bo, "holiday list")
    assert "Sat 24 Oct to Sun 25 Oct 2026" in listed.text
    posted: list[datetime] = []
    for _ in range(3):  # Thu, Fri, then Mon
        await daily_round(harness, chat)
        posted.append(harness.clock.now())
        await chat.reply(ana, "scope: one region")
    local = [t.astimezone(BERLIN) for t in posted]
    assert [t.strftime("%a %d") for t in local] == ["Thu 22", "Fri 23", "Mon 26"]
    assert [t.hour for t in local] == [9, 9, 9] and [t.hour for t in posted] == [7, 7, 8]
    text = (await chat.command(ana, "streak")).text
    assert streak_line(text).startswith("Current streak: 3 rounds"), text
    schedule = (await chat.command(ana, "schedule")).text
    assert "Holidays" not in schedule  # the holiday is over


async def test_removing_a_holiday_still_ahead_brings_its_round_back(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin mon-fri", "manual", now=False)
    await chat.command(lead, "holiday add 2026-11-23..2026-11-25")  # Mon to Wed
    schedule = (await chat.command(lead, "schedule")).text
    assert "Holidays: 2026-11-23, 2026-11-24, 2026-11-25" in schedule
    assert "Next round: Thu 26 Nov" in schedule
    assert "is a holiday already" in (await chat.command(lead, "skip 2026-11-24")).text
    unskip = (await chat.command(lead, "unskip 2026-11-24")).text
    assert "holiday remove 2026-11-24" in unskip
    removed = await chat.command(lead, "holiday remove 2026-11-24..2026-11-25")
    assert "Holiday removed: 2 days" in removed.text and "back on" in removed.text
    assert "No holiday on" in (await chat.command(lead, "holiday remove 2026-12-01")).text
    await harness.advance(hours=3)  # Monday stays a holiday
    assert chat.prompts() == []
    await harness.advance(days=1)  # Tuesday's round is back
    assert len(chat.prompts()) == 1
    for bad, said in (
        ("holiday add 2026-11-01", "has passed"),
        ("holiday add 2026-12-05..2026-12-01", "ends before it starts"),
        ("holiday add tomorrow", "is not a date or a range"),
        ("holiday add 2026-01-01..2027-06-01", "at most 366 days"),
        ("holiday", "Choose add, list or remove"),
    ):
        assert said in (await chat.command(lead, bad)).text, bad
    # A skip is undone as before.
    await chat.command(lead, "skip 2026-11-27")
    assert "back on" in (await chat.command(lead, "unskip 2026-11-27")).text


async def test_the_export_lists_away_periods_and_forgetme_erases_them(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana = chat.member("ana")
    await chat.command(ana, "away 3d")
    await chat.command(ana, "nudges off")
    export = await chat.command(ana, "export")
    rows = list(
        csv.DictReader(io.StringIO(export.replies[0].message.attachments[0].content.decode()))
    )
    away = [r for r in rows if r["kind"] == "away"]
    assert [(r["date"], r["detail"]) for r in away] == [("2026-11-23", "through 2026-11-25")]
    nudges = [r for r in rows if r["kind"] == "nudges"]
    assert [r["detail"] for r in nudges] == ["off"]
    await chat.command(ana, "forgetme confirm")
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AwayPeriod)) == 0


def test_excusing_a_round_and_recomputing_agree() -> None:
    """The incremental rule (`advance`, `excuse`) and the walk over history (`recompute`)
    say the same for every mix of answered, away and missed rounds in a short history."""
    for pattern in range(3**9):
        marks, n = [], pattern
        for _ in range(9):
            marks.append("amx"[n % 3])  # answered, missed, excused (away)
            n //= 3
        state = StreakState()
        for seq, mark in enumerate(marks, start=1):
            if mark == "a":
                state = advance(state, seq)
            elif mark == "x":
                state = excuse(state, seq)
        answered = [s for s, m in enumerate(marks, start=1) if m == "a"]
        excused = [s for s, m in enumerate(marks, start=1) if m == "x"]
        assert recompute(answered, excused) == state, marks


def test_a_long_away_spell_costs_no_freeze() -> None:
    state = StreakState()
    for seq in range(1, 8):
        state = advance(state, seq)
    assert state.freezes == 1
    for seq in range(8, 20):
        state = excuse(state, seq)
    state = advance(state, 20)
    assert (state.current, state.freezes, state.freezes_used) == (8, 1, 0)
