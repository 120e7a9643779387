"""Slack pushes back (rate limits, 5xx, channels the bot lost): nothing is lost or doubled."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from adapters.slack.inbound import channel_ref
from bot.chat import text_message
from bot.models import Channel
from bot.port import ChannelUnavailable
from tests.slack.conftest import ALICE, BOB, CHANNEL, Team


async def set_up(team: Team) -> None:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()


def prompts_posted(team: Team) -> list:
    return [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]


async def test_a_rate_limited_prompt_waits_for_retry_after_and_is_posted_once(team: Team) -> None:
    await set_up(team)
    team.api.fail("chat.postMessage", status=429, retry_after=0, times=1)
    await team.h.advance(hours=1)  # 09:00 Berlin: the round fires

    assert len(prompts_posted(team)) == 1
    attempts = team.api.calls_to("chat.postMessage")
    assert attempts[0].params == attempts[1].params  # the same post, retried after the 429
    assert len(team.api.bot_posts(CHANNEL)) == len(attempts) - 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_without_double_posting(team: Team, status: int) -> None:
    await set_up(team)
    team.api.fail("chat.postMessage", status=status, error="service_unavailable", times=2)
    await team.h.advance(hours=1)
    assert len(prompts_posted(team)) == 1
    assert len(team.api.calls_to("chat.postMessage")) == len(team.api.bot_posts()) + 2


async def test_a_channel_the_bot_was_removed_from_is_paused_and_the_app_keeps_running(
    team: Team,
) -> None:
    await set_up(team)
    team.api.channels[CHANNEL]["member"] = False  # someone removed the bot from the channel

    await team.h.advance(hours=1)
    async with team.h.kata.sessions() as session:
        channel = await session.scalar(select(Channel))
    assert channel is not None and channel.paused
    assert "not_in_channel" in (channel.paused_reason or "")
    assert prompts_posted(team) == []

    # The app still answers: the schedule shows the pause to whoever asks.
    await team.member(BOB).runs("schedule")
    await team.settled()
    assert team.api.responses[-1]["response_type"] == "ephemeral"
    assert "paused" in team.api.responses[-1]["text"].lower()


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"member": False}, "not_in_channel"),
        ({"archived": True}, "is_archived"),
        (None, "channel_not_found"),
    ],
)
async def test_port_methods_raise_channel_unavailable(
    team: Team, setup: dict | None, reason: str
) -> None:
    gone = "CGONE"
    if setup is not None:
        team.api.add_channel(gone, **setup)
    ref = channel_ref(team.api.team_id, gone)
    with pytest.raises(ChannelUnavailable) as raised:
        await team.adapter.post_prompt(ref, text_message("Today's kata"))
    assert raised.value.reason == reason and raised.value.channel == ref


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
async def test_a_revoked_or_invalid_token_makes_the_channel_unavailable(
    team: Team, error: str
) -> None:
    team.api.fail("chat.postMessage", error=error)
    ref = channel_ref(team.api.team_id, CHANNEL)
    with pytest.raises(ChannelUnavailable) as raised:
        await team.adapter.post_in_channel(ref, text_message("Weekly board"))
    assert raised.value.reason == error


async def test_a_fan_out_is_paced_per_channel_and_parallel_across_channels(team: Team) -> None:
    team.adapter.pacer.interval = 0.15
    other = team.api.add_channel("COTHER")
    refs = [channel_ref(team.api.team_id, c) for c in (CHANNEL, other)]

    begin = asyncio.get_running_loop().time()
    await asyncio.gather(
        *(
            team.adapter.post_in_channel(ref, text_message(f"Board {i}"))
            for ref in refs
            for i in range(3)
        )
    )

    for ref in refs:
        times = [
            c.at
            for c in team.api.calls_to("chat.postMessage")
            if c.params["channel"] == ref.channel_id
        ]
        # Sleeps never end early, so post k cannot leave before k intervals have passed; a
        # busy machine only makes it later (gaps between arrivals can bunch up, so they are
        # not what is checked).
        since = [t - begin for t in times]
        assert len(times) == 3 and all(s >= k * 0.15 for k, s in enumerate(since)), since
    order = [c.params["channel"] for c in team.api.calls_to("chat.postMessage")]
    assert set(order[:2]) == {CHANNEL, other}  # the two channels went side by side


async def test_text_echoed_from_members_can_never_ping_the_channel(team: Team) -> None:
    await set_up(team)
    title = "<!channel> free pizza <@UALICE>"
    await team.member(ALICE).runs(
        f"prompts add {title} | Design a pizza-delivery ETA model for <!here>. | food",
    )
    await team.settled()
    await team.member(ALICE).runs("prompts list food")
    await team.settled()
    listing = team.api.responses[-1]
    shown = "\n".join(b["text"]["text"] for b in listing["blocks"] if b["type"] == "section")
    assert "&lt;!channel&gt; free pizza &lt;@UALICE&gt;" in shown
    for sent in team.api.responses:
        assert "<!channel>" not in sent["text"] and "<@UALICE>" not in sent["text"]
