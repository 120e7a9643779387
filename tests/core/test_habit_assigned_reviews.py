"""Assigned reviews: at wrap-up (or on `assign`) each member who answered is asked privately
to review one teammate who answered, reminded once before the channel's deadline, and paid
a bonus for an on-time review; the wrap-up says who reviews whom."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot import work_queue
from bot.assignments import assign_key, run_assign
from bot.kinds import PointKind, WorkKind
from bot.models import Member, PointEvent, ReviewAssignment
from bot.points import ASSIGNED_REVIEW_POINTS
from bot.work_queue import Claimed
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

STAGES = 10
REVIEW = "strength: clear goal improve: name a latency budget"


async def answer_and_wrap_up(chat: MemoryChat, lead, names=("ana", "bo", "cy")) -> str:
    for name in names:
        await chat.reply(chat.member(name), f"scope: {name}'s scope")
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    wrap = chat.in_thread()[-1]
    assert (wrap.message.title or "").startswith("Wrap-up"), wrap.text
    return wrap.text


def notes(chat: MemoryChat, name: str, title: str = "Please review") -> list[str]:
    return [
        p.text
        for p in chat.private_to(chat.member(name))
        if (p.message.title or "").startswith(title)
    ]


async def pairs(harness: Harness) -> list[tuple[int, str, str]]:
    async with harness.kata.sessions() as session:
        reviewer, reviewee = Member.__table__.alias(), Member.__table__.alias()
        rows = await session.execute(
            select(ReviewAssignment.round_id, reviewer.c.display_name, reviewee.c.display_name)
            .join(reviewer, reviewer.c.id == ReviewAssignment.reviewer_id)
            .join(reviewee, reviewee.c.id == ReviewAssignment.reviewee_id)
            .order_by(ReviewAssignment.round_id, ReviewAssignment.id)
        )
        return [tuple(r) for r in rows]


async def bonuses(harness: Harness) -> list[tuple[str, int]]:
    async with harness.kata.sessions() as session:
        rows = await session.execute(
            select(Member.display_name, PointEvent.points)
            .join(Member, Member.id == PointEvent.member_id)
            .where(PointEvent.kind == PointKind.ASSIGNED_REVIEW)
            .order_by(Member.display_name)
        )
        return [tuple(r) for r in rows]


async def test_the_wrap_up_assigns_each_answerer_a_teammate_and_tells_them_privately(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    text = await answer_and_wrap_up(chat, lead)
    assert await pairs(harness) == [(1, "ana", "cy"), (1, "bo", "ana"), (1, "cy", "bo")]
    assert "Assigned reviews\n- ana reviews cy: waiting\n- bo reviews ana: waiting" in text
    (note,) = notes(chat, "ana")
    assert "Please review cy's answers (round #1)" in note
    assert "Review by Tue 24 Nov 08:00 (Europe/Berlin)" in note  # 24 h after the wrap-up
    assert "/kata feedback cy strength: ... improve: ..." in note
    (button,) = chat.private_to(chat.member("ana"))[-1].message.buttons
    assert (button.action, button.label) == ("feedback", "Review cy")
    assert notes(chat, "lea") == []  # the admin did not answer: nobody to review for them


async def test_the_review_button_in_the_note_opens_the_feedback_form_for_that_round(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await answer_and_wrap_up(chat, lead)
    ana = chat.member("ana")
    (button,) = chat.private_to(ana)[-1].message.buttons
    from bot.chat import ButtonPressed, ChannelRef

    dm = ChannelRef(chat.platform, chat.workspace_id, "D-ana")
    opened = await harness.kata.handle(ButtonPressed(dm, ana, button.action, button.value))
    assert opened.form is not None
    assert [c.label for c in opened.form.fields[0].choices] == ["bo", "cy"]


async def test_an_on_time_assigned_review_earns_the_bonus_and_a_late_one_does_not(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await answer_and_wrap_up(chat, lead)
    ana, bo = chat.member("ana"), chat.member("bo")
    done = await chat.command(ana, f"feedback cy problem=3 {REVIEW}")
    assert f"(+{3 + ASSIGNED_REVIEW_POINTS} points)" in done.text, done.text
    other = await chat.command(ana, f"feedback bo {REVIEW}")
    assert "(+3 points)" in other.text  # an unassigned review pays as always
    thread = chat.latest_thread()
    await harness.advance(hours=25)  # past the deadline; a new round has started meanwhile
    late = await chat.command(bo, f"feedback ana {REVIEW}", thread=thread)
    assert "(+3 points)" in late.text
    assert await bonuses(harness) == [("ana", ASSIGNED_REVIEW_POINTS)]
    board = (await chat.command(ana, "leaderboard points")).text
    assert f"ana: {5 + 2 + 3 + 3 + ASSIGNED_REVIEW_POINTS} pts" in board, board


async def test_one_reminder_goes_before_the_deadline_to_those_who_have_not_reviewed(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await answer_and_wrap_up(chat, lead)
    await chat.command(chat.member("ana"), f"feedback cy {REVIEW}")
    await harness.advance(hours=21, minutes=59)
    assert all(notes(chat, n, "Reminder") == [] for n in ("ana", "bo", "cy"))
    await harness.advance(minutes=1)
    assert notes(chat, "ana", "Reminder") == []
    (bo_reminder,) = notes(chat, "bo", "Reminder")
    assert "Reminder: your review of ana is due soon" in bo_reminder
    assert len(notes(chat, "cy", "Reminder")) == 1
    await harness.advance(hours=30)
    assert len(notes(chat, "bo", "Reminder")) == 1


async def test_a_restart_between_planning_and_sending_sends_each_note_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    chat.auto_work = False
    for name in ("ana", "bo"):
        await chat.reply(chat.member(name), "scope: mine")
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    assert notes(chat, "ana") == []  # planned in the wrap-up, not sent yet: the bot stops

    again = await harness.restart()
    chat2 = MemoryChat(again.kata)
    await again.start()
    assert len(notes(chat2, "ana")) == len(notes(chat2, "bo")) == 1

    async with again.kata.sessions.begin() as session:  # the row run again (a lost lease)
        assert await work_queue.reopen(session, assign_key(1), again.clock.now())
    third = await again.restart()
    chat3 = MemoryChat(third.kata)
    await third.start()
    assert chat3.posts == []


async def test_assignment_avoids_last_rounds_pairs(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round(schedule="09:00 Europe/Berlin mon-sun")
    await answer_and_wrap_up(chat, lead)
    await harness.advance(days=1)
    await chat.command(lead, "now")
    await answer_and_wrap_up(chat, lead)
    prompt = chat.prompt_post().text
    assert "Assigned reviews of round #1: 0 of 3 done\n- ana reviews cy: waiting" in prompt
    rounds = await pairs(harness)
    first = {(a, b) for r, a, b in rounds if r == 1}
    second = {(a, b) for r, a, b in rounds if r == 2}
    assert len(first) == len(second) == 3 and not first & second
    assert all(a != b for _, a, b in rounds)


async def test_admins_turn_assignment_off_assign_by_hand_and_set_the_deadline(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana = chat.member("ana")
    refused = await chat.command(ana, "assign off")
    assert "Only admins can use /kata assign" in refused.text
    off = await chat.command(lead, "assign off")
    assert "no longer assigned at wrap-up" in off.text and off.replies[0].private is False
    bad = await chat.command(lead, "assign deadline soon")
    assert "Give the deadline in hours or days" in bad.text
    assert "between 1 hour and 7 days" in (await chat.command(lead, "assign deadline 9d")).text
    assert "due 48 hours after" in (await chat.command(lead, "assign deadline 2d")).text
    too_few = await chat.command(lead, "assign")
    assert "needs answers from at least two members" in too_few.text
    for name in ("ana", "bo"):
        await chat.reply(chat.member(name), "scope: mine")
    by_hand = await chat.command(lead, "assign")
    assert "Assigned reviews for round #1" in by_hand.text
    assert "Due by Wed 25 Nov 08:00 (Europe/Berlin)" in by_hand.text
    assert by_hand.replies[0].private is True
    assert len(notes(chat, "ana")) == 1
    again = await chat.command(lead, "assign")
    assert "already assigned" in again.text and len(notes(chat, "ana")) == 1
    text = await answer_and_wrap_up(chat, lead, names=())
    assert "- ana reviews bo: waiting" in text
    assert len(notes(chat, "ana")) == 1


async def test_wrap_up_without_assignment_when_turned_off(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "assign off")
    text = await answer_and_wrap_up(chat, lead)
    assert "Assigned reviews" not in text and await pairs(harness) == []
    await chat.command(lead, "assign on")
    assert notes(chat, "ana") == []


async def test_opted_out_members_are_never_assigned_and_forgetme_erases_assignments(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(chat.member("di"), "optout")
    text = await answer_and_wrap_up(chat, lead, names=("ana", "bo", "cy", "di"))
    assert "di" not in {name for _, a, b in await pairs(harness) for name in (a, b)}
    assert "di" not in text.split("Assigned reviews")[1]
    exported = await chat.command(chat.member("ana"), "export")
    sheet = exported.replies[0].message.attachments[0].content.decode()
    assert "review_assigned" in sheet and "cy" in sheet
    await chat.command(chat.member("cy"), "forgetme confirm")
    assert all("cy" not in (a, b) for _, a, b in await pairs(harness))


async def test_the_deadline_and_reminder_follow_the_clock_across_a_dst_change(
    harness: Harness, chat: MemoryChat
) -> None:
    harness.clock.set(datetime(2027, 3, 27, 7, 0, tzinfo=UTC))  # Saturday; Sunday is DST
    lead = await chat.start_round(schedule="09:00 Europe/Berlin mon-sun")
    await answer_and_wrap_up(chat, lead, names=("ana", "bo"))
    (note,) = notes(chat, "ana")
    assert "Review by Sun 28 Mar 09:00 (Europe/Berlin)" in note  # 24 h: 08:00 CET -> 09:00 CEST
    await harness.advance(hours=21, minutes=59)
    assert notes(chat, "ana", "Reminder") == []
    await harness.advance(minutes=1)
    assert len(notes(chat, "ana", "Reminder")) == 1


async def test_the_mornings_rounds_each_say_how_their_previous_rounds_reviews_went(
    harness: Harness, chat: MemoryChat
) -> None:
    """Two channels due at the same minute are posted as one batch (the fan-out)."""
    lead = chat.member("lea", admin=True)
    for channel in ("C1", "C2"):
        await chat.start_round(schedule="09:00 Europe/Berlin mon-fri", channel=channel)
        for name in ("ana", "bo"):
            await chat.reply(chat.member(name), "scope: mine", thread=chat.latest_thread(channel))
        for _ in range(STAGES + 1):
            await chat.command(lead, "next", channel=channel)
    await chat.command(chat.member("ana"), f"feedback bo {REVIEW}", channel="C1")
    await harness.advance(days=1, hours=1)  # Tuesday 09:00 Berlin: both rounds due at once
    c1, c2 = chat.prompts("C1")[-1].text, chat.prompts("C2")[-1].text
    assert "Assigned reviews of round #1: 1 of 2 done\n- ana reviews bo: done" in c1, c1
    assert "Assigned reviews of round #1: 0 of 2 done\n- ana reviews bo: waiting" in c2, c2


async def test_two_workers_sending_the_same_notes_at_once_send_each_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    chat.auto_work = False
    for name in ("ana", "bo", "cy"):
        await chat.reply(chat.member(name), "scope: mine")
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    other = await harness.restart(clean=False)  # a second process on the same database
    other_chat = MemoryChat(other.kata)
    item = Claimed(0, WorkKind.ASSIGN, assign_key(1), {"round_id": 1}, 1, harness.clock.now())
    await asyncio.gather(run_assign(harness.kata, item), run_assign(other.kata, item))
    for name in ("ana", "bo", "cy"):
        assert len(notes(chat, name)) + len(notes(other_chat, name)) == 1, name
