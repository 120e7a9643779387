"""Spacing out the bot's own messages so a daily fan-out stays under Discord's limits.

discord.py waits out a 429 and learns each route's bucket from the response headers, but it
does not slow down before the first 429. Discord allows 50 requests a second per bot; the
pacer keeps message sends under `per_second` across all channels, and a semaphore bounds how
many are in flight, so hundreds of channels due at 09:00 go out steadily instead of at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Pacer:
    def __init__(self, per_second: float = 25.0, in_flight: int = 4) -> None:
        self._gap = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(in_flight)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free slot and for the next send time, then hold the slot while sending."""
        async with self._slots:
            async with self._lock:
                now = asyncio.get_running_loop().time()
                wait = self._next - now
                self._next = max(now, self._next) + self._gap
            if wait > 0:
                await asyncio.sleep(wait)
            yield
