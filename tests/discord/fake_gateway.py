"""The fake Discord gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME.

Every dispatch gets a sequence number and stays in a log, as on the real gateway, so a client
that resumes after a dropped connection receives what it missed. `replay_overlap` re-sends
events the client already had (Discord delivers at least once), which is what the core's
message-id dedupe is for.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 9, 11, 0


class FakeGateway:
    def __init__(self, ready: Callable[[], dict[str, Any]], guild: Callable[[], dict[str, Any]]):
        self._ready = ready
        self._guild = guild
        self.url = ""
        self.seq = 0
        self.log: list[dict[str, Any]] = []
        self.session_id: str | None = None
        self.ws: web.WebSocketResponse | None = None
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.replay_overlap = 0
        self.refuse_intents = 0
        """Intent bits this application may not use: IDENTIFY with them closes with 4014."""
        self.connected = asyncio.Event()
        self._live = False
        self._client_seq = 0
        """The last sequence number the client reported in a heartbeat."""
        self._beat = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws, self._live = ws, False
        await ws.send_json({"op": HELLO, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            packet = json.loads(msg.data)
            op, data = packet.get("op"), packet.get("d")
            if op == HEARTBEAT:
                self.heartbeats += 1
                await ws.send_json({"op": HEARTBEAT_ACK})
                async with self._beat:
                    self._client_seq = max(self._client_seq, int(data or 0))
                    self._beat.notify_all()
            elif op == IDENTIFY:
                await self._identify(ws, data)
            elif op == RESUME:
                await self._resume(ws, data)
        if self.ws is ws:
            self._live = False
            self.connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if self.refuse_intents & int(data.get("intents") or 0):
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.session_id = secrets.token_hex(8)
        ready = {**self._ready(), "session_id": self.session_id, "resume_gateway_url": self.url}
        guild = self._guild()
        shard = data.get("shard")
        if shard is not None:  # a shard sees only the servers Discord routes to it
            ready["shard"] = shard
            ready["guilds"] = [g for g in ready["guilds"] if _on_shard(g["id"], shard)]
        self._live = True
        await self.dispatch("READY", ready)
        if shard is None or _on_shard(guild["id"], shard):
            await self.dispatch("GUILD_CREATE", guild)
        self.connected.set()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        if data.get("session_id") != self.session_id:
            await ws.send_json({"op": INVALID_SESSION, "d": False})
            return
        since = int(data.get("seq") or 0) - self.replay_overlap
        for packet in [p for p in self.log if p["s"] > since]:
            await ws.send_json(packet)
        self._live = True
        await self.dispatch("RESUMED", {})
        self.connected.set()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event now, or keep it for the replay when the client is away."""
        self.seq += 1
        packet = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.log.append(packet)
        if self.ws is not None and not self.ws.closed and self._live:
            await self.ws.send_json(packet)

    async def caught_up(self, within: float = 5.0) -> None:
        """Return once the client has read every event sent so far.

        Discord may ask a client for a heartbeat at any time (opcode 1); the client answers
        with the last sequence number it read, after handing each event to its handlers.
        """
        assert self.ws is not None and not self.ws.closed
        wanted = self.seq
        await self.ws.send_json({"op": HEARTBEAT, "d": None})

        async def until_read() -> None:
            async with self._beat:
                await self._beat.wait_for(lambda: self._client_seq >= wanted)

        await asyncio.wait_for(until_read(), within)

    async def drop(self, code: int = 4000) -> None:
        """Close the client's connection as a Discord-side failure would."""
        ws, self._live = self.ws, False
        self.connected.clear()
        if ws is not None:
            await ws.close(code=code, message=b"fake outage")


def _on_shard(guild_id: str, shard: list[int]) -> bool:
    """Discord's routing: a server's events go to shard `(guild_id >> 22) % num_shards`."""
    shard_id, count = shard
    return (int(guild_id) >> 22) % count == shard_id
