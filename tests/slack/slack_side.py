"""Slack's side of the conversation: the signed requests Slack sends to an app.

`SlackSide` builds events, slash commands, button presses and modal submits the way Slack
shapes them, checks event payloads against the Events API schemas, and delivers them either
over HTTP (signed with the v0 scheme) or as Socket Mode envelopes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from tests.slack import slack_spec
from tests.slack.fake_web_api import FakeSlackWebAPI, Posted
from tests.support.specs import have_specs

SIGNING_SECRET = "kata-signing-secret"
PRACTICE_CHANNEL = "CPRACTICE"


def sign(secret: str, body: str, timestamp: int) -> dict[str, str]:
    """The headers Slack adds: X-Slack-Request-Timestamp and the v0 HMAC-SHA256 signature."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Delivered:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Transport(Protocol):
    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> Delivered: ...


class HttpTransport:
    """POSTs to the app's request URL, as Slack does in HTTP mode."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret
        self.timestamp_offset = 0
        self.signature_override: str | None = None

    @staticmethod
    def encode(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
        if kind == "events_api":
            return json.dumps(payload), "application/json"
        if kind == "slash_commands":
            return urlencode(payload), "application/x-www-form-urlencoded"
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"

    async def post_raw(self, body: str, content_type: str, headers: dict[str, str]) -> Delivered:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                self.url, data=body.encode(), headers={"Content-Type": content_type, **headers}
            ) as response,
        ):
            return Delivered(response.status, await response.text())

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> Delivered:
        body, content_type = self.encode(kind, payload)
        headers = sign(self.secret, body, int(time.time()) + self.timestamp_offset)
        if retry:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post_raw(body, content_type, headers)


class SlackSide:
    """Builds what Slack sends for one workspace and hands it to a transport."""

    def __init__(
        self, api: FakeSlackWebAPI, transport: Transport, channel: str = PRACTICE_CHANNEL
    ) -> None:
        self.api = api
        self.transport = transport
        self.channel = channel
        """The practice channel members talk and run commands in."""
        self._event_number = 0

    # ------------------------------------------------------------------ events

    def event_callback(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        self._event_number += 1
        event.setdefault("event_ts", event.get("ts") or self.api.next_ts())
        body = {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "api_app_id": "AKATA",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._event_number:08d}",
            "event_time": int(time.time()),
            "authed_users": [self.api.bot_user_id],
        }
        if have_specs():
            slack_spec.check_event_callback(body)
        return body

    async def send_event(self, body: dict[str, Any], retry: int = 0) -> Delivered:
        return await self.transport.deliver("events_api", body, retry)

    @staticmethod
    def message_event(posted: Posted) -> dict[str, Any]:
        """The `message` event Slack sends for a member's message."""
        event: dict[str, Any] = {
            "type": "message",
            "channel": posted.channel,
            "user": posted.user,
            "text": posted.text,
            "ts": posted.ts,
            "channel_type": "channel",
        }
        if posted.thread_ts:
            event["thread_ts"] = posted.thread_ts
        return event

    # ------------------------------------------------------------------ commands

    def command_payload(self, channel: str, user: str, text: str) -> dict[str, Any]:
        return {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "team_domain": "kata",
            "channel_id": channel,
            "channel_name": "design-practice",
            "user_id": user,
            "user_name": self.api.users.get(user, {}).get("name", user),
            "command": "/kata",
            "text": text,
            "api_app_id": "AKATA",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(),
            "trigger_id": self.api.issue_trigger(),
        }

    # ------------------------------------------------------------------ interactivity

    def user_payload(self, user: str) -> dict[str, Any]:
        name = self.api.users.get(user, {}).get("name", user)
        return {"id": user, "username": name, "name": name, "team_id": self.api.team_id}
