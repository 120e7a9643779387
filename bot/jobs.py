"""A small alarm-clock API over APScheduler, in the spirit of python-telegram-bot's JobQueue.

The only job the core sets is `Action.WAKE`: wake the worker at the next moment work is due.
What is due lives in the database (`bot.work_queue`), so the scheduler keeps no live objects
and no persistent store, and losing every timer (a restart) loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger(__name__)

Runner = Callable[[str, dict[str, Any]], Awaitable[None]]


class Action(StrEnum):
    """Every job the core sets, by name."""

    WAKE = "wake"
    """Claim and run the work that is due (`bot.worker.Worker.wake`)."""


@dataclass(order=True)
class Job:
    when: datetime
    job_id: str = field(compare=False)
    action: str = field(compare=False)
    kwargs: dict[str, Any] = field(compare=False, default_factory=dict)


class JobQueue(Protocol):
    def bind(self, runner: Runner) -> None:
        """Set the function every job calls as `runner(action, kwargs)`."""
        ...

    def run_at(self, job_id: str, when: datetime, action: str, **kwargs: Any) -> None:
        """Schedule `action` at `when`, replacing any job with the same id."""
        ...

    def cancel(self, job_id: str) -> None: ...

    def jobs(self) -> list[Job]: ...

    def start(self) -> None: ...

    def shutdown(self) -> None: ...


class SchedulerJobQueue:
    """Production queue: APScheduler's AsyncIOScheduler with an in-memory store.

    `misfire_grace_time=None` runs a late job however late, and `coalesce` collapses a backlog
    into one run. Instances may overlap: a wake that fires while a drain runs must reach the
    worker (which folds it into that drain) instead of being skipped, as APScheduler skips a
    job already at `max_instances`.
    """

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 64}
        )
        self._runner: Runner | None = None
        self._meta: dict[str, Job] = {}

    def bind(self, runner: Runner) -> None:
        self._runner = runner

    def run_at(self, job_id: str, when: datetime, action: str, **kwargs: Any) -> None:
        self._meta[job_id] = Job(when, job_id, action, kwargs)
        self._scheduler.add_job(
            self._run,
            DateTrigger(run_date=when),
            args=(job_id, action, kwargs),
            id=job_id,
            replace_existing=True,
        )

    async def _run(self, job_id: str, action: str, kwargs: dict[str, Any]) -> None:
        self._meta.pop(job_id, None)
        if self._runner is None:
            log.error("job %s fired before a runner was bound", job_id)
            return
        await self._runner(action, kwargs)

    def cancel(self, job_id: str) -> None:
        self._meta.pop(job_id, None)
        if self._scheduler.get_job(job_id):
            self._scheduler.remove_job(job_id)

    def jobs(self) -> list[Job]:
        return sorted(self._meta.values())

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


class ManualJobQueue:
    """For tests and benchmarks: jobs run only when `run_due(now)` is awaited."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._runner: Runner | None = None

    def bind(self, runner: Runner) -> None:
        self._runner = runner

    def run_at(self, job_id: str, when: datetime, action: str, **kwargs: Any) -> None:
        self._jobs[job_id] = Job(when, job_id, action, kwargs)

    def cancel(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values())

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        self._jobs.clear()

    async def run_due(self, now: datetime) -> int:
        """Run every job due at `now`, earliest first, including jobs they schedule."""
        assert self._runner is not None, "bind() first"
        ran = 0
        while True:
            due = [j for j in self._jobs.values() if j.when <= now]
            if not due:
                return ran
            job = min(due)
            del self._jobs[job.job_id]
            await self._runner(job.action, job.kwargs)
            ran += 1
