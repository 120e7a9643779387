"""Socket Mode: the app opens its websocket through apps.connections.open and acks envelopes."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Answer
from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team
from tests.slack.fake_socket_mode import FakeSocketMode


async def test_the_app_connects_with_its_app_token(socket_team: Team) -> None:
    [opened] = socket_team.api.calls_to("apps.connections.open")
    assert opened.params == {}
    transport = socket_team.slack.transport
    assert isinstance(transport, FakeSocketMode) and transport.connected.is_set()
    assert socket_team.adapter.port is None  # no HTTP server in Socket Mode


async def test_a_round_over_socket_mode_with_acks_for_every_envelope(socket_team: Team) -> None:
    team = socket_team
    api, slack = team.api, team.slack
    transport = slack.transport
    assert isinstance(transport, FakeSocketMode)

    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    await team.member(ALICE).runs("now")
    await team.settled()
    prompt = api.bot_posts(CHANNEL)[0]

    posted, _ = await team.member(BOB).says("Scope: riders in one city.", prompt.ts)
    await team.settled()
    assert (CHANNEL, posted.ts, "white_check_mark") in api.reactions

    # Socket Mode redelivers with a retry_attempt; the answer still counts once.
    body = slack.event_callback(slack.message_event(posted))
    await transport.deliver("events_api", body, retry=1)
    await team.settled()
    async with team.h.kata.sessions() as session:
        assert len((await session.scalars(select(Answer))).all()) == 1

    # The feedback modal: errors come back in the ack's payload, as Slack expects.
    await team.member(CAROL).says("Metrics: ETA error in minutes.", prompt.ts)
    await team.member(CAROL).presses(prompt, "feedback")
    await team.settled()
    modal = api.opened_views[-1]
    refused = await team.member(CAROL).submits(
        modal, {"reviewee": BOB, "strength": "no", "improvement": "no"}
    )
    assert refused.json()["response_action"] == "errors"
    accepted = await team.member(CAROL).submits(
        modal,
        {"reviewee": BOB, "strength": "Crisp scope.", "improvement": "Say how you label."},
    )
    assert accepted.body == ""
    await team.settled()

    # Every envelope sent was acknowledged by its id.
    assert len(transport.acks) >= 8
    assert all(ack["envelope_id"].startswith("env-") for ack in transport.acks)
    assert len({ack["envelope_id"] for ack in transport.acks}) == len(transport.acks)
