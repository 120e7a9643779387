"""The worker: claims due rows of the work queue and runs them through a bounded pool.

Timers only wake it (`bot.jobs`: one alarm, set to the next due row or lease end); what is due
is always read from the database, so a restart, a kill or a second worker on the same
PostgreSQL changes nothing about what gets done, only who does it. The pool holds at most
`concurrency` items at once, each holding a connection only inside its own short
transactions, never while a platform call is in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot import assignments, metrics, nudges, work_log, work_queue
from bot.jobs import Action
from bot.kinds import WorkKind
from bot.rounds import fanout, lifecycle
from bot.work_queue import Claimed

if TYPE_CHECKING:
    from bot.context import Deps

log = logging.getLogger(__name__)

Handler = Callable[["Deps", Claimed], Awaitable[str]]

HANDLERS: dict[WorkKind, Handler] = {
    WorkKind.ROUND: lifecycle.run_round,
    WorkKind.STAGE: lifecycle.run_stage,
    WorkKind.WRAP_UP: lifecycle.run_wrap_up,
    WorkKind.BOARDS: lifecycle.run_boards,
    WorkKind.REMIND: nudges.run_remind,
    WorkKind.ASSIGN: assignments.run_assign,
    WorkKind.REVIEW_DUE: assignments.run_review_due,
}
"""Every kind of work and the use case that carries it out; a test checks none is missing."""

WAKE_JOB = "wake"
KEEP_DONE = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)


def worker_name() -> str:
    """Unique per process and start: host, pid and a random tail (a restarted pid differs)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """One process's worker. `wake` drains what is due; `poke` asks for a drain soon;
    `run_key` runs one row now for a command; `stop` hands back what it holds."""

    def __init__(
        self,
        deps: Deps,
        *,
        name: str | None = None,
        concurrency: int = 8,
        poll: timedelta | None = None,
        eager: bool = False,
        lease: timedelta = work_queue.LEASE,
    ) -> None:
        self.deps = deps
        self.name = name or worker_name()
        self.concurrency = concurrency
        self.poll = poll
        self.eager = eager
        self.lease = lease
        self.claiming = True
        self._busy = False
        self._again = False
        self._running: set[asyncio.Task[str]] = set()
        self._weight: dict[asyncio.Task[str], int] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._last_prune = None

    # ------------------------------------------------------------ waking

    def poke(self) -> None:
        """New work may be due now. Eager (a running bot): drain in the background at once;
        otherwise (tests, with a manual clock) set the alarm to now."""
        if not self.claiming:
            return
        if self.eager:
            task = asyncio.get_running_loop().create_task(self.wake())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        else:
            self.deps.jobs.run_at(WAKE_JOB, self.deps.clock.now(), Action.WAKE)

    async def wake(self) -> None:
        """Drain everything due, then set the alarm for the next due row. A wake that arrives
        while a drain runs makes that drain look once more instead of starting a second."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            while True:
                self._again = False
                await self._drain()
                await self._arm()
                if not self._again or not self.claiming:
                    return
        finally:
            self._busy = False

    async def settle(self) -> None:
        """Return once nothing due now is left to run by this process."""
        await self.wake()
        while self._busy or self._background:
            if self._background:
                await asyncio.wait(set(self._background))
            else:
                await asyncio.sleep(0.01)
            await self.wake()

    async def _drain(self) -> None:
        while self.claiming:
            busy = sum(self._weight.get(t, 1) for t in self._running)
            free = self.concurrency - busy
            claimed: list[Claimed] = []
            # Refill in batches, not one claim per finished row: each claim is a write
            # transaction, and on SQLite every write waits for the one writer.
            if free > 0 and busy <= self.concurrency // 2:
                claimed = await work_queue.claim(
                    self.deps.sessions, self.name, self.deps.clock.now(), free, self.lease
                )
                now = self.deps.clock.now()
                for item in claimed:
                    metrics.work_claimed(item.kind, max((now - item.due_at).total_seconds(), 0.0))
                rounds = [i for i in claimed if i.kind == WorkKind.ROUND]
                if len(rounds) > 1:
                    self._spawn_rounds(rounds)
                for item in claimed:
                    if item.kind != WorkKind.ROUND or len(rounds) == 1:
                        self._spawn(item)
            if not self._running:
                return
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
        if self._running:
            await asyncio.wait(self._running)

    def _spawn_rounds(self, items: list[Claimed]) -> None:
        """Many rounds due together (the morning fan-out) go as one batch: see
        `bot.rounds.fanout`. The batch takes as many places in the pool as it has rows."""
        task = asyncio.get_running_loop().create_task(self.execute_rounds(items))
        self._running.add(task)
        self._weight[task] = len(items)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda t: self._weight.pop(t, None))

    async def execute_rounds(self, items: list[Claimed]) -> str:
        try:
            outcomes = await fanout.run_rounds(self.deps, items)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcomes = {item.id: exc for item in items}
        settled = [i for i in items if not isinstance(outcomes.get(i.id), Exception)]
        for item in items:
            outcome = outcomes.get(item.id)
            if isinstance(outcome, Exception):
                await self._failed(item, outcome)
        if settled:
            async with self.deps.sessions.begin() as session:
                await work_queue.finish_many(
                    session, [i.id for i in settled], self.name, self.deps.clock.now()
                )
            for item in settled:
                metrics.work_done(item.kind)
        return f"{len(settled)} of {len(items)} settled"

    def _spawn(self, item: Claimed) -> None:
        task = asyncio.get_running_loop().create_task(self.execute(item))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _arm(self) -> None:
        now = self.deps.clock.now()
        async with self.deps.sessions.begin() as session:
            when = await work_queue.next_wake(session, now)
            await self._prune(session, now)
        if self.poll is not None:
            when = min(when, now + self.poll) if when else now + self.poll
        if when is None:
            self.deps.jobs.cancel(WAKE_JOB)
            return
        # A row due now that this drain could not claim (another worker holds its lock)
        # is looked at again shortly, never in a tight loop.
        self.deps.jobs.run_at(WAKE_JOB, max(when, now + timedelta(seconds=1)), Action.WAKE)

    async def _prune(self, session: Any, now: Any) -> None:
        if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            await work_queue.prune(session, now - KEEP_DONE)

    # ------------------------------------------------------------ running one row

    async def run_key(self, key: str, **overrides: Any) -> str | None:
        """Run the row `key` now, due or not (a command asked for it); None when it is done
        or another worker runs it right now."""
        item = await work_queue.claim_key(
            self.deps.sessions, self.name, key, self.deps.clock.now(), self.lease
        )
        if item is None:
            return None
        metrics.work_claimed(item.kind, 0.0)
        if overrides:
            item = replace(item, payload={**item.payload, **overrides})
        try:
            return await self.execute(item)
        finally:
            self.poke()  # a failed row's retry, or the work it planned, needs the alarm set

    async def execute(self, item: Claimed) -> str:
        """Run one claimed row; finish it, or give it back for a retry with backoff."""
        handler = HANDLERS.get(item.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for work of kind {item.kind!r}")
            status = await handler(self.deps, item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(item, exc)
            return "failed"
        async with self.deps.sessions.begin() as session:
            await work_queue.finish(session, item.id, self.name, self.deps.clock.now())
        metrics.work_done(item.kind)
        return status

    async def _failed(self, item: Claimed, exc: Exception) -> None:
        now = self.deps.clock.now()
        error = f"{type(exc).__name__}: {exc}"
        try:
            async with self.deps.sessions.begin() as session:
                retry_at = await work_queue.fail(session, item.id, self.name, now, error)
        except Exception:
            log.exception("work %s failed and could not be given back; its lease will", item.key)
            return
        metrics.work_failed(item.kind, retrying=retry_at is not None)
        work_log.work_failed(item.kind, item.key, item.attempts, retry_at, exc)
        log.debug("work %s failed", item.key, exc_info=exc)

    # ------------------------------------------------------------ stopping

    async def stop(self, grace: float = 8.0) -> int:
        """Stop claiming, let running rows finish for up to `grace` seconds, cancel the rest
        and hand back everything still held; returns how many rows were handed back."""
        self.claiming = False
        self.deps.jobs.cancel(WAKE_JOB)
        running = set(self._running) | set(self._background)
        if running:
            _, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        try:
            async with self.deps.sessions.begin() as session:
                return await work_queue.release_all(session, self.name)
        except Exception:
            log.warning("could not hand back held work; leases will run out", exc_info=True)
            return 0
