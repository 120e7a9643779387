"""A local stand-in for Slack's Web API, speaking its HTTP shapes on 127.0.0.1.

Form, query or JSON parameters; a Bearer token; `{"ok": ...}` answers with Slack's error
codes; 429 with Retry-After when told to. Every call is checked against the adapter's declared
methods and the Block Kit limits, and, where the specs are at hand (tests/support/specs.py),
against Slack's OpenAPI description: anything Slack would reject lands in `problems`, which
the fixture asserts is empty after each test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.slack.client import WEB_API_METHODS
from tests.slack import specs
from tests.slack.fake_web_methods import Posted, SlackMethods
from tests.support.specs import have_specs

JSON_PARAMS = {"blocks", "view", "files", "attachments"}
COMMON_PARAMS = {"team_id"}
"""The SDK adds `team_id` to every call bolt makes for a request (org-wide installs)."""


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Scripted:
    """A failure the fake answers with, `times` times, for calls matching method/channel."""

    method: str
    times: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    channel: str | None = None


class FakeSlackWebAPI(SlackMethods):
    def __init__(self, *, team_id: str = "T0KATA", bot_token: str = "xoxb-kata-test") -> None:
        self.team_id = team_id
        self.bot_token = bot_token
        self.app_token = "xapp-kata-test"
        self.bot_user_id = "UKATABOT"
        self.bot_id = "BKATA"
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, bool]] = {}
        self.messages: list[Posted] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.opened_views: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.reactions: list[tuple[str, str, str]] = []
        self.uploads: dict[str, bytes] = {}
        self.shared_files: list[dict[str, Any]] = []
        self.socket_url: str | None = None
        self._scripted: list[Scripted] = []
        self.delays: dict[str, float] = {}
        """Seconds a method takes to answer, to play a slow Slack."""
        self._triggers: dict[str, float] = {}
        self._clock = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ setup

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(self, user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> str:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name.lower(),
            "real_name": name,
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }
        return user_id

    def add_channel(self, channel_id: str, *, member: bool = True, archived: bool = False) -> str:
        self.channels[channel_id] = {"member": member, "archived": archived}
        return channel_id

    def fail(self, method: str, *, times: int = 1, **how: Any) -> None:
        """Answer the next `times` calls of `method` with an error or a status (e.g. 429)."""
        self._scripted.append(Scripted(method, times, **how))

    def issue_trigger(self) -> str:
        """A trigger_id as Slack puts in a command or button payload (valid 3 s, once)."""
        trigger = f"{next(self._clock)}.{int(time.time())}.trigger"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def response_url(self) -> str:
        return f"{self.url}/respond/{next(self._clock)}"

    def member_message(self, channel: str, user: str, text: str, thread_ts: str | None) -> Posted:
        """Record a message a member wrote (the test then sends the matching event)."""
        posted = Posted(channel, self.next_ts(), text, thread_ts=thread_ts, user=user)
        self.messages.append(posted)
        return posted

    # ------------------------------------------------------------------ queries

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def bot_posts(self, channel: str | None = None) -> list[Posted]:
        return [
            m for m in self.messages if m.user is None and (channel is None or m.channel == channel)
        ]

    def thread(self, channel: str, thread_ts: str) -> list[Posted]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts == thread_ts]

    def bot_replies(self, channel: str, thread_ts: str) -> list[Posted]:
        return [m for m in self.thread(channel, thread_ts) if m.user is None]

    # ------------------------------------------------------------------ HTTP

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for key in JSON_PARAMS & params.keys():
            if isinstance(params[key], str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    self.problems.append(f"{key} is not JSON")
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, asyncio.get_running_loop().time()))
        spec = specs.method_spec(method) if have_specs() else None
        if method not in WEB_API_METHODS or (have_specs() and spec is None):
            self.problems.append(f"{method}: unknown or undeclared method")
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        if spec is not None:
            unknown = set(params) - spec.params - COMMON_PARAMS
            missing = spec.required - set(params)
            if unknown or missing:
                self.problems.append(
                    f"{method}: unknown {sorted(unknown)}, missing {sorted(missing)}"
                )
                return web.json_response({"ok": False, "error": "invalid_arguments"})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != wanted:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        scripted = self._scripted_for(method, params)
        if scripted is not None:
            return scripted
        handler = getattr(self, "_" + method.replace(".", "_"))
        body = handler(params)
        return web.json_response(body)

    def _scripted_for(self, method: str, params: dict[str, Any]) -> web.Response | None:
        for item in self._scripted:
            if item.method != method or item.times <= 0:
                continue
            if item.channel and params.get("channel") != item.channel:
                continue
            item.times -= 1
            headers = {}
            if item.retry_after is not None:
                headers["Retry-After"] = str(item.retry_after)
            body: dict[str, Any] = {"ok": False, "error": item.error or "ratelimited"}
            return web.json_response(body, status=item.status, headers=headers)
        return None
