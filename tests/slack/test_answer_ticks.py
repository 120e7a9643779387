"""The ✅ under answers stays within Slack's rate for `reactions.add` (Tier 3, about 50 a
minute): a burst beyond it is confirmed by one note in the thread instead."""

from __future__ import annotations

import asyncio
import re

import pytest

from adapters import ticks
from adapters.ticks import ReactionSender, TickBudget
from bot.chat import ChannelRef, MessageRef, OutgoingMessage, ThreadRef
from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team


async def test_a_burst_beyond_the_reaction_budget_is_confirmed_by_one_note_in_the_thread(
    team: Team,
) -> None:
    sender = team.adapter.inbound.reactions
    sender.budget = TickBudget(per_minute=1, burst=3)
    sender.summary_after = 0.5
    await team.member(ALICE).runs("setup 09:00 UTC daily")
    await team.member(ALICE).runs("now")
    await team.settled()
    prompt = team.api.bot_posts(CHANNEL)[0]
    notes_before = len(team.api.bot_replies(CHANNEL, prompt.ts))

    said = [
        await team.member(who).says(f"Point {n} about scope and users.", prompt.ts)
        for n in range(4)
        for who in (BOB, CAROL)
    ]
    await team.api.recorder.wait_for(
        lambda: len(team.api.bot_replies(CHANNEL, prompt.ts)) > notes_before
    )
    await team.settled()

    ticked = {ts for (_, ts, emoji) in team.api.reactions if emoji == "white_check_mark"}
    notes = [m.text for m in team.api.bot_replies(CHANNEL, prompt.ts)[notes_before:]]
    assert len(ticked) == 3, "the burst allowance, then nothing until the budget refills"
    assert len(notes) == 1
    counted = re.match(r"✅ (\d+) more answers recorded here", notes[0])
    assert counted is not None and int(counted.group(1)) == len(said) - len(ticked)
    assert all(ack.status == 200 for _, ack in said)


def test_the_budget_refills_at_its_rate_and_never_beyond_its_burst() -> None:
    now = [0.0]
    budget = TickBudget(per_minute=60, burst=2, clock=lambda: now[0])
    assert [budget.take() for _ in range(3)] == [True, True, False]
    assert budget.seconds_to_next() == 1.0
    now[0] += 1.0
    assert [budget.take(), budget.take()] == [True, False]
    now[0] += 3600
    assert [budget.take() for _ in range(3)] == [True, True, False]


class _RecordingPort:
    """Where a sender's calls land, in order."""

    def __init__(self) -> None:
        self.ticked: list[str] = []
        self.notes: list[tuple[str, str]] = []

    async def react_now(self, message: MessageRef, emoji: str) -> None:
        self.ticked.append(message.message_id)

    async def post_in_thread(self, thread: ThreadRef, message: OutgoingMessage) -> object:
        self.notes.append((thread.thread_id, message.plain_text()))
        return None


class _Count:
    def __init__(self) -> None:
        self.open = 0

    def begin(self) -> None:
        self.open += 1

    def end(self) -> None:
        self.open -= 1


async def test_a_flood_beyond_the_backlog_folds_the_oldest_threads_ticks_into_its_note_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory stays bounded, and no answer goes unconfirmed: the waiting thread gets its
    note now instead of its ticks being dropped."""
    monkeypatch.setattr(ticks, "BACKLOG_LIMIT", 4)
    port, work = _RecordingPort(), _Count()
    sender = ReactionSender(port, work, budget=TickBudget(per_minute=0.001, burst=0))
    channel = ChannelRef("slack", "T1", "C1")
    busy, quiet = ThreadRef(channel, "100.1"), ThreadRef(channel, "200.1")
    for n in range(4):
        sender.add(MessageRef(channel, f"100.{n + 2}", busy), "white_check_mark")
    sender.add(MessageRef(channel, "200.2", quiet), "white_check_mark")
    for _ in range(20):
        await asyncio.sleep(0)

    assert port.notes == [
        ("100.1", "✅ 4 more answers recorded here (too many at once to tick each one).")
    ]
    assert port.ticked == []
    assert work.open == 1, "the quiet thread's tick still waits for the budget"
    await sender.close()
    assert work.open == 0


async def test_a_message_ticked_twice_while_waiting_gets_one_reaction() -> None:
    """A redelivered or read-back answer asks for its ✅ again; one call to Slack is enough."""
    port, work = _RecordingPort(), _Count()
    sender = ReactionSender(port, work, budget=TickBudget(per_minute=60, burst=5))
    channel = ChannelRef("slack", "T1", "C1")
    thread = ThreadRef(channel, "100.1")
    for message_id in ("100.2", "100.2", "100.3"):
        sender.add(MessageRef(channel, message_id, thread), "white_check_mark")
    for _ in range(20):
        await asyncio.sleep(0)

    assert port.ticked == ["100.2", "100.3"]
    assert work.open == 0
    await sender.close()
