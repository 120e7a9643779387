"""The ✅ under recorded answers, sent in the background a batch at a time.

A reaction is one Web API call per message (Slack has no call for many), and it tells the
member something already true: the answer is stored. So it never holds up an
acknowledgement or the recording of the next answer: the listener hands it over and ends,
and one task sends whatever has gathered since its last round, a few calls at a time on the
client's one shared HTTP session. The calls still count as work in flight, so closing (and
a test waiting for quiet) waits for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from adapters.slack.pacing import InFlight
from adapters.slack.posting import SlackPort
from bot.chat import MessageRef

log = logging.getLogger(__name__)

PARALLEL = 4
BACKLOG_LIMIT = 20_000
"""Beyond this many unsent ticks (Slack unreachable for long), new ones are dropped with a
log line: the answers themselves are stored either way."""


class ReactionSender:
    def __init__(self, port: SlackPort, inflight: InFlight, parallel: int = PARALLEL) -> None:
        self._port = port
        self._inflight = inflight
        self._parallel = parallel
        self._pending: deque[tuple[MessageRef, str]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def add(self, message: MessageRef, emoji: str) -> None:
        if len(self._pending) >= BACKLOG_LIMIT:
            log.warning("Slack: %d reactions unsent; not adding one to %s", BACKLOG_LIMIT, message)
            return
        self._pending.append((message, emoji))
        self._inflight.begin()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send_forever(), name="slack-reactions")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        while self._pending:
            self._pending.popleft()
            self._inflight.end()

    async def _send_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(50, len(self._pending)))]
                await self._send(batch)

    async def _send(self, batch: list[tuple[MessageRef, str]]) -> None:
        turns = asyncio.Semaphore(self._parallel)

        async def one(message: MessageRef, emoji: str) -> None:
            try:
                async with turns:
                    await self._port.react(message, emoji)
            except Exception as error:
                log.warning("could not react to %s: %s", message.message_id, error)
            finally:
                self._inflight.end()

        await asyncio.gather(*(one(message, emoji) for message, emoji in batch))
