"""The app manifest a user pastes into Slack agrees with what the adapter handles and calls."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack.client import WEB_API_METHODS
from adapters.slack.handlers import COMMAND, HANDLED_EVENTS, MESSAGE_EVENTS
from bot.commands.catalogue import COMMANDS
from tests.slack import slack_spec
from tests.slack.conftest import CHANNEL, Team

MANIFEST = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "adapters/slack/manifest.yaml").read_text()
)
BOT_SCOPES = set(MANIFEST["oauth_config"]["scopes"]["bot"])
SUBSCRIBED = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def handled_as(subscription: str) -> str:
    """Bolt receives every `message.*` subscription as the `message` event."""
    return "message" if subscription.startswith("message.") else subscription


def test_every_subscribed_event_is_handled_and_every_handled_event_subscribed() -> None:
    assert {handled_as(s) for s in SUBSCRIBED} == set(HANDLED_EVENTS)
    assert set(MESSAGE_EVENTS) <= SUBSCRIBED


def test_subscribed_events_are_real_events_whose_scopes_are_requested() -> None:
    for subscription in SUBSCRIBED - {"app_home_opened"}:  # newer than the spec snapshot
        assert slack_spec.known_event(subscription), subscription
        assert slack_spec.event_scopes(subscription) <= BOT_SCOPES, subscription


def test_every_web_api_method_the_adapter_calls_is_granted_by_a_requested_scope() -> None:
    for method in WEB_API_METHODS:
        spec = slack_spec.method_spec(method)
        assert spec is not None, f"{method} is not a Slack Web API method"
        if not spec.scopes or spec.scopes <= slack_spec.APP_LEVEL_SCOPES:
            continue  # no scope needed, or granted to the app-level (Socket Mode) token
        assert spec.scopes & BOT_SCOPES, f"{method} needs one of {sorted(spec.scopes)}"


def test_the_slash_command_interactivity_and_home_tab_are_all_declared() -> None:
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == [COMMAND]
    assert "commands" in BOT_SCOPES
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["features"]["bot_user"]["display_name"]


async def test_each_subscribed_event_reaches_a_listener(team: Team) -> None:
    """Bolt answers 404 to an event no listener takes; every subscribed one gets a 200."""
    examples = {
        "message": {"type": "message", "channel": CHANNEL, "user": "UBOB", "text": "hi"},
        "app_home_opened": {"type": "app_home_opened", "user": "UBOB", "tab": "home"},
        **{
            kind: {
                "type": kind,
                "user": "UBOB",
                "reaction": "trophy",
                "item": {"type": "message", "channel": CHANNEL, "ts": "1.000001"},
            }
            for kind in ("reaction_added", "reaction_removed")
        },
    }
    for subscription in sorted(SUBSCRIBED):
        event = dict(examples[handled_as(subscription)])
        event["ts"] = team.api.next_ts()
        if subscription == "message.groups":
            event["channel_type"] = "group"
        delivered = await team.slack.send_event(team.slack.event_callback(event))
        assert delivered.status == 200, subscription
    unhandled = {"type": "pin_added", "user": "UBOB", "channel_id": CHANNEL, "item": {}}
    delivered = await team.slack.send_event(team.slack.event_callback(unhandled))
    assert delivered.status == 404
    await team.settled()


def test_the_slash_command_hint_names_only_declared_commands() -> None:
    [command] = MANIFEST["features"]["slash_commands"]
    hinted = [part.split()[0] for part in command["usage_hint"].split("|")]
    assert hinted and all(COMMANDS.lookup(word) is not None for word in hinted), hinted
    assert len(command["description"]) <= 100
