"""Starting the adapter: a wrong token, an unreachable Slack or a busy port says what to fix."""

from __future__ import annotations

import socket

import pytest

from adapters.slack import SlackAdapter, SlackSetupError
from bot.port import ChatPort
from bot.settings import Settings
from tests.slack.conftest import Team, slack_settings
from tests.slack.fake_web_api import FakeSlackWebAPI
from tests.support.harness import Harness


async def start_failure(settings: Settings, h: Harness) -> str:
    adapter = SlackAdapter(h.kata, settings, host="127.0.0.1", retry_backoff_seconds=0.01)
    with pytest.raises(SlackSetupError) as raised:
        await adapter.start()
    await adapter.close()
    return str(raised.value)


def test_the_adapter_refuses_settings_that_cannot_work() -> None:
    kata = object()
    with pytest.raises(SlackSetupError, match="SLACK_BOT_TOKEN"):
        SlackAdapter(kata, Settings(_env_file=None, slack_signing_secret="s"))
    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN"):
        SlackAdapter(kata, Settings(_env_file=None, slack_bot_token="xoxb-1"))


def test_the_adapter_is_the_cores_chat_port(team: Team) -> None:
    assert isinstance(team.adapter, ChatPort)
    assert team.adapter.platform == "slack"


async def test_a_wrong_bot_token_is_named(slack_api: FakeSlackWebAPI, harness: Harness) -> None:
    settings = slack_settings(slack_api).model_copy(update={"slack_bot_token": "xoxb-wrong"})
    message = await start_failure(settings, harness)
    assert "SLACK_BOT_TOKEN" in message and "invalid_auth" in message


async def test_a_wrong_app_token_is_named(slack_api: FakeSlackWebAPI, harness: Harness) -> None:
    settings = slack_settings(slack_api, socket_mode=True)
    settings = settings.model_copy(update={"slack_app_token": "xapp-wrong"})
    message = await start_failure(settings, harness)
    assert "SLACK_APP_TOKEN" in message and "invalid_auth" in message


async def test_an_unreachable_slack_is_reported(
    slack_api: FakeSlackWebAPI, harness: Harness
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = slack_settings(slack_api).model_copy(
        update={"slack_api_url": f"http://127.0.0.1:{port}/api/"}
    )
    assert "cannot reach the Slack Web API" in await start_failure(settings, harness)


async def test_a_busy_port_is_reported(slack_api: FakeSlackWebAPI, harness: Harness) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = slack_settings(slack_api).model_copy(update={"port": taken.getsockname()[1]})
        message = await start_failure(settings, harness)
    assert "cannot listen" in message and "PORT" in message
