"""Boards by period and scope, privacy, bad input, prompt rotation and workspace walls."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.chat import ButtonPressed, FormSubmitted
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def round_with_answers(chat: MemoryChat, *names: str, channel: str = "C1") -> None:
    await chat.start_round("09:00 Europe/Berlin daily", channel=channel)
    for name in names:
        await chat.reply(chat.member(name), "scope: an answer", thread=chat.latest_thread(channel))


async def test_the_points_board_ranks_this_week_and_resets_next_week(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_with_answers(chat, "ana", "bo")
    await chat.reply(chat.member("ana"), "metrics: more")
    out = await chat.command(chat.member("bo"), "leaderboard")
    assert out.replies[0].private is True
    assert "1. ana: 9 pts\n2. bo: 7 pts" in out.text
    harness.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # next Monday
    assert "Nobody on the board yet" in (await chat.command(chat.member("bo"), "lb")).text
    assert "1. ana: 9 pts" in (await chat.command(chat.member("bo"), "lb month")).text
    assert "1. ana: 9 pts" in (await chat.command(chat.member("bo"), "lb all")).text


async def test_calendar_periods_follow_the_channel_time_zone(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    harness.clock.set(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))  # Monday 00:30 in Berlin
    await chat.command(lead, "setup 09:00 Europe/Berlin daily")
    await chat.command(lead, "pace manual")
    await chat.command(lead, "now")
    await chat.reply(chat.member("ana"), "an answer")
    harness.clock.set(datetime(2026, 12, 6, 22, 30, tzinfo=UTC))  # Sunday 23:30 in Berlin
    assert "1. ana" in (await chat.command(lead, "leaderboard week")).text
    harness.clock.set(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # next Monday in Berlin
    assert "Nobody" in (await chat.command(lead, "leaderboard week")).text


async def test_the_workspace_board_adds_up_every_channel(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_with_answers(chat, "ana", channel="C1")
    await round_with_answers(chat, "ana", "bo", channel="C2")
    here = await chat.command(chat.member("bo"), "leaderboard", channel="C2")
    everywhere = await chat.command(chat.member("bo"), "leaderboard all workspace", channel="C2")
    assert "1. ana: 7 pts\n1. bo: 7 pts" in here.text
    assert "1. ana: 14 pts\n2. bo: 7 pts" in everywhere.text


async def test_members_who_opted_out_are_never_listed(harness: Harness, chat: MemoryChat) -> None:
    await round_with_answers(chat, "ana", "bo")
    ana = chat.member("ana")
    await chat.command(ana, "optout")
    for board in ("points", "streak", "reviews"):
        assert "ana" not in (await chat.command(ana, f"leaderboard {board} all")).text
    assert "You are opted out" in (await chat.command(ana, "stats")).text
    await chat.command(ana, "optin")
    assert "ana" in (await chat.command(ana, "leaderboard")).text


async def test_the_streak_board_ranks_current_streaks(harness: Harness, chat: MemoryChat) -> None:
    await round_with_answers(chat, "ana", "bo")
    await harness.advance(days=1, hours=2)
    await chat.reply(chat.member("ana"), "again")
    out = await chat.command(chat.member("ana"), "leaderboard streak")
    assert "1. ana: 2 rounds\n2. bo: 1 round" in out.text


async def test_forget_me_removes_a_member_everywhere_after_confirmation(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_with_answers(chat, "ana", "bo")
    ana = chat.member("ana")
    warning = await chat.command(ana, "forgetme")
    assert "forgetme confirm" in warning.text
    assert "ana" in (await chat.command(ana, "leaderboard")).text
    await chat.command(ana, "forgetme confirm")
    assert "ana" not in (await chat.command(chat.member("bo"), "leaderboard")).text


async def test_export_gives_a_member_their_own_csv_and_admins_the_channel(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_with_answers(chat, "ana", "bo")
    mine = await chat.command(chat.member("ana"), "export")
    [attachment] = mine.replies[0].message.attachments
    lines = attachment.content.decode().splitlines()
    assert lines[0].startswith("kind,round")
    assert any(line.startswith("answer,1,") and "an answer" in line for line in lines)
    refused = await chat.command(chat.member("bo"), "export channel")
    assert "Only admins" in refused.text
    whole = await chat.command(chat.member("lea", admin=True), "export channel")
    rows = whole.replies[0].message.attachments[0].content.decode().splitlines()
    assert len(rows) == 3


async def test_unknown_and_malformed_commands_get_usage_not_a_traceback(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    cases = {
        "dance": "There is no command 'dance'",
        "setup": "Usage: /kata setup",
        "setup 25:00 Europe/Berlin": "not a time of day",
        "setup 09:00 Mars/Olympus": "is not a time zone",
        "setup 09:00 Berln": "Did you mean Europe/Berlin",
        "setup 09:00 UTC fun-day": "is not a weekday",
        "leaderboard sideways": "Usage: /kata leaderboard",
    }
    for text, expected in cases.items():
        out = await chat.command(lead, text)
        assert expected in out.text, (text, out.text)
        assert "Traceback" not in out.text
    await chat.command(lead, "setup 09:00 UTC")
    for text, expected in {
        "pace sideways": "Choose drip, all or manual",
        "pace drip 0": "whole number from 1",
        "skip tomorrow": "is not a date",
        "filter tags nonsense-tag": "No prompt has the tag",
        "answer": "Write your answer",
        "prompts add x": "Give a title and a scenario",
    }.items():
        out = await chat.command(lead, text)
        assert expected in out.text, (text, out.text)
    assert "Design Kata: daily ML system design practice" in (await chat.command(lead, "")).text
    assert "Usage: /kata setup" in (await chat.command(lead, "help setup")).text


async def test_stale_buttons_and_forms_get_a_friendly_answer(
    harness: Harness, chat: MemoryChat
) -> None:
    ana = chat.member("ana")
    out = await harness.kata.handle(ButtonPressed(chat.channel(), ana, "next", "not-a-number"))
    assert "out of date" in out.text
    out = await harness.kata.handle(ButtonPressed(chat.channel(), ana, "feedback", "999"))
    assert "not available" in out.text
    out = await harness.kata.handle(FormSubmitted(ana, "mystery", "1", {}))
    assert out.form_errors


async def test_only_admins_and_the_member_who_ran_setup_change_the_schedule(
    harness: Harness, chat: MemoryChat
) -> None:
    ana, bo = chat.member("ana"), chat.member("bo")
    assert "set up" in (await chat.command(ana, "setup 08:00 UTC")).text
    assert "Schedule changed" in (await chat.command(ana, "setup 08:30 UTC")).text
    refused = await chat.command(bo, "pause")
    assert "Only workspace admins and the member who set up" in refused.text
    assert "Only admins" in (await chat.command(bo, "now")).text
    assert "Paused" in (await chat.command(chat.member("boss", admin=True), "pause")).text


async def test_no_prompt_repeats_until_every_matching_prompt_was_used(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 UTC daily", "manual", now=False)
    await chat.command(lead, "filter tags vision")
    matching = [p for p in harness.kata.content.prompts if "vision" in p.all_tags]
    n = len(matching)
    for _ in range(2 * n):
        await harness.advance(days=1)
    titles = [p.message.title.split(": ", 1)[1] for p in chat.prompts()]
    assert len(titles) == 2 * n
    assert sorted(titles[:n]) == sorted(p.title for p in matching)
    assert sorted(titles[n:]) == sorted(titles[:n])


async def test_a_workspace_prompt_joins_the_rotation_of_that_workspace_only(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 UTC daily")
    out = await chat.command(
        lead,
        "prompts add Rank support tickets | Our help desk gets 5k tickets a day. Order them. "
        "| nlp-llm,ranking",
    )
    assert "custom-rank-support-tickets" in out.text
    await chat.command(lead, "filter tags custom")
    await chat.command(lead, "now")
    assert "Rank support tickets" in chat.prompt_post().message.title
    other = MemoryChat(harness.kata, workspace_id="W2", platform="other")
    listing = await other.command(other.member("zed"), "prompts list custom")
    assert "No prompt has the tag 'custom'" in listing.text
    removed = await chat.command(lead, "prompts remove custom-rank-support-tickets")
    assert "Removed" in removed.text


async def test_one_workspace_never_sees_another_workspaces_data(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_with_answers(chat, "ana", "bo")
    other = MemoryChat(harness.kata, workspace_id="W2", platform="other")
    zed = other.member("zed", admin=True)
    assert "Nobody on the board" in (await other.command(zed, "leaderboard all workspace")).text
    assert "Points here / everywhere: 0 / 0" in (await other.command(zed, "stats")).text
    round_id = chat.prompt_post().message.buttons[0].value
    stolen = await harness.kata.handle(ButtonPressed(other.channel(), zed, "feedback", round_id))
    assert stolen.form is None and "not available" in stolen.text
    spoof = await other.submit(
        zed,
        "feedback",
        round_id,
        {"reviewee": "U-ana", "strength": "nice work", "improvement": "more detail"},
    )
    assert spoof.form_errors
    nexted = await harness.kata.handle(ButtonPressed(other.channel(), zed, "next", round_id))
    assert "no round" in nexted.text
    # same external ids in two workspaces are two different members
    twin = other.member("ana")
    assert "Points here / everywhere: 0 / 0" in (await other.command(twin, "stats")).text


async def test_the_first_round_of_a_week_posts_last_weeks_final_board(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon,fri")  # Monday's round, now
    await chat.reply(chat.member("ana"), "scope: an answer")
    await harness.advance(days=4, hours=2)  # Friday: same week, no board
    assert [p for p in chat.posts if p.where == "channel" and p.thread is None] == []
    await chat.reply(chat.member("bo"), "scope: an answer")
    await chat.reply(chat.member("bo"), "metrics: another")
    await harness.advance(days=3)  # next Monday 09:00
    [board] = [p for p in chat.posts if p.where == "channel" and p.thread is None]
    assert board.message.title == "Final board for the week of Mon 23 Nov"
    assert "1. bo: 9 pts\n2. ana: 7 pts" in board.text
    assert chat.posts.index(board) < chat.posts.index(chat.prompt_post())


async def test_a_new_month_closes_the_monthly_board_too(harness: Harness, chat: MemoryChat) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", now=False)
    harness.clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # Friday 27 November
    await harness.advance(hours=1)
    await chat.reply(chat.member("ana"), "scope: an answer")
    await harness.advance(days=4)  # Monday 30 Nov opens a week, Tuesday 1 Dec a month
    titles = [p.message.title for p in chat.posts if p.where == "channel" and p.thread is None]
    assert titles == [
        "Final board for the week of Mon 23 Nov",
        "Final board for November 2026",
    ]
