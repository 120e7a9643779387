"""Requests an attacker can send: they are refused or harmless, and never stall other teams."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select

from bot.models import Answer, CustomPrompt
from tests.slack.conftest import ALICE, BOB, CHANNEL, Team
from tests.slack.slack_side import SIGNING_SECRET, HttpTransport, sign


def http(team: Team) -> HttpTransport:
    transport = team.slack.transport
    assert isinstance(transport, HttpTransport)
    return transport


@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "１２３", " 12"])
async def test_a_timestamp_that_is_not_a_number_is_refused_like_a_bad_signature(
    team: Team, timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    transport = http(team)
    body, content_type = transport.encode(
        "slash_commands", team.slack.command_payload(CHANNEL, ALICE, "pause")
    )
    headers = sign(SIGNING_SECRET, body, int(time.time()))
    headers["X-Slack-Request-Timestamp"] = timestamp
    with caplog.at_level(logging.DEBUG):
        refused = await transport.post_raw(body, content_type, headers)
    await team.settled()

    assert refused.status == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a bad header"
    assert team.api.responses == [] and team.api.messages == []


async def test_a_replayed_slash_command_is_carried_out_once(team: Team) -> None:
    transport = http(team)
    await team.member(ALICE).runs("setup 09:00 UTC daily")
    await team.settled()
    command = team.slack.command_payload(
        CHANNEL,
        ALICE,
        "prompts add Rank support tickets | Our help desk gets 5k tickets a day. Order them.",
    )
    body, content_type = transport.encode("slash_commands", command)
    headers = sign(SIGNING_SECRET, body, int(time.time()))
    statuses = [(await transport.post_raw(body, content_type, headers)).status for _ in range(5)]
    await team.settled()

    assert statuses == [200] * 5
    async with team.h.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CustomPrompt)) == 1
    said = [r.get("text", "") for r in team.api.responses]
    assert sum("Added prompt" in text for text in said) == 1
    assert sum("arrived twice" in text for text in said) == 4


async def test_a_command_that_once_froze_the_bot_is_answered_and_others_are_not_held_up(
    team: Team,
) -> None:
    """`feedback bob a=a=a=…` took 49 s at 84 characters under the old parser."""
    await team.member(ALICE).runs("setup 09:00 UTC daily")
    await team.member(ALICE).runs("now")
    await team.settled()
    hostile = await team.member(BOB).runs("feedback bob " + "a=" * 5000)
    other = await team.member(ALICE).runs("schedule")
    await team.settled()

    assert hostile.status == 200 and other.status == 200
    said = [r.get("text", "") for r in team.api.responses]
    assert any("strength:" in text for text in said)
    assert all(len(text) < 2000 for text in said)


@pytest.mark.parametrize("forgery", ["wrong secret", "ten minutes old", "no signature"])
async def test_a_forged_thread_reply_is_refused_and_never_counts_as_an_answer(
    team: Team, forgery: str
) -> None:
    """Thread replies skip bolt's middleware for speed; they still get its signature rules."""
    transport = http(team)
    await team.member(ALICE).runs("setup 09:00 UTC daily")
    await team.member(ALICE).runs("now")
    await team.settled()
    [prompt] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]
    posted = team.api.member_message(CHANNEL, BOB, "Scope: new sign-ups only.", prompt.ts)
    body, content_type = transport.encode(
        "events_api", team.slack.event_callback(team.slack.message_event(posted))
    )
    now = int(time.time())
    headers = {
        "wrong secret": sign("not-the-secret", body, now),
        "ten minutes old": sign(SIGNING_SECRET, body, now - 600),
        "no signature": {"X-Slack-Request-Timestamp": str(now)},
    }[forgery]

    refused = await transport.post_raw(body, content_type, headers)
    await team.settled()
    async with team.h.kata.sessions() as session:
        forged = await session.scalar(select(func.count()).select_from(Answer))
    accepted = await transport.post_raw(body, content_type, sign(SIGNING_SECRET, body, now))
    await team.settled()
    async with team.h.kata.sessions() as session:
        genuine = await session.scalar(select(func.count()).select_from(Answer))

    assert refused.status == 401 and forged == 0
    assert accepted.status == 200 and genuine == 1
