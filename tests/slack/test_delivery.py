"""How requests reach the app over HTTP: signed, acknowledged at once, redeliveries harmless."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.models import Answer, Channel
from tests.slack.conftest import ALICE, BOB, CHANNEL, Team
from tests.slack.fake_web_methods import Posted
from tests.slack.slack_side import SIGNING_SECRET, HttpTransport, sign


async def started_round(team: Team) -> str:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    await team.member(ALICE).runs("now")
    await team.settled()
    return team.api.bot_posts(CHANNEL)[0].ts


async def answer_count(team: Team) -> int:
    async with team.h.kata.sessions() as session:
        return len((await session.scalars(select(Answer))).all())


async def test_a_redelivered_answer_event_is_recorded_once(team: Team) -> None:
    prompt_ts = await started_round(team)
    posted = team.api.member_message(CHANNEL, BOB, "Scope: EU sellers only.", prompt_ts)
    body = team.slack.event_callback(team.slack.message_event(posted))

    first = await team.slack.send_event(body)
    await team.settled()
    # Slack did not see the ack in time and delivers the same event twice more.
    again = await team.slack.send_event(body, retry=1)
    third = await team.slack.send_event(body, retry=2)
    await team.settled()

    assert [first.status, again.status, third.status] == [200, 200, 200]
    assert await answer_count(team) == 1
    assert team.api.reactions == [(CHANNEL, posted.ts, "white_check_mark")]
    assert len(team.api.calls_to("reactions.add")) == 1


async def test_two_deliveries_racing_each_other_still_record_one_answer(team: Team) -> None:
    prompt_ts = await started_round(team)
    posted = team.api.member_message(CHANNEL, BOB, "Data: click logs and labels.", prompt_ts)
    body = team.slack.event_callback(team.slack.message_event(posted))
    await asyncio.gather(team.slack.send_event(body), team.slack.send_event(body, retry=1))
    await team.settled()
    assert await answer_count(team) == 1


async def test_a_forged_signature_is_refused_and_changes_nothing(team: Team) -> None:
    prompt_ts = await started_round(team)
    posts_before = len(team.api.messages)
    forged = Posted(CHANNEL, team.api.next_ts(), "Forged answer", thread_ts=prompt_ts, user=BOB)
    event = team.slack.event_callback(team.slack.message_event(forged))
    forger = HttpTransport(team.slack.transport.url, secret="not-the-signing-secret")
    refused = await forger.deliver("events_api", event)
    command = team.slack.command_payload(CHANNEL, ALICE, "pause")
    refused_command = await forger.deliver("slash_commands", command)
    await team.settled()

    assert refused.status == 401 and refused_command.status == 401
    assert await answer_count(team) == 0
    assert len(team.api.messages) == posts_before
    async with team.h.kata.sessions() as session:
        channel = await session.scalar(select(Channel))
        assert channel is not None and not channel.paused


async def test_a_stale_or_unsigned_request_is_refused(team: Team) -> None:
    transport = team.slack.transport
    assert isinstance(transport, HttpTransport)
    body, content_type = transport.encode(
        "slash_commands", team.slack.command_payload(CHANNEL, ALICE, "setup 09:00 UTC daily")
    )
    six_minutes_ago = int(time.time()) - 6 * 60
    stale = await transport.post_raw(
        body, content_type, sign(SIGNING_SECRET, body, six_minutes_ago)
    )
    unsigned = await transport.post_raw(body, content_type, {})
    tampered_headers = sign(SIGNING_SECRET, body, int(time.time()))
    tampered = await transport.post_raw(body + "&text=now", content_type, tampered_headers)
    await team.settled()

    assert [stale.status, unsigned.status, tampered.status] == [401, 401, 401]
    assert team.api.responses == [] and team.api.messages == []
    assert team.api.calls_to("users.info") == []


async def test_requests_are_acknowledged_before_the_slow_work_is_done(team: Team) -> None:
    """Slack waits 3 s for an ack; posting a round can take longer, so it happens after."""
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.settled()
    slow_post = team.api.hold("chat.postMessage")  # a slow Slack: posts wait for the test

    ack = await team.member(ALICE).runs("now")
    assert ack.status == 200 and ack.body == ""
    assert team.api.bot_posts(CHANNEL) == []  # the prompt is still on its way
    await slow_post.held.wait()
    slow_post.release()

    await team.settled()
    prompt_ts = team.api.bot_posts(CHANNEL)[0].ts
    slow_reaction = team.api.hold("reactions.add")
    _, event_ack = await team.member(BOB).says("Scope: all users.", prompt_ts)
    assert event_ack.status == 200
    assert team.api.reactions == []  # the answer's tick is still on its way
    await slow_reaction.held.wait()
    slow_reaction.release()
    await team.settled()
    assert team.api.responses[-1]["text"].startswith("Today's round is posted")


async def test_url_verification_is_answered_with_the_challenge(team: Team) -> None:
    transport = team.slack.transport
    assert isinstance(transport, HttpTransport)
    body = '{"token": "t", "challenge": "kata-challenge-123", "type": "url_verification"}'
    answer = await transport.post_raw(
        body, "application/json", sign(SIGNING_SECRET, body, int(time.time()))
    )
    assert answer.status == 200
    assert answer.json() == {"challenge": "kata-challenge-123"}


async def test_a_slow_feedback_submit_closes_the_modal_in_time_and_confirms_later(
    team: Team,
) -> None:
    """Inline errors need the core's verdict inside the ack; if the core is slower than the
    budget, the modal closes anyway and the verdict follows as an ephemeral message."""
    prompt_ts = await started_round(team)
    prompt = team.api.bot_posts(CHANNEL)[0]
    await team.member(BOB).says("Scope: EU only.", prompt_ts)
    await team.member(ALICE).presses(prompt, "feedback")
    await team.settled()
    modal = team.api.opened_views[-1]

    team.adapter.inbound.form_ack_budget = 0.3
    telling_bob = team.api.hold("chat.postEphemeral")  # telling Bob about it is slow
    notes_before = list(team.api.ephemerals)
    ack = await team.member(ALICE).submits(
        modal, {"reviewee": BOB, "strength": "Clear scope.", "improvement": "Add SLAs."}
    )
    assert ack.status == 200 and ack.body == ""
    assert team.api.ephemerals == notes_before  # the modal closed while the note was held
    await telling_bob.held.wait()
    telling_bob.release()
    await team.settled()
    to_alice = [e for e in team.api.ephemerals if e["user"] == ALICE]
    assert any("Feedback for Bob" in e["text"] for e in to_alice)


async def test_web_api_calls_share_one_connection_instead_of_one_each(team: Team) -> None:
    prompt_ts = await started_round(team)
    for text in ("Scope: EU sellers only.", "Data: click logs.", "Model: a GBDT baseline."):
        await team.member(BOB).says(text, where=prompt_ts)
        await team.settled()
    calls = [c for c in team.api.calls if c.method in ("chat.postMessage", "reactions.add")]
    assert len(calls) >= 4
    assert len({c.peer for c in calls}) == 1, [c.peer for c in calls]
