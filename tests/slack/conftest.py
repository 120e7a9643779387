"""Fixtures: a fake Slack (Web API + request sender) around the real adapter and real core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from adapters.slack import SlackAdapter
from bot.settings import Settings
from tests.slack.fake_socket_mode import FakeSocketMode
from tests.slack.fake_web_api import FakeSlackWebAPI
from tests.slack.members import SlackMember
from tests.slack.slack_side import PRACTICE_CHANNEL, SIGNING_SECRET, HttpTransport, SlackSide
from tests.support.harness import Harness
from tests.support.platform_fixtures import attached, harness

CHANNEL = PRACTICE_CHANNEL
ALICE, BOB, CAROL = "UALICE", "UBOB", "UCAROL"


@dataclass
class Team:
    """One Slack workspace practising in #design-practice, with the bot installed."""

    api: FakeSlackWebAPI
    slack: SlackSide
    adapter: SlackAdapter
    h: Harness

    def member(self, user: str) -> SlackMember:
        """The workspace member `user`, to act as them."""
        return SlackMember(self.slack, user)

    async def settled(self) -> None:
        """Wait until the adapter finished the work its last requests started."""
        await self.adapter.wait_idle(10)


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackWebAPI]:
    api = FakeSlackWebAPI()
    await api.start()
    api.add_channel(CHANNEL)
    api.add_user(ALICE, "Alice", admin=True)
    api.add_user(BOB, "Bob")
    api.add_user(CAROL, "Carol")
    yield api
    await api.close()
    assert api.problems == [], "the fake Slack saw calls Slack would reject"


def slack_settings(api: FakeSlackWebAPI, *, socket_mode: bool = False) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=api.bot_token,
        slack_signing_secret=None if socket_mode else SIGNING_SECRET,
        slack_app_token=api.app_token if socket_mode else None,
        slack_api_url=api.api_url,
        port=0,
    )


async def _team(
    api: FakeSlackWebAPI, h: Harness, *, socket: FakeSocketMode | None = None
) -> SlackAdapter:
    adapter = SlackAdapter(
        h.kata,
        slack_settings(api, socket_mode=socket is not None),
        host="127.0.0.1",
        pacing_seconds=0.0,
        retry_backoff_seconds=0.01,
    )
    return await attached(h, adapter)


@pytest.fixture
async def team(slack_api: FakeSlackWebAPI, harness: Harness) -> AsyncIterator[Team]:
    """The adapter in HTTP mode, receiving signed requests on a local port."""
    adapter = await _team(slack_api, harness)
    url = f"http://127.0.0.1:{adapter.port}/slack/events"
    yield Team(slack_api, SlackSide(slack_api, HttpTransport(url)), adapter, harness)
    await adapter.close()


@pytest.fixture
async def socket_team(slack_api: FakeSlackWebAPI, harness: Harness) -> AsyncIterator[Team]:
    """The adapter in Socket Mode, connected to a local websocket."""
    socket = FakeSocketMode()
    await socket.start()
    slack_api.socket_url = socket.url
    adapter = await _team(slack_api, harness, socket=socket)
    yield Team(slack_api, SlackSide(slack_api, socket), adapter, harness)
    await adapter.close()
    await socket.close()


__all__ = ["harness"]
