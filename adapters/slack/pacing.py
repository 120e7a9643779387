"""Bookkeeping that keeps the adapter polite and exact: per-channel pacing, retry dedupe and
a count of requests still being worked on after their ack."""

from __future__ import annotations

import asyncio
from collections import OrderedDict


class ChannelPacer:
    """Spaces posts to one channel at least `interval` seconds apart.

    Slack allows about one message per second per channel; a morning fan-out to many channels
    runs in parallel across channels while each channel gets its posts one by one.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait_turn(self, channel_id: str) -> None:
        """Return when a post to `channel_id` may go out, and book the slot after it."""
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            due = self._next_at.get(channel_id, now)
            if due > now:
                await asyncio.sleep(due - now)
            self._next_at[channel_id] = max(due, now) + self.interval


class DeliveryLog:
    """Remembers Slack event ids that were handled, so a redelivery (`X-Slack-Retry-Num`)
    of a finished or running event is acknowledged without being handled again.

    An event whose handling failed is forgotten, so Slack's retry gets a second chance.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, bool] = OrderedDict()

    def claim(self, event_id: str | None) -> bool:
        """True if this delivery should be handled (first time, or after a failure)."""
        if not event_id:
            return True
        if event_id in self._seen:
            return False
        self._seen[event_id] = True
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def release(self, event_id: str | None) -> None:
        """Forget an event whose handling failed."""
        if event_id:
            self._seen.pop(event_id, None)


class InFlight:
    """Counts requests acknowledged to Slack but still being worked on.

    `close()` waits for them, and tests use `wait_idle()` to know when the work an inbound
    request started is finished, instead of sleeping.
    """

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> None:
        self._count += 1
        self._idle.clear()

    def end(self) -> None:
        self._count = max(0, self._count - 1)
        if self._count == 0:
            self._idle.set()

    @property
    def busy(self) -> bool:
        return self._count > 0

    async def wait_idle(self, limit_seconds: float = 10.0) -> None:
        await asyncio.wait_for(self._idle.wait(), limit_seconds)
