"""A local stand-in for Slack's Web API, speaking its HTTP shapes on 127.0.0.1.

Form, query or JSON parameters; a Bearer token; `{"ok": ...}` answers with Slack's error
codes; 429 with Retry-After when told to (the server, call log, scripted failures and gates
are the kit's in tests/support/fake_server.py). Every call is checked against the adapter's
declared methods and the Block Kit limits, and, where the specs are at hand
(tests/support/specs.py), against Slack's OpenAPI description: anything Slack would reject
lands in `problems`, which the fixture asserts is empty after each test.
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
from tests.slack import slack_spec
from tests.slack.fake_web_methods import Posted, SlackMethods
from tests.support.fake_server import (
    AnswerWindows,
    Gate,
    LocalServer,
    Recorder,
    ScriptedFailures,
)
from tests.support.specs import have_specs

JSON_PARAMS = {"blocks", "view", "files", "attachments"}
COMMON_PARAMS = {"team_id"}
"""The SDK adds `team_id` to every call bolt makes for a request (org-wide installs)."""


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    peer: tuple[str, int] | None = None
    """The client's address and port: one port for many calls means one reused connection."""


class FakeSlackWebAPI(SlackMethods):
    def __init__(self, *, team_id: str = "T0KATA", bot_token: str = "xoxb-kata-test") -> None:
        self.team_id = team_id
        self.bot_token = bot_token
        self.app_token = "xapp-kata-test"
        self.bot_user_id = "UKATABOT"
        self.bot_id = "BKATA"
        self.recorder: Recorder[Call] = Recorder()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, bool]] = {}
        self.messages: list[Posted] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.opened_views: list[dict[str, Any]] = []
        self.updated_views: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.reactions: list[tuple[str, str, str]] = []
        self.uploads: dict[str, bytes] = {}
        self.shared_files: list[dict[str, Any]] = []
        self.upload_requests: dict[str, dict[str, Any]] = {}
        self.socket_url: str | None = None
        self._scripted: ScriptedFailures[Call] = ScriptedFailures()
        self._after_accept: list[list[Any]] = []
        self._gates: dict[str, Gate] = {}
        self._triggers = AnswerWindows()
        self._clock = itertools.count(1)
        self._server = LocalServer()
        self.url = ""

    # ------------------------------------------------------------------ setup

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        await self._server.serve(app)
        self.url = self._server.url()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def close(self) -> None:
        for gate in self._gates.values():
            gate.release()
        await self._server.close()

    @property
    def calls(self) -> list[Call]:
        return self.recorder.calls

    @property
    def problems(self) -> list[str]:
        return self.recorder.problems

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

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (in `channel`, if given) with an error or
        a status (e.g. 429 with Retry-After)."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        body = {"ok": False, "error": error or "ratelimited"}

        def matches(call: Call) -> bool:
            return call.method == method and (not channel or call.params.get("channel") == channel)

        def respond() -> web.Response:
            return web.json_response(body, status=status, headers=headers)

        self._scripted.add(matches, respond, times)

    def accept_then_fail(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """Carry out the next `times` calls of `method`, then answer them with `status` anyway:
        the platform took the post but the app cannot know (as with a timeout)."""
        self._after_accept.append([method, times, status])

    def hold(self, method: str) -> Gate:
        """Keep every call of `method` waiting until the returned gate is released."""
        gate = self._gates[method] = Gate()
        return gate

    def issue_trigger(self) -> str:
        """A trigger_id as Slack puts in a command or button payload (valid 3 s, once)."""
        trigger = f"{next(self._clock)}.{int(time.time())}.trigger"
        self._triggers.open(trigger)
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
                    self.recorder.note(f"{key} is not JSON")
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        peername = request.transport.get_extra_info("peername") if request.transport else None
        peer = (str(peername[0]), int(peername[1])) if peername else None
        call = Call(method, params, asyncio.get_running_loop().time(), peer)
        await self.recorder.record(call)
        spec = slack_spec.method_spec(method) if have_specs() else None
        if method not in WEB_API_METHODS or (have_specs() and spec is None):
            self.recorder.note(f"{method}: unknown or undeclared method")
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        if spec is not None:
            unknown = set(params) - spec.params - COMMON_PARAMS
            missing = sorted(spec.required - set(params))
            if unknown or missing:
                self.recorder.note(f"{method}: unknown {sorted(unknown)}, missing {missing}")
                return web.json_response({"ok": False, "error": "invalid_arguments"})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != wanted:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method in self._gates:
            await self._gates[method].passes()
        scripted = self._scripted.answer(call)
        if scripted is not None:
            return scripted
        handler = getattr(self, "_" + method.replace(".", "_"))
        body = handler(params)
        for pending in self._after_accept:
            if pending[0] == method and pending[1] > 0 and body.get("ok"):
                pending[1] -= 1
                return web.json_response(
                    {"ok": False, "error": "internal_error"}, status=pending[2]
                )
        return web.json_response(body)
