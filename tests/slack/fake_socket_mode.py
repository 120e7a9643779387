"""A local Socket Mode endpoint: a websocket that sends envelopes and reads the app's acks.

`apps.connections.open` on the fake Web API hands out this server's ws:// URL, exactly how
Slack points an app at its Socket Mode connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack.slack_side import Delivered
from tests.support.fake_server import LocalServer


class FakeSocketMode:
    def __init__(self) -> None:
        self.url = ""
        self.connected = asyncio.Event()
        self.acks: list[dict[str, Any]] = []
        self._socket: web.WebSocketResponse | None = None
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._server = LocalServer()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._connect)
        await self._server.serve(app)
        self.url = self._server.url("ws", "/link?ticket=kata-test")

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        await self._server.close()

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake-socket", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "AKATA"},
        }
        await socket.send_str(json.dumps(hello))
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            self.acks.append(ack)
            waiter = self._waiting.pop(str(ack.get("envelope_id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        return socket

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> Delivered:
        """Send one envelope and wait (briefly) for the app's ack; its payload is the answer."""
        await asyncio.wait_for(self.connected.wait(), 5)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[envelope_id] = waiter
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
        }
        await self._socket.send_str(json.dumps(envelope))
        ack = await asyncio.wait_for(waiter, 3)
        body = ack.get("payload")
        return Delivered(200, json.dumps(body) if body else "")
