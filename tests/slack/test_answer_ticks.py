"""The ✅ under answers stays within Slack's rate for `reactions.add` (Tier 3, about 50 a
minute): a burst beyond it is confirmed by one note in the thread instead."""

from __future__ import annotations

import re

from adapters.ticks import TickBudget
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
