"""A reminder in Slack is a direct message: the bot opens the DM with `conversations.open`
and posts in it with `chat.postMessage`, both checked against Slack's published API."""

from __future__ import annotations

from tests.slack.conftest import ALICE, BOB, CHANNEL, Team


async def test_a_reminder_reaches_a_member_who_has_not_answered_as_a_direct_message(
    team: Team,
) -> None:
    api = team.api
    for line in ("setup 09:00 Europe/Berlin daily", "pace drip 30", "remind 2h"):
        await team.member(ALICE).runs(line)
        await team.settled()
    await team.h.advance(hours=1)  # Mon 09:00 Berlin: round 1
    [first] = [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None]
    await team.member(BOB).says("Scope: shoppers in one region first.", first.ts)
    await team.settled()

    await team.h.advance(days=1)  # Tue 09:00: round 2, wrapped up at 14:00
    await team.settled()
    assert api.calls_to("conversations.open") == []
    await team.h.advance(hours=3)  # 12:00: two hours before the wrap-up
    await team.settled()

    [opened] = api.calls_to("conversations.open")
    assert opened.params["users"] == BOB
    [dm] = api.bot_posts("D" + BOB)
    assert "Round #2" in dm.text and "haven't answered yet" in dm.text
    assert api.bot_posts("D" + ALICE) == []  # Alice never answered: no reminder
    await team.h.advance(hours=5)
    await team.settled()
    assert len(api.bot_posts("D" + BOB)) == 1
