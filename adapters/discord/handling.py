"""Gateway events the adapter is still working on.

discord.py runs each event handler as its own task, so the end of a gateway message says
nothing about the end of its work. Counting handlers lets `close()` and tests wait for the
work the events started to be done, instead of sleeping or polling the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Handling:
    def __init__(self) -> None:
        self._running = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def event(self) -> AsyncIterator[None]:
        """Count one event from the handler's first step to its end."""
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1
            async with self._changed:
                self._changed.notify_all()

    def begin(self) -> None:
        """Count work that outlives its handler (a tick sent later, `adapters.ticks`)."""
        self._running += 1

    def end(self) -> None:
        self._running -= 1
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def idle(self, limit_seconds: float = 10.0) -> None:
        """Return once no event is being handled."""

        async def until_idle() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self._running == 0)

        await asyncio.wait_for(until_idle(), limit_seconds)
