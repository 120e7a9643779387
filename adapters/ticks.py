"""The ✅ under recorded answers: sent in the background, within the platform's rate for it.

A reaction is one API call per message (neither platform has a call for many), and it tells
the member something already true: the answer is stored. So it never holds up an
acknowledgement or the recording of the next answer: the handler hands it over and ends.

The platforms limit the calls: Slack's `reactions.add` is a Tier 3 method, about 50 calls a
minute for the workspace; Discord allows a few reactions a second per channel. A busy minute
(a team answering at once, or many channels) would otherwise queue ticks for an hour and get
the app rate-limited. So the ticks spend a budget (`TickBudget`: a rate with room for a
burst); a tick that has waited `SUMMARY_AFTER` seconds for the budget is folded, with the
others waiting in its thread, into one thread reply that says how many answers were recorded
("✅ 37 more answers recorded ..."). That is one call instead of 37, and the members still
see their answers counted within seconds.

The calls count as work in flight, so closing (and a test waiting for quiet) waits for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.chat import ChannelRef, MessageRef, OutgoingMessage, ThreadRef, text_message

log = logging.getLogger(__name__)

PARALLEL = 4
SUMMARY_AFTER = 20.0
BACKLOG_LIMIT = 20_000
"""At this many unsent ticks (a flood of answers, or Slack unreachable for long), the
oldest waiting thread's ticks are folded into its note at once, so memory stays bounded and
every answer is still confirmed, by a tick or by a note."""


@dataclass
class TickBudget:
    """A token bucket: `burst` ticks at once, refilled at `per_minute`."""

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._at = self.clock()

    def take(self) -> bool:
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def seconds_to_next(self) -> float:
        self._refill()
        return max(0.0, (1 - self._tokens) * 60.0 / self.per_minute)

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_minute / 60.0)
        self._at = now


_Tick = tuple[int, str, str]
"""(place number, message id, emoji). A flood leaves thousands of ticks waiting for the
budget; as a tuple of atoms each one is a single object the garbage collector soon stops
tracking, where a tick holding its own references was five that every pass walked again."""


@dataclass
class _Place:
    """Where waiting ticks are: their channel and thread, shared by all of them."""

    channel: ChannelRef
    thread: ThreadRef | None
    waiting: int = 0


class Tickable(Protocol):
    """What the sender needs of an adapter's port."""

    async def react_now(self, message: MessageRef, emoji: str) -> None: ...

    async def post_in_thread(self, thread: ThreadRef, message: OutgoingMessage) -> object: ...


class Work(Protocol):
    """The adapter's count of work in flight."""

    def begin(self) -> None: ...

    def end(self) -> None: ...


class ReactionSender:
    """Sends the ticks handed to `add`, oldest first, within `budget`."""

    def __init__(
        self,
        port: Tickable,
        inflight: Work,
        budget: TickBudget,
        parallel: int = PARALLEL,
        summary_after: float = SUMMARY_AFTER,
    ) -> None:
        self._port = port
        self._inflight = inflight
        self._turns = asyncio.Semaphore(parallel)
        self.budget = budget
        self.summary_after = summary_after
        self._pending: OrderedDict[_Tick, float] = OrderedDict()
        """Ticks waiting, oldest first, with when each was handed over."""
        self._places: dict[int, _Place] = {}
        self._place_of: dict[tuple[ChannelRef, ThreadRef | None], int] = {}
        self._next_place = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def add(self, message: MessageRef, emoji: str) -> None:
        if len(self._pending) >= BACKLOG_LIMIT:
            oldest = next(iter(self._pending))
            self._start(self._summarise(*self._take_thread(self._places[oldest[0]].thread)))
        tick = (self._place(message), message.message_id, emoji)
        if tick in self._pending:
            return
        self._pending[tick] = self.budget.clock()
        self._places[tick[0]].waiting += 1
        self._inflight.begin()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send_forever(), name="answer-ticks")

    async def close(self) -> None:
        task, self._task = self._task, None
        for running in (task, *self._sending):
            if running is None:
                continue
            running.cancel()
            try:
                await running
            except asyncio.CancelledError:
                pass
        while self._pending:
            self._forget(self._pending.popitem(last=False)[0])
            self._inflight.end()

    async def _send_forever(self) -> None:
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            oldest, since = next(iter(self._pending.items()))
            if self.budget.take():
                del self._pending[oldest]
                message = self._forget(oldest)
                await self._turns.acquire()
                self._start(self._react(message, oldest[2]))
                continue
            waited = self.budget.clock() - since
            if waited >= self.summary_after:
                self._start(self._summarise(*self._take_thread(self._places[oldest[0]].thread)))
                continue
            pause = min(self.budget.seconds_to_next(), self.summary_after - waited)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max(pause, 0.01))
            except TimeoutError:
                pass

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def _place(self, message: MessageRef) -> int:
        key = (message.channel, message.thread)
        number = self._place_of.get(key)
        if number is None:
            number = self._place_of[key] = self._next_place
            self._places[number] = _Place(message.channel, message.thread)
            self._next_place += 1
        return number

    def _forget(self, tick: _Tick) -> MessageRef:
        """The message of a tick taken off the backlog; its place goes once it is empty."""
        place = self._places[tick[0]]
        place.waiting -= 1
        if not place.waiting:
            del self._places[tick[0]]
            del self._place_of[place.channel, place.thread]
        return MessageRef(place.channel, tick[1], place.thread)

    def _take_thread(self, thread: ThreadRef | None) -> tuple[ThreadRef | None, int]:
        """Take every tick waiting in `thread` off the backlog: the thread and how many."""
        numbers = {n for n, place in self._places.items() if place.thread == thread}
        taken = [tick for tick in self._pending if tick[0] in numbers]
        for tick in taken:
            del self._pending[tick]
            self._forget(tick)
        return thread, len(taken)

    async def _react(self, message: MessageRef, emoji: str) -> None:
        try:
            await self._port.react_now(message, emoji)
        except Exception as error:
            log.warning("could not react to %s: %s", message.message_id, error)
        finally:
            self._turns.release()
            self._inflight.end()

    async def _summarise(self, thread: ThreadRef | None, count: int) -> None:
        """One reply for the thread's waiting ticks; the answers are stored already."""
        try:
            if thread is not None and count:
                answers = f"{count} more answer{'' if count == 1 else 's'}"
                note = f"✅ {answers} recorded here (too many at once to tick each one)."
                await self._port.post_in_thread(thread, text_message(note))
        except Exception as error:
            log.warning("could not post the recorded-answers note: %s", error)
        finally:
            for _ in range(count):
                self._inflight.end()
