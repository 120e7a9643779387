"""Rounds arrive at the channel's local time, survive restarts, and never post twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.models import Round
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

BERLIN = ZoneInfo("Europe/Berlin")


def local(h: Harness) -> datetime:
    return h.clock.now().astimezone(BERLIN)


async def test_a_round_posts_at_the_channel_local_time_on_its_weekdays(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    harness.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday 07:00 in Berlin
    await chat.command(lead, "setup 09:30 Europe/Berlin mon,wed")

    await harness.advance(minutes=149)
    assert chat.prompts() == []
    await harness.advance(minutes=1)
    assert len(chat.prompts()) == 1
    assert local(harness).strftime("%a %H:%M") == "Mon 09:30"

    await harness.advance(days=1)  # Tuesday is not a practice day
    assert len(chat.prompts()) == 1
    await harness.advance(days=1)
    assert len(chat.prompts()) == 2


async def test_the_post_time_follows_the_wall_clock_across_a_dst_change(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    harness.clock.set(datetime(2026, 10, 23, 12, 0, tzinfo=UTC))  # Friday before clocks go back
    await chat.command(lead, "setup 09:00 Europe/Berlin daily")
    await chat.command(lead, "pace manual")
    posted_at: list[datetime] = []
    for _ in range(4):
        before = len(chat.prompts())
        while len(chat.prompts()) == before:
            await harness.advance(minutes=30)
        posted_at.append(harness.clock.now())
    assert [t.astimezone(BERLIN).strftime("%a %H:%M") for t in posted_at] == [
        "Sat 09:00",
        "Sun 09:00",
        "Mon 09:00",
        "Tue 09:00",
    ]
    assert [t.hour for t in posted_at] == [7, 8, 8, 8]  # UTC shifts by an hour on Sunday


async def test_a_round_missed_while_down_is_posted_at_start_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")  # Monday 08:00 Berlin now
    harness.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 11:00: the bot was down

    again = await harness.restart()
    chat2 = MemoryChat(again.kata)
    await again.start()
    assert len(chat2.prompts()) == 1

    third = await again.restart()
    chat3 = MemoryChat(third.kata)
    await third.start()
    await third.advance(hours=2)
    assert chat3.prompts() == []


async def test_a_missed_round_is_not_posted_once_its_local_day_is_over(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon,wed")
    harness.clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # Tuesday: Monday is over
    again = await harness.restart()
    chat2 = MemoryChat(again.kata)
    await again.start()
    assert chat2.prompts() == []
    assert again.jobs.jobs()[0].when == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def test_two_processes_racing_for_the_same_round_post_it_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    other = await harness.restart()
    other_chat = MemoryChat(other.kata)
    first = await harness.restart()
    first_chat = MemoryChat(first.kata)
    harness.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    await asyncio.gather(first.kata.worker.wake(), other.kata.worker.wake())
    assert len(first_chat.prompts()) + len(other_chat.prompts()) == 1
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Round)) == 1


async def test_stages_drip_at_the_channel_pace_and_then_wrap_up(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "drip 30")
    assert len(chat.stage_titles()) == 1
    await harness.advance(minutes=29)
    assert len(chat.stage_titles()) == 1
    await harness.advance(minutes=1)
    assert len(chat.stage_titles()) == 2
    await harness.advance(minutes=30 * 8)
    assert len(chat.stage_titles()) == 10
    assert not any(p.message.title.startswith("Wrap-up") for p in chat.in_thread())
    await harness.advance(minutes=30)
    assert chat.in_thread()[-1].message.title.startswith("Wrap-up")
    await harness.advance(hours=5)
    assert len(chat.in_thread()) == 11


async def test_all_at_once_posts_every_stage_with_the_prompt(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "all")
    assert len(chat.stage_titles()) == 10
    assert [b.action for b in chat.prompt_post().message.buttons] == ["feedback", "stats", "vote"]


async def test_manual_pacing_waits_for_next_and_ends_with_the_wrap_up(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    ana = chat.member("ana")
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    await chat.command(lead, "pace manual")
    await chat.command(lead, "now")
    await harness.advance(hours=3)
    assert chat.stage_titles() == []
    for _ in range(10):
        await chat.command(ana, "next")
    assert len(chat.stage_titles()) == 10
    out = await chat.press(ana, "next")
    assert "wrap-up" in out.text
    assert chat.in_thread()[-1].message.title.startswith("Wrap-up")
    out = await chat.command(ana, "next")
    assert "wrapped up" in out.text


async def test_the_next_day_round_wraps_up_an_unfinished_one_first(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "manual")
    first = chat.latest_thread()
    await harness.advance(days=1, hours=1)  # Tuesday 09:00 Berlin
    assert len(chat.prompts()) == 2
    assert chat.in_thread(first)[-1].message.title.startswith("Wrap-up")


async def test_pause_skip_and_resume_control_which_days_get_a_round(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    out = await chat.command(lead, "skip")
    assert "Mon 23 Nov 2026" in out.text
    await harness.advance(days=1)
    assert len(chat.prompts()) == 0  # Monday skipped
    await harness.advance(hours=2)
    assert len(chat.prompts()) == 1  # Tuesday 09:00 came
    await chat.command(lead, "pause")
    await harness.advance(days=2)
    assert len(chat.prompts()) == 1
    await chat.command(lead, "resume")
    await harness.advance(days=1)
    assert len(chat.prompts()) == 2


async def test_a_channel_the_bot_lost_access_to_is_paused_with_a_note(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    chat.unavailable["C1"] = "not_in_channel"
    await harness.advance(hours=2)
    assert chat.prompts() == []
    out = await chat.command(lead, "schedule")
    assert "paused" in out.text and "not_in_channel" in out.text
    [note] = chat.private_to(lead)
    assert "not_in_channel" in note.text and "/kata resume" in note.text
    await harness.advance(days=3)
    assert chat.prompts() == []
    del chat.unavailable["C1"]
    await chat.command(lead, "resume")
    await chat.command(lead, "now")
    assert len(chat.prompts()) == 1


async def test_a_transient_failure_is_retried_and_posts_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    chat.broken.add("C1")
    await harness.advance(hours=1, minutes=1)
    assert chat.prompts() == []
    chat.broken.clear()
    await harness.advance(minutes=10)
    assert len(chat.prompts()) == 1
    await harness.advance(hours=3)
    assert len(chat.prompts()) == 1
    assert timedelta(0) < harness.clock.now() - datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def test_a_restart_mid_round_picks_up_the_drip_where_it_left_off(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "drip 30")
    await harness.advance(minutes=65)  # stages 1-3 are out
    assert len(chat.stage_titles()) == 3
    thread = chat.latest_thread()

    again = await harness.restart()
    chat2 = MemoryChat(again.kata)
    await again.start()
    assert chat2.posts == []  # nothing is posted again at start
    await again.advance(minutes=25)  # 30 minutes after stage 3
    assert [p.message.title[:9] for p in chat2.posts] == ["Stage 4/1"]
    await again.advance(hours=5)
    titles = [p.message.title for p in chat2.posts if p.thread == thread]
    assert len([t for t in titles if t.startswith("Stage ")]) == 7
    assert titles[-1].startswith("Wrap-up")


async def test_a_stage_that_failed_to_post_is_retried_and_the_rest_follow(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "all", now=False)
    chat.fail_thread_post = 4
    await chat.command(chat.member("lea", admin=True), "now")
    assert len(chat.stage_titles()) == 3
    await harness.advance(minutes=5)
    assert [t.split(":")[0] for t in chat.stage_titles()] == [f"Stage {n}/10" for n in range(1, 11)]
    await harness.advance(hours=10)
    assert chat.in_thread()[-1].message.title.startswith("Wrap-up")
    assert len(chat.in_thread()) == 11
