"""Periods close with a champion, and `archive` pages through past rounds and past boards."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def play_days(harness: Harness, chat: MemoryChat, days: int) -> None:
    """A daily channel: ana answers every round, bo answers on even days and votes for ana."""
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.start_round("09:00 Europe/Berlin daily")
    await harness.advance(hours=2)  # 10:00 in Berlin: each day's round is out from now on
    for day in range(days):
        if day:
            await harness.advance(days=1)
        await chat.reply(ana, "scope: EU shoppers")
        if day % 2 == 0:
            await chat.reply(bo, "scope: everyone")
            await chat.command(bo, "vote ana")


async def test_the_archive_pages_through_past_rounds_with_their_best_answers(
    harness: Harness, chat: MemoryChat
) -> None:
    await play_days(harness, chat, 12)
    ana = chat.member("ana")
    first = await chat.command(ana, "archive")
    assert first.replies[0].private
    text = first.text
    assert text.startswith("Past rounds here (page 1 of 2)")
    lines = [line for line in text.split("\n") if line.startswith("#")]
    assert [line.split(" ")[0] for line in lines] == [f"#{n}" for n in range(11, 1, -1)]
    assert "#11 Thu 03 Dec 2026: " in text
    assert "(2 members answered; best answer: ana)" in lines[0]
    assert lines[1].endswith("(1 member answered)")
    assert "Next: /kata archive 2." in text
    second = (await chat.command(ana, "archive 2")).text
    assert "#1 Mon 23 Nov 2026: " in second and "Next:" not in second
    assert "has 2 pages of rounds" in (await chat.command(ana, "archive 3")).text
    bad = await chat.command(ana, "archive last")
    assert "'last' is not a page number" in bad.text and "Usage: /kata archive" in bad.text


async def test_the_final_boards_name_the_champion_and_stay_in_the_archive(
    harness: Harness, chat: MemoryChat
) -> None:
    await play_days(harness, chat, 9)
    finals = [p for p in chat.posts if p.where == "channel" and p.thread is None]
    week = next(p.text for p in finals if "week of Mon 23 Nov" in p.text)
    # ana: 7 rounds x (5 + 2), and 3 best answers paid at wrap-ups that week; bo: 4 x 7
    assert "Champion of the week: ana, with 64 points.\n\n1. ana: 64 pts\n2. bo: 28 pts" in week
    month = next(p.text for p in finals if "November 2026" in p.text)
    assert "Champion of the month: ana" in month
    boards = (await chat.command(chat.member("bo"), "archive boards")).text
    assert boards.startswith("Final boards of past weeks and months (page 1 of 1)")
    assert "Week of Mon 23 Nov 2026\nChampion of the week: ana, with 64 points.\n1. ana" in boards
    assert "November 2026\nChampion of the month: ana" in boards
    assert boards.index("November 2026") < boards.index("Week of Mon 23 Nov 2026")


async def test_opted_out_members_are_not_named_in_the_archive(
    harness: Harness, chat: MemoryChat
) -> None:
    await play_days(harness, chat, 2)
    await chat.command(chat.member("ana"), "optout")
    text = (await chat.command(chat.member("bo"), "archive")).text
    assert "best answer: a teammate who keeps off the boards" in text and "ana" not in text


async def test_a_new_channel_has_an_empty_archive(harness: Harness, chat: MemoryChat) -> None:
    await chat.start_round()
    ana = chat.member("ana")
    assert "No round here has wrapped up yet" in (await chat.command(ana, "archive")).text
    assert (
        "No week or month has closed here yet" in (await chat.command(ana, "archive boards")).text
    )
