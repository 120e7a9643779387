"""The plumbing every local fake platform shares: an aiohttp server on a free port, a log of
the calls it received (with a way to wait for one), problems the platform would reject the
call for, and failures a test scripts in advance.

Each fake (Slack's Web API and Socket Mode, Discord's REST and gateway) adds only what its
platform says; tests read `calls`/`problems` the same way on both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from aiohttp import web

C = TypeVar("C")
R = TypeVar("R")


class LocalServer:
    """An aiohttp application served on 127.0.0.1 at a port the OS picks."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def serve(self, app: web.Application) -> int:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type narrowing for aiohttp's private
        self.port = server.sockets[0].getsockname()[1]
        return self.port

    def url(self, scheme: str = "http", path: str = "") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class Recorder(Generic[C]):
    """Calls in arrival order and the problems found in them; waiters wake on each call."""

    def __init__(self) -> None:
        self.calls: list[C] = []
        self.problems: list[str] = []
        self.changed = asyncio.Condition()

    async def record(self, call: C) -> None:
        async with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def note(self, *problems: str) -> None:
        self.problems.extend(problems)

    async def wait_for(self, check: Callable[[], R | None], within: float = 5.0) -> R:
        """Wait until `check()` returns something truthy after a call; return it."""

        async def until() -> R:
            async with self.changed:
                while not (result := check()):
                    await self.changed.wait()
                return result

        return await asyncio.wait_for(until(), within)


@dataclass
class Scripted(Generic[C]):
    """An answer the fake gives instead of the real one, `times` times, to matching calls."""

    matches: Callable[[C], bool]
    respond: Callable[[], web.Response]
    times: int = 1


@dataclass
class ScriptedFailures(Generic[C]):
    """Failures a test asks for ahead of time (rate limits, 5xx, missing permissions)."""

    pending: list[Scripted[C]] = field(default_factory=list)

    def add(
        self, matches: Callable[[C], bool], respond: Callable[[], web.Response], times: int = 1
    ) -> None:
        self.pending.append(Scripted(matches, respond, times))

    def answer(self, call: C) -> web.Response | None:
        """The scripted answer for `call`, used up once; None when the fake answers itself."""
        for item in self.pending:
            if item.times > 0 and item.matches(call):
                item.times -= 1
                return item.respond()
        return None


class AnswerWindows:
    """Both platforms give an app three seconds to answer what they hand it (a Slack
    trigger id, a Discord interaction); an answer after that is refused, as a real one is."""

    def __init__(self, seconds: float = 3.0) -> None:
        self.seconds = seconds
        self._opened: dict[str, float] = {}

    def open(self, key: str) -> None:
        self._opened[key] = time.monotonic()

    def state(self, key: str, *, use: bool = False) -> str:
        """ "open", "expired" or "unknown"; `use` closes the window (a one-time trigger)."""
        opened = self._opened.pop(key, None) if use else self._opened.get(key)
        if opened is None:
            return "unknown"
        return "expired" if time.monotonic() - opened > self.seconds else "open"


class Gate:
    """Holds a fake's answers until the test releases them, so a test can see what the app
    did while the platform was still busy, without measuring time."""

    def __init__(self) -> None:
        self.held = asyncio.Event()
        """Set once a call is waiting at the gate."""
        self._open = asyncio.Event()

    async def passes(self) -> None:
        self.held.set()
        await self._open.wait()

    def release(self) -> None:
        self._open.set()
