"""Reminders and streak nudges: privately, before a round closes, to the members who answered
recently but not yet, once each, across restarts and a daylight-saving change; never to a
member who opted out, turned nudges off or is away."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import work_queue
from bot.models import NudgeSent, Round
from bot.nudges import remind_key
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat, Posted

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Design Kata reminder"


def nudges(chat: MemoryChat) -> list[Posted]:
    return [p for p in chat.posts if p.where == "private" and p.message.title == TITLE]


def nudged(chat: MemoryChat) -> list[str]:
    return sorted(p.user.user_id.removeprefix("U-") for p in nudges(chat) if p.user)


async def until_round(harness: Harness, chat: MemoryChat) -> None:
    before = len(chat.prompts())
    while len(chat.prompts()) == before:
        await harness.advance(minutes=30)


async def test_a_reminder_reaches_recent_members_who_have_not_answered_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    said = await chat.command(lead, "remind 2h")
    assert "Reminders on: 2h before a round closes" in said.text
    assert "Reminder: 2h before a round closes" in (await chat.command(lead, "schedule")).text
    team = {n: chat.member(n) for n in ("ana", "bo", "cy", "di", "ed", "fi")}
    await until_round(harness, chat)  # Mon 09:00 Berlin
    for who in team.values():
        await chat.reply(who, "scope: one region first")
    await chat.command(team["di"], "optout")
    await chat.command(team["ed"], "nudges off")
    assert "Your nudges are off" in (await chat.command(team["ed"], "nudges")).text
    assert nudged(chat) == []  # everyone answered round 1

    await until_round(harness, chat)  # Tue 09:00: the wrap-up comes at 14:00
    await chat.reply(team["bo"], "scope: bo answers early")
    await chat.command(team["fi"], "away 2d")
    await harness.advance(hours=2, minutes=59)  # 11:59 Berlin
    assert nudged(chat) == []
    await harness.advance(minutes=1)  # 12:00 Berlin, two hours before the wrap-up
    assert nudged(chat) == ["ana", "cy"]
    note = nudges(chat)[0].text
    assert "Round #2 in your practice channel wraps up 14:00 (Europe/Berlin)" in note
    assert "haven't answered yet" in note and "streak" not in note.split("\n\n")[1]
    assert "/kata nudges off" in note
    assert harness.clock.now().astimezone(BERLIN).strftime("%H:%M") == "12:00"
    await chat.reply(team["ana"], "scope: ana answers after the reminder")
    await harness.advance(hours=3)
    assert nudged(chat) == ["ana", "cy"]  # once each

    await until_round(harness, chat)  # Wed: ana has answered 2 rounds in a row
    await harness.advance(hours=3)
    wednesday = nudges(chat)[2:]
    assert sorted(p.user.user_id for p in wednesday if p.user) == ["U-ana", "U-bo", "U-cy"]
    to_ana = next(p.text for p in wednesday if p.user and p.user.user_id == "U-ana")
    assert "Your 2-round streak ends at tomorrow's round unless you answer round #3" in to_ana
    async with harness.kata.sessions() as session:
        kinds = sorted(
            (await session.execute(select(NudgeSent.kind).where(NudgeSent.round_id == 3)))
            .scalars()
            .all()
        )
    assert [k.value for k in kinds] == ["reminder", "streak", "streak"]  # cy; ana and bo


async def test_a_streak_nudge_without_reminders_follows_the_wall_clock_across_dst(
    harness: Harness, chat: MemoryChat
) -> None:
    harness.clock.set(datetime(2026, 10, 21, 6, 0, tzinfo=UTC))  # Wed 08:00 Berlin (CEST)
    await chat.start_round("09:00 Europe/Berlin daily", "manual", now=False)
    ana, bo = chat.member("ana"), chat.member("bo")
    for day in range(3):  # Wed, Thu, Fri: ana answers all three, bo the last two
        await until_round(harness, chat)
        await chat.reply(ana, "scope: one region")
        if day:
            await chat.reply(bo, "scope: one region")
    await until_round(harness, chat)  # Sat 09:00 CEST; the next round is Sun 09:00 CET
    assert nudged(chat) == []
    await harness.advance(datetime(2026, 10, 25, 5, 59, tzinfo=UTC) - harness.clock.now())
    assert nudged(chat) == []
    await harness.advance(minutes=1)  # Sun 07:00 CET: two hours before the round
    assert nudged(chat) == ["ana"]  # bo's 2-round streak is too short to nudge without reminders
    assert harness.clock.now().astimezone(BERLIN).strftime("%a %H:%M") == "Sun 07:00"
    (note,) = nudges(chat)
    assert "Your 3-round streak ends at today's round at 09:00 unless you answer round #4" in (
        note.text
    )


async def test_a_restart_between_planning_and_sending_sends_each_nudge_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    await chat.command(lead, "remind 2h")
    ana = chat.member("ana")
    await until_round(harness, chat)
    await chat.reply(ana, "scope: one region")
    await until_round(harness, chat)  # Tue 09:00: the reminder is planned for 12:00
    harness.clock.set(harness.clock.now() + timedelta(hours=1))

    killed = await harness.restart(clean=False)
    chat2 = MemoryChat(killed.kata)
    await killed.start()
    await killed.advance(hours=2)
    assert nudged(chat2) == ["ana"] and nudged(chat) == []

    async with killed.kata.sessions.begin() as session:  # as if the row ran again
        rnd = await session.scalar(select(Round).where(Round.seq == 2))
        assert rnd is not None
        assert await work_queue.reopen(session, remind_key(rnd.id), killed.clock.now())
    await killed.advance(minutes=1)
    again = await killed.restart()
    chat3 = MemoryChat(again.kata)
    await again.start()
    await again.advance(hours=4)
    assert nudged(chat2) == ["ana"] and nudged(chat3) == []
    async with again.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(NudgeSent)) == 1


async def test_a_dm_that_fails_is_not_sent_again_and_does_not_stop_the_others(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    await chat.command(lead, "remind 90m")
    ana, bo = chat.member("ana"), chat.member("bo")
    await until_round(harness, chat)
    await chat.reply(ana, "scope: one region")
    await chat.reply(bo, "scope: one region")
    deliver = chat.send_private

    async def closed_to_ana(user, message, channel=None):  # ana's DMs are closed
        if user == ana.user:
            raise PermissionError("cannot send messages to this user")
        await deliver(user, message, channel)

    chat.send_private = closed_to_ana  # type: ignore[method-assign]
    await until_round(harness, chat)
    await harness.advance(hours=4)
    assert nudged(chat) == ["bo"]
    chat.send_private = deliver  # type: ignore[method-assign]
    await harness.advance(hours=2)
    assert nudged(chat) == ["bo"]


async def test_the_reminder_setting_and_its_friendly_errors(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    ana = chat.member("ana")
    for text, said in (
        ("remind", "Say how long before a round closes"),
        ("remind soon", "is not a length of time"),
        ("remind 2m", "5 minutes to 24 hours"),
        ("remind 30h", "5 minutes to 24 hours"),
        ("remind 1h30m", "Reminders on: 1h30m before"),
        ("remind off", "Reminders off. Members whose streak of 3 or more would end"),
    ):
        assert said in (await chat.command(lead, text)).text, text
    assert "Only admins can use /kata remind" in (await chat.command(ana, "remind 2h")).text
    assert "Say nudges off or nudges on" in (await chat.command(ana, "nudges maybe")).text
    assert "Nudges on" in (await chat.command(ana, "nudges on")).text
    assert "Reminder" not in (await chat.command(lead, "schedule")).text


async def test_changing_the_reminder_moves_the_open_rounds_reminder(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    ana = chat.member("ana")
    await until_round(harness, chat)
    await chat.reply(ana, "scope: one region")
    await until_round(harness, chat)  # Tue 09:00, wrap-up at 14:00
    await chat.command(lead, "remind 1h")  # 09:00 Berlin: from 12:00 (streaks only) to 13:00
    await harness.advance(hours=3, minutes=59)
    assert nudged(chat) == []
    await harness.advance(minutes=1)
    assert nudged(chat) == ["ana"]
    assert harness.clock.now().astimezone(BERLIN).strftime("%H:%M") == "13:00"


async def test_forgetme_erases_the_nudge_ledger_and_the_export_lists_it(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", now=False)
    await chat.command(lead, "remind 2h")
    ana = chat.member("ana")
    await until_round(harness, chat)
    await chat.reply(ana, "scope: one region")
    await until_round(harness, chat)
    await harness.advance(hours=4)
    assert nudged(chat) == ["ana"]
    export = await chat.command(ana, "export")
    sheet = export.replies[0].message.attachments[0].content.decode()
    rows = [r for r in csv.DictReader(io.StringIO(sheet)) if r["kind"].startswith("nudge")]
    assert [(r["kind"], r["round"], r["detail"]) for r in rows] == [("nudge", "2", "reminder")]
    await chat.command(ana, "forgetme confirm")
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(NudgeSent)) == 0


async def test_channels_due_together_each_get_their_reminder_and_excuse_the_away(
    harness: Harness, chat: MemoryChat
) -> None:
    """The morning fan-out plans the reminders and settles away days for a whole batch."""
    for channel in ("C1", "C2", "C3"):
        lead = await chat.start_round("09:00 Europe/Berlin daily", "drip 30", channel, now=False)
        await chat.command(lead, "remind 2h", channel=channel)
    ana, bo = chat.member("ana"), chat.member("bo")
    await until_round(harness, chat)  # Mon: three rounds at 09:00
    for channel in ("C1", "C2", "C3"):
        for who in (ana, bo):
            await chat.reply(who, "scope: one region", chat.latest_thread(channel))
    await chat.command(bo, "away 2d")  # Monday and Tuesday
    await harness.advance(days=1)  # Tue 09:00
    assert len(chat.prompts()) == 6
    await harness.advance(hours=3)
    assert nudged(chat) == ["ana", "ana", "ana"]  # bo answered Monday but is away
    await harness.advance(days=1)  # Wed: bo is back, his streaks carried over Tuesday
    for channel in ("C1", "C2", "C3"):
        await chat.reply(bo, "scope: back again", chat.latest_thread(channel))
        streak = (await chat.command(bo, "streak", channel=channel)).text
        assert "Current streak: 2 rounds in a row" in streak, streak
