"""A real core on a real database, with a fake clock and a job queue that runs on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

import bot.models  # noqa: F401  (every table on the metadata)
from bot.clock import FakeClock
from bot.content import Content, load_content
from bot.core import Kata
from bot.db import Base, make_engine, make_sessions
from bot.jobs import ManualJobQueue
from bot.settings import PROJECT_ROOT

DEFAULT_START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday morning
_CONTENT: Content | None = None


def content() -> Content:
    global _CONTENT
    if _CONTENT is None:
        _CONTENT = load_content(PROJECT_ROOT / "content")
    return _CONTENT


@dataclass
class Harness:
    kata: Kata
    clock: FakeClock
    jobs: ManualJobQueue
    engine: AsyncEngine
    database_url: str

    async def run_due(self) -> int:
        return await self.jobs.run_due(self.clock.now())

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> int:
        """Move the clock forward and run every job that became due on the way, in order."""
        target = self.clock.now() + (delta if delta is not None else timedelta(**kwargs))
        ran = 0
        while True:
            upcoming = [j for j in self.jobs.jobs() if j.when <= target]
            if not upcoming:
                break
            self.clock.set(max(self.clock.now(), upcoming[0].when))
            ran += await self.run_due()
        self.clock.set(target)
        return ran + await self.run_due()

    async def start(self) -> int:
        """`Kata.start` as a process starting does it, then the work it found due."""
        await self.kata.start()
        return await self.run_due()

    async def restart(self, clean: bool = True) -> Harness:
        """A new process on the same database: fresh core, fresh timers, same clock.
        `clean=False`: the old process was killed, so it handed nothing back."""
        if clean:
            await self.kata.close()
        jobs = ManualJobQueue()
        kata = Kata(make_sessions(self.engine), content(), self.clock, jobs)
        return Harness(kata, self.clock, jobs, self.engine, self.database_url)

    async def close(self) -> None:
        await self.kata.close()
        await self.engine.dispose()


async def make_harness(
    database_url: str = "sqlite+aiosqlite:///:memory:",
    start: datetime = DEFAULT_START,
    reset: bool = True,
) -> Harness:
    """`reset` drops and recreates every table (PostgreSQL tests share one database)."""
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        if reset:
            await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    clock = FakeClock(start)
    jobs = ManualJobQueue()
    kata = Kata(make_sessions(engine), content(), clock, jobs)
    return Harness(kata, clock, jobs, engine, database_url)
